//! The quest list's derived layer: one TEMP sort-key table per list order, built on the
//! order's first use and kept exact by TEMP triggers.
//!
//! Most of the list's orders are expressions (an instant read from mixed time formats, a
//! life-cycle rank, the leader out of `recruited`'s JSON, the message count out of
//! `broadcast`'s) that no index of the file holds: without a layer every page computes the key
//! of every quest and sorts them all (~0.2–0.4 s natively at 100k quests, more in sql.js). A key
//! table holds `(quest_id, sort_key)` for every quest, `sort_key` being exactly the order's
//! [`QuestSort::key_sql`] as SQLite evaluates it on the row, with an index on `(sort_key,
//! quest_id)`: a page walks that index from its keyset cursor or its offset and reads only its
//! own rows.
//!
//! Never in the file: the table, its index and its triggers live in the connection's TEMP
//! schema, which no export, `integrity_check` or digest of `main` sees. Kept exact: TEMP
//! triggers on `main.acolyte_quests` rewrite a quest's key after every INSERT, UPDATE and
//! DELETE, in the writing statement itself (so inside its transaction: a rollback takes both
//! back). Every edit path writes through SQL, so none is missed. Only for a table whose
//! `quest_id` is the rowid with nothing that deletes rows unseen
//! ([`crate::table_info::keyed_by_rowid`]); elsewhere the list runs its SQL.
//!
//! Memory (the key table and its index, for the orders used): ~23 bytes a quest for a number
//! key, a little over twice the key's text for a text key (`dbstat` on a 100k-quest file:
//! 2.3 MB for the message count, 14 MB for missions of 58 characters). Build: one scan
//! computing the key and one index build, about what one page of that order cost without the
//! layer.

use crate::port::{Database, DbError};
use crate::table_info::is_keyed_by_rowid;
use crate::value::Value;

use super::query::{QuestFilter, QuestSort, StatusCount, TimeOrder};
use super::TABLE;

/// Whether pages in `sort` read through a key table: every order but those the file itself
/// keeps in order (`quest_id`, the rowid; `created_at` stored in one shape, walked through the
/// scripts' `idx_created_at`, see [`TimeOrder`]).
pub fn derived(sort: QuestSort, order: TimeOrder) -> bool {
    !matches!(sort.key_sql(order).as_str(), "quest_id" | "created_at")
}

/// The TEMP table holding `sort`'s keys (with `order`'s key: a stored time column and its
/// instant are two tables).
pub fn table(sort: QuestSort, order: TimeOrder) -> String {
    let raw = matches!(sort.key_sql(order).as_str(), "created_at" | "updated_at");
    format!("flagdeck_keys_quests_{}{}", sort.key(), if raw { "_raw" } else { "" })
}

/// Whether this file's quests can be followed by key tables (see the module doc).
/// Errors: the database's; a file without the table gives `false`.
pub async fn applies<D: Database>(db: &D) -> Result<bool, DbError> {
    is_keyed_by_rowid(db, TABLE, "quest_id").await
}

/// Builds `sort`'s key table from scratch (dropping any earlier one), then its index, then
/// the triggers that keep it (an update fires only when it writes the key's column or the id):
/// the trigger [`built_sql`] looks for comes last, so after a build that stopped half way it
/// says to build again. One batch for `execute_batch`.
pub fn build_sql(sort: QuestSort, order: TimeOrder) -> String {
    let t = table(sort, order);
    let key = sort.key_sql(order);
    // A trigger's write of the new row's key.
    let write = format!(
        "INSERT OR REPLACE INTO {t} (quest_id, sort_key) SELECT quest_id, {key} FROM main.{TABLE} WHERE quest_id = NEW.quest_id;"
    );
    format!(
        "DROP TRIGGER IF EXISTS temp.{t}_inserted;\n\
         DROP TRIGGER IF EXISTS temp.{t}_updated;\n\
         DROP TRIGGER IF EXISTS temp.{t}_deleted;\n\
         DROP TABLE IF EXISTS temp.{t};\n\
         CREATE TEMP TABLE {t} (quest_id INTEGER PRIMARY KEY, sort_key);\n\
         INSERT INTO temp.{t} (quest_id, sort_key) SELECT quest_id, {key} FROM main.{TABLE};\n\
         CREATE INDEX temp.{t}_order ON {t} (sort_key, quest_id);\n\
         CREATE TEMP TRIGGER {t}_inserted AFTER INSERT ON main.{TABLE} BEGIN\n  {write}\nEND;\n\
         CREATE TEMP TRIGGER {t}_updated AFTER UPDATE OF quest_id, rowid, oid, _rowid_, {column} ON main.{TABLE} BEGIN\n  \
           DELETE FROM {t} WHERE quest_id = OLD.quest_id;\n  {write}\nEND;\n\
         CREATE TEMP TRIGGER {t}_deleted AFTER DELETE ON main.{TABLE} BEGIN\n  \
           DELETE FROM {t} WHERE quest_id = OLD.quest_id;\nEND;",
        column = sort.column(),
    )
}

