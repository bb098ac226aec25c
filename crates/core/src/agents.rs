//! What the agent pages show: JSON lists as chips, connections, an agent's pending flags in
//! `get-pending-flags` order, its chains and latest health, flags routed to nobody, and (in
//! Acolytes 2.x and hybrid files) the quests it is recruited to or whose turn it holds.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::dashboard::flaglog::Catalog;
pub use super::flags::FlagRow;
use super::flags::{FlagFilter, SortColumn};
use super::port::{Database, DbError};
use super::schema::{CatalogShape, Generation, SchemaFacts, QUEST_TABLE};
use super::value::{NamedRow, Value};
use super::vocabulary::{Impact, Ranking, Status};

/// A JSON list column as it should be shown.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonList {
    /// NULL or empty text.
    Missing,
    /// A JSON array; non-text elements are shown as their JSON text.
    Items(Vec<String>),
    /// Text that is not valid JSON (shown raw, with a warning).
    Invalid { raw: String, error: String },
    /// Valid JSON that is not an array (shown raw, with a warning).
    NotAList { raw: String },
}

impl JsonList {
    pub fn parse(raw: Option<&str>) -> JsonList {
        let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else { return JsonList::Missing };
        match serde_json::from_str::<Json>(raw) {
            Ok(Json::Array(items)) => JsonList::Items(
                items
                    .into_iter()
                    .map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                    .collect(),
            ),
            Ok(_) => JsonList::NotAList { raw: raw.to_owned() },
            Err(e) => JsonList::Invalid { raw: raw.to_owned(), error: e.to_string() },
        }
    }

    /// The warning to show next to the raw text, if any.
    pub fn warning(&self) -> Option<String> {
        match self {
            JsonList::Invalid { error, .. } => Some(format!("not valid JSON ({error}); shown as stored")),
            JsonList::NotAList { .. } => Some("valid JSON but not a list; shown as stored".into()),
            _ => None,
        }
    }
}

/// One entry of a v1 `connections` list, e.g. `@backend.api [optional,seq:2]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub agent: String,
    /// `Some(true)` for `required`, `Some(false)` for `optional`, `None` when not said.
    pub required: Option<bool>,
    pub sequence: Option<u32>,
    /// Any other words inside the brackets ("for pipeline integration").
    pub note: Option<String>,
}

impl Connection {
    pub fn parse(entry: &str) -> Connection {
        let entry = entry.trim();
        let (agent, options) = match entry.find('[') {
            Some(open) => {
                let close = entry[open..].find(']').map(|c| open + c).unwrap_or(entry.len());
                (entry[..open].trim(), &entry[open + 1..close])
            }
            None => (entry, ""),
        };
        let mut c = Connection { agent: agent.to_owned(), required: None, sequence: None, note: None };
        let mut notes = Vec::new();
        for option in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let lower = option.to_lowercase();
            if let Some(n) = lower.strip_prefix("seq:").and_then(|n| n.trim().parse().ok()) {
                c.sequence = Some(n);
            } else if let Some(rest) = lower.strip_prefix("required") {
                c.required = Some(true);
                notes.push(option[option.len() - rest.len()..].trim().to_owned());
            } else if let Some(rest) = lower.strip_prefix("optional") {
                c.required = Some(false);
                notes.push(option[option.len() - rest.len()..].trim().to_owned());
            } else {
                notes.push(option.to_owned());
            }
        }
        notes.retain(|n| !n.is_empty());
        if !notes.is_empty() {
            c.note = Some(notes.join(", "));
        }
        c
    }
}

/// `get-pending-flags` order: critical, high, medium, then every other level (unknown ones
/// with low), then `created_at` as text; `id` settles flags created in the same minute.
pub fn pending_order() -> String {
    format!("{}, created_at ASC, id ASC", Impact::rank_sql(Ranking::Tool))
}

/// `get-pending-flags AGENT` (locked included) as one statement: every pending flag whose
/// `column` (`target_agent`, or `source_agent` for the flags an agent raised) is `?1`, as
/// [`FlagRow::select_list`] rows in [`pending_order`].
pub fn pending_sql(column: &str) -> String {
    format!(
        "SELECT {} FROM flags WHERE status = 'pending' AND {column} = ?1 ORDER BY {}",
        FlagRow::select_list(),
        pending_order()
    )
}

