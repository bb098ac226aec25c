#![cfg(not(target_arch = "wasm32"))]
//! The flag figures from the in-memory store ([`FlagLog`]) against the SQL path (the oracle:
//! today's statements run by rusqlite on the same file): the flag parts of `Aggregates` (flags,
//! created_daily, completed_daily, coverage.flags, the window with its activity and outliers)
//! and in fact the whole `Aggregates`, equal, for every fixture with flags, a generated file and
//! hand-made files with hostile rows, over the dashboard's states.

mod common;

use flagdeck_core::dashboard::flaglog::FlagLog;
use flagdeck_core::dashboard::{aggregates, Aggregates, AsOf, DashboardState, Logs, Range};
use flagdeck_core::native::NativeDb;
use flagdeck_core::port::Recording;
use flagdeck_core::schema::{read_facts, SchemaFacts};
use flagdeck_demo::{demo_script, DemoOptions};
use pollster::block_on;

const NOW: &str = "2026-11-30 12:00";

fn states(db: &NativeDb) -> Vec<(String, DashboardState)> {
    let first =
        |sql: &str| db.query_sync(sql, &[]).unwrap().rows.first().map(|r| r[0].display()).unwrap_or_default();
    let target = first(
        "SELECT target_agent FROM flags WHERE target_agent <> '' GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1",
    );
    let flag_type = first("SELECT flag_type FROM flags GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1");
    let day = first("SELECT substr(MAX(created_at), 1, 10) FROM flags WHERE created_at GLOB '2*'");
    let from = first(&format!("SELECT date('{day}', '-20 days')"));
    let d = DashboardState::default;
    vec![
        ("default".into(), d()),
        ("7 days".into(), DashboardState { range: Range::Days(7), ..d() }),
        ("30 days".into(), DashboardState { range: Range::Days(30), ..d() }),
        ("everything".into(), DashboardState { range: Range::Everything, ..d() }),
        (
            "custom".into(),
            DashboardState { range: Range::Custom { from: from.clone(), to: day.clone() }, ..d() },
        ),
        (
            "custom, 400 days".into(),
            DashboardState {
                range: Range::Custom { from: first(&format!("SELECT date('{day}', '-400 days')")), to: day },
                ..d()
            },
        ),
        (format!("target {target}"), DashboardState { target: Some(target), ..d() }),
        ("target 1".into(), DashboardState { target: Some("1".into()), range: Range::Everything, ..d() }),
        (
            format!("type {flag_type}"),
            DashboardState { flag_type: Some(flag_type), range: Range::Days(30), ..d() },
        ),
        (
            "no rows".into(),
            DashboardState {
                range: Range::Custom { from: "2001-01-01".into(), to: "2001-01-02".into() },
                ..d()
            },
        ),
        ("as of now".into(), DashboardState { as_of: AsOf::Now, range: Range::Days(30), ..d() }),
    ]
}

