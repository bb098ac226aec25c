//! Demo flags: who flags whom, what changed, what to do, when, and how far each flag got.
//!
//! Every row satisfies the v1 triggers (text lengths, a target for high/critical, critical only
//! for breaking_change/security/data_loss, never low for breaking_change/security); the script
//! would abort otherwise, and `tests/demo.rs` replays the rows into a database written by the
//! real tool.

use super::rng::{powi, Rng, WeightedTable};
use super::sql::Inserts;
use super::texts::{self, Slots, AREAS, IMPACTS};
use super::time::{self, MINUTES_PER_DAY};
use super::world::World;

/// Flag targets and how often they are flagged (pending work concentrates on the busy ones).
pub const TARGETS: &[(&str, f64)] = &[
    ("@backend.api", 26.0),
    ("@acolyte.api", 24.0),
    ("@database.postgres", 17.0),
    ("@acolyte.api-shipments", 15.0),
    ("@acolyte.auth", 14.0),
    ("@acolyte.payments", 14.0),
    ("@backend.nodejs", 13.0),
    ("@service.auth", 13.0),
    ("@coordinator.backend", 12.0),
    ("@ops.containers", 12.0),
    ("@acolyte.tracking", 11.0),
    ("@business.payment", 11.0),
    ("@test.quality", 11.0),
    ("@docs.specialist", 10.0),
    ("@acolyte.notifications", 10.0),
    ("@frontend.mobile", 10.0),
    ("@frontend.react", 10.0),
    ("@audit.security", 9.0),
    ("@acolyte.dashboard", 8.0),
    ("@service.communication", 7.0),
    ("@service.data", 7.0),
    ("@backend.serverless", 6.0),
    ("@database.redis", 6.0),
    ("@ops.cicd", 6.0),
    ("@ops.monitoring", 5.0),
    ("@backend.go", 4.0),
    ("@backend.python", 3.0),
    ("@service.mapbox", 3.0),
    ("@database.postgis", 2.0),
    ("@ops.iac", 2.0),
];

/// Agents that raise flags.
pub const SOURCES: &[(&str, f64)] = &[
    ("@acolyte.api", 14.0),
    ("@database.postgres", 13.0),
    ("@backend.api", 12.0),
    ("@acolyte.auth", 10.0),
    ("@acolyte.payments", 10.0),
    ("@service.auth", 9.0),
    ("@acolyte.api-shipments", 9.0),
    ("@acolyte.tracking", 8.0),
    ("@ops.cicd", 8.0),
    ("@backend.nodejs", 8.0),
    ("@acolyte.dashboard", 7.0),
    ("@test.quality", 7.0),
    ("@audit.security", 7.0),
    ("@coordinator.backend", 6.0),
    ("@acolyte.notifications", 6.0),
    ("@business.payment", 6.0),
    ("@ops.containers", 5.0),
    ("@frontend.react", 5.0),
    ("@backend.go", 5.0),
    ("@ops.monitoring", 4.0),
    ("@service.data", 4.0),
    ("@frontend.mobile", 4.0),
    ("@database.redis", 3.0),
    ("@coordinator.security", 3.0),
    ("@backend.python", 3.0),
    ("@ops.iac", 2.0),
    ("@coordinator.database", 2.0),
    ("@service.integrations", 2.0),
    ("@docs.specialist", 2.0),
    ("@business.billing", 1.5),
    ("@ops.git", 1.5),
    ("@coordinator.migration", 1.0),
];

const FOLLOW_UP_TYPES: &[(&str, f64)] =
    &[("change", 4.0), ("refactor", 2.0), ("enhancement", 2.0), ("new_feature", 1.5)];

/// One in this many origin flags of medium or low impact goes to everybody.
const BROADCAST_EVERY: u64 = 45;

struct Chain {
    origin: i64,
    origin_source: &'static str,
    last_target: &'static str,
    origin_type: &'static str,
    links: u8,
    max_links: u8,
    started: i64,
}

