//! The durable working copy, the app's side: what is written when (see [`flagdeck_core::journal`]
//! for the format and [`crate::web::platform::idb`] for the storage).
//!
//! * A database that opens is stored once, as it was opened (its original bytes, never through
//!   wasm memory), in the background.
//! * Every change to the history ([`AppState::keep`], called from the one place the history
//!   changes) adds one small record; an export adds an "exported" record. Writes go one after
//!   another through a queue, so they land in the order the changes were made.
//! * At start, a stored working copy with changes is offered for resuming: the original bytes
//!   are opened the normal way and every step is made again ([`AppState::resume`]).
//! * When storage is missing, full or failing, the user is told once and keeps working in memory.
//!   After a failed write the next record is a snapshot of the whole history, so the stored log
//!   is whole again as soon as a write succeeds.

pub mod resume;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use futures_channel::oneshot;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Blob;

use crate::web::files::loader::{self, LoadError, OpenDb, Shared, Source, StoresRead, WalOutcome};
use crate::web::platform::browser::{date_now, random_u32, warn};
use crate::web::platform::fetch::blob_bytes;
use crate::web::platform::idb::{Found, Store, StoreError};
use crate::web::platform::locks::{hold_lock, in_use_elsewhere};
use crate::web::platform::perf::{mark, measure_since as measure, perf_now};
use crate::web::platform::storage::persist;
use crate::web::state::AppState;
use crate::web::widgets::human_size;
use flagdeck_core::edits::History;
use flagdeck_core::journal::{self, rebuild, Entry, Origin, Rebuilt, Record, ReplayFailure, SessionMeta};
use flagdeck_core::summary::{self, Counts};

/// What the badge beside the toolbar says about the working copy of the open database.
#[derive(Clone, Debug, PartialEq)]
pub enum CopyStatus {
    /// Nothing to keep yet.
    Idle,
    Saving,
    Saved,
    /// The last write failed; the next change tries again.
    Failed(String),
    /// Not kept for this database (no storage here, or the original did not fit).
    Off(String),
}

/// The working copy's state on screen. Its signals are written by this module's `AppState`
/// methods only; the rest of the app reads them.
#[derive(Clone, Copy)]
pub struct WorkingCopy {
    /// Its state for the badge,
    status: RwSignal<CopyStatus>,
    /// a stored one offered for resuming at start,
    offer: RwSignal<Option<Rc<Offer>>, LocalStorage>,
    /// a quiet notice (persistent storage refused),
    notice: RwSignal<Option<String>>,
    /// changes since the last export (or since opening): what closing the tab warns about,
    unexported: RwSignal<bool>,
    /// and a `?db=` address held back while a working copy is offered.
    pending_url: StoredValue<Option<String>>,
}

impl WorkingCopy {
    /// Nothing kept, nothing offered.
    pub fn new() -> Self {
        WorkingCopy {
            status: RwSignal::new(CopyStatus::Idle),
            offer: RwSignal::new_local(None),
            notice: RwSignal::new(None),
            unexported: RwSignal::new(false),
            pending_url: StoredValue::new(None),
        }
    }

    /// Whether there are changes since the last export (or since opening).
    pub fn unexported(&self) -> ReadSignal<bool> {
        self.unexported.read_only()
    }
}

/// A stored working copy found at start.
pub struct Offer {
    /// `Err`: something is stored but cannot be read (it can only be discarded).
    pub meta: Result<SessionMeta, String>,
    pub rebuilt: Rebuilt,
    /// The quest log files kept with it, as JSON (see `quests::logs`).
    quest_logs: Option<String>,
}

impl Offer {
    /// Changes as the Changes list counts them (a bulk step counts each flag).
    pub fn changes(&self) -> usize {
        self.rebuilt.history.edits().count()
    }
}

/// A database and, when it came from the working copy, what was restored on it.
pub struct Opened {
    pub open: OpenDb,
    pub resumed: Option<Resumed>,
}

impl From<OpenDb> for Opened {
    fn from(open: OpenDb) -> Self {
        Opened { open, resumed: None }
    }
}