/// Pending flags addressed to `agent`, in `get-pending-flags AGENT` order (locked included).
pub async fn pending_for<D: Database>(db: &D, agent: &str) -> Result<Vec<FlagRow>, DbError> {
    FlagRow::all(&db.query(&pending_sql("target_agent"), &[Value::from(agent)]).await?)
}

/// Pending flags that `agent` raised, same order.
pub async fn pending_from<D: Database>(db: &D, agent: &str) -> Result<Vec<FlagRow>, DbError> {
    FlagRow::all(&db.query(&pending_sql("source_agent"), &[Value::from(agent)]).await?)
}

/// A chain (`chain_origin_id` always names the first flag) that involves an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSummary {
    pub origin: i64,
    pub flags: i64,
    pub pending: i64,
}

/// Chains with at least two flags in which `agent` is a source or target. A follow-up whose
/// origin row is missing still groups under the origin id it names.
pub async fn chains_of<D: Database>(db: &D, agent: &str) -> Result<Vec<ChainSummary>, DbError> {
    let rs = db.query(CHAINS_SQL, &[Value::from(agent)]).await?;
    rs.map_rows(|r| {
        Ok(ChainSummary { origin: r.i64("origin")?, flags: r.i64("flags")?, pending: r.i64("pending")? })
    })
}

/// [`chains_of`]'s statement (`?1`: the agent): rows of `origin`, `flags`, `pending`. A scan of
/// `flags`; the flag list's derived layer answers the same ([`crate::flag_index::FlagIndex::chains`]).
pub const CHAINS_SQL: &str =
    "SELECT COALESCE(chain_origin_id, id) AS origin, COUNT(*) AS flags, SUM(status = 'pending') AS pending FROM flags \
     WHERE COALESCE(chain_origin_id, id) IN \
       (SELECT COALESCE(chain_origin_id, id) FROM flags WHERE source_agent = ?1 OR target_agent = ?1) \
     GROUP BY origin HAVING COUNT(*) > 1 ORDER BY origin";

/// The latest `agent_health` row of an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub status: String,
    pub drift_score: Option<String>,
    pub confidence_score: Option<String>,
    pub needs_compaction: bool,
    pub memory_size_kb: Option<String>,
    pub checked_at: String,
}

/// The columns of a health check that [`Health`] reads, from `agent_health h`.
const HEALTH_COLUMNS: &str =
    "h.status, h.drift_score, h.confidence_score, h.needs_compaction, h.memory_size_kb, h.checked_at";

/// Which check is an agent's latest: the first in this order (as the Acolytes CLI reads it).
const HEALTH_LATEST_FIRST: &str = "h.checked_at DESC, h.id DESC";

/// How `agent_health h` is joined to an agent's name `{name}` in this file, or `None` when it
/// cannot be: the Acolytes generations (v1, v2, hybrid) key health by agent name; v0 by
/// `agents_dynamic.id`, whose names have no `@`, so `@x` and `x` both name the agent `x`.
fn health_join(facts: &SchemaFacts, generation: Generation, name: &str) -> Option<String> {
    match generation.catalog_shape() {
        Some(CatalogShape::ClaudeSquad) if facts.has_table("agent_health") && facts.has_table("agents_dynamic") => {
            Some(format!(
                "agent_health h JOIN agents_dynamic d ON d.id = h.agent_id WHERE (d.name = {name} OR '@' || d.name = {name})"
            ))
        }
        Some(CatalogShape::Acolytes)
            if facts.has_table("agent_health") && facts.has_column("agent_health", "agent_name") =>
        {
            Some(format!("agent_health h WHERE h.agent_name = {name}"))
        }
        _ => None,
    }
}

fn health_row(r: &NamedRow<'_>) -> Result<Health, DbError> {
    Ok(Health {
        status: r.text("status")?,
        drift_score: r.opt_text("drift_score")?,
        confidence_score: r.opt_text("confidence_score")?,
        needs_compaction: r.flag("needs_compaction")?,
        memory_size_kb: r.opt_text("memory_size_kb")?,
        checked_at: r.text("checked_at")?,
    })
}

