#![cfg(not(target_arch = "wasm32"))]
//! The dashboard's stores read straight from a file's pages (`dashboard::imagescan`), as the
//! browser reads them: the whole `Aggregates` computed from them equal the SQL path's (plain
//! SQLite through rusqlite, the oracle) on every fixture, a generated file, and a file whose
//! rows predate columns added by ALTER TABLE (their defaults) — and no SQL reads flags or
//! tool_logs on that path.

mod common;

use flagdeck_core::dashboard::flaglog::Catalog;
use flagdeck_core::dashboard::imagescan::{scan_image, Stores};
use flagdeck_core::dashboard::toollog::read_sessions;
use flagdeck_core::dashboard::{
    aggregates, filter_choices, filter_choices_with, Aggregates, DashboardState, Logs, Range,
};
use flagdeck_core::native::NativeDb;
use flagdeck_core::port::Recording;
use flagdeck_core::schema::{read_facts, SchemaFacts};
use flagdeck_core::table_info::table_info;
use flagdeck_core::wire;
use flagdeck_demo::{demo_script, DemoOptions};
use pollster::block_on;

const NOW: &str = "2026-11-30 12:00";

/// The stores of `db`'s image (its bytes as the browser would hold them), as the page gets
/// them: read by the worker, then over the wire (`flagdeck_core::wire`).
fn stores(db: &NativeDb) -> Stores {
    let read = read_stores(db);
    let bytes = wire::encode(&read);
    let got = wire::decode(&bytes).unwrap();
    assert_eq!(wire::encode(&got), bytes, "the stores cross the wire unchanged");
    got
}

/// The stores as read from the image, before any wire.
fn read_stores(db: &NativeDb) -> Stores {
    let image = db.export_sync().unwrap();
    let tools = block_on(table_info(db, "tool_logs")).unwrap();
    let flags = block_on(table_info(db, "flags")).unwrap();
    scan_image(&image, tools.as_ref(), flags.as_ref()).unwrap()
}

fn states() -> Vec<DashboardState> {
    let base = DashboardState::default();
    vec![
        base.clone(),
        DashboardState { range: Range::Days(7), ..base.clone() },
        DashboardState { range: Range::Everything, ..base.clone() },
        DashboardState {
            range: Range::Custom { from: "2025-06-01".into(), to: "2026-12-31".into() },
            ..base.clone()
        },
        DashboardState { tool: Some("Edit".into()), ..base.clone() },
        DashboardState { target: Some("@backend.api".into()), ..base },
    ]
}

fn run(db: &NativeDb, facts: &SchemaFacts, state: &DashboardState, logs: Logs<'_>) -> Aggregates {
    block_on(aggregates(db, facts, state, NOW, &|_, _, _| {}, logs)).unwrap()
}

/// Both paths agree for every state, and the page path reads neither table by SQL.
fn same_both_ways(what: &str, db: &NativeDb) {
    let facts = block_on(read_facts(db)).unwrap();
    let s = stores(db);
    assert_eq!(s.tools.is_some(), facts.has_table("tool_logs"), "{what}: a tool store iff the table exists");
    assert_eq!(s.flags.is_some(), facts.has_table("flags"), "{what}: a flag store iff the table exists");
    // The small tables read once, as the shell keeps them.
    let catalog = block_on(Catalog::read(db, &facts)).unwrap();
    let sessions = block_on(read_sessions(db, &facts)).unwrap();
    let logs = Logs {
        tools: s.tools.as_ref(),
        flags: s.flags.as_ref(),
        catalog: Some(&catalog),
        sessions: Some(&sessions),
    };
    assert_eq!(
        block_on(filter_choices_with(db, &facts, logs)).unwrap(),
        block_on(filter_choices(db, &facts)).unwrap(),
        "{what}: filter choices"
    );
    for state in states() {
        let sql = run(db, &facts, &state, Logs::default());
        let pages = run(db, &facts, &state, logs);
        assert_eq!(pages, sql, "{what}: {state:?}");
        let rec = Recording::new(db);
        block_on(aggregates(&rec, &facts, &state, NOW, &|_, _, _| {}, logs)).unwrap();
        let big: Vec<String> = rec
            .statements
            .borrow()
            .iter()
            .map(|(s, _)| s.clone())
            // The only statement allowed: listing tool_logs' outlier rows, when there are some.
            .filter(|s| (s.contains(" flags") || s.contains("tool_logs")) && !s.contains("AS unreadable"))
            .filter(|s| !s.contains("pragma_table_info"))
            .collect();
        assert!(big.is_empty(), "{what}: SQL over the big tables on the page path: {big:?}");
        let small: Vec<String> = rec.statements.borrow().iter().map(|(s, _)| s.clone()).collect();
        assert!(
            !small.iter().any(|s| s.contains("agents_catalog")
                || s.contains("FROM sessions")
                || s.contains("FROM jobs")),
            "{what}: the catalog, sessions and jobs given are not read again: {small:?}"
        );
    }
}

