//! The agent page's derived layer for quests: a TEMP table naming, for every quest, the agents
//! it lists (its turn's `current_agent` and the text entries of a JSON-array `recruited`),
//! built in the background ([`ensure`]) in steps of [`BUILD_STEP`] quests, with other reads
//! answered between them, and kept exact by TEMP triggers from the build's first statement on.
//!
//! Without it the agent page's quests ([`agent_quests_sql`](crate::agents::agent_quests_sql))
//! parse every quest's `recruited` JSON, sort every match and count them: one pass over the
//! table for every page (~0.5 s in sql.js at 100k quests, and as much again for *Show more*).
//! With it a page walks the table's key `(agent, turn, quest_id)` backwards from its offset and
//! reads only its own quests; the total, the open turns and the quests whose `recruited` is
//! not a JSON list are counts over one range of that key.
//!
//! A row per quest and agent: `(agent, turn, quest_id, open)`. `agent` as stored (text only:
//! the page binds the name as text, which never equals a number or a blob); `turn` is 1 when
//! the agent holds the quest's turn; `open` when its status is not `completed`, `failed` or
//! `timeout` (the page's own expressions, on the same values). A quest whose `recruited` is
//! not a JSON list gets one more row with `agent` the integer 0 (no name is an integer), which
//! [`page_sql`] counts as `unreadable`.
//!
//! Exactly the page's SQL only where its comparisons are what the table's comparisons are: the
//! quest id is the rowid with nothing that deletes rows unseen and the table declares no
//! collation ([`keyed_by_rowid`]), and `current_agent` compares as stored, text or none
//! affinity (a numeric one would make `'5'` find the number 5) ([`applies`]). Elsewhere the
//! page runs its SQL.
//!
//! Never in the file: the table, its index and triggers live in the connection's TEMP schema,
//! which no export, `integrity_check` or digest of `main` sees; the triggers run inside the
//! writing statement, so a rollback takes the layer back with the rows. A lost TEMP schema (an
//! export reopens the engine) or a quest table made again (its triggers go with it) leaves
//! [`BUILT_SQL`] false, and the next page builds it again from the table.
//!
//! In steps ([`Build`]): the first statement drops any earlier layer and makes the empty table
//! and its triggers, so every write from then on is in it, whether its quest was filled
//! already or not; each step fills the quests of the next id range from the table as it is
//! then (`OR IGNORE`: a quest a trigger wrote meanwhile has the same rows); the last writes the
//! [`COMPLETE`] mark, without which [`BUILT_SQL`] does not count the layer as kept and the page
//! reads by its SQL. A build stopped half way begins again from its first statement.
//!
//! Memory (`dbstat` on the 100k-quest bench file: 267k rows, ~2.7 a quest, names of 16
//! characters): 7.9 MB for the table and 7.0 MB for its index by quest (which the triggers'
//! deletes walk), ~56 bytes a row. Build: one pass over the table parsing `recruited` and an
//! index build, 0.75 s natively and ~1.1 s in the app at 100k quests (twice one page's cost
//! without the layer).

use crate::agents::{quest_open_sql, recruited_is_list_sql};
use crate::port::{Database, DbError};
use crate::table_info::{self, keyed_by_rowid, table_info, Affinity};
use crate::value::Value;

use super::keys::Ensured;
use super::TABLE;

/// The layer's table (TEMP).
pub const MEMBERS: &str = "flagdeck_quest_members";

/// The rows of quest row `r`, as three SELECTs of `(agent, turn, quest_id, open)`: its turn's
/// holder, its team's entries, its warning row. An entry of `recruited` that is an array or an
/// object is its JSON text to `json_each`, which the page's `value = ?1` compares as text: kept
/// (`typeof(value)`, not the entry's JSON type). `join` is what `r` is read from, `, `-ended
/// (empty inside a trigger, where `r` is `NEW`).
fn rows_of(r: &str, join: &str) -> [String; 3] {
    let (open, list) = (quest_open_sql(r), recruited_is_list_sql(r));
    let only = join.trim_end_matches(", ");
    let only = if only.is_empty() { String::new() } else { format!(" FROM {only}") };
    [
        format!("SELECT {r}.current_agent, 1, {r}.quest_id, {open}{only} WHERE typeof({r}.current_agent) = 'text'"),
        format!(
            "SELECT j.value, j.value IS {r}.current_agent, {r}.quest_id, {open} \
             FROM {join}json_each(CASE WHEN {list} THEN {r}.recruited ELSE '[]' END) AS j WHERE typeof(j.value) = 'text'"
        ),
        format!("SELECT 0, 0, {r}.quest_id, 0{only} WHERE NOT ({list})"),
    ]
}