/// The latest health check of `agent` ([`health_join`] says how a check names it). `None` when
/// there is no check (or no table). Errors: the engine's.
pub async fn latest_health<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    generation: Generation,
    agent: &str,
) -> Result<Option<Health>, DbError> {
    let Some(from) = health_join(facts, generation, "?1") else { return Ok(None) };
    let sql = format!("SELECT {HEALTH_COLUMNS} FROM {from} ORDER BY {HEALTH_LATEST_FIRST} LIMIT 1");
    db.query(&sql, &[Value::from(agent)]).await?.map_first(health_row)
}

/// [`latest_health`] of every agent of `agents` in one statement (the same join and order, each
/// name's checks ranked by `ROW_NUMBER()`): a map with an entry for each name, `None` for one
/// without a check. Errors: the engine's (a file whose `agent_health` has no `id`, as for
/// [`latest_health`]).
pub async fn latest_health_of<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    generation: Generation,
    agents: &[String],
) -> Result<HashMap<String, Option<Health>>, DbError> {
    let mut latest: HashMap<String, Option<Health>> = agents.iter().map(|a| (a.clone(), None)).collect();
    let Some(from) = health_join(facts, generation, "k.value") else { return Ok(latest) };
    let sql = format!(
        "SELECT agent, status, drift_score, confidence_score, needs_compaction, memory_size_kb, checked_at FROM \
           (SELECT k.value AS agent, {HEALTH_COLUMNS}, \
              ROW_NUMBER() OVER (PARTITION BY k.key ORDER BY {HEALTH_LATEST_FIRST}) AS latest \
            FROM json_each(?1) k, {from}) \
         WHERE latest = 1"
    );
    let names = Json::from(agents.to_vec()).to_string();
    let rs = db.query(&sql, &[Value::from(names.as_str())]).await?;
    for (agent, health) in rs.map_rows(|r| Ok((r.text("agent")?, health_row(r)?)))? {
        latest.insert(agent, Some(health));
    }
    Ok(latest)
}

/// Pending flags per target (NULL and '' kept apart), for sorting the catalog.
pub async fn pending_by_target<D: Database>(db: &D) -> Result<Vec<(Option<String>, i64)>, DbError> {
    let rs = db
        .query(
            "SELECT target_agent, COUNT(*) AS n FROM flags WHERE status = 'pending' GROUP BY target_agent",
            &[],
        )
        .await?;
    rs.map_rows(|r| Ok((r.opt_text("target_agent")?, r.i64("n")?)))
}

/// A v0 project agent from `agents_dynamic`; flags address it as `@` + name.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicAgent {
    pub id: i64,
    pub name: String,
    pub module: Option<String>,
    pub sub_module: Option<String>,
    pub created_at: String,
}

impl DynamicAgent {
    /// The name flags use for this agent.
    pub fn flag_name(&self) -> String {
        if self.name.starts_with('@') {
            self.name.clone()
        } else {
            format!("@{}", self.name)
        }
    }
}

pub async fn dynamic_agents<D: Database>(db: &D, facts: &SchemaFacts) -> Result<Vec<DynamicAgent>, DbError> {
    if !facts.has_table("agents_dynamic") {
        return Ok(Vec::new());
    }
    let rs = db
        .query("SELECT id, name, module, sub_module, created_at FROM agents_dynamic ORDER BY id", &[])
        .await?;
    rs.map_rows(|r| {
        Ok(DynamicAgent {
            id: r.i64("id")?,
            name: r.text("name")?,
            module: r.opt_text("module")?,
            sub_module: r.opt_text("sub_module")?,
            created_at: r.text("created_at")?,
        })
    })
}

/// The condition "the flag's target is empty or names no known agent" (the routing-error rule
/// shared by the routing page and the dashboard).
pub fn misrouted_sql(facts: &SchemaFacts) -> String {
    // `+name`: the names compared without their column's affinity, as bound values are
    // (`FlagFilter::unrouted`), so both give the same answer whatever the names' types.
    let dynamic = if facts.has_table("agents_dynamic") {
        "AND target_agent NOT IN (SELECT +name FROM agents_dynamic) \
         AND target_agent NOT IN (SELECT '@' || name FROM agents_dynamic)"
    } else {
        ""
    };
    format!(
        "(target_agent IS NULL OR target_agent = '' OR (target_agent NOT IN (SELECT +name FROM agents_catalog) {dynamic}))"
    )
}

