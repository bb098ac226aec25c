#![cfg(not(target_arch = "wasm32"))]
//! Issue 12, items 3 and 6, natively: schema objects this SQLite cannot use are not damage (the
//! file opens, they are named, the writes they break are known), real damage still is, and
//! messages that list names stay short.
//!
//! rusqlite's bundled SQLite has FTS5, so a missing module is simulated the way such files come
//! about: the `CREATE VIRTUAL TABLE` text in `sqlite_master` names a module this SQLite does not
//! have (`PRAGMA writable_schema`). Missing tables are made with a plain `DROP TABLE`, which
//! leaves the views and triggers naming them behind.

mod common;

use std::path::PathBuf;

use flagdeck_core::edits::{self, EditError};
use flagdeck_core::inspect::{OpenError, Report};
use flagdeck_core::listing;
use flagdeck_core::native::NativeDb;
use flagdeck_core::unusable::{Cause, ObjectKind, Write};
use flagdeck_core::Value;

/// `../shared/field-cases/NAME`, if this machine has it.
fn field_case(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/field-cases").join(name);
    if path.exists() {
        Some(std::fs::read(path).expect("field case is readable"))
    } else {
        eprintln!(
            "NOTE: ../shared/field-cases is absent on this machine: the field-case checks are not run here"
        );
        None
    }
}

/// `bytes` after `sql` ran on a private copy.
fn changed(bytes: &[u8], sql: &str) -> Vec<u8> {
    let db = NativeDb::open_bytes(bytes).unwrap();
    db.execute_batch_sync(sql).unwrap();
    db.export_sync().unwrap()
}

fn texts(db: &NativeDb, sql: &str) -> Vec<String> {
    db.query_sync(sql, &[]).unwrap().first_column_text()
}

fn opened(bytes: &[u8]) -> (NativeDb, Report) {
    match common::open_and_inspect(bytes) {
        Ok((db, report, _)) => (db, report),
        Err(e) => panic!("the file was refused: {e}"),
    }
}

/// The fts5 field case with its module renamed to one no SQLite has.
const WITHOUT_FTS5: &str = "PRAGMA writable_schema = ON; \
     UPDATE sqlite_master SET sql = replace(sql, 'USING fts5(', 'USING fts5_absent(') WHERE name = 'flags_fts'; \
     PRAGMA writable_schema = OFF;";

/// The master rows, as `inspect-db` compares them.
fn master(db: &NativeDb) -> Vec<Vec<Value>> {
    db.query_sync("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name", &[])
        .unwrap()
        .rows
}

#[test]
fn the_fts5_file_opens_natively_with_nothing_unusable() {
    let Some(bytes) = field_case("fts5-index-with-sync-triggers.db") else { return };
    let (db, report) = opened(&bytes);
    assert_eq!(report.generation.code(), "v1");
    assert!(report.limits.is_empty(), "FTS5 is compiled in here: {:?}", report.limits);
    let flags = db.query_sync("SELECT COUNT(*) FROM flags", &[]).unwrap().scalar().and_then(Value::as_i64);
    assert_eq!(report.counts.flag_total(), flags);
}