/// Both paths on `db`, every state; returns how many states had flags created in the window.
fn same(name: &str, db: &NativeDb) -> usize {
    let facts: SchemaFacts = block_on(read_facts(db)).unwrap();
    let log = block_on(FlagLog::read(db, &facts)).unwrap();
    let rows = db.query_sync("SELECT COUNT(*) FROM flags", &[]).unwrap().rows[0][0].as_i64().unwrap();
    assert_eq!(log.len() as i64, rows, "{name}: every flag is held");
    let mut busy = 0;
    let mut seen = Vec::new();
    // The figures from the flag store, the way the page asks for them.
    let from_store = |state: &DashboardState| -> Aggregates {
        block_on(aggregates(
            db,
            &facts,
            state,
            NOW,
            &|_, _, _| {},
            Logs { flags: Some(&log), ..Default::default() },
        ))
        .unwrap()
    };
    for (label, state) in states(db) {
        let sql: Aggregates =
            block_on(aggregates(db, &facts, &state, NOW, &|_, _, _| {}, Logs::default())).unwrap();
        let rec = Recording::new(db);
        let mem: Aggregates = block_on(aggregates(
            &rec,
            &facts,
            &state,
            NOW,
            &|_, _, _| {},
            Logs { flags: Some(&log), ..Default::default() },
        ))
        .unwrap();
        let at = format!("{name}, {label}");
        let over_flags: Vec<String> = rec
            .statements
            .borrow()
            .iter()
            .map(|(s, _)| s.clone())
            .filter(|s| s.contains("FROM flags") || s.contains("FROM \"flags\""))
            .collect();
        assert!(over_flags.is_empty(), "{at}: no SQL over flags on the store path: {over_flags:?}");
        assert_eq!(sql.window, mem.window, "{at}: window (activity, outliers)");
        assert_eq!(sql.created_daily, mem.created_daily, "{at}: created per day");
        assert_eq!(sql.completed_daily, mem.completed_daily, "{at}: completed per day");
        assert_eq!(sql.coverage.section("flags"), mem.coverage.section("flags"), "{at}: coverage");
        let (a, b) = (sql.flags.as_ref().unwrap(), mem.flags.as_ref().unwrap());
        assert_eq!(a.pending_by_impact, b.pending_by_impact, "{at}: pending by impact");
        assert_eq!(a.bottlenecks, b.bottlenecks, "{at}: bottlenecks");
        assert_eq!(
            (a.lead_time_count, a.lead_time_p50_hours, a.lead_time_p90_hours),
            (b.lead_time_count, b.lead_time_p50_hours, b.lead_time_p90_hours),
            "{at}: lead time"
        );
        assert_eq!(a.chain_lengths, b.chain_lengths, "{at}: chains");
        assert_eq!(a, b, "{at}: flag figures");
        assert_eq!(sql, mem, "{at}: the whole aggregates");
        busy += (a.created > 0) as usize;
        // A tool filter is no input of the flag figures: the store gives back the ones it kept.
        let tooled = DashboardState { tool: Some("Read".into()), ..state.clone() };
        let kept: Aggregates = from_store(&tooled);
        assert_eq!(
            (&sql.flags, &sql.created_daily, &sql.completed_daily),
            (&kept.flags, &kept.created_daily, &kept.completed_daily),
            "{at}: flag figures with a tool filter"
        );
        seen.push((label, state, sql));
    }
    // The states again, last first: figures kept for one state are never given for another.
    for (label, state, sql) in seen.into_iter().rev() {
        let mem: Aggregates = from_store(&state);
        assert_eq!(sql, mem, "{name}, {label} (again): the whole aggregates");
    }
    busy
}

fn fixture(name: &str) -> Option<NativeDb> {
    let dir = common::fixtures_dir()?;
    // open_copy reads the file and its -wal beside it into memory: the fixture is not touched.
    Some(NativeDb::open_copy(&dir.join(name)).unwrap())
}

#[test]
fn fixtures_give_the_same_flag_figures_from_the_store() {
    for name in ["acolytes-v1-small.db", "claudesquad-v0-small.db", "acolytes-hybrid-small.db"] {
        let Some(db) = fixture(name) else { return };
        assert!(same(name, &db) >= 3, "{name}: the states reach flags");
    }
}

#[test]
fn a_generated_file_gives_the_same_flag_figures() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    let opts = DemoOptions { flags: 5000, tool_logs: Some(500), ..DemoOptions::default() };
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    assert!(same("generated 5000", &db) >= 3);
}

