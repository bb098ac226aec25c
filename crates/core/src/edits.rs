//! Changes to flags as values: each knows the SQL that applies it and the SQL that takes it
//! back, so the app can show every change since the file was opened, undo and redo them, and
//! refuse an undo when the row no longer holds what the change wrote.

use serde::{Deserialize, Serialize};

use super::port::{Database, DbError};
use super::schema::SchemaFacts;
use super::value::Value;
use super::vocabulary::{FlagAction, FlagColumn, Status, EDITABLE_COLUMNS};

/// Columns of `flags` that edits may change: the [`FlagColumn::editable`] ones.
pub const EDITABLE: &[&str] = EDITABLE_COLUMNS;

/// One column of one flag, before and after. Serialized in full (the working copy kept in
/// browser storage is replayed from these), so the values keep their storage class exactly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub column: &'static str,
    pub before: Value,
    pub after: Value,
}

/// A [`FieldChange`] as read back from storage, before its column is checked.
#[derive(Deserialize)]
struct StoredChange {
    column: String,
    before: Value,
    after: Value,
}

/// Only the [`EDITABLE`] columns: stored text can never put another column (or SQL) into a
/// statement. (Written by hand: serde's derive would tie a `&'static str` field to the input.)
impl<'de> Deserialize<'de> for FieldChange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StoredChange::deserialize(d)?;
        let column = EDITABLE.iter().copied().find(|c| *c == s.column).ok_or_else(|| {
            serde::de::Error::custom(format!("{:?} is not a column flagdeck edits", s.column))
        })?;
        Ok(FieldChange { column, before: s.before, after: s.after })
    }
}

/// One step of the undo history: an update of one flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub flag_id: i64,
    /// What a person reads in the Changes panel ("complete", "lock", …).
    pub label: String,
    pub changes: Vec<FieldChange>,
    /// Set for a new flag: applying inserts the row (`after` values, `before` all NULL),
    /// reverting deletes it and puts `sqlite_sequence` back to this value.
    pub created: Option<Created>,
}

/// What undoing an insert must restore besides removing the row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    /// `sqlite_sequence.seq` for flags before the insert (None: there was no row for flags).
    pub sequence_before: Option<i64>,
}

/// Why an edit was not applied. Nothing was changed in either case.
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// SQLite refused (a trigger's RAISE or a constraint): its own words.
    Refused(String),
    /// The row is gone or no longer holds what the edit expects (for undo/redo).
    Stale {
        flag_id: i64,
        column: &'static str,
    },
    Engine(DbError),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Refused(m) => write!(f, "The database refused the change: {m}"),
            EditError::Stale { flag_id, column } => write!(
                f,
                "Flag #{flag_id} changed since (its {column} is no longer what this step wrote), so it was left as it is."
            ),
            EditError::Engine(e) => write!(f, "The change could not be made: {}", e.message()),
        }
    }
}

fn column(name: &str) -> &'static str {
    EDITABLE.iter().copied().find(|c| *c == name).expect("only editable columns are changed")
}

