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
use web_sys::{Event, MessageEvent};

use super::app_worker::{self, AppWorkerError, Failure};
use super::set_field as set;
use super::Listened;

/// Where the build puts the worker script (index.html copies it).
pub const STORES_WORKER_URL: &str = "stores-worker.js";

/// What went wrong ([`Failure`] of "the stores worker").
pub type StoresWorkerError = AppWorkerError;

const NAME: &str = "the stores worker";

fn fail(failure: Failure) -> StoresWorkerError {
    AppWorkerError { worker: NAME, failure }
}

type Answer = Result<Uint8Array, StoresWorkerError>;

/// One read of the stores in a worker, under way or answered.
pub struct StoresWorker {
    worker: Listened,
    answer: RefCell<Option<oneshot::Receiver<Answer>>>,
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
        let (worker, glue) = app_worker::start(STORES_WORKER_URL, NAME)?;
        let (tx, rx) = oneshot::channel::<Answer>();
        let tx = Rc::new(RefCell::new(Some(tx)));
        let answer = tx.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let field = |k: &str| Reflect::get(&data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
            let reply = match field("stores").dyn_into::<Uint8Array>() {
                Ok(bytes) => Ok(bytes),
                Err(_) => Err(fail(Failure::Failed(
                    field("error").as_string().unwrap_or_else(|| "no reason given".into()),
                ))),
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
                let _ = tx.send(Err(fail(Failure::Failed(why))));
            }
        });
        let msg = Object::new();
        set(&msg, "action", &JsValue::from_str("read"));
        set(&msg, "image", &image);
        set(&msg, "tools", &tools.map(JsValue::from).unwrap_or(JsValue::NULL));
        set(&msg, "flags", &flags.map(JsValue::from).unwrap_or(JsValue::NULL));
        set(&msg, "glue", &JsValue::from_str(&glue));
        set(&msg, "module", &wasm_bindgen::module());
        // Held before posting: on any failure from here, dropping it ends the worker.
        let this = StoresWorker {
            worker: Listened::new(worker, on_message, on_error),
            answer: RefCell::new(Some(rx)),
        };
        // A copy's buffer is transferred (no second copy); a Blob is passed by reference.
        let transfer = match image.dyn_ref::<Uint8Array>() {
            Some(bytes) => Array::of1(&bytes.buffer()),
            None => Array::new(),
        };
        this.worker.post_message_with_transfer(&msg, &transfer).map_err(|e| fail(Failure::Post(e)))?;
        Ok(this)
    }

    /// The stores' bytes ([`flagdeck_core::wire::encode`]), once; a second call is
    /// [`Failure::Gone`].
    pub async fn stores(&self) -> Result<Uint8Array, StoresWorkerError> {
        let rx = self.answer.borrow_mut().take().ok_or(fail(Failure::Gone))?;
        rx.await.unwrap_or(Err(fail(Failure::Gone)))
    }
}
