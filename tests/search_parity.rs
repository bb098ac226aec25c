#![cfg(not(target_arch = "wasm32"))]
//! `search-agents` parity: every captured output of the real tool in
//! ../shared/fixtures/expected/search-agents-*.json must come out of flagdeck's search with the
//! same names, scores, ranks and order, on the v1 fixture.

mod common;

use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::Generation;
use flagdeck_core::search::SearchIndex;

fn v1_catalog() -> Option<Vec<CatalogAgent>> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join("acolytes-v1-small.db")).unwrap();
    Some(pollster::block_on(read_catalog(&db, Generation::V1)).unwrap())
}

#[test]
fn every_captured_search_gives_the_same_ranking() {
    let Some(catalog) = v1_catalog() else { return };
    let dir = common::fixtures_dir().unwrap().join("expected");
    let index = SearchIndex::new(&catalog.iter().map(CatalogAgent::search_text).collect::<Vec<_>>());
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("search-agents-") {
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
    assert!(checked >= 5, "only {checked} captured searches found");
}
