//! The list worker (`list-worker.js`, a module worker running the app's own wasm without its
//! UI): builds the flag list's derived layer ([`flagdeck_core::flag_index`]) from a database
//! image on another core, holds it for as long as the file is open, and answers the list's
//! questions about it. The only code that talks to it.
//!
//! Protocol: first `{action: 'build', image, shape, glue, module}` (the image: a `Blob` of the
//! bytes as the engine opened them, read a window at a time, or a `Uint8Array`; the shape of
//! `flags` as JSON of a [`TableInfo`]; the app's JS glue URL and its compiled
//! `WebAssembly.Module`) → `{action: 'built', info}` (JSON of what was built) or
//! `{action: 'failed', error}`. Then any number of `{id, request}` ([`Request`] as JSON) →
//! `{id, answer}` ([`Answer`] as JSON, or for a [`Request::Order`] that is answered, its ids as
//! a transferred `Float64Array`: a million ids are 8 MB, ~7 MB of JSON) or `{id, error}`,
//! answered in the order asked. Dropping a [`ListWorker`] terminates it.
//!
//! [`TableInfo`]: flagdeck_core::table_info::TableInfo
//! [`Request`]: flagdeck_core::flag_index::Request
//! [`Answer`]: flagdeck_core::flag_index::Answer

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent};

use super::app_worker::{self, AppWorkerError, Failure};
use super::set_field as set;
use super::Listened;

/// Where the build puts the worker script (index.html copies it).
pub const LIST_WORKER_URL: &str = "list-worker.js";

/// What went wrong ([`Failure`] of "the list worker").
pub type ListWorkerError = AppWorkerError;

const NAME: &str = "the list worker";

fn fail(failure: Failure) -> ListWorkerError {
    AppWorkerError { worker: NAME, failure }
}

/// The list worker ended without an answer.
pub fn gone() -> ListWorkerError {
    fail(Failure::Gone)
}

/// The build's reply: the JSON text of its report.
pub type Reply = Result<String, ListWorkerError>;

/// An answer: the JSON text of an [`Answer`](flagdeck_core::flag_index::Answer) (a JS string),
/// or the ids of an order (a `Float64Array`).
pub type Answered = Result<JsValue, ListWorkerError>;

type Waiting = Rc<RefCell<HashMap<u32, oneshot::Sender<Answered>>>>;

/// A list worker and the replies it owes.
pub struct ListWorker {
    worker: Listened,
    built: RefCell<Option<oneshot::Receiver<Reply>>>,
    waiting: Waiting,
    /// Set once the worker died: every later question fails with it at once.
    failed: Rc<RefCell<Option<ListWorkerError>>>,
    next_id: Cell<u32>,
}

impl ListWorker {
    /// Starts a worker and asks it to build the layer from `image` (a `Blob`, passed by
    /// reference, or a `Uint8Array`, copied) for a `flags` table of shape `shape` (JSON of a
    /// [`TableInfo`](flagdeck_core::table_info::TableInfo)). The report is awaited with
    /// [`ListWorker::built`].
    pub fn build(image: &JsValue, shape: &str) -> Result<Self, ListWorkerError> {
        let (worker, glue) = app_worker::start(LIST_WORKER_URL, NAME)?;
        let (built_tx, built_rx) = oneshot::channel::<Reply>();
        let built_tx = Rc::new(RefCell::new(Some(built_tx)));
        let waiting: Waiting = Rc::default();
        let failed: Rc<RefCell<Option<ListWorkerError>>> = Rc::default();

        let (report, answers) = (built_tx.clone(), waiting.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let field = |k: &str| Reflect::get(&data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
            let error = field("error").as_string().map(|why| fail(Failure::Failed(why)));
            match field("id").as_f64() {
                Some(id) => {
                    let Some(tx) = answers.borrow_mut().remove(&(id as u32)) else { return };
                    let reply = match error {
                        Some(e) => Err(e),
                        None => Ok(field("answer")),
                    };
                    let _ = tx.send(reply);
                }
                None => {
                    let reply = match error {
                        Some(e) => Err(e),
                        None => Ok(field("info").as_string().unwrap_or_default()),
                    };
                    if let Some(tx) = report.borrow_mut().take() {
                        let _ = tx.send(reply);
                    }
                }
            }
        });
        let (report, answers, remembered) = (built_tx, waiting.clone(), failed.clone());
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            event.prevent_default();
            let why = event
                .dyn_ref::<web_sys::ErrorEvent>()
                .map(|e| e.message())
                .unwrap_or_else(|| "the script could not be loaded".into());
            let error = fail(Failure::Failed(why));
            *remembered.borrow_mut() = Some(error.clone());
            if let Some(tx) = report.borrow_mut().take() {
                let _ = tx.send(Err(error.clone()));
            }
            for (_, tx) in answers.borrow_mut().drain() {
                let _ = tx.send(Err(error.clone()));
            }
        });
        let this = ListWorker {
            worker: Listened::new(worker, on_message, on_error),
            built: RefCell::new(Some(built_rx)),
            waiting,
            failed,
            next_id: Cell::new(1),
        };
        let msg = Object::new();
        set(&msg, "action", &JsValue::from_str("build"));
        set(&msg, "image", image);
        set(&msg, "shape", &JsValue::from_str(shape));
        set(&msg, "glue", &JsValue::from_str(&glue));
        set(&msg, "module", &wasm_bindgen::module());
        this.worker.post_message(&msg).map_err(|e| fail(Failure::Post(e)))?;
        Ok(this)
    }

    /// Where the build's report (JSON) arrives, once (`None` the second time). The receiver
    /// does not hold the worker: dropping the worker cancels it.
    pub fn take_built(&self) -> Option<oneshot::Receiver<Reply>> {
        self.built.borrow_mut().take()
    }

    /// Posts a question (JSON of a `Request`) now, so questions reach the worker in the order
    /// they are asked; the receiver gets the answer.
    pub fn ask(&self, request: &str) -> Result<oneshot::Receiver<Answered>, ListWorkerError> {
        if let Some(e) = self.failed.borrow().clone() {
            return Err(e);
        }
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        let msg = Object::new();
        set(&msg, "id", &JsValue::from(id));
        set(&msg, "request", &JsValue::from_str(request));
        let (tx, rx) = oneshot::channel();
        self.waiting.borrow_mut().insert(id, tx);
        if let Err(e) = self.worker.post_message_with_transfer(&msg, &Array::new()) {
            self.waiting.borrow_mut().remove(&id);
            return Err(fail(Failure::Post(e)));
        }
        Ok(rx)
    }
}
