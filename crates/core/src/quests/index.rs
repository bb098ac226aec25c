//! The quest list's filter index: what a status or agent filter needs of every quest, held in
//! memory next to the engine, so a filter change answers its count, its status counts (the
//! status boxes) and its first page's ids without a pass over the table in SQL.
//!
//! Without it a filter change costs three passes in the engine (the count, the status counts
//! under every filter but the statuses, the first page: ~70–130 ms in sql.js at 100k quests,
//! more with an agent, whose `recruited` JSON is parsed for every quest). Held here, per quest:
//! its id, its status (interned, NULL as `""`, as the status counts group it) and the names an
//! agent filter finds it by, worked out by the same SQL expressions as
//! [`QuestFilter`]'s condition (`lower(current_agent)`, the elements of a JSON `recruited`
//! with the condition's `instr` test, the comma-separated names of any other `recruited`);
//! and, per list order asked ([`QuestIndex::set_order`]), every quest in that order.
//!
//! Answers are the SQL's: [`QuestIndex::summary`] gives [`QuestFilter::count_sql`] and
//! [`QuestFilter::status_counts_sql`], [`QuestIndex::first_ids`] the ids of
//! [`QuestPageQuery`](super::QuestPageQuery)'s first page (`testkit::quest_index_agrees_with_sql`
//! compares them on every fixture, odd rows and a generated file, before and after edits). A
//! filter with words, or an agent name holding a comma (the comma-separated match spans names
//! then), is not answered (`None`): the list runs its SQL.
//!
//! Kept exact by a write counter: TEMP triggers on `main.acolyte_quests` ([`COUNTER_SQL`]) count
//! every row written; the index holds the count it was read at ([`QuestIndex::writes`]), and an
//! answer is shown only with rows read in one statement with the count ([`rows_sql`]) that
//! finds it unchanged; otherwise the list runs its SQL and the index is read again. TEMP, like
//! the key tables ([`super::keys`]): the file, its exports and `integrity_check` never see it.
//! The same triggers log which quests each write touched (`flagdeck_quest_changed`), so after
//! an edit the index is brought up to date by reading only those quests again
//! ([`QuestIndex::refresh`], one statement) rather than every quest; the log must account for
//! every write the counter counted, or the index is read again.
//! Memory: ~30 bytes a quest plus 4 per order held and each distinct name once (~3 MB at 100k
//! quests); read in chunks of [`CHUNK`] quests, one statement each.

use rustc_hash::FxHashMap;

use crate::port::{Database, DbError};
use crate::value::{ResultSet, Value};

use super::query::{QuestFilter, QuestSort, StatusCount, TimeOrder};
use super::status::QuestStatus;
use super::TABLE;

/// Quests read per statement while the index is read (one JSON text each, so an answer is one
/// value to hand over, not a row per quest).
pub const CHUNK: usize = 10_000;

/// The write counter and its log: a one-row TEMP table counting rows inserted, updated and
/// deleted in `main.acolyte_quests` since it was installed, and a TEMP table `(n, quest_id)`
/// naming the quests each counted write touched (`n` the count after it; an update that moves
/// a quest's id names both ids), both kept by TEMP triggers (inside the writing statement, so a
/// rollback takes both back with the rows). Idempotent; one batch.
///
/// Two guards keep an index read before a gap from passing for current:
/// - the counter starts at a random count below 2^52 (exact as a JS number), not 0: an engine
///   that lost its TEMP schema (a reopened database) counts from elsewhere, so an index held
///   from before is behind or ahead of it, or the log does not name its writes: it is read
///   again;
/// - installing a trigger that was missing (the table dropped and created again, or a trigger
///   dropped: writes meanwhile were not counted) counts one write the log does not name, so
///   every index read before it declines to refresh.
pub const COUNTER_SQL: &str = "\
CREATE TEMP TABLE IF NOT EXISTS flagdeck_quest_writes (n INTEGER NOT NULL);
INSERT INTO temp.flagdeck_quest_writes (n) SELECT abs(random() % 4503599627370496)
  WHERE NOT EXISTS (SELECT 1 FROM temp.flagdeck_quest_writes);
UPDATE temp.flagdeck_quest_writes SET n = n + 1 WHERE (SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger'
  AND name IN ('flagdeck_quest_writes_inserted', 'flagdeck_quest_writes_updated', 'flagdeck_quest_writes_deleted')) < 3;
CREATE TEMP TABLE IF NOT EXISTS flagdeck_quest_changed (n INTEGER NOT NULL, quest_id INTEGER);
CREATE INDEX IF NOT EXISTS temp.flagdeck_quest_changed_n ON flagdeck_quest_changed (n);
CREATE TEMP TRIGGER IF NOT EXISTS flagdeck_quest_writes_inserted AFTER INSERT ON main.acolyte_quests BEGIN
  UPDATE flagdeck_quest_writes SET n = n + 1;
  INSERT INTO flagdeck_quest_changed (n, quest_id) SELECT n, NEW.quest_id FROM flagdeck_quest_writes;