/// Pending flags whose target is empty or names no known agent: not in `agents_catalog`, and
/// for v0 not an `agents_dynamic` name either (with or without its `@`). Also returns each
/// flag's change_description for the target suggestion.
pub async fn routing_errors<D: Database>(db: &D, facts: &SchemaFacts) -> Result<Vec<FlagRow>, DbError> {
    FlagRow::all(&db.query(&routing_errors_sql(facts), &[]).await?)
}

/// [`routing_errors`]' statement: [`FlagRow::select_list`] rows in [`pending_order`].
pub fn routing_errors_sql(facts: &SchemaFacts) -> String {
    let misrouted = misrouted_sql(facts);
    format!(
        "SELECT {} FROM flags WHERE status = 'pending' AND {misrouted} ORDER BY {}",
        FlagRow::select_list(),
        pending_order()
    )
}

/// The names a flag's target may carry to reach an agent, as the file stores them: every
/// `agents_catalog.name`, and for v0 every `agents_dynamic.name` with and without its `@` —
/// the values of [`misrouted_sql`]'s `NOT IN` lists, read as the dashboard reads them
/// ([`Catalog::read`]); one `NOT IN` over their union is the same test, a NULL name included,
/// as every list compares without affinity. Feeds [`FlagFilter::unrouted`]. Errors: the
/// port's; a file without `agents_catalog` fails as the routing check's statement does.
pub async fn known_targets<D: Database>(db: &D, facts: &SchemaFacts) -> Result<Vec<Value>, DbError> {
    let catalog = Catalog::read(db, facts).await?;
    if !catalog.applies {
        db.query("SELECT name FROM agents_catalog", &[]).await?;
    }
    let dynamic = catalog.dynamic.into_iter().flat_map(|(names, at)| names.into_iter().chain(at));
    Ok(catalog.names.into_iter().chain(dynamic).collect())
}

/// Whether an edit flagdeck makes could change what [`known_targets`] reads: a trigger stored
/// in the file names `agents_catalog` or `agents_dynamic` in its SQL (case-insensitively; `_`
/// matches any character, so the test errs on the side of yes), or either is not an ordinary
/// table (a view or a virtual table, whose names may come from another table). flagdeck's own
/// statements never write those tables, but an edit it makes to `flags` or `acolyte_quests`
/// fires the file's triggers. While this is `false`, what [`known_targets`] reads holds for as
/// long as the file is open. Errors: the port's.
pub async fn catalog_names_may_change<D: Database>(db: &D) -> Result<bool, DbError> {
    let rs = db
        .query(
            "SELECT count(*) FROM sqlite_master \
             WHERE (type = 'trigger' AND (sql LIKE '%agents_catalog%' OR sql LIKE '%agents_dynamic%')) \
             OR (lower(name) IN ('agents_catalog', 'agents_dynamic') AND (type <> 'table' OR NOT rootpage > 0))",
            &[],
        )
        .await?;
    Ok(rs.scalar().and_then(Value::as_i64).unwrap_or(0) > 0)
}

/// The agent page's and routing page's flag lists as flag-list queries, so the list's derived
/// layer pages them (issue 15) and they page like the list: all in the list's tool order
/// ([`AGENT_LIST_ORDER`]).
pub mod lists {
    use super::*;

    /// `get-pending-flags AGENT`: pending flags addressed to `agent` (locked included).
    pub fn pending_to(agent: &str) -> FlagFilter {
        FlagFilter {
            status: vec![Status::Pending.sql().to_owned()],
            target: vec![agent.to_owned()],
            ..Default::default()
        }
    }

    /// The agent page's two lock counts: [`pending_to`] `agent` unlocked (workable), then
    /// locked.
    pub fn pending_to_by_lock(agent: &str) -> [FlagFilter; 2] {
        let to = pending_to(agent);
        [FlagFilter { locked: Some(false), ..to.clone() }, FlagFilter { locked: Some(true), ..to }]
    }

    /// Pending flags `agent` raised.
    pub fn pending_from(agent: &str) -> FlagFilter {
        FlagFilter {
            status: vec![Status::Pending.sql().to_owned()],
            source: vec![agent.to_owned()],
            ..Default::default()
        }
    }

    /// The routing check: pending flags whose target is empty or none of `known`
    /// ([`known_targets`]); the same flags as [`routing_errors`].
    pub fn unrouted(known: Vec<Value>) -> FlagFilter {
        FlagFilter {
            status: vec![Status::Pending.sql().to_owned()],
            unrouted: Some(known),
            ..Default::default()
        }
    }
}

