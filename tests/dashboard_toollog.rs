#![cfg(not(target_arch = "wasm32"))]
//! The in-memory tool_logs store (`flagdeck_core::dashboard::toollog`) against the SQL path:
//! the dashboard's tool parts (tool KPIs, hook KPIs, tools coverage, calls per day, the window
//! with its activity and outliers, the tool filter's choices) computed both ways must be equal,
//! on every fixture, a generated file and a hand-made file of hostile rows, over the ranges and
//! filters a person can set. The SQL path (plain SQLite through rusqlite) is the oracle.

mod common;

use flagdeck_core::cell::Cell;
use flagdeck_core::dashboard::toollog::{ToolLog, ToolLogBuilder};
use flagdeck_core::dashboard::{
    aggregates, filter_choices, filter_choices_with, DashboardState, Logs, Range,
};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::{read_facts, SchemaFacts};
use flagdeck_core::Value;
use flagdeck_demo::{demo_script, DemoOptions};
use pollster::block_on;

const NOW: &str = "2026-11-30 12:00";

fn open_fixture(name: &str) -> Option<(NativeDb, SchemaFacts)> {
    let dir = common::fixtures_dir()?;
    // open_copy copies the file (and its -wal) first: the fixture is never touched.
    let db = NativeDb::open_copy(&dir.join(name)).unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    Some((db, facts))
}

fn states(db: &NativeDb, facts: &SchemaFacts) -> Vec<(String, DashboardState)> {
    let base = DashboardState::default();
    let mut out = vec![
        ("default".to_owned(), base.clone()),
        ("days 7".into(), DashboardState { range: Range::Days(7), ..base.clone() }),
        ("days 30".into(), DashboardState { range: Range::Days(30), ..base.clone() }),
        ("everything".into(), DashboardState { range: Range::Everything, ..base.clone() }),
        (
            "custom".into(),
            DashboardState {
                range: Range::Custom { from: "2025-01-01".into(), to: "2026-12-31".into() },
                ..base.clone()
            },
        ),
        (
            "no rows".into(),
            DashboardState {
                range: Range::Custom { from: "1990-01-01".into(), to: "1990-01-31".into() },
                ..base.clone()
            },
        ),
        ("unknown tool".into(), DashboardState { tool: Some("NoSuchTool".into()), ..base.clone() }),
    ];
    let choices = block_on(filter_choices(db, facts)).unwrap();
    for t in choices.tools.iter().take(2) {
        out.push((format!("tool {t}"), DashboardState { tool: Some(t.clone()), ..base.clone() }));
        out.push((
            format!("tool {t}, days 7"),
            DashboardState { tool: Some(t.clone()), range: Range::Days(7), ..base.clone() },
        ));
    }
    if facts.has_column("tool_logs", "agent_name") {
        let agents = db
            .query_sync(
                "SELECT agent_name FROM tool_logs WHERE typeof(agent_name) = 'text' GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 2",
                &[],
            )
            .unwrap();
        for r in agents.rows {
            let a = r[0].display();
            out.push((format!("target {a}"), DashboardState { target: Some(a.clone()), ..base.clone() }));
            // Both filters: the tool's own rows, then the agent's among them.
            if let Some(t) = choices.tools.first() {
                out.push((
                    format!("tool {t}, target {a}"),
                    DashboardState { tool: Some(t.clone()), target: Some(a), ..base.clone() },
                ));
            }
        }
    }
    out.push(("target none".into(), DashboardState { target: Some("@backend.api".into()), ..base }));
    out
}

/// Both paths over every state: the tool parts equal, and the whole aggregates equal.
fn same_both_ways(what: &str, db: &NativeDb, facts: &SchemaFacts) {
    let log = block_on(ToolLog::read(db, facts)).unwrap();
    if facts.has_table("tool_logs") {
        let n = db.query_sync("SELECT COUNT(*) FROM tool_logs", &[]).unwrap().rows[0][0].as_i64().unwrap();
        assert_eq!(log.len() as i64, n, "{what}: every row read");
    }
    assert_eq!(
        block_on(filter_choices(db, facts)).unwrap(),
        block_on(filter_choices_with(db, facts, Logs { tools: Some(&log), ..Default::default() })).unwrap(),
        "{what}: filter choices"
    );
    for (name, state) in states(db, facts) {
        let sql = block_on(aggregates(db, facts, &state, NOW, &|_, _, _| {}, Logs::default())).unwrap();
        let mem = block_on(aggregates(
            db,
            facts,
            &state,
            NOW,
            &|_, _, _| {},
            Logs { tools: Some(&log), ..Default::default() },
        ))
        .unwrap();
        assert_eq!(sql.window, mem.window, "{what} / {name}: window (activity, outliers)");
        assert_eq!(sql.tools, mem.tools, "{what} / {name}: tool KPIs");
        assert_eq!(sql.hooks, mem.hooks, "{what} / {name}: hook KPIs");
        assert_eq!(sql.coverage.section("tools"), mem.coverage.section("tools"), "{what} / {name}: coverage");
        assert_eq!(sql.calls_daily, mem.calls_daily, "{what} / {name}: calls per day");
        assert_eq!(sql, mem, "{what} / {name}: the whole aggregates");
        if name == "default" && !log.is_empty() {
            let t = mem.tools.as_ref().expect("tool figures");
            assert!(t.calls > 0, "{what}: the default window holds calls (the comparison is not empty)");
        }
    }
}

