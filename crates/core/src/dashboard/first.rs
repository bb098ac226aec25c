//! The dashboard's first tiles (issue 14 item 5): figures one cheap query gives before the full
//! aggregation ([`super::aggregates`]) is back, so a large file shows something at once.

use super::{flag_filter, has_flags, tool_filter, DashboardState};
use crate::port::{Database, DbError};
use crate::schema::SchemaFacts;
use crate::value::Value;

/// What the first tiles show. `None`: the file has no such table (a 2.x file has no flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirstTiles {
    /// Tool calls in the whole file (every date, outliers included), with the tool and target
    /// filters applied: `COUNT(*)` of tool_logs, which SQLite answers from the table's b-tree
    /// without reading the rows when no filter is set.
    pub tool_calls: Option<i64>,
    /// Flags with status `pending` now, whatever the range, with the target and flag type
    /// filters applied: the same figure as the full dashboard's "Pending" tile.
    pub pending: Option<i64>,
}

/// Reads [`FirstTiles`] in one statement (one round trip to the worker).
///
/// Errors: the engine's, as [`DbError`].
pub async fn first_tiles<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
) -> Result<FirstTiles, DbError> {
    let mut parts = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let tools = facts.has_table("tool_logs");
    if tools {
        let (f, fp) = tool_filter(state);
        parts.push(format!("(SELECT COUNT(*) FROM tool_logs WHERE 1{f})"));
        params.extend(fp);
    }
    let flags = has_flags(facts);
    if flags {
        let (f, fp) = flag_filter(state);
        parts.push(format!("(SELECT COUNT(*) FROM flags WHERE status = 'pending'{f})"));
        params.extend(fp);
    }
    if parts.is_empty() {
        return Ok(FirstTiles::default());
    }
    let rs = db.query(&format!("SELECT {}", parts.join(", ")), &params).await?;
    let row = rs.rows.first().cloned().unwrap_or_default();
    let mut cells = row.iter().map(Value::as_i64);
    Ok(FirstTiles {
        tool_calls: if tools { cells.next().flatten() } else { None },
        pending: if flags { cells.next().flatten() } else { None },
    })
}