pub struct Resumed {
    meta: SessionMeta,
    rebuilt: Rebuilt,
    /// What now holds on the database (all of the stored history unless `failure`).
    pub history: History,
    failure: Option<ReplayFailure>,
    /// Counts after the replay (the report's are from before it).
    pub counts: Option<Counts>,
    /// The quest log files kept with the working copy, as JSON (see `quests::logs`).
    pub quest_logs: Option<String>,
}

/// The open database's place in storage.
struct Session {
    id: String,
    next_seq: u64,
    /// The next record must be a snapshot: an earlier one may be missing.
    needs_snapshot: bool,
    /// A write failed and the user was told; reset by the next success.
    failing: bool,
    exported_at_ms: Option<f64>,
    /// Follow mode: the original is stored only when the first change is kept (re-reads of a
    /// file agents keep writing would otherwise store it at every poll).
    pending_begin: Option<(SessionMeta, Blob)>,
}

enum Job {
    Begin {
        meta: SessionMeta,
        original: Blob,
        started: f64,
    },
    Write {
        session: String,
        record: Record,
        replace: bool,
        started: f64,
        written: Option<oneshot::Sender<()>>,
    },
    /// Keeps the quest log files added to the database (JSON), replacing what was kept.
    QuestLogs {
        session: String,
        json: String,
    },
    Discard,
}

thread_local! {
    /// `None` until storage was opened (or found missing) at start.
    static STORE: RefCell<Option<Result<Rc<Store>, StoreError>>> = const { RefCell::new(None) };
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    static QUEUE: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
    /// A task is draining the queue (or storage is still being opened).
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static PERSISTENCE_ASKED: Cell<bool> = const { Cell::new(false) };
}

fn store() -> Option<Rc<Store>> {
    STORE.with(|s| s.borrow().as_ref().and_then(|r| r.as_ref().ok().cloned()))
}

fn unavailable_reason() -> Option<String> {
    STORE.with(|s| s.borrow().as_ref().and_then(|r| r.as_ref().err().map(why)))
}

fn origin_of(source: &Source) -> Origin {
    match source {
        Source::File => Origin::File,
        Source::Url(url) => Origin::Url(url.clone()),
        Source::Demo => Origin::Demo,
    }
}

fn source_of(origin: &Origin) -> Source {
    match origin {
        Origin::File => Source::File,
        Origin::Url(url) => Source::Url(url.clone()),
        Origin::Demo => Source::Demo,
    }
}

/// Something stored worth offering: changes to resume, or something unreadable to discard.
fn offer_from(found: Found) -> Option<Offer> {
    let meta = match found.meta {
        Ok(meta) if meta.format != journal::FORMAT => {
            Err(format!("it was written by another version of flagdeck (format {})", meta.format))
        }
        other => other,
    };
    match meta {
        Err(why) => Some(Offer { meta: Err(why), rebuilt: Rebuilt::default(), quest_logs: None }),
        Ok(meta) => {
            let rebuilt = rebuild(&found.records);
            let quest_logs = found.quest_logs;
            (!rebuilt.history.done.is_empty()).then_some(Offer { meta: Ok(meta), rebuilt, quest_logs })
        }
    }
}

impl AppState {
    /// Opens storage, offers a stored working copy with changes, and then writes whatever the
    /// app asks in order. A `?db=` address waits while a working copy is offered (opening it
    /// would replace the copy): it opens after Discard.
    pub(super) fn start_working_copy(self, url: Option<String>) {
        RUNNING.with(|r| r.set(true));
        spawn_local(async move {
            let opened = Store::open().await;
            let found = match &opened {
                Ok(store) => store.load().await.unwrap_or_else(|e| {
                    warn(&format!("flagdeck: the working copy could not be read: {e:?}"));
                    None
                }),
                Err(e) => {
                    warn(&format!("flagdeck: no storage for a working copy: {e:?}"));
                    None
                }
            };
            STORE.with(|s| *s.borrow_mut() = Some(opened.map(Rc::new)));
            let mut offer = found.and_then(offer_from);
            if let Some(Offer { meta: Ok(meta), .. }) = &offer {
                if in_use_elsewhere(&meta.id).await {
                    // Another tab is working on it: it stays that tab's.
                    offer = None;
                }
            }
            let untouched = self.db().get().is_none() && self.db().busy().get_untracked().is_none();
            match offer {
                Some(offer) if untouched => {
                    // The URL first: the banner reads it when the offer appears.
                    self.copy().pending_url.set_value(url);
                    self.copy().offer.set(Some(Rc::new(offer)));
                }
                _ => {
                    if let Some(url) = url {
                        self.open_url(url);
                    }
                }
            }
            // For tests: from here on the page has said whether a working copy is stored.
            mark("flagdeck:working-copy-checked");
            self.drain().await;
        });
    }

