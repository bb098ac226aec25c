//! The working copy's journal: what the browser keeps so that no change is lost when the tab is
//! reloaded, closed or crashes.
//!
//! The database itself is stored once, as opened (its original bytes). After that only the
//! history is stored, as an append-only log: one small record per change (the new step, or
//! "undid" / "redid"), so writing after an edit costs the same at 300 flags or 100k, and never
//! grows with the history. Resuming rebuilds the history from the log ([`rebuild`]) without
//! touching the database, then applies its steps to the original bytes in order ([`replay`]).
//!
//! Pure: the browser shell does the storage (IndexedDB), the native tests do the same replay on
//! rusqlite.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::edits::{run_all, EditError, History, Step};
use super::port::Database;

/// The format of what is stored; a working copy of another format is offered for discarding only.
pub const FORMAT: u32 = 1;

/// How the history changed, in the order it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Entry {
    /// A new step was applied (an edit, a new flag, a bulk action); what could be redone is gone.
    Did(Step),
    /// The last applied step was taken back.
    Undid,
    /// The last undone step was applied again.
    Redid,
    /// The whole history: written in place of the next entry when an earlier record may be
    /// missing (a write failed, or a resume applied fewer steps than were stored), so the log is
    /// complete again from here on.
    Snapshot { history: History, exported_at_ms: Option<f64> },
    /// The database was exported as the history stood.
    Exported,
}

/// One stored record. `seq` counts from 0 for each opened database, so a missing record shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    /// When (milliseconds since 1970, the browser's clock).
    pub at_ms: f64,
    pub entry: Entry,
}

/// Where a stored database came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Origin {
    File,
    Url(String),
    Demo,
}

/// What is stored beside the original bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub format: u32,
    /// Names this opened database's records (a new one for every open).
    pub id: String,
    pub name: String,
    pub origin: Origin,
    /// Size and header change counter of the original bytes: checked before a resume, so a
    /// damaged or foreign copy is never replayed onto.
    pub size: u64,
    pub change_counter: u32,
    pub opened_at_ms: f64,
    /// The `-wal` file the original was read with (its name and what was applied): the stored
    /// original is the image with it applied, and a resumed copy says so as the first open did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wal: Option<(String, crate::wal::WalReport)>,
}

/// The history the log describes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rebuilt {
    pub history: History,
    /// The log from here on is complete: the next record gets this number.
    pub next_seq: u64,
    /// Changes since the last export (or since opening, if never exported).
    pub unexported: bool,
    pub exported_at_ms: Option<f64>,
    /// When the last record was written.
    pub last_at_ms: Option<f64>,
    /// Why the log could not be followed to its end; the history is as it stood before that.
    pub problem: Option<String>,
}

/// Rebuilds the history from the stored records (in `seq` order). Stops at the first record
/// that does not follow (a missing number, an undo with nothing to undo) unless a later
/// snapshot makes the log whole again; what came before stays.
pub fn rebuild(records: &[Record]) -> Rebuilt {
    let mut out = Rebuilt::default();
    // While `broken`, records are skipped until a snapshot.
    let mut broken = false;
    for record in records {
        out.last_at_ms = Some(record.at_ms);
        if let Entry::Snapshot { history, exported_at_ms } = &record.entry {
            out.history = history.clone();
            out.exported_at_ms = *exported_at_ms;
            out.unexported = true;
            out.next_seq = record.seq + 1;
            out.problem = None;
            broken = false;
            continue;
        }
        if broken {
            continue;
        }
        if record.seq != out.next_seq {
            out.problem = Some(format!(
                "record {} of the stored changes is missing (the next one found is {})",
                out.next_seq + 1,
                record.seq + 1
            ));
            broken = true;
            continue;
        }
        let h = &mut out.history;
        match &record.entry {
            Entry::Did(step) => h.record_step(step.clone()),
            Entry::Undid | Entry::Redid => {
                let (from, to) = if record.entry == Entry::Undid {
                    (&mut h.done, &mut h.undone)
                } else {
                    (&mut h.undone, &mut h.done)
                };
                match from.pop() {
                    Some(step) => to.push(step),
                    None => {
                        out.problem =
                            Some(format!("record {} takes back a change that is not there", record.seq + 1));
                        broken = true;
                        continue;
                    }
                }
            }
            Entry::Exported => {
                out.exported_at_ms = Some(record.at_ms);
                out.unexported = false;
                out.next_seq = record.seq + 1;
                continue;
            }
            Entry::Snapshot { .. } => unreachable!("handled above"),
        }
        out.unexported = true;
        out.next_seq = record.seq + 1;
    }
    out
}

/// A step of the stored history that could not be applied again.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayFailure {
    /// 0-based position in the applied steps.
    pub index: usize,
    pub total: usize,
    pub label: String,
    pub error: EditError,
}

impl fmt::Display for ReplayFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Change {} of {} (\"{}\") could not be made again: {}",
            self.index + 1,
            self.total,
            self.label,
            self.error
        )
    }
}

/// Applies the applied steps of `wanted` to a database holding the original bytes, oldest
/// first, each in its own transaction as it was made. Returns the history that now holds: all of
/// `wanted` (undone steps included, so redo works) when every step applied; otherwise the steps
/// before the failing one, and the failure.
pub async fn replay<D: Database>(db: &D, wanted: &History) -> (History, Option<ReplayFailure>) {
    let mut applied = History::default();
    for (index, step) in wanted.done.iter().enumerate() {
        if let Err(error) = run_all(db, &step.edits, true).await {
            let failure = ReplayFailure { index, total: wanted.done.len(), label: step.label.clone(), error };
            return (applied, Some(failure));
        }
        applied.done.push(step.clone());
    }
    applied.undone = wanted.undone.clone();
    (applied, None)
}

