//! Changes to flags and quests as values: each knows the SQL that applies it and the SQL that
//! takes it back, so the app can show every change since the file was opened, undo and redo
//! them, and refuse an undo when the row no longer holds what the change wrote.

use serde::{Deserialize, Serialize};

use super::port::{Database, DbError};
use super::schema::SchemaFacts;
use super::value::Value;
use super::vocabulary::{FlagAction, FlagColumn, Status, EDITABLE_COLUMNS};

/// Columns of `flags` that edits may change: the [`FlagColumn::editable`] ones.
pub const EDITABLE: &[&str] = EDITABLE_COLUMNS;

/// Columns of `acolyte_quests` that edits may change: what `quest_status.py` writes
/// (`acolyte_quest_core.change_status` → `update_quest`).
pub const QUEST_EDITABLE: &[&str] = &["status", "updated_at"];

/// The table an [`Edit`] changes. Stored edits written before quests existed have no `table`
/// and read as [`EditTable::Flags`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditTable {
    /// `flags`, keyed by `id`.
    #[default]
    Flags,
    /// `acolyte_quests`, keyed by `quest_id`.
    Quests,
}

impl EditTable {
    /// The table's name in SQL.
    pub fn table(self) -> &'static str {
        match self {
            EditTable::Flags => "flags",
            EditTable::Quests => "acolyte_quests",
        }
    }

    /// The key column (`id`, `quest_id`).
    pub fn key(self) -> &'static str {
        match self {
            EditTable::Flags => "id",
            EditTable::Quests => "quest_id",
        }
    }

    /// The columns edits may change in this table ([`EDITABLE`], [`QUEST_EDITABLE`]).
    pub fn editable(self) -> &'static [&'static str] {
        match self {
            EditTable::Flags => EDITABLE,
            EditTable::Quests => QUEST_EDITABLE,
        }
    }

    /// What a person calls a row of it ("Flag", "Quest").
    pub fn noun(self) -> &'static str {
        match self {
            EditTable::Flags => "Flag",
            EditTable::Quests => "Quest",
        }
    }
}

/// One column of one row, before and after. Serialized in full (the working copy kept in
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

/// Only the [`EDITABLE`] and [`QUEST_EDITABLE`] columns (and [`Edit`] checks them per table):
/// stored text can never put another column (or SQL) into a statement. (Written by hand:
/// serde's derive would tie a `&'static str` field to the input.)
impl<'de> Deserialize<'de> for FieldChange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StoredChange::deserialize(d)?;
        let column =
            EDITABLE.iter().chain(QUEST_EDITABLE).copied().find(|c| *c == s.column).ok_or_else(|| {
                serde::de::Error::custom(format!("{:?} is not a column flagdeck edits", s.column))
            })?;
        Ok(FieldChange { column, before: s.before, after: s.after })
    }
}

/// One step of the undo history: an update of one row (a flag, or a quest), or a new flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edit {
    /// The row's key in [`Edit::table`]: the flag's `id`, or the quest's `quest_id` (the
    /// name is the one stored edits have always had).
    pub flag_id: i64,
    /// What a person reads in the Changes panel ("complete", "lock", …).
    pub label: String,
    pub changes: Vec<FieldChange>,
    /// Set for a new flag: applying inserts the row (`after` values, `before` all NULL),
    /// reverting deletes it and puts `sqlite_sequence` back to this value. Flags only.
    pub created: Option<Created>,
    /// The table changed; absent in stored flag edits (read as [`EditTable::Flags`]).
    pub table: EditTable,
}

/// An [`Edit`] as read back from storage, before its columns are checked against its table.
#[derive(Deserialize)]
struct StoredEdit {
    flag_id: i64,
    label: String,
    changes: Vec<FieldChange>,
    created: Option<Created>,
    #[serde(default)]
    table: EditTable,
}

