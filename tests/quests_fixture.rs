#![cfg(not(target_arch = "wasm32"))]
//! Quests (`flagdeck_core::quests`) on the v2 and hybrid fixtures: every fact of the fixture
//! README's v2 sections that the quest model reads, from `expected/facts-v2.json`.

mod common;

use std::collections::BTreeMap;

use flagdeck_core::edits::{run_all, EditError, EditTable, History};
use flagdeck_core::flags::Cursor;
use flagdeck_core::header;
use flagdeck_core::native::NativeDb;
use flagdeck_core::quests::{
    self, parse_log, quest_detail, status_counts, LogKind, Parsed, QuestCard, QuestDetail, QuestFilter,
    QuestLog, QuestMessage, QuestPageQuery, QuestSort, QuestStatus, TimeOrder,
};
use flagdeck_core::quests::{
    plan_status_change, turn_timeline, MarkerKind, TimelineSource, TurnSpan, TurnTimeline,
};
use flagdeck_core::timestamp::{self, Timestamp};
use flagdeck_core::{Database, Value};
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

/// Every quest's detail, by id.
fn details(db: &NativeDb) -> Vec<QuestDetail> {
    let ids = db.query_sync("SELECT quest_id FROM acolyte_quests ORDER BY quest_id", &[]).unwrap();
    ids.rows.iter().map(|r| block_on(quest_detail(db, r[0].as_i64().unwrap())).unwrap().unwrap()).collect()
}

fn as_counts_of<T: ToString>(items: impl IntoIterator<Item = T>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for i in items {
        *out.entry(i.to_string()).or_default() += 1;
    }
    out
}

#[test]
fn messages_senders_files_and_results_match_the_facts() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let facts = facts(file);
        let all = details(&db);
        let messages: Vec<&QuestMessage> = all.iter().flat_map(|d| d.thread.messages.iter()).collect();
        let m = &facts["messages"];
        assert_eq!(messages.len() as i64, m["total"].as_i64().unwrap(), "{file}");
        assert_eq!(
            as_counts_of(messages.iter().map(|m| m.from.clone().unwrap())),
            as_counts(&m["by_sender"]),
            "{file}"
        );
        assert_eq!(
            as_counts_of(messages.iter().map(|m| m.to.clone().unwrap())),
            as_counts(&m["by_recipient"]),
            "{file}"
        );
        let with_files: Vec<&&QuestMessage> = messages.iter().filter(|m| m.has_files()).collect();
        assert_eq!(with_files.len() as i64, m["with_files_modified_block"].as_i64().unwrap(), "{file}");
        // The split gives back the stored message exactly as quest_respond.py built it.
        let stored = db
            .query_sync(
                "SELECT json_extract(m.value, '$.message') FROM acolyte_quests, json_each(broadcast) AS m ORDER BY quest_id, m.key",
                &[],
            )
            .unwrap();
        assert_eq!(stored.rows.len(), messages.len());
        for (msg, row) in messages.iter().zip(&stored.rows) {
            let rebuilt = if msg.files.is_empty() {
                msg.text.clone()
            } else {
                let lines: Vec<String> = msg.files.iter().map(|f| format!("- {f}")).collect();
                format!("{}\n\nFiles modified:\n{}", msg.text, lines.join("\n"))
            };
            assert_eq!(Value::from(rebuilt), row[0], "{file}");
            assert!(!msg.text.contains("Files modified:"), "{file}: {}", msg.text);
            assert!(msg.warnings.is_empty(), "{file}: {:?}", msg.warnings);
        }
        let mut per_quest: Vec<i64> = all.iter().map(|d| d.thread.messages.len() as i64).collect();
        per_quest.sort();
        assert_eq!(per_quest[0], m["min"].as_i64().unwrap());
        assert_eq!(*per_quest.last().unwrap(), m["max"].as_i64().unwrap());
        let n = per_quest.len();
        let median = if n % 2 == 1 {
            per_quest[n / 2] as f64
        } else {
            (per_quest[n / 2 - 1] + per_quest[n / 2]) as f64 / 2.0
        };
        assert_eq!(median, m["median"].as_f64().unwrap(), "{file}");
        let without = all.iter().filter(|d| d.thread.messages.is_empty()).count() as i64;
        assert_eq!(without, m["quests_without_messages"].as_i64().unwrap());
        for d in all.iter().filter(|d| d.thread.messages.is_empty()) {
            assert_eq!(d.thread.warning.as_deref(), Some("No messages yet."));
        }

        let completed: Vec<&QuestDetail> = all.iter().filter(|d| d.card.status == "completed").collect();
        let with_result = completed.iter().filter(|d| matches!(d.result, Parsed::Json(_))).count() as i64;
        assert_eq!(with_result, facts["completed_with_result"].as_i64().unwrap(), "{file}");
        let without_result = completed.iter().filter(|d| d.result == Parsed::Missing).count() as i64;
        assert_eq!(without_result, facts["completed_without_result"].as_i64().unwrap(), "{file}");
        let holding = completed.iter().filter(|d| d.card.current_agent.is_some()).count() as i64;
        assert_eq!(holding, facts["completed_with_current_agent"].as_i64().unwrap(), "{file}");
        let details_n = all.iter().filter(|d| d.result.get("details").is_some()).count() as i64;
        assert_eq!(details_n, facts["result_with_details"].as_i64().unwrap(), "{file}");
        let mut keys: Vec<String> = all
            .iter()
            .filter_map(|d| match &d.result {
                Parsed::Json(Json::Object(o)) => Some(o.keys().cloned().collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect();
        keys.sort();
        keys.dedup();
        let want: Vec<String> = serde_json::from_value(facts["result_keys"].clone()).unwrap();
        assert_eq!(keys, want, "{file}");
        for d in &all {
            // The result names its own quest and team; context names the leader.
            if let Parsed::Json(_) = d.result {
                assert_eq!(d.result.get("quest_id").and_then(Json::as_i64), Some(d.card.id));
                let team: Vec<String> =
                    serde_json::from_value(d.result.get("team").unwrap().clone()).unwrap();
                assert_eq!(team, d.card.recruited);
            }
            assert_eq!(d.context.get_str("leader"), d.card.leader(), "{file} quest {}", d.card.id);
            assert_eq!(d.context.get_str("phase"), d.card.phase.as_deref());
            assert_eq!(d.context.get_str("mission"), Some(d.mission.as_str()));
            assert!(d.mission.starts_with(&d.card.mission_first_line));
            assert!(d.warnings().iter().all(|w| w == "No messages yet."), "{file}: {:?}", d.warnings());
        }
    }
}

#[test]
fn teams_leaders_and_phases_match_the_facts() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let facts = facts(file);
        let cards = all_cards(&db, &QuestFilter::default(), (QuestSort::Id, false), 100);
        assert_eq!(
            as_counts_of(cards.iter().map(|c| c.recruited.len())),
            as_counts(&facts["team_size"]),
            "{file}"
        );
        assert_eq!(
            as_counts_of(cards.iter().map(|c| c.leader().unwrap().to_owned())),
            as_counts(&facts["quests_per_leader"]),
            "{file}"
        );
        assert_eq!(
            as_counts_of(cards.iter().map(|c| c.phase.clone().unwrap())),
            as_counts(&facts["phases"]),
            "{file}"
        );
        let not_recruited: Vec<i64> = cards
            .iter()
            .filter(|c| c.current_agent.as_ref().is_some_and(|a| !c.recruited.contains(a)))
            .map(|c| c.id)
            .collect();
        assert_eq!(not_recruited.len(), facts["current_agent_not_recruited"].as_array().unwrap().len());
    }
}

