#![cfg(not(target_arch = "wasm32"))]
//! `search-agents` parity: every captured output of the real tool in
//! ../shared/fixtures/expected/search-agents-*.json (v1 fixture) and v2-search-agents-*.json
//! (v2 fixture, whose catalog ranks some queries differently) must come out of flagdeck's search
//! with the same names, scores, ranks and order.

mod common;

use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::Generation;
use flagdeck_core::search::SearchIndex;

fn catalog(fixture: &str, generation: Generation) -> Option<Vec<CatalogAgent>> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join(fixture)).unwrap();
    Some(pollster::block_on(read_catalog(&db, generation)).unwrap())
}

#[test]
fn every_captured_search_gives_the_same_ranking() {
    let Some(catalog) = catalog("acolytes-v1-small.db", Generation::V1) else { return };
    assert!(parity(&catalog, "search-agents-") >= 5);
}

#[test]
fn every_captured_v2_search_gives_the_same_ranking() {
    let Some(catalog) = catalog("acolytes-v2-small.db", Generation::V2) else { return };
    assert_eq!(catalog.len(), 59);
    assert!(parity(&catalog, "v2-search-agents-") >= 5);
}

/// Checks every captured output whose file name starts with `prefix` against the search over
/// `catalog`; returns how many were checked.
fn parity(catalog: &[CatalogAgent], prefix: &str) -> usize {
    let dir = common::fixtures_dir().unwrap().join("expected");
    let index = SearchIndex::new(&catalog.iter().map(CatalogAgent::search_text).collect::<Vec<_>>());
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with(prefix) {
            continue;
        }
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let query = expected["query"].as_str().unwrap();
        let hits = index.search_text(query);
        let got: Vec<(String, u64, u64)> =
            hits.iter().map(|h| (catalog[h.index].name.clone(), h.score as u64, h.rank as u64)).collect();
        let want: Vec<(String, u64, u64)> = expected["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_owned(),
                    r["score"].as_u64().unwrap(),
                    r["rank"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}: query {query:?}");
        assert_eq!(hits.len() as u64, expected["total_matches"].as_u64().unwrap(), "{name}");
        // The tool prints three of the reasons; flagdeck keeps all of them, worded the same.
        for (hit, result) in hits.iter().zip(expected["results"].as_array().unwrap()) {
            let ours: Vec<String> = hit.reasons.iter().map(ToString::to_string).collect();
            for reason in result["reasons"].as_array().unwrap() {
                assert!(
                    ours.contains(&reason.as_str().unwrap().to_owned()),
                    "{name}: missing {reason} in {ours:?}"
                );
            }
            assert_eq!(hit.reasons.iter().map(|r| r.points()).sum::<u32>(), hit.score);
        }
        checked += 1;
    }
    checked
}
