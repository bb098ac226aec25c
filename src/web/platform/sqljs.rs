//! The browser adapter of the database port: sql.js running in its own Web Worker
//! (`worker.sql-wasm.js`, shipped by the sql.js package), so the UI thread never runs SQL.
//!
//! This is the only module that talks to the worker. Requests are `{id, action, ...}` messages;
//! every answer carries the same `id` and either a result or `error` (a string from sql.js, which
//! for `exec` is SQLite's own message). A worker that fails to load or crashes rejects every
//! request in flight.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use super::Listened;
use super::{describe, set_field as set};
use flagdeck_core::{Database, DbError, ResultSet, Value};

/// Where Trunk puts the worker script (see index.html).
pub const WORKER_URL: &str = "worker.sql-wasm.js";

type Reply = Result<JsValue, DbError>;

/// One at a time, first come first served: the flag list's takes of the change log (each
/// empties what it read, and posts its questions behind it) and exports (which may drop the
/// log).
#[derive(Default)]
pub struct Turns {
    busy: Cell<bool>,
    queue: RefCell<VecDeque<oneshot::Sender<()>>>,
}

/// Holding the turn; dropping it hands the turn on.
pub struct Turn<'a>(&'a Turns);

impl Turns {
    /// Waits for the turn.
    pub async fn take(&self) -> Turn<'_> {
        if self.busy.replace(true) {
            let (tx, rx) = oneshot::channel();
            self.queue.borrow_mut().push_back(tx);
            // The turn is handed over with `busy` left set; a dropped sender is a dropped page.
            let mut waiting = Waiting { turns: self, rx, done: false };
            let _ = (&mut waiting.rx).await;
            waiting.done = true;
        }
        Turn(self)
    }
}