/// What replaying a history onto a newer copy of the file gave (save in place, when agents
/// wrote to the file meanwhile).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merge {
    /// The steps now in the newer database, oldest first.
    pub applied: Vec<Step>,
    /// The steps left out, each with why: the rows they change no longer hold what they
    /// expect ([`EditError::Stale`]), or SQLite refused them.
    pub conflicts: Vec<(Step, EditError)>,
    /// The steps whose every value the newer file already holds (an agent made the same change):
    /// nothing to apply and nothing lost, so neither applied (undoing one would undo the
    /// agent's) nor a conflict.
    pub already: Vec<Step>,
}

impl Merge {
    /// One line per conflict, as the save dialog lists them: `label: reason`.
    pub fn conflict_lines(&self) -> Vec<String> {
        self.conflicts.iter().map(|(step, e)| format!("{}: {e}", step.label)).collect()
    }
}

/// Applies `steps` (oldest first) to a newer database, each in its own transaction as it was
/// made. A step whose rows changed on disk (or that SQLite now refuses) is a conflict: it is
/// rolled back and left out, and the later steps are still tried. Errors are never returned:
/// they are the conflicts.
pub async fn replay_onto<D: Database>(db: &D, steps: &[Step]) -> Merge {
    let mut merge = Merge::default();
    for step in steps {
        match run_all(db, &step.edits, true).await {
            Ok(()) => merge.applied.push(step.clone()),
            Err(e @ EditError::Stale { .. }) => match already_holds(db, step).await {
                true => merge.already.push(step.clone()),
                false => merge.conflicts.push((step.clone(), e)),
            },
            Err(e) => merge.conflicts.push((step.clone(), e)),
        }
    }
    merge
}

/// Whether every row `step` changes already holds the values it writes (a created flag: a row
/// of that id with those values).
async fn already_holds<D: Database>(db: &D, step: &Step) -> bool {
    for edit in &step.edits {
        let columns: Vec<&'static str> = edit.changes.iter().map(|c| c.column).collect();
        match crate::edits::current(db, edit.table, edit.flag_id, &columns).await {
            Ok(Some(now)) if now.iter().zip(&edit.changes).all(|(v, c)| *v == c.after) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edits::{Edit, EditTable, FieldChange};
    use crate::Value;

    fn step(label: &str, id: i64) -> Step {
        let change = FieldChange { column: "locked", before: Value::Integer(0), after: Value::Integer(1) };
        Step {
            label: label.into(),
            edits: vec![Edit {
                flag_id: id,
                label: label.into(),
                changes: vec![change],
                created: None,
                table: EditTable::Flags,
            }],
        }
    }

    fn records(entries: Vec<Entry>) -> Vec<Record> {
        entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| Record { seq: i as u64, at_ms: i as f64, entry })
            .collect()
    }

    #[test]
    fn follows_did_undid_redid_and_a_new_step_clears_redo() {
        let r = rebuild(&records(vec![
            Entry::Did(step("a", 1)),
            Entry::Did(step("b", 2)),
            Entry::Undid,
            Entry::Undid,
            Entry::Redid,
        ]));
        assert_eq!(r.history.done, vec![step("a", 1)]);
        assert_eq!(r.history.undone, vec![step("b", 2)]);
        assert_eq!((r.next_seq, r.unexported, r.problem.clone()), (5, true, None));
        let r = rebuild(&records(vec![Entry::Did(step("a", 1)), Entry::Undid, Entry::Did(step("c", 3))]));
        assert_eq!(r.history, History { done: vec![step("c", 3)], undone: vec![] });
    }

    #[test]
    fn export_marks_the_history_exported_until_the_next_change() {
        let r = rebuild(&records(vec![Entry::Did(step("a", 1)), Entry::Exported]));
        assert!(!r.unexported);
        assert_eq!(r.exported_at_ms, Some(1.0));
        let r = rebuild(&records(vec![Entry::Did(step("a", 1)), Entry::Exported, Entry::Undid]));
        assert!(r.unexported);
        assert_eq!(r.exported_at_ms, Some(1.0));
    }

    #[test]
    fn a_missing_record_stops_the_log_until_a_snapshot() {
        let mut log =
            records(vec![Entry::Did(step("a", 1)), Entry::Did(step("b", 2)), Entry::Did(step("c", 3))]);
        log.remove(1);
        let r = rebuild(&log);
        assert_eq!(r.history.done, vec![step("a", 1)], "what came before the gap stays");
        assert!(r.problem.as_deref().unwrap().contains("record 2"), "{:?}", r.problem);
        assert_eq!(r.next_seq, 1);

        let whole = History { done: vec![step("a", 1), step("d", 4)], undone: vec![] };
        log.push(Record {
            seq: 5,
            at_ms: 5.0,
            entry: Entry::Snapshot { history: whole.clone(), exported_at_ms: None },
        });
        log.push(Record { seq: 6, at_ms: 6.0, entry: Entry::Undid });
        let r = rebuild(&log);
        assert_eq!(r.problem, None);
        assert_eq!(r.history.done, vec![step("a", 1)]);
        assert_eq!(r.history.undone, vec![step("d", 4)]);
        assert_eq!(r.next_seq, 7);
    }

    #[test]
    fn an_undo_of_nothing_is_reported() {
        let r = rebuild(&records(vec![Entry::Undid, Entry::Did(step("a", 1))]));
        assert_eq!(r.history, History::default());
        assert!(r.problem.is_some());
    }
}