/// Hostile rows: odd statuses and levels, locks of every class, integer / epoch / 'T' /
/// offset / fractional timestamps, completions before creations, placeholders, unreadable
/// dates, blobs, targets 1 and '1', chains by integer, real and text ids.
fn hostile_rows(db: &NativeDb, created_not_null: bool) {
    let statuses =
        ["'pending'", "'completed'", "NULL", "''", "'Pending'", "'weird'", "'pending'", "'completed'"];
    let levels =
        ["'critical'", "'high'", "NULL", "''", "'CRITICAL'", "'urgent'", "1", "'1'", "'low'", "'medium'"];
    let locks = ["NULL", "0", "1", "'0'", "0.0", "'false'", "2"];
    let created = [
        "'2025-08-20 10:00'",
        "'2025-08-21T09:30:15'",
        "'2025-08-22 23:59:59.999+02:00'",
        "'2025-08-19 08:00Z'",
        "1750000000",
        "20",
        "'1970-01-01 00:00'",
        "'2099-12-31 23:59'",
        "'garbage'",
        "'2025-13-45 10:00'",
        "''",
        "X'323032352d30382d3230'",
        "'2025-08-23'",
        "'  2025-08-20 10:00'",
        "'2460900.5'",
        "NULL",
    ];
    let completed = [
        "NULL",
        "'2025-08-22 12:00'",
        "'2025-08-18 12:00'",
        "'2025-08-23T01:02:03-05:00'",
        "'2025-08-21 10:00:30.5'",
        "1755000000",
        "'2025-08-24'",
        "''",
        "'2099-01-01 00:00'",
    ];
    let targets = ["1", "'1'", "NULL", "''", "'@backend.api'", "'nobody'", "'@database.postgres'", "1.0"];
    let chains = ["NULL", "1", "'2'", "2.0", "99999", "NULL", "3"];
    let mut sql = String::new();
    for i in 0..400usize {
        let mut c = created[i % created.len()];
        if created_not_null && c == "NULL" {
            c = "'2025-08-20 11:00'";
        }
        sql.push_str(&format!(
            "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, \
             impact_level, status, locked, created_at, completed_at, chain_origin_id) VALUES \
             ({ft}, 'src', {t}, 'c', 'a', {l}, {s}, {k}, {c}, {d}, {ch});\n",
            ft = ["'refactor'", "'change'", "1", "''"][i % 4],
            t = targets[i % targets.len()],
            l = levels[i % levels.len()],
            s = statuses[i % statuses.len()],
            k = locks[i % locks.len()],
            d = completed[i % completed.len()],
            ch = chains[i % chains.len()],
        ));
    }
    db.execute_batch_sync(&format!("PRAGMA foreign_keys = OFF;\n{sql}")).unwrap();
}

fn drop_flag_triggers(db: &NativeDb) {
    let names = db.query_sync("SELECT name FROM sqlite_master WHERE type = 'trigger'", &[]).unwrap();
    for r in names.rows {
        db.execute_batch_sync(&format!("DROP TRIGGER \"{}\"", r[0].display())).unwrap();
    }
}

#[test]
fn hostile_rows_in_typed_columns_give_the_same_flag_figures() {
    let Some(db) = fixture("acolytes-v1-small.db") else { return };
    drop_flag_triggers(&db);
    hostile_rows(&db, true);
    assert!(same("hostile, typed", &db) >= 3);
}

#[test]
fn hostile_rows_in_untyped_columns_give_the_same_flag_figures() {
    // Columns without a declared type keep every storage class: 1 and '1', 20 and '20'.
    let Some(db) = fixture("acolytes-v1-small.db") else { return };
    drop_flag_triggers(&db);
    db.execute_batch_sync(
        "ALTER TABLE flags RENAME TO flags_old; \
         CREATE TABLE flags (id INTEGER PRIMARY KEY, chain_origin_id, session_id, flag_type, source_agent, \
           target_agent, change_description, action_required, impact_level DEFAULT 'medium', status DEFAULT 'pending', \
           locked DEFAULT FALSE, related_files, code_location, example_usage, context, created_at, acknowledged_at, \
           completed_at, completed_by, notes); \
         INSERT INTO flags SELECT * FROM flags_old; DROP TABLE flags_old;",
    )
    .unwrap();
    hostile_rows(&db, false);
    // Columns added later: older records end before them and read the default.
    db.execute_batch_sync("ALTER TABLE flags ADD COLUMN extra TEXT DEFAULT 'x'").unwrap();
    assert!(same("hostile, untyped", &db) >= 3);
}