/// Waiting for the turn ([`Turns::take`]). Dropped once the turn was handed to it but before it
/// took it (the waiting future dropped between the two), it hands the turn on, so the turn is
/// never held by no one.
struct Waiting<'a> {
    turns: &'a Turns,
    rx: oneshot::Receiver<()>,
    done: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if !self.done && matches!(self.rx.try_recv(), Ok(Some(()))) {
            drop(Turn(self.turns));
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        loop {
            let next = self.0.queue.borrow_mut().pop_front();
            match next {
                Some(tx) => {
                    if tx.send(()).is_ok() {
                        return;
                    }
                }
                None => {
                    self.0.busy.set(false);
                    return;
                }
            }
        }
    }
}

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
    worker: Listened,
    pending: Pending,
    /// Set once the worker has died; every later request fails with it at once.
    failed: Failed,
    next_id: Cell<u32>,
    /// Requests posted so far that could change rows of `flags`
    /// ([`flagdeck_core::flag_index::may_write`]): see [`SqlJsWorker::writes`].
    writes: Cell<u64>,
    /// Whether a transaction is open: a `BEGIN` posted, and neither a `ROLLBACK` posted since
    /// nor a `COMMIT` (or `END`) that succeeded (a COMMIT that fails, on a deferred foreign key
    /// say, leaves the transaction open in SQLite).
    in_transaction: Cell<bool>,
    /// `BEGIN`s posted so far: a COMMIT's success ends the transaction only if no other began
    /// after it was posted.
    begun: Cell<u64>,
    /// The flag list's change log is installed (see [`SqlJsWorker::log_turns`]).
    change_log: Cell<bool>,
    /// Takes of the change log and exports, one at a time.
    log_turns: Turns,
    /// Ids the change log had noted when the file was last exported, for the next take.
    carried: RefCell<Vec<i64>>,
    /// The next request posted is a background job's ([`BackgroundJob`]).
    next_in_background: Cell<bool>,
    /// Background requests posted and not yet answered (an answer removes its id; pruned
    /// against `pending` too, for requests failed without one).
    background: Rc<RefCell<HashSet<u32>>>,
    /// When (`performance.now()`, ms) a request other than a background job's was last posted
    /// or answered.
    others_active_at: Rc<Cell<f64>>,
    /// Whether a database was loaded ([`SqlJsWorker::load`]): the warm-up is refused from then on.
    loaded: Cell<bool>,
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
        let (background, others_active_at): (Rc<RefCell<HashSet<u32>>>, _) =
            (Rc::default(), Rc::new(Cell::new(f64::NEG_INFINITY)));
        let (in_background, others_answered_at) = (background.clone(), others_active_at.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let Some(id) = Reflect::get(&data, &JsValue::from_str("id")).ok().and_then(|v| v.as_f64()) else {
                // Messages without an id come only from sql.js' global error handlers.
                fail_all(&answers, DbError::Engine(format!("the SQL engine reported: {}", describe(&data))));
                return;
            };
            let Some(sender) = answers.borrow_mut().remove(&(id as u32)) else { return };
            if !in_background.borrow_mut().remove(&(id as u32)) {
                others_answered_at.set(super::perf::perf_now());
            }
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

        let db = SqlJsWorker {
            worker: Listened::new(worker, on_message, on_error),
            pending,
            failed,
            next_id: Cell::new(1),
            writes: Cell::new(0),
            in_transaction: Cell::new(false),
            begun: Cell::new(0),
            change_log: Cell::new(false),
            log_turns: Turns::default(),
            carried: RefCell::new(Vec::new()),
            next_in_background: Cell::new(false),
            background,
            others_active_at,
            loaded: Cell::new(false),
        };
        // An empty database to begin with, so sql.js loads now.
        db.post_unanswered("open", None).map_err(|e| JsFailure::Post(e).into_db_error())?;
        Ok(db)
    }

    /// Runs `sql` ([`flagdeck_core::inspect::ENGINE_WARM_UP`]) on the worker's own empty
    /// database, answered to nobody, so that the engine's code for the open's checks is compiled
    /// for speed before a file comes. Only before the first [`load`](Self::load): posted after
    /// the empty database's `open` and before any load (requests reach the worker in the order
    /// posted), never on a file's database. Returns whether it was posted (`false` once a
    /// database was loaded, or when the worker is gone).
    pub fn warm_up(&self, sql: &str) -> bool {
        if self.loaded.get() || self.failed.borrow().is_some() {
            return false;
        }
        self.post_unanswered("exec", Some(sql)).is_ok()
    }

    /// Posts `action` (with `sql`, if any) as id 0, which is never awaited: its answer, or its
    /// error, is dropped. Errors: `postMessage`'s.
    fn post_unanswered(&self, action: &str, sql: Option<&str>) -> Result<(), JsValue> {
        let msg = Object::new();
        set(&msg, "id", &JsValue::from(0));
        set(&msg, "action", &JsValue::from_str(action));
        if let Some(sql) = sql {
            set(&msg, "sql", &JsValue::from_str(sql));
        }
        self.worker.post_message(&msg)
    }

    /// Replaces the worker's database with `bytes` (transferred), or an empty one.
    pub async fn load(&self, bytes: Option<Uint8Array>) -> Result<(), DbError> {
        self.loaded.set(true);
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
        let in_background = self.next_in_background.replace(false);
        if let Some(error) = self.failed.borrow().clone() {
            return Err(error);
        }
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        if in_background {
            self.background.borrow_mut().insert(id);
            // Named in the message too (the worker ignores it), for traces and tests.
            set(&msg, "background", &JsValue::TRUE);
        } else {
            self.others_active_at.set(super::perf::perf_now());
        }
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

    /// Whether a transaction is open: what a take of the change log read inside it could be
    /// rolled back.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction.get()
    }

    /// Installs the flag list's change log ([`flagdeck_core::flag_index::CHANGE_LOG_SQL`]),
    /// and again right behind every export.
    pub async fn install_change_log(&self) -> Result<(), DbError> {
        self.execute_batch(flagdeck_core::flag_index::CHANGE_LOG_SQL).await?;
        self.change_log.set(true);
        Ok(())
    }

    /// Whether the change log is installed and has lost no note.
    pub fn has_change_log(&self) -> bool {
        self.change_log.get()
    }

    /// Removes the change log (nothing will take its notes any more).
    pub async fn drop_change_log(&self) -> Result<(), DbError> {
        let _turn = self.log_turns.take().await;
        self.change_log.set(false);
        self.carried.borrow_mut().clear();
        self.execute_batch(flagdeck_core::flag_index::CHANGE_LOG_DROP_SQL).await
    }

    /// The turn for a take of the change log: no export runs meanwhile.
    pub fn log_turns(&self) -> &Turns {
        &self.log_turns
    }

    /// The ids the change log had noted when the file was exported; emptied by the call (under
    /// the turn of [`SqlJsWorker::log_turns`]).
    pub fn take_carried(&self) -> Vec<i64> {
        std::mem::take(&mut self.carried.borrow_mut())
    }

    /// Exports the database. sql.js 1.16 copies it with SQLite's backup API and keeps the
    /// connection; older versions closed and reopened it, which drops per-connection settings
    /// and TEMP objects. So that neither can lose a note: with the change log installed, its notes are
    /// read in the request right before the export and kept ([`SqlJsWorker::take_carried`]),
    /// and the settings and the log are put back in the request right behind it, so no write
    /// falls between; a take of the log waits for the whole step.
    async fn export_buffer(&self) -> Result<Uint8Array, DbError> {
        let _turn = self.log_turns.take().await;
        let with_log = self.change_log.get();
        let noted = if with_log {
            let msg = Object::new();
            set(&msg, "sql", &JsValue::from_str("SELECT DISTINCT id FROM temp.flagdeck_flag_changes"));
            Some(self.post("exec", msg, None)?)
        } else {
            None
        };
        let exported = self.post("export", Object::new(), None)?;
        let mut again = flagdeck_core::inspect::SAFETY_PRAGMAS.to_owned();
        if with_log {
            again.push('\n');
            again.push_str(flagdeck_core::flag_index::CHANGE_LOG_SQL);
        }
        let msg = Object::new();
        set(&msg, "sql", &JsValue::from_str(&again));
        let restored = self.post("exec", msg, None)?;
        self.writes.set(self.writes.get() + 1);
        let gone = || DbError::Engine("the SQL engine went away before answering".into());
        if let Some(noted) = noted {
            let ids = noted.await.unwrap_or_else(|_| Err(gone())).and_then(|data| {
                let results: Array =
                    get(&data, "results")?.dyn_into().map_err(|e| JsFailure::Reply(e).into_db_error())?;
                let mut ids = Vec::new();
                for rs in results.iter() {
                    ids.extend(
                        to_result_set(&rs)?.rows.iter().filter_map(|r| r.first().and_then(Value::as_i64)),
                    );
                }
                Ok(ids)
            });
            match ids {
                Ok(ids) => self.carried.borrow_mut().extend(ids),
                // The notes are lost: the layer must not answer any more (it asks `change_log`).
                Err(_) => self.change_log.set(false),
            }
        }
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
        // `edits::run_all` opens and ends its transactions with statements of their own.
        let head = sql.trim_start().get(..8).unwrap_or(sql.trim_start()).to_ascii_uppercase();
        let mut commits = None;
        if head.starts_with("BEGIN") {
            self.begun.set(self.begun.get() + 1);
            self.in_transaction.set(true);
        } else if head.starts_with("COMMIT") || head.starts_with("END") {
            commits = Some(Committing { db: self, begun: self.begun.get(), settled: false });
        } else if head.starts_with("ROLLBACK") {
            self.in_transaction.set(false);
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
        let data = self.request("exec", msg, None).await;
        if let Some(commit) = commits {
            commit.settle(data.is_ok());
        }
        let data = data?;
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

/// A COMMIT (or END) posted: the transaction ends once it is known to have succeeded, and only
/// if no other BEGIN was posted since (`begun`, [`SqlJsWorker`]'s count then). A request dropped
/// before its answer (nothing does so today) ends it too, as a COMMIT posted counted before, so
/// that the open-transaction flag can never stay set for good.
struct Committing<'a> {
    db: &'a SqlJsWorker,
    begun: u64,
    settled: bool,
}

impl Committing<'_> {
    /// The answer came: `ok` when the COMMIT succeeded (a failed one leaves SQLite in the
    /// transaction).
    fn settle(mut self, ok: bool) {
        self.settled = true;
        if ok {
            self.end();
        }
    }

    fn end(&self) {
        if self.db.begun.get() == self.begun {
            self.db.in_transaction.set(false);
        }
    }
}

