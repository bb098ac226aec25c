//! Follow mode's core: what changed in a database between two reads of the file. The app re-reads
//! the file every few seconds, opens each read in a fresh engine, takes a compact [`Snapshot`]
//! of it ([`read`]: one SELECT per table) and compares it with the previous one ([`diff`], pure).
//! The [`Changes`] say which flags and quests to highlight ([`Changes::flag_mark`],
//! [`Changes::quest_mark`]) and give one English sentence per kind of change ([`Changes::lines`]).
//!
//! Statuses are compared as stored, the way the app's vocabulary reads them
//! ([`crate::vocabulary::Status::parse`], [`crate::quests::QuestStatus::parse`]: exact text,
//! no trimming or case folding), so a flag counts as completed here exactly when the summary and
//! the flag list count it as completed.

use std::borrow::Cow;

use serde::Serialize;

use crate::listing::{self, clip, thousands};
use crate::port::{Database, DbError};
use crate::quests::QuestStatus;
use crate::schema::{SchemaFacts, QUEST_TABLE};
use crate::value::{whole_chars, NamedRow, Value};
use crate::vocabulary::Status;

/// The table whose rows are tool calls.
pub const TOOL_TABLE: &str = "tool_logs";

/// How many characters of a text value (status, holder, quest name) SQL hands back: one more
/// than [`listing::NAME_CHARS`], so [`clip`] can tell a longer value and mark the cut with `…`.
/// Two values that differ only after that many characters read as equal.
pub const TEXT_CHARS_READ: usize = listing::NAME_CHARS + 1;

/// The SQL expression reading text column `column` cut to [`TEXT_CHARS_READ`] characters
/// (`substr` counts characters in TEXT and bytes in a BLOB; [`whole_chars`] mends a cut BLOB), or
/// `NULL` when `table` lacks the column.
fn text_column(facts: &SchemaFacts, table: &str, column: &str, alias: &str) -> String {
    if facts.has_column(table, column) {
        format!("substr({column}, 1, {TEXT_CHARS_READ}) AS {alias}")
    } else {
        format!("NULL AS {alias}")
    }
}

/// The SQL reading the flag marks: columns `id`, `status` (cut, see [`TEXT_CHARS_READ`]) and
/// `locked` (`0` when the table lacks it), by id. `None` when the file has no `flags` table with
/// an `id` column. Only these three columns are read, so it stays cheap at 100,000 flags.
pub fn flags_sql(facts: &SchemaFacts) -> Option<String> {
    facts.has_column("flags", "id").then(|| {
        let locked = if facts.has_column("flags", "locked") { "locked" } else { "0 AS locked" };
        format!(
            "SELECT id, {}, {locked} FROM flags ORDER BY id",
            text_column(facts, "flags", "status", "status")
        )
    })
}

/// The SQL reading the quest marks: columns `id`, `status`, `holder` (`current_agent`) and `name`
/// (`quest_name`), each text cut (see [`TEXT_CHARS_READ`]) and `NULL` when the table lacks it, by
/// id. `None` when the file has no `acolyte_quests` table with a `quest_id` column.
pub fn quests_sql(facts: &SchemaFacts) -> Option<String> {
    facts.has_column(QUEST_TABLE, "quest_id").then(|| {
        format!(
            "SELECT quest_id AS id, {}, {}, {} FROM {QUEST_TABLE} ORDER BY quest_id",
            text_column(facts, QUEST_TABLE, "status", "status"),
            text_column(facts, QUEST_TABLE, "current_agent", "holder"),
            text_column(facts, QUEST_TABLE, "quest_name", "name"),
        )
    })
}

/// The SQL reading [`ToolCalls`]: one row, columns `rows` and `max_rowid` (NULL for an empty
/// table). Both are cheap: `MAX(rowid)` reads one b-tree edge.
pub const TOOL_CALLS_SQL: &str = "SELECT COUNT(*) AS rows, MAX(rowid) AS max_rowid FROM tool_logs";

/// The SQL counting tool calls by name after a rowid (the one parameter): columns `name` (the
/// stored `tool_name`) and `n`.
pub const NEW_TOOL_CALLS_SQL: &str =
    "SELECT tool_name AS name, COUNT(*) AS n FROM tool_logs WHERE rowid > ? GROUP BY tool_name";

/// [`NEW_TOOL_CALLS_SQL`] for a `tool_logs` table without a `tool_name` column.
const NEW_TOOL_CALLS_NAMELESS_SQL: &str = "SELECT NULL AS name, COUNT(*) AS n FROM tool_logs WHERE rowid > ?";

/// What a tool call without a name is listed as.
pub const NO_TOOL_NAME: &str = "(none)";