/// Rows the agent page's and routing page's lists read at a time ("show more").
pub const AGENT_LIST_PAGE: usize = 50;

/// The order of the agent page's and routing page's lists: the list's tool order
/// ([`SortColumn::ToolOrder`], ascending), which is [`pending_order`] wherever `created_at` is
/// text (the tool writes `YYYY-MM-DD HH:MM`); it differs only in putting a NULL created_at
/// with the empty text and a number among the texts.
pub const AGENT_LIST_ORDER: (SortColumn, bool) = (SortColumn::ToolOrder, false);

/// One quest an agent takes part in, for its agent page (Acolytes 2.x and hybrid files).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentQuest {
    /// `quest_id`.
    pub id: i64,
    /// `quest_name` as stored (`quest-YYYYMMDD-HHMMSS`; two quests may share one).
    pub name: String,
    /// `quest_phase` (`k/n`); `None` when NULL or the column is absent.
    pub phase: Option<String>,
    /// `status` as stored (unknown statuses kept).
    pub status: String,
    /// Not `completed`, `failed` or `timeout`: what `acolyte_quest_core.get_all_active_quests`
    /// lists.
    pub open: bool,
    /// Whose turn it is (`current_agent`).
    pub current_agent: Option<String>,
    /// It is this agent's turn (`current_agent` names it).
    pub turn: bool,
    /// This agent is in the `recruited` JSON list.
    pub recruited: bool,
    /// This agent leads the quest (first entry of `recruited`, as `quest_create.py` stores it).
    pub leader: bool,
    /// The first [`LIST_PREFIX_CHARS`](crate::long_text::LIST_PREFIX_CHARS) characters of
    /// `mission` (cut by SQL: the agent page shows its first line only).
    pub mission: String,
    /// `created_at` and `updated_at` as stored: date text in v2, epoch seconds (INTEGER) in the
    /// hybrid, `updated_at` epoch text after any update in v2.
    pub created_at: Value,
    pub updated_at: Value,
}

/// One page of the quests of one agent, with how many there are and how many quests could not
/// be checked for it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentQuests {
    /// The page: its turn first, then newest (`quest_id`) first.
    pub quests: Vec<AgentQuest>,
    /// Every quest of the agent (all pages); 0 when the page is empty.
    pub total: i64,
    /// Those that are open and wait on it (its turn); 0 when the page is empty.
    pub open_turns: i64,
    /// Quests whose `recruited` is not a JSON list: matched on `current_agent` only. Counted
    /// with the first page (offset 0) only, 0 on the others.
    pub unreadable_recruited: i64,
    /// Why the agent page's layer, kept, could not give this page (its read's error), which
    /// was then read by the page's SQL instead ([`agent_quests`]); `None` when it gave it or
    /// was not kept. The page is right either way: this is for the console.
    pub layer_error: Option<String>,
}

/// Quests the agent page shows at a time (a file of 100k quests gives one agent ~18k).
pub const AGENT_QUESTS_PAGE: usize = 50;

/// Whether quest row `r` (`q`, or `NEW` in a trigger) is open, in SQL: 1 unless its status is
/// `completed`, `failed` or `timeout`; 0 for a NULL status. The agent page's rule, shared with
/// its layer ([`quests::members`](crate::quests::members)).
pub(crate) fn quest_open_sql(r: &str) -> String {
    format!("IFNULL({r}.status NOT IN ('completed', 'failed', 'timeout'), 0)")
}

/// 1 when `r.recruited` is a JSON array, else 0 (NULL included), in SQL. `json_type`,
/// `json_each` and `json_extract` raise an error on malformed JSON; CASE evaluates only the
/// branch it picks. Shared with the agent page's layer.
pub(crate) fn recruited_is_list_sql(r: &str) -> String {
    format!("CASE WHEN json_valid({r}.recruited) THEN json_type({r}.recruited) = 'array' ELSE 0 END")
}

/// `recruited` when it is a JSON array, else `'[]'`.
fn recruited_list() -> String {
    format!("CASE WHEN {} THEN q.recruited ELSE '[]' END", recruited_is_list_sql("q"))
}

