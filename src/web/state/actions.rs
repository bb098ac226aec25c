//! The actions that coordinate several contexts: opening a file, edits, undo and redo, export.
//! Each passes through the working copy (`working_copy` adds the methods that keep it).

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::files::live;
use crate::web::files::loader::{self, LoadError, Shared, Source, StoresRead, WalOutcome};
use crate::web::platform::browser::within;
use crate::web::platform::perf::mark;
use crate::web::quests::QuestLogs;
use crate::web::state::{Alerts, CatalogState, Changes, Nav, OpenDb, View};
use crate::web::working_copy::{Opened, WorkingCopy};
use flagdeck_core::edits::{self, Edit, EditError, Step};
use flagdeck_core::journal::Entry;
use flagdeck_core::summary;
use flagdeck_core::Value;

/// The actions that coordinate several contexts (opening, edits, undo, export) and the state
/// of the working copy. `Copy`, cheap to pass to components.
#[derive(Clone, Copy)]
pub struct AppState {
    nav: Nav,
    alerts: Alerts,
    db: OpenDb,
    changes: Changes,
    /// The working copy kept in browser storage (see `working_copy`).
    copy: WorkingCopy,
    /// The quest log files added beside the open database (see `quests::logs`).
    quest_logs: QuestLogs,
    /// The alerts and notes about how the database on screen was read (its `-wal`): replaced
    /// when follow mode reads it again.
    read_notices: StoredValue<Vec<u32>>,
}

impl AppState {
    pub(in crate::web) fn new((nav, alerts, db, changes): (Nav, Alerts, OpenDb, Changes)) -> Self {
        AppState {
            nav,
            alerts,
            db,
            changes,
            copy: WorkingCopy::new(),
            quest_logs: QuestLogs::new(),
            read_notices: StoredValue::new(Vec::new()),
        }
    }

    /// The quest log files added beside the open database (see [`QuestLogs`]).
    pub fn quest_logs(&self) -> QuestLogs {
        self.quest_logs
    }

    /// The open database (see [`OpenDb`]).
    pub fn db(&self) -> OpenDb {
        self.db
    }

    /// The working copy's state (see [`WorkingCopy`]).
    pub fn copy(&self) -> WorkingCopy {
        self.copy
    }

    /// The changes since opening (see [`Changes`]).
    pub fn changes(&self) -> Changes {
        self.changes
    }

    /// Adds an alert (see [`Alerts::alert`]).
    pub fn alert(&self, text: String) {
        self.alerts.alert(text);
    }

    /// Adds a note: worth knowing, not a failure (see [`Alerts::note`]).
    pub fn note(&self, text: String) {
        self.alerts.note(text);
    }

    /// Says how `open` was read: a refused `-wal`, or a WAL-mode file whose `-wal` (if any)
    /// could not be read with it. Replaces what was said about the previous read. No note when
    /// the file came from a folder: flagdeck looked, and read any `-wal` there.
    fn say_how_read(self, open: &loader::OpenDb) {
        for id in self.read_notices.get_value() {
            self.alerts.dismiss(id);
        }
        let mut said = Vec::new();
        if let Some(WalOutcome::Refused { name, why }) = &open.wal {
            said.push(self.alerts.alert(format!("{why} {} was opened without {name}.", open.name)));
        }
        let looked = live::current(self).is_some_and(|l| l.place.sees_folder());
        if loader::was_wal(open) && !looked {
            // Every Acolytes 2.x file says WAL: a note, not an alert.
            said.push(self.alerts.note(format!(
                "{} is in WAL journal mode (as Acolytes 2.x writes it). If a \"{}-wal\" \
                 file sits next to it on disk (an agent is still writing), its latest \
                 changes are not shown here: open the database together with it (or its \
                 project folder), or open it once with sqlite3 or agent_db.py, which folds \
                 the -wal file in, then open it again.",
                open.name, open.name
            )));
        }
        self.read_notices.set_value(said);
    }

    /// Shows a page (see [`Nav::go`]).
    pub fn go(&self, view: View) {
        self.nav.go(view);
    }

    /// The page the address shows now, or will once a link's address is set ([`Nav::address`];
    /// the page follows the address at its `hashchange`): taken when an edit is asked for, to
    /// show its result only if the person is still there ([`AppState::go_unless_moved`]).
    pub fn shown(&self) -> View {
        View::from_hash(&self.nav.address())
    }

    /// Shows `view` if the page shown is still `from`: a save that ends after the person went
    /// to another page (a link, Back, a tab) leaves them there.
    pub fn go_unless_moved(&self, from: &View, view: View) {
        if self.shown() == *from {
            self.nav.go(view);
        }
    }