/// One flag as follow mode compares it. 40 bytes (see [`Snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagMark {
    /// `flags.id`.
    pub id: i64,
    /// `status` as text ([`Value::display`], cut to [`listing::NAME_CHARS`] characters with `…`),
    /// `None` for NULL. The statuses the tools write are shared static strings, not allocations.
    pub status: Option<Cow<'static, str>>,
    /// `locked` as the flag list reads it ([`NamedRow::flag`]: an integer but 0; NULL, text and
    /// a missing column are not locked).
    pub locked: bool,
}

/// One quest as follow mode compares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestMark {
    /// `acolyte_quests.quest_id`.
    pub id: i64,
    /// `status` as text, cut like [`FlagMark::status`]; `None` for NULL or a missing column.
    pub status: Option<Cow<'static, str>>,
    /// `current_agent`, whose turn it is, cut like the status; `None` for NULL.
    pub holder: Option<String>,
    /// `quest_name`, cut to [`listing::NAME_CHARS`] characters; only for the sentences. `None`
    /// for NULL or empty text.
    pub name: Option<String>,
}

/// The size of `tool_logs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ToolCalls {
    /// `COUNT(*)`.
    pub rows: i64,
    /// `MAX(rowid)`, 0 for an empty table. New calls are appended with a larger rowid.
    pub max_rowid: i64,
}

/// What follow mode keeps of one read of the file.
///
/// Size: a [`FlagMark`] is 40 bytes and the statuses agent_db.py writes (`pending`,
/// `completed`) and the quest statuses are not allocated, so 100,000 flags take about 4 MB
/// (plus the length of any other status text). The result set it is built from (about 100
/// bytes a row on the native adapter) is dropped when [`read`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Every flag with an integer id, by id (each id once); empty without a `flags` table.
    pub flags: Vec<FlagMark>,
    /// Every quest with an integer id, by id (each id once); empty without `acolyte_quests`.
    pub quests: Vec<QuestMark>,
    /// `None` without a `tool_logs` table.
    pub tool_calls: Option<ToolCalls>,
}

/// The statuses the tools write, handed out without allocating.
const KNOWN_STATUSES: [&str; 7] =
    ["pending", "completed", "working", "waiting", "reviewing", "failed", "timeout"];

/// A text cell as follow mode keeps it: `None` for NULL, otherwise [`Value::display`] of the
/// value (a cut text BLOB mended first), [`clip`]ped.
fn cell_text(row: &NamedRow<'_>, name: &str) -> Result<Option<String>, DbError> {
    let value = row.get(name)?;
    Ok(match value {
        Value::Null => None,
        Value::Blob(_) => Some(clip(&whole_chars(value.clone()).display())),
        other => Some(clip(&other.display())),
    })
}