impl Drop for Committing<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.end();
        }
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
        // Each row is sql.js's own array: read in place (`Array::from` would copy it first).
        rows: values
            .iter()
            .map(|row| row.unchecked_into::<Array>().iter().map(|v| from_js(&v)).collect())
            .collect(),
    })
}

impl SqlJsWorker {
    /// The database file as a JS array, for a download without a copy through wasm memory.
    pub async fn export_array(&self) -> Result<Uint8Array, DbError> {
        self.export_buffer().await
    }
}

/// How long the engine must have had no other request in flight, posted or answered before a
/// background job's next statement goes ([`BackgroundJob`]): longer than the gap between the
/// answer to one of a page's reads and its next (a frame's work at most).
const QUIET_MS: f64 = 50.0;

/// The longest a background job's statement waits for quiet ([`BackgroundJob::quiet`]) while
/// no transaction is open: other work that reads back to back for long (the flag list's rows
/// filled into the page, the quest list's background fill) delays a job, but does not stop it.
const MOST_WAIT_MS: f64 = 2_000.0;

/// The engine as a job that reads in the background uses it (the agent page's quest layer
/// build, the summary's quest figures in keyset steps): each of its requests waits until no
/// other request has been in flight, posted or answered for [`QUIET_MS`]
/// ([`BackgroundJob::quiet`]), so the reads a person asks for, which come one after another,
/// do not queue behind the job's statements (a read asked while one runs still waits for it).
/// Never inside a transaction an edit has open. Its requests carry `background: true` in their
/// message.
pub struct BackgroundJob<'a>(pub &'a SqlJsWorker);