END;
CREATE TEMP TRIGGER IF NOT EXISTS flagdeck_quest_writes_updated AFTER UPDATE ON main.acolyte_quests BEGIN
  UPDATE flagdeck_quest_writes SET n = n + 1;
  INSERT INTO flagdeck_quest_changed (n, quest_id) SELECT n, NEW.quest_id FROM flagdeck_quest_writes
    UNION ALL SELECT n, OLD.quest_id FROM flagdeck_quest_writes WHERE OLD.quest_id IS NOT NEW.quest_id;
END;
CREATE TEMP TRIGGER IF NOT EXISTS flagdeck_quest_writes_deleted AFTER DELETE ON main.acolyte_quests BEGIN
  UPDATE flagdeck_quest_writes SET n = n + 1;
  INSERT INTO flagdeck_quest_changed (n, quest_id) SELECT n, OLD.quest_id FROM flagdeck_quest_writes;
END;";

/// Log entries ([`COUNTER_SQL`]) a refresh reads at most ([`QuestIndex::refresh`]); past them
/// the index is read again.
pub const REFRESH_MAX: usize = CHUNK;

/// The counter's value as a scalar subquery; NULL unless its three triggers are there (dropping
/// `acolyte_quests` drops them, and a counter no trigger moves would hold still through writes).
const WRITES: &str = "(CASE WHEN (SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name IN \
    ('flagdeck_quest_writes_inserted', 'flagdeck_quest_writes_updated', 'flagdeck_quest_writes_deleted')) = 3 \
    THEN (SELECT n FROM temp.flagdeck_quest_writes) END)";

/// `text` without spaces, tabs and line breaks, in SQL (the agent condition's `replace` chain).
fn compact_sql(text: &str) -> String {
    format!("replace(replace(replace(replace({text}, char(13), ''), char(10), ''), char(9), ''), ' ', '')")
}

/// One chunk of the index: the quests from `quest_id` `?1` on, at most `?2` of them, as one JSON
/// array `rows` of `[quest_id, status, lower(current_agent), names, text]`: `names`, for a JSON
/// `recruited`, the lowered names the agent condition compares whole (an array's elements, or
/// the value of other JSON) and only those whose compact form `lower(recruited)` holds (the
/// condition's `instr` test); `text`, for any other `recruited`, `lower(recruited)` (its
/// comma-separated names are split here). With `n` quests, the `last` id, `odd` statuses
/// (neither text nor NULL: the index does not hold those files), the counter (`writes`) and the
/// chunk's `agents` as [`agents_sql`](super::agents_sql) lists them (distinct, as stored).
pub fn chunk_sql() -> String {
    index_rows_sql("WHERE quest_id >= ? ORDER BY quest_id LIMIT ?", "")
}

/// The log entries after `?1` (the index's count), in SQL: the quests written since.
const LOGGED: &str = "FROM temp.flagdeck_quest_changed WHERE n > ?1";

/// A refresh of the index ([`QuestIndex::refresh`]): [`chunk_sql`]'s columns for the quests the
/// log ([`COUNTER_SQL`]) names after count `?1`, when it names at most `?2` entries (none
/// otherwise), with `logged` (the distinct counts it holds after `?1`, which must be every
/// write counted since), `entries` (its entries after `?1`) and `changed` (a JSON array of the
/// ids it names; quests among them the rows do not hold are gone).
pub fn refresh_sql() -> String {
    let few = format!("(SELECT count(*) {LOGGED}) <= ?2");
    index_rows_sql(
        &format!("WHERE quest_id IN (SELECT quest_id {LOGGED}) AND {few}"),
        &format!(
            ", (SELECT count(DISTINCT n) {LOGGED}) AS logged, (SELECT count(*) {LOGGED}) AS entries, \
             (SELECT json_group_array(DISTINCT quest_id) {LOGGED} AND quest_id IS NOT NULL AND {few}) AS changed"
        ),
    )
}

/// The index's rows of the quests `selection` (a WHERE clause and what follows it, on
/// `main.acolyte_quests`) keeps, as [`chunk_sql`] describes them, with `extra` columns.
fn index_rows_sql(selection: &str, extra: &str) -> String {
    let element = compact_sql("lower(r.value)");
    let single = compact_sql("x");
    format!(
        "WITH c AS (SELECT quest_id, status, current_agent, recruited, \
             CASE WHEN json_valid(recruited) THEN (CASE WHEN json_type(recruited) = 'array' THEN 'a' ELSE 'v' END) \
             ELSE 'n' END AS kind \
           FROM main.{TABLE} {selection}) \
         SELECT json_group_array(json_array(quest_id, status, agent, names, text)) AS rows, \
           count(*) AS n, max(quest_id) AS last, IFNULL(sum(odd), 0) AS odd, {WRITES} AS writes{extra}, \
           (SELECT json_group_array(DISTINCT agent) FROM (\
              SELECT current_agent AS agent FROM c WHERE typeof(current_agent) = 'text' \
              UNION SELECT r.value AS agent FROM c, json_each(CASE c.kind WHEN 'a' THEN c.recruited ELSE '[]' END) AS r \
                WHERE r.type = 'text')) AS agents \
         FROM (SELECT quest_id, IFNULL(status, '') AS status, typeof(status) NOT IN ('text', 'null') AS odd, \
             lower(current_agent) AS agent, \
             CASE kind \
               WHEN 'a' THEN (SELECT json_group_array(lower(r.value)) FROM json_each(recruited) AS r \
                 WHERE instr(lower(recruited), {element}) > 0) \
               WHEN 'v' THEN (SELECT json_group_array(x) FROM (SELECT lower(json_extract(recruited, '$')) AS x) \
                 WHERE instr(lower(recruited), {single}) > 0) END AS names, \
             CASE kind WHEN 'n' THEN lower(recruited) END AS text \
           FROM c)"
    )
}

