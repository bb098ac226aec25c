#![cfg(not(target_arch = "wasm32"))]
//! The four schema generations on the real fixtures (../shared/fixtures, README sections
//! "Telling v1, v2 and the hybrid apart" and the v2/hybrid facts, `expected/facts-v2.json`):
//! detection, summary counts, the catalog, agent pages with their quests, the dashboard without
//! flags, and synthetic schemas (a quest table missing columns, malformed `recruited`).

mod common;

use std::collections::BTreeMap;

use flagdeck_core::agents::{agent_quests, latest_health, AgentQuests};
use flagdeck_core::catalog::read_catalog;
use flagdeck_core::dashboard::{aggregates, derive, filter_choices, DashboardState, Logs, Verdict};
use flagdeck_core::inspect::OpenError;
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::{detect, CatalogShape, Generation, SchemaFacts, QUEST_COLUMNS};
use pollster::block_on;
use serde_json::Value as Json;

const V2: &str = "acolytes-v2-small.db";
const HYBRID: &str = "acolytes-hybrid-small.db";

fn facts_v2() -> Option<Json> {
    let path = common::fixtures_dir()?.join("expected").join("facts-v2.json");
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

fn open(fixture: &str) -> Option<(NativeDb, flagdeck_core::inspect::Report, SchemaFacts)> {
    let bytes = common::fixture_bytes(fixture)?;
    Some(common::open_and_inspect(&bytes).unwrap_or_else(|e| panic!("{fixture} opens: {e}")))
}

fn scalar(db: &NativeDb, sql: &str) -> i64 {
    db.query_sync(sql, &[]).unwrap().scalar().and_then(|v| v.as_i64()).unwrap()
}

#[test]
fn each_fixture_is_its_generation() {
    let Some(facts) = facts_v2() else { return };
    for (fixture, want) in [
        ("claudesquad-v0-small.db", Generation::V0),
        ("acolytes-v1-small.db", Generation::V1),
        (V2, Generation::V2),
        (HYBRID, Generation::Hybrid),
    ] {
        let (_, report, schema) = open(fixture).unwrap();
        assert_eq!(report.generation, want, "{fixture}");
        assert!(report.warnings.is_empty(), "{fixture}: {:?}", report.warnings);
        assert_eq!(detect(&schema).generation, want);
        if let Some(code) = facts[fixture]["generation"].as_str() {
            assert_eq!(report.generation.code(), code, "{fixture}: facts-v2.json names it");
        }
    }
    // v1 and v2 share user_version 1: only tables tell them apart.
    let (_, v1, _) = open("acolytes-v1-small.db").unwrap();
    let (_, v2, _) = open(V2).unwrap();
    assert_eq!((v1.user_version, v2.user_version), (1, 1));
}

#[test]
fn v2_summary_counts_are_the_readme_facts() {
    let Some(facts) = facts_v2() else { return };
    let (_, report, _) = open(V2).unwrap();
    let c = &report.counts;
    assert_eq!(c.flags, None, "no flags table in a v2 file");
    assert_eq!(c.quests, Some(40));
    assert_eq!(c.agents, 59);
    assert_eq!(c.tool_logs, Some(2429));
    assert_eq!(c.agent_health, Some(21));
    let tables = &facts[V2]["tables"];
    assert_eq!(c.quests, tables["acolyte_quests"].as_i64());
    assert_eq!(c.tool_logs, tables["tool_logs"].as_i64());
    assert!(report.wal, "the v2 header says WAL");
    assert_eq!(report.file_bytes, 1_740_800);
    assert_eq!((report.views, report.triggers), (0, 4));
}

#[test]
fn hybrid_summary_counts_are_the_readme_facts() {
    let Some(facts) = facts_v2() else { return };
    let (db, report, _) = open(HYBRID).unwrap();
    let c = &report.counts;
    let f = c.flags.as_ref().expect("the hybrid keeps its flags");
    // The v1 flags, untouched by the upgrade.
    assert_eq!((f.total, f.pending, f.completed, f.locked), (300, 139, 161, 30));
    assert_eq!(f.workable, 4 + 22 + 58 + 28);
    assert_eq!(c.quests, Some(15));
    assert_eq!(c.tool_logs, Some(5254));
    assert_eq!(c.agent_health, Some(60));
    assert_eq!(c.agents, facts[HYBRID]["catalog"]["total"].as_i64().unwrap());
    assert_eq!(c.quests, Some(scalar(&db, "SELECT COUNT(*) FROM acolyte_quests")));
    assert!(report.wal);
}

#[test]
fn the_catalog_of_v2_and_hybrid_has_the_v1_shape() {
    let Some(facts) = facts_v2() else { return };
    for fixture in [V2, HYBRID] {
        let (db, report, _) = open(fixture).unwrap();
        assert_eq!(report.generation.catalog_shape(), Some(CatalogShape::Acolytes));
        let catalog = block_on(read_catalog(&db, report.generation)).unwrap();
        let mut by_type: BTreeMap<String, i64> = BTreeMap::new();
        for a in &catalog {
            *by_type.entry(a.agent_type.clone()).or_default() += 1;
        }
        let want: BTreeMap<String, i64> = facts[fixture]["catalog"]["by_type"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
            .collect();
        assert_eq!(by_type, want, "{fixture}");
        // JSON role, as v1: the search reads it as JSON.
        assert!(catalog.iter().filter_map(|a| a.role.as_deref()).all(|r| r.trim_start().starts_with('[')));
    }
}

/// Every quest of `agent`, in one page.
fn all_quests(db: &NativeDb, generation: Generation, agent: &str) -> AgentQuests {
    block_on(agent_quests(db, generation, agent, 0, usize::MAX)).unwrap()
}

/// `agent_quests` for every catalog agent, against the quest facts of one fixture.
fn check_agent_quests(fixture: &str) {
    let Some(facts) = facts_v2() else { return };
    let quests = &facts[fixture]["quests"];
    let (db, report, _) = open(fixture).unwrap();
    let catalog = block_on(read_catalog(&db, report.generation)).unwrap();
    let mut turns: BTreeMap<String, i64> = BTreeMap::new();
    let mut open_turns: BTreeMap<String, i64> = BTreeMap::new();
    let mut leads: BTreeMap<String, i64> = BTreeMap::new();
    let mut memberships = 0;
    for agent in &catalog {
        let list = all_quests(&db, report.generation, &agent.name);
        assert_eq!(list.unreadable_recruited, 0, "{fixture}: every recruited is a JSON list");
        // Read a few at a time, the pages are the whole list in order, with its counts.
        let mut paged = Vec::new();
        loop {
            let page = block_on(agent_quests(&db, report.generation, &agent.name, paged.len(), 3)).unwrap();
            if page.quests.is_empty() {
                break;
            }
            assert_eq!(
                (page.total, page.open_turns),
                (list.total, list.open_turns),
                "{fixture}: counts on every page"
            );
            paged.extend(page.quests);
        }
        assert_eq!(paged, list.quests, "{fixture} {}: the pages are the list", agent.name);
        assert_eq!(list.total, list.quests.len() as i64);
        assert_eq!(list.open_turns, list.quests.iter().filter(|q| q.turn && q.open).count() as i64);
        // Its turn first, then newest first.
        let keys: Vec<(bool, i64)> = list.quests.iter().map(|q| (!q.turn, -q.id)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{fixture} {}: {keys:?}", agent.name);
        for q in &list.quests {
            assert!(q.recruited || q.turn, "{fixture}: listed without reason: {q:?}");
            assert_eq!(q.turn, q.current_agent.as_deref() == Some(agent.name.as_str()));
            assert_eq!(q.open, !["completed", "failed", "timeout"].contains(&q.status.as_str()));
            assert!(q.phase.is_some(), "{fixture}: every quest has a phase");
            if q.turn {
                *turns.entry(agent.name.clone()).or_default() += 1;
                if q.open {
                    *open_turns.entry(agent.name.clone()).or_default() += 1;
                }
            }
            if q.leader {
                *leads.entry(agent.name.clone()).or_default() += 1;
            }
            memberships += i64::from(q.recruited);
        }
    }
    let counts = |key: &str| -> BTreeMap<String, i64> {
        quests[key]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.as_str() != "null")
            .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
            .collect()
    };
    assert_eq!(turns, counts("by_current_agent"), "{fixture}: whose turn (README table)");
    assert_eq!(open_turns, counts("open_by_current_agent"), "{fixture}: open quests by current_agent");
    assert_eq!(leads, counts("quests_per_leader"), "{fixture}: leaders");
    let team_total: i64 = counts("team_size").iter().map(|(size, n)| size.parse::<i64>().unwrap() * n).sum();
    assert_eq!(memberships, team_total, "{fixture}: every recruited entry is a catalog agent, listed once");
}

#[test]
fn agent_quests_match_the_v2_facts() {
    check_agent_quests(V2);
    let Some((db, report, _)) = open(V2) else { return };
    // README: @acolyte.auth holds the turn of 2 quests, 1 of them open; quest 40 (reviewing) is it.
    let auth = all_quests(&db, report.generation, "@acolyte.auth");
    let turn: Vec<(i64, &str, bool)> =
        auth.quests.iter().filter(|q| q.turn).map(|q| (q.id, q.status.as_str(), q.open)).collect();
    assert_eq!(turn.len(), 2);
    assert_eq!(turn[0], (40, "reviewing", true));
    // Stored values are kept as they are: date text created, epoch text updated.
    let q40 = &auth.quests[0];
    assert_eq!(q40.created_at.as_str(), Some("2025-11-09 13:26:03"));
    assert_eq!(q40.updated_at.as_str(), Some("1762696257"));
}

#[test]
fn agent_quests_match_the_hybrid_facts() {
    check_agent_quests(HYBRID);
    let Some((db, report, _)) = open(HYBRID) else { return };
    let list = all_quests(&db, report.generation, "@database.postgres");
    let q = list.quests.iter().find(|q| q.turn).expect("its turn in one open quest");
    assert!(q.open);
    assert!(matches!(q.created_at, flagdeck_core::Value::Integer(_)), "hybrid stores INTEGER epochs");
}

#[test]
fn no_quests_in_v1_and_v0_files() {
    for fixture in ["acolytes-v1-small.db", "claudesquad-v0-small.db"] {
        let Some((db, report, _)) = open(fixture) else { return };
        let list = all_quests(&db, report.generation, "@backend.api");
        assert!(list.quests.is_empty());
        assert_eq!(report.counts.quests, None);
    }
}

#[test]
fn health_reads_on_v2() {
    let Some((db, report, schema)) = open(V2) else { return };
    let agent: String = db
        .query_sync("SELECT agent_name FROM agent_health ORDER BY id LIMIT 1", &[])
        .unwrap()
        .scalar()
        .unwrap()
        .display();
    let health = block_on(latest_health(&db, &schema, report.generation, &agent)).unwrap();
    let newest = db
        .query_sync("SELECT max(checked_at) FROM agent_health WHERE agent_name = ?", &[agent.as_str().into()])
        .unwrap();
    assert_eq!(health.expect("a check").checked_at, newest.scalar().unwrap().display());
}

#[test]
fn the_v2_dashboard_has_tools_and_health_and_no_flags() {
    let Some((db, _, schema)) = open(V2) else { return };
    let state = DashboardState::default();
    let agg = block_on(aggregates(&db, &schema, &state, "2026-11-30 12:00", &|_, _, _| {}, Logs::default()))
        .unwrap();
    assert_eq!(agg.flags, None);
    let tools = agg.tools.as_ref().expect("tool figures");
    assert_eq!(tools.calls, 2429, "the whole file: the window runs from the first tool call");
    assert_eq!(tools.failures, 0, "README: success = 0 on no row");
    let health = agg.health.as_ref().expect("health figures");
    assert_eq!(health.checks, 21);
    // The window comes from tool calls and health checks (README: to 2025-11-09 15:07:53).
    assert_eq!(agg.window.as_of, "2025-11-09 15:07");
    let d = derive(agg, &state);
    let names: Vec<&str> = d.budgets.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["tool-p95", "error-rate"], "no flag gates without flags");
    // The hooks never write duration_ms: the p95 gate has nothing to judge, neither pass nor fail.
    assert_eq!(scalar(&db, "SELECT COUNT(duration_ms) FROM tool_logs"), 0);
    let p95 = &d.budgets[0];
    assert_eq!(p95.verdict, Verdict::NoData);
    assert_eq!((p95.now().as_str(), p95.label.as_str()), ("no data", "p95 duration of every tool ≤ 30.0 s"));
    // Nor do they record failures (success = 1 on every row, no error_message): the error rate
    // is unknown, not 0 %, and its gate has no data either.
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM tool_logs WHERE success = 0 OR error_message <> ''"), 0);
    assert_eq!(d.aggregates.tools.as_ref().unwrap().error_rate, None);
    assert_eq!(d.budgets[1].verdict, Verdict::NoData);
    assert_eq!(d.budgets[1].now(), "no data", "no failure recorded, none measured");
    let choices = block_on(filter_choices(&db, &schema)).unwrap();
    assert!(choices.targets.is_empty() && choices.flag_types.is_empty());
    assert_eq!(choices.tools.len(), 18, "README tool table");
}

#[test]
fn the_hybrid_dashboard_keeps_its_flag_figures() {
    let Some((db, _, schema)) = open(HYBRID) else { return };
    let agg = block_on(aggregates(
        &db,
        &schema,
        &DashboardState::default(),
        "2026-11-30 12:00",
        &|_, _, _| {},
        flagdeck_core::dashboard::Logs::default(),
    ))
    .unwrap();
    assert_eq!(agg.flags.as_ref().expect("flag figures").pending, 139);
    assert_eq!(agg.tools.as_ref().unwrap().calls, 5254);
}

/// The v2 fixture with `sql` run on a copy, opened like any file.
fn v2_changed(sql: &str) -> Option<Result<flagdeck_core::inspect::Report, OpenError>> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join(V2)).unwrap();
    db.execute_batch_sync(sql).unwrap();
    let bytes = db.export_sync().unwrap();
    Some(common::open_and_inspect(&bytes).map(|(_, r, _)| r))
}