/// Sorted creation minutes for `n` flags: working hours, quieter weekends, slowly growing
/// activity. While the window has room (up to a quarter of its minutes), no two flags share a
/// minute, so ordering by `created_at` is unambiguous.
fn creation_times(world: &World, rng: &mut Rng, n: usize) -> Vec<i64> {
    let days = ((world.end - world.start) / MINUTES_PER_DAY) as usize;
    let day_table = WeightedTable::new((0..days).map(|d| {
        let weekend = time::weekday(world.start / MINUTES_PER_DAY + d as i64) >= 5;
        (if weekend { 0.3 } else { 1.0 }) * powi(1.03, (d / 7) as u32)
    }));
    let hour_table = WeightedTable::new(HOUR_WEIGHTS.iter().copied());
    let first = world.first_event();
    let mut times: Vec<i64> = (0..n)
        .map(|_| loop {
            let d = day_table.sample(rng) as i64;
            let h = hour_table.sample(rng) as i64;
            let t = world.start + d * MINUTES_PER_DAY + h * 60 + rng.range(0, 59);
            if t >= first && t < world.end {
                break t;
            }
        })
        .collect();
    times.sort_unstable();
    let room = (world.end - first) as usize;
    if n > 0 && n <= room / 4 {
        for i in 1..n {
            if times[i] <= times[i - 1] {
                times[i] = times[i - 1] + 1;
            }
        }
        // pushing forward may run past the end: pull the tail back
        let mut limit = world.end - 1;
        for t in times.iter_mut().rev() {
            if *t > limit {
                *t = limit;
            }
            limit = *t - 1;
        }
    }
    times
}

/// Relative activity per hour of the day (local time).
pub const HOUR_WEIGHTS: [f64; 24] = [
    0.15, 0.08, 0.05, 0.04, 0.04, 0.08, 0.25, 0.6, 1.1, 1.5, 1.6, 1.6, 1.2, 1.3, 1.6, 1.6, 1.5, 1.3, 1.0,
    0.8, 0.7, 0.6, 0.45, 0.3,
];

