#![cfg(not(target_arch = "wasm32"))]
//! The durable working copy: the stored history round-trips through JSON exactly, and replaying
//! it on the original bytes gives the database the live edits gave (and a history that undoes).

mod common;

use flagdeck_core::edits::{
    apply, complete_values, lock_values, plan, plan_insert, run_all, Created, Edit, EditTable, FieldChange,
    History, Step,
};
use flagdeck_core::journal::{rebuild, replay, Entry, Origin, Record, SessionMeta};
use flagdeck_core::native::NativeDb;
use flagdeck_core::Value;
use pollster::block_on;

fn change(column: &'static str, before: Value, after: Value) -> FieldChange {
    FieldChange { column, before, after }
}

/// Every storage class, with the values a lossy encoding would get wrong.
fn every_kind() -> Vec<Value> {
    vec![
        Value::Null,
        Value::Integer(0),
        Value::Integer(i64::MIN),
        Value::Integer(i64::MAX),
        Value::Integer(9_007_199_254_740_993), // 2^53 + 1: not a JavaScript number
        Value::Real(1.0),                      // integral, still REAL
        Value::Real(0.1),
        Value::Real(-2.5e-300),
        Value::Real(5e-324),
        Value::Real(f64::MAX),
        Value::Real(f64::INFINITY),
        Value::Real(f64::NEG_INFINITY),
        Value::Real(-0.0),
        Value::Text(String::new()),
        Value::Text("naïve \"quoted\" \\ back\nslash ✓ 🚩 \u{0}".into()),
        Value::Text("1".into()), // text that looks like a number stays text
        Value::Blob(vec![]),
        Value::Blob(vec![0, 1, 0x7f, 0x80, 0xff]),
    ]
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn every_value_kind_round_trips_exactly() {
    for value in every_kind() {
        let json = to_json(&value);
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, value, "{json}");
        // Same storage class and, for REAL, the same bits (-0.0 == 0.0 would hide a sign).
        match (&back, &value) {
            (Value::Real(a), Value::Real(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{json}"),
            (a, b) => assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b)),
        }
    }
    let nan: Value = serde_json::from_str(&to_json(&Value::Real(f64::NAN))).unwrap();
    assert!(matches!(nan, Value::Real(f) if f.is_nan()));
    assert_eq!(to_json(&Value::Real(0.1)), r#"{"Real":"0.1"}"#);
    assert_eq!(to_json(&Value::Blob(vec![0, 255])), r#"{"Blob":"00ff"}"#);
}

#[test]
fn steps_and_records_round_trip_and_unknown_columns_are_refused() {
    let kinds = every_kind();
    let update = Edit {
        flag_id: 7,
        label: "edit".into(),
        changes: kinds
            .iter()
            .zip(kinds.iter().rev())
            .map(|(before, after)| change("notes", before.clone(), after.clone()))
            .collect(),
        created: None,
        table: EditTable::Flags,
    };
    let insert = |seq| Edit {
        flag_id: 301,
        label: "create".into(),
        changes: vec![
            change("change_description", Value::Null, Value::from("x")),
            change("locked", Value::Null, Value::Integer(0)),
        ],
        created: Some(Created { sequence_before: seq }),
        table: EditTable::Flags,
    };
    let steps = vec![
        Step { label: "edit".into(), edits: vec![update] },
        Step { label: "create".into(), edits: vec![insert(Some(300))] },
        Step { label: "create".into(), edits: vec![insert(None)] },
    ];
    for step in &steps {
        let back: Step = serde_json::from_str(&to_json(step)).unwrap();
        assert_eq!(&back, step);
    }
    let records = vec![
        Record { seq: 0, at_ms: 1.7e12, entry: Entry::Did(steps[0].clone()) },
        Record { seq: 1, at_ms: 1.7e12 + 1.0, entry: Entry::Undid },
        Record { seq: 2, at_ms: 1.7e12 + 2.0, entry: Entry::Redid },
        Record { seq: 3, at_ms: 1.7e12 + 3.0, entry: Entry::Exported },
        Record {
            seq: 4,
            at_ms: 1.7e12 + 4.0,
            entry: Entry::Snapshot {
                history: History { done: steps[..2].to_vec(), undone: steps[2..].to_vec() },
                exported_at_ms: Some(1.7e12 + 3.0),
            },
        },
    ];
    for record in &records {
        let back: Record = serde_json::from_str(&to_json(record)).unwrap();
        assert_eq!(&back, record);
    }
    let meta = SessionMeta {
        format: 1,
        id: "1700000000000-42".into(),
        name: "project.db".into(),
        origin: Origin::Url("https://example.org/p.db".into()),
        size: 1_998_848,
        change_counter: 42,
        opened_at_ms: 1.7e12,
        wal: None,
    };
    assert_eq!(serde_json::from_str::<SessionMeta>(&to_json(&meta)).unwrap(), meta);

    // A stored column name can only be one flagdeck edits: nothing else reaches the SQL.
    let good = to_json(&change("notes", Value::Null, Value::from("x")));
    for bad in ["id", "notes = notes; DROP TABLE flags; --", "Notes"] {
        let text = good.replace("\"notes\"", &to_json(&bad));
        let err = serde_json::from_str::<FieldChange>(&text).unwrap_err().to_string();
        assert!(err.contains("is not a column flagdeck edits"), "{bad}: {err}");
    }
    assert!(serde_json::from_str::<Value>(r#"{"Real":"1.0.0"}"#).is_err());
    assert!(serde_json::from_str::<Value>(r#"{"Blob":"0g"}"#).is_err());
    assert!(serde_json::from_str::<Value>(r#"{"Blob":"+f"}"#).is_err());
}

fn v1_bytes() -> Option<Vec<u8>> {
    common::fixture_bytes("acolytes-v1-small.db")
}

fn open(bytes: &[u8]) -> NativeDb {
    common::open_and_inspect(bytes).unwrap().0
}

/// Every row of every table, in rowid order, with its storage classes (the native adapter keeps
/// INTEGER, REAL, TEXT and BLOB apart).
fn contents(db: &NativeDb) -> Vec<(String, Vec<Vec<Value>>)> {
    let tables = db
        .query_sync("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", &[])
        .unwrap()
        .first_column_text();
    tables
        .into_iter()
        .map(|t| {
            let rows = db.query_sync(&format!("SELECT * FROM \"{t}\" ORDER BY rowid"), &[]).unwrap().rows;
            (t, rows)
        })
        .collect()
}

/// The app's side of a change: the step joins the history and one record is written (as JSON,
/// exactly as the browser stores it).
struct Live {
    history: History,
    log: Vec<String>,
}

impl Live {
    fn write(&mut self, entry: Entry) {
        let record = Record { seq: self.log.len() as u64, at_ms: self.log.len() as f64, entry };
        self.log.push(to_json(&record));
    }

    fn did(&mut self, step: Step) {
        self.history.record_step(step.clone());
        self.write(Entry::Did(step));
    }

    fn edit(&mut self, db: &NativeDb, id: i64, label: &str, values: &[(&str, Value)]) {
        let edit = block_on(plan(db, id, label, values)).unwrap().expect("something changes");
        block_on(apply(db, &edit)).unwrap();
        self.did(Step { label: label.into(), edits: vec![edit] });
    }

    fn undo(&mut self, db: &NativeDb) {
        block_on(self.history.undo(db)).unwrap().unwrap();
        self.write(Entry::Undid);
    }

    fn redo(&mut self, db: &NativeDb) {
        block_on(self.history.redo(db)).unwrap().unwrap();
        self.write(Entry::Redid);
    }
}

/// Edits of every kind through the app's code paths: complete, lock, a new flag, a bulk lock,
/// undo, redo, a second undo (left on the redo stack), an edit of NULL columns to values.
fn live_session(db: &NativeDb) -> Live {
    let mut live = Live { history: History::default(), log: Vec::new() };
    live.edit(db, 203, "complete", &complete_values("2025-09-01 10:15", Some("backend.api"), Some("done")));
    live.edit(db, 7, "lock", &lock_values(true));
    let created =
        block_on(plan_insert(db, "create", &common::new_flag_values(&common::long_action()))).unwrap();
    block_on(run_all(db, std::slice::from_ref(&created), true)).unwrap();
    live.did(Step { label: "create".into(), edits: vec![created] });
    let ids: Vec<i64> = db
        .query_sync("SELECT id FROM flags WHERE locked = 0 AND id <> 7 ORDER BY id LIMIT 3", &[])
        .unwrap()
        .rows
        .iter()
        .map(|r| r[0].as_i64().unwrap())
        .collect();
    let bulk: Vec<Edit> =
        ids.iter().map(|&id| block_on(plan(db, id, "lock", &lock_values(true))).unwrap().unwrap()).collect();
    block_on(run_all(db, &bulk, true)).unwrap();
    live.did(Step { label: "lock 3 flags".into(), edits: bulk });
    live.undo(db);
    live.redo(db);
    live.edit(
        db,
        12,
        "edit",
        &[("session_id", Value::from("session_0938cb398826")), ("chain_origin_id", Value::Integer(1))],
    );
    live.undo(db);
    live
}

#[test]
fn replaying_the_stored_log_on_the_original_bytes_gives_the_live_database() {
    let Some(original) = v1_bytes() else { return };
    let live_db = open(&original);
    let mut live = live_session(&live_db);
    let want = contents(&live_db);
    assert_ne!(want, contents(&open(&original)), "the session changed something");

    // A new tab: the records come back as text, the original bytes open as any file does.
    let records: Vec<Record> = live.log.iter().map(|json| serde_json::from_str(json).unwrap()).collect();
    let rebuilt = rebuild(&records);
    assert_eq!(rebuilt.problem, None);
    assert_eq!(rebuilt.history, live.history, "the log gives the live history, redo stack included");
    assert_eq!(rebuilt.next_seq, live.log.len() as u64);
    let resumed_db = open(&original);
    let (mut resumed, failure) = block_on(replay(&resumed_db, &rebuilt.history));
    assert_eq!(failure, None);
    assert_eq!(contents(&resumed_db), want, "every table, row and storage class");
    assert_eq!(resumed, live.history);

    // The restored history works like the live one: redo, then undo everything.
    block_on(resumed.redo(&resumed_db)).unwrap().unwrap();
    live.redo(&live_db);
    assert_eq!(contents(&resumed_db), contents(&live_db));
    while block_on(resumed.undo(&resumed_db)).unwrap().is_some() {}
    assert_eq!(contents(&resumed_db), contents(&open(&original)), "undo all gives the original back");
}

#[test]
fn a_step_that_cannot_be_replayed_is_named_and_the_steps_before_it_stay() {
    let Some(original) = v1_bytes() else { return };
    let live_db = open(&original);
    let live = live_session(&live_db);
    let records: Vec<Record> = live.log.iter().map(|json| serde_json::from_str(json).unwrap()).collect();
    let rebuilt = rebuild(&records);

    // Not the same file: flag 7 is already locked, so the second step ("lock") finds its row
    // holding something else.
    let other = open(&original);
    other.execute_batch_sync("UPDATE flags SET locked = 1 WHERE id = 7").unwrap();
    let before = contents(&other);
    let (applied, failure) = block_on(replay(&other, &rebuilt.history));
    let failure = failure.expect("the lock cannot be replayed");
    assert_eq!((failure.index, failure.total, failure.label.as_str()), (1, 4, "lock"));
    let text = failure.to_string();
    assert!(text.starts_with("Change 2 of 4 (\"lock\") could not be made again: Flag #7"), "{text}");
    assert_eq!(applied.done, rebuilt.history.done[..1].to_vec(), "the first step applied and stays");
    assert!(applied.undone.is_empty());
    assert_ne!(contents(&other), before);
}