#[test]
fn a_v2_file_whose_quest_table_lacks_columns_is_unknown_and_says_which() {
    let Some(result) = v2_changed("ALTER TABLE acolyte_quests DROP COLUMN broadcast;") else { return };
    match result {
        Err(e @ OpenError::UnknownSchema { .. }) => {
            let OpenError::UnknownSchema { missing, tables } = &e else { unreachable!() };
            assert_eq!(missing, &["acolyte_quests.broadcast"]);
            assert!(tables.contains(&"acolyte_quests".to_string()));
            assert!(e.to_string().contains("not an Acolytes or ClaudeSquad database"), "{e}");
            assert!(e.to_string().contains("acolyte_quests.broadcast"), "{e}");
        }
        other => panic!("expected UnknownSchema, got {other:?}"),
    }
}

fn sorted_ids(list: &flagdeck_core::agents::AgentQuests) -> Vec<i64> {
    let mut ids: Vec<i64> = list.quests.iter().map(|q| q.id).collect();
    ids.sort();
    ids
}

#[test]
fn a_v2_file_without_quest_phase_is_refused_naming_it() {
    let Some(dir) = common::fixtures_dir() else { return };
    let db = NativeDb::open_copy(&dir.join(V2)).unwrap();
    db.execute_batch_sync("ALTER TABLE acolyte_quests DROP COLUMN quest_phase;").unwrap();
    let err = common::open_and_inspect(&db.export_sync().unwrap()).err().expect("refused");
    assert!(err.to_string().contains("acolyte_quests.quest_phase"), "{err}");
}

