//! Saved dashboards live in the database itself, in a table flagdeck owns and creates only when
//! the first one is saved, so sending the .db shares them. agent_db.py never reads or writes
//! other tables than its own, so it keeps working on such a file.

use super::DashboardState;
use crate::port::{Database, DbError};
use crate::value::Value;

pub const TABLE: &str = "flagdeck_dashboards";

const CREATE: &str = "CREATE TABLE IF NOT EXISTS flagdeck_dashboards (\
    name TEXT PRIMARY KEY NOT NULL, \
    state TEXT NOT NULL, \
    saved_at TEXT NOT NULL)";

/// One saved dashboard; `state` is an error text when the stored JSON is not a dashboard (a
/// later version wrote it, or someone edited it by hand).
#[derive(Debug, Clone, PartialEq)]
pub struct SavedDashboard {
    pub name: String,
    pub state: Result<DashboardState, String>,
    pub saved_at: String,
}

async fn table_exists<D: Database>(db: &D) -> Result<bool, DbError> {
    let rs = db
        .query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", &[Value::from(TABLE)])
        .await?;
    Ok(!rs.rows.is_empty())
}

/// Every saved dashboard, by name; none (and no table created) when nothing was ever saved.
pub async fn list<D: Database>(db: &D) -> Result<Vec<SavedDashboard>, DbError> {
    if !table_exists(db).await? {
        return Ok(Vec::new());
    }
    let rs = db.query(&format!("SELECT name, state, saved_at FROM {TABLE} ORDER BY name"), &[]).await?;
    rs.map_rows(|r| {
        Ok(SavedDashboard {
            name: r.text("name")?,
            state: serde_json::from_str(&r.text("state")?).map_err(|e| e.to_string()),
            saved_at: r.text("saved_at")?,
        })
    })
}

/// Saves (or replaces) a dashboard under `name`, creating the table the first time.
pub async fn save<D: Database>(db: &D, name: &str, state: &DashboardState, now: &str) -> Result<(), DbError> {
    let json = serde_json::to_string(state).map_err(|e| DbError::Engine(e.to_string()))?;
    db.execute_batch(CREATE).await?;
    db.query(
        &format!("INSERT OR REPLACE INTO {TABLE} (name, state, saved_at) VALUES (?, ?, ?)"),
        &[Value::from(name.trim()), Value::from(json), Value::from(now)],
    )
    .await
    .map(drop)
}

pub async fn delete<D: Database>(db: &D, name: &str) -> Result<(), DbError> {
    if table_exists(db).await? {
        db.query(&format!("DELETE FROM {TABLE} WHERE name = ?"), &[Value::from(name)]).await?;
    }
    Ok(())
}