/// Every quest id in `sort`'s ascending order (`(key, quest_id)`, the page query's order; a
/// descending page walks it backwards), as one JSON array `ids`, with the counter (`writes`).
/// `keyed`: read from the order's key table ([`super::keys`], built), else from the file's
/// rows (cheap only where the file keeps the order: `quest_id`, a stored `created_at`).
pub fn order_sql(sort: QuestSort, order: TimeOrder, keyed: bool) -> String {
    let (key, from) = if keyed {
        ("sort_key".to_owned(), format!("temp.{}", super::keys::table(sort, order)))
    } else {
        (sort.key_sql(order), format!("main.{TABLE}"))
    };
    format!(
        "SELECT json_group_array(quest_id ORDER BY {key}, quest_id) AS ids, {WRITES} AS writes FROM {from}"
    )
}

/// The list's rows of `ids` with their `sort` key (as the page query reads them: the card's
/// columns and `sort_key`), and the counter as `writes` on every row: one row with NULLs but
/// `writes` when `ids` is empty. Parameter: the ids as a JSON array (text, [`ids_param`]).
/// Rows come in no particular order: [`in_order`] puts them in the page's.
pub fn rows_sql(sort: QuestSort, order: TimeOrder) -> String {
    format!(
        "SELECT w.writes AS writes, q.* FROM (SELECT {WRITES} AS writes) AS w LEFT JOIN \
           (SELECT {key} AS sort_key, {select} FROM main.{TABLE} \
            WHERE quest_id IN (SELECT value FROM json_each(?))) AS q",
        key = sort.key_sql(order),
        select = super::card::QuestCard::select_list(),
    )
}

/// The parameter of [`rows_sql`]: `ids` as a JSON array.
pub fn ids_param(ids: &[i64]) -> Value {
    Value::from(serde_json::Value::from(ids).to_string())
}

/// The cards of a [`rows_sql`] answer in the order of `ids` (rows without an id, the empty
/// answer's, left out). `None` when the rows are not exactly `ids` (a quest gone meanwhile).
pub fn in_order(cards: Vec<super::QuestCard>, ids: &[i64]) -> Option<Vec<super::QuestCard>> {
    let mut by_id: FxHashMap<i64, super::QuestCard> = cards.into_iter().map(|c| (c.id, c)).collect();
    let out: Vec<_> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    (out.len() == ids.len() && by_id.is_empty()).then_some(out)
}

/// Why an index could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexError {
    /// The engine's error.
    Db(DbError),
    /// A quest was written while the index was read (the counter moved): read it again.
    Moved,
    /// The file holds what the index cannot answer for exactly (a status neither text nor
    /// NULL), or a chunk could not be read back (the reason).
    Unheld(String),
}

impl std::fmt::Display for IndexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexError::Db(e) => write!(f, "{e}"),
            IndexError::Moved => f.write_str("quests were written while the index was read"),
            IndexError::Unheld(why) => f.write_str(why),
        }
    }
}

impl From<DbError> for IndexError {
    fn from(e: DbError) -> Self {
        IndexError::Db(e)
    }
}

/// Distinct texts, each held once and named by a dense id.
#[derive(Debug, Default, Clone)]
struct Names {
    ids: FxHashMap<String, u32>,
    texts: Vec<String>,
}

impl Names {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.texts.push(text.to_owned());
        self.ids.insert(text.to_owned(), id);
        id
    }

    fn find(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }
}

/// The agent filter's text as its condition compares it: trimmed, ASCII lower case (whole), and
/// without spaces, tabs and line breaks (compact).
fn agent_forms(agent: &str) -> Option<(String, String)> {
    let agent = agent.trim();
    if agent.is_empty() {
        return None;
    }
    let whole = agent.to_ascii_lowercase();
    let compact = compacted(&whole);
    Some((whole, compact))
}

/// A text without spaces, tabs and line breaks (the condition's `replace` chain).
fn compacted(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r')).collect()
}

/// The `names` of a chunk's row: a JSON array, or its text (a subquery's value may lose its JSON
/// mark on the way into `json_array`).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ChunkNames {
    List(Vec<Option<String>>),
    Text(String),
}

/// A chunk's row: `[quest_id, status, lower(current_agent), names, text]` ([`chunk_sql`]).
type ChunkRow = (i64, String, Option<String>, Option<ChunkNames>, Option<String>);