/// [`cell_text`] with the known statuses shared.
fn cell_status(row: &NamedRow<'_>, name: &str) -> Result<Option<Cow<'static, str>>, DbError> {
    Ok(cell_text(row, name)?.map(|text| match KNOWN_STATUSES.iter().find(|k| **k == text) {
        Some(known) => Cow::Borrowed(*known),
        None => Cow::Owned(text),
    }))
}

/// Sorts by id and keeps the first row of each id (an `INTEGER PRIMARY KEY` is unique already;
/// a hand-made table may not be), without spare capacity.
fn by_unique_id<T>(mut items: Vec<T>, id: impl Fn(&T) -> i64) -> Vec<T> {
    items.sort_by_key(|item| id(item));
    items.dedup_by_key(|item| id(item));
    items.shrink_to_fit();
    items
}

/// Reads a [`Snapshot`]: one SELECT per table present ([`flags_sql`], [`quests_sql`],
/// [`TOOL_CALLS_SQL`]); an absent table (or one without its id column) leaves its part empty.
/// Rows whose id is not an integer are skipped; odd values (NULL, BLOB text, numbers as status,
/// text in `locked`) are read as described on [`FlagMark`] and [`QuestMark`], never refused.
/// Errors: the database's (a damaged page, a `WITHOUT ROWID` `tool_logs`).
pub async fn read(db: &impl Database, facts: &SchemaFacts) -> Result<Snapshot, DbError> {
    let mut snapshot = Snapshot::default();
    if let Some(sql) = flags_sql(facts) {
        let rs = db.query(&sql, &[]).await?;
        let flags = rs.map_rows(|r| {
            let Some(id) = r.opt_i64("id")? else { return Ok(None) };
            Ok(Some(FlagMark { id, status: cell_status(r, "status")?, locked: r.flag("locked")? }))
        })?;
        snapshot.flags = by_unique_id(flags.into_iter().flatten().collect(), |f| f.id);
    }
    if let Some(sql) = quests_sql(facts) {
        let rs = db.query(&sql, &[]).await?;
        let quests = rs.map_rows(|r| {
            let Some(id) = r.opt_i64("id")? else { return Ok(None) };
            Ok(Some(QuestMark {
                id,
                status: cell_status(r, "status")?,
                holder: cell_text(r, "holder")?,
                name: cell_text(r, "name")?.filter(|n| !n.is_empty()),
            }))
        })?;
        snapshot.quests = by_unique_id(quests.into_iter().flatten().collect(), |q| q.id);
    }
    if facts.has_table(TOOL_TABLE) {
        let rs = db.query(TOOL_CALLS_SQL, &[]).await?;
        snapshot.tool_calls =
            rs.map_first(|r| Ok(ToolCalls { rows: r.i64("rows")?, max_rowid: r.i64("max_rowid")? }))?;
    }
    Ok(snapshot)
}

/// The tool calls with a rowid above `since_rowid` (a previous [`ToolCalls::max_rowid`]), as
/// (tool name, count): most calls first, then by name. A NULL name is [`NO_TOOL_NAME`]; names
/// are [`Value::display`]ed and [`clip`]ped, and names that read the same (a BLOB and a TEXT
/// `Read`) are counted together. Empty without a `tool_logs` table. One statement
/// ([`NEW_TOOL_CALLS_SQL`]). Errors: the database's.
pub async fn new_tool_calls(
    db: &impl Database,
    facts: &SchemaFacts,
    since_rowid: i64,
) -> Result<Vec<(String, i64)>, DbError> {
    if !facts.has_table(TOOL_TABLE) {
        return Ok(Vec::new());
    }
    let sql = if facts.has_column(TOOL_TABLE, "tool_name") {
        NEW_TOOL_CALLS_SQL
    } else {
        NEW_TOOL_CALLS_NAMELESS_SQL
    };
    let rs = db.query(sql, &[Value::Integer(since_rowid)]).await?;
    let rows = rs.map_rows(|r| {
        let name = match r.get("name")? {
            Value::Null => NO_TOOL_NAME.to_owned(),
            v @ Value::Blob(_) => clip(&whole_chars(v.clone()).display()),
            v => clip(&v.display()),
        };
        Ok((name, r.i64("n")?))
    })?;
    let mut merged: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (name, n) in rows.into_iter().filter(|(_, n)| *n > 0) {
        *merged.entry(name).or_default() += n;
    }
    let mut out: Vec<(String, i64)> = merged.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// What a highlighted row, or a sentence of [`Changes::lines`], is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ChangeKind {
    /// The row was not there before.
    New,
    /// Its status became `completed`.
    Completed,
    /// Its status changed otherwise (reopened, or any other text).
    StatusChanged,
    /// A flag became locked.
    Locked,
    /// A flag became unlocked.
    Unlocked,
    /// A quest's turn (`current_agent`) passed to someone else.
    TurnPassed,
    /// The row is gone (sentences only: no row is left to mark).
    Removed,
    /// Tool calls were logged, or the tool log was rewritten (sentences only).
    ToolCalls,
}

impl ChangeKind {
    /// The short key the page uses as a class or data attribute: `new`, `completed`, `status`,
    /// `locked`, `unlocked`, `turn`, `removed`, `tools`.
    pub fn key(&self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Completed => "completed",
            ChangeKind::StatusChanged => "status",
            ChangeKind::Locked => "locked",
            ChangeKind::Unlocked => "unlocked",
            ChangeKind::TurnPassed => "turn",
            ChangeKind::Removed => "removed",
            ChangeKind::ToolCalls => "tools",
        }
    }
}

/// A value of one row that changed: a flag's or quest's status, or a quest's holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The flag's or quest's id.
    pub id: i64,
    /// The quest's name ([`QuestMark::name`] after the change); `None` for flags.
    pub name: Option<String>,
    /// Before; `None` for NULL.
    pub from: Option<String>,
    /// After; `None` for NULL.
    pub to: Option<String>,
}

/// How `tool_logs` changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ToolCallChange {
    /// Same rows and same largest rowid (or no table either time).
    #[default]
    Unchanged,
    /// The largest rowid grew and there are this many more rows (always > 0). A table that
    /// appeared counts all its rows as new.
    New(i64),
    /// Anything else: rows deleted, the largest rowid went down, or the table was replaced or
    /// dropped (a missing table counts as 0 rows). Both counts are ≥ 0.
    Rewritten { before: i64, after: i64 },
}

/// What changed between two snapshots ([`diff`]). Every list is sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Flags that were not there before.
    pub new_flags: Vec<i64>,
    /// Flags that are gone.
    pub removed_flags: Vec<i64>,
    /// Flags whose status became `completed` (from anything else, NULL included).
    pub completed_flags: Vec<Transition>,
    /// Flags whose status changed to anything but `completed` (reopened flags among them).
    pub flag_status_changes: Vec<Transition>,
    /// Flags that became locked.
    pub locked: Vec<i64>,
    /// Flags that became unlocked.
    pub unlocked: Vec<i64>,
    /// Quests that were not there before.
    pub new_quests: Vec<QuestMark>,
    /// Quests that are gone.
    pub removed_quests: Vec<i64>,
    /// Quests whose status became `completed`.
    pub completed_quests: Vec<Transition>,
    /// Quests whose status changed to anything but `completed`.
    pub quest_status_changes: Vec<Transition>,
    /// Quests whose `current_agent` changed: the turn passed from `from` to `to`.
    pub turns_passed: Vec<Transition>,
    /// How `tool_logs` changed.
    pub tool_calls: ToolCallChange,
}

