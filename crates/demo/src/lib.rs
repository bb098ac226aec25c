//! Deterministic demo / benchmark database generator (schemas written by this project).
//!
//! [`demo_script`] returns one SQL script that, run on an empty database (rusqlite
//! `execute_batch`, sql.js `db.exec`), creates the Acolytes 1.x schema ([`V1_SCHEMA`]) and fills
//! it with an imaginary project's thirteen weeks of agent work: catalog, memories, jobs,
//! sessions, messages, flags, agent health checks and tool calls. [`generation_script`] does the
//! same for the other generations: an Acolytes 2.x file ([`DemoGeneration::V2`]: [`V2_SCHEMA`],
//! quests instead of flags, the 2.x session/message/hook shapes) or a 1.x file upgraded to 2.x
//! ([`DemoGeneration::Hybrid`]: the v1 demo plus lazily created quests). Same options, same
//! script, byte for byte; no wall clock, no platform maths.

mod agents;
pub mod catalog;
pub mod ddl;
pub mod ddl_v2;
mod flags;
mod hooks_v2;
mod quests;
pub mod rng;
mod sql;
mod synthetic;
mod texts;
pub mod time;
mod tools;
mod world;

pub use ddl::V1_SCHEMA;
pub use ddl_v2::{CODE_CHANGES_SCHEMA, HYBRID_QUESTS_SCHEMA, V2_SCHEMA};
pub use tools::tool_log_count;

/// The file name offered when the demo database is saved.
pub const DEMO_FILE_NAME: &str = "flagdeck-demo.db";

/// The seed of the built-in demo.
pub const DEFAULT_SEED: u64 = 0xF1A6_DEC0_2026_0713;

/// Quests of the built-in demo ([`BUILTIN_DEMO`]): with the default seed, enough for every status
/// the quest scripts write to appear and for a few open quests whose holder has kept the turn for
/// days (stalls); few enough to keep the deflated asset near 400 KB.
pub const BUILTIN_QUESTS: usize = 60;

/// The generation of the app's built-in demo (*Open demo*, `cargo xtask demo-asset`), built
/// with [`DemoOptions::default`]: the v1 demo (300 flags) upgraded to Acolytes 2.x with
/// [`BUILTIN_QUESTS`] quests, so flags, quests and both dashboards have data.
pub const BUILTIN_DEMO: DemoGeneration = DemoGeneration::Hybrid { quests: BUILTIN_QUESTS };

/// The SQL script of the built-in demo: [`generation_script`] of [`BUILTIN_DEMO`] with
/// [`DemoOptions::default`]. It starts with [`demo_script`]'s default script minus its final
/// `COMMIT;` (the hybrid is the v1 demo plus the upgrade).
pub fn builtin_demo_script() -> String {
    generation_script(BUILTIN_DEMO, &DemoOptions::default())
}

/// How big a demo to build, and from which seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of flags (the other tables scale with it where that makes sense).
    pub flags: usize,
    pub seed: u64,
    /// Size of the agent catalog. `None` is the normal demo catalog ([`NORMAL_AGENTS`] agents).
    /// `Some(n)` is a benchmark catalog of `n` agents: the normal catalog first, then
    /// `n - NORMAL_AGENTS` synthetic specialists named `@<type>.<word>-<k>` whose JSON columns
    /// are composed from a broad technical vocabulary. A value below [`NORMAL_AGENTS`] keeps the
    /// normal catalog (flags, memories and health checks refer to its agents); see
    /// [`catalog_size`]. Flags keep targeting the normal agents either way.
    pub agents: Option<usize>,
    /// Rows of `tool_logs`. `None` scales them with the flags ([`tools::tool_log_count`]);
    /// the dashboard benchmark asks for a million.
    pub tool_logs: Option<usize>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { flags: 300, seed: DEFAULT_SEED, agents: None, tool_logs: None }
    }
}

// Independent random streams, one per part of the data.
const STREAM_WORLD: u64 = 1;
const STREAM_SESSIONS: u64 = 2;
const STREAM_MEMORY: u64 = 3;
const STREAM_FLAGS: u64 = 4;
const STREAM_HEALTH: u64 = 5;
const STREAM_TOOLS: u64 = 6;
const STREAM_SYNTHETIC_AGENTS: u64 = 7;
const STREAM_QUESTS: u64 = 8;
const STREAM_HOOKS: u64 = 9;

