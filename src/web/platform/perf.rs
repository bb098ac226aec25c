//! Performance marks and measures, read by `cargo xtask bench` and the e2e tests, and the page
//! clock. Each does nothing where the page has no `performance` (they only time things).

use js_sys::Object;
use wasm_bindgen::prelude::*;
use web_sys::Performance;

#[wasm_bindgen]
extern "C" {
    /// `performance`, for `measure(name, {start, end})` (explicit times), which web-sys does
    /// not offer in its stable set.
    type PerformanceTimes;

    #[wasm_bindgen(method, catch, js_name = measure)]
    fn measure_with_options(
        this: &PerformanceTimes,
        name: &str,
        options: &Object,
    ) -> Result<JsValue, JsValue>;

    /// `performance.mark(name, {detail})`.
    #[wasm_bindgen(method, catch, js_name = mark)]
    fn mark_with_options(this: &PerformanceTimes, name: &str, options: &Object) -> Result<JsValue, JsValue>;
}

fn performance() -> Option<Performance> {
    web_sys::window()?.performance()
}

/// A `performance.mark` named `name` (`flagdeck:open-start`, `bytes-read`, …).
pub fn mark(name: &str) {
    if let Some(perf) = performance() {
        let _ = perf.mark(name);
    }
}

/// A `performance.mark` named `name` whose `detail` is the text `detail` (what it is about:
/// `flagdeck:route-read-ahead` carries the page's address).
pub fn mark_detail(name: &str, detail: &str) {
    let Some(perf) = performance() else { return };
    let options = Object::new();
    // A data property on a fresh object: cannot throw.
    let _ = js_sys::Reflect::set(&options, &"detail".into(), &detail.into());
    let _ = perf.unchecked_into::<PerformanceTimes>().mark_with_options(name, &options);
}

/// A `performance.measure` from the mark `start` to now.
pub fn measure(name: &str, start: &str) {
    if let Some(perf) = performance() {
        let _ = perf.measure_with_start_mark(name, start);
    }
}

/// A `performance.measure` from the mark `start` to the mark `end`.
pub fn measure_marks(name: &str, start: &str, end: &str) {
    if let Some(perf) = performance() {
        let _ = perf.measure_with_start_mark_and_end_mark(name, start, end);
    }
}

/// A `performance.measure` from `start` (milliseconds on the page clock, see [`perf_now`]) to now.
pub fn measure_since(name: &str, start: f64) {
    let Some(perf) = performance() else { return };
    let options = Object::new();
    // Data properties on a fresh object: cannot throw.
    let _ = js_sys::Reflect::set(&options, &"start".into(), &start.into());
    let _ = js_sys::Reflect::set(&options, &"end".into(), &perf.now().into());
    let _ = perf.unchecked_into::<PerformanceTimes>().measure_with_options(name, &options);
}

/// Removes a mark made for one measurement, so the timeline does not fill up with them.
pub fn clear_mark(name: &str) {
    if let Some(perf) = performance() {
        perf.clear_marks_with_mark_name(name);
    }
}

/// The page clock in milliseconds (`performance.now()`), 0 without one.
pub fn perf_now() -> f64 {
    performance().map(|p| p.now()).unwrap_or_default()
}

/// Runs `f` once the next frame has been painted (a task queued from requestAnimationFrame
/// runs after that paint), so a measure ending in `f` includes putting the rows on screen.
pub fn after_paint(f: impl FnOnce() + 'static) {
    leptos::prelude::request_animation_frame(move || {
        leptos::prelude::set_timeout(f, std::time::Duration::ZERO)
    });
}

/// Once the next frame has been painted ([`after_paint`]): the measure `name` from the
/// one-request mark `start` to then, and the mark removed ([`clear_mark`]).
pub fn measure_when_painted(name: impl AsRef<str> + 'static, start: String) {
    after_paint(move || {
        measure(name.as_ref(), &start);
        clear_mark(&start);
    });
}

/// Resolves once the next frame has been painted (see [`after_paint`]): a drawing done in parts
/// awaits it after its last part, before its measure ends.
pub async fn next_paint() {
    let (tx, rx) = futures_channel::oneshot::channel();
    after_paint(move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}