#[test]
fn every_fixture_gives_the_same_tool_figures_both_ways() {
    let mut seen = 0;
    for name in [
        "acolytes-v1-small.db",
        "acolytes-v2-small.db",
        "acolytes-hybrid-small.db",
        "claudesquad-v0-small.db",
    ] {
        let Some((db, facts)) = open_fixture(name) else { continue };
        same_both_ways(name, &db, &facts);
        seen += 1;
    }
    assert!(seen == 4 || common::fixtures_dir().is_none(), "fixtures read: {seen}");
}

#[test]
fn a_generated_file_gives_the_same_tool_figures_both_ways() {
    let opts = DemoOptions { flags: 2000, tool_logs: Some(20_000), ..Default::default() };
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    let n = db.query_sync("SELECT COUNT(duration_ms), SUM(success = 0) FROM tool_logs", &[]).unwrap();
    assert!(n.rows[0][0].as_i64().unwrap() > 0, "the generated file has durations");
    same_both_ways("gen-demo 20k", &db, &facts);
}

/// A tool_logs written by hand with every odd value the store must read as SQLite does.
fn hostile(typed: bool) -> NativeDb {
    let db = NativeDb::open_bytes(&[]).unwrap();
    // Untyped columns keep whatever class is written (1 and '1', text '0', blobs, numbers as
    // timestamps); the typed variant has the real schema's affinities (TEXT success here, so
    // '0' = 0 holds as text).
    let schema = if typed {
        "CREATE TABLE tool_logs (id INTEGER PRIMARY KEY, session_id TEXT, agent_name TEXT, tool_name TEXT, \
         file_affected TEXT, lines_changed INTEGER, bytes_processed INTEGER, success TEXT DEFAULT 1, \
         error_message TEXT, blocked_by_hook BOOLEAN DEFAULT 0, hook_message TEXT, duration_ms INTEGER, timestamp TEXT)"
    } else {
        "CREATE TABLE tool_logs (id INTEGER PRIMARY KEY, session_id, agent_name, tool_name, file_affected, \
         lines_changed, bytes_processed, success, error_message, blocked_by_hook, hook_message, duration_ms, timestamp)"
    };
    db.execute_batch_sync(&format!(
        "{schema};
         CREATE TABLE sessions (id TEXT PRIMARY KEY, job_id TEXT);
         CREATE TABLE jobs (id TEXT PRIMARY KEY, title TEXT);
         INSERT INTO sessions VALUES ('s1', 'j1'), ('s2', 'j1'), ('s3', 'j2'), ('s4', NULL);
         INSERT INTO jobs VALUES ('j1', 'First job'), ('j2', NULL);"
    ))
    .unwrap();
    let rows: Vec<String> = vec![
        // session, agent, tool, file, lines, bytes, success, error, blocked, hook, duration, timestamp
        "'s1', '@a', 'Read', 'a.rs', 3, 100, 1, NULL, 0, NULL, 120, '2026-11-20 10:00:00'".into(),
        "'s1', '@a', 'Read', 'a.rs', 5, 200, 0, 'boom', 0, NULL, 80, '2026-11-20 10:30:00.250'".into(),
        "'s2', NULL, 'Edit', '', NULL, NULL, NULL, NULL, 1, 'no edits', -5, '2026-11-21T09:15:00'".into(),
        "'s2', '@b', 1, 'b.rs', 2.5, 7, '0', '', 1.0, 'no edits', 12.5, '2026-11-21 23:59:59+02:00'".into(),
        "'s3', '@b', '1', 'b.rs', 9223372036854775000, 1, 0.0, 'boom', '1', 'rule', '90', '2026-11-22 08:00:00Z'".into(),
        "NULL, '@a', x'ff00fe', NULL, -4, NULL, 1, NULL, 0, NULL, NULL, '2026-11-25 12:00'".into(),
        "'', '', '', 'c.rs', 1, 1, 1, NULL, NULL, '', 3000000, '2026-11-29 18:45:00'".into(),
        "'s4', '@a', 'Bash', 'c.rs', 'x', '12', 1, NULL, 0, NULL, 15, '2026-11-30 11:59:59'".into(),
        "'s9', '@a', 'Bash', NULL, NULL, NULL, 1, NULL, 0, NULL, 15, '2026-11-30 12:00:30'".into(),
        "'s1', '@a', 'Read', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, 1764500000".into(),
        "'s1', '@a', 'Read', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, 1764500000.5".into(),
        "'s1', '@a', 'Read', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, NULL".into(),
        "'s1', '@a', 'Read', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, ''".into(),
        "'s1', '@a', 'Read', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, x'323032362d31312d32302031303a3030'".into(),
        "'s1', '@a', 'Grep', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, '1764500000'".into(),
        "'s1', '@a', 'Grep', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, '2026-13-45 10:00'".into(),
        "'s1', '@a', 'Grep', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, '2099-12-31 00:00'".into(),
        "'s1', '@a', 'Grep', NULL, NULL, NULL, 1, NULL, 0, NULL, 7, '1970-01-01 00:00:00'".into(),
        "'s3', '@é', 'Wrïte', 'd.rs', 1, 1, 1, NULL, 0, NULL, 40, '2026-11-10 07:00:00'".into(),
        "'s3', '@é', 'Wrïte', 'd.rs', 1, 1, 1, NULL, 0, NULL, 41, '2026-11-10 07:05:00'".into(),
    ];
    for r in rows {
        db.execute_batch_sync(&format!(
            "INSERT INTO tool_logs (session_id, agent_name, tool_name, file_affected, lines_changed, bytes_processed, \
             success, error_message, blocked_by_hook, hook_message, duration_ms, timestamp) VALUES ({r})"
        ))
        .unwrap();
    }
    // A steady month so the fences keep November and the quiet periods have gaps.
    db.execute_batch_sync(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 400) \
         INSERT INTO tool_logs (session_id, agent_name, tool_name, success, blocked_by_hook, duration_ms, timestamp) \
         SELECT 's' || (i % 5), '@a', CASE i % 3 WHEN 0 THEN 'Read' WHEN 1 THEN 'Bash' ELSE 1 END, i % 7 <> 0, i % 11 = 0, \
         i % 13, strftime('%Y-%m-%d %H:%M:%S', '2026-11-01', '+' || (i * 97) || ' minutes') FROM n",
    )
    .unwrap();
    db
}