/// One step of the build: the rows of the quests whose id is after `after` and at most `upto`
/// (`None`: no bound), read from the table as it is now. A name twice in `recruited`, both
/// recruited and holding the turn, or a quest whose rows its trigger wrote already (a write
/// since the build began) is one row by the key (`OR IGNORE`: the build's own statements).
/// The bounds are integers written into the SQL (a batch has no parameters).
pub fn fill_sql(after: Option<i64>, upto: Option<i64>) -> String {
    let range = table_info::step_range("q.quest_id", after, upto);
    // Each of the three SELECTs ends in its WHERE clause.
    rows_of("q", &format!("main.{TABLE} AS q, "))
        .map(|rows| format!("INSERT OR IGNORE INTO {MEMBERS} (agent, turn, quest_id, open) {rows}{range};"))
        .join("\n")
}

/// Quests filled by one statement of a build ([`Build::fill`]): ~25 ms of the engine at a
/// time (10,000 took 90–120 ms), so that a read asked while a step runs waits at most that
/// long (the whole build is ~1.1 s of the engine at 100k quests).
pub const BUILD_STEP: usize = 2_500;

/// The table written last by a build, once every quest's rows are in: without it the layer is
/// a build under way (or stopped), which [`BUILT_SQL`] does not count as kept.
pub const COMPLETE: &str = "flagdeck_quest_members_complete";

/// A trigger's write of the rows of quest `NEW`: one INSERT whose `UNION` leaves no duplicate
/// (`turn` follows from the name), so no conflict can arise. Not `OR IGNORE`: inside a
/// trigger the writing statement's own conflict clause (`UPDATE OR ABORT`, an upsert, `UPDATE
/// OR ROLLBACK`) would replace it and fail the person's write.
fn trigger_fill_sql() -> String {
    format!("INSERT INTO {MEMBERS} (agent, turn, quest_id, open) {};", rows_of("NEW", "").join(" UNION "))
}

/// Begins a build from scratch (dropping any earlier layer, its [`COMPLETE`] mark first): the
/// empty table, its index by quest, and the triggers that keep it from now on (an update fires
/// only when it writes the id, under any of its names, the turn, the team or the status:
/// `UPDATE OF` matches the names the SET clause writes; an insert first drops what an `INSERT
/// OR REPLACE` replaced). Writes between the build's steps are so in the table whether their
/// quests were filled already or not; [`fill_sql`] fills the rest. One batch for
/// `execute_batch`.
pub fn begin_sql() -> String {
    let m = MEMBERS;
    let fill_new = trigger_fill_sql();
    format!(
        "DROP TABLE IF EXISTS temp.{COMPLETE};\n\
         DROP TRIGGER IF EXISTS temp.{m}_inserted;\n\
         DROP TRIGGER IF EXISTS temp.{m}_updated;\n\
         DROP TRIGGER IF EXISTS temp.{m}_deleted;\n\
         DROP TABLE IF EXISTS temp.{m};\n\
         CREATE TEMP TABLE {m} (agent NOT NULL, turn INTEGER NOT NULL, quest_id INTEGER NOT NULL, \
           open INTEGER NOT NULL, PRIMARY KEY (agent, turn, quest_id)) WITHOUT ROWID;\n\
         CREATE INDEX temp.{m}_quest ON {m} (quest_id);\n\
         CREATE TEMP TRIGGER {m}_inserted AFTER INSERT ON main.{TABLE} BEGIN\n  \
           DELETE FROM {m} WHERE quest_id = NEW.quest_id;\n  {fill_new}\nEND;\n\
         CREATE TEMP TRIGGER {m}_updated AFTER UPDATE OF quest_id, rowid, oid, _rowid_, current_agent, recruited, status \
           ON main.{TABLE} BEGIN\n  \
           DELETE FROM {m} WHERE quest_id IN (OLD.quest_id, NEW.quest_id);\n  {fill_new}\nEND;\n\
         CREATE TEMP TRIGGER {m}_deleted AFTER DELETE ON main.{TABLE} BEGIN\n  \
           DELETE FROM {m} WHERE quest_id = OLD.quest_id;\nEND;"
    )
}

