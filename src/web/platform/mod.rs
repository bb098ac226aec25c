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

/// A worker with its message and error handlers: dropping it removes them and ends the worker
/// (the sql.js worker, the stores worker, the list worker). Derefs to the [`web_sys::Worker`].
pub(crate) struct Listened {
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listened {
    /// Sets the handlers on `worker` and holds them for as long as it lives.
    pub(crate) fn new(
        worker: web_sys::Worker,
        on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
        on_error: Closure<dyn FnMut(web_sys::Event)>,
    ) -> Self {
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Listened { worker, _on_message: on_message, _on_error: on_error }
    }
}

impl std::ops::Deref for Listened {
    type Target = web_sys::Worker;
    fn deref(&self) -> &web_sys::Worker {
        &self.worker
    }
}

impl Drop for Listened {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

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