#[test]
fn every_quest_time_parses_in_the_listed_formats() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let facts = facts(file);
        let all = details(&db);
        let pattern = |t: &Option<Timestamp>| {
            let t = t.expect("every quest time parses");
            t.format.pattern(t.offset)
        };
        assert_eq!(
            as_counts_of(all.iter().map(|d| pattern(&d.card.created.1))),
            as_counts(&facts["created_at"]["formats"]),
            "{file}"
        );
        assert_eq!(
            as_counts_of(all.iter().map(|d| pattern(&d.card.updated.1))),
            as_counts(&facts["updated_at"]["formats"]),
            "{file}"
        );
        let stamps: Vec<&QuestMessage> = all.iter().flat_map(|d| d.thread.messages.iter()).collect();
        assert_eq!(
            as_counts_of(stamps.iter().map(|m| pattern(&m.at))),
            as_counts(&facts["broadcast_timestamps"]["formats"]),
            "{file}"
        );
        let completed_at: Vec<Option<Timestamp>> =
            all.iter().filter_map(|d| d.result.get_str("completed_at")).map(timestamp::read_str).collect();
        assert_eq!(
            as_counts_of(completed_at.iter().map(pattern)),
            as_counts(&facts["result_completed_at"]["formats"])
        );
        let stored_types = db
            .query_sync("SELECT typeof(created_at) AS c, typeof(updated_at) AS u FROM acolyte_quests", &[])
            .unwrap();
        let types = |i: usize| as_counts_of(stored_types.rows.iter().map(|r| r[i].display()));
        assert_eq!(types(0), as_counts(&facts["created_at_typeof"]), "{file}");
        assert_eq!(types(1), as_counts(&facts["updated_at_typeof"]), "{file}");
        // The quest never updated still holds the default: updated_at is its creation instant.
        let never = all
            .iter()
            .filter(|d| d.card.updated.1.unwrap().epoch_ms == d.card.created.1.unwrap().epoch_ms)
            .count();
        assert_eq!(never as i64, facts["never_updated"].as_i64().unwrap(), "{file}");
        // Time to complete (the README's rule) from the parsed instants, per quest.
        let per_quest: BTreeMap<String, i64> = all
            .iter()
            .filter(|d| d.card.status == "completed")
            .map(|d| {
                (
                    d.card.id.to_string(),
                    d.card.updated.1.unwrap().epoch_seconds() - d.card.created.1.unwrap().epoch_seconds(),
                )
            })
            .collect();
        assert_eq!(per_quest, as_counts(&facts["time_to_complete_seconds"]["per_quest"]), "{file}");
        let range: Vec<Value> = [
            all.iter().map(|d| d.card.created.1.unwrap().epoch_ms).min(),
            all.iter().map(|d| d.card.created.1.unwrap().epoch_ms).max(),
        ]
        .iter()
        .map(|ms| Value::Integer(ms.unwrap()))
        .collect();
        let want: Vec<Value> = facts["created_at_range"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| match v {
                Json::String(s) => Value::Integer(timestamp::read_str(s).unwrap().epoch_ms),
                n => Value::Integer(n.as_i64().unwrap() * 1000),
            })
            .collect();
        assert_eq!(range, want, "{file}");
    }
}