#[test]
fn malformed_recruited_lists_never_fail_and_are_counted() {
    let Some(dir) = common::fixtures_dir() else { return };
    let db = NativeDb::open_copy(&dir.join(V2)).unwrap();
    let before = all_quests(&db, Generation::V2, "@acolyte.auth");
    let q35_had_auth = before.quests.iter().any(|q| q.id == 35);
    assert!(q35_had_auth, "quest 35 recruits @acolyte.auth (README: its leader)");
    // Quest 40 is @acolyte.auth's turn: its list becomes malformed JSON. Quest 35 (completed, led
    // by @acolyte.auth) gets a JSON object naming it: not a list, so not a membership.
    db.execute_batch_sync(
        "UPDATE acolyte_quests SET recruited = '[\"@acolyte.auth\", broken' WHERE quest_id = 40; \
         UPDATE acolyte_quests SET recruited = '{\"lead\": \"@acolyte.auth\"}' WHERE quest_id = 35;",
    )
    .unwrap();
    let after = all_quests(&db, Generation::V2, "@acolyte.auth");
    assert_eq!(after.unreadable_recruited, 2);
    let q40 = after.quests.iter().find(|q| q.id == 40).expect("still listed: its turn");
    assert!(q40.turn && !q40.recruited && !q40.leader);
    assert!(after.quests.iter().all(|q| q.id != 35), "an object is not a recruited list");
    let mut want: Vec<i64> = sorted_ids(&before).into_iter().filter(|id| *id != 35).collect();
    want.sort();
    assert_eq!(sorted_ids(&after), want);
}

