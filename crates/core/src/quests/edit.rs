//! Changing a quest's status the way `quest_status.py --quest N --status S` does
//! (`acolyte_quest_core.change_status` → `update_quest`), as an undoable [`Edit`].

use crate::edits::{run_all, Edit, EditError, EditTable, FieldChange};
use crate::port::Database;
use crate::value::Value;

use super::status::QuestStatus;
use super::TABLE;

use crate::table_info::Affinity;

impl Affinity {
    /// What the column stores when given `digits`, the TEXT `strftime('%s','now')` returns:
    /// an INTEGER in an INTEGER or NUMERIC column (the hybrid's `updated_at INTEGER`), a REAL in
    /// a REAL one, the text itself in a TEXT or untyped one (v2's `updated_at TEXT`).
    pub fn store_epoch_text(self, digits: &str) -> Value {
        let number = digits.parse::<i64>().ok();
        match (self, number) {
            (Affinity::Integer | Affinity::Numeric, Some(n)) => Value::Integer(n),
            (Affinity::Real, Some(n)) => Value::Real(n as f64),
            _ => Value::Text(digits.to_owned()),
        }
    }
}

/// The tool's words when the quest is completed (`update_quest`: `[ERROR] Quest N is
/// completed. No modifications allowed.`).
pub fn completed_error(quest_id: i64) -> String {
    format!("Quest {quest_id} is completed. No modifications allowed.")
}

/// The tool's words when there is no such quest (`quest_status.py`: `[ERROR] Quest N not found`).
pub fn not_found_error(quest_id: i64) -> String {
    format!("Quest {quest_id} not found")
}

/// The label of a status change in the Changes panel.
pub fn status_label(status: QuestStatus) -> String {
    format!("status: {}", status.sql())
}

/// Plans `quest_status.py --quest quest_id --status new_status`: `status` set to any of the
/// six statuses, no turn check, `result` and `current_agent` left as they are (so `completed`
/// this way leaves `result` NULL), and `updated_at` set as `strftime('%s','now')` sets it:
/// epoch seconds as TEXT, stored per the column's affinity (TEXT in v2 → text digits, INTEGER
/// in the hybrid → an integer), so the edit's values are byte for byte what the script stores
/// and what undo/redo will find. `now_s`: the epoch seconds to write; `None` asks SQLite's
/// clock (`strftime('%s','now')`, the script's own expression).
///
/// Returns `Ok(None)` when nothing would change (same status and the same second). Errors:
/// [`EditError::ToolRule`] in the tool's words when the quest does not exist
/// ([`not_found_error`]) or is completed ([`completed_error`]; `update_quest`'s first rule —
/// `failed` and `timeout` quests can still be changed); [`EditError::Engine`] from the engine.
pub async fn plan_status_change<D: Database>(
    db: &D,
    quest_id: i64,
    new_status: QuestStatus,
    now_s: Option<i64>,
) -> Result<Option<Edit>, EditError> {
    let sql = format!(
        "SELECT status, updated_at, strftime('%s', 'now') AS now, \
         (SELECT type FROM pragma_table_info('{TABLE}') WHERE name = 'updated_at') AS declared \
         FROM {TABLE} WHERE quest_id = ?"
    );
    let rs = db.query(&sql, &[Value::Integer(quest_id)]).await.map_err(EditError::Engine)?;
    let row = rs
        .map_first(|r| {
            Ok((
                r.get("status")?.clone(),
                r.get("updated_at")?.clone(),
                r.text("now")?,
                r.opt_text("declared")?,
            ))
        })
        .map_err(EditError::Engine)?;
    let Some((status, updated_at, sqlite_now, declared)) = row else {
        return Err(EditError::ToolRule(not_found_error(quest_id)));
    };
    if status.as_str() == Some(QuestStatus::Completed.sql()) {
        return Err(EditError::ToolRule(completed_error(quest_id)));
    }
    let digits = now_s.map_or(sqlite_now, |s| s.to_string());
    let stored = Affinity::of(declared.as_deref()).store_epoch_text(&digits);
    let changes: Vec<FieldChange> = [
        FieldChange { column: "status", before: status, after: Value::from(new_status.sql()) },
        FieldChange { column: "updated_at", before: updated_at, after: stored },
    ]
    .into_iter()
    .filter(|c| c.before != c.after)
    .collect();
    Ok((!changes.is_empty()).then(|| Edit {
        flag_id: quest_id,
        label: status_label(new_status),
        changes,
        created: None,
        table: EditTable::Quests,
    }))
}