/// Which kind of Acolytes database to generate (the generations of the fixture README, "Telling
/// v1, v2 and the hybrid apart").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoGeneration {
    /// Acolytes 1.x: flags, `schema_migrations`, two views ([`demo_script`]).
    V1,
    /// A fresh Acolytes 2.x project with `quests` quests: `acolyte_quests` (TEXT time columns),
    /// an empty `acolyte_status_changes`, `code_changes`, the 2.x `sessions`/`messages`; no
    /// flags, no `schema_migrations`, no view. [`DemoOptions::flags`] is not used.
    V2 { quests: usize },
    /// The v1 demo after an upgrade to 2.x: everything of [`DemoGeneration::V1`] plus
    /// `acolyte_quests` as the quest scripts create it lazily (INTEGER epoch-second time columns)
    /// with `quests` quests in the four weeks after the v1 window, `code_changes`, and 2.x hook
    /// rows in `tool_logs` that all point at the last (still open) 1.x session.
    Hybrid { quests: usize },
}

impl DemoGeneration {
    /// `v1`, `v2` or `hybrid`, as `cargo xtask gen-demo --generation` and the app name them.
    pub fn code(self) -> &'static str {
        match self {
            DemoGeneration::V1 => "v1",
            DemoGeneration::V2 { .. } => "v2",
            DemoGeneration::Hybrid { .. } => "hybrid",
        }
    }

    /// Quests the file holds (0 for v1).
    pub fn quests(self) -> usize {
        match self {
            DemoGeneration::V1 => 0,
            DemoGeneration::V2 { quests } | DemoGeneration::Hybrid { quests } => quests,
        }
    }

    /// Whether the real tool leaves such a file with a WAL header (bytes 18 and 19 = 2):
    /// `init_db.sql` and every quest script set `journal_mode=WAL`; 1.x files are in rollback
    /// mode. A script cannot switch the mode inside its transaction, so writers of a file set
    /// the header themselves (`flagdeck_core::header::restore_journal_mode`).
    pub fn wal_header(self) -> bool {
        !matches!(self, DemoGeneration::V1)
    }
}

/// Agents in the normal demo catalog: the specialists and the project's module agents.
pub const NORMAL_AGENTS: usize = catalog::SPECIALISTS.len() + catalog::ACOLYTES.len();

/// How many agents `agents_catalog` holds for these options.
pub fn catalog_size(opts: &DemoOptions) -> usize {
    opts.agents.map_or(NORMAL_AGENTS, |n| n.max(NORMAL_AGENTS))
}

/// The complete SQL script for a v1 demo database: schema, data, one transaction.
pub fn demo_script(opts: &DemoOptions) -> String {
    generation_script(DemoGeneration::V1, opts)
}

/// Bytes the script will need, roughly (to allocate once).
fn script_capacity(generation: DemoGeneration, opts: &DemoOptions, logs: usize) -> usize {
    let flags = if matches!(generation, DemoGeneration::V2 { .. }) { 0 } else { opts.flags };
    let synthetic = catalog_size(opts) - NORMAL_AGENTS;
    flags
        .saturating_mul(700)
        .saturating_add(logs.saturating_mul(280))
        .saturating_add(generation.quests().saturating_mul(2_300))
        .saturating_add(synthetic.saturating_mul(1_100))
        .saturating_add(250_000)
}

/// The complete SQL script for a demo database of `generation`: schema, data, one transaction
/// (`BEGIN` … `COMMIT`, rows in multi-row INSERT statements). Tool calls: [`DemoOptions::tool_logs`]
/// rows, or [`tool_log_count`] of the flags (v1, hybrid's 1.x part) or of the quests (v2, the
/// hybrid's 2.x hook rows).
pub fn generation_script(generation: DemoGeneration, opts: &DemoOptions) -> String {
    let quests = generation.quests();
    let logs = match generation {
        DemoGeneration::V2 { .. } => opts.tool_logs.unwrap_or_else(|| tool_log_count(quests)),
        _ => opts.tool_logs.unwrap_or_else(|| tool_log_count(opts.flags)),
    };
    let mut out = String::with_capacity(script_capacity(generation, opts, logs));
    let world = world::World::build(&mut rng::Rng::stream(opts.seed, STREAM_WORLD));
    out.push_str("BEGIN;\n");
    match generation {
        DemoGeneration::V1 => write_v1(&mut out, opts, &world, logs),
        DemoGeneration::V2 { quests } => write_v2(&mut out, opts, &world, quests, logs),
        DemoGeneration::Hybrid { quests } => {
            write_v1(&mut out, opts, &world, logs);
            write_hybrid_quests(&mut out, opts, &world, quests);
        }
    }
    out.push_str("COMMIT;\n");
    out
}

fn write_catalog(out: &mut String, opts: &DemoOptions) {
    agents::write_catalog(out);
    let synthetic = catalog_size(opts) - NORMAL_AGENTS;
    if synthetic > 0 {
        let mut rng = rng::Rng::stream(opts.seed, STREAM_SYNTHETIC_AGENTS);
        synthetic::write_synthetic(out, &mut rng, synthetic);
    }
}