    fn enqueue(self, job: Job) {
        if !matches!(job, Job::Discard) && !matches!(self.copy().status.get_untracked(), CopyStatus::Off(_)) {
            self.copy().status.set(CopyStatus::Saving);
        }
        QUEUE.with(|q| q.borrow_mut().push_back(job));
        if !RUNNING.with(|r| r.replace(true)) {
            spawn_local(self.drain());
        }
    }

    async fn drain(self) {
        loop {
            let Some(job) = QUEUE.with(|q| q.borrow_mut().pop_front()) else {
                RUNNING.with(|r| r.set(false));
                return;
            };
            self.run(job).await;
        }
    }

    async fn run(self, job: Job) {
        match job {
            Job::Begin { meta, original, started } => self.run_begin(meta, original, started).await,
            Job::Write { session, record, replace, started, written } => {
                // Whatever happens, the change is shown (dropping `written` says so too).
                let _written = written;
                self.run_write(&session, &record, replace, started).await;
            }
            Job::QuestLogs { session, json } => self.run_quest_logs(&session, &json).await,
            Job::Discard => self.run_discard().await,
        }
    }

    /// Keeps the quest log files with the working copy of `session`.
    async fn run_quest_logs(self, session: &str, json: &str) {
        let current = SESSION.with(|s| s.borrow().as_ref().is_some_and(|s| s.id == session));
        let Some(store) = store().filter(|_| current) else { return };
        let result = match store.put_quest_logs(session, json) {
            Ok(commit) => commit.done().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => self.saved_if_idle(),
            Err(e) => {
                let (short, _) = write_failed(&e);
                self.copy().status.set(CopyStatus::Failed(short));
                self.alert(format!(
                    "The quest logs could not be kept with the working copy in this browser ({}): they are \
                     shown in this tab only. Add them again after a reload.",
                    why(&e)
                ));
            }
        }
    }

    /// The quest log files added to the open database changed: `json` (all of them) is kept with
    /// its working copy, so a resumed copy shows them again. Nothing when no copy is kept.
    pub(in crate::web) fn keep_quest_logs(self, json: String) {
        let Some((session, begin)) =
            SESSION.with(|s| s.borrow_mut().as_mut().map(|s| (s.id.clone(), s.pending_begin.take())))
        else {
            return;
        };
        if let Some((meta, original)) = begin {
            self.enqueue(Job::Begin { meta, original, started: perf_now() });
        }
        self.enqueue(Job::QuestLogs { session, json });
    }

    /// Nothing else is queued: the badge may say the copy is kept.
    fn saved_if_idle(self) {
        if QUEUE.with(|q| q.borrow().is_empty()) {
            self.copy().status.set(CopyStatus::Saved);
        }
    }

    /// Stores the opened bytes and the session's description.
    async fn run_begin(self, meta: SessionMeta, original: Blob, started: f64) {
        let result = match store() {
            Some(store) => match store.begin(&meta, &original) {
                Ok(commit) => commit.done().await,
                Err(e) => Err(e),
            },
            None => Err(StoreError::Unavailable(unavailable_reason().unwrap_or_default())),
        };
        match result {
            Ok(()) => {
                measure("flagdeck:store-original", started);
                self.saved_if_idle();
            }
            Err(e) => {
                // Without the original, records would replay onto nothing: keep none.
                SESSION.with(|s| {
                    let mut s = s.borrow_mut();
                    if s.as_ref().is_some_and(|s| s.id == meta.id) {
                        *s = None;
                    }
                });
                let (short, text) = begin_failed(&meta, &e);
                self.copy().status.set(CopyStatus::Off(short));
                self.alert(text);
            }
        }
    }