/// The agent page's columns of quest `q` for agent `?1` (the rows of [`AgentQuest`]).
fn agent_quest_columns() -> String {
    let list = recruited_list();
    format!(
        "q.quest_id AS id, q.quest_name AS name, q.quest_phase AS phase, q.status AS status, \
           {open} AS open, q.current_agent AS current_agent, \
           q.current_agent IS ?1 AS turn, \
           EXISTS (SELECT 1 FROM json_each({list}) WHERE value = ?1) AS recruited, \
           json_extract({list}, '$[0]') IS ?1 AS leader, \
           substr(q.mission, 1, {prefix}) AS mission, q.created_at AS created_at, q.updated_at AS updated_at",
        prefix = crate::long_text::LIST_PREFIX_CHARS,
        open = quest_open_sql("q"),
    )
}

/// The SQL of [`agent_quests`] without its layer (one pass over every quest, what the layer
/// must give): `?1` the agent name, `?2` the page's size, `?3` its offset; each row carries the
/// window counts `total` and `open_turns` of every quest matched.
pub fn agent_quests_sql() -> String {
    let list = recruited_list();
    format!(
        "SELECT {columns}, \
           count(*) OVER () AS total, \
           sum(q.current_agent IS ?1 AND {open}) OVER () AS open_turns \
         FROM {QUEST_TABLE} q \
         WHERE q.current_agent = ?1 OR EXISTS (SELECT 1 FROM json_each({list}) WHERE value = ?1) \
         ORDER BY turn DESC, q.quest_id DESC LIMIT ?2 OFFSET ?3",
        columns = agent_quest_columns(),
        open = quest_open_sql("q"),
    )
}

/// The SQL of [`agent_quests`] through its layer ([`members::page_sql`](crate::quests::members::page_sql),
/// the parameters of [`agent_quests_sql`]): the same rows, with `total`, `open_turns` and
/// `unreadable` counted over the layer's key.
pub fn agent_quests_layer_sql() -> String {
    crate::quests::members::page_sql(&agent_quest_columns())
}

/// The quests `agent` is recruited to (an entry of the `recruited` JSON list) or whose turn it
/// is (`current_agent`), for files with quests ([`Generation::has_quests`]); empty otherwise:
/// the page of at most `limit` from `offset` on, with their total and open turns.
///
/// Read through the agent page's layer ([`quests::members`](crate::quests::members)) when it is
/// built and kept ([`members::ensure`](crate::quests::members::ensure) builds it): a walk of its
/// key and one read per quest of the page, in one question. Else by [`scan_agent_quests`]; both
/// give the same page (when the layer's read fails, its error is in
/// [`AgentQuests::layer_error`]). Errors: the database's, of the SQL read.
pub async fn agent_quests<D: Database>(
    db: &D,
    generation: Generation,
    agent: &str,
    offset: usize,
    limit: usize,
) -> Result<AgentQuests, DbError> {
    if !generation.has_quests() {
        return Ok(AgentQuests::default());
    }
    match layer_agent_quests(db, agent, offset, limit).await {
        Ok(Some(quests)) => Ok(quests),
        Ok(None) => scan_agent_quests(db, generation, agent, offset, limit).await,
        // Kept but its read failed: the page's SQL still gives the page, and says why.
        Err(e) => {
            let page = scan_agent_quests(db, generation, agent, offset, limit).await?;
            Ok(AgentQuests { layer_error: Some(e.to_string()), ..page })
        }
    }
}

/// [`agent_quests`] through the layer alone: `None` when it is not built or not kept
/// ([`members::built`](crate::quests::members::built)). One question when it is (its
/// statement gives no rows unless the layer is kept, and fails when it was never built).
/// Errors: the database's, for a layer that is kept.
pub async fn layer_agent_quests<D: Database>(
    db: &D,
    agent: &str,
    offset: usize,
    limit: usize,
) -> Result<Option<AgentQuests>, DbError> {
    use crate::quests::members;
    let params = [Value::from(agent), bound(limit), bound(offset)];
    let rs = match db.query(&agent_quests_layer_sql(), &params).await {
        Ok(rs) => rs,
        Err(_) if !members::built(db).await? => return Ok(None),
        Err(e) => return Err(e),
    };
    let counts = rs.map_first(|r| Ok((r.i64("total")?, r.i64("open_turns")?, r.i64("unreadable")?)))?;
    let (total, open_turns, unreadable) = match counts {
        Some(counts) => counts,
        // No rows: an empty page of a kept layer, or a layer not kept.
        None if !members::built(db).await? => return Ok(None),
        None if offset == 0 => {
            let n = db.query(members::UNREADABLE_SQL, &[]).await?.map_first(|r| r.i64("n"))?;
            (0, 0, n.unwrap_or(0))
        }
        None => (0, 0, 0),
    };
    let quests = rs.map_rows(agent_quest)?;
    let unreadable_recruited = if offset == 0 { unreadable } else { 0 };
    Ok(Some(AgentQuests { quests, total, open_turns, unreadable_recruited, layer_error: None }))
}

