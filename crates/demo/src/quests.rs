//! Demo quests: `acolyte_quests` rows exactly as the Acolytes 2.x quest scripts leave them.
//!
//! Each quest is played through the scripts' life cycle (upstream `acolytes_quest/*.py` at
//! commit ba01856, see the fixture README "Quest life cycle, as the scripts implement it"):
//!
//! * `quest_create.py`: `quest_name` `quest-YYYYMMDD-HHMMSS` (local time = UTC here),
//!   `recruited` leader first, `current_agent` the leader, `status` working, `broadcast` `[]`,
//!   `context` {mission, leader, phase}; the insert leaves both time columns at their default.
//! * `quest_message.py` / `quest_respond.py` (`QuestCore.send_message`): only whoever has the turn
//!   sends; the message {from, to, message, timestamp (ISO, microseconds)} is appended,
//!   `current_agent` becomes the addressee and `status` waiting. Worker answers usually end with
//!   a `Files modified:` block (`--files`).
//! * `quest_conversation.py`: reading a waiting quest makes it working.
//! * `quest_review.py`: reviewing. `quest_status.py`: failed / timeout, or completed with no
//!   result and the turn left where it was.
//! * `quest_complete.py`: completed, `current_agent` NULL, `result` {quest_id, quest_name,
//!   mission, phase, completed_at, summary, details?, team}.
//!
//! Every update writes `updated_at = strftime('%s','now')`. The JSON columns are written the way
//! Python's `json.dumps` writes them (`", "`/`": "` separators, non-ASCII as `\uXXXX`). A quest
//! whose next step would happen after the end of the period stays where it is, so the newest
//! quests are still open, as in a file copied while people work.

use std::fmt::Write as _;

use super::catalog::{ACOLYTES, SPECIALISTS};
use super::flags::HOUR_WEIGHTS;
use super::rng::{powi, Rng, WeightedTable};
use super::sql::{json_array, push_py_json_str, Inserts};
use super::texts::{self, Slots, AREAS};
use super::time;

const SECONDS_PER_DAY: i64 = 86_400;

/// How `acolyte_quests.created_at` / `updated_at` are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestClock {
    /// Fresh v2 (`init_db.sql`, TEXT columns): `created_at` is `YYYY-MM-DD HH:MM:SS` from the
    /// default; `updated_at` is epoch seconds as TEXT once updated, else the default text.
    V2Text,
    /// Hybrid (table created by a quest script, INTEGER columns): both epoch seconds as integers.
    HybridInteger,
}

/// When quests are created: `[start, end)` in epoch seconds. `end` is also "now", the moment the
/// file was copied: nothing happens after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestPeriod {
    pub start: i64,
    pub end: i64,
}

/// Leaders (module agents of the catalog) and how often each leads a quest.
const LEADER_WEIGHTS: &[(&str, f64)] = &[
    ("@acolyte.api", 1.3),
    ("@acolyte.auth", 1.0),
    ("@acolyte.api-shipments", 0.8),
    ("@acolyte.payments", 1.0),
    ("@acolyte.tracking", 0.9),
    ("@acolyte.notifications", 1.1),
    ("@acolyte.dashboard", 1.0),
];

/// Specialists recruited for any module's quests, next to the ones of the module's own area.
const GENERALISTS: &[&str] = &[
    "@test.quality",
    "@docs.specialist",
    "@audit.security",
    "@ops.performance",
    "@ops.monitoring",
    "@database.postgres",
    "@database.redis",
    "@backend.nodejs",
    "@backend.api",
];

/// Missions (`--mission`). Slots as in [`texts::fill`].
const MISSIONS: &[&str] = &[
    "Add cursor pagination to {get}",
    "Rate-limit {ep} per API key and return Retry-After",
    "Move {fn}() behind the {toggle} toggle",
    "Add an index for {table}.{col} and drop the unused one",
    "Fix the flaky test around {fn}() in {file}",
    "Return problem+json errors from {ep}",
    "Backfill {table}.{col} in batches of 5000",
    "Cache {get} for 60 s with explicit invalidation",
    "Split {file} so {fn}() can be tested alone",
    "Propagate the request id from {svc} to {svc2}",
    "Make {fn}() idempotent on retries",
    "Document {ep} in the OpenAPI contract",
    "Remove the {toggle} toggle now that it is on everywhere",
    "Stop {fn}() from swallowing errors when {table} is empty",
    "Cut p95 latency of {get} below 200 ms",
    "Add audit logging to {fn}() for every write to {table}",
];

