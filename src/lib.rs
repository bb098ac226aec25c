//! The flagdeck web app (wasm32 only): the Leptos shell and the sql.js Web Worker adapter of the
//! core's database port. The pure core is the `flagdeck-core` crate (crates/core), the demo
//! generator the `flagdeck-demo` crate (crates/demo), which the app never links: its database
//! is made at build time and fetched when asked for.

#[cfg(target_arch = "wasm32")]
pub mod web;