    /// Adds one record to the journal of `session` (or, with `replace`, the whole history).
    async fn run_write(self, session: &str, record: &Record, replace: bool, started: f64) {
        let current = SESSION.with(|s| s.borrow().as_ref().is_some_and(|s| s.id == session));
        let Some(store) = store().filter(|_| current) else { return };
        let change = !matches!(record.entry, Entry::Exported);
        let result = match store.write(session, record, replace) {
            Ok(commit) => commit.done().await,
            Err(e) => Err(e),
        };
        let told = SESSION.with(|s| {
            let mut s = s.borrow_mut();
            let s = s.as_mut().filter(|s| s.id == session)?;
            let told = s.failing;
            s.failing = result.is_err();
            s.needs_snapshot |= result.is_err();
            Some(told)
        });
        match result {
            Ok(()) => {
                if change {
                    measure("flagdeck:persist", started);
                }
                self.saved_if_idle();
            }
            Err(StoreError::Replaced) => {
                SESSION.with(|s| *s.borrow_mut() = None);
                self.copy().status.set(CopyStatus::Off("not kept: another tab replaced it".into()));
                self.alert(
                    "Another flagdeck tab opened a database, which replaced this tab's working copy in \
                     browser storage (one is kept per browser). Your changes here stay in this tab only: \
                     export the database before closing it."
                        .into(),
                );
            }
            Err(e) => {
                let (short, text) = write_failed(&e);
                self.copy().status.set(CopyStatus::Failed(short));
                if told == Some(false) {
                    self.alert(text);
                }
            }
        }
    }

    /// Forgets the stored working copy.
    async fn run_discard(self) {
        let Some(store) = store() else { return };
        let result = match store.discard() {
            Ok(commit) => commit.done().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => mark("flagdeck:working-copy-discarded"),
            Err(e) => self.alert(format!("The stored working copy could not be removed: {}.", why(&e))),
        }
    }

    /// A database is on screen: a new one is stored (replacing any stored working copy), a
    /// resumed one goes on writing to its own.
    pub(super) fn copy_opened(self, open: &Shared, resumed: Option<Resumed>) {
        self.copy().offer.set(None);
        let pending_url = self.copy().pending_url.try_update_value(Option::take).flatten();
        let Some(resumed) = resumed else {
            self.begin_session(open, false);
            return;
        };
        // Already stored: nothing to hold on to.
        open.original.borrow_mut().take();
        let Resumed { meta, rebuilt, history, failure, .. } = resumed;
        let stored = rebuilt.history.edits().count();
        hold_lock(&meta.id);
        SESSION.with(|s| {
            *s.borrow_mut() = Some(Session {
                id: meta.id.clone(),
                next_seq: rebuilt.next_seq,
                // The stored log says more than what holds now: the next record replaces it.
                needs_snapshot: failure.is_some() || rebuilt.problem.is_some(),
                failing: false,
                exported_at_ms: rebuilt.exported_at_ms,
                pending_begin: None,
            })
        });
        self.copy().unexported.set(rebuilt.unexported || failure.is_some());
        self.copy().status.set(CopyStatus::Saved);
        if let Some(failure) = failure {
            self.alert(format!(
                "{failure} The {} change(s) before it were restored. The working copy stored in this browser \
                 still holds all {stored}; your next change replaces it with what is shown here.",
                history.edits().count()
            ));
        }
        if let Some(problem) = rebuilt.problem {
            self.alert(format!(
                "Part of the stored working copy could not be read ({problem}): the changes before that \
                 were restored. Your next change replaces the stored copy with what is shown here."
            ));
        }
        if let Some(url) = pending_url {
            self.alert(format!(
                "{url} (from the address) was not opened, because the working copy of {} was resumed. \
                 Opening it replaces the working copy.",
                meta.name
            ));
        }
    }