    /// Runs one open attempt. The previous database stays until the new one has passed every
    /// check; a failure only adds an alert.
    pub(in crate::web) fn run_open<F>(self, label: String, attempt: F)
    where
        F: std::future::Future<Output = Result<Opened, LoadError>> + 'static,
    {
        let ticket = self.db.begin_attempt(label);
        spawn_local(async move {
            let outcome = attempt.await;
            if !self.db.finish_attempt(ticket) {
                return; // a newer attempt took over; drop this one (its worker terminates)
            }
            match outcome {
                Ok(Opened { open, resumed }) => {
                    self.alerts.clear();
                    self.say_how_read(&open);
                    let open = Rc::new(open);
                    self.changes.start(
                        resumed.as_ref().map(|r| r.history.clone()).unwrap_or_default(),
                        resumed.as_ref().and_then(|r| r.counts.clone()),
                    );
                    let kept_logs = resumed.as_ref().and_then(|r| r.quest_logs.clone());
                    self.db.opened(open.clone());
                    self.copy_opened(&open, resumed);
                    self.quest_logs_opened(&open, kept_logs);
                    request_animation_frame(|| mark("flagdeck:summary-shown"));
                    self.load_catalog(open);
                }
                Err(e) => {
                    self.quest_logs.drop_pending();
                    self.alert(e.to_string());
                }
            }
        });
    }

    /// Reads the catalog of a newly opened database in the background; a result for a
    /// database that is no longer open is dropped.
    fn load_catalog(self, open: Shared) {
        spawn_local(async move {
            let result = loader::load_catalog(&open).await;
            self.db.catalog_read(
                &open,
                match result {
                    Ok(data) => CatalogState::Ready(Rc::new(data)),
                    Err(e) => CatalogState::Failed(e.to_string()),
                },
            );
        });
    }

