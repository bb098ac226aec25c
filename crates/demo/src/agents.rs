//! Demo rows about agents: the catalog, the module agents' memories and the health checks.

use super::catalog::{ACOLYTES, SPECIALISTS};
use super::rng::{powi, Rng};
use super::sql::{json_array, Inserts, JsonObject};
use super::texts::{self, AREAS};
use super::time::MINUTES_PER_DAY;
use super::world::World;

/// The memory kinds the schema allows, in the order `create-agent` creates them.
pub const MEMORY_TYPES: &[&str] = &[
    "knowledge",
    "structure",
    "patterns",
    "interfaces",
    "dependencies",
    "schemas",
    "quality",
    "operations",
    "context",
    "domain",
    "security",
    "errors",
    "performance",
    "history",
];

/// Agents that get health checks (three each): every module agent plus the busiest specialists.
pub const CHECKED_SPECIALISTS: &[&str] = &[
    "@backend.api",
    "@database.postgres",
    "@service.auth",
    "@business.payment",
    "@frontend.react",
    "@frontend.mobile",
    "@test.quality",
    "@docs.specialist",
    "@ops.containers",
    "@backend.nodejs",
    "@audit.security",
    "@coordinator.backend",
    "@database.redis",
];

pub const CHECKS_PER_AGENT: usize = 3;

/// Minute at which the module agents were registered (`create-agent`), shortly after init.
pub fn acolytes_created(world: &World) -> i64 {
    world.init + 20
}

pub fn write_catalog(out: &mut String) -> usize {
    let cols =
        ["name", "type", "module", "sub_module", "role", "tech_stack", "scenarios", "tags", "connections"];
    let mut ins = Inserts::new(out, "agents_catalog", &cols, 100);
    for s in SPECIALISTS {
        ins.row(|r| {
            r.text(s.name).text(s.kind).null().null();
            r.text(&json_array(&[s.role])).text(&json_array(s.tech)).text(&json_array(s.scenarios));
            r.text(&json_array(s.tags)).text(&json_array(s.links));
        });
    }
    for a in ACOLYTES {
        ins.row(|r| {
            r.text(a.name).text("acolyte").text(a.module).opt_text(a.sub_module);
            r.null().null().null().null().null();
        });
    }
    ins.finish()
}

/// Fourteen memories per module agent (as `create-agent` makes them, `{}`), a few of which
/// `update-memory` filled in later.
pub fn write_memories(out: &mut String, world: &World, rng: &mut Rng) -> usize {
    let cols = ["agent_name", "memory_type", "content", "created_at", "updated_at"];
    let mut ins = Inserts::new(out, "agents_memory", &cols, 200);
    let created = acolytes_created(world);
    for a in ACOLYTES {
        let area = &AREAS[texts::area_of(a.name)];
        for kind in MEMORY_TYPES {
            let filled = *kind == "knowledge" || rng.chance(0.3);
            let content = if filled { memory_content(kind, a, area, rng) } else { "{}".to_owned() };
            let updated = if filled {
                created + rng.range(2, 80) * MINUTES_PER_DAY + rng.range(0, 600)
            } else {
                created
            };
            ins.row(|r| {
                r.text(a.name).text(kind).text(&content).minute(created).minute(updated.min(world.end - 1));
            });
        }
    }
    ins.finish()
}

fn memory_content(kind: &str, a: &super::catalog::Acolyte, area: &texts::Area, rng: &mut Rng) -> String {
    match kind {
        "knowledge" => JsonObject::new()
            .str("purpose", a.purpose)
            .raw("entry_points", &json_array(&[a.entry_point]))
            .str("owner", &format!("team-{}", a.module))
            .finish(),
        "structure" => JsonObject::new()
            .raw("files", &json_array(area.files))
            .int("file_count", rng.range(30, 180))
            .finish(),
        "interfaces" => JsonObject::new().raw("endpoints", &json_array(area.endpoints)).finish(),
        "schemas" => JsonObject::new().raw("tables", &json_array(area.tables)).finish(),
        "dependencies" => JsonObject::new()
            .raw("internal", &json_array(&["@acolyte.api", "@database.postgres"]))
            .raw("toggles", &json_array(area.toggles))
            .finish(),
        "performance" => JsonObject::new().int("p95_ms", rng.range(40, 400)).int("budget_ms", 250).finish(),
        "security" => {
            JsonObject::new().str("token_alg", "RS256").raw("pii_columns", &json_array(area.columns)).finish()
        }
        "errors" => JsonObject::new()
            .raw("known", &json_array(&[texts::BUGS_FIXED[rng.index(texts::BUGS_FIXED.len())]]))
            .finish(),
        "history" => JsonObject::new()
            .raw("recent", &json_array(&[texts::ACCOMPLISHMENTS[rng.index(texts::ACCOMPLISHMENTS.len())]]))
            .finish(),
        "patterns" => JsonObject::new().raw("functions", &json_array(area.fns)).finish(),
        _ => JsonObject::new().str("notes", &format!("{} module, see {}", a.module, a.entry_point)).finish(),
    }
}

struct Check {
    at: i64,
    agent: &'static str,
    round: usize,
}