    /// A new session for `open` (replacing any stored working copy). With `lazy`, its original
    /// is stored with the first change kept, not now.
    fn begin_session(self, open: &Shared, lazy: bool) {
        let opened_at_ms = date_now();
        let meta = SessionMeta {
            format: journal::FORMAT,
            id: format!("{opened_at_ms:.0}-{:08x}", random_u32()),
            name: open.name.clone(),
            origin: origin_of(&open.source),
            size: open.header.file_bytes as u64,
            change_counter: open.header.change_counter,
            opened_at_ms,
            wal: match &open.wal {
                Some(WalOutcome::Applied { name, report }) => Some((name.clone(), report.clone())),
                _ => None,
            },
        };
        hold_lock(&meta.id);
        let original = open.original.borrow_mut().take();
        let begin = original.map(|original| (meta.clone(), original));
        let now = begin.is_some() && !lazy;
        SESSION.with(|s| {
            *s.borrow_mut() = Some(Session {
                id: meta.id.clone(),
                next_seq: 0,
                needs_snapshot: false,
                failing: false,
                exported_at_ms: None,
                pending_begin: if lazy { begin.clone() } else { None },
            })
        });
        self.copy().unexported.set(false);
        self.copy().status.set(CopyStatus::Idle);
        match begin {
            Some((meta, original)) if now => self.enqueue(Job::Begin { meta, original, started: perf_now() }),
            Some(_) => {}
            None => self.copy().status.set(CopyStatus::Off("nothing to store".into())),
        }
    }

    /// Follow mode swapped in a newer read of the file: a new session, whose original is stored
    /// with its first change; with `replayed`, the history replayed onto it is kept now.
    pub(super) fn copy_swapped(self, open: &Shared, replayed: bool) {
        self.begin_session(open, true);
        if replayed {
            let history = self.changes().history().get_untracked();
            let _ = self.keep(Entry::Snapshot { history, exported_at_ms: None });
        }
    }

    /// The history changed (or, for [`Entry::Exported`], the database was exported): one record
    /// is written. The single point every change passes through (see `AppState::changed`).
    /// Answers once the record is written or given up (nothing to wait for: `None`).
    pub(super) fn keep(self, entry: Entry) -> Option<oneshot::Receiver<()>> {
        let change = !matches!(entry, Entry::Exported);
        if change {
            self.copy().unexported.set(true);
        }
        let started = perf_now();
        let history = self.changes().history();
        let jobs = SESSION.with(|s| {
            let mut s = s.borrow_mut();
            let Some(s) = s.as_mut() else { return Vec::new() };
            let mut jobs = Vec::new();
            if let Some((meta, original)) = s.pending_begin.take() {
                jobs.push(Job::Begin { meta, original, started });
            }
            let mut write = |s: &mut Session, entry: Entry, replace: bool| {
                let record = Record { seq: s.next_seq, at_ms: date_now(), entry };
                s.next_seq += 1;
                jobs.push(Job::Write { session: s.id.clone(), record, replace, started, written: None });
            };
            let snapshot = s.needs_snapshot;
            if snapshot {
                s.needs_snapshot = false;
                let whole =
                    Entry::Snapshot { history: history.get_untracked(), exported_at_ms: s.exported_at_ms };
                write(s, whole, true);
            }
            if matches!(entry, Entry::Exported) {
                s.exported_at_ms = Some(date_now());
            }
            // A snapshot already holds the change it was written for.
            if !(change && snapshot) {
                write(s, entry, false);
            }
            jobs
        });
        if change && !jobs.is_empty() {
            self.ask_persistence();
        }
        let (tx, rx) = oneshot::channel();
        let mut tx = Some(tx);
        let last = jobs.len();
        for (i, mut job) in jobs.into_iter().enumerate() {
            if let Job::Write { written, .. } = &mut job {
                if i + 1 == last {
                    *written = tx.take();
                }
            }
            self.enqueue(job);
        }
        tx.is_none().then_some(rx)
    }

    /// After a successful export: the working copy is kept (a later resume is still possible)
    /// and marked exported, so neither the banner nor closing the tab warns about it.
    pub(super) fn copy_exported(self) {
        self.copy().unexported.set(false);
        let _ = self.keep(Entry::Exported);
    }

    /// Asks once per page for persistent storage; a refusal is a quiet notice, not an alert.
    fn ask_persistence(self) {
        if PERSISTENCE_ASKED.with(|a| a.replace(true)) {
            return;
        }
        spawn_local(async move {
            if persist().await.ok() != Some(true) {
                self.copy().notice.set(Some(
                    "The browser did not grant persistent storage, so it may remove the working copy kept \
                     here when space runs short. Export the database to be safe."
                        .into(),
                ));
            }
        });
    }

