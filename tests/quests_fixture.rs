#![cfg(not(target_arch = "wasm32"))]
//! Quests (`flagdeck_core::quests`) on the v2 and hybrid fixtures: every fact of the fixture
//! README's v2 sections that the quest model reads, from `expected/facts-v2.json`.

mod common;

use std::collections::BTreeMap;

use flagdeck_core::flags::Cursor;
use flagdeck_core::header;
use flagdeck_core::native::NativeDb;
use flagdeck_core::quests::{
    self, parse_log, quest_detail, status_counts, LogKind, QuestCard, QuestFilter, QuestLog, QuestPageQuery,
    QuestSort, QuestStatus,
};
use pollster::block_on;
use serde_json::Value as Json;

const FILES: [&str; 2] = ["acolytes-v2-small.db", "acolytes-hybrid-small.db"];

/// A private copy of a fixture, opened as the app opens it (WAL header made legacy).
fn open(name: &str) -> Option<NativeDb> {
    let bytes = common::fixture_bytes(name)?;
    let info = header::check(&bytes).unwrap();
    Some(NativeDb::open_bytes(&header::for_engine(&bytes, &info)).unwrap())
}

fn facts(name: &str) -> Json {
    let dir = common::fixtures_dir().unwrap();
    let all: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected/facts-v2.json")).unwrap()).unwrap();
    all[name]["quests"].clone()
}

/// Every card, by walking keyset pages of `size`.
fn all_cards(db: &NativeDb, filter: &QuestFilter, sort: (QuestSort, bool), size: usize) -> Vec<QuestCard> {
    let mut out = Vec::new();
    let mut previous: Option<Cursor> = None;
    for page in 0.. {
        let q = QuestPageQuery::first(filter.clone(), sort, size).at_page(page, previous.clone());
        let cards = block_on(quests::page(db, &q)).unwrap();
        if cards.is_empty() {
            break;
        }
        previous = cards.last().map(QuestCard::cursor);
        out.extend(cards);
    }
    out
}

fn counted<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for i in items {
        *out.entry(i.to_owned()).or_default() += 1;
    }
    out
}

fn as_counts(json: &Json) -> BTreeMap<String, i64> {
    json.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_i64().unwrap())).collect()
}

#[test]
fn status_counts_and_turn_holders_match_the_readme() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let facts = facts(file);
        let board = block_on(status_counts(&db, &QuestFilter::default())).unwrap();
        let statuses: Vec<&str> = board.iter().map(|c| c.status.as_str()).collect();
        let life_cycle: Vec<&str> = QuestStatus::ALL.iter().map(|s| s.sql()).collect();
        assert_eq!(statuses, life_cycle, "{file}: the known statuses in life-cycle order, zeros included");
        let by_status: BTreeMap<String, i64> = board.iter().map(|c| (c.status.clone(), c.count)).collect();
        assert_eq!(by_status, as_counts(&facts["by_status"]), "{file}");

        let cards = all_cards(&db, &QuestFilter::default(), QuestSort::DEFAULT, 7);
        assert_eq!(cards.len() as i64, facts["total"].as_i64().unwrap(), "{file}");
        let holders = counted(cards.iter().map(|c| c.current_agent.as_deref().unwrap_or("null")));
        assert_eq!(holders, as_counts(&facts["by_current_agent"]), "{file}");
        let open = counted(
            cards
                .iter()
                .filter(|c| quests::status::stored_is_open(&c.status))
                .filter_map(|c| c.current_agent.as_deref()),
        );
        assert_eq!(open, as_counts(&facts["open_by_current_agent"]), "{file}");
        let per_quest: BTreeMap<String, i64> =
            cards.iter().map(|c| (c.id.to_string(), c.messages.unwrap())).collect();
        assert_eq!(per_quest, as_counts(&facts["messages_per_quest"]), "{file}");
        assert!(
            cards.iter().all(|c| c.warnings.is_empty()),
            "{file}: {:?}",
            cards.iter().find(|c| !c.warnings.is_empty())
        );
    }
}

