//! The counts shown after opening a file. One SQL statement, built from what the schema has,
//! so both adapters run exactly the same text.

use serde::Serialize;

use super::port::{Database, DbError};
use super::schema::{Generation, SchemaFacts, QUEST_TABLE};
use super::value::Value;

/// Headline counts of the `flags` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagCounts {
    /// Every flag.
    pub total: i64,
    pub pending: i64,
    pub completed: i64,
    /// Every locked flag, whatever its status (`complete-flag` does not unlock).
    pub locked: i64,
    pub locked_pending: i64,
    /// What `get-workable-flags` lists: pending, unlocked, with a non-NULL target (the empty
    /// broadcast target included).
    pub workable: i64,
}

/// Headline counts of an Acolytes or ClaudeSquad database. What the file's generation does not
/// have (flags in v2, quests in v0/v1) and optional tables that are absent count as `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// `None` when the generation has no flags ([`Generation::has_flags`]: v2).
    pub flags: Option<FlagCounts>,
    /// Rows of `acolyte_quests`; `None` when the generation has no quests
    /// ([`Generation::has_quests`]: v0, v1).
    pub quests: Option<i64>,
    pub agents: i64,
    pub tool_logs: Option<i64>,
    pub agent_health: Option<i64>,
}

impl Counts {
    /// The number of flags, `None` without flags.
    pub fn flag_total(&self) -> Option<i64> {
        self.flags.as_ref().map(|f| f.total)
    }
}

/// The flag counts of [`Counts`], in column order.
const FLAG_COUNTS: [&str; 6] = [
    "SELECT COUNT(*) FROM flags",
    "SELECT COUNT(*) FROM flags WHERE status = 'pending'",
    "SELECT COUNT(*) FROM flags WHERE status = 'completed'",
    "SELECT COUNT(*) FROM flags WHERE locked = 1",
    "SELECT COUNT(*) FROM flags WHERE locked = 1 AND status = 'pending'",
    "SELECT COUNT(*) FROM flags WHERE status = 'pending' AND locked = 0 AND target_agent IS NOT NULL",
];

/// The SQL that computes [`Counts`] for a file of `generation`: one row, columns `flags,
/// pending, completed, locked, locked_pending, workable, agents, tool_logs, agent_health,
/// quests`, NULL for what the file does not have.
pub fn counts_sql(facts: &SchemaFacts, generation: Generation) -> String {
    let sub = |present: bool, sql: &str| if present { format!("({sql})") } else { "NULL".to_owned() };
    let table = |table: &str| sub(facts.has_table(table), &format!("SELECT COUNT(*) FROM {table}"));
    let flags: Vec<String> = FLAG_COUNTS.iter().map(|sql| sub(generation.has_flags(), sql)).collect();
    format!(
        "SELECT {} AS flags, {} AS pending, {} AS completed, {} AS locked, {} AS locked_pending, \
           {} AS workable, (SELECT COUNT(*) FROM agents_catalog) AS agents, {} AS tool_logs, \
           {} AS agent_health, {} AS quests",
        flags[0],
        flags[1],
        flags[2],
        flags[3],
        flags[4],
        flags[5],
        table("tool_logs"),
        table("agent_health"),
        sub(generation.has_quests(), &format!("SELECT COUNT(*) FROM {QUEST_TABLE}")),
    )
}

/// Runs [`counts_sql`]. Errors: the database's, or a count that is not a number.
pub async fn read_counts<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    generation: Generation,
) -> Result<Counts, DbError> {
    let rs = db.query(&counts_sql(facts, generation), &[]).await?;
    rs.map_first(|r| {
        let opt = |name: &str| r.get(name).map(Value::as_i64);
        let req = |name: &str| {
            opt(name)?.ok_or_else(|| DbError::Engine(format!("the count {name} is not a number")))
        };
        let flags = if generation.has_flags() {
            Some(FlagCounts {
                total: req("flags")?,
                pending: req("pending")?,
                completed: req("completed")?,
                locked: req("locked")?,
                locked_pending: req("locked_pending")?,
                workable: req("workable")?,
            })
        } else {
            None
        };
        Ok(Counts {
            flags,
            quests: if generation.has_quests() { Some(req("quests")?) } else { None },
            agents: req("agents")?,
            tool_logs: opt("tool_logs")?,
            agent_health: opt("agent_health")?,
        })
    })?
    .ok_or_else(|| DbError::Engine("the count query returned no row".into()))
}