    /// Opens the stored original bytes the normal way and makes every stored change again.
    pub fn resume(self) {
        let Some(offer) = self.copy().offer.get_untracked() else { return };
        let Ok(meta) = offer.meta.clone() else { return };
        mark("flagdeck:open-start");
        self.run_open(format!("Restoring the working copy of {}…", meta.name), async move {
            let failed = |why: String| LoadError::Restore(why);
            let store = store().ok_or_else(|| failed("storage is not available".into()))?;
            let original = store.original().await.map_err(|e| failed(why(&e)))?;
            let original = original.ok_or_else(|| failed("the original database is missing".into()))?;
            let bytes = blob_bytes(&original).await.map_err(|e| failed(e.to_string()))?;
            if u64::from(bytes.length()) != meta.size {
                return Err(failed(format!(
                    "{} bytes were stored where {} are expected",
                    bytes.length(),
                    meta.size
                )));
            }
            let mut open = loader::open_bytes(
                meta.name.clone(),
                source_of(&meta.origin),
                bytes,
                original,
                StoresRead::AtOpen,
            )
            .await?;
            // The stored original is the image read with that -wal: say so again.
            open.wal = meta.wal.clone().map(|(name, report)| WalOutcome::Applied { name, report });
            if open.header.change_counter != meta.change_counter {
                return Err(failed("the stored database is not the one the changes were made to".into()));
            }
            let (history, failure) = journal::replay(&open.db, &offer.rebuilt.history).await;
            open.rewritten.set(history.edits().next().is_some() || failure.is_some());
            let counts = summary::read_counts(&open.db, &open.facts, open.report.generation).await.ok();
            let quest_logs = offer.quest_logs.clone();
            let resumed =
                Resumed { meta, rebuilt: offer.rebuilt.clone(), history, failure, counts, quest_logs };
            Ok(Opened { open, resumed: Some(resumed) })
        });
    }

    /// Forgets the stored working copy (and opens the `?db=` address that was waiting for it).
    pub fn discard_copy(self) {
        self.copy().offer.set(None);
        self.enqueue(Job::Discard);
        if let Some(url) = self.copy().pending_url.try_update_value(Option::take).flatten() {
            self.open_url(url);
        }
    }
}

fn why(e: &StoreError) -> String {
    match e {
        StoreError::Unavailable(w) | StoreError::Full(w) | StoreError::Failed(w) => w.clone(),
        StoreError::Replaced => "another tab replaced the working copy".into(),
    }
}

/// The badge text and the alert for a database that could not be stored.
fn begin_failed(meta: &SessionMeta, e: &StoreError) -> (String, String) {
    let keep = "Your changes stay in this tab only: export the database before closing it.";
    match e {
        StoreError::Unavailable(w) => (
            "not kept: no storage in this browser".into(),
            format!(
                "This browser does not let flagdeck keep a working copy of {} (a private window, or storage \
                 turned off for this site{}). {keep}",
                meta.name,
                if w.is_empty() { String::new() } else { format!(": {w}") }
            ),
        ),
        StoreError::Full(w) => (
            "not kept: storage full".into(),
            format!(
                "{} ({}) does not fit in the storage this browser grants the page, so no working copy is \
                 kept ({w}). {keep}",
                meta.name,
                human_size(meta.size as usize)
            ),
        ),
        StoreError::Failed(_) | StoreError::Replaced => (
            "not kept: storage failed".into(),
            format!("The working copy of {} could not be stored ({}). {keep}", meta.name, why(e)),
        ),
    }
}

/// The badge text and the alert for a change that could not be written.
fn write_failed(e: &StoreError) -> (String, String) {
    let after = "It is here in the tab: export to keep it. flagdeck tries again at your next change.";
    match e {
        StoreError::Full(w) => (
            "last change not kept: storage full".into(),
            format!(
                "The browser's storage for this page is full ({w}): your last change is not in the working \
                 copy kept in this browser. {after}"
            ),
        ),
        other => (
            "last change not kept".into(),
            format!(
                "Your last change could not be written to the working copy kept in this browser ({}). {after}",
                why(other)
            ),
        ),
    }
}
