//! The browser shell: the Leptos app and the sql.js worker adapter (wasm32 only).

mod agents;
mod app;
mod browser;
mod charts;
mod components;
mod dashboard;
mod flag_detail;
mod flag_form;
mod flags;
mod idb;
pub mod loader;
mod resume;
mod save_in_place;
mod share;
pub mod sqljs;
mod working_copy;

/// Entry point called by `main` in the browser.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
