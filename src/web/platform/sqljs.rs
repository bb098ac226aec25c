//! The browser adapter of the database port: sql.js running in its own Web Worker
//! (`worker.sql-wasm.js`, shipped by the sql.js package), so the UI thread never runs SQL.
//!
//! This is the only module that talks to the worker. Requests are `{id, action, ...}` messages;
//! every answer carries the same `id` and either a result or `error` (a string from sql.js, which
//! for `exec` is SQLite's own message). A worker that fails to load or crashes rejects every
//! request in flight.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use super::{describe, set_field as set};
use flagdeck_core::{Database, DbError, ResultSet, Value};

/// Where Trunk puts the worker script (see index.html).
pub const WORKER_URL: &str = "worker.sql-wasm.js";

type Reply = Result<JsValue, DbError>;
type Pending = Rc<RefCell<HashMap<u32, oneshot::Sender<Reply>>>>;
type Failed = Rc<RefCell<Option<DbError>>>;

/// Errors of the JavaScript side, keeping the thrown value for the console.
#[derive(Debug)]
pub enum JsFailure {
    /// `new Worker(...)` threw (bad URL, blocked by the page's policy).
    WorkerStart(JsValue),
    /// `postMessage` threw (a value could not be cloned).
    Post(JsValue),
    /// Reading a field of the worker's answer failed.
    Reply(JsValue),
}

impl JsFailure {
    fn into_db_error(self) -> DbError {
        let (what, value) = match self {
            JsFailure::WorkerStart(v) => ("the SQL engine worker could not be started", v),
            JsFailure::Post(v) => ("a request could not be sent to the SQL engine", v),
            JsFailure::Reply(v) => ("the SQL engine sent an unreadable answer", v),
        };
        web_sys::console::error_2(&JsValue::from_str(what), &value);
        DbError::Engine(format!("{what}: {}", describe(&value)))
    }
}

/// A sql.js database living in a dedicated worker.
pub struct SqlJsWorker {
    worker: Worker,
    pending: Pending,
    /// Set once the worker has died; every later request fails with it at once.
    failed: Failed,
    next_id: Cell<u32>,
    /// SQL run right behind every export (sql.js closes and reopens the database to export
    /// it, which drops per-connection settings and TEMP objects): the safety pragmas, and what
    /// [`SqlJsWorker::also_after_export`] added.
    after_export: RefCell<String>,
    /// Requests posted so far that could change rows of `flags`
    /// ([`flagdeck_core::flag_index::may_write`]): see [`SqlJsWorker::writes`].
    writes: Cell<u64>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Drop for SqlJsWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

fn get(obj: &JsValue, key: &str) -> Result<JsValue, DbError> {
    Reflect::get(obj, &JsValue::from_str(key)).map_err(|e| JsFailure::Reply(e).into_db_error())
}

impl SqlJsWorker {
    /// Starts a worker from `url` and opens `bytes` in it (empty: a new, empty database).
    pub async fn open(url: &str, bytes: Vec<u8>) -> Result<Self, DbError> {
        let array = (!bytes.is_empty()).then(|| Uint8Array::from(bytes.as_slice()));
        drop(bytes);
        Self::open_array(url, array).await
    }

    /// Starts a worker and hands it `bytes` without copying them through wasm memory: the
    /// buffer is transferred, so it is empty on this side afterwards.
    pub async fn open_array(url: &str, bytes: Option<Uint8Array>) -> Result<Self, DbError> {
        let db = Self::start(url)?;
        db.load(bytes).await?;
        Ok(db)
    }

