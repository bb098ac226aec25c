//! What the module workers that run the app's own wasm without its UI share (the stores
//! worker, `stores_worker.rs`; the list worker, `list_worker.rs`): how one is started, with
//! the URL of the app's JS glue and its compiled module to load, and how one fails.

use wasm_bindgen::prelude::*;
use web_sys::{Worker, WorkerOptions, WorkerType};

use super::describe;

/// What went wrong with a worker named `worker` ("the stores worker"), keeping the thrown value
/// where there is one.
#[derive(Debug, Clone)]
pub struct AppWorkerError {
    pub worker: &'static str,
    pub failure: Failure,
}

/// How an app worker failed.
#[derive(Debug, Clone)]
pub enum Failure {
    /// `new Worker(...)` threw.
    Start(JsValue),
    /// The page has no `<link rel="modulepreload">` naming the app's JS glue (not a Trunk build).
    NoGlue,
    /// `postMessage` threw.
    Post(JsValue),
    /// The worker reported a failure (its message), or died (`error` event).
    Failed(String),
    /// The worker ended without an answer (terminated, or the page dropped it).
    Gone,
}

impl std::fmt::Display for AppWorkerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = self.worker;
        match &self.failure {
            Failure::Start(v) => write!(f, "{w} could not start: {}", describe(v)),
            Failure::NoGlue => write!(f, "the app's script is not named by the page"),
            Failure::Post(v) => write!(f, "{w} could not be sent a message: {}", describe(v)),
            Failure::Failed(why) => write!(f, "{w} failed: {why}"),
            Failure::Gone => write!(f, "{w} ended without an answer"),
        }
    }
}

/// The URL of the app's JS glue, as Trunk names it in the page (`<link rel="modulepreload">`).
fn glue_url() -> Option<String> {
    let doc = web_sys::window()?.document()?;
    let link = doc.query_selector("link[rel=modulepreload][href$='.js']").ok()??;
    let href = link.get_attribute("href")?;
    web_sys::Url::new_with_base(&href, &doc.url().ok()?).ok().map(|u| u.href())
}

/// Starts the module worker script `url` (named `worker` in errors); with the URL of the app's
/// JS glue, which its first message carries (with [`wasm_bindgen::module`]) for the script to
/// load the app. Errors: [`Failure::NoGlue`], [`Failure::Start`].
pub fn start(url: &str, worker: &'static str) -> Result<(Worker, String), AppWorkerError> {
    let fail = |failure| AppWorkerError { worker, failure };
    let glue = glue_url().ok_or(fail(Failure::NoGlue))?;
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let w = Worker::new_with_options(url, &options).map_err(|e| fail(Failure::Start(e)))?;
    Ok((w, glue))
}
