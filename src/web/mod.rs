//! The browser shell: the Leptos app and the sql.js worker adapter (wasm32 only).
//!
//! Features are folders (`flags/`, `quests/`, `agents/`, `dashboard/`, `share/`, `working_copy/`,
//! `summary/`, `files/`); `state/` holds the app's contexts, `widgets/` holds what several pages share and `platform/` every
//! browser capability.

mod agents;
mod app;
mod dashboard;
mod files;
mod flags;
mod follow;
pub mod platform;
mod quests;
mod share;
mod state;
mod summary;
mod widgets;
mod working_copy;

/// Entry point called by `main` in the browser. In a worker (the stores worker runs this same
/// wasm for [`dashboard::flagdeck_read_stores`]) there is no page: nothing is mounted.
pub fn start() {
    console_error_panic_hook::set_once();
    if web_sys::window().is_some() {
        leptos::mount::mount_to_body(app::App);
    }
}