fn pick_other(rng: &mut Rng, table: &WeightedTable, list: &[(&'static str, f64)], not: &str) -> &'static str {
    loop {
        let candidate = list[table.sample(rng)].0;
        if candidate != not {
            return candidate;
        }
    }
}

/// Writes `n` flags; returns how many.
pub fn write_flags(out: &mut String, world: &World, rng: &mut Rng, n: usize) -> usize {
    let cols = [
        "id",
        "chain_origin_id",
        "session_id",
        "flag_type",
        "source_agent",
        "target_agent",
        "change_description",
        "action_required",
        "impact_level",
        "status",
        "locked",
        "related_files",
        "code_location",
        "example_usage",
        "context",
        "created_at",
        "completed_at",
        "completed_by",
    ];
    let times = creation_times(world, rng, n);
    let target_table = WeightedTable::new(TARGETS.iter().map(|t| t.1));
    let source_table = WeightedTable::new(SOURCES.iter().map(|t| t.1));
    let type_table = WeightedTable::new(texts::FLAG_TYPES.iter().map(|t| t.1));
    let window = (world.end - world.start) as f64;

    let mut open: Vec<Chain> = Vec::new();
    let broadcast_phase = rng.below(BROADCAST_EVERY);
    let mut eligible = 0u64;
    let mut change = String::new();
    let mut action = String::new();
    let mut ins = Inserts::new(out, "flags", &cols, 250);

    for (i, &created) in times.iter().enumerate() {
        let id = i as i64 + 1;
        open.retain(|c| created - c.started < 12 * MINUTES_PER_DAY);

        // --- who, what kind, which chain
        let follow = if !open.is_empty() && rng.chance(0.2) {
            // prefer recent chains
            let k = open.len() - 1 - rng.index(open.len().min(4));
            Some(k)
        } else {
            None
        };
        let (source, mut target, flag_type, origin) = match follow {
            Some(k) => {
                let chain = &mut open[k];
                let source = chain.last_target;
                let target = if chain.origin_source != source && rng.chance(0.6) {
                    chain.origin_source
                } else {
                    pick_other(rng, &target_table, TARGETS, source)
                };
                let flag_type =
                    if rng.chance(0.25) { chain.origin_type } else { *rng.weighted_pick(FOLLOW_UP_TYPES) };
                let origin = chain.origin;
                chain.links += 1;
                chain.last_target = target;
                if chain.links + 1 >= chain.max_links {
                    open.remove(k);
                }
                (source, target, flag_type, Some(origin))
            }
            None => {
                let source = SOURCES[source_table.sample(rng)].0;
                let target = pick_other(rng, &target_table, TARGETS, source);
                let flag_type = texts::FLAG_TYPES[type_table.sample(rng)].0;
                if rng.chance(0.15) {
                    let max_links = [2u8, 3, 4][rng.weighted(&[0.53, 0.28, 0.19])];
                    open.push(Chain {
                        origin: id,
                        origin_source: source,
                        last_target: target,
                        origin_type: flag_type,
                        links: 0,
                        max_links,
                        started: created,
                    });
                }
                (source, target, flag_type, None)
            }
        };
        let impact = IMPACTS[rng.weighted(&texts::impact_weights(flag_type))];
        if origin.is_none() && (impact == "medium" || impact == "low") {
            // about one in 45 eligible flags is a broadcast (`--target_agent ""`), spread
            // evenly so that even a small demo has a few
            eligible += 1;
            if eligible % BROADCAST_EVERY == broadcast_phase {
                target = "";
                // nobody in particular answers a broadcast: it starts no chain
                if open.last().is_some_and(|c| c.origin == id) {
                    open.pop();
                }
            }
        }

        // --- texts
        // The change happened in the source's code; the action is for the target's code.
        let area = &AREAS[texts::area_of(source)];
        let other = &AREAS[if target.is_empty() { rng.index(AREAS.len()) } else { texts::area_of(target) }];
        let file = rng.choose(area.files);
        let mut file2 = rng.choose(other.files);
        if file2 == file {
            file2 = rng.choose(area.files);
        }
        let date = time::date_text(created + rng.range(2, 20) * MINUTES_PER_DAY);
        let past = time::date_text(created - rng.range(1, 6) * MINUTES_PER_DAY);
        let ymd = time::compact_date(created);
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
            date: &date,
            past: &past,
            ymd: &ymd,
            line: rng.range(12, 640),
            number: rng.range(101, 989),
            origin: origin.unwrap_or(0),
        };
        change.clear();
        let change_template = if origin.is_some() && rng.chance(0.7) {
            rng.choose(texts::FOLLOW_UP_TEMPLATES)
        } else if rng.chance(0.035) {
            rng.choose(texts::INTERNATIONAL_TEMPLATES)
        } else {
            rng.choose(texts::change_templates(flag_type))
        };
        texts::fill(&mut change, change_template, &slots);
        action.clear();
        texts::fill(&mut action, rng.choose(texts::ACTION_TEMPLATES), &slots);

        // `create-flag-for-agent` (follow-ups, flags with context) re-joins files with ", ";
        // `create-flag` keeps whatever separator was typed.
        let with_context = if origin.is_some() { rng.chance(0.4) } else { rng.chance(0.03) };
        let related = rng.chance(0.73).then(|| {
            let mut files = vec![file];
            for _ in 0..rng.weighted(&[0.45, 0.3, 0.17, 0.08]) {
                let extra = if rng.chance(0.5) { rng.choose(area.files) } else { rng.choose(other.files) };
                if !files.contains(&extra) {
                    files.push(extra);
                }
            }
            let sep = if origin.is_some() || with_context || rng.chance(0.6) { ", " } else { "," };
            files.join(sep)
        });
        let code_location = rng.chance(0.43).then(|| format!("{}:{}", file, rng.range(5, 700)));
        let example = rng.chance(0.24).then(|| {
            let mut s = String::new();
            texts::fill(&mut s, rng.choose(texts::EXAMPLE_TEMPLATES), &slots);
            s
        });
        let context = with_context.then(|| {
            let mut s = String::new();
            texts::fill(&mut s, rng.choose(texts::CONTEXT_TEMPLATES), &slots);
            s
        });

        // --- progress: older flags are more likely done
        let age = (world.end - created) as f64 / window;
        let mut completed_at = None;
        if rng.chance(0.1 + 0.86 * age) {
            let delay = (rng.log_normal(16.0 * 60.0, 1.1) as i64).max(8);
            if created + delay < world.end - 30 {
                completed_at = Some(created + delay);
            }
        }
        let locked = match completed_at {
            None => rng.chance(0.19),
            Some(_) => rng.chance(0.02),
        };
        let completed_by = completed_at.and_then(|_| {
            if rng.chance(0.03) {
                return None; // `complete-flag ID` without an agent
            }
            let who = if target.is_empty() { SOURCES[source_table.sample(rng)].0 } else { target };
            Some(if rng.chance(0.015) { who.trim_start_matches('@') } else { who })
        });
        ins.row(|r| {
            r.int(id).opt_int(origin).text(world.session_at(created));
            r.text(flag_type).text(source).text(target).text(&change).text(&action).text(impact);
            r.text(if completed_at.is_some() { "completed" } else { "pending" }).int(locked as i64);
            r.opt_text(related.as_deref()).opt_text(code_location.as_deref()).opt_text(example.as_deref());
            r.opt_text(context.as_deref()).minute(created);
            match completed_at {
                Some(t) => r.minute(t),
                None => r.null(),
            };
            r.opt_text(completed_by);
        });
    }
    ins.finish()
}
