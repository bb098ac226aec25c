#![cfg(not(target_arch = "wasm32"))]
//! `search-agents` parity: every captured output of the real tool in
//! ../shared/fixtures/expected/search-agents-*.json (v1 fixture) and v2-search-agents-*.json
//! (v2 fixture, whose catalog ranks some queries differently) must come out of flagdeck's search
//! with the same names, scores, ranks and order.

mod common;

use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::Generation;

fn catalog(fixture: &str, generation: Generation) -> Option<Vec<CatalogAgent>> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join(fixture)).unwrap();
    Some(pollster::block_on(read_catalog(&db, generation)).unwrap())
}

#[test]
fn every_captured_search_gives_the_same_ranking() {
    let Some(catalog) = catalog("acolytes-v1-small.db", Generation::V1) else { return };
    assert!(common::search_parity(&catalog, "search-agents-") >= 5);
}

#[test]
fn every_captured_v2_search_gives_the_same_ranking() {
    let Some(catalog) = catalog("acolytes-v2-small.db", Generation::V2) else { return };
    assert_eq!(catalog.len(), 59);
    assert!(common::search_parity(&catalog, "v2-search-agents-") >= 5);
}