#[test]
fn hostile_rows_give_the_same_tool_figures_both_ways() {
    for typed in [false, true] {
        let db = hostile(typed);
        let facts = block_on(read_facts(&db)).unwrap();
        same_both_ways(if typed { "hostile typed" } else { "hostile untyped" }, &db, &facts);
    }
}

#[test]
fn a_file_without_tool_logs_has_an_empty_store_and_no_tool_figures() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync("CREATE TABLE other (x)").unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    let log = block_on(ToolLog::read(&db, &facts)).unwrap();
    assert!(log.is_empty());
    let agg = block_on(aggregates(
        &db,
        &facts,
        &DashboardState::default(),
        NOW,
        &|_, _, _| {},
        Logs { tools: Some(&log), ..Default::default() },
    ))
    .unwrap();
    assert_eq!(agg.tools, None);
    assert_eq!(agg.hooks, None);
}

#[test]
fn the_builder_reads_defaults_for_short_records_and_the_rowid_alias() {
    // A record that ends before `success` reads its default (1: not a failure); the id column
    // aliases the rowid. Checked against the same table read through the port.
    let columns: Vec<String> =
        ["id", "tool_name", "timestamp", "success"].iter().map(|s| (*s).to_owned()).collect();
    let defaults = vec![None, None, None, Some(Value::Integer(0))];
    let mut b = ToolLogBuilder::new(&columns, &defaults, Some(0));
    let t = b"2026-11-20 10:00:00".to_vec();
    b.push(7, |i| match i {
        0 => Some(Cell::Null),
        1 => Some(Cell::Text(b"Read")),
        2 => Some(Cell::Text(&t)),
        _ => None,
    });
    let log = b.finish();
    assert_eq!(log.len(), 1);
    assert_eq!(log.tool_choices(), vec!["Read".to_owned()]);
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(
        "CREATE TABLE tool_logs (id INTEGER PRIMARY KEY, tool_name TEXT, timestamp TEXT, success BOOLEAN DEFAULT 0);
         INSERT INTO tool_logs (id, tool_name, timestamp) VALUES (7, 'Read', '2026-11-20 10:00:00');",
    )
    .unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    let sql =
        block_on(aggregates(&db, &facts, &DashboardState::default(), NOW, &|_, _, _| {}, Logs::default()))
            .unwrap();
    let mem = block_on(aggregates(
        &db,
        &facts,
        &DashboardState::default(),
        NOW,
        &|_, _, _| {},
        Logs { tools: Some(&log), ..Default::default() },
    ))
    .unwrap();
    assert_eq!(sql.tools.as_ref().unwrap().failures, 1, "the default 0 is a failure");
    assert_eq!(sql.tools, mem.tools);
    assert_eq!(sql.hooks, mem.hooks);
}
