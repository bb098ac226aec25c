#![cfg(not(target_arch = "wasm32"))]
//! The dashboard's quest KPIs on the Acolytes 2.x fixtures (v2 and hybrid): the README's facts
//! where it states them (time to complete, open quests by status, messages per quest, ended
//! quests), and every other figure against a plain computation done here in Rust: the rows read
//! as they are stored, `recruited` and `broadcast` parsed with serde_json, instants read with
//! `timestamp::read`, and the turn walked message by message.

mod common;

use std::collections::BTreeMap;

use flagdeck_core::calendar::days_from_civil;
use flagdeck_core::dashboard::quests::QuestKpis;
use flagdeck_core::dashboard::share::{encode_snapshot, redact, Snapshot};
use flagdeck_core::dashboard::stats::{nearest_rank, parse_minute};
use flagdeck_core::dashboard::{aggregates, derive, Dashboard, DashboardState, Logs, Range, Window};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::{read_facts, SchemaFacts};
use flagdeck_core::timestamp;
use flagdeck_core::Value;
use pollster::block_on;
use serde_json::Value as Json;

const V2: &str = "acolytes-v2-small.db";
const HYBRID: &str = "acolytes-hybrid-small.db";

fn open(fixture: &str) -> Option<(NativeDb, SchemaFacts, Json)> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join(fixture)).unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    let json: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected/facts-v2.json")).unwrap()).unwrap();
    Some((db, facts, json[fixture].clone()))
}

fn dashboard(db: &NativeDb, facts: &SchemaFacts, state: &DashboardState) -> Dashboard {
    let agg =
        block_on(aggregates(db, facts, state, "2026-11-30 12:00", &|_, _, _| {}, Logs::default())).unwrap();
    common::same_on_the_toollog_path(db, facts, state, "2026-11-30 12:00", &agg);
    derive(agg, state)
}

fn quests(d: &Dashboard) -> &QuestKpis {
    d.aggregates.quests.as_ref().expect("the file has quests")
}

/// One quest as stored, its JSON columns parsed here.
struct Quest {
    id: i64,
    status: String,
    created: Option<f64>,
    updated: Option<f64>,
    leader: Option<String>,
    /// `None` when broadcast is not a JSON array; each message's `to` and instant.
    messages: Option<Vec<(Option<String>, Option<f64>)>>,
}

impl Quest {
    fn open(&self) -> bool {
        !["completed", "failed", "timeout"].contains(&self.status.as_str())
    }
}

fn instant(v: &Value) -> Option<f64> {
    timestamp::read(v).map(|t| t.epoch_ms as f64 / 1000.0)
}

fn parsed(v: &Value) -> Option<Json> {
    v.as_str().and_then(|s| serde_json::from_str(s).ok())
}

fn read_quests(db: &NativeDb) -> Vec<Quest> {
    let rs = db
        .query_sync(
            "SELECT quest_id, status, created_at, updated_at, recruited, context, broadcast FROM acolyte_quests",
            &[],
        )
        .unwrap();
    rs.map_rows(|r| {
        let text = |j: &Json, key: &str| j.get(key).and_then(Json::as_str).map(str::to_owned);
        let context = parsed(r.get("context")?);
        let leader = parsed(r.get("recruited")?)
            .and_then(|j| j.get(0).and_then(Json::as_str).map(str::to_owned))
            .or_else(|| context.and_then(|j| text(&j, "leader")));
        let messages = parsed(r.get("broadcast")?).and_then(|j| {
            j.as_array().map(|list| {
                list.iter()
                    .map(|m| (text(m, "to"), text(m, "timestamp").and_then(|t| instant(&Value::from(t)))))
                    .collect()
            })
        });
        Ok(Quest {
            id: r.i64("quest_id")?,
            status: r.text("status")?,
            created: instant(r.get("created_at")?),
            updated: instant(r.get("updated_at")?),
            leader,
            messages,
        })
    })
    .unwrap()
}