impl BackgroundJob<'_> {
    /// Resolves once no transaction is open and no request other than a background job's has
    /// been in flight, posted or answered for [`QUIET_MS`] (at once when none has; a timer
    /// checks again meanwhile), or after [`MOST_WAIT_MS`] with no transaction open, or when the
    /// engine has failed. The caller posts its request in the same task, so nothing comes
    /// between.
    pub async fn quiet(&self) {
        let began = super::perf::perf_now();
        loop {
            let now = super::perf::perf_now();
            let quiet_for = now - self.0.others_active_at.get();
            let idle = !self.others_in_flight() && quiet_for >= QUIET_MS;
            let waited_enough = now - began >= MOST_WAIT_MS;
            if self.0.failed.borrow().is_some() || (!self.0.in_transaction() && (idle || waited_enough)) {
                return;
            }
            let wait = if quiet_for < QUIET_MS { QUIET_MS - quiet_for } else { QUIET_MS };
            super::browser::sleep_ms(wait.ceil() as u32).await;
        }
    }

    /// Whether a request other than a background job's is posted and not yet answered.
    fn others_in_flight(&self) -> bool {
        let pending = self.0.pending.borrow();
        let mut background = self.0.background.borrow_mut();
        background.retain(|id| pending.contains_key(id));
        pending.keys().any(|id| !background.contains(id))
    }
}

impl Database for BackgroundJob<'_> {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<ResultSet, DbError> {
        self.quiet().await;
        // Taken by the request `query` posts before it first waits.
        self.0.next_in_background.set(true);
        self.0.query(sql, params).await
    }

    async fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        self.quiet().await;
        self.0.next_in_background.set(true);
        self.0.execute_batch(sql).await
    }

    async fn export(&self) -> Result<Vec<u8>, DbError> {
        self.0.export().await
    }

    async fn pause(&self) {
        self.0.pause().await
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
