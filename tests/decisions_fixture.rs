#![cfg(not(target_arch = "wasm32"))]
//! Decisions the shell used to make itself, now core functions tested on the fixtures: a new
//! flag's composition (open work period, the optional lock, one transaction), replaying the
//! history onto a newer file (conflicts left out), the agent search's type filter and limit, and
//! the routing page's suggested target.

mod common;

use flagdeck_core::catalog::{
    catalog_rows, read_catalog, search_of_type, suggest_target, CatalogAgent, CatalogOrder,
};
use flagdeck_core::edits::{complete_values, create_flag, lock_values, plan, run_all, EditError, Step};
use flagdeck_core::journal::replay_onto;
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::Generation;
use flagdeck_core::search::{Query, SearchIndex};
use flagdeck_core::Value;
use pollster::block_on;

fn all_rows(db: &NativeDb) -> Vec<Vec<Value>> {
    db.query_sync("SELECT * FROM flags ORDER BY id", &[]).unwrap().rows
}

fn first_pending_unlocked(db: &NativeDb, skip: usize) -> i64 {
    db.query_sync(
        "SELECT id FROM flags WHERE status = 'pending' AND locked = 0 ORDER BY id LIMIT 1 OFFSET ?",
        &[Value::Integer(skip as i64)],
    )
    .unwrap()
    .scalar()
    .unwrap()
    .as_i64()
    .unwrap()
}

#[test]
fn a_new_flag_joins_the_open_work_period_and_an_ask_locks_in_the_same_step() {
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    let open_session = db
        .query_sync("SELECT id FROM sessions WHERE ended_at IS NULL ORDER BY created_at DESC LIMIT 1", &[])
        .unwrap()
        .scalar()
        .cloned()
        .unwrap_or(Value::Null);

    let step =
        block_on(create_flag(&db, &facts, &common::new_flag_values(&common::long_action()), None)).unwrap();
    assert_eq!((step.label.as_str(), step.edits.len()), ("create", 1));
    let id = step.edits[0].flag_id;
    let stored = db
        .query_sync("SELECT session_id, source_agent FROM flags WHERE id = ?", &[Value::Integer(id)])
        .unwrap();
    assert_eq!(stored.rows[0], [open_session, Value::from("@backend.api")]);

    // Ask for information: the asked flag is locked by the same step, the new flag last.
    let asked = first_pending_unlocked(&db, 0);
    let step =
        block_on(create_flag(&db, &facts, &common::new_flag_values(&common::long_action()), Some(asked)))
            .unwrap();
    assert_eq!(step.label, "ask for information");
    assert_eq!(step.edits.len(), 2);
    assert_eq!((step.edits[0].flag_id, step.edits[0].label.as_str()), (asked, "lock"));
    assert_eq!(step.edits[1].flag_id, id + 1);
    let locked = db.query_sync("SELECT locked FROM flags WHERE id = ?", &[Value::Integer(asked)]).unwrap();
    assert_eq!(locked.scalar(), Some(&Value::Integer(1)));

    // A refused flag leaves the lock undone as well: all or nothing.
    let before = all_rows(&db);
    let other = first_pending_unlocked(&db, 0);
    let refused = block_on(create_flag(&db, &facts, &common::new_flag_values("too short"), Some(other)));
    assert!(matches!(refused, Err(EditError::Refused(m)) if m.starts_with("action_required")));
    assert_eq!(all_rows(&db), before);
}