/// Missions typed in another language (the scripts store them as typed; JSON escapes them).
const MISSIONS_INTERNATIONAL: &[&str] = &[
    "Añadir paginación por cursor a {get} y documentarla",
    "Corregir el test inestable de {fn}() en {file}",
    "{fn}() für Wiederholungen idempotent machen (keine doppelten Buchungen)",
    "{fn}() のエラー処理を直す",
    "Ship {toggle} to every tenant 🚀",
];

/// The leader's first message; `{mission}` is the quest's mission.
const LEADER_FIRST: &[&str] = &[
    "Read {file} and {file2} first. Then implement: {mission}. Keep the public contract, add tests and run the linter before you answer.",
    "Next step of the roadmap: {mission}. Files to read: {file}, {file2}. Reply with the list of files you changed.",
    "Please take this: {mission}. Context is in {file}. Use the real table and column names from the migrations ({table}). Quality gates are mandatory.",
];

/// The leader asks the same worker for changes.
const LEADER_FOLLOW_UP: &[&str] = &[
    "Changes requested: keep backwards compatibility for one release in {file2} and add a deprecation log line.",
    "Please also cover the timeout path in {file} and document the new behaviour.",
    "Review done. Fix: {fn}() still swallows the error when {table} is empty; add a test for that case.",
    "Almost there: {col} must stay nullable until the backfill has run. Adjust the migration.",
];

/// The leader hands the work to another worker.
const LEADER_HANDOFF: &[&str] = &[
    "The implementation is in {file}. Please review it and add the missing tests for {fn}().",
    "Part one is merged. Please check {ep} end to end on staging and report what breaks.",
    "Please go over {file2} for security issues before we close this.",
];

/// A worker's answer (before its `Files modified:` block).
const WORKER_ANSWER: &[&str] = &[
    "Implemented the change in {file} and updated {file2}. npm test: {n} passed, 0 failed. Lint passed.",
    "Fixed as requested. Added the missing test and re-ran the suite: {n} passed.",
    "Finished. Quality gates: lint OK, tests OK ({n} passed), manual check against staging OK.",
    "Done. {fn}() now handles the empty case and the {table} migration is reversible.",
    "Reviewed {file}: no blocking issues, two small fixes applied, {n} tests green.",
];

const WORKER_ANSWER_INTERNATIONAL: &[&str] =
    &["Hecho. Cambios en {file} y {file2}; tests en verde ({n}), lint sin errores."];

/// `--summary` of `quest_complete.py`.
const SUMMARIES: &[&str] =
    &["{mission} done; lint and tests green", "{mission} shipped with tests", "Completed: {mission}"];

/// Share of quests that end `failed`, end `timeout`, stay in review (the leader reviewed the last
/// answer and has not decided yet), or simply stop (nobody ran the next command); the rest are
/// completed.
const FAILED: f64 = 0.05;
const TIMED_OUT: f64 = 0.04;
const IN_REVIEW: f64 = 0.025;
const STALLED: f64 = 0.05;

/// One completed quest in this many is closed with `quest_status.py --status completed`
/// instead of `quest_complete.py` (no result, `current_agent` kept).
const STATUS_COMPLETED_EVERY: u64 = 40;