/// Reads the current values of `columns` of a flag.
async fn current<D: Database>(
    db: &D,
    id: i64,
    columns: &[&'static str],
) -> Result<Option<Vec<Value>>, EditError> {
    let sql = format!("SELECT {} FROM flags WHERE id = ?", columns.join(", "));
    let rs = db.query(&sql, &[Value::Integer(id)]).await.map_err(EditError::Engine)?;
    Ok(rs.rows.into_iter().next())
}

/// Builds an edit from the wanted new values, reading the current ones. Columns whose value
/// does not change are left out; `None` when nothing changes.
pub async fn plan<D: Database>(
    db: &D,
    flag_id: i64,
    label: &str,
    wanted: &[(&str, Value)],
) -> Result<Option<Edit>, EditError> {
    let columns: Vec<&'static str> = wanted.iter().map(|(c, _)| column(c)).collect();
    let Some(before) = current(db, flag_id, &columns).await? else {
        return Err(EditError::Stale { flag_id, column: columns.first().copied().unwrap_or("id") });
    };
    let changes: Vec<FieldChange> = columns
        .iter()
        .zip(before)
        .zip(wanted)
        .filter(|((_, before), (_, after))| before != after)
        .map(|((column, before), (_, after))| FieldChange { column, before, after: after.clone() })
        .collect();
    Ok((!changes.is_empty()).then(|| Edit { flag_id, label: label.to_owned(), changes, created: None }))
}

/// Plans a new flag with the next id the table would give it (AUTOINCREMENT: above both the
/// largest id and `sqlite_sequence`).
pub async fn plan_insert<D: Database>(
    db: &D,
    label: &str,
    values: &[(&str, Value)],
) -> Result<Edit, EditError> {
    let rs = db
        .query(
            "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'flags'), (SELECT max(id) FROM flags)",
            &[],
        )
        .await
        .map_err(EditError::Engine)?;
    let row = rs.rows.first().cloned().unwrap_or_default();
    let sequence_before = row.first().and_then(Value::as_i64);
    let max_id = row.get(1).and_then(Value::as_i64).unwrap_or(0);
    let flag_id = sequence_before.unwrap_or(0).max(max_id) + 1;
    let changes = values
        .iter()
        .map(|(c, v)| FieldChange { column: column(c), before: Value::Null, after: v.clone() })
        .collect();
    Ok(Edit { flag_id, label: label.to_owned(), changes, created: Some(Created { sequence_before }) })
}

fn refused(e: DbError) -> EditError {
    match e {
        DbError::Sqlite(m) => EditError::Refused(m),
        other => EditError::Engine(other),
    }
}

/// Inserts (forward) or removes (back) the row of a created flag.
async fn write_created<D: Database>(
    db: &D,
    edit: &Edit,
    created: &Created,
    forward: bool,
) -> Result<(), EditError> {
    let columns: Vec<&'static str> = edit.changes.iter().map(|c| c.column).collect();
    let now = current(db, edit.flag_id, &columns).await?;
    if forward {
        if now.is_some() {
            return Err(EditError::Stale { flag_id: edit.flag_id, column: "id" });
        }
        let marks = vec!["?"; columns.len() + 1].join(", ");
        let sql = format!("INSERT INTO flags (id, {}) VALUES ({marks})", columns.join(", "));
        let mut params = vec![Value::Integer(edit.flag_id)];
        params.extend(edit.changes.iter().map(|c| c.after.clone()));
        return db.query(&sql, &params).await.map(drop).map_err(refused);
    }
    match now {
        None => return Err(EditError::Stale { flag_id: edit.flag_id, column: "id" }),
        Some(now) => {
            if let Some(i) = now.iter().zip(&edit.changes).position(|(a, c)| *a != c.after) {
                return Err(EditError::Stale { flag_id: edit.flag_id, column: columns[i] });
            }
        }
    }
    db.query("DELETE FROM flags WHERE id = ?", &[Value::Integer(edit.flag_id)]).await.map_err(refused)?;
    let restore = match created.sequence_before {
        Some(seq) => {
            db.query("UPDATE sqlite_sequence SET seq = ? WHERE name = 'flags'", &[Value::Integer(seq)]).await
        }
        None => db.query("DELETE FROM sqlite_sequence WHERE name = 'flags'", &[]).await,
    };
    restore.map(drop).map_err(refused)
}

/// Writes one side of an edit (`forward`: the new values; otherwise the old ones) after checking
/// that the row holds the other side. One UPDATE statement: all columns or none.
async fn write<D: Database>(db: &D, edit: &Edit, forward: bool) -> Result<(), EditError> {
    if let Some(created) = &edit.created {
        return write_created(db, edit, created, forward).await;
    }
    let columns: Vec<&'static str> = edit.changes.iter().map(|c| c.column).collect();
    let expected: Vec<&Value> =
        edit.changes.iter().map(|c| if forward { &c.before } else { &c.after }).collect();
    let Some(now) = current(db, edit.flag_id, &columns).await? else {
        return Err(EditError::Stale { flag_id: edit.flag_id, column: columns[0] });
    };
    if let Some(i) = now.iter().zip(&expected).position(|(a, b)| a != *b) {
        return Err(EditError::Stale { flag_id: edit.flag_id, column: columns[i] });
    }
    let set: Vec<String> = columns.iter().map(|c| format!("{c} = ?")).collect();
    let mut params: Vec<Value> =
        edit.changes.iter().map(|c| if forward { c.after.clone() } else { c.before.clone() }).collect();
    params.push(Value::Integer(edit.flag_id));
    let sql = format!("UPDATE flags SET {} WHERE id = ?", set.join(", "));
    db.query(&sql, &params).await.map(drop).map_err(refused)
}

pub async fn apply<D: Database>(db: &D, edit: &Edit) -> Result<(), EditError> {
    write(db, edit, true).await
}

pub async fn revert<D: Database>(db: &D, edit: &Edit) -> Result<(), EditError> {
    write(db, edit, false).await
}

/// `complete-flag ID [AGENT]`: status, completed_at in the tool's local `YYYY-MM-DD HH:MM`,
/// completed_by as given (the tool adds no `@` here, and leaves it NULL when not given), and
/// optional notes. Like the tool, completing does not unlock.
pub fn complete_values(now: &str, agent: Option<&str>, notes: Option<&str>) -> Vec<(&'static str, Value)> {
    let mut v = vec![
        (FlagColumn::Status.sql(), Value::from(Status::Completed.sql())),
        ("completed_at", Value::from(now)),
        (
            "completed_by",
            agent.filter(|a| !a.trim().is_empty()).map(|a| Value::from(a.trim())).unwrap_or(Value::Null),
        ),
    ];
    if let Some(notes) = notes.filter(|n| !n.trim().is_empty()) {
        v.push(("notes", Value::from(notes)));
    }
    v
}

/// Back to pending: the completion fields are cleared.
pub fn reopen_values() -> Vec<(&'static str, Value)> {
    vec![
        (FlagColumn::Status.sql(), Value::from(Status::Pending.sql())),
        (FlagColumn::CompletedAt.sql(), Value::Null),
        (FlagColumn::CompletedBy.sql(), Value::Null),
    ]
}

pub fn lock_values(locked: bool) -> Vec<(&'static str, Value)> {
    vec![(FlagColumn::Locked.sql(), Value::Integer(locked as i64))]
}

/// One entry of the undo history: one edit, or several made together (a bulk action), which
/// are applied and taken back all or nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub label: String,
    pub edits: Vec<Edit>,
}

