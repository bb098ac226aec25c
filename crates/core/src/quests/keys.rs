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
//! ([`keyed_by_rowid`](crate::table_info::keyed_by_rowid)); elsewhere the list runs its SQL.
//!
//! Memory (the key table and its index, for the orders used): ~23 bytes a quest for a number
//! key, a little over twice the key's text for a text key (`dbstat` on a 100k-quest file:
//! 2.3 MB for the message count, 14 MB for missions of 58 characters). Build: one scan
//! computing the key and one index build, about what one page of that order cost without the
//! layer.

use crate::port::{Database, DbError};
use crate::table_info::{keyed_by_rowid, table_info};
use crate::value::Value;

use super::query::{QuestSort, TimeOrder};
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
    format!("flagdeck_quest_keys_{}{}", sort.key(), if raw { "_raw" } else { "" })
}

/// Whether this file's quests can be followed by key tables (see the module doc).
/// Errors: the database's; a file without the table gives `false`.
pub async fn applies<D: Database>(db: &D) -> Result<bool, DbError> {
    match table_info(db, TABLE).await? {
        Some(info) => keyed_by_rowid(db, TABLE, &info, "quest_id").await,
        None => Ok(false),
    }
}

/// Builds `sort`'s key table from scratch (dropping any earlier one), then its index, then
/// the triggers that keep it: the triggers come last, so a build that stops half way leaves no
/// trigger and [`built_sql`] says to build again. One batch for `execute_batch`.
pub fn build_sql(sort: QuestSort, order: TimeOrder) -> String {
    let t = table(sort, order);
    let key = sort.key_sql(order);
    let row = |id: &str| {
        format!(
            "INSERT OR REPLACE INTO {t} (quest_id, sort_key) SELECT quest_id, {key} FROM main.{TABLE} WHERE quest_id = {id};"
        )
    };
    format!(
        "DROP TRIGGER IF EXISTS temp.{t}_inserted;\n\
         DROP TRIGGER IF EXISTS temp.{t}_updated;\n\
         DROP TRIGGER IF EXISTS temp.{t}_deleted;\n\
         DROP TABLE IF EXISTS temp.{t};\n\
         CREATE TEMP TABLE {t} (quest_id INTEGER PRIMARY KEY, sort_key);\n\
         INSERT INTO temp.{t} (quest_id, sort_key) SELECT quest_id, {key} FROM main.{TABLE};\n\
         CREATE INDEX temp.{t}_order ON {t} (sort_key, quest_id);\n\
         CREATE TEMP TRIGGER {t}_inserted AFTER INSERT ON main.{TABLE} BEGIN\n  {inserted}\nEND;\n\
         CREATE TEMP TRIGGER {t}_updated AFTER UPDATE ON main.{TABLE} BEGIN\n  \
           DELETE FROM {t} WHERE quest_id = OLD.quest_id;\n  {updated}\nEND;\n\
         CREATE TEMP TRIGGER {t}_deleted AFTER DELETE ON main.{TABLE} BEGIN\n  \
           DELETE FROM {t} WHERE quest_id = OLD.quest_id;\nEND;",
        inserted = row("NEW.quest_id"),
        updated = row("NEW.quest_id"),
    )
}

/// Whether `sort`'s key table is built and kept: one row, column `n` (1 or 0).
pub fn built_sql(sort: QuestSort, order: TimeOrder) -> (String, Vec<Value>) {
    (
        "SELECT count(*) AS n FROM sqlite_temp_master WHERE type = 'trigger' AND name = ?".to_owned(),
        vec![Value::from(format!("{}_deleted", table(sort, order)))],
    )
}

/// Makes sure `sort`'s key table is there ([`built_sql`], else [`build_sql`]); `Ok(true)` when
/// it was built by this call. Run it outside any transaction the caller may roll back (a
/// rollback would take the table back, and the next [`ensure`] builds it again). Errors: the
/// database's (the list then runs its SQL).
pub async fn ensure<D: Database>(db: &D, sort: QuestSort, order: TimeOrder) -> Result<bool, DbError> {
    let (sql, params) = built_sql(sort, order);
    let n = db.query(&sql, &params).await?.scalar().and_then(Value::as_i64);
    if n == Some(1) {
        return Ok(false);
    }
    db.execute_batch(&build_sql(sort, order)).await?;
    Ok(true)
}