fn write_v1(out: &mut String, opts: &DemoOptions, world: &world::World, logs: usize) {
    out.push_str(V1_SCHEMA);
    out.push_str("UPDATE schema_migrations SET applied_at = '");
    time::push_second(out, world.init * 60);
    out.push_str("' WHERE version = 1;\n");

    write_catalog(out, opts);
    agents::write_memories(out, world, &mut rng::Rng::stream(opts.seed, STREAM_MEMORY));
    world.write_jobs(out);
    let mut session_rng = rng::Rng::stream(opts.seed, STREAM_SESSIONS);
    world.write_sessions(out, &mut session_rng);
    world.write_messages(out, &mut session_rng);
    flags::write_flags(out, world, &mut rng::Rng::stream(opts.seed, STREAM_FLAGS), opts.flags);
    agents::write_health(out, world, &mut rng::Rng::stream(opts.seed, STREAM_HEALTH));
    tools::write_tool_logs(out, world, &mut rng::Rng::stream(opts.seed, STREAM_TOOLS), logs);
}

const SECONDS_PER_MINUTE: i64 = 60;

fn write_v2(out: &mut String, opts: &DemoOptions, world: &world::World, quests: usize, logs: usize) {
    out.push_str(V2_SCHEMA);
    out.push_str(CODE_CHANGES_SCHEMA);
    write_catalog(out, opts);
    agents::write_memories(out, world, &mut rng::Rng::stream(opts.seed, STREAM_MEMORY));
    world.write_jobs(out);
    let mut session_rng = rng::Rng::stream(opts.seed, STREAM_SESSIONS);
    hooks_v2::write_sessions(out, world, &mut session_rng);
    hooks_v2::write_messages(out, world, &mut session_rng);
    agents::write_health(out, world, &mut rng::Rng::stream(opts.seed, STREAM_HEALTH));
    // quests from an hour after the agents were created until the end of the window
    let period = quests::QuestPeriod {
        start: (world.first_event() + 60) * SECONDS_PER_MINUTE,
        end: world.end * SECONDS_PER_MINUTE,
    };
    let mut quest_rng = rng::Rng::stream(opts.seed, STREAM_QUESTS);
    let stamps = quests::write_quests(out, &mut quest_rng, quests, period, quests::QuestClock::V2Text);
    let session_at = |second: i64| world.session_at(second.div_euclid(SECONDS_PER_MINUTE));
    let hooks = hooks_v2::HookPeriod {
        period: quests::QuestPeriod { start: world.first_event() * SECONDS_PER_MINUTE, end: period.end },
        session_at: &session_at,
    };
    let mut hook_rng = rng::Rng::stream(opts.seed, STREAM_HOOKS);
    let (_, _, last_todo) = hooks_v2::write_hook_tool_logs(out, &mut hook_rng, logs, &hooks, &stamps);
    let todo_session = last_todo.map_or(world.sessions[world.sessions.len() - 1].id.as_str(), |(t, _)| {
        world.session_at(t.div_euclid(SECONDS_PER_MINUTE))
    });
    hooks_v2::write_todos(out, &mut hook_rng, last_todo, todo_session);
}

/// What the 2.x scripts add to the v1 demo: the lazily created quest table, `code_changes`, the
/// quests of the four weeks after the 1.x window (the upgrade happens the next morning) and the
/// 2.x hooks' tool calls, which all name the last 1.x session (`save_session.py` fails on the
/// 1.x `sessions` table, so it is never closed).
fn write_hybrid_quests(out: &mut String, opts: &DemoOptions, world: &world::World, quests: usize) {
    out.push_str(HYBRID_QUESTS_SCHEMA);
    out.push_str(CODE_CHANGES_SCHEMA);
    let upgrade = (world.end / time::MINUTES_PER_DAY + 1) * time::MINUTES_PER_DAY + 9 * 60;
    let period = quests::QuestPeriod {
        start: upgrade * SECONDS_PER_MINUTE,
        end: (upgrade + 28 * time::MINUTES_PER_DAY) * SECONDS_PER_MINUTE,
    };
    let mut quest_rng = rng::Rng::stream(opts.seed, STREAM_QUESTS);
    let stamps = quests::write_quests(out, &mut quest_rng, quests, period, quests::QuestClock::HybridInteger);
    let last = world.sessions[world.sessions.len() - 1].id.as_str();
    let session_at = |_: i64| last;
    let hooks = hooks_v2::HookPeriod { period, session_at: &session_at };
    let mut hook_rng = rng::Rng::stream(opts.seed, STREAM_HOOKS);
    let (_, _, last_todo) =
        hooks_v2::write_hook_tool_logs(out, &mut hook_rng, tool_log_count(quests), &hooks, &stamps);
    hooks_v2::write_todos(out, &mut hook_rng, last_todo, last);
}
