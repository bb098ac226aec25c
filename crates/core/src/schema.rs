//! Tells which schema generation a database is (Acolytes v1, ClaudeSquad v0, or not a flag
//! database at all) from what `sqlite_master` and `PRAGMA table_info` report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::port::{Database, DbError};
use super::value::Value;

/// Schema generations found in the wild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Generation {
    /// Acolytes 1.x: JSON catalog columns role/tech_stack/scenarios/tags/connections.
    V1,
    /// ClaudeSquad: catalog columns description/capabilities/routing_keywords/status.
    V0,
    /// Not a flag database (or one too damaged to recognise).
    Unknown,
}

impl Generation {
    /// The short code used in the UI and by the end-to-end hooks.
    pub fn code(self) -> &'static str {
        match self {
            Generation::V1 => "v1",
            Generation::V0 => "v0",
            Generation::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Generation::V1 => "Acolytes 1.x",
            Generation::V0 => "ClaudeSquad",
            Generation::Unknown => "not a flag database",
        }
    }
}

/// Columns of `flags` that every reader of a flag database relies on: the
/// [`FlagColumn::required`](crate::vocabulary::FlagColumn::required) ones.
pub const FLAG_COLUMNS: &[&str] = crate::vocabulary::REQUIRED_COLUMNS;
pub const V1_CATALOG_COLUMNS: &[&str] =
    &["name", "type", "role", "tech_stack", "scenarios", "tags", "connections"];
pub const V0_CATALOG_COLUMNS: &[&str] =
    &["name", "type", "description", "capabilities", "routing_keywords", "status"];

/// What the schema holds, as read from the database.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SchemaFacts {
    /// Tables by name with their column names in declaration order.
    pub tables: BTreeMap<String, Vec<String>>,
    pub views: Vec<String>,
    pub triggers: Vec<String>,
    pub indexes: Vec<String>,
    pub user_version: i64,
}

impl SchemaFacts {
    pub fn has_table(&self, name: &str) -> bool {
        self.tables.contains_key(name)
    }

    fn missing_columns(&self, table: &str, wanted: &[&str]) -> Vec<String> {
        match self.tables.get(table) {
            None => wanted.iter().map(|c| format!("{table}.{c}")).collect(),
            Some(cols) => wanted
                .iter()
                .filter(|c| !cols.iter().any(|have| have == *c))
                .map(|c| format!("{table}.{c}"))
                .collect(),
        }
    }
}

/// The verdict on a schema: its generation and, when it is not a flag database, what is missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    pub generation: Generation,
    /// Tables or `table.column`s whose absence makes this not a flag database.
    pub missing: Vec<String>,
}

/// Decides the generation. The catalog's columns decide between v1 and v0 (they are what the
/// rest of the app reads); `user_version` and `schema_migrations` only confirm it.
pub fn detect(facts: &SchemaFacts) -> Detection {
    let mut missing: Vec<String> =
        ["flags", "agents_catalog"].iter().filter(|t| !facts.has_table(t)).map(|t| t.to_string()).collect();
    if facts.has_table("flags") {
        missing.extend(facts.missing_columns("flags", FLAG_COLUMNS));
    }
    if !missing.is_empty() {
        return Detection { generation: Generation::Unknown, missing };
    }
    let v1_missing = facts.missing_columns("agents_catalog", V1_CATALOG_COLUMNS);
    if v1_missing.is_empty() {
        return Detection { generation: Generation::V1, missing };
    }
    let v0_missing = facts.missing_columns("agents_catalog", V0_CATALOG_COLUMNS);
    if v0_missing.is_empty() {
        return Detection { generation: Generation::V0, missing };
    }
    // Neither catalog shape: report the shorter list, the nearer generation.
    let nearer = if v1_missing.len() <= v0_missing.len() { v1_missing } else { v0_missing };
    Detection { generation: Generation::Unknown, missing: nearer }
}

/// Quotes an identifier for SQL text.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every schema object with, for tables, each column in declaration order: one statement,
/// so the browser pays for one round trip to the worker. Views report no columns here.
pub const SCHEMA_SQL: &str = "SELECT m.type, m.name, p.name FROM sqlite_master AS m \
     LEFT JOIN pragma_table_info(m.name) AS p ON m.type = 'table' \
     WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.type, m.name, p.cid";

/// Reads the schema through any adapter.
pub async fn read_facts<D: Database>(db: &D) -> Result<SchemaFacts, DbError> {
    let rows = db.query(SCHEMA_SQL, &[]).await?;
    let mut facts = SchemaFacts::default();
    for row in &rows.rows {
        let (Some(kind), Some(name)) = (row[0].as_str(), row[1].as_str()) else { continue };
        match kind {
            "table" => {
                let columns = facts.tables.entry(name.to_owned()).or_default();
                if let Some(column) = row[2].as_str() {
                    columns.push(column.to_owned());
                }
            }
            "view" | "trigger" | "index" => {
                let list = match kind {
                    "view" => &mut facts.views,
                    "trigger" => &mut facts.triggers,
                    _ => &mut facts.indexes,
                };
                if list.last().map(String::as_str) != Some(name) {
                    list.push(name.to_owned());
                }
            }
            _ => {}
        }
    }
    facts.user_version =
        db.query("PRAGMA user_version", &[]).await?.scalar().and_then(Value::as_i64).unwrap_or(0);
    Ok(facts)
}