/// (start, end, as of) in epoch seconds: the end and "as of" are the last second of their minute.
fn bounds(w: &Window) -> (f64, f64, f64) {
    let s = |t: &str| parse_minute(t).unwrap() as f64 * 60.0;
    (s(&w.start), s(&w.end) + 59.0, s(&w.as_of) + 59.0)
}

/// The turn of one quest: (spans `(agent, from, to)`, hand-offs, holder at the end, since when).
type Turns = (Vec<(String, f64, f64)>, i64, Option<String>, Option<f64>);

fn turns(q: &Quest, as_of: f64) -> Option<Turns> {
    let messages = q.messages.as_ref()?;
    let mut holder = q.leader.clone();
    let mut since = q.created;
    let mut spans = Vec::new();
    let mut handoffs = 0;
    for (to, at) in messages {
        // A message passes the turn at its time, never before the previous boundary.
        let at = match (since, at) {
            (Some(s), Some(a)) => Some(s.max(*a)),
            (s, a) => s.or(*a),
        };
        if let (Some(h), Some(from), Some(until)) = (&holder, since, at) {
            spans.push((h.clone(), from, until));
        }
        if let Some(to) = to {
            if holder.as_deref() != Some(to.as_str()) {
                handoffs += 1;
            }
            holder = Some(to.clone());
        }
        since = at;
    }
    let end = if q.open() { Some(as_of) } else { q.updated };
    if let (Some(h), Some(from), Some(until)) = (&holder, since, end) {
        spans.push((h.clone(), from, until));
    }
    Some((spans, handoffs, holder, since))
}

fn week_of(day: i64) -> String {
    // SQLite's %Y-W%W: weeks counted from the year's first Monday (days before it: week 00).
    let (y, _, _, _) = timestamp::civil(day * 86_400_000);
    let yday = day - days_from_civil(y, 1, 1);
    let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Monday
    format!("{y:04}-W{:02}", (yday + 7 - weekday) / 7)
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 0.01, "{what}: {a} vs {b}");
}