/// Each change's column must be editable in the edit's table, and only flags are created.
impl<'de> Deserialize<'de> for Edit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StoredEdit::deserialize(d)?;
        if let Some(c) = s.changes.iter().find(|c| !s.table.editable().contains(&c.column)) {
            return Err(serde::de::Error::custom(format!(
                "{:?} is not a column flagdeck edits in {}",
                c.column,
                s.table.table()
            )));
        }
        if s.created.is_some() && s.table != EditTable::Flags {
            return Err(serde::de::Error::custom("only flags are created by flagdeck"));
        }
        Ok(Edit {
            flag_id: s.flag_id,
            label: s.label,
            changes: s.changes,
            created: s.created,
            table: s.table,
        })
    }
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
    /// The tool's own rule forbids it, in the tool's words (a quest script's error, such as
    /// `Quest 3 is completed. No modifications allowed.` from `acolyte_quest_core.update_quest`).
    ToolRule(String),
    /// The row is gone or no longer holds what the edit expects (for undo/redo).
    Stale {
        table: EditTable,
        /// The row's key ([`Edit::flag_id`]).
        flag_id: i64,
        column: &'static str,
    },
    Engine(DbError),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Refused(m) => write!(f, "The database refused the change: {m}"),
            EditError::ToolRule(m) => write!(f, "{m}"),
            EditError::Stale { table, flag_id, column } => write!(
                f,
                "{} #{flag_id} changed since (its {column} is no longer what this step wrote), so it was left as it is.",
                table.noun()
            ),
            EditError::Engine(e) => write!(f, "The change could not be made: {}", e.message()),
        }
    }
}

fn column(name: &str) -> &'static str {
    EDITABLE.iter().copied().find(|c| *c == name).expect("only editable columns are changed")
}

