//! The alert region: errors, and quieter notes, each until dismissed.

use leptos::prelude::*;

/// One line in the alert region.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// Unique while the app runs: the key of the line and what [`Alerts::dismiss`] takes.
    pub id: u32,
    /// What is said.
    pub text: String,
    /// A note (`role="status"`, quiet styling) rather than an alert (`role="alert"`): something
    /// worth knowing that is not a failure.
    pub note: bool,
}

/// The alerts shown, and the actions that add and remove them.
#[derive(Clone, Copy)]
pub struct Alerts {
    list: RwSignal<Vec<Notice>>,
    next: StoredValue<u32>,
}

impl Alerts {
    pub(super) fn new() -> Self {
        Alerts { list: RwSignal::new(Vec::new()), next: StoredValue::new(1) }
    }

    /// The alerts shown, oldest first.
    pub fn list(&self) -> ReadSignal<Vec<Notice>> {
        self.list.read_only()
    }

    /// Adds an alert: something failed or was refused. Its id, for [`dismiss`](Self::dismiss).
    pub fn alert(&self, text: String) -> u32 {
        self.push(text, false)
    }

    /// Adds a note: worth knowing, not a failure (shown quietly, `role="status"`). Its id.
    pub fn note(&self, text: String) -> u32 {
        self.push(text, true)
    }

    /// The same words said again replace the line already shown (moved last, with a new id so it
    /// is announced again) instead of stacking a copy.
    fn push(&self, text: String, note: bool) -> u32 {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|list| {
            list.retain(|n| !(n.note == note && n.text == text));
            list.push(Notice { id, text, note });
        });
        id
    }

    /// Removes the alert `id`.
    pub fn dismiss(&self, id: u32) {
        self.list.update(|list| list.retain(|n| n.id != id));
    }

    /// Removes every alert (a new database is open: the old words are about the old one).
    pub fn clear(&self) {
        self.list.set(Vec::new());
    }
}
