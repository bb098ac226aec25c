//! The agent catalog of either schema generation, read through the database port.

use super::port::{Database, DbError};
use super::schema::Generation;
use super::search::{AgentText, RoleField};

/// One `agents_catalog` row with the fields both generations share and the raw JSON text of
/// the rest (shown as chips, or raw with a warning when invalid).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogAgent {
    pub id: i64,
    pub name: String,
    pub agent_type: String,
    pub module: Option<String>,
    pub sub_module: Option<String>,
    pub generation: Generation,
    /// v1: role (JSON). v0: description (text).
    pub role: Option<String>,
    /// v1: tech_stack. v0: capabilities.
    pub tech_stack: Option<String>,
    /// v1 only.
    pub scenarios: Option<String>,
    /// v1: tags. v0: routing_keywords.
    pub tags: Option<String>,
    /// v1 only.
    pub connections: Option<String>,
    /// v0 only.
    pub status: Option<String>,
}

/// The catalog query of each generation, in `id` order, v0's columns named as v1's
/// ([`CatalogAgent`]'s fields) (the order the tool's search sees).
pub fn catalog_sql(generation: Generation) -> Option<&'static str> {
    match generation {
        Generation::V1 => Some(
            "SELECT id, name, type, module, sub_module, role, tech_stack, scenarios, tags, connections, NULL AS status \
             FROM agents_catalog ORDER BY rowid",
        ),
        Generation::V0 => Some(
            "SELECT id, name, type, module, sub_module, description AS role, capabilities AS tech_stack, \
             NULL AS scenarios, routing_keywords AS tags, NULL AS connections, status \
             FROM agents_catalog ORDER BY rowid",
        ),
        Generation::Unknown => None,
    }
}

/// Reads the catalog. A cell is text as Python's sqlite3 would hand it to `json.loads`: NULL
/// stays absent, any other value becomes text (a number then fails the tool's list handling, as
/// it does there). Errors: the database's, or a column missing from the result.
pub async fn read_catalog<D: Database>(db: &D, generation: Generation) -> Result<Vec<CatalogAgent>, DbError> {
    let Some(sql) = catalog_sql(generation) else { return Ok(Vec::new()) };
    db.query(sql, &[]).await?.map_rows(|r| {
        Ok(CatalogAgent {
            id: r.i64("id")?,
            name: r.opt_text("name")?.unwrap_or_default(),
            agent_type: r.opt_text("type")?.unwrap_or_default(),
            module: r.opt_text("module")?,
            sub_module: r.opt_text("sub_module")?,
            generation,
            role: r.opt_text("role")?,
            tech_stack: r.opt_text("tech_stack")?,
            scenarios: r.opt_text("scenarios")?,
            tags: r.opt_text("tags")?,
            connections: r.opt_text("connections")?,
            status: r.opt_text("status")?,
        })
    })
}

impl CatalogAgent {
    /// What the search scores. v0 maps routing_keywords → tags, capabilities → tech_stack and
    /// the plain-text description → role.
    pub fn search_text(&self) -> AgentText {
        AgentText {
            name: self.name.clone(),
            module: self.module.clone(),
            sub_module: self.sub_module.clone(),
            tags: self.tags.clone(),
            tech_stack: self.tech_stack.clone(),
            scenarios: self.scenarios.clone(),
            role: match self.generation {
                Generation::V0 => RoleField::Text(self.role.clone()),
                _ => RoleField::Json(self.role.clone()),
            },
        }
    }
}