/// Reads the current values of `columns` of row `id` of `table`.
pub(crate) async fn current<D: Database>(
    db: &D,
    table: EditTable,
    id: i64,
    columns: &[&'static str],
) -> Result<Option<Vec<Value>>, EditError> {
    let sql = format!("SELECT {} FROM {} WHERE {} = ?", columns.join(", "), table.table(), table.key());
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
    let table = EditTable::Flags;
    let Some(before) = current(db, table, flag_id, &columns).await? else {
        return Err(EditError::Stale { table, flag_id, column: columns.first().copied().unwrap_or("id") });
    };
    let changes: Vec<FieldChange> = columns
        .iter()
        .zip(before)
        .zip(wanted)
        .filter(|((_, before), (_, after))| before != after)
        .map(|((column, before), (_, after))| FieldChange { column, before, after: after.clone() })
        .collect();
    Ok((!changes.is_empty()).then(|| Edit {
        flag_id,
        label: label.to_owned(),
        changes,
        created: None,
        table,
    }))
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
    Ok(Edit {
        flag_id,
        label: label.to_owned(),
        changes,
        created: Some(Created { sequence_before }),
        table: EditTable::Flags,
    })
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
    if edit.table != EditTable::Flags {
        return Err(EditError::Engine(DbError::Engine("only flags are created by flagdeck".into())));
    }
    let table = edit.table;
    let columns: Vec<&'static str> = edit.changes.iter().map(|c| c.column).collect();
    let now = current(db, table, edit.flag_id, &columns).await?;
    if forward {
        if now.is_some() {
            return Err(EditError::Stale { table, flag_id: edit.flag_id, column: "id" });
        }
        let marks = vec!["?"; columns.len() + 1].join(", ");
        let sql = format!("INSERT INTO flags (id, {}) VALUES ({marks})", columns.join(", "));
        let mut params = vec![Value::Integer(edit.flag_id)];
        params.extend(edit.changes.iter().map(|c| c.after.clone()));
        return db.query(&sql, &params).await.map(drop).map_err(refused);
    }
    match now {
        None => return Err(EditError::Stale { table, flag_id: edit.flag_id, column: "id" }),
        Some(now) => {
            if let Some(i) = now.iter().zip(&edit.changes).position(|(a, c)| *a != c.after) {
                return Err(EditError::Stale { table, flag_id: edit.flag_id, column: columns[i] });
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
    let table = edit.table;
    if edit.changes.is_empty() {
        return Ok(());
    }
    if let Some(c) = edit.changes.iter().find(|c| !table.editable().contains(&c.column)) {
        return Err(EditError::Engine(DbError::Engine(format!(
            "{} is not a column flagdeck edits in {}",
            c.column,
            table.table()
        ))));
    }
    let columns: Vec<&'static str> = edit.changes.iter().map(|c| c.column).collect();
    let expected: Vec<&Value> =
        edit.changes.iter().map(|c| if forward { &c.before } else { &c.after }).collect();
    let Some(now) = current(db, table, edit.flag_id, &columns).await? else {
        return Err(EditError::Stale { table, flag_id: edit.flag_id, column: columns[0] });
    };
    if let Some(i) = now.iter().zip(&expected).position(|(a, b)| a != *b) {
        return Err(EditError::Stale { table, flag_id: edit.flag_id, column: columns[i] });
    }
    let set: Vec<String> = columns.iter().map(|c| format!("{c} = ?")).collect();
    let mut params: Vec<Value> =
        edit.changes.iter().map(|c| if forward { c.after.clone() } else { c.before.clone() }).collect();
    params.push(Value::Integer(edit.flag_id));
    let sql = format!("UPDATE {} SET {} WHERE {} = ?", table.table(), set.join(", "), table.key());
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
/// fails, or the COMMIT does, the transaction is rolled back and the database is as it was.
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
        // A COMMIT that fails (a deferred constraint, say) leaves SQLite in the transaction:
        // it is rolled back, so the database is as it was and no transaction stays open.
        Ok(()) => match db.execute_batch("COMMIT").await {
            Ok(()) => Ok(()),
            Err(e) => {
                db.execute_batch("ROLLBACK").await.map_err(EditError::Engine)?;
                Err(EditError::Engine(e))
            }
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_that_fails_is_rolled_back_and_leaves_no_transaction_open() {
        use crate::native::NativeDb;
        let db = NativeDb::open_bytes(&[]).unwrap();
        pollster::block_on(async {
            db.execute_batch(
                "PRAGMA foreign_keys = ON;
                 CREATE TABLE agents (name TEXT PRIMARY KEY);
                 CREATE TABLE flags (id INTEGER PRIMARY KEY,
                   target_agent TEXT REFERENCES agents (name) DEFERRABLE INITIALLY DEFERRED);
                 INSERT INTO flags (id, target_agent) VALUES (1, NULL);",
            )
            .await
            .unwrap();
            // The deferred foreign key passes the UPDATE and fails the COMMIT.
            let edit = Edit {
                flag_id: 1,
                label: "edit".into(),
                changes: vec![FieldChange {
                    column: "target_agent",
                    before: Value::Null,
                    after: Value::from("@nobody"),
                }],
                created: None,
                table: EditTable::Flags,
            };
            assert!(run_all(&db, &[edit], true).await.is_err(), "the COMMIT fails");
            db.execute_batch("BEGIN; ROLLBACK;").await.expect("no transaction is left open");
            let rs = db.query("SELECT target_agent FROM flags WHERE id = 1", &[]).await.unwrap();
            assert_eq!(rs.scalar(), Some(&Value::Null), "the row is as it was");
        });
    }

    #[test]
    fn stored_flag_edits_without_a_table_still_read_and_columns_are_checked_per_table() {
        // An edit as the working copy stored it before quests existed.
        let old = r#"{"flag_id":7,"label":"lock","changes":[{"column":"locked","before":{"Integer":0},"after":{"Integer":1}}],"created":null}"#;
        let edit: Edit = serde_json::from_str(old).unwrap();
        assert_eq!((edit.table, edit.flag_id, edit.changes[0].column), (EditTable::Flags, 7, "locked"));
        let quest = Edit {
            flag_id: 3,
            label: "status: failed".into(),
            changes: vec![FieldChange {
                column: "updated_at",
                before: Value::Integer(1),
                after: Value::Integer(2),
            }],
            created: None,
            table: EditTable::Quests,
        };
        let text = serde_json::to_string(&quest).unwrap();
        assert_eq!(serde_json::from_str::<Edit>(&text).unwrap(), quest);
        // updated_at is a quest column, not a flag one; locked is a flag column, not a quest one.
        let as_flag = text.replace("\"Quests\"", "\"Flags\"");
        let err = serde_json::from_str::<Edit>(&as_flag).unwrap_err().to_string();
        assert!(err.contains("\"updated_at\" is not a column flagdeck edits in flags"), "{err}");
        let locked = old.replace("\"created\":null", "\"created\":null,\"table\":\"Quests\"");
        let err = serde_json::from_str::<Edit>(&locked).unwrap_err().to_string();
        assert!(err.contains("in acolyte_quests"), "{err}");
        let created = text.replace("\"created\":null", "\"created\":{\"sequence_before\":null}");
        assert!(serde_json::from_str::<Edit>(&created).is_err());
    }

    #[test]
    fn stale_and_rule_errors_name_the_row_in_words() {
        let stale = EditError::Stale { table: EditTable::Quests, flag_id: 4, column: "status" };
        assert!(stale.to_string().starts_with("Quest #4 changed since"));
        let rule = EditError::ToolRule("Quest 4 is completed. No modifications allowed.".into());
        assert_eq!(rule.to_string(), "Quest 4 is completed. No modifications allowed.");
    }
}