#[test]
fn a_file_with_numeric_affinity_targets_filters_as_sqlite_does() {
    // target_agent INTEGER: the filter's '1' reads as the number 1.
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(&demo_script(&DemoOptions { flags: 200, ..DemoOptions::default() })).unwrap();
    drop_flag_triggers(&db);
    db.execute_batch_sync(
        "ALTER TABLE flags RENAME TO flags_old; \
         CREATE TABLE flags (id INTEGER PRIMARY KEY, chain_origin_id INTEGER, session_id TEXT, flag_type TEXT, \
           source_agent TEXT, target_agent INTEGER, change_description TEXT, action_required TEXT, impact_level TEXT, \
           status TEXT, locked BOOLEAN, related_files TEXT, code_location TEXT, example_usage TEXT, context TEXT, \
           created_at TEXT, acknowledged_at TEXT, completed_at TEXT, completed_by TEXT, notes TEXT); \
         INSERT INTO flags SELECT * FROM flags_old; DROP TABLE flags_old;",
    )
    .unwrap();
    hostile_rows(&db, false);
    same("numeric targets", &db);
}

#[test]
fn julianday_is_sqlites_for_the_forms_flag_files_hold() {
    use flagdeck_core::julian::julian_ms;
    use flagdeck_core::Value;
    let db = NativeDb::open_bytes(&[]).unwrap();
    let texts = [
        "2025-08-20",
        "2025-08-20 10:00",
        "2025-08-20T10:00:59",
        "2025-08-20 10:00:59.999",
        "2025-08-20 10:00:59.9999",
        "2025-08-20 10:00:01.0005",
        "2025-08-20   10:00",
        "2025-08-20 10:00Z",
        "2025-08-20 10:00 z ",
        "2025-08-20 10:00+02:00",
        "2025-08-20 10:00:00 -05:30",
        "2025-08-20 10:00+15:00",
        "2025-02-30 10:00",
        "2025-13-01",
        "2025-08-32",
        "2025-08-20 24:00",
        "2025-08-20 10:60",
        "2025-08-20x",
        "10:30",
        "10:30:15.5",
        "2460900.5",
        " 2460900.5 ",
        "1750000000",
        "garbage",
        "",
        "-0001-01-01",
        "0000-01-01 00:00",
        "9999-12-31 23:59:59.999",
    ];
    let mut values: Vec<Value> = texts.iter().map(|t| Value::Text((*t).into())).collect();
    values.extend([
        Value::Integer(2460900),
        Value::Real(2460900.25),
        Value::Integer(1750000000),
        Value::Integer(-1),
        Value::Null,
    ]);
    for v in values {
        let rs = db.query_sync("SELECT julianday(?1)", std::slice::from_ref(&v)).unwrap();
        let sql = rs.rows[0][0].as_f64();
        let ours = julian_ms(&v).map(|ms| ms as f64 / 86400000.0);
        assert_eq!(ours, sql, "julianday({v:?})");
    }
}

#[test]
fn the_first_tiles_pending_count_is_the_stores() {
    use flagdeck_core::dashboard::first::first_tiles;
    let Some(db) = fixture("acolytes-v1-small.db") else { return };
    drop_flag_triggers(&db);
    hostile_rows(&db, true);
    let facts = block_on(read_facts(&db)).unwrap();
    let log = block_on(FlagLog::read(&db, &facts)).unwrap();
    for (label, state) in states(&db) {
        let tiles = block_on(first_tiles(&db, &facts, &state)).unwrap();
        assert_eq!(tiles.pending, Some(log.pending(&state)), "{label}");
    }
}
