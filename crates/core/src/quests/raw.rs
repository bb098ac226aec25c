//! A quest's `broadcast` as stored, for the page to show when it cannot be read as messages
//! (not JSON, or JSON that is not an array): the text is never hidden behind the warning.

use crate::port::{Database, DbError};
use crate::value::Value;

use super::TABLE;

/// The statement behind [`broadcast_raw`]: one row (or none) for parameter `quest_id`, column
/// `broadcast` as stored.
pub fn broadcast_raw_sql() -> String {
    format!("SELECT broadcast FROM {TABLE} WHERE quest_id = ?")
}

/// The stored `broadcast` of quest `id` as text (numbers and BLOBs as [`Value::display`]
/// shows them); `Ok(None)` when there is no such quest or it is NULL. Errors: the engine's.
pub async fn broadcast_raw<D: Database>(db: &D, id: i64) -> Result<Option<String>, DbError> {
    let rs = db.query(&broadcast_raw_sql(), &[Value::Integer(id)]).await?;
    Ok(rs.map_first(|r| Ok(r.get("broadcast")?.text_or_null()))?.flatten())
}