/// The agents in the order they got the turn (span starts), with their second.
fn turns(t: &TurnTimeline) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = t
        .lanes
        .iter()
        .flat_map(|l| l.spans.iter().map(|s| (l.agent.clone(), s.from_ms.div_euclid(1000))))
        .collect();
    out.sort_by_key(|(_, s)| *s);
    out
}

#[test]
fn turn_timelines_from_the_database_and_from_the_logs_agree() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let logs = logs(file);
        let all = details(&db);
        let now_ms =
            all.iter().filter_map(|d| d.card.updated.1).map(|t| t.epoch_ms).max().unwrap() + 3_600_000;
        for d in &all {
            let log = logs.iter().find(|l| l.quest_id == d.card.id).unwrap();
            let from_db = turn_timeline(d, None, now_ms, 86_400_000);
            let from_log = turn_timeline(d, Some(log), now_ms, 86_400_000);
            assert_eq!((from_db.source, from_log.source), (TimelineSource::Database, TimelineSource::Log));
            assert!(
                from_db.warnings.is_empty() && from_log.warnings.is_empty(),
                "{file} {}: {:?} {:?}",
                d.card.id,
                from_db.warnings,
                from_log.warnings
            );

            // Plain rule: the leader holds first, each message passes the turn to its addressee.
            let mut expected: Vec<String> = vec![d.card.leader().unwrap().to_owned()];
            for m in &d.thread.messages {
                if expected.last() != m.to.as_ref() {
                    expected.push(m.to.clone().unwrap());
                }
            }
            let agents: Vec<String> = turns(&from_db).into_iter().map(|(a, _)| a).collect();
            assert_eq!(agents, expected, "{file} quest {}", d.card.id);
            // The log's turn changes are the same changes, to the second.
            let log_turns: Vec<(String, i64)> = turns(&from_log);
            let mut merged = log_turns.clone();
            merged.dedup_by(|b, a| a.0 == b.0);
            assert_eq!(merged, turns(&from_db), "{file} quest {}", d.card.id);
            // Lanes: the recruited, leader first, then anyone else who got the turn (quest 22 of
            // v2 writes to an agent it never recruited).
            let lanes: Vec<String> = from_db.lanes.iter().map(|l| l.agent.clone()).collect();
            assert_eq!(lanes[..d.card.recruited.len()], d.card.recruited);
            assert!(lanes[d.card.recruited.len()..].iter().all(|a| expected.contains(a)));

            let status = d.card.known_status().unwrap();
            let updated = d.card.updated.1.unwrap().epoch_ms;
            if status.is_open() {
                let holder = d.card.current_agent.clone();
                assert_eq!((&from_db.holder, &from_log.holder), (&holder, &holder));
                let last_start = turns(&from_db).last().unwrap().1 * 1000;
                let waited = from_db.waiting_ms.unwrap();
                assert!((now_ms - waited - last_start).abs() < 1000, "{file} quest {}", d.card.id);
                assert_eq!(from_db.stalled, waited > 86_400_000);
                assert!(turn_timeline(d, None, now_ms, waited - 1).stalled);
                assert!(!turn_timeline(d, None, now_ms, waited).stalled);
                assert_eq!(from_db.end_ms, None);
            } else {
                assert_eq!(
                    (from_db.holder.as_deref(), from_db.waiting_ms, from_db.stalled),
                    (None, None, false)
                );
                assert_eq!(from_db.end_ms, Some(updated), "{file} quest {}", d.card.id);
                let log_end = from_log.end_ms.unwrap();
                assert!(
                    (log_end.div_euclid(1000) - updated.div_euclid(1000)).abs() <= 1,
                    "{file} quest {}",
                    d.card.id
                );
                let open_spans =
                    from_db.lanes.iter().flat_map(|l| &l.spans).filter(|s| s.to_ms.is_none()).count();
                assert_eq!(open_spans, 0);
            }
            // Markers: every status the log sets after the first turn, and every refusal.
            let statuses: Vec<String> = from_log
                .markers
                .iter()
                .filter_map(|m| match &m.kind {
                    MarkerKind::Status(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            assert_eq!(statuses, log.status_history()[1..], "{file} quest {}", d.card.id);
            let refused =
                from_log.markers.iter().filter(|m| matches!(m.kind, MarkerKind::Refused { .. })).count();
            assert_eq!(refused, log.violations().count());
            // Spans never overlap, and follow each other in time.
            let mut spans: Vec<&TurnSpan> = from_log.lanes.iter().flat_map(|l| &l.spans).collect();
            spans.sort_by_key(|s| s.from_ms);
            for w in spans.windows(2) {
                assert!(w[0].to_ms.unwrap() <= w[1].from_ms, "{file} quest {}", d.card.id);
            }
        }
    }
}

#[test]
fn a_status_change_stores_what_quest_status_py_stores_and_undoes() {
    for (file, stored_type) in [("acolytes-v2-small.db", "text"), ("acolytes-hybrid-small.db", "integer")] {
        let (Some(ours), Some(script)) = (open(file), open(file)) else { return };
        let table = "SELECT * FROM acolyte_quests ORDER BY quest_id";
        let before = ours.query_sync(table, &[]).unwrap();
        let row = "SELECT status, quote(updated_at) AS stored, typeof(updated_at) AS kind, result, current_agent FROM acolyte_quests WHERE quest_id = ?";
        // An open quest: `quest_status.py --status completed` (no result, the turn stays).
        let id = ours
            .query_sync("SELECT min(quest_id) FROM acolyte_quests WHERE status IN ('working', 'waiting', 'reviewing')", &[])
            .unwrap()
            .scalar()
            .and_then(Value::as_i64)
            .unwrap();
        let key = [Value::Integer(id)];
        let holder = ours.query_sync(row, &key).unwrap().rows[0][4].clone();
        // The script's own statement (update_quest) on the other copy…
        script
            .query_sync(
                "UPDATE acolyte_quests SET status = ?, updated_at = strftime('%s', 'now') WHERE quest_id = ?",
                &[Value::from("completed"), Value::Integer(id)],
            )
            .unwrap();
        let theirs = script.query_sync(row, &key).unwrap();
        let now_s = script
            .query_sync("SELECT CAST(updated_at AS INTEGER) FROM acolyte_quests WHERE quest_id = ?", &key)
            .unwrap()
            .scalar()
            .and_then(Value::as_i64)
            .unwrap();
        // …and ours at the same second store the same bytes.
        let edit =
            block_on(plan_status_change(&ours, id, QuestStatus::Completed, Some(now_s))).unwrap().unwrap();
        assert_eq!(edit.table, EditTable::Quests);
        assert_eq!(edit.label, "status: completed");
        block_on(run_all(&ours, std::slice::from_ref(&edit), true)).unwrap();
        let mine = ours.query_sync(row, &key).unwrap();
        assert_eq!(mine, theirs, "{file}: byte for byte what the script stores");
        assert_eq!(mine.rows[0][2], Value::from(stored_type), "{file}");
        assert_eq!(mine.rows[0][3], Value::Null, "completed this way leaves result NULL");
        assert_eq!(mine.rows[0][4], holder, "and current_agent as it was");
        let stored_now =
            ours.query_sync("SELECT updated_at FROM acolyte_quests WHERE quest_id = ?", &key).unwrap();
        assert_eq!(
            edit.changes.iter().find(|c| c.column == "updated_at").unwrap().after,
            stored_now.rows[0][0]
        );

        // Now completed: refused in the tool's words, nothing written.
        let after = ours.query_sync(table, &[]).unwrap();
        match block_on(plan_status_change(&ours, id, QuestStatus::Working, None)) {
            Err(EditError::ToolRule(words)) => {
                assert_eq!(words, format!("Quest {id} is completed. No modifications allowed."))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ours.query_sync(table, &[]).unwrap(), after);

        // Undo gives back the table exactly; the undo history round-trips through storage.
        let mut history = History::default();
        history.record(edit);
        let mut history: History = serde_json::from_str(&serde_json::to_string(&history).unwrap()).unwrap();
        block_on(history.undo(&ours)).unwrap().unwrap();
        assert_eq!(ours.query_sync(table, &[]).unwrap(), before, "{file}");
        // A failed or timed-out quest can still be changed (only completed is final).
        let failed = ours
            .query_sync("SELECT min(quest_id) FROM acolyte_quests WHERE status IN ('failed', 'timeout')", &[])
            .unwrap()
            .scalar()
            .and_then(Value::as_i64)
            .unwrap();
        let edit = block_on(plan_status_change(&ours, failed, QuestStatus::Working, None)).unwrap().unwrap();
        assert_eq!(edit.changes[0].after, Value::from("working"));
    }
}

/// A table of odd rows (issue item 8), with the columns the scripts create but no constraints.
/// The agent page's quest layer only where its comparisons are the page's: not for a numeric
/// `current_agent` (`'5'` would find the number 5), a declared collation, another UNIQUE
/// constraint (an INSERT OR REPLACE would delete unseen), WITHOUT ROWID or `INTEGER PRIMARY
/// KEY DESC` (the id is not the rowid); there the page reads by its SQL and builds nothing.
#[test]
fn the_agent_quest_layer_applies_only_where_it_is_exact() {
    use flagdeck_core::agents::{agent_quests, layer_agent_quests, scan_agent_quests};
    use flagdeck_core::quests::{keys::Ensured, members};
    use flagdeck_core::schema::Generation;
    let table = |id: &str, agent: &str, extra: &str, tail: &str| {
        let db = NativeDb::open_bytes(&[]).unwrap();
        block_on(db.execute_batch(&format!(
            "CREATE TABLE acolyte_quests (quest_id {id}, quest_name TEXT, quest_phase TEXT, mission TEXT, \
               recruited TEXT, current_agent {agent}, status TEXT, created_at TEXT, updated_at TEXT{extra}){tail};\n\
             INSERT INTO acolyte_quests (quest_id, quest_name, mission, recruited, current_agent, status) VALUES \
               (1, 'q1', 'm', '[\"5\"]', 5, 'working'), (2, 'q2', 'm', '[\"@A\"]', '@a', 'working');"
        )))
        .unwrap();
        db
    };
    let cases = [
        ("plain", table("INTEGER PRIMARY KEY", "TEXT", "", ""), true),
        ("no type", table("INTEGER PRIMARY KEY", "", "", ""), true),
        ("numeric turn", table("INTEGER PRIMARY KEY", "NUMERIC", "", ""), false),
        ("collation", table("INTEGER PRIMARY KEY", "TEXT COLLATE NOCASE", "", ""), false),
        ("unique", table("INTEGER PRIMARY KEY", "TEXT", ", UNIQUE (quest_name)", ""), false),
        ("without rowid", table("INTEGER PRIMARY KEY", "TEXT", "", " WITHOUT ROWID"), false),
        ("descending key", table("INTEGER PRIMARY KEY DESC", "TEXT", "", ""), false),
    ];
    for (what, db, exact) in cases {
        assert_eq!(block_on(members::applies(&db)).unwrap(), exact, "{what}");
        let ensured = block_on(members::ensure(&db, || true)).unwrap();
        assert_eq!(ensured, if exact { Ensured::Built } else { Ensured::Skipped }, "{what}");
        for name in ["5", "@a", "@A"] {
            let plain = block_on(scan_agent_quests(&db, Generation::V2, name, 0, 10)).unwrap();
            assert_eq!(
                block_on(agent_quests(&db, Generation::V2, name, 0, 10)).unwrap(),
                plain,
                "{what} {name}"
            );
            let layered = block_on(layer_agent_quests(&db, name, 0, 10)).unwrap();
            assert_eq!(layered, exact.then_some(plain), "{what} {name}");
        }
    }
}

/// A layer whose triggers are there but whose read fails (its table dropped under it) still
/// gives the page, by the page's SQL, and says why (`layer_error`, which the app puts in the
/// console); a layer that reads gives none.
#[test]
fn a_kept_agent_quest_layer_that_fails_gives_the_page_by_sql_and_says_why() {
    use flagdeck_core::agents::{agent_quests, scan_agent_quests};
    use flagdeck_core::quests::{keys::Ensured, members};
    use flagdeck_core::schema::Generation;
    let db = odd_table();
    assert_eq!(block_on(members::ensure(&db, || true)).unwrap(), Ensured::Built);
    let plain = block_on(scan_agent_quests(&db, Generation::V2, "@a", 0, 10)).unwrap();
    assert!(!plain.quests.is_empty());
    let layered = block_on(agent_quests(&db, Generation::V2, "@a", 0, 10)).unwrap();
    assert_eq!(layered, plain);
    block_on(db.execute_batch(&format!("DROP TABLE temp.{}", members::MEMBERS))).unwrap();
    assert!(block_on(members::built(&db)).unwrap(), "its triggers are still there");
    let page = block_on(agent_quests(&db, Generation::V2, "@a", 0, 10)).unwrap();
    let error = page.layer_error.clone().expect("the layer's error");
    assert!(error.contains("flagdeck_quest_members"), "{error}");
    assert_eq!(flagdeck_core::agents::AgentQuests { layer_error: None, ..page }, plain);
}

fn odd_table() -> NativeDb {
    let db = NativeDb::open_bytes(&[]).unwrap();
    block_on(db.execute_batch(
        r#"CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY AUTOINCREMENT, quest_name TEXT, quest_phase TEXT,
             mission TEXT, recruited TEXT, current_agent TEXT, status TEXT, broadcast TEXT, context TEXT, result TEXT,
             created_at TEXT, updated_at TEXT);
           INSERT INTO acolyte_quests VALUES
             (1, 'quest-1', '1/1', 'Broadcast is cut', '["@a", "@b"]', '@a', 'working', '[{"from": "@a", "to": ', NULL, NULL, '2025-09-29 09:00:00', '1759136400'),
             (2, 'quest-2', '1/1', 'Broadcast is an object', '', NULL, 'waiting', '{"from": "@a", "to": "@b", "message": "hi", "timestamp": "2025-09-29T09:10:00.000100"}', NULL, NULL, '2025-09-29 09:00:00', '1759137000'),
             (3, 'quest-3', '1/1', 'Nobody recruited', '[]', '@x', 'working', '[]', '{"mission": "Nobody recruited", "leader": "@x", "phase": "1/1"}', NULL, '2025-09-29 09:00:00', '2025-09-29 09:00:00'),
             (4, 'quest-4', '2/3', 'Comma list' || char(10) || 'second line', '@a, @b', '@b', 'paused', '[{"message": "no sender"}, {"from": "@a", "to": "@b", "message": "late"}]', NULL, NULL, 1759136400, 1759137600),
             (5, 'quest-5', NULL, 'Bad JSON columns', '["@a"]', NULL, NULL, '[]', '{mission', '[1, 2]', 'yesterday', NULL),
             (6, 'quest-6', '1/1', 'Escaped text', '["@a", "@c"]', '@c', 'waiting', '[{"from": "@a", "to": "@c", "message": "A\u00f1adir doble factor", "timestamp": "2025-09-29T09:30:00.000001"}]', NULL, NULL, '2025-09-29 09:00:00', '1759138200');"#,
    ))
    .unwrap();
    db
}

fn ids(db: &NativeDb, filter: QuestFilter) -> Vec<i64> {
    let q = QuestPageQuery::first(filter.clone(), (QuestSort::Id, false), 100);
    let got: Vec<i64> = block_on(quests::page(db, &q)).unwrap().iter().map(|c| c.id).collect();
    assert_eq!(got.len() as i64, block_on(quests::count(db, &filter)).unwrap(), "{filter:?}");
    got
}

fn has(warnings: &[String], part: &str) -> bool {
    warnings.iter().any(|w| w.contains(part))
}

#[test]
fn odd_rows_give_warnings_and_keep_the_stored_text() {
    let db = odd_table();
    let cards = all_cards(&db, &QuestFilter::default(), (QuestSort::Id, false), 2);
    assert_eq!(cards.len(), 6);
    let w = |id: usize| &cards[id - 1].warnings;
    // 1: broadcast not JSON; 2: not an array, recruited empty text (not JSON).
    assert_eq!((cards[0].messages, cards[1].messages), (None, None));
    assert!(has(w(1), "broadcast is not a JSON array") && has(w(2), "broadcast is not a JSON array"));
    assert!(has(w(2), "recruited is not JSON") && has(w(2), "recruited is empty"));
    // 3: no messages yet, empty recruited, turn with someone not recruited.
    assert_eq!(cards[2].messages, Some(0));
    assert!(has(w(3), "recruited is empty") && has(w(3), "@x, who is not recruited"));
    // 4: comma-separated names, unknown status, first line of a two-line mission.
    assert_eq!(cards[3].recruited, ["@a", "@b"]);
    assert!(has(w(4), "recruited is not JSON") && has(w(4), "Unknown status \"paused\""));
    assert_eq!(cards[3].mission_first_line, "Comma list");
    assert_eq!(cards[3].created.0, Value::from("1759136400"), "as stored (TEXT affinity)");
    // 5: NULL status, created_at in no format, NULL updated_at.
    assert_eq!(cards[4].status, "");
    assert!(has(w(5), "created_at is in no known time format: \"yesterday\""));
    assert_eq!((cards[4].created.1, &cards[4].updated), (None, &(Value::Null, None)));
    assert!(cards[5].warnings.is_empty(), "{:?}", cards[5].warnings);

    let detail = |id| block_on(quest_detail(&db, id)).unwrap().unwrap();
    let d1 = detail(1);
    assert!(
        d1.thread.messages.is_empty()
            && d1.thread.warning.as_deref().unwrap().starts_with("broadcast is not JSON")
    );
    let d2 = detail(2);
    assert_eq!(d2.thread.messages.len(), 1, "an object is one message, as the tool reads it");
    assert_eq!(d2.leader(), None);
    let d3 = detail(3);
    assert_eq!(d3.thread.warning.as_deref(), Some("No messages yet."));
    assert_eq!(d3.leader(), Some("@x"), "context names the leader when recruited is empty");
    let d4 = detail(4);
    let m = &d4.thread.messages;
    assert!(
        has(&m[0].warnings, "no sender")
            && has(&m[0].warnings, "no addressee")
            && has(&m[0].warnings, "no timestamp")
    );
    assert!(has(&m[1].warnings, "no timestamp") && m[1].from.as_deref() == Some("@a"));
    assert_eq!(d4.mission, "Comma list\nsecond line");
    let d5 = detail(5);
    assert!(matches!(&d5.context, Parsed::Malformed { raw, .. } if raw == "{mission"));
    assert!(
        matches!(&d5.result, Parsed::Malformed { raw, error } if raw == "[1, 2]" && error.contains("an array"))
    );
    assert!(has(&d5.warnings(), "context is malformed") && has(&d5.warnings(), "result is malformed"));
    assert_eq!(detail(6).thread.messages[0].text, "Añadir doble factor");

    // Timelines of odd rows: warnings, never a panic.
    let now = 1_759_140_000_000;
    let t4 = turn_timeline(&d4, None, now, 60_000);
    assert!(has(&t4.warnings, "Message 1 has no time") && has(&t4.warnings, "Message 2 has no time"));
    assert_eq!((t4.holder.as_deref(), t4.waiting_ms), (Some("@b"), Some(now - 1_759_137_600_000)));
    assert!(has(&t4.warnings, "with @b in the database but with @a by the messages"));
    let t5 = turn_timeline(&d5, None, now, 60_000);
    assert!(has(&t5.warnings, "created_at is not a time"));
    assert_eq!(t5.waiting_ms, None);
    let t3 = turn_timeline(&d3, None, now, 60_000);
    assert_eq!((t3.holder.as_deref(), t3.stalled), (Some("@x"), true));
    let other_log = parse_log("quest_9.log", "").unwrap();
    assert!(has(&turn_timeline(&d3, Some(&other_log), now, 1).warnings, "not this quest's log"));
}

#[test]
fn filters_and_board_counts_on_odd_rows() {
    let db = odd_table();
    let board = block_on(status_counts(&db, &QuestFilter::default())).unwrap();
    let columns: Vec<(&str, i64)> = board.iter().map(|c| (c.status.as_str(), c.count)).collect();
    assert_eq!(
        columns,
        [
            ("working", 2),
            ("waiting", 2),
            ("reviewing", 0),
            ("completed", 0),
            ("failed", 0),
            ("timeout", 0),
            ("", 1),
            ("paused", 1)
        ]
    );
    assert_eq!(
        ids(&db, QuestFilter { statuses: vec!["".into(), "paused".into()], ..Default::default() }),
        [4, 5]
    );
    let agent = |a: &str| ids(&db, QuestFilter { agent: Some(a.into()), ..Default::default() });
    assert_eq!(agent("@b"), [1, 4], "JSON array and comma list alike");
    assert_eq!(agent("@x"), [3], "the turn holder, recruited or not");
    assert_eq!(agent("@a"), [1, 4, 5, 6]);
    assert_eq!(agent("@"), Vec::<i64>::new(), "names match whole");
    let text = |t: &str| ids(&db, QuestFilter { text: t.into(), ..Default::default() });
    assert_eq!(text("añadir"), [6], "non-ASCII words match what json.dumps escaped");
    assert_eq!(text("DOBLE factor"), [6]);
    assert_eq!(text("from"), [1], "JSON keys are not message text; unparsable broadcasts match as stored");
    assert_eq!(text("late"), [4]);
    assert_eq!(text("hi"), [2], "an object broadcast is searched as one message");
    assert_eq!(text("comma second"), [4]);
    // The board under a text filter leaves the status list out, like a facet.
    let filter =
        QuestFilter { statuses: vec!["working".into()], text: "escaped".into(), ..Default::default() };
    let board = block_on(status_counts(&db, &filter)).unwrap();
    assert_eq!(board.iter().map(|c| c.count).sum::<i64>(), 1);
    assert_eq!(board.iter().find(|c| c.count == 1).unwrap().status, "waiting");
    // Every sort pages through odd keys (NULL, unparsable times) by keyset as by OFFSET.
    for sort in QuestSort::ALL {
        for descending in [false, true] {
            let keyset: Vec<i64> =
                all_cards(&db, &QuestFilter::default(), (sort, descending), 2).iter().map(|c| c.id).collect();
            let q = QuestPageQuery::first(QuestFilter::default(), (sort, descending), 100);
            let whole: Vec<i64> = block_on(quests::page(&db, &q)).unwrap().iter().map(|c| c.id).collect();
            assert_eq!(keyset, whole, "{sort:?} {descending}");
        }
    }
    // Time sorts order by instant across formats: 4 (epoch integer) and the date texts.
    let by_updated: Vec<i64> = all_cards(&db, &QuestFilter::default(), (QuestSort::Updated, false), 10)
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(by_updated, [5, 1, 3, 2, 4, 6], "1 and 3 share an instant: by id");
}

/// Every quest id of `filter` in `sort` order, walking keyset pages of 7 for the file's
/// [`TimeOrder`] (`order`).
fn walk_ids(db: &NativeDb, filter: &QuestFilter, sort: (QuestSort, bool), order: TimeOrder) -> Vec<i64> {
    let mut out = Vec::new();
    let mut previous: Option<Cursor> = None;
    for page in 0.. {
        let q = QuestPageQuery::first(filter.clone(), sort, 7)
            .with_time_order(order)
            .at_page(page, previous.clone());
        let cards = block_on(quests::page(db, &q)).unwrap();
        if cards.is_empty() {
            break;
        }
        previous = cards.last().map(QuestCard::cursor);
        out.extend(cards.iter().map(|c| c.id));
    }
    out
}

#[test]
fn sorting_by_the_stored_time_column_gives_the_instant_order() {
    for name in FILES {
        let Some(db) = open(name) else { return };
        let order = block_on(TimeOrder::read(&db)).unwrap();
        // v2: created_at is all `YYYY-MM-DD HH:MM:SS`, updated_at mixes epoch text and date text;
        // the hybrid's columns are INTEGER epoch seconds (fixture README, timestamp formats).
        let expected = if name.contains("hybrid") {
            TimeOrder { created_raw: true, updated_raw: true }
        } else {
            TimeOrder { created_raw: true, updated_raw: false }
        };
        assert_eq!(order, expected, "{name}");
        let filters = [
            QuestFilter::default(),
            QuestFilter { statuses: vec!["completed".into()], ..QuestFilter::default() },
            QuestFilter { statuses: vec!["waiting".into(), "failed".into()], ..QuestFilter::default() },
        ];
        for filter in &filters {
            for sort in [QuestSort::Created, QuestSort::Updated] {
                for descending in [false, true] {
                    let by_instant = walk_ids(&db, filter, (sort, descending), TimeOrder::default());
                    let by_column = walk_ids(&db, filter, (sort, descending), order);
                    assert_eq!(by_column, by_instant, "{name} {filter:?} {sort:?} desc={descending}");
                    assert!(!by_instant.is_empty());
                }
            }
        }
    }
}

#[test]
fn every_log_matches_its_own_quest_and_not_another_project_s() {
    let (Some(v2), Some(hybrid)) = (open(FILES[0]), open(FILES[1])) else { return };
    // Each fixture's own logs are its quests' logs.
    for (db, file) in [(&v2, FILES[0]), (&hybrid, FILES[1])] {
        for log in logs(file) {
            assert_eq!(
                block_on(quests::check_log_in(db, &log)).unwrap(),
                Ok(None),
                "{file} {}",
                log.quest_id
            );
        }
    }
    // The hybrid's quest_3.log names another quest than the v2 file's #3: refused, naming both.
    let hybrid3 = logs(FILES[1]).into_iter().find(|l| l.quest_id == 3).unwrap();
    let v2_3 = block_on(quest_detail(&v2, 3)).unwrap().unwrap().card.name;
    let hybrid_3 = block_on(quest_detail(&hybrid, 3)).unwrap().unwrap().card.name;
    assert_ne!(v2_3, hybrid_3);
    let refused = block_on(quests::check_log_in(&v2, &hybrid3)).unwrap().unwrap_err();
    let text = refused.to_string();
    assert!(text.contains(&v2_3) && text.contains(&hybrid_3), "{text}");
    // A log for a quest the file does not have: refused.
    let total = block_on(quests::count(&v2, &QuestFilter::default())).unwrap();
    let text = std::fs::read_to_string(
        common::fixtures_dir().unwrap().join("acolytes-v2-small.quest-logs/quest_3.log"),
    )
    .unwrap();
    let beyond = parse_log(&format!("quest_{}.log", total + 59), &text).unwrap();
    assert_eq!(
        block_on(quests::check_log_in(&v2, &beyond)).unwrap(),
        Err(quests::LogMismatch::NoSuchQuest { quest_id: total + 59 })
    );
}

#[test]
fn the_quest_pages_as_of_is_the_dashboard_s() {
    use flagdeck_core::dashboard::{aggregates, as_of_minute, AsOf, DashboardState, Logs};
    for file in FILES.iter().chain(["acolytes-v1-small.db"].iter()) {
        let Some(bytes) = common::fixture_bytes(file) else { return };
        let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
        let now = "2030-01-01 00:00";
        for as_of in [AsOf::Latest, AsOf::Now] {
            let state = DashboardState { as_of, ..DashboardState::default() };
            let dashboard =
                block_on(aggregates(&db, &facts, &state, now, &|_, _, _| {}, Logs::default())).unwrap();
            let ours = block_on(as_of_minute(&db, &facts, as_of, now)).unwrap();
            assert_eq!(ours, dashboard.window.as_of, "{file} {as_of:?}");
        }
        // Latest is the file's: before the given clock.
        assert!(block_on(as_of_minute(&db, &facts, AsOf::Latest, now)).unwrap().as_str() < now, "{file}");
    }
}

#[test]
fn the_agent_filter_ignores_ascii_case_and_suggests_every_agent_of_the_file() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let cards = all_cards(&db, &QuestFilter::default(), (QuestSort::Id, false), 100);
        // Every current agent and recruited name, read from the cards (plain Rust).
        let mut expected: Vec<String> = cards
            .iter()
            .flat_map(|c| c.recruited.iter().cloned().chain(c.current_agent.clone()))
            .filter(|a| !a.trim().is_empty())
            .collect();
        expected.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)));
        expected.dedup();
        assert_eq!(block_on(quests::agents(&db)).unwrap(), expected, "{file}");
        let agent = expected[0].clone();
        let on = |a: &str| {
            let filter = QuestFilter { agent: Some(a.to_owned()), ..Default::default() };
            block_on(quests::count(&db, &filter)).unwrap()
        };
        let by_hand = cards
            .iter()
            .filter(|c| c.current_agent.as_deref() == Some(&agent) || c.recruited.contains(&agent))
            .count() as i64;
        assert!(by_hand > 0, "{file}: {agent} is on some quest");
        assert_eq!(on(&agent), by_hand, "{file}: {agent}");
        assert_eq!(on(&agent.to_uppercase()), by_hand, "{file}: {agent} in upper case");
        // Names are matched whole: a part of one finds nothing.
        assert_eq!(on(&agent[..agent.len() - 1]), 0, "{file}: part of {agent}");
    }
}