#[test]
fn every_fixture_gives_the_same_dashboard_from_its_pages() {
    let Some(dir) = common::fixtures_dir() else { return };
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("db") {
            continue;
        }
        // open_copy copies the file and its -wal: the fixture is never touched.
        let db = NativeDb::open_copy(&path).unwrap();
        same_both_ways(&path.display().to_string(), &db);
        seen += 1;
    }
    assert!(seen >= 4, "the v0, v1, v2 and hybrid fixtures at least");
}

#[test]
fn a_generated_file_gives_the_same_dashboard_from_its_pages() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    let opts = DemoOptions { flags: 3000, tool_logs: Some(30_000), ..Default::default() };
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    same_both_ways("generated", &db);
}

#[test]
fn rows_older_than_added_columns_read_those_columns_defaults() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    // A 1.x-like tool_logs and flags, rows written, then columns added with defaults (rows
    // written before lack them in their records), then more rows.
    db.execute_batch_sync(
        "CREATE TABLE tool_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, tool_name TEXT NOT NULL, timestamp TEXT NOT NULL);
         INSERT INTO tool_logs (tool_name, timestamp) VALUES ('Edit', '2026-03-01 10:00:00'), ('Bash', '2026-03-02 11:00:00');
         ALTER TABLE tool_logs ADD COLUMN success BOOLEAN DEFAULT 0;
         ALTER TABLE tool_logs ADD COLUMN blocked_by_hook BOOLEAN DEFAULT 1;
         ALTER TABLE tool_logs ADD COLUMN hook_message TEXT DEFAULT 'policy';
         ALTER TABLE tool_logs ADD COLUMN lines_changed INTEGER DEFAULT 3;
         INSERT INTO tool_logs (tool_name, timestamp, success, blocked_by_hook, hook_message, lines_changed)
           VALUES ('Edit', '2026-03-03 12:00:00', 1, 0, NULL, 10);
         CREATE TABLE flags (id INTEGER PRIMARY KEY, status TEXT, created_at TEXT, impact_level TEXT);
         INSERT INTO flags (status, created_at, impact_level) VALUES ('pending', '2026-03-01 09:00', 'high');
         ALTER TABLE flags ADD COLUMN locked INTEGER DEFAULT 1;
         ALTER TABLE flags ADD COLUMN target_agent TEXT DEFAULT '@backend.api';
         INSERT INTO flags (status, created_at, impact_level, locked, target_agent) VALUES ('pending', '2026-03-02 09:00', 'critical', 0, '@frontend');",
    )
    .unwrap();
    same_both_ways("added columns", &db);
    // The defaults really were read: SQLite gives them for the old rows.
    let facts = block_on(read_facts(&db)).unwrap();
    let s = stores(&db);
    let agg = run(
        &db,
        &facts,
        &DashboardState::default(),
        Logs { tools: s.tools.as_ref(), flags: s.flags.as_ref(), ..Default::default() },
    );
    let hooks = agg.hooks.unwrap();
    assert_eq!((hooks.calls, hooks.blocked, hooks.failures), (3, 2, 2));
    assert_eq!(hooks.lines_changed, Some(16));
    // The old flag reads target_agent's default (a table this small is no flag generation the
    // dashboard shows, so the store is asked directly).
    let to_backend = DashboardState { target: Some("@backend.api".into()), ..DashboardState::default() };
    assert_eq!(s.flags.unwrap().pending(&to_backend), 1);
}

#[test]
fn a_file_without_the_tables_has_no_stores() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync("CREATE TABLE other (x); INSERT INTO other VALUES (1);").unwrap();
    let s = stores(&db);
    assert!(s.tools.is_none() && s.flags.is_none());
}