#[test]
fn a_v1_file_with_a_damaged_quest_table_opens_as_v1_with_a_warning() {
    let Some(dir) = common::fixtures_dir() else { return };
    let db = NativeDb::open_copy(&dir.join("acolytes-v1-small.db")).unwrap();
    db.execute_batch_sync("CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY, quest_name TEXT);")
        .unwrap();
    let (_, report, _) = common::open_and_inspect(&db.export_sync().unwrap()).unwrap();
    assert_eq!(report.generation, Generation::V1);
    assert_eq!(report.counts.quests, None);
    assert_eq!(report.counts.flag_total(), Some(300));
    assert_eq!(report.warnings.len(), 1);
    let missing = QUEST_COLUMNS.iter().filter(|c| !["quest_id", "quest_name"].contains(c)).count();
    assert_eq!(report.warnings[0].matches("acolyte_quests.").count(), missing, "{:?}", report.warnings);
}

#[test]
fn a_wal_file_exported_natively_keeps_its_changes_and_its_header() {
    // The v2 file says WAL in its header: SQLite writes changes to a -wal file first.
    let Some(dir) = common::fixtures_dir() else { return };
    let db = NativeDb::open_copy(&dir.join(V2)).unwrap();
    db.execute_batch_sync("UPDATE acolyte_quests SET status = 'timeout' WHERE quest_id = 39;").unwrap();
    let bytes = db.export_sync().unwrap();
    assert_eq!((bytes[18], bytes[19]), (2, 2), "still a WAL file");
    let again = NativeDb::open_bytes(&bytes).unwrap();
    let status = again.query_sync("SELECT status FROM acolyte_quests WHERE quest_id = 39", &[]).unwrap();
    assert_eq!(status.scalar().unwrap().as_str(), Some("timeout"));
}
