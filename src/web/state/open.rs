//! The open database: which one, how far its data has changed, its catalog, and what is being
//! opened right now.

use std::rc::Rc;

use leptos::prelude::*;

use crate::web::files::loader::{CatalogData, Shared};

/// The catalog of the open database, loaded once after it opens.
#[derive(Clone)]
pub enum CatalogState {
    /// Being read.
    Loading,
    /// Read.
    Ready(Rc<CatalogData>),
    /// Could not be read; the reason.
    Failed(String),
}

/// The open database and the actions of opening one.
#[derive(Clone, Copy)]
pub struct OpenDb {
    current: RwSignal<Option<Shared>, LocalStorage>,
    /// Bumped after every change, so lists and details read the database again.
    data_version: RwSignal<u64>,
    catalog: RwSignal<CatalogState, LocalStorage>,
    /// What is being opened (or exported) right now, shown as progress.
    busy: RwSignal<Option<String>>,
    /// Increases with every open attempt, so a slow earlier attempt cannot replace a later one.
    attempt: StoredValue<u64>,
    /// Increases whenever a database is made the one on screen (opened, or swapped in by
    /// follow mode): with `data_version`, which data a read was of ([`OpenDb::data_key`]).
    shown: StoredValue<u64>,
    /// Increases when another database (or another generation of it) is on screen; not when
    /// follow mode swaps in a newer read of the same file: pages are built anew only when it
    /// changes, so a follow swap keeps their filters, scroll position and selection.
    lineage: RwSignal<u64>,
    /// `data_version` when the open database was opened (or swapped in by follow mode): it
    /// differs from `data_version` once the person edited it (see [`OpenDb::edited`]).
    opened_version: StoredValue<u64>,
}

impl OpenDb {
    pub(super) fn new() -> Self {
        OpenDb {
            current: RwSignal::new_local(None),
            data_version: RwSignal::new(0),
            catalog: RwSignal::new_local(CatalogState::Loading),
            busy: RwSignal::new(None),
            attempt: StoredValue::new(0),
            shown: StoredValue::new(0),
            lineage: RwSignal::new(0),
            opened_version: StoredValue::new(0),
        }
    }

    /// The open database, if any.
    pub fn current(&self) -> ReadSignal<Option<Shared>, LocalStorage> {
        self.current.read_only()
    }

    /// The open database, without tracking (for actions).
    pub fn get(&self) -> Option<Shared> {
        self.current.get_untracked()
    }

    /// Whether a database is open.
    pub fn is_open(&self) -> Signal<bool> {
        let current = self.current;
        Signal::derive(move || current.with(Option::is_some))
    }

    /// How many changes were made to the open data: read it to read the database again after
    /// each.
    pub fn data_version(&self) -> ReadSignal<u64> {
        self.data_version.read_only()
    }

    /// The latest open attempt (raised as soon as a file starts to open, not at a follow-mode
    /// swap): what a place opened from disk belongs to (`files::live`, follow mode).
    pub fn open_attempt(&self) -> u64 {
        self.attempt.get_value()
    }

    /// Which data is on screen: which database was made current (not the open attempt, which
    /// changes as soon as another file starts to open, while this one is still on screen) and
    /// the change count.
    pub fn data_key(&self) -> (u64, u64) {
        (self.shown.get_value(), self.data_version.get_untracked())
    }

    /// The catalog of the open database.
    pub fn catalog(&self) -> ReadSignal<CatalogState, LocalStorage> {
        self.catalog.read_only()
    }

    /// What is being opened or exported right now.
    pub fn busy(&self) -> ReadSignal<Option<String>> {
        self.busy.read_only()
    }

    /// Shows `label` as the work in progress; `None` when it is over.
    pub fn working(&self, label: Option<String>) {
        self.busy.set(label);
    }

    /// Starts an open attempt; its ticket says later whether it is still the latest.
    pub fn begin_attempt(&self, label: String) -> u64 {
        let ticket = self.attempt.get_value() + 1;
        self.attempt.set_value(ticket);
        self.busy.set(Some(label));
        ticket
    }

    /// Whether `ticket` is the latest open attempt; ends its progress when it is.
    pub fn finish_attempt(&self, ticket: u64) -> bool {
        let latest = self.attempt.get_value() == ticket;
        if latest {
            self.busy.set(None);
        }
        latest
    }

    /// Which database is on screen, as far as pages are concerned (see the field's doc).
    pub fn lineage(&self) -> ReadSignal<u64> {
        self.lineage.read_only()
    }

    /// `open` is the open database now; its catalog is being read.
    pub fn opened(&self, open: Shared) {
        self.catalog.set(CatalogState::Loading);
        self.opened_version.set_value(self.data_version.get_untracked());
        self.make_current(open);
        self.lineage.update(|l| *l += 1);
    }

    /// `open` is the database on screen from now on; the flag list's rows start to be held in
    /// the page once its layer is ready ([`keep_mirror`](crate::web::flags::layer::keep_mirror)).
    fn make_current(&self, open: Shared) {
        self.shown.update_value(|n| *n += 1);
        crate::web::flags::layer::keep_mirror(&open);
        self.current.set(Some(open));
    }

    /// Whether the open database changed since it was opened (an edit, an import): its bytes
    /// are then no longer the file's, whatever its header says.
    pub fn edited(&self) -> bool {
        self.opened_version.get_value() != self.data_version.get_untracked()
    }

    /// Follow mode: `open`, a newer read of the same file, replaces the open database; pages
    /// stay and read again (they are built anew only if its generation differs, e.g. a 1.x
    /// file upgraded to 2.x while followed).
    pub fn swapped(&self, open: Shared) {
        let same = self
            .current
            .with_untracked(|c| c.as_ref().is_some_and(|c| c.report.generation == open.report.generation));
        self.catalog.set(CatalogState::Loading);
        self.make_current(open);
        if !same {
            self.lineage.update(|l| *l += 1);
        }
        self.data_changed();
        self.opened_version.set_value(self.data_version.get_untracked());
    }

    /// Whether `open` is the open database now (the same read of it, not a follow-mode swap's
    /// newer one); untracked.
    pub fn is_current(&self, open: &Shared) -> bool {
        self.current.with_untracked(|c| c.as_ref().is_some_and(|c| Rc::ptr_eq(c, open)))
    }

    /// The catalog of `open` was read: shown if `open` is still the open database.
    pub fn catalog_read(&self, open: &Shared, catalog: CatalogState) {
        if self.is_current(open) {
            self.catalog.set(catalog);
        }
    }

    /// The data changed: everything that reads it reads it again.
    pub fn data_changed(&self) {
        self.data_version.update(|v| *v += 1);
    }
}
