//! The app's state as small contexts, each a `Copy` handle with private signals: read-only
//! signals to read, named actions to change. `App` provides them; components take the ones they
//! need with `expect_context`, so pages depend on these and not on the root component.
//!
//! - [`Nav`]: which page is shown;
//! - [`Alerts`]: the alert region;
//! - [`OpenDb`]: the open database, its data version, its catalog and what is being opened;
//! - [`Changes`]: the history of flag edits, other changes, the counts read after changes;
//!
//! [`AppState`] holds the actions that span several of them (open, edit, undo, export) and the
//! working copy's handle; [`use_latest`] is the hook for every async load of a page, and
//! [`PageTasks`] runs the quests page's reads, which end with the page. Feature state lives
//! with its feature: the dashboard's settings in `dashboard::DashboardSettings`, the flag form's
//! in `flags::form::FormRequest`, the quests page's query in `quests::QuestsView` and
//! the added quest logs in `quests::QuestLogs`.

mod actions;
mod alerts;
mod changes;
mod for_data;
mod latest;
mod nav;
mod open;
mod tasks;

pub(in crate::web) use actions::with_writes_off;
pub use actions::AppState;
pub use alerts::Alerts;
pub use changes::Changes;
pub use for_data::ForData;
pub use latest::{use_latest, use_latest_from, Run};
pub use nav::{Nav, View, READS_AHEAD_KEPT};
pub use open::{CatalogState, OpenDb};
pub use tasks::PageTasks;

use leptos::prelude::provide_context;

/// Creates every context and provides it to the components below the caller.
pub fn provide_contexts() -> (Nav, Alerts, OpenDb, Changes) {
    let contexts = (Nav::new(), Alerts::new(), OpenDb::new(), Changes::new());
    provide_context(contexts.0);
    provide_context(contexts.1);
    provide_context(contexts.2);
    provide_context(contexts.3);
    provide_context(crate::web::dashboard::DashboardSettings::new());
    provide_context(crate::web::quests::QuestsView::new());
    contexts
}