/// One sentence of [`Changes::lines`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeLine {
    /// [`ChangeKind::key`] of what the sentence is about.
    pub kind: &'static str,
    /// One English sentence; lists of ids are cut after [`listing::SHOWN`] (`… and 95 more`).
    pub text: String,
    /// Every flag the sentence is about (not cut), by id.
    pub flags: Vec<i64>,
    /// Every quest the sentence is about (not cut), by id.
    pub quests: Vec<i64>,
}

/// Whether a stored flag status is `completed`, as the app's vocabulary reads it.
fn flag_completed(status: Option<&str>) -> bool {
    status.is_some_and(|s| Status::parse(s) == Status::Completed)
}

/// Whether a stored quest status is `completed`, as the quest board reads it.
fn quest_completed(status: Option<&str>) -> bool {
    status.and_then(QuestStatus::parse) == Some(QuestStatus::Completed)
}

/// Walks two id-sorted lists together: `only_before`, `only_after` and `both` are called in id
/// order.
fn merge<T>(
    before: &[T],
    after: &[T],
    id: impl Fn(&T) -> i64,
    mut only_before: impl FnMut(&T),
    mut only_after: impl FnMut(&T),
    mut both: impl FnMut(&T, &T),
) {
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < after.len() {
        match (before.get(i), after.get(j)) {
            (Some(b), Some(a)) if id(b) == id(a) => {
                both(b, a);
                i += 1;
                j += 1;
            }
            (Some(b), Some(a)) if id(b) < id(a) => {
                only_before(b);
                i += 1;
            }
            (Some(b), None) => {
                only_before(b);
                i += 1;
            }
            (_, Some(a)) => {
                only_after(a);
                j += 1;
            }
            (None, None) => break,
        }
    }
}

fn owned(s: &Option<Cow<'static, str>>) -> Option<String> {
    s.as_deref().map(str::to_owned)
}

/// What changed from `before` to `after` (pure, linear in the number of rows; both snapshots'
/// lists are sorted by id, as [`read`] makes them). A row present both times is compared on
/// its status (exact text, see the module), its lock (flags) and its holder (quests); a status
/// that became `completed` is listed as completed, any other status change as a status change.
pub fn diff(before: &Snapshot, after: &Snapshot) -> Changes {
    let mut c = Changes::default();
    merge(
        &before.flags,
        &after.flags,
        |f| f.id,
        |b| c.removed_flags.push(b.id),
        |a| c.new_flags.push(a.id),
        |b, a| {
            if b.status != a.status {
                let t = Transition { id: a.id, name: None, from: owned(&b.status), to: owned(&a.status) };
                if flag_completed(a.status.as_deref()) {
                    c.completed_flags.push(t);
                } else {
                    c.flag_status_changes.push(t);
                }
            }
            match (b.locked, a.locked) {
                (false, true) => c.locked.push(a.id),
                (true, false) => c.unlocked.push(a.id),
                _ => {}
            }
        },
    );
    merge(
        &before.quests,
        &after.quests,
        |q| q.id,
        |b| c.removed_quests.push(b.id),
        |a| c.new_quests.push(a.clone()),
        |b, a| {
            if b.status != a.status {
                let t = Transition {
                    id: a.id,
                    name: a.name.clone(),
                    from: owned(&b.status),
                    to: owned(&a.status),
                };
                if quest_completed(a.status.as_deref()) {
                    c.completed_quests.push(t);
                } else {
                    c.quest_status_changes.push(t);
                }
            }
            // A quest that ends hands the turn to nobody: its completion says it all.
            let ended = a.holder.is_none() && b.status != a.status && quest_completed(a.status.as_deref());
            if b.holder != a.holder && !ended {
                c.turns_passed.push(Transition {
                    id: a.id,
                    name: a.name.clone(),
                    from: b.holder.clone(),
                    to: a.holder.clone(),
                });
            }
        },
    );
    c.tool_calls = tool_call_change(before.tool_calls, after.tool_calls);
    c
}

/// See [`ToolCallChange`].
fn tool_call_change(before: Option<ToolCalls>, after: Option<ToolCalls>) -> ToolCallChange {
    let rows = |t: Option<ToolCalls>| t.map_or(0, |t| t.rows.max(0));
    match (before, after) {
        (None, None) => ToolCallChange::Unchanged,
        (None, Some(a)) if a.rows <= 0 => ToolCallChange::Unchanged,
        (None, Some(a)) => ToolCallChange::New(a.rows),
        (Some(b), Some(a)) if a == b => ToolCallChange::Unchanged,
        (Some(b), Some(a)) if a.max_rowid > b.max_rowid && a.rows > b.rows => {
            ToolCallChange::New(a.rows - b.rows)
        }
        _ => ToolCallChange::Rewritten { before: rows(before), after: rows(after) },
    }
}