#[test]
fn the_list_sorts_by_mission_team_leader_and_message_count() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let cards = all_cards(&db, &QuestFilter::default(), (QuestSort::Id, false), 100);
        let ids = |sort| -> Vec<i64> {
            all_cards(&db, &QuestFilter::default(), (sort, false), 7).iter().map(|c| c.id).collect()
        };
        let mut by_messages: Vec<(i64, i64)> =
            cards.iter().map(|c| (c.messages.unwrap_or(-1), c.id)).collect();
        by_messages.sort();
        assert_eq!(
            ids(QuestSort::Messages),
            by_messages.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
            "{file}"
        );
        let mut by_leader: Vec<(String, i64)> =
            cards.iter().map(|c| (c.recruited.first().cloned().unwrap_or_default(), c.id)).collect();
        by_leader.sort();
        assert_eq!(ids(QuestSort::Team), by_leader.iter().map(|(_, id)| *id).collect::<Vec<_>>(), "{file}");
        let missions = common_missions(&db);
        let mut by_mission: Vec<(String, i64)> =
            cards.iter().map(|c| (missions[&c.id].clone(), c.id)).collect();
        by_mission.sort();
        assert_eq!(
            ids(QuestSort::Mission),
            by_mission.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
            "{file}"
        );
        for sort in QuestSort::ALL {
            assert_eq!(QuestSort::from_key(sort.key()), Some(sort));
        }
    }
}

