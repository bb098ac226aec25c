//! Small wrappers over the page itself: clocks, the address (fragment and query), a timeout,
//! the pointer's rest on a control, the console, randomness, the DOM elements behind events and
//! an element coming near the window.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;

use wasm_bindgen::JsCast;

/// Milliseconds since 1970 (for the records and the banner).
pub fn date_now() -> f64 {
    js_sys::Date::now()
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

/// How long the pointer rests on a control before what a click on it would read is asked for
/// ([`Intent`], ms): long enough that a pointer passing over a list of links or boxes asks
/// nothing, short against the ~100–300 ms it rests on the control it is about to click (the
/// "hover intent" of instant.page's 65 ms, a little shorter).
pub const INTENT_MS: u32 = 50;

/// Hover intent over a set of controls (a Copy handle): [`Intent::rest`] runs an action once
/// the pointer has stayed [`INTENT_MS`] on the same control, [`Intent::leave`] forgets it. One
/// control waits at a time: resting on another replaces the wait.
#[derive(Clone, Copy)]
pub struct Intent(
    leptos::prelude::StoredValue<
        Option<(String, gloo_timers::callback::Timeout)>,
        leptos::prelude::LocalStorage,
    >,
);

impl Intent {
    /// A set of controls with nothing waiting.
    pub fn new() -> Intent {
        Intent(leptos::prelude::StoredValue::new_local(None))
    }

    /// The pointer (or the keyboard's focus) rests on the control `key`: `then` runs after
    /// [`INTENT_MS`] unless it leaves first. Again for the same control while waiting: the
    /// wait goes on (a pointer crossing the control's children).
    pub fn rest(&self, key: &str, then: impl FnOnce() + 'static) {
        use leptos::prelude::*;
        if self.0.with_value(|r| r.as_ref().is_some_and(|(k, _)| k == key)) {
            return;
        }
        let slot = self.0;
        let timer = gloo_timers::callback::Timeout::new(INTENT_MS, move || {
            slot.try_set_value(None);
            then();
        });
        if let Some((_, before)) = self.0.try_update_value(|r| r.replace((key.to_owned(), timer))).flatten() {
            before.cancel();
        }
    }

    /// The pointer left: what [`Intent::rest`] would run is not run (what already ran stays).
    pub fn leave(&self) {
        use leptos::prelude::*;
        if let Some((_, timer)) = self.0.try_update_value(Option::take).flatten() {
            timer.cancel();
        }
    }
}

impl Default for Intent {
    fn default() -> Self {
        Intent::new()
    }
}

/// The element an event came from if it matches `selector`, else its nearest ancestor that
/// does (`Element.closest`); `None` when none does.
pub fn closest(e: &web_sys::Event, selector: &str) -> Option<web_sys::Element> {
    e.target()?.dyn_into::<web_sys::Element>().ok()?.closest(selector).ok()?
}

/// Lets the browser handle input and paint before the caller goes on with long work: resumes
/// in a new task queued through a `MessageChannel` (a zero timeout would be clamped to 4 ms
/// once nested). Without a channel (never in a browser) it returns at once.
pub async fn yield_to_browser() {
    let Ok(channel) = web_sys::MessageChannel::new() else { return };
    let ready = js_sys::Promise::new(&mut |resolve, _| {
        let wake = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
        channel.port1().set_onmessage(Some(wake.unchecked_ref()));
    });
    if channel.port2().post_message(&wasm_bindgen::JsValue::NULL).is_ok() {
        let _ = wasm_bindgen_futures::JsFuture::from(ready).await;
    }
    channel.port1().set_onmessage(None);
}

/// An idle period of the browser ([`idle_period`]): how long is left of it.
pub struct IdlePeriod {
    deadline: Option<web_sys::IdleDeadline>,
    /// Where the browser gives no deadline: when the period ends (`performance.now()`, ms).
    until: f64,
}

impl IdlePeriod {
    /// Milliseconds left before the browser needs its thread back (0 once past).
    pub fn time_remaining(&self) -> f64 {
        match &self.deadline {
            Some(d) => d.time_remaining(),
            None => (self.until - super::perf::perf_now()).max(0.0),
        }
    }
}

/// The longest an idle period of [`idle_period`] lasts where the browser has no
/// `requestIdleCallback` (Safari), ms: it begins after a paint.
const IDLE_WITHOUT_DEADLINE_MS: f64 = 4.0;

/// The longest work given to [`idle_period`] waits for an idle period while the page stays
/// busy, ms (`requestIdleCallback`'s `timeout`).
const IDLE_AT_MOST_AFTER_MS: u32 = 500;

/// Resolves in the browser's next idle period (`requestIdleCallback`: after a frame's work,
/// before the next frame is due, with no input waiting), or after [`IDLE_AT_MOST_AFTER_MS`] if
/// none comes; work nobody waits for then runs while [`IdlePeriod::time_remaining`] allows,
/// and neither delays a frame nor the answer to a click. Where the browser has no
/// `requestIdleCallback`, after the next paint, for [`IDLE_WITHOUT_DEADLINE_MS`].
pub async fn idle_period() -> IdlePeriod {
    let window = web_sys::window();
    let has_idle = window.as_ref().is_some_and(|w| {
        js_sys::Reflect::has(w, &wasm_bindgen::JsValue::from_str("requestIdleCallback")).unwrap_or(false)
    });
    if let (Some(window), true) = (window, has_idle) {
        let (tx, rx) = futures_channel::oneshot::channel();
        let called = wasm_bindgen::closure::Closure::once_into_js(move |deadline: web_sys::IdleDeadline| {
            let _ = tx.send(deadline);
        });
        let options = web_sys::IdleRequestOptions::new();
        options.set_timeout(IDLE_AT_MOST_AFTER_MS);
        if window.request_idle_callback_with_options(called.unchecked_ref(), &options).is_ok() {
            if let Ok(deadline) = rx.await {
                return IdlePeriod { deadline: Some(deadline), until: 0.0 };
            }
        }
    }
    super::perf::next_paint().await;
    IdlePeriod { deadline: None, until: super::perf::perf_now() + IDLE_WITHOUT_DEADLINE_MS }
}

/// Waits `ms` milliseconds (a timer: the browser may stretch it in a hidden tab).
pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await
}

