#![cfg(not(target_arch = "wasm32"))]
//! The port's SQL-level test bodies (`flagdeck_core::testkit`) on the rusqlite adapter. The same
//! bodies run on sql.js in the browser (tests/wasm_sqljs.rs).

mod common;

use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::SchemaFacts;
use flagdeck_core::testkit;
use pollster::block_on;

fn v1() -> Option<(NativeDb, SchemaFacts)> {
    let bytes = common::fixture_bytes("acolytes-v1-small.db")?;
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    Some((db, facts))
}

#[test]
fn paging_keyset_equals_offset() {
    let Some((db, _)) = v1() else { return };
    block_on(testkit::paging_keyset_equals_offset(&db));
}

#[test]
fn mirror_rows_agree_with_sql() {
    let Some((db, _)) = v1() else { return };
    block_on(testkit::mirror_rows_agree_with_sql(&db));
}

#[test]
fn edit_undo_round_trip() {
    let Some((db, _)) = v1() else { return };
    block_on(testkit::edit_undo_round_trip(&db));
}

#[test]
fn create_and_undo() {
    let Some((db, facts)) = v1() else { return };
    block_on(testkit::create_and_undo(&db, &facts));
}

#[test]
fn counts_agree() {
    let Some((db, facts)) = v1() else { return };
    block_on(testkit::counts_agree(&db, &facts));
}

/// A fresh copy of each fixture (v1, v0, v2, hybrid) that is present, with its facts.
fn every_fixture() -> Vec<(NativeDb, SchemaFacts)> {
    ["acolytes-v1-small.db", "claudesquad-v0-small.db", "acolytes-v2-small.db", "acolytes-hybrid-small.db"]
        .into_iter()
        .filter_map(common::fixture_bytes)
        .map(|bytes| {
            let db = NativeDb::open_bytes(&bytes).unwrap();
            let facts = block_on(flagdeck_core::schema::read_facts(&db)).unwrap();
            (db, facts)
        })
        .collect()
}

#[test]
fn instants_agree_on_every_fixture() {
    for (db, facts) in every_fixture() {
        block_on(testkit::instants_agree(&db, &facts));
    }
}

#[test]
fn latest_health_of_agrees_on_every_fixture() {
    for (db, facts) in every_fixture() {
        block_on(testkit::latest_health_of_agrees(&db, &facts));
    }
}

/// The v2 and the hybrid fixture, each with the `typeof(updated_at)` the quest scripts store in
/// it (TEXT column in v2, INTEGER column in the hybrid).
fn quest_files() -> Vec<(NativeDb, &'static str)> {
    [("acolytes-v2-small.db", "text"), ("acolytes-hybrid-small.db", "integer")]
        .into_iter()
        .filter_map(|(name, stored)| {
            let bytes = common::fixture_bytes(name)?;
            let info = flagdeck_core::header::check(&bytes).unwrap();
            Some((NativeDb::open_bytes(&flagdeck_core::header::for_engine(&bytes, &info)).unwrap(), stored))
        })
        .collect()
}

#[test]
fn quest_pages_and_counts() {
    for (db, _) in quest_files() {
        block_on(testkit::quest_pages_and_counts(&db));
    }
}

#[test]
fn quest_key_pages_agree_with_sql() {
    for (db, _) in quest_files() {
        block_on(testkit::quest_key_pages_agree_with_sql(&db));
    }
}

#[test]
fn agent_quest_layer_agrees_with_sql() {
    for (db, _) in quest_files() {
        block_on(testkit::agent_quest_layer_agrees_with_sql(&db));
    }
}

#[test]
fn agent_quest_layer_built_in_steps_agrees_with_sql() {
    for (db, _) in quest_files() {
        block_on(testkit::agent_quest_layer_built_in_steps_agrees_with_sql(&db));
    }
}

#[test]
fn quest_index_agrees_with_sql() {
    for (db, _) in quest_files() {
        block_on(testkit::quest_index_agrees_with_sql(&db));
    }
}

#[test]
fn quest_details_agree_with_sql() {
    for (db, _) in quest_files() {
        block_on(testkit::quest_details_agree_with_sql(&db));
    }
}

#[test]
fn quest_status_change_round_trip() {
    for (db, stored) in quest_files() {
        block_on(testkit::quest_status_change_round_trip(&db, stored));
    }
}

#[test]
fn quest_completed_is_refused() {
    for (db, _) in quest_files() {
        block_on(testkit::quest_completed_is_refused(&db));
    }
}

#[test]
fn quest_kpis_by_hand() {
    let Some((db, _)) = v1() else { return };
    block_on(testkit::quest_kpis_by_hand(&db));
}

#[test]
fn big_integers_exact() {
    let Some((db, _)) = v1() else { return };
    block_on(testkit::big_integers_exact(&db));
}
