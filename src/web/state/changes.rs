//! The changes made since the file was opened: the history of flag edits (undo, redo, what
//! export writes), other changes, and the counts read again after them.

use leptos::prelude::*;

use flagdeck_core::edits::{History, Step};
use flagdeck_core::summary::Counts;

/// The changes since opening, and the actions that record them.
#[derive(Clone, Copy)]
pub struct Changes {
    history: RwSignal<History>,
    /// Changes to the file besides flag edits (saved dashboards), listed with the changes.
    other: RwSignal<Vec<String>>,
    /// Counts read again after changes (the summary shows these once there are any).
    live_counts: RwSignal<Option<Counts>>,
}

impl Changes {
    pub(super) fn new() -> Self {
        Changes {
            history: RwSignal::new(History::default()),
            other: RwSignal::new(Vec::new()),
            live_counts: RwSignal::new(None),
        }
    }

    /// Every flag edit since the file was opened, for undo and redo.
    pub fn history(&self) -> ReadSignal<History> {
        self.history.read_only()
    }

    /// Whether there is a step to undo.
    pub fn can_undo(&self) -> Signal<bool> {
        let history = self.history;
        Signal::derive(move || history.with(|h| !h.done.is_empty()))
    }

    /// Whether there is a step to redo.
    pub fn can_redo(&self) -> Signal<bool> {
        let history = self.history;
        Signal::derive(move || history.with(|h| !h.undone.is_empty()))
    }

    /// Changes to the file that are not flag edits.
    pub fn other(&self) -> ReadSignal<Vec<String>> {
        self.other.read_only()
    }

    /// The counts read after the last change, if any.
    pub fn live_counts(&self) -> ReadSignal<Option<Counts>> {
        self.live_counts.read_only()
    }

    /// A step was applied: it joins the history (and clears what could be redone).
    pub fn record(&self, step: Step) {
        self.history.update(|h| h.record_step(step));
    }

    /// The history after an undo or a redo.
    pub fn replace_history(&self, history: History) {
        self.history.set(history);
    }

    /// A newly opened file: its history (resumed from a working copy, or empty) and counts.
    pub fn start(&self, history: History, counts: Option<Counts>) {
        self.history.set(history);
        self.live_counts.set(counts);
    }

    /// Records a change to the file that is not a flag edit (it has no undo).
    pub fn note(&self, text: String) {
        self.other.update(|c| c.push(text));
    }

    /// The counts were read again after a change.
    pub fn counted(&self, counts: Counts) {
        self.live_counts.set(Some(counts));
    }
}