/// Watches an element until it comes within one window height below the window (an
/// `IntersectionObserver` whose root margin extends the viewport by 100 % at the bottom): then
/// calls `near` once and stops. Dropping it stops watching (the observer is disconnected and
/// its callback freed). Where no observer can be made, `near` is called at once.
pub struct NearView {
    observer: Option<web_sys::IntersectionObserver>,
    _callback:
        Option<wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>>,
}

/// A callback called at most once, by whoever takes it first.
type CallOnce = Rc<Cell<Option<Box<dyn FnOnce()>>>>;

impl NearView {
    /// Starts watching `el`; see [`NearView`].
    pub fn watch(el: &web_sys::Element, near: impl FnOnce() + 'static) -> NearView {
        let near: CallOnce = Rc::new(Cell::new(Some(Box::new(near))));
        let call = |near: &CallOnce| {
            if let Some(near) = near.take() {
                near();
            }
        };
        let ours = near.clone();
        let callback =
            wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>::new(
                move |entries: js_sys::Array, observer: web_sys::IntersectionObserver| {
                    let close = entries
                        .iter()
                        .any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
                    if close {
                        observer.disconnect();
                        call(&ours);
                    }
                },
            );
        let options = web_sys::IntersectionObserverInit::new();
        options.set_root_margin("0px 0px 100% 0px");
        match web_sys::IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options) {
            Ok(observer) => {
                observer.observe(el);
                NearView { observer: Some(observer), _callback: Some(callback) }
            }
            Err(_) => {
                call(&near);
                NearView { observer: None, _callback: None }
            }
        }
    }
}

impl Drop for NearView {
    fn drop(&mut self) {
        if let Some(observer) = &self.observer {
            // Reports already queued go too: the callback is freed with this.
            let _ = observer.take_records();
            observer.disconnect();
        }
    }
}

/// The viewport's height in CSS pixels (`window.innerHeight`); 0 without a window.
pub fn viewport_height() -> f64 {
    web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(0.0)
}

/// Whether the page is hidden (another tab in front, the window minimised): `document.hidden`.
pub fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// `HH:MM:SS` in local time, for `ms` milliseconds since 1970.
pub fn local_clock(ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    format!("{:02}:{:02}:{:02}", d.get_hours(), d.get_minutes(), d.get_seconds())
}

/// `YYYY-MM-DD HH:MM` in local time, for `ms` milliseconds since 1970.
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