/// What a script run does to the row.
#[derive(Debug, Clone)]
enum Act {
    /// `quest_message.py` (leader) or `quest_respond.py` (worker).
    Send { from: &'static str, to: &'static str, text: String },
    /// `quest_conversation.py` by the addressee.
    Read,
    /// `quest_review.py`.
    Review,
    /// `quest_status.py --status S`.
    Status(&'static str),
    /// `quest_complete.py`.
    Complete,
}

#[derive(Debug, Clone)]
struct Step {
    /// Epoch second.
    at: i64,
    /// Microseconds within the second (never 0, so `isoformat()` keeps its fraction).
    micros: u32,
    act: Act,
}

/// The stored row after the steps that happened.
struct Row {
    status: &'static str,
    current: Option<&'static str>,
    /// (from, to, message, timestamp text)
    broadcast: Vec<(&'static str, &'static str, String, String)>,
    completed_at: Option<String>,
    updated: Option<i64>,
}

/// Creation seconds for `n` quests in the period, sorted: working hours, quieter weekends,
/// slowly growing activity (two quests may share a second, and then a name, as in the tool).
pub fn creation_times(rng: &mut Rng, n: usize, period: QuestPeriod) -> Vec<i64> {
    let first_day = period.start.div_euclid(SECONDS_PER_DAY);
    let days = ((period.end - 1).div_euclid(SECONDS_PER_DAY) - first_day + 1).max(1) as usize;
    let day_table = WeightedTable::new((0..days).map(|d| {
        let weekend = time::weekday(first_day + d as i64) >= 5;
        (if weekend { 0.3 } else { 1.0 }) * powi(1.02, (d / 7) as u32)
    }));
    let hour_table = WeightedTable::new(HOUR_WEIGHTS.iter().copied());
    let latest = (period.end - 60).max(period.start);
    let mut times: Vec<i64> = (0..n)
        .map(|_| {
            for _ in 0..1_000 {
                let d = day_table.sample(rng) as i64;
                let h = hour_table.sample(rng) as i64;
                let t = (first_day + d) * SECONDS_PER_DAY + h * 3_600 + rng.range(0, 3_599);
                if t >= period.start && t <= latest {
                    return t;
                }
            }
            rng.range(period.start, latest)
        })
        .collect();
    times.sort_unstable();
    times
}

/// The specialists a module agent recruits: its own area's (three times as likely) and the
/// generalists.
fn candidates(leader: &str) -> Vec<(&'static str, f64)> {
    let area = texts::area_of(leader);
    let mut out: Vec<(&'static str, f64)> =
        SPECIALISTS.iter().filter(|s| texts::area_of(s.name) == area).map(|s| (s.name, 3.0)).collect();
    for g in GENERALISTS {
        if !out.iter().any(|(n, _)| n == g) {
            out.push((g, 1.0));
        }
    }
    out
}

fn fill(template: &str, slots: &Slots<'_>, mission: &str) -> String {
    let mut out = String::with_capacity(template.len() + 80);
    texts::fill(&mut out, template, slots);
    if out.contains("{mission}") {
        out = out.replace("{mission}", mission);
    }
    out
}

/// Time a worker needs for an answer: mostly 5 to 60 minutes, sometimes the next day.
fn work_gap(rng: &mut Rng) -> i64 {
    let mut gap = (rng.log_normal(1_200.0, 0.7) as i64).clamp(120, 6 * 3_600);
    if rng.chance(0.08) {
        gap += rng.range(12 * 3_600, 40 * 3_600);
    }
    gap
}

fn micros(rng: &mut Rng) -> u32 {
    rng.range(1, 999_999) as u32
}

fn push(rng: &mut Rng, steps: &mut Vec<Step>, at: i64, act: Act) {
    steps.push(Step { at, micros: micros(rng), act });
}

/// Plays the steps that happened before `now`.
fn replay(steps: &[Step], now: i64, leader: &'static str) -> Row {
    let mut row = Row {
        status: "working",
        current: Some(leader),
        broadcast: Vec::new(),
        completed_at: None,
        updated: None,
    };
    for step in steps {
        if step.at >= now {
            break;
        }
        match &step.act {
            Act::Send { from, to, text } => {
                debug_assert_eq!(row.current, Some(*from), "only whoever has the turn sends");
                row.broadcast.push((from, to, text.clone(), time::iso_micros(step.at, step.micros)));
                row.current = Some(to);
                row.status = "waiting";
            }
            Act::Read => {
                if row.status != "waiting" {
                    continue; // reading changes nothing then, and writes nothing
                }
                row.status = "working";
            }
            Act::Review => row.status = "reviewing",
            Act::Status(s) => row.status = s,
            Act::Complete => {
                row.status = "completed";
                row.current = None;
                row.completed_at = Some(time::iso_micros(step.at, step.micros));
            }
        }
        row.updated = Some(step.at);
    }
    row
}

/// What the tool-call generator needs to know of a written quest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestStamp {
    /// Epoch second of `quest_create.py`.
    pub created: i64,
    pub leader: &'static str,
    /// The first worker (`recruited[1]`).
    pub worker: &'static str,
}

/// Writes `n` quests created in `period`; returns them in `quest_id` order (quest `k` is
/// `quest_id` `k + 1`), which is also creation order.
pub fn write_quests(
    out: &mut String,
    rng: &mut Rng,
    n: usize,
    period: QuestPeriod,
    clock: QuestClock,
) -> Vec<QuestStamp> {
    // Every column of the table, in its order (the core names them for its readers).
    let cols = flagdeck_core::schema::QUEST_COLUMNS;
    let times = creation_times(rng, n, period);
    let leader_table = WeightedTable::new(LEADER_WEIGHTS.iter().map(|l| l.1));
    let pools: Vec<(Vec<(&'static str, f64)>, WeightedTable)> = LEADER_WEIGHTS
        .iter()
        .map(|(leader, _)| {
            let pool = candidates(leader);
            let table = WeightedTable::new(pool.iter().map(|c| c.1));
            (pool, table)
        })
        .collect();
    debug_assert!(LEADER_WEIGHTS.iter().all(|(l, _)| ACOLYTES.iter().any(|a| a.name == *l)));
    let status_completed_phase = rng.below(8);
    let mut completions = 0u64;
    let mut ins = Inserts::new(out, "acolyte_quests", cols, 200);
    let mut json = String::new();
    let mut stamps = Vec::with_capacity(n);

    for (k, &created) in times.iter().enumerate() {
        let id = k as i64 + 1;
        let li = leader_table.sample(rng);
        let leader = LEADER_WEIGHTS[li].0;
        let (pool, pool_table) = &pools[li];
        let workers_wanted = 1 + rng.weighted(&[0.5, 0.33, 0.17]);
        let mut team: Vec<&'static str> = vec![leader];
        for _ in 0..workers_wanted * 4 {
            if team.len() > workers_wanted {
                break;
            }
            let w = pool[pool_table.sample(rng)].0;
            if !team.contains(&w) {
                team.push(w);
            }
        }
        let phase = if rng.chance(0.45) {
            "1/1".to_owned()
        } else {
            let total = if rng.chance(0.55) { 3 } else { 6 };
            format!("{}/{}", rng.range(1, total), total)
        };

        // --- texts
        let area = &AREAS[texts::area_of(leader)];
        let other = &AREAS[texts::area_of(team[1])];
        let file = rng.choose(area.files);
        let mut file2 = rng.choose(area.files);
        if file2 == file {
            file2 = rng.choose(other.files);
        }
        let slots = Slots {
            file,
            file2,
            func: rng.choose(area.fns),
            table: rng.choose(area.tables),
            column: rng.choose(area.columns),
            endpoint: rng.choose(area.endpoints),
            read_endpoint: texts::read_endpoint(area),
            service: area.service,
            service2: other.service,
            toggle: rng.choose(area.toggles),
            date: "",
            past: "",
            ymd: "",
            line: rng.range(12, 640),
            number: rng.range(3, 240),
            origin: 0,
        };
        let international = rng.chance(0.03);
        let mission_template =
            if international { rng.choose(MISSIONS_INTERNATIONAL) } else { rng.choose(MISSIONS) };
        let mission = fill(mission_template, &slots, "");

        // --- the script runs, in order
        let rounds = 1 + rng.weighted(&[0.55, 0.33, 0.09, 0.03]);
        let mut steps: Vec<Step> = Vec::new();
        let mut t = created;
        let mut worker = team[1];
        for round in 0..rounds {
            t += if round == 0 { rng.range(90, 600) } else { rng.range(60, 900) };
            let previous = worker;
            if round > 0 && team.len() > 2 && rng.chance(0.35) {
                worker = team[1 + rng.index(team.len() - 1)];
            }
            let template = if round == 0 {
                rng.choose(LEADER_FIRST)
            } else if worker != previous {
                rng.choose(LEADER_HANDOFF)
            } else {
                rng.choose(LEADER_FOLLOW_UP)
            };
            let text = fill(template, &slots, &mission);
            push(rng, &mut steps, t, Act::Send { from: leader, to: worker, text });
            t += rng.range(3, 240);
            push(rng, &mut steps, t, Act::Read);
            t += work_gap(rng);
            let answer = if international && rng.chance(0.7) {
                rng.choose(WORKER_ANSWER_INTERNATIONAL)
            } else {
                rng.choose(WORKER_ANSWER)
            };
            let mut text = fill(answer, &slots, &mission);
            if rng.chance(0.8) {
                // `--files a,b`: one `- path` line per file
                text.push_str("\n\nFiles modified:");
                for f in [file, file2].iter().take(1 + rng.index(2)) {
                    text.push_str("\n- ");
                    text.push_str(f);
                }
                if rng.chance(0.3) {
                    let _ = write!(text, "\n- tests/{}/{}.spec.ts", area.service, slots.func);
                }
            }
            push(rng, &mut steps, t, Act::Send { from: worker, to: leader, text });
            t += rng.range(3, 240);
            push(rng, &mut steps, t, Act::Read);
            if rng.chance(0.8) {
                t += rng.range(30, 600);
                push(rng, &mut steps, t, Act::Review);
            }
        }

        // --- how it ends
        let fate = rng.unit();
        if fate < FAILED + TIMED_OUT {
            // the leader gives up while a worker has the turn (or just after an answer)
            let cut = 1 + rng.index(steps.len() - 1);
            steps.truncate(cut);
            let last = steps.last().map_or(created, |s| s.at);
            let (status, wait) = if fate < FAILED {
                ("failed", rng.range(300, 2 * 3_600))
            } else {
                ("timeout", rng.range(3_600, 4 * 3_600))
            };
            push(rng, &mut steps, last + wait, Act::Status(status));
        } else if fate < FAILED + TIMED_OUT + IN_REVIEW {
            // stop at the last review, adding one if the leader skipped it
            if !matches!(steps.last().map(|s| &s.act), Some(Act::Review)) {
                t += rng.range(30, 600);
                push(rng, &mut steps, t, Act::Review);
            }
        } else if fate < FAILED + TIMED_OUT + IN_REVIEW + STALLED {
            // nobody ran the next command (0 steps: never updated after quest_create.py)
            let cut = rng.index(steps.len());
            steps.truncate(cut);
        } else {
            t += rng.range(60, 900);
            let by_status = completions % STATUS_COMPLETED_EVERY == status_completed_phase;
            push(rng, &mut steps, t, if by_status { Act::Status("completed") } else { Act::Complete });
            completions += 1;
        }
        let row = replay(&steps, period.end, leader);
        stamps.push(QuestStamp { created, leader, worker: team[1] });

        // --- the stored row
        let name = format!("quest-{}", time::compact_second(created));
        let recruited = json_array(&team);
        let broadcast = {
            json.clear();
            json.push('[');
            for (i, (from, to, message, at)) in row.broadcast.iter().enumerate() {
                if i > 0 {
                    json.push_str(", ");
                }
                json.push_str("{\"from\": ");
                push_py_json_str(&mut json, from);
                json.push_str(", \"to\": ");
                push_py_json_str(&mut json, to);
                json.push_str(", \"message\": ");
                push_py_json_str(&mut json, message);
                json.push_str(", \"timestamp\": ");
                push_py_json_str(&mut json, at);
                json.push('}');
            }
            json.push(']');
            json.clone()
        };
        let mut context = String::from("{\"mission\": ");
        push_py_json_str(&mut context, &mission);
        context.push_str(", \"leader\": ");
        push_py_json_str(&mut context, leader);
        context.push_str(", \"phase\": ");
        push_py_json_str(&mut context, &phase);
        context.push('}');
        let result = row.completed_at.as_ref().map(|completed_at| {
            let mut r = String::with_capacity(400);
            let _ = write!(r, "{{\"quest_id\": {id}, \"quest_name\": ");
            push_py_json_str(&mut r, &name);
            r.push_str(", \"mission\": ");
            push_py_json_str(&mut r, &mission);
            r.push_str(", \"phase\": ");
            push_py_json_str(&mut r, &phase);
            r.push_str(", \"completed_at\": ");
            push_py_json_str(&mut r, completed_at);
            r.push_str(", \"summary\": ");
            push_py_json_str(&mut r, &fill(rng.choose(SUMMARIES), &slots, &mission));
            let details = rng.unit();
            if details < 0.78 {
                r.push_str(", \"details\": {\"files_changed\": ");
                r.push_str(&json_array(&[file, file2][..1 + rng.index(2)]));
                let _ = write!(
                    r,
                    ", \"tests\": \"{} passed\", \"lint\": \"clean\", \"quality_gates\": {{\"lint\": true, \"tests\": true, \"manual_check\": {}}}",
                    slots.number,
                    if rng.chance(0.85) { "true" } else { "false" }
                );
                if rng.chance(0.5) {
                    r.push_str(", \"follow_up\": ");
                    push_py_json_str(&mut r, &format!("Monitor {} error rate after deploy", slots.endpoint));
                }
                r.push('}');
            } else if details < 0.83 {
                // `--result` text that is not JSON is kept as a string
                r.push_str(", \"details\": \"Merged after review\"");
            }
            r.push_str(", \"team\": ");
            r.push_str(&recruited);
            r.push('}');
            r
        });

        ins.row(|r| {
            r.int(id).text(&name).text(&phase).text(&mission).text(&recruited);
            r.opt_text(row.current).text(row.status).text(&broadcast).text(&context);
            r.opt_text(result.as_deref());
            match clock {
                QuestClock::V2Text => {
                    r.second(created);
                    match row.updated {
                        Some(u) => r.text(&u.to_string()),
                        None => r.second(created),
                    };
                }
                QuestClock::HybridInteger => {
                    r.int(created).int(row.updated.unwrap_or(created));
                }
            }
        });
    }
    ins.finish();
    stamps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_leader_is_a_catalog_acolyte_with_recruits_from_the_catalog() {
        for (leader, _) in LEADER_WEIGHTS {
            assert!(ACOLYTES.iter().any(|a| a.name == *leader), "{leader}");
            let pool = candidates(leader);
            assert!(pool.len() >= 4, "{leader}: {pool:?}");
            assert!(pool.iter().all(|(n, _)| super::super::catalog::contains(n)), "{leader}");
        }
    }

    #[test]
    fn replay_follows_the_scripts() {
        let send = |from, to| Act::Send { from, to, text: "x".into() };
        let steps = [
            Step { at: 10, micros: 1, act: send("@a", "@w") },
            Step { at: 20, micros: 1, act: Act::Read },
            Step { at: 30, micros: 1, act: send("@w", "@a") },
            Step { at: 40, micros: 1, act: Act::Read },
            Step { at: 50, micros: 1, act: Act::Review },
            Step { at: 60, micros: 1, act: Act::Complete },
        ];
        let done = replay(&steps, 1_000, "@a");
        assert_eq!((done.status, done.current, done.updated), ("completed", None, Some(60)));
        assert_eq!(done.broadcast.len(), 2);
        let cut = replay(&steps, 35, "@a");
        assert_eq!((cut.status, cut.current, cut.updated), ("waiting", Some("@a"), Some(30)));
        let none = replay(&steps, 5, "@a");
        assert_eq!((none.status, none.current, none.updated), ("working", Some("@a"), None));
    }
}