    /// Plans and applies a change to one flag; on success it joins the history and everything
    /// reads the database again. A refusal is shown in SQLite's words and changes nothing.
    pub fn edit_flag(self, flag_id: i64, label: &'static str, values: Vec<(&'static str, Value)>) {
        self.edit_flag_then(flag_id, label, values, |_| {});
    }

    /// [`edit_flag`](Self::edit_flag), then `outcome`: `Ok` once applied (or when nothing
    /// changed), `Err` with SQLite's own words when it refused (so the page can keep the input or
    /// offer to fix the text in the same step), or the whole message for any other failure.
    pub fn edit_flag_then(
        self,
        flag_id: i64,
        label: &'static str,
        values: Vec<(&'static str, Value)>,
        outcome: impl Fn(Result<(), &str>) + 'static,
    ) {
        let Some(open) = self.db.get() else { return };
        spawn_local(async move {
            let result = async {
                let Some(edit) = edits::plan(&open.db, flag_id, label, &values).await? else {
                    return Ok(None);
                };
                edits::apply(&open.db, &edit).await?;
                Ok::<_, EditError>(Some(edit))
            }
            .await;
            match result {
                Ok(Some(edit)) => {
                    let step = Step { label: edit.label.clone(), edits: vec![edit] };
                    self.changes.record(step.clone());
                    self.changed(&open, Entry::Did(step)).await;
                    outcome(Ok(()));
                }
                Ok(None) => outcome(Ok(())),
                Err(e) => {
                    match &e {
                        EditError::Refused(m) => outcome(Err(m)),
                        other => outcome(Err(&other.to_string())),
                    }
                    self.alert(with_edit_off(&open, format!("Flag #{flag_id}: {e}")));
                }
            }
        });
    }

    /// Creates a flag the way agent_db.py does (session_id of the open work period, when the
    /// file has one) and shows it (unless the person went to another page meanwhile), then
    /// marks `flagdeck:flag-saved`. A refusal is shown in SQLite's words; the form keeps its text.
    /// With `lock`, the flag of that id is locked in the same transaction ("ask for
    /// information": the question is asked and the flag waits for the answer, one undo step).
    pub fn create_flag(
        self,
        values: Vec<(&'static str, Value)>,
        lock: Option<i64>,
        done: impl Fn(bool) + 'static,
    ) {
        let Some(open) = self.db.get() else { return };
        let from = self.shown();
        spawn_local(async move {
            let result = edits::create_flag(&open.db, &open.facts, &values, lock).await;
            match result {
                Ok(step) => {
                    let id = step.edits.last().map(|e| e.flag_id).unwrap_or_default();
                    self.changes.record(step.clone());
                    self.changed(&open, Entry::Did(step)).await;
                    done(true);
                    self.go_unless_moved(&from, View::Flag(id));
                    mark("flagdeck:flag-saved");
                }
                Err(e) => {
                    done(false);
                    self.alert(with_edit_off(&open, format!("The new flag was not saved: {e}")));
                }
            }
        });
    }

    /// The same change to many flags, in one transaction and one undo step: all or nothing.
    pub fn bulk_edit(
        self,
        label: String,
        ids: Vec<i64>,
        values: Vec<(&'static str, Value)>,
        done: impl Fn(bool) + 'static,
    ) {
        let Some(open) = self.db.get() else { return };
        spawn_local(async move {
            let result = async {
                let mut planned = Vec::new();
                for &id in &ids {
                    if let Some(edit) = edits::plan(&open.db, id, &label, &values).await? {
                        planned.push(edit);
                    }
                }
                if !planned.is_empty() {
                    edits::run_all(&open.db, &planned, true).await?;
                }
                Ok::<_, EditError>(planned)
            }
            .await;
            match result {
                Ok(planned) if planned.is_empty() => done(true),
                Ok(planned) => {
                    let step = Step { label: label.clone(), edits: planned };
                    self.changes.record(step.clone());
                    self.changed(&open, Entry::Did(step)).await;
                    done(true);
                }
                Err(e) => {
                    done(false);
                    self.alert(with_edit_off(&open, format!("{label}: nothing was changed. {e}")));
                }
            }
        });
    }

    /// Applies an edit planned elsewhere (a quest's status change, see
    /// `quests::edit::plan_status_change`) as one step of the history: recorded, kept by the
    /// working copy, everything read again. `Ok` once applied, or when there is nothing to apply;
    /// errors change nothing.
    pub(in crate::web) async fn apply_edit(
        self,
        open: &Shared,
        planned: Option<Edit>,
    ) -> Result<(), EditError> {
        let Some(edit) = planned else { return Ok(()) };
        edits::apply(&open.db, &edit).await?;
        let step = Step { label: edit.label.clone(), edits: vec![edit] };
        self.changes.record(step.clone());
        self.changed(open, Entry::Did(step)).await;
        Ok(())
    }

    /// Undoes (`back`) or redoes the last step.
    pub fn step(self, back: bool) {
        let Some(open) = self.db.get() else { return };
        spawn_local(async move {
            let mut history = self.changes.history().get_untracked();
            let result = if back { history.undo(&open.db).await } else { history.redo(&open.db).await };
            match result {
                Ok(Some(_)) => {
                    self.changes.replace_history(history);
                    self.changed(&open, if back { Entry::Undid } else { Entry::Redid }).await;
                }
                Ok(None) => {}
                Err(e) => self.alert(e.to_string()),
            }
        });
    }

    /// After every change to the history (`entry` says which), in the order they happen: the
    /// working copy gets its record first, then everything reads the database again. The
    /// re-reading waits for the record (a few milliseconds; at most 200), so a change on screen is
    /// a change kept, and the write does not queue behind the work the re-reading sets off.
    async fn changed(self, open: &Shared, entry: Entry) {
        if let Some(written) = self.keep(entry) {
            within(200, written).await;
        }
        self.db.data_changed();
        match summary::read_counts(&open.db, &open.facts, open.report.generation).await {
            Ok(counts) => self.changes.counted(counts),
            Err(e) => self.alert(format!("The counts could not be read again: {e}")),
        }
    }

    /// Follow mode: `open` (the same file read again; it passed every check of an open) is shown
    /// instead of the open database. There were no unsaved changes (follow mode pauses
    /// otherwise), so the history starts empty; the working copy stores the newer original only
    /// when a change is made.
    pub(in crate::web) fn follow_swap(self, open: loader::OpenDb) {
        self.follow_swap_replayed(open, Vec::new());
    }

    /// [`follow_swap`](Self::follow_swap) where `applied` (the person's unsaved steps, replayed
    /// onto `open` by `journal::replay_onto`) are the history: still unsaved, undoable, and kept
    /// by the working copy.
    pub(in crate::web) fn follow_swap_replayed(self, open: loader::OpenDb, applied: Vec<Step>) {
        self.say_how_read(&open);
        let open = Rc::new(open);
        let replayed = !applied.is_empty();
        self.changes.start(edits::History { done: applied, undone: Vec::new() }, None);
        self.db.swapped(open.clone());
        self.copy_swapped(&open, replayed);
        self.load_catalog(open.clone());
        if !replayed {
            return;
        }
        spawn_local(async move {
            if let Ok(counts) = summary::read_counts(&open.db, &open.facts, open.report.generation).await {
                self.changes.counted(counts);
            }
        });
    }

    pub fn open_file(self, file: web_sys::File) {
        mark("flagdeck:open-start");
        let name = file.name();
        self.run_open(format!("Opening {name}…"), async move {
            let bytes = loader::read_file(&file).await?;
            let modified = Some((file.last_modified(), None));
            // The picked file is its own Blob: the working copy stores it without a copy.
            let mut open =
                loader::open_bytes(name, Source::File, bytes, file.into(), StoresRead::AtOpen).await?;
            open.modified = modified;
            Ok(Opened::from(open))
        });
    }

    /// Opens a database file together with its `-wal` (see [`loader::open_with_wal`]).
    pub fn open_file_with_wal(self, file: web_sys::File, wal_file: web_sys::File) {
        mark("flagdeck:open-start");
        let label = format!("Opening {} with {}…", file.name(), wal_file.name());
        self.run_open(label, async move { loader::open_with_wal(&file, &wal_file).await.map(Opened::from) });
    }

    /// Opens what was picked or dropped as databases: a file with its `X-wal` opens with it
    /// (`X-shm` is not needed); other files are named in an alert, as is a `-wal` without its
    /// database.
    pub fn open_files(self, files: Vec<web_sys::File>) {
        let names: Vec<String> = files.iter().map(|f| f.name()).collect();
        let Some((d, wal)) = self.pick_pair(&names) else { return };
        match wal {
            Some(w) => self.open_file_with_wal(files[d].clone(), files[w].clone()),
            None => self.open_file(files[d].clone()),
        }
    }

    /// Of files picked or dropped together (by name), the database to open and its `X-wal`
    /// ([`flagdeck_core::wal::pair`]; `X-shm` is not needed). The others are named in an alert,
    /// as is a `-wal` without its database (then `None`: nothing to open).
    pub(in crate::web) fn pick_pair(self, names: &[String]) -> Option<(usize, Option<usize>)> {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let pairing = flagdeck_core::wal::pair(&refs);
        let others: Vec<String> = pairing.others.iter().map(|&i| names[i].clone()).collect();
        let Some(d) = pairing.database else {
            self.alert(format!(
                "Nothing to open: {} {} the write-ahead log of a database; pick or drop it together with \
                 its database file (for project.db-wal, project.db).",
                flagdeck_core::listing::names(&others),
                if others.len() == 1 { "is" } else { "are" }
            ));
            return None;
        };
        if !others.is_empty() {
            self.alert(format!(
                "Only {} was opened: open one database at a time ({} also given).",
                names[d],
                flagdeck_core::listing::names(&others)
            ));
        }
        Some((d, pairing.wal))
    }

    pub fn open_url(self, url: String) {
        mark("flagdeck:open-start");
        let name = loader::name_from_url(&url);
        self.run_open(format!("Downloading {url}…"), async move {
            let bytes = loader::fetch_bytes(&url).await?;
            // Copied before the bytes are handed (transferred) to the worker.
            let original = loader::blob_of(&bytes)?;
            loader::open_bytes(name, Source::Url(url), bytes, original, StoresRead::AtOpen)
                .await
                .map(Opened::from)
        });
    }

    pub fn open_demo(self) {
        mark("flagdeck:open-start");
        self.run_open("Building the demo database…".into(), async {
            loader::open_demo().await.map(Opened::from)
        });
    }

    pub fn export(self) {
        let Some(open) = self.db.get() else { return };
        self.db.working(Some(format!("Exporting {}…", open.name)));
        spawn_local(async move {
            let result =
                loader::export_bytes(&open).await.and_then(|bytes| loader::download(&open.name, &bytes));
            self.db.working(None);
            match result {
                Ok(()) => {
                    self.copy_exported();
                    if let Some(WalOutcome::Applied { name, .. }) = &open.wal {
                        self.alerts.note(wal_export_note(&open.name, name));
                    }
                }
                Err(e) => self.alert(e.to_string()),
            }
        });
    }
}

/// What an export of a database opened with its `-wal` is: one file holding the WAL's committed
/// changes, in WAL journal mode as the original (Acolytes' `init_db.sql` and the quest scripts,
/// `acolyte_quest_core.py`, set `journal_mode=WAL`, so agent_db.py finds it as it left it); and
/// the one way to lose them: SQLite replays a `-wal` file lying beside a database over it,
/// whatever the header says.
fn wal_export_note(database: &str, wal: &str) -> String {
    format!(
        "The exported {database} is one self-contained file: the committed changes of {wal} are written into \
         it, so it needs no -wal file. It keeps the WAL journal mode of the original (Acolytes sets WAL; \
         SQLite and agent_db.py open it as before). Do not put it beside the old {wal}: SQLite would replay \
         that file over it. Stop the agents and remove or rename {wal} first."
    )
}

/// `alert`, then why editing flags is off for this file when it is (a write tried anyway through
/// a key or a form opened before: SQLite's refusal comes first, in its own words).
fn with_edit_off(open: &Shared, alert: String) -> String {
    with_writes_off(open, "flags", "flags", alert)
}

/// `alert`, then why writes to `table` (named `what` to the person) are off for this file when
/// they are (`EngineLimits::edit_off`).
pub(in crate::web) fn with_writes_off(open: &Shared, table: &str, what: &str, alert: String) -> String {
    match open.report.limits.edit_off(table, what) {
        Some(why) => format!("{alert} {why}"),
        None => alert,
    }
}