/// The whole build in one batch ([`begin_sql`], every quest, the [`COMPLETE`] mark): what the
/// bench runs on raw sql.js; the app builds in steps ([`ensure`]).
pub fn build_sql() -> String {
    format!("{}\n{}\n{}", begin_sql(), fill_sql(None, None), complete_sql())
}

/// A build's last statement: its [`COMPLETE`] mark, once every quest was filled.
pub fn complete_sql() -> String {
    format!("CREATE TEMP TABLE {COMPLETE} (built INTEGER);")
}

/// True when the layer's build completed and its three triggers are there, in SQL (a build
/// under way or stopped half way has no [`COMPLETE`] mark; a trigger gone, writes since may be
/// missing from it).
macro_rules! kept {
    () => {
        "(SELECT count(*) FROM sqlite_temp_master WHERE (type = 'trigger' AND name IN \
         ('flagdeck_quest_members_inserted', 'flagdeck_quest_members_updated', 'flagdeck_quest_members_deleted')) \
         OR (type = 'table' AND name = 'flagdeck_quest_members_complete')) = 4"
    };
}

/// Whether the layer is built and kept: one row, one column `n`, 1 when its build completed
/// and its three triggers are there, else 0.
pub const BUILT_SQL: &str = concat!("SELECT ", kept!(), " AS n");

/// Whether this file's quests can be followed by the layer exactly (see the module doc).
/// Errors: the database's; a file without the table gives `false`.
pub async fn applies<D: Database>(db: &D) -> Result<bool, DbError> {
    let Some(info) = table_info(db, TABLE).await? else { return Ok(false) };
    let Some(i) = info.columns.iter().position(|c| c.eq_ignore_ascii_case("current_agent")) else {
        return Ok(false);
    };
    let stored = matches!(Affinity::of(Some(&info.types[i])), Affinity::Text | Affinity::Blob);
    Ok(stored && keyed_by_rowid(db, TABLE, &info, "quest_id").await?)
}

/// Makes sure the layer is there ([`BUILT_SQL`], else builds it in steps of [`BUILD_STEP`]
/// quests ([`Build`]) when the file's quests can be followed ([`applies`]) and `may_build()`
/// says so before each statement of the build is asked: a caller whose edits may have a
/// transaction open says no then, as a rollback would take the layer back; a host that makes
/// the statement wait, as the browser's background handle does, must not send it inside a
/// transaction either). Other questions to the engine are answered between the steps.
/// [`Ensured::Skipped`]: not built (a build stopped half way is not read, and begins again next
/// time); read by the page's SQL meanwhile.
/// Errors: the database's.
pub async fn ensure<D: Database>(db: &D, may_build: impl Fn() -> bool) -> Result<Ensured, DbError> {
    if built(db).await? {
        return Ok(Ensured::Present);
    }
    if !may_build() || !applies(db).await? || !may_build() {
        return Ok(Ensured::Skipped);
    }
    let mut build = Build::begin(db, BUILD_STEP).await?;
    loop {
        let step = build.step_end(db).await?;
        if !may_build() {
            return Ok(Ensured::Skipped);
        }
        if build.fill(db, step).await? {
            return Ok(Ensured::Built);
        }
    }
}

/// A build of the layer under way: [`begin_sql`] sent, the quests up to `after` filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Build {
    /// The last quest id filled (`None`: none yet).
    after: Option<i64>,
    /// Quests a step fills (at least 1).
    step: usize,
}

/// Where a step of a [`Build`] ends: the last quest id it fills, `None` for every quest left.
pub type StepEnd = Option<i64>;

