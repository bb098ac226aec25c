//! Deterministic demo / benchmark database generator (v1 schema written by this project).
//!
//! [`demo_script`] returns one SQL script that, run on an empty database (rusqlite
//! `execute_batch`, sql.js `db.exec`), creates the Acolytes 1.x schema ([`V1_SCHEMA`]) and fills
//! it with an imaginary project's thirteen weeks of agent work: catalog, memories, jobs,
//! sessions, messages, flags, agent health checks and tool calls. Same options, same script,
//! byte for byte; no wall clock, no platform maths.

mod agents;
pub mod catalog;
pub mod ddl;
mod flags;
pub mod rng;
mod sql;
mod synthetic;
mod texts;
pub mod time;
mod tools;
mod world;

pub use ddl::V1_SCHEMA;
pub use tools::tool_log_count;

/// The file name offered when the demo database is saved.
pub const DEMO_FILE_NAME: &str = "flagdeck-demo.db";

/// The seed of the built-in demo.
pub const DEFAULT_SEED: u64 = 0xF1A6_DEC0_2026_0713;

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

/// Agents in the normal demo catalog: the specialists and the project's module agents.
pub const NORMAL_AGENTS: usize = catalog::SPECIALISTS.len() + catalog::ACOLYTES.len();

/// How many agents `agents_catalog` holds for these options.
pub fn catalog_size(opts: &DemoOptions) -> usize {
    opts.agents.map_or(NORMAL_AGENTS, |n| n.max(NORMAL_AGENTS))
}

/// The complete SQL script for a demo database: schema, data, one transaction.
pub fn demo_script(opts: &DemoOptions) -> String {
    let logs = opts.tool_logs.unwrap_or_else(|| tool_log_count(opts.flags));
    let synthetic = catalog_size(opts) - NORMAL_AGENTS;
    let mut out = String::with_capacity(
        opts.flags
            .saturating_mul(700)
            .saturating_add(logs.saturating_mul(280))
            .saturating_add(synthetic.saturating_mul(1_100))
            .saturating_add(250_000),
    );
    let world = world::World::build(&mut rng::Rng::stream(opts.seed, STREAM_WORLD));

    out.push_str("BEGIN;\n");
    out.push_str(V1_SCHEMA);
    out.push_str("UPDATE schema_migrations SET applied_at = '");
    time::push_second(&mut out, world.init * 60);
    out.push_str("' WHERE version = 1;\n");

    agents::write_catalog(&mut out);
    if synthetic > 0 {
        let mut rng = rng::Rng::stream(opts.seed, STREAM_SYNTHETIC_AGENTS);
        synthetic::write_synthetic(&mut out, &mut rng, synthetic);
    }
    agents::write_memories(&mut out, &world, &mut rng::Rng::stream(opts.seed, STREAM_MEMORY));
    world.write_jobs(&mut out);
    let mut session_rng = rng::Rng::stream(opts.seed, STREAM_SESSIONS);
    world.write_sessions(&mut out, &mut session_rng);
    world.write_messages(&mut out, &mut session_rng);
    flags::write_flags(&mut out, &world, &mut rng::Rng::stream(opts.seed, STREAM_FLAGS), opts.flags);
    agents::write_health(&mut out, &world, &mut rng::Rng::stream(opts.seed, STREAM_HEALTH));
    tools::write_tool_logs(&mut out, &world, &mut rng::Rng::stream(opts.seed, STREAM_TOOLS), logs);
    out.push_str("COMMIT;\n");
    out
}
