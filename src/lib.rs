//! flagdeck: open an agent flag database in the browser, review it, export it.
//!
//! `core` is pure and runs everywhere; `native` is the rusqlite adapter (tests and tools);
//! `web` is the Leptos app with the sql.js Web Worker adapter (wasm32 only).

pub mod core;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;

#[cfg(target_arch = "wasm32")]
pub mod web;
