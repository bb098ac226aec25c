//! The dashboard's settings as one context handle, kept while moving between pages: what the
//! controls, a shared link and a saved dashboard change, and the filter choices read for them.

use leptos::prelude::*;

use flagdeck_core::dashboard::{DashboardState, FilterChoices};

/// The dashboard's settings ([`DashboardState`]: range, as-of, filters, budgets, what-if) and
/// its filter choices with the data they were read from (`(open attempt, data version)`, see
/// `OpenDb::data_key`). `Copy`; the signals are private: read with [`with`](Self::with) /
/// [`get`](Self::get) (tracked) and change with the named actions.
#[derive(Clone, Copy)]
pub struct DashboardSettings {
    state: RwSignal<DashboardState>,
    choices: RwSignal<(Option<(u64, u64)>, FilterChoices)>,
}

impl DashboardSettings {
    /// The default settings (see [`DashboardState::default`]) and no choices yet.
    pub fn new() -> Self {
        Self::starting_from(DashboardState::default())
    }

    /// Settings of their own, starting from `state` (a snapshot link's view).
    pub fn starting_from(state: DashboardState) -> Self {
        DashboardSettings {
            state: RwSignal::new(state),
            choices: RwSignal::new((None, FilterChoices::default())),
        }
    }

    /// Reads the settings, tracked.
    pub fn with<R>(self, f: impl FnOnce(&DashboardState) -> R) -> R {
        self.state.with(f)
    }

    /// Reads the settings without tracking.
    pub fn with_untracked<R>(self, f: impl FnOnce(&DashboardState) -> R) -> R {
        self.state.with_untracked(f)
    }

    /// A copy of the settings, tracked.
    pub fn get(self) -> DashboardState {
        self.state.get()
    }

    /// A copy of the settings, untracked (for a query about to run).
    pub fn get_untracked(self) -> DashboardState {
        self.state.get_untracked()
    }

    /// One control changed part of the settings (range, a filter, a budget, the what-if).
    pub fn edit(self, change: impl FnOnce(&mut DashboardState)) {
        self.state.update(change);
    }

    /// Other settings as a whole: a shared link's or a saved dashboard's.
    pub fn replace(self, settings: DashboardState) {
        self.state.set(settings);
    }

    /// The filter choices (targets, flag types, tools) last read, tracked.
    pub fn choices(self) -> Signal<FilterChoices> {
        Signal::derive(move || self.choices.with(|(_, c)| c.clone()))
    }

    /// True when the choices were not read from the data `key` identifies.
    pub fn choices_stale(self, key: (u64, u64)) -> bool {
        self.choices.with_untracked(|(k, _)| *k != Some(key))
    }

    /// The choices read from the data `key` identifies.
    pub fn choices_read(self, key: (u64, u64), choices: FilterChoices) {
        self.choices.set((Some(key), choices));
    }
}

impl Default for DashboardSettings {
    fn default() -> Self {
        Self::new()
    }
}
