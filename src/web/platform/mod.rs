//! Browser capabilities, one place each, and the only code of the shell that calls JavaScript:
//! the sql.js worker, the stores worker, the list worker, IndexedDB, dropped files and folders, File System Access, Web Locks,
//! storage, fetch and Blobs, downloads, performance marks, clocks and the page address. Feature
//! modules call the typed Rust functions here; each capability has its own error enum keeping the
//! thrown `JsValue`.

pub mod app_worker;
pub mod browser;
pub mod clipboard;
pub mod download;
pub mod dropped;
pub mod fetch;
pub mod file_system;
pub mod idb;
pub mod list_worker;
pub mod locks;
pub mod perf;
pub mod sqljs;
pub mod storage;
pub mod stores_worker;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Sets `key` on a fresh message object (a plain data property: it cannot throw), for the
/// workers' messages ([`sqljs`], [`stores_worker`]).
pub(crate) fn set_field(obj: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Text of a thrown JS value, for a person: an Error's or DOMException's `message`, a thrown
/// string as it is, anything else as the console would show it.
pub fn describe(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    if let Ok(msg) = js_sys::Reflect::get(value, &JsValue::from_str("message")) {
        if let Some(s) = msg.as_string() {
            return s;
        }
    }
    format!("{value:?}")
}

/// The `name` of a thrown DOMException or Error (`"AbortError"`, `"QuotaExceededError"`, …),
/// which is how the browser says what kind of failure it was; `None` for anything else.
pub fn error_name(value: &JsValue) -> Option<String> {
    if let Some(e) = value.dyn_ref::<web_sys::DomException>() {
        return Some(e.name());
    }
    value.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name()))
}