/// A chunk's `rows` ([`chunk_sql`]), by id.
fn chunk_rows(rows: &str) -> Result<Vec<ChunkRow>, IndexError> {
    let mut rows: Vec<ChunkRow> = serde_json::from_str(rows).map_err(|e| unreadable(&e.to_string()))?;
    rows.sort_by_key(|r| r.0);
    Ok(rows)
}

/// A chunk that could not be read back (`why`).
fn unreadable(why: &str) -> IndexError {
    IndexError::Unheld(format!("the index's chunk could not be read: {why}"))
}

/// See the module doc. Slots are the quests in `quest_id` order.
#[derive(Debug, Clone, Default)]
pub struct QuestIndex {
    /// `quest_id` by slot, ascending.
    ids: Vec<i64>,
    /// The status's name id by slot.
    status: Vec<u32>,
    statuses: Names,
    /// The names an agent filter finds slot `s` by: `keys[starts[s]..starts[s + 1]]`, each a
    /// name id × 2, + 1 for a compact name (matched by the filter's compact form).
    starts: Vec<u32>,
    keys: Vec<u32>,
    names: Names,
    /// Slots in each order asked, ascending, by [`super::keys::table`]'s name.
    orders: FxHashMap<String, Vec<u32>>,
    /// The agent filter's suggestions as stored (see [`QuestIndex::agents`]).
    agents: std::collections::BTreeSet<String>,
    /// Whether a refresh changed quests since the suggestions were read (they may then name an
    /// agent no quest has any more: [`QuestIndex::agents`] gives none).
    agents_stale: bool,
    /// The write counter the index was read at.
    writes: i64,
}

/// A filter as the index tests it.
struct Compiled {
    /// Kept status ids (`None`: any status).
    statuses: Option<Vec<u32>>,
    /// The agent's keys (whole, compact): `None` without an agent filter; keys of names no
    /// quest has are `None` inside.
    agent: Option<(Option<u32>, Option<u32>)>,
}

impl QuestIndex {
    /// Installs the counter ([`COUNTER_SQL`]) and reads every quest, [`CHUNK`] a statement
    /// (`pause` between them). `may_read()` is asked before each statement is sent: a caller
    /// whose edits may have a transaction open says no (a chunk read inside it could be rolled
    /// back), and the read stops with [`IndexError::Moved`]. Errors: the engine's; `Moved` when
    /// the counter moved between the first chunk and the last; `Unheld` for a status neither
    /// text nor NULL.
    pub async fn read<D: Database>(db: &D, may_read: impl Fn() -> bool) -> Result<QuestIndex, IndexError> {
        if !may_read() {
            return Err(IndexError::Moved);
        }
        db.execute_batch(COUNTER_SQL).await?;
        let mut index = QuestIndex { starts: vec![0], ..Default::default() };
        let mut from = i64::MIN;
        let mut first = true;
        loop {
            if !may_read() {
                return Err(IndexError::Moved);
            }
            let rs = db.query(&chunk_sql(), &[Value::Integer(from), Value::Integer(CHUNK as i64)]).await?;
            let (n, last, odd, writes, rows, agents) = rs
                .map_first(|r| {
                    Ok((
                        r.i64("n")?,
                        r.opt_i64("last")?,
                        r.i64("odd")?,
                        r.opt_i64("writes")?,
                        r.text("rows")?,
                        r.opt_text("agents")?.unwrap_or_else(|| "[]".into()),
                    ))
                })?
                .ok_or_else(|| IndexError::Unheld("the index's chunk gave no row".into()))?;
            // No counter (its triggers gone) or another count: a write may have gone unseen.
            let Some(writes) = writes else { return Err(IndexError::Moved) };
            if std::mem::take(&mut first) {
                index.writes = writes;
            } else if index.writes != writes {
                return Err(IndexError::Moved);
            }
            if odd > 0 {
                return Err(IndexError::Unheld("a quest's status is neither text nor NULL".into()));
            }
            index.add_chunk(&rows)?;
            index.add_agents(&agents)?;
            match last {
                Some(last) if n as usize == CHUNK => match last.checked_add(1) {
                    Some(next) => from = next,
                    None => break,
                },
                _ => break,
            }
            db.pause().await;
        }
        Ok(index)
    }

    /// Adds one chunk's `rows` ([`chunk_sql`]), after every quest held.
    fn add_chunk(&mut self, rows: &str) -> Result<(), IndexError> {
        for row in chunk_rows(rows)? {
            self.push_row(row)?;
        }
        Ok(())
    }