#[test]
fn replaying_onto_a_newer_file_leaves_out_the_steps_whose_rows_changed_on_disk() {
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (opened, _, _) = common::open_and_inspect(&bytes).unwrap();
    let (disk, _, _) = common::open_and_inspect(&bytes).unwrap();
    let (locked, completed, third) = (
        first_pending_unlocked(&opened, 0),
        first_pending_unlocked(&opened, 1),
        first_pending_unlocked(&opened, 2),
    );
    // The person's steps, made on the copy they opened.
    let mut steps = Vec::new();
    for (id, label, values) in [
        (locked, "lock", lock_values(true)),
        (completed, "complete", complete_values("2025-09-01 11:00", Some("@me"), None)),
        (third, "lock", lock_values(true)),
    ] {
        let edit = block_on(plan(&opened, id, label, &values)).unwrap().unwrap();
        block_on(run_all(&opened, std::slice::from_ref(&edit), true)).unwrap();
        steps.push(Step { label: label.to_owned(), edits: vec![edit] });
    }
    // Meanwhile an agent locked the third flag (as the person did) and completed the second.
    disk.query_sync("UPDATE flags SET locked = 1 WHERE id = ?", &[Value::Integer(third)]).unwrap();
    disk.query_sync(
        "UPDATE flags SET status = 'completed', completed_at = '2025-09-01 10:59', completed_by = '@agent' WHERE id = ?",
        &[Value::Integer(completed)],
    )
    .unwrap();
    let agent_wrote =
        disk.query_sync("SELECT * FROM flags WHERE id = ?", &[Value::Integer(completed)]).unwrap();

    let merge = block_on(replay_onto(&disk, &steps));
    assert_eq!(merge.applied, [steps[0].clone()]);
    // The same lock on disk: already there, not a conflict (and not undoable from here).
    assert_eq!(merge.already, [steps[2].clone()]);
    assert_eq!(merge.conflicts.len(), 1);
    assert_eq!(merge.conflicts[0].0, steps[1]);
    assert!(matches!(merge.conflicts[0].1, EditError::Stale { flag_id, .. } if flag_id == completed));
    assert!(merge.conflict_lines()[0].starts_with("complete: Flag #"), "{:?}", merge.conflict_lines());
    // The agent's change stays; the others applied.
    assert_eq!(
        disk.query_sync("SELECT * FROM flags WHERE id = ?", &[Value::Integer(completed)]).unwrap(),
        agent_wrote
    );
    let locks = disk
        .query_sync(
            "SELECT locked FROM flags WHERE id IN (?, ?)",
            &[Value::Integer(locked), Value::Integer(third)],
        )
        .unwrap();
    assert!(locks.rows.iter().all(|r| r[0] == Value::Integer(1)));
}

fn v1_catalog() -> Option<(Vec<CatalogAgent>, SearchIndex)> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join("acolytes-v1-small.db")).unwrap();
    let catalog = block_on(read_catalog(&db, Generation::V1)).unwrap();
    let index = SearchIndex::new(&catalog.iter().map(CatalogAgent::search_text).collect::<Vec<_>>());
    Some((catalog, index))
}

#[test]
fn the_type_filter_keeps_the_ranking_and_renumbers_it() {
    let Some((catalog, index)) = v1_catalog() else { return };
    let query = Query::new("api database").unwrap();
    assert_eq!(search_of_type(&index, &catalog, &query, "", 5), index.search(&query, 5));
    let all = index.search(&query, usize::MAX);
    let kind = catalog[all[0].index].agent_type.clone();
    let expected: Vec<usize> =
        all.iter().filter(|h| catalog[h.index].agent_type == kind).map(|h| h.index).take(3).collect();
    let hits = search_of_type(&index, &catalog, &query, &kind, 3);
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), expected);
    assert_eq!(hits.iter().map(|h| h.rank).collect::<Vec<_>>(), (1..=hits.len()).collect::<Vec<_>>());
    assert!(search_of_type(&index, &catalog, &query, "no such type", 10).is_empty());

    let by_name = catalog_rows(&catalog, &kind, CatalogOrder::Name, |_| 0);
    assert!(by_name.iter().all(|a| a.agent_type == kind));
    assert!(by_name.windows(2).all(|w| w[0].name <= w[1].name));
    let favourite = by_name.last().unwrap().name.clone();
    let by_pending = catalog_rows(&catalog, "", CatalogOrder::Pending, |n| (n == favourite) as i64);
    assert_eq!(by_pending.len(), catalog.len());
    assert_eq!(by_pending[0].name, favourite);
}

#[test]
fn the_suggested_target_is_the_top_search_result_for_the_change() {
    let Some((catalog, index)) = v1_catalog() else { return };
    let change = "The REST API of the orders service now validates JWT tokens";
    let top = &index.search_text(change)[0];
    assert_eq!(suggest_target(&index, &catalog, change), Some((catalog[top.index].name.clone(), top.score)));
    assert_eq!(suggest_target(&index, &catalog, "   "), None);
}