/// Three health checks per checked agent, spread over the window, written oldest first.
pub fn write_health(out: &mut String, world: &World, rng: &mut Rng) -> usize {
    let agents: Vec<&'static str> =
        ACOLYTES.iter().map(|a| a.name).chain(CHECKED_SPECIALISTS.iter().copied()).collect();
    let days = (world.end - world.start) / MINUTES_PER_DAY;
    let mut checks = Vec::new();
    for &agent in &agents {
        for round in 0..CHECKS_PER_AGENT {
            // rounds around weeks 3, 7 and 11
            let lo = days * (round as i64 * 4 + 1) / 13;
            let hi = days * (round as i64 * 4 + 4) / 13;
            let at =
                world.start + rng.range(lo, hi - 1) * MINUTES_PER_DAY + rng.range(0, MINUTES_PER_DAY - 1);
            checks.push(Check { at: at.max(world.first_event()), agent, round });
        }
    }
    checks.sort_by_key(|c| (c.at, c.agent));

    // per-agent trajectories: starting memory size, growth per round, drifting or not
    // Per-agent trajectories (starting memory size, growth per round, drifting or not). A fixed
    // number of randomly chosen agents drift away from their code, and two keep growing until
    // their memory is oversized, so every demo shows all three statuses.
    let mut order: Vec<usize> = (0..agents.len()).collect();
    rng.shuffle(&mut order);
    let mut profiles = vec![(0.0, 0.0, false); agents.len()];
    for (rank, &k) in order.iter().enumerate() {
        profiles[k] = if rank < 2 {
            (rng.range(1_000, 1_300) as f64, 1.4 + rng.unit() * 0.25, rank == 0)
        } else {
            (rng.range(180, 700) as f64, 1.0 + rng.unit() * 0.7, rank < 9)
        };
    }

    let cols = [
        "agent_name",
        "session_id",
        "drift_score",
        "confidence_score",
        "status",
        "file_count_current",
        "file_count_baseline",
        "memory_size_kb",
        "memory_size_warning",
        "largest_memory_type",
        "needs_compaction",
        "issues",
        "recommendations",
        "auto_upgrade_eligible",
        "checked_at",
        "last_upgrade_at",
        "upgraded_by",
    ];
    let mut ins = Inserts::new(out, "agent_health", &cols, 100);
    for c in &checks {
        let k = agents.iter().position(|a| *a == c.agent).unwrap_or(0);
        let (base_kb, growth, drifting) = profiles[k];
        let kb_tenths = (base_kb * powi(growth, c.round as u32) * 10.0) as i64 + rng.range(0, 400);
        // most sizes are whole kilobytes; some are halves (stored as REAL)
        let real_size = rng.chance(0.15);
        let kb_tenths = if real_size { kb_tenths / 10 * 10 + 5 } else { kb_tenths / 10 * 10 };
        let kb = kb_tenths / 10;
        let drift = if drifting { rng.range(12, 28) + 6 * c.round as i64 } else { rng.range(1, 14) };
        let status = if kb > 2_000 {
            "oversized"
        } else if drift >= 20 {
            "degraded"
        } else {
            "healthy"
        };
        let warning = if kb > 2_000 {
            Some("critical")
        } else if kb > 1_000 {
            Some("large")
        } else {
            None
        };
        let needs_compaction = kb > 1_000;
        let files = rng.range(30, 180);
        let baseline = rng.chance(0.5).then(|| files - rng.range(0, 20));
        let confidence = (100 - drift - rng.range(0, 8)).clamp(0, 100);
        let largest = (status != "healthy" || rng.chance(0.4)).then(|| rng.choose(MEMORY_TYPES));
        let issues = (status == "degraded").then(|| {
            json_array(&[
                format!("structure memory lists {} files that no longer exist", rng.range(2, 9)),
                format!("{} new files are not described", rng.range(4, 20)),
            ])
        });
        let recommendation = match status {
            "oversized" => Some("Compact the history memory and keep only the last 30 entries.".to_owned()),
            "degraded" => Some(format!(
                "Refresh the structure memory: {} files changed since the baseline.",
                rng.range(6, 24)
            )),
            _ if needs_compaction => {
                Some("Memory is large; schedule a compaction before the next release.".to_owned())
            }
            _ => None,
        };
        let auto_upgrade = status == "healthy" && drift < 10 && rng.chance(0.3);
        let upgraded = (c.round > 0 && rng.chance(0.2)).then(|| c.at - rng.range(1, 5) * MINUTES_PER_DAY);
        ins.row(|r| {
            r.text(c.agent).text(world.session_at(c.at)).int(drift).int(confidence).text(status);
            r.int(files).opt_int(baseline);
            if real_size {
                r.tenths(kb_tenths);
            } else {
                r.int(kb);
            }
            r.opt_text(warning).opt_text(largest).int(needs_compaction as i64);
            r.opt_text(issues.as_deref()).opt_text(recommendation.as_deref()).int(auto_upgrade as i64);
            r.minute(c.at);
            match upgraded {
                Some(t) => r.minute(t).text(if rng.chance(0.5) { "auto" } else { "manual" }),
                None => r.null().null(),
            };
        });
    }
    ins.finish()
}
