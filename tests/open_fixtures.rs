#![cfg(not(target_arch = "wasm32"))]
//! The open procedure on the real databases in ../shared/fixtures, checked against the facts
//! that folder's README states.

mod common;

use flagdeck_core::schema::Generation;

#[test]
fn v1_fixture_is_recognised_with_the_documented_counts() {
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (_db, report, facts) = common::open_and_inspect(&bytes).expect("the v1 fixture opens");
    assert_eq!(report.generation, Generation::V1);
    assert_eq!(report.user_version, 1);
    assert!(!report.wal);
    assert_eq!(report.file_bytes, 1_998_848);
    let c = report.counts.flags.as_ref().expect("flag counts");
    assert_eq!((c.total, c.pending, c.completed), (300, 139, 161));
    assert_eq!((c.locked, c.locked_pending), (30, 27));
    assert_eq!(c.workable, 4 + 22 + 58 + 28);
    let c = &report.counts;
    assert_eq!(c.quests, None);
    assert_eq!(c.agents, 59);
    assert_eq!(c.tool_logs, Some(4931));
    assert_eq!(c.agent_health, Some(60));
    assert_eq!(report.triggers, 7);
    assert!(facts.views.contains(&"pending_flags".to_string()));
    assert!(facts.has_table("schema_migrations"));
}

#[test]
fn v0_fixture_is_recognised_with_the_documented_counts() {
    let Some(bytes) = common::fixture_bytes("claudesquad-v0-small.db") else { return };
    let (_db, report, facts) = common::open_and_inspect(&bytes).expect("the v0 fixture opens");
    assert_eq!(report.generation, Generation::V0);
    assert_eq!(report.user_version, 0);
    let c = report.counts.flags.as_ref().expect("flag counts");
    assert_eq!((c.total, c.pending, c.completed, c.locked), (150, 76, 74, 15));
    assert_eq!(c.workable, 4 + 14 + 29 + 16);
    let c = &report.counts;
    assert_eq!(c.quests, None);
    assert_eq!(c.agents, 44);
    assert_eq!(c.tool_logs, Some(1185));
    assert_eq!(c.agent_health, Some(20));
    assert_eq!(report.triggers, 2);
    assert!(facts.has_table("agents_dynamic"));
    assert!(!facts.has_table("schema_migrations"));
}

/// The engine warm-up the app runs on its spare worker's own empty database before any file
/// (`inspect::ENGINE_WARM_UP`): valid SQL on real SQLite, building its table and index and
/// passing the check it exists to run.
#[test]
fn the_engine_warm_up_builds_and_checks_its_own_table_on_an_empty_database() {
    use flagdeck_core::inspect::{ENGINE_WARM_UP, SAFETY_PRAGMAS};
    use flagdeck_core::native::NativeDb;
    use flagdeck_core::Value;
    assert!(ENGINE_WARM_UP.starts_with(SAFETY_PRAGMAS), "it checks with the open's settings");
    let db = NativeDb::open_bytes(&[]).expect("an empty database opens");
    db.execute_batch_sync(ENGINE_WARM_UP).expect("the warm-up runs");
    let rows = db.query_sync("SELECT count(*), count(DISTINCT kind) FROM warm_up", &[]).unwrap();
    let row = rows.rows.first().expect("one row");
    assert_eq!(row.as_slice(), [Value::Integer(10_000), Value::Integer(97)]);
    let index = db.query_sync("SELECT name FROM sqlite_master WHERE type = 'index'", &[]).unwrap();
    assert_eq!(index.first_column_text(), ["warm_up_kind"]);
    assert_eq!(db.query_sync("PRAGMA quick_check", &[]).unwrap().first_column_text(), ["ok"]);
}