    /// Starts a worker and lets it load sql.js right away (sql.js initialises on its first
    /// message), so that a later [`load`](Self::load) finds the engine ready.
    pub fn start(url: &str) -> Result<Self, DbError> {
        let worker = Worker::new(url).map_err(|e| JsFailure::WorkerStart(e).into_db_error())?;
        let pending: Pending = Rc::default();
        let failed: Failed = Rc::default();

        let answers = pending.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let Some(id) = Reflect::get(&data, &JsValue::from_str("id")).ok().and_then(|v| v.as_f64()) else {
                // Messages without an id come only from sql.js' global error handlers.
                fail_all(&answers, DbError::Engine(format!("the SQL engine reported: {}", describe(&data))));
                return;
            };
            let Some(sender) = answers.borrow_mut().remove(&(id as u32)) else { return };
            let error = Reflect::get(&data, &JsValue::from_str("error")).unwrap_or(JsValue::UNDEFINED);
            let reply = if error.is_undefined()
                && !Reflect::has(&data, &JsValue::from_str("error")).unwrap_or(false)
            {
                Ok(data)
            } else {
                let text =
                    error.as_string().unwrap_or_else(|| "unknown error (sql.js gave no message)".into());
                Err(DbError::Sqlite(text))
            };
            let _ = sender.send(reply);
        });
        let broken = pending.clone();
        let remembered = failed.clone();
        // A script that fails to load fires a plain `Event`; an uncaught exception an `ErrorEvent`.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            event.prevent_default();
            let detail = event.dyn_ref::<ErrorEvent>().map(ErrorEvent::message).unwrap_or_default();
            let detail =
                if detail.is_empty() { "the worker script could not be loaded".to_owned() } else { detail };
            let error = DbError::Engine(format!("the SQL engine (sql.js worker) stopped: {detail}"));
            // Remembered for requests made later (a spare worker may fail before its first use).
            *remembered.borrow_mut() = Some(error.clone());
            fail_all(&broken, error);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        let db = SqlJsWorker {
            worker,
            pending,
            failed,
            next_id: Cell::new(1),
            after_export: RefCell::new(flagdeck_core::inspect::SAFETY_PRAGMAS.to_owned()),
            writes: Cell::new(0),
            _on_message: on_message,
            _on_error: on_error,
        };
        // Warm-up: an empty database, answered to nobody (id 0 is never awaited).
        let warm = Object::new();
        set(&warm, "id", &JsValue::from(0));
        set(&warm, "action", &JsValue::from_str("open"));
        db.worker.post_message(&warm).map_err(|e| JsFailure::Post(e).into_db_error())?;
        Ok(db)
    }

    /// Replaces the worker's database with `bytes` (transferred), or an empty one.
    pub async fn load(&self, bytes: Option<Uint8Array>) -> Result<(), DbError> {
        let msg = Object::new();
        let transfer = Array::new();
        if let Some(bytes) = bytes {
            // A view over part of a larger buffer must be cut out first: the worker reads the
            // whole buffer it receives.
            let whole = bytes.byte_offset() == 0 && bytes.byte_length() == bytes.buffer().byte_length();
            let bytes = if whole { bytes } else { bytes.slice(0, bytes.length()) };
            transfer.push(&bytes.buffer());
            set(&msg, "buffer", &bytes.buffer());
        }
        self.request("open", msg, Some(transfer)).await.map(drop)
    }

    async fn request(&self, action: &str, msg: Object, transfer: Option<Array>) -> Reply {
        let rx = self.post(action, msg, transfer)?;
        rx.await.unwrap_or_else(|_| Err(DbError::Engine("the SQL engine went away before answering".into())))
    }

    /// Posts a request now (requests reach the worker in the order posted); the receiver gets
    /// the answer.
    fn post(
        &self,
        action: &str,
        msg: Object,
        transfer: Option<Array>,
    ) -> Result<oneshot::Receiver<Reply>, DbError> {
        if let Some(error) = self.failed.borrow().clone() {
            return Err(error);
        }
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        set(&msg, "id", &JsValue::from(id));
        set(&msg, "action", &JsValue::from_str(action));
        let (tx, rx) = oneshot::channel();
        self.pending.borrow_mut().insert(id, tx);
        let posted = match transfer {
            Some(list) => self.worker.post_message_with_transfer(&msg, &list),
            None => self.worker.post_message(&msg),
        };
        if let Err(e) = posted {
            self.pending.borrow_mut().remove(&id);
            return Err(JsFailure::Post(e).into_db_error());
        }
        Ok(rx)
    }

    /// How many requests that could change rows of `flags` were posted so far (each counted when
    /// posted, so a request posted after a read of this count runs after the requests it
    /// counts). The flag list's layer skips its change-log read while it has not moved.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// Adds `sql` to what runs right behind every export (see `after_export`).
    pub fn also_after_export(&self, sql: &str) {
        let mut after = self.after_export.borrow_mut();
        if !after.contains(sql) {
            after.push('\n');
            after.push_str(sql);
        }
    }

    /// Exports the database; what must follow an export is posted right behind it, before any
    /// other request can be (a write posted in between would miss the change log).
    async fn export_buffer(&self) -> Result<Uint8Array, DbError> {
        let exported = self.post("export", Object::new(), None)?;
        let msg = Object::new();
        set(&msg, "sql", &JsValue::from_str(&self.after_export.borrow()));
        let restored = self.post("exec", msg, None)?;
        self.writes.set(self.writes.get() + 1);
        let gone = || DbError::Engine("the SQL engine went away before answering".into());
        let data = exported.await.unwrap_or_else(|_| Err(gone()))?;
        restored.await.unwrap_or_else(|_| Err(gone()))?;
        get(&data, "buffer")?.dyn_into().map_err(|e| JsFailure::Reply(e).into_db_error())
    }

    /// Runs SQL and returns every result set sql.js produced (one per row-returning statement).
    ///
    /// Integers outside 32 bits go as decimal text with a CAST in the statement
    /// ([`flagdeck_core::bind::for_double_engine`]): sql.js would bind them as doubles.
    async fn exec(&self, sql: &str, params: &[Value]) -> Result<Vec<ResultSet>, DbError> {
        let prepared = flagdeck_core::bind::for_double_engine(sql, params);
        if flagdeck_core::flag_index::may_write(sql) {
            self.writes.set(self.writes.get() + 1);
        }
        let msg = Object::new();
        set(&msg, "sql", &JsValue::from_str(&prepared.sql));
        if !prepared.params.is_empty() {
            let list: Array = prepared.params.iter().map(to_js).collect();
            set(&msg, "params", &list);
        }
        // INTEGER values come back as BigInt (sql.js makes it from SQLite's decimal text of the
        // value: exact over the whole i64 range), REAL as number: the storage class survives.
        let config = Object::new();
        set(&config, "useBigInt", &JsValue::TRUE);
        set(&msg, "config", &config);
        let data = self.request("exec", msg, None).await?;
        let results: Array =
            get(&data, "results")?.dyn_into().map_err(|e| JsFailure::Reply(e).into_db_error())?;
        let mut sets = results.iter().map(|r| to_result_set(&r)).collect::<Result<Vec<_>, _>>()?;
        for rs in &mut sets {
            for column in &mut rs.columns {
                if let std::borrow::Cow::Owned(name) = prepared.column_name(column) {
                    *column = name;
                }
            }
        }
        Ok(sets)
    }
}