/// Whether `sort`'s key table is built and kept: one row, column `n` (1 or 0).
pub fn built_sql(sort: QuestSort, order: TimeOrder) -> (String, Vec<Value>) {
    (
        "SELECT count(*) AS n FROM sqlite_temp_master WHERE type = 'trigger' AND name = ?".to_owned(),
        vec![Value::from(format!("{}_deleted", table(sort, order)))],
    )
}

/// What [`ensure`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ensured {
    /// The table was there.
    Present,
    /// It was built now.
    Built,
    /// It was missing and `may_build` said no: read by the list's SQL this time.
    Skipped,
}

/// Makes sure `sort`'s key table is there ([`built_sql`], else [`build_sql`] when `may_build()`
/// says so right before the build is sent: a caller whose edits may have a transaction open
/// says no then, as a rollback would take the table back). Errors: the database's (the list
/// then runs its SQL).
pub async fn ensure<D: Database>(
    db: &D,
    sort: QuestSort,
    order: TimeOrder,
    may_build: impl Fn() -> bool,
) -> Result<Ensured, DbError> {
    let (sql, params) = built_sql(sort, order);
    let n = db.query(&sql, &params).await?.scalar().and_then(Value::as_i64);
    if n == Some(1) {
        return Ok(Ensured::Present);
    }
    if !may_build() {
        return Ok(Ensured::Skipped);
    }
    db.execute_batch(&build_sql(sort, order)).await?;
    Ok(Ensured::Built)
}

/// How small a share of the quests a status filter may keep before a page is read faster
/// through the file's `idx_status` (and the few rows sorted) than by walking a key table, whose
/// walk tests every quest until the page is full: 1 in `RARE_STATUS`.
pub const RARE_STATUS: i64 = 20;

/// Whether a page of `filter` should walk its order's key table, given the status counts under
/// its agent and text (`counts`, [`super::status_counts`]): always without a status filter,
/// else when the statuses it keeps hold at least 1 in [`RARE_STATUS`] of those quests.
pub fn worth_walking(filter: &QuestFilter, counts: &[StatusCount]) -> bool {
    if filter.statuses.is_empty() {
        return true;
    }
    let total: i64 = counts.iter().map(|c| c.count).sum();
    let kept: i64 = counts.iter().filter(|c| filter.statuses.contains(&c.status)).map(|c| c.count).sum();
    kept * RARE_STATUS >= total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rare_status_is_read_through_the_files_index() {
        let counts: Vec<StatusCount> = [("working", 900), ("failed", 49), ("", 51)]
            .into_iter()
            .map(|(s, n)| StatusCount { status: s.into(), known: None, count: n })
            .collect();
        let only = |s: &[&str]| QuestFilter {
            statuses: s.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        assert!(worth_walking(&QuestFilter::default(), &counts));
        assert!(worth_walking(&only(&["working"]), &counts));
        // 49 of 1000 is under 1 in 20; with the NULL statuses ("") 100 of 1000 is not.
        assert!(!worth_walking(&only(&["failed"]), &counts));
        assert!(worth_walking(&only(&["failed", ""]), &counts));
        assert!(!worth_walking(&only(&["unknown"]), &counts));
    }

    #[test]
    fn an_update_rewrites_a_key_only_when_its_column_or_the_id_changes() {
        let sql = build_sql(QuestSort::Messages, TimeOrder::default());
        // The id under any of its names: `UPDATE OF` matches the names the SET clause writes.
        assert!(
            sql.contains("AFTER UPDATE OF quest_id, rowid, oid, _rowid_, broadcast ON main.acolyte_quests"),
            "{sql}"
        );
        // The trigger that says the table is built comes last.
        let last = sql.rfind("CREATE TEMP TRIGGER").unwrap();
        assert!(sql[last..].contains(&built_sql(QuestSort::Messages, TimeOrder::default()).1[0].display()));
    }
}