/// Every quest's stored mission (NULL as "").
fn common_missions(db: &NativeDb) -> BTreeMap<i64, String> {
    let rs = block_on(db.query("SELECT quest_id, IFNULL(mission, '') AS mission FROM acolyte_quests", &[]))
        .unwrap();
    rs.map_rows(|r| Ok((r.i64("quest_id")?, r.text("mission")?))).unwrap().into_iter().collect()
}

#[test]
fn the_summary_counts_open_waiting_and_stalled_quests() {
    for file in FILES {
        let Some(db) = open(file) else { return };
        let cards = all_cards(&db, &QuestFilter::default(), (QuestSort::Id, false), 100);
        let instants: BTreeMap<i64, f64> = cards
            .iter()
            .filter_map(|c| Some((c.id, c.updated.1.as_ref()?.epoch_ms as f64 / 1000.0)))
            .collect();
        let latest = instants.values().cloned().fold(f64::MIN, f64::max);
        let f = facts(file);
        for hours in [0.0, 24.0, 24.0 * 30.0] {
            let got = block_on(quests::summary(&db, hours)).unwrap();
            let open: Vec<&QuestCard> =
                cards.iter().filter(|c| quests::status::stored_is_open(&c.status)).collect();
            let stalled = open
                .iter()
                .filter(|c| c.current_agent.as_deref().is_some_and(|a| !a.trim().is_empty()))
                .filter(|c| instants.get(&c.id).is_some_and(|t| *t < latest - hours * 3600.0))
                .count() as i64;
            assert_eq!(got.open, open.len() as i64, "{file}");
            assert_eq!(got.waiting, f["by_status"]["waiting"].as_i64().unwrap(), "{file}");
            assert_eq!(got.stalled, stalled, "{file} after {hours} h");
        }
    }
}

#[test]
fn the_filter_index_agrees_with_sql_on_odd_rows() {
    block_on(flagdeck_core::testkit::quest_index_agrees_with_sql(&odd_table()));
}
