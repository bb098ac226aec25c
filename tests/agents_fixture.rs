#![cfg(not(target_arch = "wasm32"))]
//! Agent pages and routing on the real fixtures, against the captured outputs of agent_db.py.

mod common;

use flagdeck_core::agents::{chains_of, dynamic_agents, latest_health, pending_for, routing_errors};
use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::schema::Generation;
use flagdeck_core::search::SearchIndex;
use pollster::block_on;

fn expected_ids(file: &str) -> Vec<i64> {
    let path = common::fixtures_dir().unwrap().join("expected").join(file);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json.as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect()
}

#[test]
fn pending_flags_of_an_agent_come_in_get_pending_flags_order() {
    for (fixture, expected) in [
        ("acolytes-v1-small.db", "get-pending-flags-backend.api.json"),
        ("claudesquad-v0-small.db", "v0-get-pending-flags-backend.api.json"),
    ] {
        let Some(bytes) = common::fixture_bytes(fixture) else { return };
        let (db, _, _) = common::open_and_inspect(&bytes).unwrap();
        let got: Vec<i64> =
            block_on(pending_for(&db, "@backend.api")).unwrap().iter().map(|f| f.id).collect();
        assert_eq!(got, expected_ids(expected), "{fixture}");
    }
}

#[test]
fn v1_agent_page_facts() {
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, report, facts) = common::open_and_inspect(&bytes).unwrap();
    let pending = block_on(pending_for(&db, "@backend.api")).unwrap();
    assert_eq!(pending.len(), 7);
    assert_eq!(pending.iter().filter(|f| f.locked).count(), 1);
    // Every chain listed involves the agent and has at least two flags.
    let chains = block_on(chains_of(&db, "@backend.api")).unwrap();
    assert!(chains.iter().all(|c| c.flags >= 2 && c.flags <= 4), "{chains:?}");
    let health = block_on(latest_health(&db, &facts, report.generation, "@docs.specialist")).unwrap();
    let health = health.expect("@docs.specialist has health checks");
    assert!(["healthy", "degraded", "oversized"].contains(&health.status.as_str()));
    // The latest check is the newest checked_at of that agent.
    let newest = db
        .query_sync("SELECT max(checked_at) FROM agent_health WHERE agent_name = '@docs.specialist'", &[])
        .unwrap();
    assert_eq!(newest.scalar().unwrap().display(), health.checked_at);
}

#[test]
fn routing_errors_are_the_pending_flags_addressed_to_nobody_known() {
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    let errors = block_on(routing_errors(&db, &facts)).unwrap();
    // In the v1 file every non-empty target is a catalog agent: the 4 pending broadcasts remain.
    assert_eq!(errors.len(), 4);
    assert!(errors.iter().all(|f| f.target_agent.as_deref() == Some("")));

    let Some(bytes) = common::fixture_bytes("claudesquad-v0-small.db") else { return };
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    let dynamic = block_on(dynamic_agents(&db, &facts)).unwrap();
    assert_eq!(dynamic.len(), 20);
    assert!(dynamic.iter().all(|d| !d.name.starts_with('@') && d.flag_name().starts_with('@')));
    let errors = block_on(routing_errors(&db, &facts)).unwrap();
    // Flags to dynamic agents (`@api-agent`) are routed; only broadcasts are not.
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|f| f.target_agent.as_deref().unwrap_or("").is_empty()), "{errors:?}");
    let to_dynamic = db
        .query_sync(
            "SELECT count(*) FROM flags WHERE status = 'pending' AND target_agent IN (SELECT '@' || name FROM agents_dynamic)",
            &[],
        )
        .unwrap();
    assert!(to_dynamic.scalar().unwrap().as_i64().unwrap() > 0, "the v0 fixture has flags to dynamic agents");
}

#[test]
fn v0_catalog_is_searchable_with_the_same_algorithm() {
    let Some(bytes) = common::fixture_bytes("claudesquad-v0-small.db") else { return };
    let (db, _, _) = common::open_and_inspect(&bytes).unwrap();
    let catalog = block_on(read_catalog(&db, Generation::V0)).unwrap();
    assert_eq!(catalog.len(), 44);
    let index = SearchIndex::new(&catalog.iter().map(CatalogAgent::search_text).collect::<Vec<_>>());
    assert!(index.agents.iter().all(|a| a.warning.is_none()));
    let hits = index.search_text("MongoDB aggregation pipelines and sharding");
    let top = &catalog[hits[0].index];
    assert_eq!(top.name, "@database.mongodb");
    // Its score adds up from the documented rules: routing_keywords stand for tags,
    // capabilities for tech_stack, the description for role, module words as in v1.
    let reasons: Vec<String> = hits[0].reasons.iter().map(ToString::to_string).collect();
    assert!(reasons.contains(&"tech_stack: 'pipelines'".to_string()), "{reasons:?}");
    assert!(reasons.contains(&"module: 'mongodb'".to_string()), "{reasons:?}");
    assert!(reasons.contains(&"role: 'mongodb'".to_string()), "{reasons:?}");
    assert_eq!(hits[0].score, hits[0].reasons.iter().map(|r| r.points()).sum::<u32>());
    // Ties keep catalog order and ranks count from 1.
    assert!(hits
        .windows(2)
        .all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].index < w[1].index)));
}
