#![cfg(not(target_arch = "wasm32"))]
//! Every bad input the open procedure must refuse (or, for WAL, open with a notice), checked
//! natively through the same code the browser runs.

mod common;

use flagdeck_core::header::{self, HeaderError, JournalMode};
use flagdeck_core::inspect::OpenError;
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::Generation;
use flagdeck_demo::{demo_script, DemoOptions};

/// A small, valid flag database made by the project's generator (no fixtures needed).
fn demo_bytes() -> Vec<u8> {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(&demo_script(&DemoOptions { flags: 40, ..DemoOptions::default() })).unwrap();
    db.export_sync().unwrap()
}

fn open_error(bytes: &[u8]) -> OpenError {
    match common::open_and_inspect(bytes) {
        Err(e) => e,
        Ok((_, report, _)) => panic!("expected a refusal, the file opened as {:?}", report.generation),
    }
}

#[test]
fn an_empty_file_is_refused_in_words() {
    let e = open_error(&[]);
    assert_eq!(e, OpenError::Header(HeaderError::Empty));
    assert!(e.to_string().contains("empty (0 bytes)"));
}

#[test]
fn a_text_file_is_not_sqlite() {
    let e = open_error(b"id,name\n1,alice\n2,bob\n");
    assert!(matches!(e, OpenError::Header(HeaderError::NotSqlite { .. })), "{e:?}");
    assert!(e.to_string().contains("\"id,name.1,alice.\""), "{e}");
}

#[test]
fn a_truncated_database_says_how_much_is_missing() {
    let bytes = demo_bytes();
    let half = &bytes[..bytes.len() / 2];
    match open_error(half) {
        OpenError::Header(HeaderError::Truncated { expected, actual }) => {
            assert_eq!(expected, bytes.len() as u64);
            assert_eq!(actual, half.len());
        }
        other => panic!("{other:?}"),
    }
    // Cut inside the 100-byte header.
    assert_eq!(open_error(&bytes[..60]), OpenError::Header(HeaderError::TooShort { bytes: 60 }));
}

#[test]
fn a_damaged_header_is_named() {
    let mut bytes = demo_bytes();
    bytes[16..18].copy_from_slice(&1000u16.to_be_bytes());
    let e = open_error(&bytes);
    assert!(matches!(e, OpenError::Header(HeaderError::Damaged(_))), "{e:?}");
    assert!(e.to_string().contains("page size 1000"), "{e}");
}

#[test]
fn damaged_pages_fail_the_quick_check() {
    let mut bytes = demo_bytes();
    let page = 4096;
    // Overwrite a few pages in the middle with noise; the header stays valid.
    let mut x: u32 = 12345;
    for b in &mut bytes[page * 20..page * 23] {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let e = open_error(&bytes);
    assert!(matches!(e, OpenError::Corrupt(_)), "{e:?}");
    assert!(e.to_string().starts_with("The database is damaged"), "{e}");
}

#[test]
fn another_applications_database_lists_what_is_missing() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO photos (path) VALUES ('a.jpg');")
        .unwrap();
    let e = open_error(&db.export_sync().unwrap());
    assert_eq!(
        e,
        OpenError::UnknownSchema {
            missing: vec!["flags or acolyte_quests".into(), "agents_catalog".into()],
            tables: vec!["photos".into()]
        }
    );
    let text = e.to_string();
    assert!(text.contains("not an Acolytes or ClaudeSquad database"), "{e}");
    assert!(text.contains("Missing: flags or acolyte_quests, agents_catalog."), "{e}");
    assert!(text.contains("Its tables: photos."), "{e}");

    // A flags table without the catalog: only the catalog is missing.
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync("CREATE TABLE flags (id INTEGER PRIMARY KEY, status TEXT);").unwrap();
    match open_error(&db.export_sync().unwrap()) {
        OpenError::UnknownSchema { missing, .. } => {
            assert!(missing.contains(&"agents_catalog".to_string()));
            assert!(missing.contains(&"flags.action_required".to_string()));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wal_database_opens_and_exports_in_wal_mode() {
    // Put a copy of the demo into WAL mode with SQLite itself.
    let path = std::env::temp_dir().join(format!("flagdeck-wal-test-{}.db", std::process::id()));
    std::fs::write(&path, demo_bytes()).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!((bytes[18], bytes[19]), (2, 2));

    let (db, report, _) = common::open_and_inspect(&bytes).expect("a WAL file opens");
    assert!(report.wal);
    assert_eq!(report.generation, Generation::V1);
    assert_eq!(report.counts.flag_total(), Some(40));

    let exported = header::restore_journal_mode(db.export_sync().unwrap(), JournalMode::Wal);
    assert_eq!(header::check(&exported).unwrap().journal_mode, JournalMode::Wal);
    let again = NativeDb::open_bytes(&exported).unwrap();
    let rs = again.query_sync("PRAGMA integrity_check", &[]).unwrap();
    assert_eq!(rs.first_column_text(), ["ok"]);
    let rs = again.query_sync("PRAGMA journal_mode", &[]).unwrap();
    assert_eq!(rs.first_column_text(), ["wal"]);
}
