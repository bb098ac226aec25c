//! The agent page's derived layer for quests: a TEMP table naming, for every quest, the agents
//! it lists (its turn's `current_agent` and the text entries of a JSON-array `recruited`),
//! built in the background once an agent page has shown more than a page of them, or at its
//! *Show more* ([`ensure`]), and kept exact by TEMP triggers.
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
//! Memory (`dbstat` on the 100k-quest bench file: 267k rows, ~2.7 a quest, names of 16
//! characters): 7.9 MB for the table and 7.0 MB for its index by quest (which the triggers'
//! deletes walk), ~56 bytes a row. Build: one pass over the table parsing `recruited` and an
//! index build, 0.75 s natively and ~1.1 s in the app at 100k quests (twice one page's cost
//! without the layer).

use crate::agents::{quest_open_sql, recruited_is_list_sql};
use crate::port::{Database, DbError};
use crate::table_info::{keyed_by_rowid, table_info, Affinity};
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

/// The build's writes of every quest's rows: a name twice in `recruited`, or both recruited
/// and holding the turn, is one row by the key (`OR IGNORE`: the build's own statements).
fn build_fill_sql() -> String {
    rows_of("q", &format!("main.{TABLE} AS q, "))
        .map(|rows| format!("INSERT OR IGNORE INTO {MEMBERS} (agent, turn, quest_id, open) {rows};"))
        .join("\n")
}

/// A trigger's write of the rows of quest `NEW`: one INSERT whose `UNION` leaves no duplicate
/// (`turn` follows from the name), so no conflict can arise. Not `OR IGNORE`: inside a
/// trigger the writing statement's own conflict clause (`UPDATE OR ABORT`, an upsert, `UPDATE
/// OR ROLLBACK`) would replace it and fail the person's write.
fn trigger_fill_sql() -> String {
    format!("INSERT INTO {MEMBERS} (agent, turn, quest_id, open) {};", rows_of("NEW", "").join(" UNION "))
}

/// Builds the layer from scratch (dropping any earlier one), then the triggers that keep it
/// (an update fires only when it writes the id, under any of its names, the turn, the team or
/// the status: `UPDATE OF` matches the names the SET clause writes; an insert
/// first drops what an `INSERT OR REPLACE` replaced): the triggers come last, so after a build
/// that stopped half way [`BUILT_SQL`] says to build again. One batch for `execute_batch`.
pub fn build_sql() -> String {
    let m = MEMBERS;
    let fill_new = trigger_fill_sql();
    format!(
        "DROP TRIGGER IF EXISTS temp.{m}_inserted;\n\
         DROP TRIGGER IF EXISTS temp.{m}_updated;\n\
         DROP TRIGGER IF EXISTS temp.{m}_deleted;\n\
         DROP TABLE IF EXISTS temp.{m};\n\
         CREATE TEMP TABLE {m} (agent NOT NULL, turn INTEGER NOT NULL, quest_id INTEGER NOT NULL, \
           open INTEGER NOT NULL, PRIMARY KEY (agent, turn, quest_id)) WITHOUT ROWID;\n\
         {fill}\n\
         CREATE INDEX temp.{m}_quest ON {m} (quest_id);\n\
         CREATE TEMP TRIGGER {m}_inserted AFTER INSERT ON main.{TABLE} BEGIN\n  \
           DELETE FROM {m} WHERE quest_id = NEW.quest_id;\n  {fill_new}\nEND;\n\
         CREATE TEMP TRIGGER {m}_updated AFTER UPDATE OF quest_id, rowid, oid, _rowid_, current_agent, recruited, status \
           ON main.{TABLE} BEGIN\n  \
           DELETE FROM {m} WHERE quest_id IN (OLD.quest_id, NEW.quest_id);\n  {fill_new}\nEND;\n\
         CREATE TEMP TRIGGER {m}_deleted AFTER DELETE ON main.{TABLE} BEGIN\n  \
           DELETE FROM {m} WHERE quest_id = OLD.quest_id;\nEND;",
        fill = build_fill_sql(),
    )
}

/// True when the layer's three triggers are there, in SQL (any one gone, writes since may be
/// missing from it).
macro_rules! kept {
    () => {
        "(SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name IN \
         ('flagdeck_quest_members_inserted', 'flagdeck_quest_members_updated', 'flagdeck_quest_members_deleted')) = 3"
    };
}

/// Whether the layer is built and kept: one row, one column `n`, 1 when its three triggers are
/// there, else 0.
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

/// Makes sure the layer is there ([`BUILT_SQL`], else [`build_sql`] when the file's quests can
/// be followed ([`applies`]) and `may_build()` says so right before the build is sent: a caller
/// whose edits may have a transaction open says no then, as a rollback would take the layer
/// back). [`Ensured::Skipped`]: read by the page's SQL this time. Errors: the database's.
pub async fn ensure<D: Database>(db: &D, may_build: impl Fn() -> bool) -> Result<Ensured, DbError> {
    if built(db).await? {
        return Ok(Ensured::Present);
    }
    if !may_build() || !applies(db).await? || !may_build() {
        return Ok(Ensured::Skipped);
    }
    db.execute_batch(&build_sql()).await?;
    Ok(Ensured::Built)
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
    fn built_looks_for_the_triggers_the_build_makes_last() {
        let sql = build_sql();
        let first = sql.find("CREATE TEMP TRIGGER").unwrap();
        for t in ["inserted", "updated", "deleted"] {
            let name = format!("{MEMBERS}_{t}");
            assert!(sql[first..].contains(&format!("CREATE TEMP TRIGGER {name} ")), "{name}");
            assert!(BUILT_SQL.contains(&format!("'{name}'")), "{name}");
        }
        assert!(UNREADABLE_SQL.contains(MEMBERS));
    }
}