/// A count or an offset as an SQL integer (saturating).
fn bound(n: usize) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// One row of [`agent_quest_columns`], read by column name; a NULL name, status or mission
/// reads as empty text.
fn agent_quest(r: &crate::value::NamedRow<'_>) -> Result<AgentQuest, DbError> {
    Ok(AgentQuest {
        id: r.i64("id")?,
        name: r.text("name")?,
        phase: r.opt_text("phase")?,
        status: r.text("status")?,
        open: r.flag("open")?,
        current_agent: r.opt_text("current_agent")?,
        turn: r.flag("turn")?,
        recruited: r.flag("recruited")?,
        leader: r.flag("leader")?,
        mission: r.text("mission")?,
        created_at: r.get("created_at")?.clone(),
        updated_at: r.get("updated_at")?.clone(),
    })
}

/// [`agent_quests`] by its plain SQL ([`agent_quests_sql`], one pass over every quest, and a
/// second for the unreadable `recruited` count with the first page). Errors: the database's.
pub async fn scan_agent_quests<D: Database>(
    db: &D,
    generation: Generation,
    agent: &str,
    offset: usize,
    limit: usize,
) -> Result<AgentQuests, DbError> {
    if !generation.has_quests() {
        return Ok(AgentQuests::default());
    }
    let rs = db.query(&agent_quests_sql(), &[Value::from(agent), bound(limit), bound(offset)]).await?;
    let counts = rs.map_first(|r| Ok((r.i64("total")?, r.opt_i64("open_turns")?.unwrap_or(0))))?;
    let (total, open_turns) = counts.unwrap_or((0, 0));
    let quests = rs.map_rows(agent_quest)?;
    let unreadable_recruited = if offset == 0 {
        let unreadable = db
            .query(
                &format!(
                    "SELECT COUNT(*) AS n FROM {QUEST_TABLE} q WHERE NOT ({})",
                    recruited_is_list_sql("q")
                ),
                &[],
            )
            .await?;
        unreadable.map_first(|r| r.i64("n"))?.unwrap_or(0)
    } else {
        0
    };
    Ok(AgentQuests { quests, total, open_turns, unreadable_recruited, layer_error: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_parse_agent_requirement_sequence_and_notes() {
        let c = Connection::parse("@backend.api [optional,seq:2]");
        assert_eq!(
            c,
            Connection { agent: "@backend.api".into(), required: Some(false), sequence: Some(2), note: None }
        );
        let c = Connection::parse("@ops.monitoring [required for system metrics]");
        assert_eq!(c.required, Some(true));
        assert_eq!(c.note.as_deref(), Some("for system metrics"));
        let c = Connection::parse("@docs.specialist");
        assert_eq!((c.agent.as_str(), c.required, c.sequence), ("@docs.specialist", None, None));
        let c = Connection::parse("@x [seq:3, required]");
        assert_eq!((c.required, c.sequence), (Some(true), Some(3)));
    }

    #[test]
    fn json_lists_are_items_or_raw_with_a_warning() {
        assert_eq!(JsonList::parse(Some(r#"["a", 2]"#)), JsonList::Items(vec!["a".into(), "2".into()]));
        assert_eq!(JsonList::parse(None), JsonList::Missing);
        assert_eq!(JsonList::parse(Some("  ")), JsonList::Missing);
        let broken = JsonList::parse(Some(r#"["broken"#));
        assert!(matches!(&broken, JsonList::Invalid { raw, .. } if raw == r#"["broken"#));
        assert!(broken.warning().unwrap().contains("not valid JSON"));
        assert!(JsonList::parse(Some(r#"{"a":1}"#)).warning().is_some());
    }
}