#[test]
fn keyset_pages_equal_offset_pages_and_the_count_for_every_sort() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        for filter in [
            QuestFilter::default(),
            QuestFilter { statuses: vec!["completed".into()], ..Default::default() },
            QuestFilter { agent: Some("@acolyte.payments".into()), ..Default::default() },
        ] {
            let total = block_on(quests::count(&db, &filter)).unwrap();
            for sort in QuestSort::ALL {
                for descending in [false, true] {
                    let keyset: Vec<i64> =
                        all_cards(&db, &filter, (sort, descending), 4).iter().map(|c| c.id).collect();
                    let mut offset = Vec::new();
                    for page in 0.. {
                        let q =
                            QuestPageQuery::first(filter.clone(), (sort, descending), 4).at_page(page, None);
                        let ids: Vec<i64> =
                            block_on(quests::page(&db, &q)).unwrap().iter().map(|c| c.id).collect();
                        if ids.is_empty() {
                            break;
                        }
                        offset.extend(ids);
                    }
                    assert_eq!(keyset, offset, "{file} {sort:?} desc={descending}");
                    assert_eq!(keyset.len() as i64, total, "{file} {sort:?}");
                }
            }
        }
    }
}

#[test]
fn quest_detail_reads_every_quest() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let facts = facts(file);
        let total = facts["total"].as_i64().unwrap();
        let mut messages = 0;
        for id in 1..=total {
            let d = block_on(quest_detail(&db, id)).unwrap().expect("quest exists");
            messages += d.thread.messages.len() as i64;
            assert_eq!(d.card.messages, Some(d.thread.messages.len() as i64));
        }
        assert_eq!(messages, facts["messages"]["total"].as_i64().unwrap(), "{file}");
        assert_eq!(block_on(quest_detail(&db, total + 1)).unwrap(), None);
    }
}

/// The quest log folder next to a fixture, every file parsed.
fn logs(file: &str) -> Vec<QuestLog> {
    let dir = common::fixtures_dir().unwrap().join(file.replace(".db", ".quest-logs"));
    let mut out: Vec<QuestLog> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            parse_log(&name, &std::fs::read_to_string(&path).unwrap()).unwrap()
        })
        .collect();
    out.sort_by_key(|l| l.quest_id);
    out
}

#[test]
fn log_status_histories_and_violations_match_the_facts() {
    for file in FILES {
        if common::fixtures_dir().is_none() {
            return;
        }
        let facts = &facts(file)["logs"];
        let logs = logs(file);
        assert_eq!(logs.len() as i64, facts["files"].as_i64().unwrap(), "{file}");
        let expected = facts["status_history"].as_object().unwrap();
        assert_eq!(expected.len(), logs.len());
        for log in &logs {
            assert!(log.unparsed.is_empty() && log.warning().is_none(), "{file} quest {}", log.quest_id);
            let want: Vec<String> =
                serde_json::from_value(expected[&log.quest_id.to_string()].clone()).unwrap();
            assert_eq!(log.status_history(), want, "{file} quest {}", log.quest_id);
        }
        let per_quest: BTreeMap<String, i64> = logs
            .iter()
            .map(|l| (l.quest_id.to_string(), l.violations().count() as i64))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(per_quest, as_counts(&facts["violations_per_quest"]), "{file}");
        let kinds = counted(logs.iter().flat_map(|l| l.violations().map(|(_, k)| k.label())));
        assert_eq!(kinds, as_counts(&facts["violation_kinds"]), "{file}");
        assert_eq!(kinds.values().sum::<i64>(), facts["violations_total"].as_i64().unwrap());
        let examples: Vec<&str> = facts["example_violation_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for line in examples {
            let parsed = parse_log("quest_1.log", line).unwrap();
            assert!(matches!(parsed.events[0].kind, LogKind::Violation { .. }), "{line}");
        }
    }
}
