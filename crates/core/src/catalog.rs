//! The agent catalog of either schema generation, read through the database port.

use super::port::{Database, DbError};
use super::schema::{CatalogShape, Generation};
use super::search::{AgentText, Hit, Query, RoleField, SearchIndex};

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
    /// Acolytes (v1, v2, hybrid): role (JSON). v0: description (text).
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
/// ([`CatalogAgent`]'s fields) (the order the tool's search sees). v1, v2 and hybrid files share
/// the Acolytes shape ([`Generation::catalog_shape`]); `None` for an unknown file.
pub fn catalog_sql(generation: Generation) -> Option<&'static str> {
    match generation.catalog_shape()? {
        CatalogShape::Acolytes => Some(
            "SELECT id, name, type, module, sub_module, role, tech_stack, scenarios, tags, connections, NULL AS status \
             FROM agents_catalog ORDER BY rowid",
        ),
        CatalogShape::ClaudeSquad => Some(
            "SELECT id, name, type, module, sub_module, description AS role, capabilities AS tech_stack, \
             NULL AS scenarios, routing_keywords AS tags, NULL AS connections, status \
             FROM agents_catalog ORDER BY rowid",
        ),
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
            role: match self.generation.catalog_shape() {
                Some(CatalogShape::ClaudeSquad) => RoleField::Text(self.role.clone()),
                _ => RoleField::Json(self.role.clone()),
            },
        }
    }
}

/// The agent search of the agents page: [`SearchIndex::search`] over the catalog `index` was
/// built from (same order as `agents`), keeping only agents whose `type` is `agent_type` (empty:
/// every type), cut to `limit` and ranked 1.. again after the filter.
pub fn search_of_type(
    index: &SearchIndex,
    agents: &[CatalogAgent],
    query: &Query,
    agent_type: &str,
    limit: usize,
) -> Vec<Hit> {
    if agent_type.is_empty() {
        return index.search(query, limit);
    }
    let mut hits: Vec<Hit> = index
        .search(query, usize::MAX)
        .into_iter()
        .filter(|h| agents.get(h.index).is_some_and(|a| a.agent_type == agent_type))
        .take(limit)
        .collect();
    for (i, h) in hits.iter_mut().enumerate() {
        h.rank = i + 1;
    }
    hits
}

/// The target the routing page suggests for a flag: the top result of the tool's
/// `search-agents` (default limit) for the flag's change_description, as (agent name, score).
/// `None` when no agent scores above zero.
pub fn suggest_target(
    index: &SearchIndex,
    agents: &[CatalogAgent],
    change_description: &str,
) -> Option<(String, u32)> {
    let hit = index.search_text(change_description).into_iter().next()?;
    agents.get(hit.index).map(|a| (a.name.clone(), hit.score))
}

/// How the catalog table is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogOrder {
    Name,
    /// Most pending flags first (`pending(name)`), then by name.
    Pending,
}

/// The catalog table's rows: agents of `agent_type` (empty: every type) in `order`.
pub fn catalog_rows<'a>(
    agents: &'a [CatalogAgent],
    agent_type: &str,
    order: CatalogOrder,
    pending: impl Fn(&str) -> i64,
) -> Vec<&'a CatalogAgent> {
    let mut rows: Vec<&CatalogAgent> =
        agents.iter().filter(|a| agent_type.is_empty() || a.agent_type == agent_type).collect();
    match order {
        CatalogOrder::Name => crate::order::sort_by(&mut rows, |a, b| a.name.cmp(&b.name)),
        CatalogOrder::Pending => crate::order::sort_by(&mut rows, |a, b| {
            pending(&b.name).cmp(&pending(&a.name)).then(a.name.cmp(&b.name))
        }),
    }
    rows
}