/// tool_logs of three rows older than every column added after them.
const OLD_CALLS: &str = "CREATE TABLE tool_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, tool_name TEXT NOT NULL, timestamp TEXT NOT NULL);
 INSERT INTO tool_logs (tool_name, timestamp) VALUES ('Edit', '2026-11-29 10:00:00'), ('Bash', '2026-11-29 11:00:00'), ('Edit', '2026-11-30 09:00:00');";

fn with_sql(sql: &str) -> NativeDb {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(sql).unwrap();
    db
}

#[test]
fn added_columns_read_their_default_with_the_column_affinity() {
    // A string default on numeric columns is a number ('0' = 0); a number on a TEXT column
    // keeps its literal ('1.50'); hex, double-quoted and blob literals; flags too.
    let cases = [
        "ALTER TABLE tool_logs ADD COLUMN success BOOLEAN DEFAULT '0';
         ALTER TABLE tool_logs ADD COLUMN blocked_by_hook BOOLEAN DEFAULT '1';
         ALTER TABLE tool_logs ADD COLUMN hook_message TEXT;
         INSERT INTO tool_logs (tool_name, timestamp, success, blocked_by_hook) VALUES ('Edit', '2026-11-30 10:00:00', 1, 0);",
        "ALTER TABLE tool_logs ADD COLUMN duration_ms INTEGER DEFAULT '250';
         ALTER TABLE tool_logs ADD COLUMN lines_changed INTEGER DEFAULT 0x10;
         ALTER TABLE tool_logs ADD COLUMN bytes_processed INTEGER DEFAULT 2.0;
         ALTER TABLE tool_logs ADD COLUMN success BOOLEAN DEFAULT 1;
         INSERT INTO tool_logs (tool_name, timestamp, duration_ms, lines_changed) VALUES ('Edit', '2026-11-30 10:00:00', 100, 1);",
        "ALTER TABLE tool_logs ADD COLUMN success BOOLEAN DEFAULT 1;
         ALTER TABLE tool_logs ADD COLUMN blocked_by_hook BOOLEAN DEFAULT 1;
         ALTER TABLE tool_logs ADD COLUMN hook_message TEXT DEFAULT \"policy\";
         ALTER TABLE tool_logs ADD COLUMN agent_name TEXT DEFAULT \"@a\";
         ALTER TABLE tool_logs ADD COLUMN error_message TEXT DEFAULT X'6f6b';
         INSERT INTO tool_logs (tool_name, timestamp) VALUES ('Edit', '2026-11-30 10:00:00');",
        "ALTER TABLE tool_logs ADD COLUMN success BOOLEAN DEFAULT 1;
         ALTER TABLE tool_logs ADD COLUMN blocked_by_hook BOOLEAN DEFAULT 1;
         ALTER TABLE tool_logs ADD COLUMN hook_message TEXT DEFAULT 5;
         ALTER TABLE tool_logs ADD COLUMN error_message TEXT DEFAULT -1.50;
         ALTER TABLE tool_logs ADD COLUMN file_affected TEXT DEFAULT 1.50;
         ALTER TABLE tool_logs ADD COLUMN session_id TEXT DEFAULT 1.0;
         INSERT INTO tool_logs (tool_name, timestamp) VALUES ('Edit', '2026-11-30 10:00:00');",
    ];
    for (i, added) in cases.iter().enumerate() {
        same_both_ways(&format!("tool_logs case {i}"), &with_sql(&format!("{OLD_CALLS}\n{added}")));
    }
    same_both_ways(
        "flags",
        &with_sql(
            "CREATE TABLE flags (id INTEGER PRIMARY KEY, status TEXT, created_at TEXT, impact_level TEXT, flag_type TEXT, completed_at TEXT, target_agent TEXT);
             INSERT INTO flags (status, created_at, impact_level) VALUES ('pending', '2026-11-01 09:00', 'high'), ('completed', '2026-11-02 09:00', 'low');
             ALTER TABLE flags ADD COLUMN locked BOOLEAN DEFAULT '1';
             ALTER TABLE flags ADD COLUMN chain_origin_id INTEGER DEFAULT '3';
             INSERT INTO flags (status, created_at, impact_level, locked, chain_origin_id) VALUES ('pending', '2026-11-03 09:00', 'critical', 0, NULL);",
        ),
    );
}

