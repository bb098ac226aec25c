//! The counts shown after opening a file. One SQL statement, built from what the schema has,
//! so both adapters run exactly the same text.

use serde::Serialize;

use super::port::{Database, DbError};
use super::schema::SchemaFacts;
use super::value::Value;

/// Headline counts of a flag database. Optional tables that are absent count as `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub flags: i64,
    pub pending: i64,
    pub completed: i64,
    /// Every locked flag, whatever its status (`complete-flag` does not unlock).
    pub locked: i64,
    pub locked_pending: i64,
    /// What `get-workable-flags` lists: pending, unlocked, with a non-NULL target (the empty
    /// broadcast target included).
    pub workable: i64,
    pub agents: i64,
    pub tool_logs: Option<i64>,
    pub agent_health: Option<i64>,
}

/// The SQL that computes [`Counts`], in column order.
pub fn counts_sql(facts: &SchemaFacts) -> String {
    let optional = |table: &str| {
        if facts.has_table(table) {
            format!("(SELECT COUNT(*) FROM {table})")
        } else {
            "NULL".to_owned()
        }
    };
    format!(
        "SELECT \
           (SELECT COUNT(*) FROM flags), \
           (SELECT COUNT(*) FROM flags WHERE status = 'pending'), \
           (SELECT COUNT(*) FROM flags WHERE status = 'completed'), \
           (SELECT COUNT(*) FROM flags WHERE locked = 1), \
           (SELECT COUNT(*) FROM flags WHERE locked = 1 AND status = 'pending'), \
           (SELECT COUNT(*) FROM flags WHERE status = 'pending' AND locked = 0 AND target_agent IS NOT NULL), \
           (SELECT COUNT(*) FROM agents_catalog), \
           {}, {}",
        optional("tool_logs"),
        optional("agent_health"),
    )
}

pub async fn read_counts<D: Database>(db: &D, facts: &SchemaFacts) -> Result<Counts, DbError> {
    let rs = db.query(&counts_sql(facts), &[]).await?;
    let row = rs.rows.first().ok_or_else(|| DbError::Engine("the count query returned no row".into()))?;
    let int = |i: usize| row.get(i).and_then(Value::as_i64);
    let req = |i: usize| int(i).ok_or_else(|| DbError::Engine(format!("count {i} is not a number")));
    Ok(Counts {
        flags: req(0)?,
        pending: req(1)?,
        completed: req(2)?,
        locked: req(3)?,
        locked_pending: req(4)?,
        workable: req(5)?,
        agents: req(6)?,
        tool_logs: int(7),
        agent_health: int(8),
    })
}