fn fail_all(pending: &Pending, error: DbError) {
    for (_, sender) in pending.borrow_mut().drain() {
        let _ = sender.send(Err(error.clone()));
    }
}

fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        // sql.js binds a whole number that fits 32 bits as an integer and any other number as a
        // double: `exec` sends every other integer as text (`bind::for_double_engine`), so this
        // conversion is exact.
        Value::Integer(i) => JsValue::from_f64(*i as f64),
        Value::Real(f) => JsValue::from_f64(*f),
        Value::Text(s) => JsValue::from_str(s),
        Value::Blob(b) => Uint8Array::from(b.as_slice()).into(),
    }
}

fn from_js(value: &JsValue) -> Value {
    if value.is_null() || value.is_undefined() {
        Value::Null
    } else if value.is_bigint() {
        let text =
            js_sys::BigInt::unchecked_from_js_ref(value).to_string(10).ok().and_then(|s| s.as_string());
        text.and_then(|s| s.parse().ok()).map(Value::Integer).unwrap_or(Value::Null)
    } else if let Some(f) = value.as_f64() {
        Value::Real(f)
    } else if let Some(s) = value.as_string() {
        Value::Text(s)
    } else if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        Value::Blob(bytes.to_vec())
    } else {
        Value::Text(describe(value))
    }
}

fn to_result_set(result: &JsValue) -> Result<ResultSet, DbError> {
    let columns: Array = get(result, "columns")?.into();
    let values: Array = get(result, "values")?.into();
    Ok(ResultSet {
        columns: columns.iter().filter_map(|c| c.as_string()).collect(),
        rows: values.iter().map(|row| Array::from(&row).iter().map(|v| from_js(&v)).collect()).collect(),
    })
}

impl SqlJsWorker {
    /// The database file as a JS array, for a download without a copy through wasm memory.
    pub async fn export_array(&self) -> Result<Uint8Array, DbError> {
        self.export_buffer().await
    }
}

impl Database for SqlJsWorker {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<ResultSet, DbError> {
        Ok(self.exec(sql, params).await?.into_iter().next().unwrap_or_default())
    }

    async fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        self.exec(sql, &[]).await.map(drop)
    }

    async fn export(&self) -> Result<Vec<u8>, DbError> {
        Ok(self.export_buffer().await?.to_vec())
    }

    async fn pause(&self) {
        super::browser::yield_to_browser().await
    }
}