/// The README's per-quest time to complete, sorted.
fn readme_times(facts: &Json) -> Vec<f64> {
    let mut v: Vec<f64> = facts["quests"]["time_to_complete_seconds"]["per_quest"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Every figure the README states, for either file.
fn readme_facts(fixture: &str, (p50, min, max, count): (f64, f64, f64, i64)) {
    let Some((db, facts, json)) = open(fixture) else { return };
    let d = dashboard(&db, &facts, &DashboardState::default());
    let k = quests(&d);
    let q = &json["quests"];
    assert_eq!(k.total, q["total"].as_i64().unwrap());
    assert_eq!(k.unreadable_times, 0);

    // Time to complete: the README's median, min, max; p90 from a sort of its per-quest list.
    let t = &k.time_to_complete;
    assert_eq!((t.count, t.p50, t.min, t.max), (count, Some(p50), Some(min), Some(max)));
    let times = readme_times(&json);
    assert_eq!(times.len() as i64, count);
    assert_eq!(t.p50, nearest_rank(&times, 50));
    assert_eq!(t.p90, nearest_rank(&times, 90));

    // Open by status: the three open statuses of the facts, in life-cycle order.
    let by = &q["by_status"];
    let want: Vec<(String, i64)> = ["working", "waiting", "reviewing"]
        .iter()
        .map(|s| (s.to_string(), by[s].as_i64().unwrap()))
        .collect();
    assert_eq!(k.open_by_status, want);
    assert_eq!(k.open, want.iter().map(|(_, n)| n).sum::<i64>());

    // Ended: failed + timeout of completed + failed + timeout.
    let n = |s: &str| by[s].as_i64().unwrap();
    assert_eq!(
        (k.ended, k.failed, k.timeout),
        (n("completed") + n("failed") + n("timeout"), n("failed"), n("timeout"))
    );
    assert_eq!(k.failed_timeout_share, Some((n("failed") + n("timeout")) as f64 / k.ended as f64));
    assert_eq!(k.completed, n("completed"));

    // Messages per quest: the facts' per-quest list.
    let mut per: Vec<f64> =
        q["messages_per_quest"].as_object().unwrap().values().map(|v| v.as_f64().unwrap()).collect();
    per.sort_by(f64::total_cmp);
    assert_eq!(k.with_thread, per.len() as i64);
    assert_eq!(k.broadcast_not_array, 0);
    assert_eq!(k.messages, q["messages"]["total"].as_i64().unwrap());
    close(k.messages_mean.unwrap(), per.iter().sum::<f64>() / per.len() as f64, "messages mean");
    assert_eq!(k.messages_median, Some(median(&per)));
    assert_eq!(k.messages_median, q["messages"]["median"].as_f64(), "the README's median");
}

#[test]
fn v2_figures_match_the_readme() {
    readme_facts(V2, (4069.0, 1486.0, 168_585.0, 31));
}

#[test]
fn hybrid_figures_match_the_readme() {
    readme_facts(HYBRID, (4014.0, 1578.0, 179_005.0, 11));
}

/// Weekly completions, hand-offs, turn holding and stalled quests of `db` with `state` against
/// the walk above.
fn check_against_plain(db: &NativeDb, facts: &SchemaFacts, state: &DashboardState, what: &str) {
    let all = read_quests(db);
    let d = dashboard(db, facts, state);
    let k = quests(&d);
    let w = &d.aggregates.window;
    let (ws, we, as_of) = bounds(w);

    // Completed per Monday-to-Sunday week, by updated_at.
    let mut weeks: BTreeMap<String, i64> = BTreeMap::new();
    let mut completed_in_range = 0;
    for q in all.iter().filter(|q| q.status == "completed") {
        let Some(u) = q.updated else { continue };
        if u >= ws && u <= we {
            *weeks.entry(week_of((u / 86_400.0).floor() as i64)).or_default() += 1;
            completed_in_range += 1;
        }
    }
    let shown: BTreeMap<String, i64> = k.weekly_completed.iter().filter(|(_, n)| *n > 0).cloned().collect();
    assert_eq!(shown, weeks, "{what}");
    assert_eq!(k.completed, completed_in_range, "{what}");
    // From the range's start, or from the first quest's creation when it comes later.
    let first_quest = all.iter().filter_map(|q| q.created).fold(f64::INFINITY, f64::min);
    let first_day = ((ws.max(first_quest)) / 86_400.0).floor() as i64;
    assert_eq!(k.weekly_completed.first().map(|(w, _)| w.clone()), Some(week_of(first_day)), "{what}");
    assert_eq!(k.weekly_completed.last().map(|(w, _)| w.clone()), Some(week_of(w.last_day)), "{what}");

    // Hand-offs per quest created in the range.
    let created: Vec<&Quest> = all.iter().filter(|q| q.created.is_some_and(|c| c >= ws && c <= we)).collect();
    let walked: Vec<Turns> = created.iter().filter_map(|q| turns(q, as_of)).collect();
    assert_eq!(k.with_thread, walked.len() as i64, "{what}");
    let handoffs: i64 = walked.iter().map(|t| t.1).sum();
    assert_eq!(k.handoffs, handoffs, "{what}");
    if !walked.is_empty() {
        close(k.handoffs_mean.unwrap(), handoffs as f64 / walked.len() as f64, "hand-offs mean");
    }

    // Turn holding per agent, clipped to the range, longest first.
    let mut per_agent: BTreeMap<String, f64> = BTreeMap::new();
    for q in &all {
        let Some((spans, ..)) = turns(q, as_of) else { continue };
        for (agent, from, until) in spans {
            let len = (until.min(we) - from.max(ws)).max(0.0);
            if len > 0.0 {
                *per_agent.entry(agent).or_default() += len;
            }
        }
    }
    let mut ranked: Vec<(String, f64)> = per_agent.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(k.agents_holding, ranked.len() as i64, "{what}");
    assert_eq!(k.turn_holding.len(), ranked.len().min(10), "{what}");
    for (got, want) in k.turn_holding.iter().zip(&ranked) {
        assert_eq!(&got.agent, &want.0, "{what}");
        close(got.seconds, want.1, &format!("{what} {}", want.0));
    }

    // Stalled now: open quests whose holder has had the turn longer than the threshold.
    let threshold = state.stall_after_hours * 3600.0;
    let mut stalled: Vec<(f64, i64, String)> = all
        .iter()
        .filter(|q| q.open())
        .filter_map(|q| {
            let (_, _, holder, since) = turns(q, as_of)?;
            let held = as_of - since?;
            (held > threshold).then_some((held, q.id, holder?))
        })
        .collect();
    stalled.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(k.stalled, stalled.len() as i64, "{what}");
    assert_eq!(k.stall_after_hours, state.stall_after_hours);
    for (got, want) in k.stalled_longest.iter().zip(&stalled) {
        assert_eq!((got.id, &got.holder), (want.1, &want.2), "{what}");
        close(got.held_seconds, want.0, "held");
    }
}

fn plain_computation(fixture: &str) {
    let Some((db, facts, _)) = open(fixture) else { return };
    for state in [
        DashboardState::default(),
        DashboardState { range: Range::Days(7), stall_after_hours: 1.0, ..Default::default() },
        DashboardState { range: Range::Days(30), stall_after_hours: 26.5, ..Default::default() },
    ] {
        check_against_plain(&db, &facts, &state, &format!("{fixture} {:?}", state.range));
    }
}

#[test]
fn v2_weeks_hand_offs_turns_and_stalls_match_a_plain_computation() {
    plain_computation(V2);
}

#[test]
fn hybrid_weeks_hand_offs_turns_and_stalls_match_a_plain_computation() {
    plain_computation(HYBRID);
}

#[test]
fn the_stall_threshold_decides_which_open_quests_are_stalled() {
    let Some((db, facts, _)) = open(V2) else { return };
    let at = |hours: f64| {
        let d = dashboard(&db, &facts, &DashboardState { stall_after_hours: hours, ..Default::default() });
        let k = quests(&d);
        (k.stalled, k.stalled_longest.iter().map(|s| s.id).collect::<Vec<_>>())
    };
    // Open quests 37..40; 40 got its last message 2025-11-09 13:47, 78 minutes before "as of"
    // (the last tool call, 15:07); 37 has waited on its leader since its creation (47 h).
    assert_eq!(at(0.0).0, 4);
    assert_eq!(at(0.0).1.first(), Some(&37));
    assert_eq!(at(2.0), (3, vec![37, 38, 39]));
    assert_eq!(at(30.0), (1, vec![37]));
    assert_eq!(at(48.0), (0, vec![]));
}

#[test]
fn a_file_without_quests_has_no_quest_figures_and_the_v2_link_stays_short() {
    let Some(dir) = common::fixtures_dir() else { return };
    let db = NativeDb::open_copy(&dir.join("acolytes-v1-small.db")).unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    assert!(dashboard(&db, &facts, &DashboardState::default()).aggregates.quests.is_none());

    for fixture in [V2, HYBRID] {
        let Some((db, facts, _)) = open(fixture) else { return };
        let state = DashboardState::default();
        let d = dashboard(&db, &facts, &state);
        let mut s = Snapshot {
            file: Some(fixture.into()),
            made_at: "2026-11-30 12:00".into(),
            redacted: false,
            state,
            aggregates: d.aggregates.clone(),
        };
        let link = encode_snapshot(&s);
        // The v1 fixture's default link is about 6 KB (`cargo xtask snapshot-link`); the goal is 8 KB.
        assert!(link.len() < 8 * 1024, "{fixture}: {} characters", link.len());
        redact(&mut s);
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("@acolyte."), "{fixture}: an agent name is left in the redacted snapshot");
    }
}

#[test]
fn malformed_quests_are_counted_apart_and_never_fail() {
    let Some((db, facts, _)) = open(V2) else { return };
    db.execute_batch_sync(
        "UPDATE acolyte_quests SET broadcast = '[{\"to\": \"@x' WHERE quest_id = 1; \
         UPDATE acolyte_quests SET broadcast = '{\"to\": \"@y\"}' WHERE quest_id = 2; \
         UPDATE acolyte_quests SET broadcast = NULL WHERE quest_id = 3; \
         UPDATE acolyte_quests SET broadcast = '[\"hello\", 3, {\"to\": 5, \"timestamp\": \"soon\"}, {\"to\": \"@z.agent\", \"timestamp\": \"yesterday\"}]', \
           status = 'paused', recruited = 'not json' WHERE quest_id = 4; \
         UPDATE acolyte_quests SET created_at = 'someday' WHERE quest_id = 5; \
         UPDATE acolyte_quests SET broadcast = json_set(broadcast, '$[1].timestamp', '2025-10-07T10:00:00') WHERE quest_id = 7; \
         UPDATE acolyte_quests SET broadcast = json_set(broadcast, '$[2].timestamp', \
           json_extract(broadcast, '$[0].timestamp')) WHERE quest_id = 8; \
         UPDATE acolyte_quests SET broadcast = json_set(broadcast, '$[0].to', json('{\"a\": 1}')) WHERE quest_id = 9; \
         UPDATE acolyte_quests SET broadcast = json_insert(broadcast, '$[#]', \
           json('{\"from\": \"@acolyte.notifications\", \"to\": \"@acolyte.notifications\", \"timestamp\": \"2025-10-06T16:30:00\"}')) \
           WHERE quest_id = 6;",
    )
    .unwrap();
    let d = dashboard(&db, &facts, &DashboardState::default());
    let k = quests(&d);
    assert_eq!(k.total, 40);
    assert_eq!(k.unreadable_times, 1, "quest 5's created_at");
    // Quest 5 is no longer created in the range; 1, 2, 3 have no array.
    assert_eq!(k.broadcast_not_array, 3);
    assert_eq!(k.with_thread, 40 - 3 - 1);
    // The unknown open status is shown as stored, after the known ones.
    assert_eq!(k.open_by_status.last(), Some(&("paused".to_owned(), 1)));
    // Quest 4: the leader comes from context; four entries, one hand-off (to @z.agent), and
    // @z.agent holds the turn (its time is unreadable: from the creation on) until "as of".
    let quests = read_quests(&db);
    let q4 = quests.iter().find(|q| q.id == 4).unwrap();
    assert_eq!(q4.leader.as_deref(), Some("@acolyte.dashboard"));
    let (_, handoffs, holder, _) = turns(q4, bounds(&d.aggregates.window).2).unwrap();
    assert_eq!((handoffs, holder.as_deref()), (1, Some("@z.agent")));
    assert!(k.turn_holding.iter().any(|t| t.agent == "@z.agent"), "{:?}", k.turn_holding);
    assert!(k.stalled_longest.iter().any(|s| s.id == 4 && s.holder == "@z.agent"));
    // Quest 6's added message goes to the agent that already holds the turn: no hand-off.
    let as_of = bounds(&d.aggregates.window).2;
    let q6 = quests.iter().find(|q| q.id == 6).unwrap();
    assert_eq!(q6.messages.as_ref().map(Vec::len), Some(3));
    assert_eq!(turns(q6, as_of).unwrap().1, 2);
    let walked: i64 =
        quests.iter().filter(|q| q.created.is_some()).filter_map(|q| turns(q, as_of)).map(|t| t.1).sum();
    assert_eq!(k.handoffs, walked);
    assert!(k.handoffs < k.messages);
    // Times out of order (7: before created_at; 8: before the message before it) and a `to`
    // that is an object (9): every figure still as the plain walk has it.
    let q9 = quests.iter().find(|q| q.id == 9).unwrap();
    assert_eq!(q9.messages.as_ref().unwrap()[0].0, None);
    for hours in [24.0, 0.5] {
        let state = DashboardState { stall_after_hours: hours, ..Default::default() };
        check_against_plain(&db, &facts, &state, &format!("malformed, stalled after {hours} h"));
    }
}