impl Build {
    /// Begins a build ([`begin_sql`]) whose steps fill `step` quests each (1 at least). The
    /// caller checks [`applies`] first. Errors: the database's.
    pub async fn begin<D: Database>(db: &D, step: usize) -> Result<Build, DbError> {
        db.execute_batch(&begin_sql()).await?;
        Ok(Build { after: None, step: step.max(1) })
    }

    /// Where the next step ends, read now (a walk of the rowid's b-tree,
    /// [`table_info::step_end`]). Errors: the database's.
    pub async fn step_end<D: Database>(&self, db: &D) -> Result<StepEnd, DbError> {
        table_info::step_end(db, TABLE, "quest_id", self.after, self.step).await
    }

    /// Fills the quests after the last step up to `end` ([`fill_sql`]); after the last one
    /// (`end` `None`) writes the [`COMPLETE`] mark in the same batch and gives `true`: the
    /// layer is built. Errors: the database's (the layer is then not read; the next
    /// [`ensure`] begins again).
    pub async fn fill<D: Database>(&mut self, db: &D, end: StepEnd) -> Result<bool, DbError> {
        let mut sql = fill_sql(self.after, end);
        if end.is_none() {
            sql.push('\n');
            sql.push_str(&complete_sql());
        }
        db.execute_batch(&sql).await?;
        self.after = end;
        Ok(end.is_none())
    }
}

/// Whether the layer is built and kept ([`BUILT_SQL`]). Errors: the database's.
pub async fn built<D: Database>(db: &D) -> Result<bool, DbError> {
    Ok(db.query(BUILT_SQL, &[]).await?.scalar().and_then(Value::as_i64) == Some(1))
}

/// The agent page's quests through the layer: `?1` the agent name, `?2` the page's size, `?3`
/// its offset; the columns of [`agent_quests_sql`](crate::agents::agent_quests_sql) (`columns`,
/// its select list on quest `q`), with `total`, `open_turns` and `unreadable` (quests whose
/// `recruited` is not a JSON list) counted over the layer's key on every row. The page is cut
/// from the key before any quest is read, so an offset skips keys, not quests. No rows unless
/// the layer is kept ([`BUILT_SQL`]'s test, run once); an error when it was never built.
pub fn page_sql(columns: &str) -> String {
    let m = MEMBERS;
    format!(
        "SELECT {columns}, \
           (SELECT count(*) FROM temp.{m} WHERE agent = ?1) AS total, \
           (SELECT count(*) FROM temp.{m} WHERE agent = ?1 AND turn = 1 AND open = 1) AS open_turns, \
           (SELECT count(*) FROM temp.{m} WHERE agent = 0) AS unreadable \
         FROM (SELECT turn, quest_id FROM temp.{m} WHERE agent = ?1 AND {kept} \
           ORDER BY turn DESC, quest_id DESC LIMIT ?2 OFFSET ?3) AS m \
           CROSS JOIN main.{TABLE} AS q ON q.quest_id = m.quest_id \
         ORDER BY m.turn DESC, m.quest_id DESC",
        kept = kept!()
    )
}

/// How many quests' `recruited` is not a JSON list, through the layer: one row, column `n`.
pub const UNREADABLE_SQL: &str = "SELECT count(*) AS n FROM temp.flagdeck_quest_members WHERE agent = 0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_looks_for_the_triggers_and_the_mark_the_build_makes_last() {
        let sql = begin_sql();
        assert!(sql.starts_with(&format!("DROP TABLE IF EXISTS temp.{COMPLETE};")), "the mark goes first");
        for t in ["inserted", "updated", "deleted"] {
            let name = format!("{MEMBERS}_{t}");
            assert!(sql.contains(&format!("CREATE TEMP TRIGGER {name} ")), "{name}");
            assert!(BUILT_SQL.contains(&format!("'{name}'")), "{name}");
        }
        assert!(BUILT_SQL.contains(&format!("'{COMPLETE}'")));
        assert!(complete_sql().contains(COMPLETE));
        assert!(UNREADABLE_SQL.contains(MEMBERS));
    }
}
