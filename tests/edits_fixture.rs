#![cfg(not(target_arch = "wasm32"))]
//! Edits to flags: applied through the real triggers, refused in SQLite's words with nothing
//! changed, undone and redone to the exact values.

mod common;

use flagdeck_core::edits::{
    apply, complete_values, lock_values, plan, reopen_values, EditError, EditTable, History,
};
use flagdeck_core::native::NativeDb;
use flagdeck_core::Value;
use pollster::block_on;

fn v1() -> Option<NativeDb> {
    let bytes = common::fixture_bytes("acolytes-v1-small.db")?;
    Some(common::open_and_inspect(&bytes).unwrap().0)
}

fn row(db: &NativeDb, id: i64) -> Vec<Value> {
    db.query_sync("SELECT * FROM flags WHERE id = ?", &[Value::Integer(id)]).unwrap().rows.remove(0)
}

fn all_rows(db: &NativeDb) -> Vec<Vec<Value>> {
    db.query_sync("SELECT * FROM flags ORDER BY id", &[]).unwrap().rows
}

#[test]
fn complete_lock_undo_redo_restore_exact_values() {
    let Some(db) = v1() else { return };
    let id = db
        .query_sync("SELECT id FROM flags WHERE status = 'pending' AND locked = 0 ORDER BY id LIMIT 1", &[])
        .unwrap()
        .scalar()
        .unwrap()
        .as_i64()
        .unwrap();
    let original = all_rows(&db);
    let mut history = History::default();

    let values = complete_values("2025-09-01 10:15", Some("backend.api"), Some("done in PR 42"));
    let edit = block_on(plan(&db, id, "complete", &values)).unwrap().expect("something changes");
    block_on(apply(&db, &edit)).unwrap();
    history.record(edit);
    let lock = block_on(plan(&db, id, "lock", &lock_values(true))).unwrap().unwrap();
    block_on(apply(&db, &lock)).unwrap();
    history.record(lock);

    let after = row(&db, id);
    let text = |i: usize| after[i].display();
    // status, completed_at, completed_by (no @ added, as the tool), notes, locked.
    assert_eq!(text(9), "completed");
    assert_eq!(text(17), "2025-09-01 10:15");
    assert_eq!(text(18), "backend.api");
    assert_eq!(text(19), "done in PR 42");
    assert_eq!(after[10], Value::Integer(1));

    block_on(history.undo(&db)).unwrap();
    block_on(history.undo(&db)).unwrap();
    assert_eq!(all_rows(&db), original, "two undos give back every row exactly");
    assert!(block_on(history.undo(&db)).unwrap().is_none());
    block_on(history.redo(&db)).unwrap();
    block_on(history.redo(&db)).unwrap();
    assert_eq!(row(&db, id), after);

    // Reopen clears the completion fields; undo restores them.
    let reopen = block_on(plan(&db, id, "reopen", &reopen_values())).unwrap().unwrap();
    block_on(apply(&db, &reopen)).unwrap();
    history.record(reopen);
    assert_eq!(row(&db, id)[17], Value::Null);
    block_on(history.undo(&db)).unwrap();
    assert_eq!(row(&db, id), after);
}

