#![cfg(not(target_arch = "wasm32"))]
//! Agent pages and routing on the real fixtures, against the captured outputs of agent_db.py.

mod common;

use flagdeck_core::agents::{
    catalog_names_may_change, chains_of, dynamic_agents, latest_health, pending_for, routing_errors,
};
use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::port::Database;
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
fn edits_could_change_the_catalog_names_through_a_trigger_or_a_view() {
    for fixture in ["acolytes-v1-small.db", "claudesquad-v0-small.db"] {
        let Some(bytes) = common::fixture_bytes(fixture) else { continue };
        let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
        // The fixtures' own triggers (the quality rules on flags) name neither table.
        assert!(!facts.triggers.is_empty(), "{fixture}: {facts:?}");
        assert!(!block_on(catalog_names_may_change(&db)).unwrap(), "{fixture}");
        // A trigger on flags that names another table: still no.
        block_on(db.execute_batch(
            "CREATE TRIGGER other AFTER UPDATE ON flags BEGIN UPDATE flags SET notes = notes WHERE 0; END;",
        ))
        .unwrap();
        assert!(!block_on(catalog_names_may_change(&db)).unwrap(), "{fixture}");
        // One that writes a catalog table (in capitals): an edit to flags could change the names.
        let table = if fixture.starts_with("claudesquad") { "AGENTS_DYNAMIC" } else { "AGENTS_CATALOG" };
        block_on(db.execute_batch(&format!(
            "CREATE TRIGGER renames AFTER UPDATE ON flags BEGIN UPDATE {table} SET name = name WHERE 0; END;"
        )))
        .unwrap();
        assert!(block_on(catalog_names_may_change(&db)).unwrap(), "{fixture}");
    }
    // The catalog as a view over another table: an edit's trigger on that table would not name it.
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, _, _) = common::open_and_inspect(&bytes).unwrap();
    block_on(db.execute_batch(
        "ALTER TABLE agents_catalog RENAME TO agents_kept; CREATE VIEW agents_catalog AS SELECT * FROM agents_kept;",
    ))
    .unwrap();
    assert!(block_on(catalog_names_may_change(&db)).unwrap(), "agents_catalog as a view");
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

/// The agent page and the routing page read their flags as flag-list queries (so the list's
/// derived layer pages them): on every generation with flags, and on a copy with hostile
/// targets, those queries give the tool's flags in the tool's order, by SQL and by the layer.
#[test]
fn agent_and_routing_lists_as_list_queries_give_the_tools_flags() {
    use flagdeck_core::agents::{known_targets, lists, pending_from, AGENT_LIST_ORDER};
    use flagdeck_core::flag_index::{FlagIndex, Rows};
    use flagdeck_core::flags::{FlagFilter, FlagPageQuery, FlagRow};
    use flagdeck_core::native::NativeDb;

    fn ids(rows: &[FlagRow]) -> Vec<i64> {
        rows.iter().map(|f| f.id).collect()
    }
    fn by_query(db: &NativeDb, index: &FlagIndex, filter: FlagFilter, label: &str) -> Vec<i64> {
        let q = FlagPageQuery::first(filter.clone(), AGENT_LIST_ORDER, 1_000_000);
        let (sql, params) = q.sql();
        let by_sql = ids(&FlagRow::all(&db.query_sync(&sql, &params).unwrap()).unwrap());
        let by_layer: Vec<i64> =
            index.page(&q).expect("the layer answers").into_iter().map(|(id, _)| id).collect();
        assert_eq!(by_layer, by_sql, "{label}: the layer's page equals SQL's");
        let (count, params) = filter.count_sql();
        let n = db.query_sync(&count, &params).unwrap().scalar().unwrap().as_i64().unwrap();
        assert_eq!(index.count(&filter), Some(n), "{label}: the layer's count");
        assert_eq!(n as usize, by_sql.len(), "{label}: the count is the list's length");
        by_sql
    }

    let mut checked = 0;
    for (fixture, hostile) in [
        ("acolytes-v1-small.db", false),
        ("claudesquad-v0-small.db", false),
        ("acolytes-hybrid-small.db", false),
        ("acolytes-v1-small.db", true),
        ("claudesquad-v0-small.db", true),
    ] {
        let Some(bytes) = common::fixture_bytes(fixture) else { return };
        let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
        if hostile {
            // Targets the routing check must catch or pass: NULL, a number, a name in another
            // case, a name with a space; the triggers of v1 reject none of them at a low impact.
            db.query_sync(
                "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, impact_level, status, created_at) \
                 SELECT 'info_request', source_agent, t.v, change_description, action_required, 'low', 'pending', created_at \
                 FROM flags, (SELECT NULL AS v UNION ALL SELECT 7 UNION ALL SELECT '@BACKEND.API' UNION ALL SELECT ' @backend.api') t \
                 WHERE flags.id IN (SELECT id FROM flags ORDER BY id LIMIT 3)",
                &[],
            )
            .unwrap();
        }
        let label = format!("{fixture}{}", if hostile { " (hostile targets)" } else { "" });
        let (affinity, rows) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
        let index = FlagIndex::build(affinity, rows);

        let errors = ids(&block_on(routing_errors(&db, &facts)).unwrap());
        let known = block_on(known_targets(&db, &facts)).unwrap();
        let unrouted = by_query(&db, &index, lists::unrouted(known), &format!("{label} routing"));
        assert_eq!(unrouted, errors, "{label}: the routing list is routing_errors, in its order");
        if hostile {
            assert!(
                errors.len() >= 12,
                "{label}: the NULL, number and unknown names are routing errors: {errors:?}"
            );
        }

        let targets = db
            .query_sync(
                "SELECT DISTINCT target_agent FROM flags WHERE typeof(target_agent) = 'text' ORDER BY 1",
                &[],
            )
            .unwrap()
            .first_column_text();
        for agent in &targets {
            let to = by_query(&db, &index, lists::pending_to(agent), &format!("{label} to {agent}"));
            assert_eq!(to, ids(&block_on(pending_for(&db, agent)).unwrap()), "{label}: pending to {agent}");
            let from = by_query(&db, &index, lists::pending_from(agent), &format!("{label} from {agent}"));
            assert_eq!(
                from,
                ids(&block_on(pending_from(&db, agent)).unwrap()),
                "{label}: pending from {agent}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "agents checked: {checked}");
}