/// Plans and applies a status change in one transaction ([`plan_status_change`], then
/// [`run_all`]); the applied edit is returned for the undo history. Errors: as
/// [`plan_status_change`], or [`EditError::Stale`] when the row changed between the two.
pub async fn change_status<D: Database>(
    db: &D,
    quest_id: i64,
    new_status: QuestStatus,
    now_s: Option<i64>,
) -> Result<Option<Edit>, EditError> {
    let Some(edit) = plan_status_change(db, quest_id, new_status, now_s).await? else { return Ok(None) };
    run_all(db, std::slice::from_ref(&edit), true).await?;
    Ok(Some(edit))
}

/// How the Changes list words a quest edit: `("Quest #38: waiting → completed", hover)`, the
/// hover naming `updated_at` before → after through [`Timestamp::display`](crate::timestamp::Timestamp::display)
/// (the stored value when it reads as no time). An edit that does not change `status` reads
/// `Quest #N: updated_at changed`.
pub fn change_words(edit: &Edit) -> (String, String) {
    let find = |column: &str| edit.changes.iter().find(|c| c.column == column);
    let text = match find("status") {
        Some(c) => {
            format!("Quest #{}: {} → {}", edit.flag_id, shown_status(&c.before), shown_status(&c.after))
        }
        None => format!("Quest #{}: updated_at changed", edit.flag_id),
    };
    let time = |v: &Value| match crate::timestamp::read(v) {
        Some(t) => t.display(),
        None => v.display(),
    };
    let hover = match find("updated_at") {
        Some(c) => format!("updated_at: {} → {}", time(&c.before), time(&c.after)),
        None => String::new(),
    };
    (text, hover)
}

fn shown_status(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        other => other.display(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_change_reads_before_to_after_with_times_on_hover() {
        let edit = Edit {
            flag_id: 38,
            label: status_label(QuestStatus::Completed),
            changes: vec![
                FieldChange {
                    column: "status",
                    before: Value::from("waiting"),
                    after: Value::from("completed"),
                },
                FieldChange {
                    column: "updated_at",
                    before: Value::from("1762603352"),
                    after: Value::Integer(1_762_603_352 + 3_600),
                },
            ],
            created: None,
            table: EditTable::Quests,
        };
        let (text, hover) = change_words(&edit);
        assert_eq!(text, "Quest #38: waiting → completed");
        let before = crate::timestamp::read(&Value::Integer(1_762_603_352)).unwrap().display();
        let after = crate::timestamp::read(&Value::Integer(1_762_606_952)).unwrap().display();
        assert_eq!(hover, format!("updated_at: {before} → {after}"));
        assert!(!hover.contains("1762603352"));
    }

    #[test]
    fn declared_types_get_sqlites_affinity() {
        for (declared, affinity) in [
            (Some("INTEGER"), Affinity::Integer),
            (Some("BIGINT"), Affinity::Integer),
            (Some("TEXT"), Affinity::Text),
            (Some("varchar(20)"), Affinity::Text),
            (Some("BLOB"), Affinity::Blob),
            (None, Affinity::Blob),
            (Some("DOUBLE"), Affinity::Real),
            (Some("DATETIME"), Affinity::Numeric),
            // The rules run in order: "INT" wins over "CHAR" ("CHARINT").
            (Some("CHARINT"), Affinity::Integer),
        ] {
            assert_eq!(Affinity::of(declared), affinity, "{declared:?}");
        }
    }

    /// Each affinity's stored value is what SQLite itself stores for `strftime('%s','now')`.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn stored_epoch_values_equal_what_sqlite_stores() {
        use crate::native::NativeDb;
        use crate::Database;
        let db = NativeDb::open_bytes(&[]).unwrap();
        for declared in ["INTEGER", "TEXT", "BLOB", "", "REAL", "DATETIME"] {
            pollster::block_on(async {
                db.execute_batch(&format!("DROP TABLE IF EXISTS t; CREATE TABLE t (v {declared}); INSERT INTO t VALUES (strftime('%s', 'now'));"))
                    .await
                    .unwrap();
                let rs = db
                    .query("SELECT v, typeof(v) AS kind, CAST(v AS TEXT) AS digits FROM t", &[])
                    .await
                    .unwrap();
                let (stored, digits) =
                    rs.map_first(|r| Ok((r.get("v")?.clone(), r.text("digits")?))).unwrap().unwrap();
                let digits = digits.trim_end_matches(".0");
                let declared = (!declared.is_empty()).then_some(declared);
                assert_eq!(Affinity::of(declared).store_epoch_text(digits), stored, "{declared:?}");
            });
        }
    }
}
