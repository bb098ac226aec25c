//! Helpers shared by the native integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use flagdeck_core::catalog::CatalogAgent;
use flagdeck_core::dashboard::toollog::ToolLog;
use flagdeck_core::dashboard::{aggregates, Aggregates, DashboardState, Logs};
use flagdeck_core::header;
use flagdeck_core::inspect::{self, OpenError, Report};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::SchemaFacts;
use flagdeck_core::search::SearchIndex;
use flagdeck_core::Value;

/// `../shared/fixtures` next to the repository, if this machine has it.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if dir.join("acolytes-v1-small.db").exists() {
        Some(dir)
    } else {
        eprintln!("NOTE: ../shared/fixtures is absent on this machine: the fixture checks are not run here");
        None
    }
}

pub fn fixture_bytes(name: &str) -> Option<Vec<u8>> {
    fixtures_dir().map(|d| std::fs::read(d.join(name)).expect("fixture is readable"))
}

/// The whole open procedure, natively, exactly as the browser runs it.
pub fn open_and_inspect(bytes: &[u8]) -> Result<(NativeDb, Report, SchemaFacts), OpenError> {
    let info = inspect::check_bytes(bytes)?;
    let db = NativeDb::open_bytes(&header::for_engine(bytes, &info)).map_err(OpenError::Engine)?;
    let (report, facts) = pollster::block_on(inspect::inspect(&db, &info))?;
    Ok((db, report, facts))
}

/// An action long enough for the v1 triggers (50 characters at least).
pub fn long_action() -> String {
    "Update src/web/orders.ts and every caller. ".repeat(3)
}

/// The columns of a new medium-impact change flag from @backend.api to @frontend.react, with
/// `action` as its action_required (too short a text is refused by the v1 triggers).
pub fn new_flag_values(action: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("flag_type", Value::from("change")),
        ("source_agent", Value::from("@backend.api")),
        ("target_agent", Value::from("@frontend.react")),
        (
            "change_description",
            Value::from("Renamed the orders endpoint; clients must follow the new path now."),
        ),
        ("action_required", Value::from(action)),
        ("impact_level", Value::from("medium")),
        ("status", Value::from("pending")),
        ("locked", Value::Integer(0)),
        ("created_at", Value::from("2025-09-01 10:20")),
    ]
}

/// Checks every captured output whose file name starts with `prefix` against the search over
/// `catalog`; returns how many were checked.
pub fn search_parity(catalog: &[CatalogAgent], prefix: &str) -> usize {
    let dir = fixtures_dir().unwrap().join("expected");
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

/// The same aggregates on the ToolLog path (tool_logs read into memory first): the dashboard
/// test bodies run on the SQL path, and each run checks the in-memory path gives the same.
pub fn same_on_the_toollog_path(
    db: &NativeDb,
    facts: &SchemaFacts,
    state: &DashboardState,
    now: &str,
    sql: &Aggregates,
) {
    let log = pollster::block_on(ToolLog::read(db, facts)).unwrap();
    let logs = Logs { tools: Some(&log), ..Default::default() };
    let mem = pollster::block_on(aggregates(db, facts, state, now, &|_, _, _| {}, logs)).unwrap();
    assert_eq!(&mem, sql, "the ToolLog path gives the same aggregates");
}