#[test]
fn a_missing_fts5_module_is_named_and_turns_flag_writes_off() {
    let Some(bytes) = field_case("fts5-index-with-sync-triggers.db") else { return };
    let bytes = changed(&bytes, WITHOUT_FTS5);
    let (db, report) = opened(&bytes);
    assert_eq!(report.generation.code(), "v1");
    let limits = &report.limits;

    // The virtual table, with its module and SQLite's words.
    let vt: Vec<_> = limits.objects.iter().filter(|o| o.kind == ObjectKind::VirtualTable).collect();
    assert_eq!(vt.len(), 1, "{limits:?}");
    assert_eq!((vt[0].name.as_str(), vt[0].module.as_deref()), ("flags_fts", Some("fts5_absent")));
    assert_eq!(vt[0].cause, Cause::MissingModule("fts5_absent".into()));
    assert_eq!(vt[0].message, "no such module: fts5_absent");

    // The triggers that write to it, as plain SQL finds them.
    let mut want = texts(
        &db,
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'flags' AND sql LIKE '%INTO flags_fts%'",
    );
    want.sort();
    assert_eq!(want.len(), 3, "the field case has three sync triggers");
    let mut blamed: Vec<String> =
        limits.objects.iter().filter(|o| o.kind == ObjectKind::Trigger).map(|o| o.name.clone()).collect();
    blamed.sort();
    assert_eq!(blamed, want);

    // Every write to flags fails, nothing else.
    assert_eq!(limits.blocked.len(), 1, "{:?}", limits.blocked);
    let b = limits.blocked_writes("flags").expect("flags writes are blocked");
    assert_eq!(b.writes, Write::ALL);
    let off = limits.edit_off("flags", "flags").expect("editing flags is off");
    for name in &want {
        assert!(off.contains(name.as_str()), "{off}");
    }
    assert!(off.contains("module fts5_absent"), "{off}");
    assert_eq!(limits.edit_off("jobs", "jobs"), None, "the jobs triggers compile");

    // A write tried anyway: SQLite's words, nothing changed.
    let before = db.export_sync().unwrap();
    let edit = pollster::block_on(edits::plan(&db, 2, "Lock", &edits::lock_values(true)))
        .unwrap()
        .expect("a change");
    let e = pollster::block_on(edits::apply(&db, &edit)).expect_err("the trigger cannot be compiled");
    match e {
        EditError::Refused(m) | EditError::Engine(flagdeck_core::DbError::Sqlite(m)) => {
            assert_eq!(m, "no such module: fts5_absent")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(db.export_sync().unwrap(), before, "the file is byte for byte as before");

    // Reading works: the counts equal plain SQL, the schema is untouched by opening.
    let pending = db
        .query_sync("SELECT COUNT(*) FROM flags WHERE status = 'pending'", &[])
        .unwrap()
        .scalar()
        .and_then(Value::as_i64);
    assert_eq!(report.counts.flags.as_ref().map(|f| f.pending), pending);
    let original = NativeDb::open_bytes(&bytes).unwrap();
    assert_eq!(master(&db), master(&original));
}

/// The v1 fixture with a view and a trigger left behind by `DROP TABLE`, a view naming a column
/// that is gone, and a view calling a function no SQLite has.
const LEFT_BEHIND: &str = "\
    CREATE TABLE flag_audit (flag_id INTEGER, at TEXT); \
    CREATE VIEW audited AS SELECT flag_id, at FROM flag_audit; \
    CREATE TRIGGER flags_audit AFTER UPDATE OF status ON flags BEGIN \
      INSERT INTO flag_audit VALUES (new.id, datetime('now')); END; \
    DROP TABLE flag_audit; \
    CREATE TABLE shelf (a, b); \
    CREATE VIEW shelf_b AS SELECT a, b FROM shelf; \
    CREATE VIEW odd AS SELECT 1 AS one; \
    PRAGMA writable_schema = ON; \
    UPDATE sqlite_master SET sql = 'CREATE TABLE shelf (a)' WHERE name = 'shelf'; \
    UPDATE sqlite_master SET sql = 'CREATE VIEW odd AS SELECT no_such_fn(1) AS one' WHERE name = 'odd'; \
    PRAGMA writable_schema = OFF;";

#[test]
fn views_and_triggers_naming_what_is_gone_are_listed_not_damage() {
    let Some(v1) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let bytes = changed(&v1, LEFT_BEHIND);
    let (db, report) = opened(&bytes);
    assert_eq!(report.generation.code(), "v1");
    let views = texts(&db, "SELECT name FROM sqlite_master WHERE type = 'view'");
    assert_eq!(report.views, views.len(), "broken views are counted");
    let causes: Vec<(ObjectKind, &str, &Cause)> =
        report.limits.objects.iter().map(|o| (o.kind, o.name.as_str(), &o.cause)).collect();
    assert_eq!(
        causes,
        [
            (ObjectKind::View, "audited", &Cause::MissingTable("flag_audit".into())),
            (ObjectKind::View, "shelf_b", &Cause::MissingColumn("b".into())),
            (ObjectKind::View, "odd", &Cause::MissingFunction("no_such_fn".into())),
            (ObjectKind::Trigger, "flags_audit", &Cause::MissingTable("flag_audit".into())),
        ]
    );
    assert!(report.limits.is_unusable("AUDITED") && !report.limits.is_unusable("pending_flags"));
    // Only updates fire the trigger: inserting and deleting flags still works.
    let b = report.limits.blocked_writes("flags").expect("updates of flags are blocked");
    assert_eq!(b.writes, [Write::Update]);
    assert_eq!(b.triggers, ["flags_audit"]);
    // Every line the summary shows names the object and quotes SQLite.
    for o in &report.limits.objects {
        let line = o.describe();
        assert!(line.contains(&o.name) && line.contains(&o.message), "{line}");
    }
}

#[test]
fn the_fixtures_have_nothing_unusable() {
    for name in [
        "acolytes-v1-small.db",
        "claudesquad-v0-small.db",
        "acolytes-v2-small.db",
        "acolytes-hybrid-small.db",
    ] {
        let Some(bytes) = common::fixture_bytes(name) else { return };
        let (_, report) = opened(&bytes);
        assert!(report.limits.is_empty(), "{name}: {:?}", report.limits);
    }
}

#[test]
fn real_damage_is_still_damage() {
    let Some(v1) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    // Swap two index entries' pages with noise: quick_check reports lines, all damage.
    let mut bytes = v1.clone();
    let page = 4096;
    let mut x: u32 = 99;
    for b in &mut bytes[page * 30..page * 34] {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    match common::open_and_inspect(&bytes) {
        Err(e @ OpenError::Corrupt(_)) => {
            assert!(
                e.to_string().starts_with("The database is damaged: SQLite's integrity check found"),
                "{e}"
            );
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("a damaged file opened"),
    }
}

#[test]
fn a_long_problem_list_names_three_and_counts_the_rest() {
    let problems: Vec<String> =
        (1..=400).map(|i| format!("row {i} missing from index idx_flags_status")).collect();
    let text = OpenError::Corrupt(problems).to_string();
    assert!(text.contains("found 400 problems"), "{text}");
    assert!(text.contains("row 3 missing") && !text.contains("row 4 missing"), "{text}");
    assert!(text.contains("… and 397 more"), "{text}");
}

#[test]
fn three_thousand_tables_make_a_short_alert() {
    let mut sql = String::from("BEGIN;\n");
    for i in 1..=3000 {
        sql.push_str(&format!(
            "CREATE TABLE measurement_series_{i:04} (id INTEGER PRIMARY KEY, value REAL);\n"
        ));
    }
    sql.push_str("COMMIT;");
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(&sql).unwrap();
    let bytes = db.export_sync().unwrap();
    let e = match common::open_and_inspect(&bytes) {
        Err(e) => e,
        Ok(_) => panic!("a file without flags opened"),
    };
    let OpenError::UnknownSchema { ref tables, .. } = e else { panic!("{e:?}") };
    assert_eq!(tables.len(), 3000, "the error keeps every name");
    let text = e.to_string();
    assert!(text.len() < 600, "{} bytes: {text}", text.len());
    assert!(text.contains("Its 3,000 tables: measurement_series_0001, "), "{text}");
    assert!(text.contains(&format!("… and {} more.", listing::thousands(3000 - listing::SHOWN))), "{text}");
}