/// Runs `edits` forward (or backward, in reverse order) inside one transaction: if any of them
/// fails, the transaction is rolled back and the database is as it was.
pub async fn run_all<D: Database>(db: &D, edits: &[Edit], forward: bool) -> Result<(), EditError> {
    db.execute_batch("BEGIN").await.map_err(EditError::Engine)?;
    let mut result = Ok(());
    let ordered: Vec<&Edit> = if forward { edits.iter().collect() } else { edits.iter().rev().collect() };
    for edit in ordered {
        result = write(db, edit, forward).await;
        if result.is_err() {
            break;
        }
    }
    match result {
        Ok(()) => db.execute_batch("COMMIT").await.map_err(EditError::Engine),
        Err(e) => {
            db.execute_batch("ROLLBACK").await.map_err(EditError::Engine)?;
            Err(e)
        }
    }
}

/// The undo history: applied steps, and undone steps that can be redone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub done: Vec<Step>,
    pub undone: Vec<Step>,
}

impl History {
    /// Records an applied edit; a new edit clears what could be redone.
    pub fn record(&mut self, edit: Edit) {
        self.record_step(Step { label: edit.label.clone(), edits: vec![edit] });
    }

    pub fn record_step(&mut self, step: Step) {
        self.done.push(step);
        self.undone.clear();
    }

    /// Every edit applied so far, oldest first (what export writes).
    pub fn edits(&self) -> impl Iterator<Item = &Edit> {
        self.done.iter().flat_map(|s| s.edits.iter())
    }

    pub async fn undo<D: Database>(&mut self, db: &D) -> Result<Option<Step>, EditError> {
        let Some(step) = self.done.last().cloned() else { return Ok(None) };
        run_all(db, &step.edits, false).await?;
        self.done.pop();
        self.undone.push(step.clone());
        Ok(Some(step))
    }

    pub async fn redo<D: Database>(&mut self, db: &D) -> Result<Option<Step>, EditError> {
        let Some(step) = self.undone.last().cloned() else { return Ok(None) };
        run_all(db, &step.edits, true).await?;
        self.undone.pop();
        self.done.push(step.clone());
        Ok(Some(step))
    }
}

/// The open work period agent_db.py files a new flag under: the newest `sessions` row not yet
/// ended (`SELECT id FROM sessions WHERE ended_at IS NULL ORDER BY created_at DESC LIMIT 1`).
/// `None` when the file has no `sessions` table (v0); `Some(Value::Null)` when no period is open.
pub async fn open_session<D: Database>(db: &D, facts: &SchemaFacts) -> Result<Option<Value>, EditError> {
    if !facts.has_table("sessions") {
        return Ok(None);
    }
    let rs = db
        .query("SELECT id FROM sessions WHERE ended_at IS NULL ORDER BY created_at DESC LIMIT 1", &[])
        .await
        .map_err(EditError::Engine)?;
    Ok(Some(rs.scalar().cloned().unwrap_or(Value::Null)))
}

/// Creates a flag the way agent_db.py does and returns the step to record: `values` (column,
/// value) plus `session_id` of the open work period when the file has `sessions` (see
/// [`open_session`]). With `lock`, that flag is locked in the same transaction ("ask for
/// information": the question is asked and the flag waits for the answer); the step is then
/// labelled [`FlagAction::Ask`], otherwise [`FlagAction::New`]. The new flag's edit is the
/// step's last. All or nothing: errors ([`EditError::Refused`] in SQLite's words, `Stale` when
/// the flag to lock is gone) leave the database as it was.
pub async fn create_flag<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    values: &[(&'static str, Value)],
    lock: Option<i64>,
) -> Result<Step, EditError> {
    let mut values = values.to_vec();
    if let Some(session) = open_session(db, facts).await? {
        values.push((FlagColumn::SessionId.sql(), session));
    }
    let action = if lock.is_some() { FlagAction::Ask } else { FlagAction::New };
    let label = action.label();
    let mut edits = Vec::new();
    if let Some(asked) = lock {
        edits.extend(plan(db, asked, FlagAction::Lock.label(), &lock_values(true)).await?);
    }
    edits.push(plan_insert(db, label, &values).await?);
    run_all(db, &edits, true).await?;
    Ok(Step { label: label.to_owned(), edits })
}