/// A random number in `0..u32::MAX` (`Math.random`), for ids that need not be secret.
pub fn random_u32() -> u32 {
    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
}

/// A warning in the browser console (for what is not worth an alert).
pub fn warn(text: &str) {
    web_sys::console::warn_1(&text.into());
}

/// `decodeURIComponent`; `None` for a malformed escape.
pub fn decode_uri_component(text: &str) -> Option<String> {
    js_sys::decode_uri_component(text).ok().and_then(|s| s.as_string())
}

/// `encodeURIComponent`.
pub fn encode_uri_component(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// The address fragment, `#` included (empty when there is none).
pub fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// The fragment of the address `url` (`#…`, or empty when it has none); `None` when `url` is
/// not an address (a `hashchange` event's `newURL`).
pub fn url_fragment(url: &str) -> Option<String> {
    web_sys::Url::new(url).ok().map(|u| u.hash())
}

/// Sets the address fragment (a new history entry; `hashchange` follows).
pub fn set_location_hash(hash: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(hash);
    }
}

/// The page's address without its fragment.
pub fn location_without_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// A parameter of the address's query (`?name=value`), if present.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}

/// The pairs of a query string (`a=1&b=x%20y`, no leading `?`), decoded as `URLSearchParams`
/// decodes them (`+` is a space); empty for an empty query.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(query) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in js_sys::try_iter(&params).ok().flatten().into_iter().flatten().flatten() {
        let pair = js_sys::Array::from(&entry);
        if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.push((k, v));
        }
    }
    out
}

/// A query string of `pairs` (no leading `?`), encoded as `URLSearchParams` encodes them.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let Ok(params) = web_sys::UrlSearchParams::new() else { return String::new() };
    for (k, v) in pairs {
        params.append(k, v);
    }
    params.to_string().into()
}

/// The file picked in the `<input type=file>` behind a change event, if any; the input is
/// reset so that picking the same file again fires `change` again.
pub fn take_input_file(e: &web_sys::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = e.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0);
    input.set_value("");
    file
}

/// Selects the text of the `<input>` behind a focus event.
pub fn select_input_text(e: &web_sys::Event) {
    if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
        input.select();
    }
}

/// The `data-NAME` attribute of the element an event came from, or of its nearest ancestor that
/// has one (for one listener on a container whose content is HTML text).
pub fn target_data(e: &web_sys::Event, name: &str) -> Option<String> {
    let attribute = format!("data-{name}");
    closest(e, &format!("[{attribute}]"))?.get_attribute(&attribute)
}

/// Whether the checkbox an event came from is ticked.
pub fn target_checked(e: &web_sys::Event) -> bool {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.checked())
}

/// Whether an event comes from a form field (`input`, `textarea`, `select`): typing there is
/// typing, not a shortcut.
pub fn from_form_field(e: &web_sys::Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

/// Takes the keyboard focus away from the element behind an event.
pub fn blur_target(e: &web_sys::Event) {
    if let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.blur();
    }
}

/// Whether a drag carries files (not text or a link).
pub fn drag_has_files(e: &web_sys::DragEvent) -> bool {
    e.data_transfer()
        .map(|dt| dt.types().iter().any(|t| t.as_string().as_deref() == Some("Files")))
        .unwrap_or(false)
}

/// The first file of a drop, if any.
pub fn dropped_file(e: &web_sys::DragEvent) -> Option<web_sys::File> {
    e.data_transfer().and_then(|dt| dt.files()).and_then(|files| files.get(0))
}

/// Sets attribute `name` of `el` to `value`, or removes it for `None` (what a reactive
/// `Option` attribute does, for views that write an element in place).
pub fn set_or_remove_attribute(el: &web_sys::Element, name: &str, value: Option<&str>) {
    let _ = match value {
        Some(v) => el.set_attribute(name, v),
        None => el.remove_attribute(name),
    };
}

/// A deep copy of the first element matching `selector`, with every descendant matching
/// `remove` taken out, as HTML (`outerHTML`); `None` when nothing matches.
pub fn element_html_without(selector: &str, remove: &str) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let element = document.query_selector(selector).ok()??;
    let copy: web_sys::Element = element.clone_node_with_deep(true).ok()?.dyn_into().ok()?;
    while let Ok(Some(child)) = copy.query_selector(remove) {
        child.remove();
    }
    Some(copy.outer_html())
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
