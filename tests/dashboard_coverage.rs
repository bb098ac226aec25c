#![cfg(not(target_arch = "wasm32"))]
//! The dashboard's coverage (what the file records, per section) on the fixtures, against plain
//! SQL run here with rusqlite on the same file: the v2 file's tool_logs were written by the real
//! Acolytes hooks (no durations, no agent names, file_affected on 1194 of 2429 calls), the v1
//! file's have generated durations. Also: a missing column is 0 of N with its reason, not an
//! error, and a dashboard stored before coverage existed still reads.

mod common;

use flagdeck_core::dashboard::coverage::{coverage, Coverage};
use flagdeck_core::dashboard::{aggregates, Aggregates, DashboardState};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::read_facts;
use pollster::block_on;
use rusqlite::Connection;

fn open(fixture: &str) -> Option<(NativeDb, Connection, Aggregates)> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join(fixture)).unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    let agg = block_on(aggregates(
        &db,
        &facts,
        &DashboardState::default(),
        "2026-11-30 12:00",
        &|_, _, _| {},
        flagdeck_core::dashboard::Logs::default(),
    ))
    .unwrap();
    let plain =
        Connection::open_with_flags(dir.join(fixture), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    Some((db, plain, agg))
}

fn sql(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// (rows, having) of a field.
fn pair(cov: &Coverage, section: &str, field: &str) -> (i64, i64) {
    let f = cov.field(section, field).unwrap_or_else(|| panic!("{section}.{field} is covered"));
    (f.rows, f.having)
}

#[test]
fn v2_tool_logs_written_by_the_hooks_record_no_durations_nor_agents() {
    let Some((_db, plain, agg)) = open("acolytes-v2-small.db") else { return };
    let cov = &agg.coverage;
    let calls = sql(&plain, "SELECT count(*) FROM tool_logs");
    assert_eq!(calls, 2429);
    assert_eq!(cov.section("tools").unwrap().rows, calls);

    let d = cov.field("tools", "duration_ms").unwrap();
    assert_eq!((d.rows, d.having), (calls, sql(&plain, "SELECT count(duration_ms) FROM tool_logs")));
    assert_eq!(d.having, 0);
    assert_eq!(d.share(), Some(0.0));
    assert!(d.none_recorded());
    assert_eq!(d.reason.as_deref(), Some("these hooks do not record durations"));

    let a = cov.field("tools", "agent_name").unwrap();
    assert_eq!(a.having, sql(&plain, "SELECT count(*) FROM tool_logs WHERE agent_name <> ''"));
    assert_eq!(a.having, 0);
    assert!(a.reason.as_deref().unwrap().starts_with("these hooks do not record"));

    let f = cov.field("tools", "file_affected").unwrap();
    assert_eq!(
        (f.rows, f.having),
        (calls, sql(&plain, "SELECT count(*) FROM tool_logs WHERE file_affected <> ''"))
    );
    assert_eq!(f.having, 1194);
    assert!((f.share().unwrap() - 1194.0 / 2429.0).abs() < 1e-12);
    assert_eq!(f.reason, None, "a field some rows have carries no reason");

    assert_eq!(pair(cov, "tools", "success"), (calls, sql(&plain, "SELECT count(success) FROM tool_logs")));
    assert_eq!(
        pair(cov, "tools", "timestamp"),
        (calls, sql(&plain, "SELECT count(*) FROM tool_logs WHERE timestamp GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"))
    );

    // No flags in a 2.x file: no flag coverage. Quests and health are there.
    assert!(cov.section("flags").is_none());
    assert_eq!(cov.section("quests").unwrap().rows, sql(&plain, "SELECT count(*) FROM acolyte_quests"));
    // The 2.x quest scripts store epoch seconds (strftime('%s','now'), here as TEXT): readable
    // times, as the quest figures read them, so every ended quest records when it ended.
    let ended =
        sql(&plain, "SELECT count(*) FROM acolyte_quests WHERE status IN ('completed', 'failed', 'timeout')");
    assert!(ended > 0);
    assert_eq!(pair(cov, "quests", "updated_at"), (ended, ended));
    assert_eq!(
        pair(cov, "quests", "created_at").1,
        sql(
            &plain,
            "SELECT count(*) FROM acolyte_quests WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-*' \
             OR CAST(created_at AS INTEGER) > 1000000000"
        )
    );
    assert_eq!(
        pair(cov, "health", "drift_score"),
        (
            sql(&plain, "SELECT count(*) FROM agent_health"),
            sql(&plain, "SELECT count(drift_score) FROM agent_health")
        )
    );
    // And no figure is read from durations that are not there.
    let tools = agg.tools.as_ref().unwrap();
    assert_eq!(tools.latency.p95, None);
    assert!(tools.per_tool.iter().all(|t| t.latency.p50.is_none()));
}

#[test]
fn v1_generated_durations_are_all_there_and_flags_count_completed_rows_only() {
    let Some((_db, plain, agg)) = open("acolytes-v1-small.db") else { return };
    let cov = &agg.coverage;
    let calls = sql(&plain, "SELECT count(*) FROM tool_logs");
    assert_eq!(
        pair(cov, "tools", "duration_ms"),
        (calls, sql(&plain, "SELECT count(duration_ms) FROM tool_logs"))
    );
    assert_eq!(pair(cov, "tools", "duration_ms"), (4931, 4931));
    assert!(!cov.none_recorded("tools", "duration_ms"));
    assert_eq!(cov.field("tools", "duration_ms").unwrap().reason, None);
    assert_eq!(
        pair(cov, "tools", "agent_name"),
        (calls, sql(&plain, "SELECT count(*) FROM tool_logs WHERE agent_name <> ''"))
    );

    let flags = sql(&plain, "SELECT count(*) FROM flags");
    assert_eq!(cov.section("flags").unwrap().rows, flags);
    let completed = sql(&plain, "SELECT count(*) FROM flags WHERE status = 'completed'");
    assert!(completed < flags, "the fixture has pending flags, which the completion time is not about");
    assert_eq!(
        pair(cov, "flags", "completed_at"),
        (
            completed,
            sql(&plain, "SELECT count(*) FROM flags WHERE status = 'completed' AND completed_at IS NOT NULL")
        )
    );
    assert_eq!(
        pair(cov, "flags", "target_agent"),
        (flags, sql(&plain, "SELECT count(*) FROM flags WHERE target_agent <> ''"))
    );
    assert!(cov.section("quests").is_none(), "a v1 file has no quests");
}

#[test]
fn a_missing_column_is_none_of_n_with_its_reason() {
    let Some(dir) = common::fixtures_dir() else { return };
    let db = NativeDb::open_copy(&dir.join("acolytes-v2-small.db")).unwrap();
    let mut facts = block_on(read_facts(&db)).unwrap();
    // As if the table lacked the column: the SQL must not name it.
    facts.tables.get_mut("tool_logs").unwrap().retain(|c| c != "file_affected");
    let cov = block_on(coverage(&db, &facts, false)).unwrap();
    let f = cov.field("tools", "file_affected").unwrap();
    assert_eq!((f.rows, f.having), (2429, 0));
    assert_eq!(f.reason.as_deref(), Some("the table has no column file_affected"));
}

#[test]
fn a_dashboard_stored_before_coverage_still_reads() {
    let Some((_db, _plain, agg)) = open("acolytes-v2-small.db") else { return };
    let mut json = serde_json::to_value(&agg).unwrap();
    json.as_object_mut().unwrap().remove("coverage");
    let back: Aggregates = serde_json::from_value(json).unwrap();
    assert_eq!(back.coverage, Coverage::default());
    assert!(!back.coverage.none_recorded("tools", "duration_ms"), "unknown is not 'none recorded'");
}