/// `#3` for each id.
fn hash_ids(ids: &[i64]) -> Vec<String> {
    ids.iter().map(|id| format!("#{id}")).collect()
}

/// `1 flag` / `3 flags` (with thousands separators).
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// A value in a sentence: NULL reads as `no value` (`nobody` for a holder).
fn said(value: &Option<String>, none: &str) -> String {
    value.clone().unwrap_or_else(|| none.to_owned())
}

/// `Quest #12 “name”` (`Quest #12` without a name).
fn quest_title(id: i64, name: &Option<String>) -> String {
    match name {
        Some(name) => format!("Quest #{id} “{name}”"),
        None => format!("Quest #{id}"),
    }
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self == &Changes::default()
    }

    /// How to highlight flag `id` in the flag list, `None` when it did not change. A flag that
    /// changed in several ways gets the first of New, Completed, StatusChanged, Locked, Unlocked.
    pub fn flag_mark(&self, id: i64) -> Option<ChangeKind> {
        let has = |ids: &[i64]| ids.binary_search(&id).is_ok();
        let moved = |ts: &[Transition]| ts.binary_search_by_key(&id, |t| t.id).is_ok();
        if has(&self.new_flags) {
            Some(ChangeKind::New)
        } else if moved(&self.completed_flags) {
            Some(ChangeKind::Completed)
        } else if moved(&self.flag_status_changes) {
            Some(ChangeKind::StatusChanged)
        } else if has(&self.locked) {
            Some(ChangeKind::Locked)
        } else if has(&self.unlocked) {
            Some(ChangeKind::Unlocked)
        } else {
            None
        }
    }

    /// Every marked row by kind: `(kind key, flag ids, quest ids)` for each kind that marks
    /// something, each id under the kind [`flag_mark`](Self::flag_mark) /
    /// [`quest_mark`](Self::quest_mark) give it (ascending ids).
    pub fn marked(&self) -> Vec<(&'static str, Vec<i64>, Vec<i64>)> {
        let kinds = [
            ChangeKind::New,
            ChangeKind::Completed,
            ChangeKind::StatusChanged,
            ChangeKind::Locked,
            ChangeKind::Unlocked,
            ChangeKind::TurnPassed,
        ];
        let ids_of = |ts: &[Transition]| ts.iter().map(|t| t.id).collect::<Vec<_>>();
        let mut flags: Vec<i64> = self.new_flags.clone();
        flags.extend(ids_of(&self.completed_flags));
        flags.extend(ids_of(&self.flag_status_changes));
        flags.extend(&self.locked);
        flags.extend(&self.unlocked);
        flags.sort_unstable();
        flags.dedup();
        let mut quests: Vec<i64> = self.new_quests.iter().map(|q| q.id).collect();
        quests.extend(ids_of(&self.completed_quests));
        quests.extend(ids_of(&self.quest_status_changes));
        quests.extend(ids_of(&self.turns_passed));
        quests.sort_unstable();
        quests.dedup();
        kinds
            .iter()
            .map(|kind| {
                let f = flags.iter().copied().filter(|&id| self.flag_mark(id) == Some(*kind)).collect();
                let q = quests.iter().copied().filter(|&id| self.quest_mark(id) == Some(*kind)).collect();
                (kind.key(), f, q)
            })
            .filter(|(_, f, q): &(_, Vec<i64>, Vec<i64>)| !f.is_empty() || !q.is_empty())
            .collect()
    }

    /// How to highlight quest `id` on the quest board, `None` when it did not change. A quest
    /// that changed in several ways gets the first of New, Completed, StatusChanged, TurnPassed.
    pub fn quest_mark(&self, id: i64) -> Option<ChangeKind> {
        let moved = |ts: &[Transition]| ts.binary_search_by_key(&id, |t| t.id).is_ok();
        if self.new_quests.binary_search_by_key(&id, |q| q.id).is_ok() {
            Some(ChangeKind::New)
        } else if moved(&self.completed_quests) {
            Some(ChangeKind::Completed)
        } else if moved(&self.quest_status_changes) {
            Some(ChangeKind::StatusChanged)
        } else if moved(&self.turns_passed) {
            Some(ChangeKind::TurnPassed)
        } else {
            None
        }
    }

    /// One English sentence per kind of change, flags first, then quests, then tool calls;
    /// nothing for an empty diff. For example `3 new flags: #301, #302, #303.`, `Flag #203
    /// completed.`, `2 flags locked: #8, #38.`, `Quest #12 “name”: turn passed from
    /// backend-dev to frontend-dev.`, `14 new tool calls.`. Lists show [`listing::SHOWN`] items
    /// and say how many more ([`listing::names`]); each sentence stays a few hundred characters
    /// whatever the number of changes.
    ///
    /// `by_tool` is what [`new_tool_calls`] read on the newer database (empty when not read): the
    /// new-tool-calls sentence then names the tools, most used first.
    pub fn lines(&self, by_tool: &[(String, i64)]) -> Vec<ChangeLine> {
        let mut out = Vec::new();
        let mut flag_line = |kind: ChangeKind, text: String, ids: Vec<i64>| {
            out.push(ChangeLine { kind: kind.key(), text, flags: ids, quests: Vec::new() });
        };
        let ids_of = |ts: &[Transition]| ts.iter().map(|t| t.id).collect::<Vec<_>>();
        let simple = |ids: &[i64], single: &str, many: &str| match ids {
            [id] => format!("Flag #{id} {single}."),
            _ => format!("{} {many}: {}.", count(ids.len(), "flag", "flags"), listing::names(&hash_ids(ids))),
        };

        if !self.new_flags.is_empty() {
            let text = match self.new_flags.as_slice() {
                [id] => format!("New flag #{id}."),
                ids => format!(
                    "{}: {}.",
                    count(ids.len(), "new flag", "new flags"),
                    listing::names(&hash_ids(ids))
                ),
            };
            flag_line(ChangeKind::New, text, self.new_flags.clone());
        }
        if !self.completed_flags.is_empty() {
            let ids = ids_of(&self.completed_flags);
            flag_line(ChangeKind::Completed, simple(&ids, "completed", "completed"), ids);
        }
        if !self.flag_status_changes.is_empty() {
            let text = match self.flag_status_changes.as_slice() {
                [t] => format!(
                    "Flag #{} changed status from {} to {}.",
                    t.id,
                    said(&t.from, "no status"),
                    said(&t.to, "no status")
                ),
                ts => {
                    let items: Vec<String> = ts
                        .iter()
                        .map(|t| format!("#{} ({} → {})", t.id, said(&t.from, "none"), said(&t.to, "none")))
                        .collect();
                    format!(
                        "{} changed status: {}.",
                        count(ts.len(), "flag", "flags"),
                        listing::names(&items)
                    )
                }
            };
            flag_line(ChangeKind::StatusChanged, text, ids_of(&self.flag_status_changes));
        }
        if !self.locked.is_empty() {
            flag_line(ChangeKind::Locked, simple(&self.locked, "locked", "locked"), self.locked.clone());
        }
        if !self.unlocked.is_empty() {
            flag_line(
                ChangeKind::Unlocked,
                simple(&self.unlocked, "unlocked", "unlocked"),
                self.unlocked.clone(),
            );
        }
        if !self.removed_flags.is_empty() {
            let text = simple(&self.removed_flags, "removed", "removed");
            flag_line(ChangeKind::Removed, text, self.removed_flags.clone());
        }

        let mut quest_line = |kind: ChangeKind, text: String, ids: Vec<i64>| {
            out.push(ChangeLine { kind: kind.key(), text, flags: Vec::new(), quests: ids });
        };
        let named = |id: i64, name: &Option<String>| match name {
            Some(name) => format!("#{id} “{name}”"),
            None => format!("#{id}"),
        };
        let quests = |n: usize| count(n, "quest", "quests");
        if !self.new_quests.is_empty() {
            let text = match self.new_quests.as_slice() {
                [q] => format!(
                    "New quest #{}{}.",
                    q.id,
                    q.name.as_ref().map_or(String::new(), |n| format!(" “{n}”"))
                ),
                qs => {
                    let items: Vec<String> = qs.iter().map(|q| named(q.id, &q.name)).collect();
                    format!("{}: {}.", count(qs.len(), "new quest", "new quests"), listing::names(&items))
                }
            };
            quest_line(ChangeKind::New, text, self.new_quests.iter().map(|q| q.id).collect());
        }
        if !self.completed_quests.is_empty() {
            let text = match self.completed_quests.as_slice() {
                [t] => format!("{} completed.", quest_title(t.id, &t.name)),
                ts => {
                    let items: Vec<String> = ts.iter().map(|t| named(t.id, &t.name)).collect();
                    format!("{} completed: {}.", quests(ts.len()), listing::names(&items))
                }
            };
            quest_line(ChangeKind::Completed, text, ids_of(&self.completed_quests));
        }
        if !self.quest_status_changes.is_empty() {
            let text = match self.quest_status_changes.as_slice() {
                [t] => format!(
                    "{}: status changed from {} to {}.",
                    quest_title(t.id, &t.name),
                    said(&t.from, "no status"),
                    said(&t.to, "no status")
                ),
                ts => {
                    let items: Vec<String> = ts
                        .iter()
                        .map(|t| format!("#{} ({} → {})", t.id, said(&t.from, "none"), said(&t.to, "none")))
                        .collect();
                    format!("{} changed status: {}.", quests(ts.len()), listing::names(&items))
                }
            };
            quest_line(ChangeKind::StatusChanged, text, ids_of(&self.quest_status_changes));
        }
        if !self.turns_passed.is_empty() {
            let text = match self.turns_passed.as_slice() {
                [t] => format!(
                    "{}: turn passed from {} to {}.",
                    quest_title(t.id, &t.name),
                    said(&t.from, "nobody"),
                    said(&t.to, "nobody")
                ),
                ts => {
                    let items: Vec<String> = ts
                        .iter()
                        .map(|t| {
                            format!("#{} ({} → {})", t.id, said(&t.from, "nobody"), said(&t.to, "nobody"))
                        })
                        .collect();
                    format!("The turn passed in {}: {}.", quests(ts.len()), listing::names(&items))
                }
            };
            quest_line(ChangeKind::TurnPassed, text, ids_of(&self.turns_passed));
        }
        if !self.removed_quests.is_empty() {
            let text = match self.removed_quests.as_slice() {
                [id] => format!("Quest #{id} removed."),
                ids => format!("{} removed: {}.", quests(ids.len()), listing::names(&hash_ids(ids))),
            };
            quest_line(ChangeKind::Removed, text, self.removed_quests.clone());
        }

        let tools = match self.tool_calls {
            ToolCallChange::Unchanged => None,
            ToolCallChange::New(n) => {
                let calls = count(n.max(0) as usize, "new tool call", "new tool calls");
                let named: Vec<String> =
                    by_tool.iter().map(|(tool, n)| format!("{tool} {}", thousands(*n as usize))).collect();
                Some(if named.is_empty() {
                    format!("{calls}.")
                } else {
                    format!("{calls}: {}.", listing::names(&named))
                })
            }
            ToolCallChange::Rewritten { before, after } => Some(format!(
                "The tool log was rewritten: {} before, {} now.",
                count(before.max(0) as usize, "row", "rows"),
                thousands(after.max(0) as usize)
            )),
        };
        if let Some(text) = tools {
            out.push(ChangeLine {
                kind: ChangeKind::ToolCalls.key(),
                text,
                flags: Vec::new(),
                quests: Vec::new(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(id: i64, status: &str, locked: bool) -> FlagMark {
        FlagMark { id, status: Some(Cow::Owned(status.to_owned())), locked }
    }

    fn quest(id: i64, status: &str, holder: Option<&str>, name: &str) -> QuestMark {
        QuestMark {
            id,
            status: Some(Cow::Owned(status.to_owned())),
            holder: holder.map(str::to_owned),
            name: Some(name.to_owned()),
        }
    }

    #[test]
    fn follow_marks_are_small() {
        assert!(std::mem::size_of::<FlagMark>() <= 40, "{}", std::mem::size_of::<FlagMark>());
    }

    #[test]
    fn follow_diff_of_equal_snapshots_is_empty() {
        let s = Snapshot {
            flags: vec![flag(1, "pending", false), flag(2, "completed", true)],
            quests: vec![quest(1, "working", Some("@a"), "q")],
            tool_calls: Some(ToolCalls { rows: 3, max_rowid: 3 }),
        };
        let c = diff(&s, &s.clone());
        assert!(c.is_empty());
        assert!(c.lines(&[]).is_empty());
        assert!(diff(&Snapshot::default(), &Snapshot::default()).is_empty());
    }

    #[test]
    fn follow_diff_names_each_kind_of_flag_change() {
        let before = Snapshot {
            flags: vec![
                flag(1, "pending", false),
                flag(2, "pending", false),
                flag(3, "completed", false),
                flag(4, "pending", false),
                flag(5, "pending", true),
                flag(6, "pending", false),
            ],
            ..Default::default()
        };
        let mut after = before.clone();
        after.flags.retain(|f| f.id != 6);
        after.flags[1] = flag(2, "completed", false);
        after.flags[2] = flag(3, "pending", false);
        after.flags[3] = flag(4, "pending", true);
        after.flags[4] = flag(5, "pending", false);
        after.flags.extend([flag(7, "pending", false), flag(8, "pending", true)]);
        let c = diff(&before, &after);
        assert_eq!(c.new_flags, [7, 8]);
        assert_eq!(c.removed_flags, [6]);
        assert_eq!(c.completed_flags.iter().map(|t| t.id).collect::<Vec<_>>(), [2]);
        assert_eq!(
            c.flag_status_changes,
            [Transition { id: 3, name: None, from: Some("completed".into()), to: Some("pending".into()) }]
        );
        assert_eq!((c.locked.as_slice(), c.unlocked.as_slice()), (&[4][..], &[5][..]));
        assert_eq!(c.flag_mark(7), Some(ChangeKind::New));
        assert_eq!(c.flag_mark(2), Some(ChangeKind::Completed));
        assert_eq!(c.flag_mark(3).map(|k| k.key()), Some("status"));
        assert_eq!(c.flag_mark(4).map(|k| k.key()), Some("locked"));
        assert_eq!(c.flag_mark(5).map(|k| k.key()), Some("unlocked"));
        assert_eq!(c.flag_mark(1), None);
        let texts: Vec<String> = c.lines(&[]).into_iter().map(|l| format!("{}|{}", l.kind, l.text)).collect();
        assert_eq!(
            texts,
            [
                "new|2 new flags: #7, #8.",
                "completed|Flag #2 completed.",
                "status|Flag #3 changed status from completed to pending.",
                "locked|Flag #4 locked.",
                "unlocked|Flag #5 unlocked.",
                "removed|Flag #6 removed.",
            ]
        );
    }

    #[test]
    fn follow_statuses_compare_as_stored() {
        let before = Snapshot { flags: vec![flag(1, "pending", false)], ..Default::default() };
        let after = Snapshot { flags: vec![flag(1, " Completed ", false)], ..Default::default() };
        let c = diff(&before, &after);
        // The flag list and the summary do not count " Completed " as completed either.
        assert!(c.completed_flags.is_empty());
        assert_eq!(c.flag_status_changes[0].to.as_deref(), Some(" Completed "));
        let nulled =
            Snapshot { flags: vec![FlagMark { id: 1, status: None, locked: false }], ..Default::default() };
        assert_eq!(
            diff(&before, &nulled).lines(&[])[0].text,
            "Flag #1 changed status from pending to no status."
        );
    }

    #[test]
    fn follow_long_lists_are_cut() {
        let after = Snapshot {
            flags: (1..=100).map(|id| flag(id, "pending", false)).collect(),
            ..Default::default()
        };
        let lines = diff(&Snapshot::default(), &after).lines(&[]);
        assert_eq!(lines[0].text, "100 new flags: #1, #2, #3, #4, #5 … and 95 more.");
        assert_eq!(lines[0].flags.len(), 100);
    }

    #[test]
    fn follow_quest_sentences() {
        let before = Snapshot {
            quests: vec![
                quest(12, "working", Some("backend-dev"), "name"),
                quest(13, "working", Some("x"), "other"),
                quest(14, "waiting", None, "third"),
            ],
            ..Default::default()
        };
        let mut after = before.clone();
        after.quests[0].holder = Some("frontend-dev".into());
        after.quests[1].status = Some(Cow::Borrowed("completed"));
        // The completion hands the turn to nobody: not a turn passed.
        after.quests[1].holder = None;
        after.quests[2].status = Some(Cow::Borrowed("reviewing"));
        after.quests.push(quest(15, "working", Some("y"), "fresh"));
        let c = diff(&before, &after);
        let texts: Vec<String> = c.lines(&[]).into_iter().map(|l| l.text).collect();
        assert_eq!(
            texts,
            [
                "New quest #15 “fresh”.",
                "Quest #13 “other” completed.",
                "Quest #14 “third”: status changed from waiting to reviewing.",
                "Quest #12 “name”: turn passed from backend-dev to frontend-dev.",
            ]
        );
        assert_eq!(c.quest_mark(12), Some(ChangeKind::TurnPassed));
        assert_eq!(c.quest_mark(13), Some(ChangeKind::Completed));
        assert_eq!(c.quest_mark(15), Some(ChangeKind::New));
        assert_eq!(c.quest_mark(99), None);
    }

    #[test]
    fn follow_tool_calls_grow_or_are_rewritten_never_negative() {
        let t = |rows, max_rowid| Some(ToolCalls { rows, max_rowid });
        assert_eq!(tool_call_change(t(10, 10), t(24, 24)), ToolCallChange::New(14));
        assert_eq!(tool_call_change(t(10, 10), t(10, 10)), ToolCallChange::Unchanged);
        assert_eq!(tool_call_change(None, None), ToolCallChange::Unchanged);
        assert_eq!(tool_call_change(None, t(5, 5)), ToolCallChange::New(5));
        assert_eq!(tool_call_change(t(10, 10), t(3, 3)), ToolCallChange::Rewritten { before: 10, after: 3 });
        assert_eq!(
            tool_call_change(t(10, 10), t(10, 12)),
            ToolCallChange::Rewritten { before: 10, after: 10 }
        );
        assert_eq!(tool_call_change(t(10, 10), None), ToolCallChange::Rewritten { before: 10, after: 0 });
        let line = |before, after| {
            diff(
                &Snapshot { tool_calls: before, ..Default::default() },
                &Snapshot { tool_calls: after, ..Default::default() },
            )
            .lines(&[])
            .remove(0)
            .text
        };
        assert_eq!(line(t(10, 10), t(24, 24)), "14 new tool calls.");
        assert_eq!(line(t(10, 10), t(11, 11)), "1 new tool call.");
        assert_eq!(
            line(t(4931, 4931), t(120, 120)),
            "The tool log was rewritten: 4,931 rows before, 120 now."
        );
    }
}
