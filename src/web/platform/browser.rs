//! Small wrappers over the browser APIs the working copy uses, each failing quietly where the
//! browser lacks it: Web Locks, persistent storage, Blob bytes, clocks, `performance.measure`
//! with explicit times, and a timeout.

use std::future::Future;
use std::task::Poll;

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// The Web Lock a tab holds while it writes to a working copy.
fn lock_name(session: &str) -> String {
    format!("flagdeck-working-copy:{session}")
}

/// `navigator.locks`, where the browser has it.
fn locks() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    Reflect::get(&navigator, &"locks".into()).ok().filter(|l| !l.is_undefined())
}

/// Holds the session's lock until the tab goes away (the browser releases it then, crash
/// included), so another tab never offers to resume, and then writes into, the same working copy.
pub fn hold_lock(session: &str) {
    let Some(locks) = locks() else { return };
    let held = Closure::<dyn FnMut(JsValue) -> JsValue>::new(|_| js_sys::Promise::new(&mut |_, _| {}).into());
    if let Ok(request) =
        Reflect::get(&locks, &"request".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    {
        let _ = request.call2(&locks, &lock_name(session).into(), held.as_ref());
    }
    // One small closure per opened database, alive as long as the lock.
    held.forget();
}

/// Whether another tab holds the session's lock (it has that working copy open).
pub async fn in_use_elsewhere(session: &str) -> bool {
    let Some(locks) = locks() else { return false };
    let Ok(query) = Reflect::get(&locks, &"query".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return false;
    };
    let Ok(promise) = query.call0(&locks).and_then(|p| p.dyn_into::<js_sys::Promise>()) else { return false };
    let Ok(state) = JsFuture::from(promise).await else { return false };
    let held = Reflect::get(&state, &"held".into()).map(|h| js_sys::Array::from(&h)).unwrap_or_default();
    let name = lock_name(session);
    held.iter()
        .any(|l| Reflect::get(&l, &"name".into()).ok().and_then(|n| n.as_string()) == Some(name.clone()))
}

/// Milliseconds since 1970 (for the records and the banner).
pub fn date_now() -> f64 {
    js_sys::Date::now()
}

/// The page clock (for the measures).
pub fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_default()
}

/// A `performance.measure` from `start` to now, read by `cargo xtask bench`.
pub fn measure(name: &str, start: f64) {
    let Some(perf) = web_sys::window().and_then(|w| w.performance()) else { return };
    let options = Object::new();
    let _ = Reflect::set(&options, &"start".into(), &start.into());
    let _ = Reflect::set(&options, &"end".into(), &perf.now().into());
    if let Ok(f) = Reflect::get(&perf, &"measure".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = f.call2(&perf, &name.into(), &options);
    }
}

/// Waits for `f`, but `ms` at most.
pub async fn within<F: Future>(ms: u32, f: F) {
    let mut f = std::pin::pin!(f);
    let mut timer = std::pin::pin!(gloo_timers::future::TimeoutFuture::new(ms));
    std::future::poll_fn(|cx| {
        if f.as_mut().poll(cx).is_ready() || timer.as_mut().poll(cx).is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// `YYYY-MM-DD HH:MM` in local time.
pub fn local_time(ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// Now as agent_db.py writes times: local time, `YYYY-MM-DD HH:MM`.
pub fn local_minute() -> String {
    local_time(js_sys::Date::now())
}

/// `navigator.storage.persist()`, unless already granted; `None` when the browser has no
/// StorageManager here.
pub async fn persist() -> Option<bool> {
    let navigator = web_sys::window()?.navigator();
    let storage = Reflect::get(&navigator, &"storage".into()).ok().filter(|s| !s.is_undefined())?;
    let storage: web_sys::StorageManager = storage.unchecked_into();
    if JsFuture::from(storage.persisted().ok()?).await.ok()?.as_bool() == Some(true) {
        return Some(true);
    }
    JsFuture::from(storage.persist().ok()?).await.ok()?.as_bool()
}

/// The bytes of a stored Blob, in JavaScript memory.
pub async fn blob_bytes(blob: &Blob) -> Result<Uint8Array, String> {
    let buffer =
        JsFuture::from(blob.array_buffer()).await.map_err(|e| crate::web::platform::sqljs::describe(&e))?;
    Ok(Uint8Array::new(&buffer))
}

/// The page's own stylesheets as CSS text, read through the CSSOM (rules of every same-origin
/// sheet, one per line): what a standalone report inlines, so the app does not carry a second
/// copy of its stylesheet. Empty when there is no document.
pub fn page_css() -> String {
    let Some(sheets) = web_sys::window().and_then(|w| w.document()).map(|d| d.style_sheets()) else {
        return String::new();
    };
    let mut css = String::new();
    for sheet in (0..sheets.length()).filter_map(|i| sheets.item(i)) {
        // A cross-origin sheet's rules cannot be read (and flagdeck has none): skipped.
        let Some(rules) = sheet.dyn_ref::<web_sys::CssStyleSheet>().and_then(|s| s.css_rules().ok()) else {
            continue;
        };
        for rule in (0..rules.length()).filter_map(|i| rules.item(i)) {
            css.push_str(&rule.css_text());
            css.push('\n');
        }
    }
    css
}