    /// Adds one quest's row of a chunk, after every quest held.
    fn push_row(&mut self, (id, status, agent, names, text): ChunkRow) -> Result<(), IndexError> {
        if self.ids.last().is_some_and(|&last| last >= id) {
            return Err(unreadable("quest ids out of order"));
        }
        self.ids.push(id);
        let status = self.statuses.id(&status);
        self.status.push(status);
        let start = self.keys.len();
        let push = |keys: &mut Vec<u32>, key: u32| {
            if !keys[start..].contains(&key) {
                keys.push(key);
            }
        };
        if let Some(agent) = &agent {
            let k = self.names.id(agent) * 2;
            push(&mut self.keys, k);
        }
        let names: Vec<Option<String>> = match names {
            Some(ChunkNames::List(list)) => list,
            Some(ChunkNames::Text(text)) => {
                serde_json::from_str(&text).map_err(|e| unreadable(&e.to_string()))?
            }
            None => Vec::new(),
        };
        for name in names.iter().flatten() {
            let k = self.names.id(name) * 2;
            push(&mut self.keys, k);
        }
        // A comma-separated `recruited`: its names compact, each where the lowered text holds it
        // (the condition's `instr` test).
        if let Some(text) = &text {
            for piece in compacted(text).split(',').filter(|p| !p.is_empty() && text.contains(*p)) {
                let k = self.names.id(piece) * 2 + 1;
                push(&mut self.keys, k);
            }
        }
        self.starts.push(self.keys.len() as u32);
        Ok(())
    }

    /// Brings the index up to the table's state by reading again only the quests written since
    /// it was read or last refreshed ([`refresh_sql`], one statement): each named quest's row
    /// replaces the one held, a quest the table no longer has goes, a new one takes its place
    /// in id order. The orders held are dropped (a write may move a quest in any of them; read
    /// them again with [`QuestIndex::read_order`]) and so are the agent suggestions
    /// ([`QuestIndex::agents`] gives none after a refresh that changed quests). Not to be run
    /// inside a transaction that may roll back (as [`QuestIndex::read`]). Errors:
    /// [`IndexError::Moved`] when the log cannot bring it up to date (its triggers gone, an
    /// entry missing for a counted write, more than [`REFRESH_MAX`] entries, a counter behind
    /// the index's): read the index again; the engine's; `Unheld` as for a read. On an error
    /// the index is left as it was.
    pub async fn refresh<D: Database>(&mut self, db: &D) -> Result<(), IndexError> {
        let rs = db.query(&refresh_sql(), &self.refresh_params()).await?;
        if let Some(next) = self.refreshed(&rs)? {
            *self = next;
        }
        Ok(())
    }

    /// The parameters of [`refresh_sql`] for this index: its count and [`REFRESH_MAX`].
    pub fn refresh_params(&self) -> [Value; 2] {
        [Value::Integer(self.writes), Value::Integer(REFRESH_MAX as i64)]
    }

    /// [`QuestIndex::refresh`] from the answer `rs` of [`refresh_sql`] run with
    /// [`QuestIndex::refresh_params`], as a new index (this one is left as it is): `None` when
    /// nothing was written since (this index holds as it is). Errors as `refresh`.
    pub fn refreshed(&self, rs: &ResultSet) -> Result<Option<QuestIndex>, IndexError> {
        let (rows, odd, writes, logged, entries, changed) = rs
            .map_first(|r| {
                Ok((
                    r.text("rows")?,
                    r.i64("odd")?,
                    r.opt_i64("writes")?,
                    r.i64("logged")?,
                    r.i64("entries")?,
                    r.opt_text("changed")?.unwrap_or_else(|| "[]".into()),
                ))
            })?
            .ok_or_else(|| unreadable("the refresh gave no row"))?;
        let Some(writes) = writes else { return Err(IndexError::Moved) };
        let since = writes.checked_sub(self.writes).filter(|n| *n >= 0).ok_or(IndexError::Moved)?;
        if since == 0 && entries == 0 {
            return Ok(None);
        }
        if logged != since || entries as usize > REFRESH_MAX {
            return Err(IndexError::Moved);
        }
        if odd > 0 {
            return Err(IndexError::Unheld("a quest's status is neither text nor NULL".into()));
        }
        let mut changed: Vec<i64> = serde_json::from_str(&changed).map_err(|e| unreadable(&e.to_string()))?;
        changed.sort_unstable();
        let mut rows = chunk_rows(&rows)?.into_iter().peekable();
        let mut next = QuestIndex {
            ids: Vec::with_capacity(self.ids.len() + rows.len()),
            status: Vec::with_capacity(self.status.len() + rows.len()),
            statuses: self.statuses.clone(),
            starts: Vec::with_capacity(self.starts.len() + rows.len()),
            keys: Vec::with_capacity(self.keys.len()),
            names: self.names.clone(),
            orders: FxHashMap::default(),
            agents: Default::default(),
            agents_stale: true,
            writes,
        };
        next.starts.push(0);
        for (slot, &id) in self.ids.iter().enumerate() {
            while let Some(row) = rows.next_if(|r| r.0 < id) {
                next.push_row(row)?;
            }
            if changed.binary_search(&id).is_ok() {
                // Rewritten, or gone when the table has no row for it.
                if let Some(row) = rows.next_if(|r| r.0 == id) {
                    next.push_row(row)?;
                }
                continue;
            }
            if rows.peek().is_some_and(|r| r.0 == id) {
                return Err(unreadable("a quest the log does not name"));
            }
            next.ids.push(id);
            next.status.push(self.status[slot]);
            next.keys
                .extend_from_slice(&self.keys[self.starts[slot] as usize..self.starts[slot + 1] as usize]);
            next.starts.push(next.keys.len() as u32);
        }
        for row in rows {
            next.push_row(row)?;
        }
        Ok(Some(next))
    }