#[test]
fn a_trigger_refusal_changes_nothing_and_keeps_sqlites_words() {
    let Some(db) = v1() else { return };
    // A row older than the triggers: its action_required is too short, so any update fails,
    // as complete-flag fails in the real tool.
    db.execute_batch_sync(
        "DROP TRIGGER validate_flag_quality_update; UPDATE flags SET action_required = 'too short' WHERE id = 7; \
         CREATE TRIGGER validate_flag_quality_update BEFORE UPDATE ON flags BEGIN SELECT CASE \
         WHEN LENGTH(NEW.action_required) < 100 THEN RAISE(ABORT, 'action_required must be at least 100 characters for quality control. Be specific: include file paths, line numbers, exact changes needed.') END; END;",
    )
    .unwrap();
    let before = all_rows(&db);
    let edit = block_on(plan(&db, 7, "complete", &complete_values("2025-09-01 10:15", None, None)))
        .unwrap()
        .unwrap();
    match block_on(apply(&db, &edit)) {
        Err(EditError::Refused(m)) => assert!(m.starts_with("action_required must be at least 100"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(all_rows(&db), before);
    // Fixing the text in the same step is accepted.
    let long = "x".repeat(120);
    let mut values = complete_values("2025-09-01 10:15", None, None);
    values.push(("action_required", Value::from(long.as_str())));
    let fixed = block_on(plan(&db, 7, "complete", &values)).unwrap().unwrap();
    block_on(apply(&db, &fixed)).unwrap();
    assert_eq!(row(&db, 7)[9], Value::from("completed"));
}

#[test]
fn undo_refuses_a_row_changed_behind_its_back() {
    let Some(db) = v1() else { return };
    let mut history = History::default();
    let edit = block_on(plan(&db, 1, "lock", &lock_values(false))).unwrap();
    let edit = match edit {
        Some(e) => e,
        None => block_on(plan(&db, 1, "lock", &lock_values(true))).unwrap().unwrap(),
    };
    block_on(apply(&db, &edit)).unwrap();
    history.record(edit.clone());
    let now = row(&db, 1)[10].as_i64().unwrap();
    db.query_sync("UPDATE flags SET locked = ? WHERE id = 1", &[Value::Integer(1 - now)]).unwrap();
    match block_on(history.undo(&db)) {
        Err(EditError::Stale { table: EditTable::Flags, flag_id: 1, column: "locked" }) => {}
        other => panic!("expected a stale refusal, got {other:?}"),
    }
    assert_eq!(history.done.len(), 1, "the step stays in the history");
    // Nothing to change: no edit.
    let same = row(&db, 1)[10].as_i64().unwrap() != 0;
    assert!(block_on(plan(&db, 1, "lock", &lock_values(same))).unwrap().is_none());
}

#[test]
fn a_created_flag_goes_through_the_triggers_and_undo_removes_every_trace() {
    use flagdeck_core::edits::plan_insert;
    let Some(db) = v1() else { return };
    let snapshot = |db: &NativeDb| {
        let flags = all_rows(db);
        let seq = db.query_sync("SELECT * FROM sqlite_sequence ORDER BY name", &[]).unwrap().rows;
        (flags, seq)
    };
    let original = snapshot(&db);
    let values = common::new_flag_values;
    // Refused by the trigger: nothing changes.
    let short = block_on(plan_insert(&db, "create", &values("too short"))).unwrap();
    assert!(
        matches!(block_on(apply(&db, &short)), Err(EditError::Refused(m)) if m.starts_with("action_required"))
    );
    assert_eq!(snapshot(&db), original);

    let good = block_on(plan_insert(
        &db,
        "create",
        &values(&"Update src/web/orders.ts and every caller. ".repeat(3)),
    ))
    .unwrap();
    assert_eq!(good.flag_id, 301);
    let mut history = History::default();
    block_on(apply(&db, &good)).unwrap();
    history.record(good);
    assert_eq!(row(&db, 301)[4], Value::from("@backend.api"));
    block_on(history.undo(&db)).unwrap();
    assert_eq!(snapshot(&db), original, "undo removes the row and restores sqlite_sequence");
    block_on(history.redo(&db)).unwrap();
    assert_eq!(row(&db, 301)[9], Value::from("pending"));
}

#[test]
fn a_bulk_change_is_all_or_nothing_and_one_undo_step() {
    use flagdeck_core::edits::{run_all, Step};
    let Some(db) = v1() else { return };
    let ids: Vec<i64> = db
        .query_sync("SELECT id FROM flags WHERE status = 'pending' AND locked = 0 ORDER BY id LIMIT 3", &[])
        .unwrap()
        .rows
        .iter()
        .map(|r| r[0].as_i64().unwrap())
        .collect();
    let original = all_rows(&db);
    let plan_all = |db: &NativeDb| -> Vec<_> {
        ids.iter()
            .map(|&id| {
                block_on(plan(db, id, "complete", &complete_values("2025-09-02 09:00", None, None)))
                    .unwrap()
                    .unwrap()
            })
            .collect()
    };
    // The third flag is an old row whose action_required is too short: the update trigger
    // refuses it, so none of the three may change.
    db.execute_batch_sync(&format!(
        "DROP TRIGGER validate_flag_quality_update; UPDATE flags SET action_required = 'short' WHERE id = {}; \
         CREATE TRIGGER validate_flag_quality_update BEFORE UPDATE ON flags BEGIN SELECT CASE \
         WHEN LENGTH(NEW.action_required) < 100 THEN RAISE(ABORT, 'action_required must be at least 100 characters for quality control. Be specific: include file paths, line numbers, exact changes needed.') END; END;",
        ids[2]
    ))
    .unwrap();
    let broken = all_rows(&db);
    let edits = plan_all(&db);
    assert!(matches!(block_on(run_all(&db, &edits, true)), Err(EditError::Refused(_))));
    assert_eq!(all_rows(&db), broken, "all or nothing");

    // Without the old row, the three complete together and one undo takes all three back.
    let edits: Vec<_> = plan_all(&db).into_iter().take(2).collect();
    block_on(run_all(&db, &edits, true)).unwrap();
    let mut history = History::default();
    history.record_step(Step { label: "complete 2 flags".into(), edits });
    assert_eq!(history.edits().count(), 2);
    block_on(history.undo(&db)).unwrap();
    assert_eq!(all_rows(&db), broken);
    assert_ne!(broken, original);
}

#[test]
fn an_edit_of_many_fields_writes_only_what_changed_and_undo_restores_it() {
    use flagdeck_core::edit_form::{read_edit_form, EDIT_FIELDS};
    use flagdeck_core::flags::flag_detail;
    let Some(db) = v1() else { return };
    let id = db
        .query_sync("SELECT id FROM flags WHERE target_agent IS NOT NULL ORDER BY id LIMIT 1", &[])
        .unwrap()
        .scalar()
        .unwrap()
        .as_i64()
        .unwrap();
    let original = all_rows(&db);
    let detail = block_on(flag_detail(&db, id)).unwrap().unwrap();
    let mut typed: Vec<(&'static str, String)> =
        EDIT_FIELDS.iter().filter_map(|(c, _)| detail.get(c).map(|v| (*c, v.display()))).collect();
    fn set(typed: &mut [(&'static str, String)], column: &str, text: &str) {
        typed.iter_mut().find(|(c, _)| *c == column).unwrap().1 = text.into();
    }
    set(&mut typed, "target_agent", "frontend.react");
    set(&mut typed, "code_location", "src/api/users.py:42");
    set(&mut typed, "context", "{\"pr\": 42, \"reviewers\": [\"a\", \"b\"]}");
    set(&mut typed, "notes", "checked by hand");
    let read = read_edit_form(&detail.columns, &typed, true);
    assert_eq!(read.problems, vec![]);
    let edit = block_on(plan(&db, id, "edit", &read.values)).unwrap().expect("four columns change");
    let columns: Vec<&str> = edit.changes.iter().map(|c| c.column).collect();
    let mut expected = vec!["target_agent", "code_location", "context", "notes"];
    // Only columns whose value differs are written (the stored ones may already match).
    expected.retain(|c| columns.contains(c));
    assert_eq!(columns, expected, "nothing but the typed columns");
    block_on(apply(&db, &edit)).unwrap();
    let after = block_on(flag_detail(&db, id)).unwrap().unwrap();
    assert_eq!(
        after.get("target_agent"),
        Some(&Value::from("@frontend.react")),
        "@ added as the tool adds it"
    );
    assert_eq!(after.get("context"), Some(&Value::from("{\"pr\": 42, \"reviewers\": [\"a\", \"b\"]}")));
    let before_rows: Vec<_> = original.iter().filter(|r| r[0] != Value::Integer(id)).collect();
    let after_rows = all_rows(&db);
    let others: Vec<_> = after_rows.iter().filter(|r| r[0] != Value::Integer(id)).collect();
    assert_eq!(others, before_rows, "every other row untouched");
    let mut history = History::default();
    history.record(edit);
    block_on(history.undo(&db)).unwrap();
    assert_eq!(all_rows(&db), original, "undo gives back the exact row");

    // The update trigger refuses a too-short text; the form reader says so before SQLite does.
    set(&mut typed, "action_required", "short");
    let read = read_edit_form(&detail.columns, &typed, true);
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    let edit = block_on(plan(&db, id, "edit", &read.values)).unwrap().unwrap();
    match block_on(apply(&db, &edit)) {
        Err(EditError::Refused(m)) => assert!(m.starts_with("action_required must be at least 100"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(all_rows(&db), original, "a refused edit changes nothing");
}