#[test]
fn a_default_the_scan_cannot_compute_is_refused_only_when_a_row_needs_it() {
    // Every record holds `timestamp`: its expression default is never needed.
    let db = with_sql(
        "CREATE TABLE tool_logs (id INTEGER PRIMARY KEY, tool_name TEXT, timestamp TEXT DEFAULT CURRENT_TIMESTAMP);
         INSERT INTO tool_logs (tool_name, timestamp) VALUES ('Edit', '2026-11-30 10:00:00');",
    );
    assert!(stores(&db).tools.is_some());
    let info = block_on(table_info(&db, "tool_logs")).unwrap();
    let image = db.export_sync().unwrap();
    let info = flagdeck_core::table_info::TableInfo {
        unreadable_defaults: vec![false, true, false],
        columns: info.as_ref().unwrap().columns.clone(),
        ..info.unwrap()
    };
    // Pretend tool_name's default were an expression: the rows hold tool_name, so it passes.
    assert!(scan_image(&image, Some(&info), None).is_ok());
    let db = with_sql(&format!("{OLD_CALLS}\nALTER TABLE tool_logs ADD COLUMN session_id TEXT;"));
    let mut info = block_on(table_info(&db, "tool_logs")).unwrap().unwrap();
    info.unreadable_defaults[3] = true;
    let err = scan_image(&db.export_sync().unwrap(), Some(&info), None).expect_err("refused");
    assert!(err.to_string().contains("session_id"), "{err}");
}

/// What the page does with the worker's bytes: the directory first, each section copied into
/// its own buffer a window at a time, then the two skeleton halves: the same stores as
/// `wire::decode`, whatever the window size.
#[test]
fn sections_filled_a_window_at_a_time_give_the_same_stores() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    let opts = DemoOptions { flags: 300, tool_logs: Some(2_000), ..Default::default() };
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    let bytes = wire::encode(&read_stores(&db));
    let whole = wire::encode(&wire::decode(&bytes).unwrap());
    let head = &bytes[..wire::head_len(&bytes[..4]).unwrap()];
    let layout = wire::layout(head, bytes.len()).unwrap();
    assert!(layout.sections.len() >= 8, "the large arrays travel apart ({} sections)", layout.sections.len());
    assert!(layout.sections.iter().any(|s| s.align == 4) && layout.sections.iter().any(|s| s.align == 8));
    for window in [8, 64, 4096] {
        let mut sections = Vec::new();
        for spec in &layout.sections {
            let mut section = wire::Section::for_spec(spec).unwrap();
            let mut at = spec.range.start;
            while at < spec.range.end {
                let end = (at + window).min(spec.range.end);
                section.extend_to(end - spec.range.start).copy_from_slice(&bytes[at..end]);
                at = end;
            }
            assert_eq!(section.as_bytes(), &bytes[spec.range.clone()]);
            sections.push(section);
        }
        let mut sections = wire::Sections::from(sections);
        let (tools, rest) = wire::decode_tools(&bytes[layout.skeleton.clone()], &mut sections).unwrap();
        let flags = wire::decode_flags(rest, &mut sections).unwrap();
        assert_eq!(wire::encode(&Stores { tools, flags, index: None }), whole, "windows of {window} bytes");
    }
    // Without its sections, the skeleton does not decode.
    let mut short = wire::Sections::from(Vec::new());
    assert!(wire::decode_tools(&bytes[layout.skeleton.clone()], &mut short).is_err());
}

#[test]
fn bytes_that_are_no_whole_encoding_are_refused_without_a_panic() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    let opts = DemoOptions { flags: 300, tool_logs: Some(2_000), ..Default::default() };
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    let bytes = wire::encode(&read_stores(&db));
    assert!(bytes.len() > 1000, "the encoding holds the rows ({} bytes)", bytes.len());
    // Cut anywhere (every byte near the start and the end, every 97th between): an error.
    let cuts = (0..64).chain((64..bytes.len() - 64).step_by(97)).chain(bytes.len() - 64..bytes.len());
    for cut in cuts {
        assert!(wire::decode(&bytes[..cut]).is_err(), "cut at {cut} of {}", bytes.len());
    }
    // Foreign bytes: an error, or stores (postcard reads what it can), never a panic.
    let mut x = 0x9e37_79b9_u32;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let _ = wire::decode(&noise);
    // Bytes after the stores: an error too (they were not written by `encode`).
    assert!(wire::decode(&[bytes.as_slice(), &[0]].concat()).is_err(), "a byte left over");
    let e = wire::decode(&[]).unwrap_err();
    assert!(e.to_string().starts_with("the stores could not be decoded"), "{e}");
}