    /// Adds one chunk's `agents` ([`chunk_sql`]) to the agent filter's suggestions.
    fn add_agents(&mut self, agents: &str) -> Result<(), IndexError> {
        let agents: Vec<String> = serde_json::from_str(agents)
            .map_err(|e| IndexError::Unheld(format!("the index's agents could not be read: {e}")))?;
        self.agents.extend(agents);
        Ok(())
    }

    /// The agent filter's suggestions, as [`agents_sql`](super::agents_sql) gives them: every
    /// text `current_agent` and text element of a JSON-array `recruited`, distinct, those that
    /// are only spaces left out (SQLite's `trim`), sorted by ASCII lower case, then as stored.
    /// `None` after a refresh that changed quests (see [`QuestIndex::refresh`]).
    pub fn agents(&self) -> Option<Vec<String>> {
        if self.agents_stale {
            return None;
        }
        let mut out: Vec<String> =
            self.agents.iter().filter(|a| !a.trim_matches(' ').is_empty()).cloned().collect();
        out.sort_by(|a, b| a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()).then_with(|| a.cmp(b)));
        Some(out)
    }

    /// The write counter the index was read at ([`COUNTER_SQL`]): its answers hold while the
    /// counter reads the same.
    pub fn writes(&self) -> i64 {
        self.writes
    }

    /// Quests held.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no quest is held.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Bytes held on the heap (arrays' capacities, each name's text once), an estimate.
    pub fn heap_bytes(&self) -> usize {
        let names = |n: &Names| n.texts.iter().map(|t| 2 * t.capacity() + 40).sum::<usize>();
        self.ids.capacity() * 8
            + (self.status.capacity() + self.starts.capacity() + self.keys.capacity()) * 4
            + names(&self.statuses)
            + names(&self.names)
            + self.orders.values().map(|o| o.capacity() * 4).sum::<usize>()
    }

    fn compile(&self, filter: &QuestFilter, with_statuses: bool) -> Option<Compiled> {
        if filter.text.split_whitespace().next().is_some() {
            return None;
        }
        let statuses = (with_statuses && !filter.statuses.is_empty())
            .then(|| filter.statuses.iter().filter_map(|s| self.statuses.find(s)).collect());
        let agent = match filter.agent.as_deref().and_then(agent_forms) {
            None => None,
            Some((_, compact)) if compact.contains(',') => return None,
            Some((whole, compact)) => Some((self.names.find(&whole), self.names.find(&compact))),
        };
        Some(Compiled { statuses, agent })
    }

    fn keeps(&self, slot: usize, c: &Compiled) -> bool {
        if let Some(kept) = &c.statuses {
            if !kept.contains(&self.status[slot]) {
                return false;
            }
        }
        match c.agent {
            None => true,
            Some((whole, compact)) => {
                let keys = &self.keys[self.starts[slot] as usize..self.starts[slot + 1] as usize];
                keys.iter().any(|&k| {
                    let (name, is_compact) = (k / 2, k % 2 == 1);
                    if is_compact {
                        compact == Some(name)
                    } else {
                        whole == Some(name)
                    }
                })
            }
        }
    }

    /// The filter's count and its status counts: what [`QuestFilter::count_sql`] and
    /// [`QuestFilter::status_counts_sql`] give (every known status in life-cycle order, 0 when
    /// none has it, then each other stored status by name). `None` for a filter the index does
    /// not answer (see the module doc).
    pub fn summary(&self, filter: &QuestFilter) -> Option<(i64, Vec<StatusCount>)> {
        let c = self.compile(filter, false)?;
        let mut per_status = vec![0i64; self.statuses.texts.len()];
        for slot in 0..self.ids.len() {
            if self.keeps(slot, &c) {
                per_status[self.status[slot] as usize] += 1;
            }
        }
        let total = if filter.statuses.is_empty() {
            per_status.iter().sum()
        } else {
            // Each status once, as `status IN (…)` keeps a quest once (an address may repeat one).
            let kept: std::collections::BTreeSet<u32> =
                filter.statuses.iter().filter_map(|s| self.statuses.find(s)).collect();
            kept.into_iter().map(|id| per_status[id as usize]).sum()
        };
        let of = |name: &str| self.statuses.find(name).map_or(0, |id| per_status[id as usize]);
        let mut counts: Vec<StatusCount> = QuestStatus::ALL
            .iter()
            .map(|s| StatusCount { status: s.sql().to_owned(), known: Some(*s), count: of(s.sql()) })
            .collect();
        let mut others: Vec<(&str, i64)> = self
            .statuses
            .texts
            .iter()
            .zip(&per_status)
            .filter(|(name, n)| **n > 0 && QuestStatus::ALL.iter().all(|s| s.sql() != name.as_str()))
            .map(|(name, n)| (name.as_str(), *n))
            .collect();
        others.sort();
        counts.extend(others.into_iter().map(|(name, n)| StatusCount {
            known: QuestStatus::parse(name),
            status: name.to_owned(),
            count: n,
        }));
        Some((total, counts))
    }

    /// Whether `sort`'s order is held (`quest_id`'s always is).
    pub fn has_order(&self, sort: QuestSort, order: TimeOrder) -> bool {
        sort.key_sql(order) == "quest_id" || self.orders.contains_key(&super::keys::table(sort, order))
    }

    /// Holds `sort`'s order from an [`order_sql`] answer (`ids`, a JSON array; `writes`, its
    /// counter). Errors: [`IndexError::Moved`] when the counter is not the index's; `Unheld`
    /// when the ids are not every quest held, once each.
    pub fn set_order(
        &mut self,
        sort: QuestSort,
        order: TimeOrder,
        ids: &str,
        writes: i64,
    ) -> Result<(), IndexError> {
        if writes != self.writes {
            return Err(IndexError::Moved);
        }
        let bad =
            |why: &str| IndexError::Unheld(format!("the order of {} could not be held: {why}", sort.key()));
        let ids: Vec<i64> = serde_json::from_str(ids).map_err(|e| bad(&e.to_string()))?;
        if ids.len() != self.ids.len() {
            return Err(bad("it has another number of quests"));
        }
        let mut seen = vec![false; self.ids.len()];
        let mut slots = Vec::with_capacity(ids.len());
        for id in ids {
            let slot = self.ids.binary_search(&id).map_err(|_| bad("a quest the index does not hold"))?;
            if std::mem::replace(&mut seen[slot], true) {
                return Err(bad("a quest twice"));
            }
            slots.push(slot as u32);
        }
        self.orders.insert(super::keys::table(sort, order), slots);
        Ok(())
    }

    /// Reads and holds `sort`'s order ([`order_sql`]; `keyed`: from its key table). Errors as
    /// [`QuestIndex::set_order`], and the engine's.
    pub async fn read_order<D: Database>(
        &mut self,
        db: &D,
        sort: QuestSort,
        order: TimeOrder,
        keyed: bool,
    ) -> Result<(), IndexError> {
        let rs = db.query(&order_sql(sort, order, keyed), &[]).await?;
        self.take_order(sort, order, &rs)
    }

    /// Holds `sort`'s order from an [`order_sql`] answer `rs`. Errors as
    /// [`QuestIndex::set_order`]; [`IndexError::Moved`] too when the counter reads NULL (its
    /// triggers gone).
    pub fn take_order(
        &mut self,
        sort: QuestSort,
        order: TimeOrder,
        rs: &ResultSet,
    ) -> Result<(), IndexError> {
        let (ids, writes) = rs
            .map_first(|r| Ok((r.opt_text("ids")?.unwrap_or_else(|| "[]".into()), r.opt_i64("writes")?)))?
            .ok_or_else(|| IndexError::Unheld("the order gave no row".into()))?;
        self.set_order(sort, order, &ids, writes.ok_or(IndexError::Moved)?)
    }

    /// The ids of the filter's first `limit` quests in `sort` (descending: the held order
    /// backwards), as [`QuestPageQuery`](super::QuestPageQuery)'s first page gives them.
    /// `None` when the order is not held or the filter is not answered.
    pub fn first_ids(
        &self,
        filter: &QuestFilter,
        (sort, descending): (QuestSort, bool),
        order: TimeOrder,
        limit: usize,
    ) -> Option<Vec<i64>> {
        let c = self.compile(filter, true)?;
        let mut out = Vec::with_capacity(limit.min(self.ids.len()));
        let mut take = |slot: usize| {
            if out.len() < limit && self.keeps(slot, &c) {
                out.push(self.ids[slot]);
            }
            out.len() < limit
        };
        if sort.key_sql(order) == "quest_id" {
            if descending {
                (0..self.ids.len()).rev().take_while(|&s| take(s)).for_each(drop);
            } else {
                (0..self.ids.len()).take_while(|&s| take(s)).for_each(drop);
            }
        } else {
            let slots = self.orders.get(&super::keys::table(sort, order))?;
            if descending {
                slots.iter().rev().take_while(|&&s| take(s as usize)).for_each(drop);
            } else {
                slots.iter().take_while(|&&s| take(s as usize)).for_each(drop);
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_forms_trim_lower_and_compact() {
        assert_eq!(agent_forms("  @Acolyte.AUTH "), Some(("@acolyte.auth".into(), "@acolyte.auth".into())));
        assert_eq!(agent_forms("@a b\t"), Some(("@a b".into(), "@ab".into())));
        assert_eq!(agent_forms("   "), None);
        // Non-ASCII letters keep their case, as SQLite's lower() without ICU.
        assert_eq!(agent_forms("@ÉLAN").unwrap().0, "@Élan");
    }

    #[test]
    fn a_chunk_holds_whole_names_and_compact_names() {
        let mut index = QuestIndex { starts: vec![0], ..Default::default() };
        // As `chunk_sql` gives them: an array's names that fail the `instr` test (a name with
        // a space inside, `@b c`; an escaped one, `\u0040z`) are left out by the SQL.
        let rows = serde_json::json!([
            [2, "working", "@x", ["@a"], null],
            [1, "", null, null, "@a, @b"],
            [3, "odd", null, "[\"@solo\"]", null],
            [4, "waiting", null, [], null]
        ]);
        index.add_chunk(&rows.to_string()).unwrap();
        assert_eq!(index.ids, [1, 2, 3, 4]);
        let ids = |agent: &str| {
            let f = QuestFilter { agent: Some(agent.into()), ..Default::default() };
            index.first_ids(&f, (QuestSort::Id, false), TimeOrder::default(), 10).unwrap()
        };
        assert_eq!(ids("@A"), [1, 2]);
        assert_eq!(ids("@b c"), Vec::<i64>::new());
        assert_eq!(ids("@b"), [1]);
        assert_eq!(ids("@ b"), [1], "a comma list is matched compact");
        assert_eq!(ids("@x"), [2]);
        assert_eq!(ids("@solo"), [3]);
        assert_eq!(ids("@z"), Vec::<i64>::new());
        let comma = QuestFilter { agent: Some("@a,@b".into()), ..Default::default() };
        assert!(index.summary(&comma).is_none(), "a comma spans names: the SQL answers");
        let words = QuestFilter { text: "jwt".into(), ..Default::default() };
        assert!(index.summary(&words).is_none());
        let (total, counts) = index.summary(&QuestFilter::default()).unwrap();
        assert_eq!(total, 4);
        let shown: Vec<(&str, i64)> = counts.iter().map(|c| (c.status.as_str(), c.count)).collect();
        assert_eq!(shown[..2], [("working", 1), ("waiting", 1)]);
        assert_eq!(shown[6..], [("", 1), ("odd", 1)], "known first, then others by name");
        let only = QuestFilter { statuses: vec!["".into(), "gone".into()], ..Default::default() };
        assert_eq!(index.summary(&only).unwrap().0, 1);
        let twice = QuestFilter { statuses: vec!["odd".into(), "odd".into()], ..Default::default() };
        assert_eq!(index.summary(&twice).unwrap().0, 1, "a status repeated keeps its quests once");
        assert_eq!(index.first_ids(&only, (QuestSort::Id, true), TimeOrder::default(), 5).unwrap(), [1]);
    }

    #[test]
    fn a_refresh_declines_what_the_log_cannot_account_for() {
        let index = QuestIndex { starts: vec![0], writes: 5, ..Default::default() };
        let answer = |writes: Value, logged: i64, entries: i64| ResultSet {
            columns: ["rows", "odd", "writes", "logged", "entries", "changed"].map(String::from).to_vec(),
            rows: vec![vec![
                Value::from("[[1, \"waiting\", null, null, null]]"),
                Value::Integer(0),
                writes,
                Value::Integer(logged),
                Value::Integer(entries),
                Value::from("[1]"),
            ]],
        };
        let moved = Some(IndexError::Moved);
        assert_eq!(index.refreshed(&answer(Value::Null, 1, 1)).err(), moved, "no counter (triggers gone)");
        assert_eq!(
            index.refreshed(&answer(Value::Integer(4), 0, 0)).err(),
            moved,
            "a counter behind the index"
        );
        assert_eq!(
            index.refreshed(&answer(Value::Integer(7), 1, 1)).err(),
            moved,
            "a write without its entry"
        );
        let many = REFRESH_MAX as i64 + 1;
        assert_eq!(
            index.refreshed(&answer(Value::Integer(5 + many), many, many)).err(),
            moved,
            "too many entries"
        );
        assert!(index.refreshed(&answer(Value::Integer(5), 0, 0)).unwrap().is_none(), "nothing since");
        let next = index.refreshed(&answer(Value::Integer(6), 1, 1)).unwrap().expect("one quest written");
        assert_eq!((next.len(), next.writes(), next.agents()), (1, 6, None));
    }

    #[test]
    fn an_order_must_be_every_quest_once_at_the_same_count() {
        let mut index = QuestIndex { starts: vec![0], writes: 7, ..Default::default() };
        index.add_chunk("[[1, \"a\", null, null, null], [2, \"b\", null, null, null]]").unwrap();
        let sort = (QuestSort::Messages, TimeOrder::default());
        assert_eq!(index.set_order(sort.0, sort.1, "[2, 1]", 8), Err(IndexError::Moved));
        assert!(matches!(index.set_order(sort.0, sort.1, "[2, 2]", 7), Err(IndexError::Unheld(_))));
        assert!(matches!(index.set_order(sort.0, sort.1, "[2]", 7), Err(IndexError::Unheld(_))));
        assert!(!index.has_order(sort.0, sort.1));
        index.set_order(sort.0, sort.1, "[2, 1]", 7).unwrap();
        let all = QuestFilter::default();
        assert_eq!(index.first_ids(&all, (sort.0, false), sort.1, 5).unwrap(), [2, 1]);
        assert_eq!(index.first_ids(&all, (sort.0, true), sort.1, 1).unwrap(), [1]);
        assert_eq!(index.first_ids(&all, (QuestSort::Name, true), sort.1, 1), None, "not held");
    }
}
