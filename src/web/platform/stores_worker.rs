//! The stores worker (`stores-worker.js`, a module worker running the app's own wasm without
//! its UI): reads the dashboard's stores from a database image on another core while the file
//! is being opened, and hands them back as one transferred buffer ([`flagdeck_core::wire`]).
//! The only code that talks to it.
//!
//! Protocol: `{action: 'read', image, tools, flags, glue, module}` (the image: a copy of a
//! picked file's bytes as a `Uint8Array`, transferred, or a `Blob` already in memory; the table
//! shapes as JSON; the app's JS glue URL and its compiled `WebAssembly.Module`) → one answer, `{action: 'read', stores}` (a `Uint8Array`, transferred) or `{action: 'failed',
//! error}`; the worker then ends. Dropping a [`StoresWorker`] terminates it.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent, Worker, WorkerOptions, WorkerType};

use super::{describe, set_field as set};

/// Where the build puts the worker script (index.html copies it).
pub const STORES_WORKER_URL: &str = "stores-worker.js";

/// What went wrong, keeping the thrown value where there is one.
#[derive(Debug)]
pub enum StoresWorkerError {
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

impl std::fmt::Display for StoresWorkerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoresWorkerError::Start(v) => write!(f, "the stores worker could not start: {}", describe(v)),
            StoresWorkerError::NoGlue => write!(f, "the app's script is not named by the page"),
            StoresWorkerError::Post(v) => {
                write!(f, "the stores worker could not be sent the image: {}", describe(v))
            }
            StoresWorkerError::Failed(why) => write!(f, "the stores worker failed: {why}"),
            StoresWorkerError::Gone => write!(f, "the stores worker ended without an answer"),
        }
    }
}

type Answer = Result<Uint8Array, StoresWorkerError>;

/// One read of the stores in a worker, under way or answered.
pub struct StoresWorker {
    worker: Worker,
    answer: RefCell<Option<oneshot::Receiver<Answer>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Drop for StoresWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// The URL of the app's JS glue, as Trunk names it in the page (`<link rel="modulepreload">`).
pub(crate) fn glue_url() -> Option<String> {
    let doc = web_sys::window()?.document()?;
    let link = doc.query_selector("link[rel=modulepreload][href$='.js']").ok()??;
    let href = link.get_attribute("href")?;
    web_sys::Url::new_with_base(&href, &doc.url().ok()?).ok().map(|u| u.href())
}

impl StoresWorker {
    /// Starts a worker and sends it `image`, a `Uint8Array` (its buffer transferred: empty here
    /// afterwards) or a `Blob` (read by the worker), with the shapes of the tables to read
    /// (`tools`, `flags`: [`TableInfo`] as JSON, `None` for a table the file lacks). The answer is awaited with [`StoresWorker::stores`].
    ///
    /// [`TableInfo`]: flagdeck_core::table_info::TableInfo
    pub fn read(
        image: JsValue,
        tools: Option<String>,
        flags: Option<String>,
    ) -> Result<Self, StoresWorkerError> {
        let glue = glue_url().ok_or(StoresWorkerError::NoGlue)?;
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker =
            Worker::new_with_options(STORES_WORKER_URL, &options).map_err(StoresWorkerError::Start)?;
        let (tx, rx) = oneshot::channel::<Answer>();
        let tx = Rc::new(RefCell::new(Some(tx)));
        let answer = tx.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let field = |k: &str| Reflect::get(&data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
            let reply = match field("stores").dyn_into::<Uint8Array>() {
                Ok(bytes) => Ok(bytes),
                Err(_) => Err(StoresWorkerError::Failed(
                    field("error").as_string().unwrap_or_else(|| "no reason given".into()),
                )),
            };
            if let Some(tx) = answer.borrow_mut().take() {
                let _ = tx.send(reply);
            }
        });
        let answer = tx;
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let why = event
                .dyn_ref::<web_sys::ErrorEvent>()
                .map(|e| e.message())
                .unwrap_or_else(|| "the script could not be loaded".into());
            if let Some(tx) = answer.borrow_mut().take() {
                let _ = tx.send(Err(StoresWorkerError::Failed(why)));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let msg = Object::new();
        set(&msg, "action", &JsValue::from_str("read"));
        set(&msg, "image", &image);
        set(&msg, "tools", &tools.map(JsValue::from).unwrap_or(JsValue::NULL));
        set(&msg, "flags", &flags.map(JsValue::from).unwrap_or(JsValue::NULL));
        set(&msg, "glue", &JsValue::from_str(&glue));
        set(&msg, "module", &wasm_bindgen::module());
        // Held before posting: on any failure from here, dropping it ends the worker.
        let this = StoresWorker {
            worker,
            answer: RefCell::new(Some(rx)),
            _on_message: on_message,
            _on_error: on_error,
        };
        // A copy's buffer is transferred (no second copy); a Blob is passed by reference.
        let transfer = match image.dyn_ref::<Uint8Array>() {
            Some(bytes) => Array::of1(&bytes.buffer()),
            None => Array::new(),
        };
        this.worker.post_message_with_transfer(&msg, &transfer).map_err(StoresWorkerError::Post)?;
        Ok(this)
    }

    /// The stores' bytes ([`flagdeck_core::wire::encode`]), once; a second call is
    /// [`StoresWorkerError::Gone`].
    pub async fn stores(&self) -> Result<Uint8Array, StoresWorkerError> {
        let rx = self.answer.borrow_mut().take().ok_or(StoresWorkerError::Gone)?;
        rx.await.unwrap_or(Err(StoresWorkerError::Gone))
    }
}
