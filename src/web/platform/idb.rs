//! Where the working copy lives: IndexedDB.
//!
//! Why IndexedDB and not OPFS: one transaction covers the original bytes, their description and
//! the journal, so a crash never leaves a new database beside an old journal (OPFS writes one
//! file at a time); a `Blob` (a picked `File` as it is) is stored without passing through wasm
//! memory; and it works on the main thread of every current browser, private windows included
//! (there it lasts as long as the window), while OPFS `createWritable` on the page's own thread
//! is not available in every browser (Safari long had it only in workers).
//!
//! Layout (database `flagdeck-working-copy`, version 1):
//! * store `session`: `"meta"` → JSON of [`SessionMeta`], `"original"` → the opened bytes (Blob),
//!   `"quest-logs/<session id>"` → JSON of the quest log files added to the database (names and
//!   texts; not part of the database, so not in the journal: each addition replaces the list);
//! * store `journal`: key `[session id, seq]` → JSON of one [`Record`]. Keying by session means a
//!   second tab still writing for a database that was replaced can never overwrite the records
//!   of the one that replaced it.
//!
//! Every write creates its transaction at once (IndexedDB runs read-write transactions on the
//! same stores in the order they were created, so writes land in the order the changes were
//! made) and returns a [`Commit`] to await.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, DomException, Event, EventTarget, IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest,
    IdbTransaction,
};

use super::describe;
use flagdeck_core::journal::{Record, SessionMeta};

const DB_NAME: &str = "flagdeck-working-copy";
const VERSION: u32 = 1;
const SESSION: &str = "session";
const JOURNAL: &str = "journal";
const META_KEY: &str = "meta";
const ORIGINAL_KEY: &str = "original";
/// Followed by the session id: a tab whose copy was replaced cannot overwrite the new one's.
const QUEST_LOGS_KEY: &str = "quest-logs/";

#[wasm_bindgen]
extern "C" {
    /// `IDBDatabase`, for `transaction(stores, mode, options)`: the options (`durability`) are
    /// not in web-sys's stable API.
    type IdbDatabaseOptions;

    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with_options(
        this: &IdbDatabaseOptions,
        stores: &Array,
        mode: &str,
        options: &Object,
    ) -> Result<IdbTransaction, JsValue>;
}

/// Why storage did not work, as the messages tell them apart.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// No IndexedDB for this page: some private windows, storage turned off for the site.
    Unavailable(String),
    /// The browser's quota for this site is used up.
    Full(String),
    /// Anything else, in the browser's words.
    Failed(String),
    /// The record was written, but the stored working copy is no longer this tab's: another tab
    /// opened a database since (one working copy is kept per browser profile).
    Replaced,
}

impl StoreError {
    fn from_js(value: &JsValue) -> StoreError {
        match value.dyn_ref::<DomException>() {
            Some(e) if e.name() == "QuotaExceededError" => StoreError::Full(e.message()),
            Some(e) => StoreError::Failed(format!("{}: {}", e.name(), e.message())),
            None => StoreError::Failed(describe(value)),
        }
    }

    fn unavailable(value: &JsValue) -> StoreError {
        StoreError::Unavailable(match value.dyn_ref::<DomException>() {
            Some(e) => format!("{}: {}", e.name(), e.message()),
            None => describe(value),
        })
    }
}

/// Waits for the first of `ok` or `fail` events on an IndexedDB request or transaction.
async fn first_event(target: &EventTarget, ok: &str, fail: &[&str]) -> Result<(), ()> {
    let (tx, rx) = oneshot::channel::<bool>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let handler = |good: bool| {
        let tx = tx.clone();
        Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(good);
            }
        })
    };
    let (on_ok, on_fail) = (handler(true), handler(false));
    let _ = target.add_event_listener_with_callback(ok, on_ok.as_ref().unchecked_ref());
    for name in fail {
        let _ = target.add_event_listener_with_callback(name, on_fail.as_ref().unchecked_ref());
    }
    // The closures live until here, so the channel cannot be dropped unanswered.
    let outcome = rx.await.unwrap_or(false);
    let _ = target.remove_event_listener_with_callback(ok, on_ok.as_ref().unchecked_ref());
    for name in fail {
        let _ = target.remove_event_listener_with_callback(name, on_fail.as_ref().unchecked_ref());
    }
    if outcome {
        Ok(())
    } else {
        Err(())
    }
}

/// A transaction that has all its requests; awaiting it waits until it is on disk (or failed).
#[must_use]
pub struct Commit {
    tx: IdbTransaction,
    /// The stored description read in the same transaction, and the session that must own it.
    owner: Option<(IdbRequest, String)>,
}

impl Commit {
    pub async fn done(self) -> Result<(), StoreError> {
        let tx = self.tx;
        // A failing request aborts the transaction; `abort` follows its `error`.
        if first_event(&tx, "complete", &["abort"]).await.is_err() {
            return Err(match tx.error() {
                Some(e) => StoreError::from_js(&e),
                None => StoreError::Failed("the browser gave up the write (transaction aborted)".into()),
            });
        }
        let Some((meta, session)) = self.owner else { return Ok(()) };
        let stored = meta.result().ok().and_then(|m| m.as_string());
        let owner = stored.and_then(|m| serde_json::from_str::<SessionMeta>(&m).ok()).map(|m| m.id);
        if owner.as_deref() == Some(session.as_str()) {
            Ok(())
        } else {
            Err(StoreError::Replaced)
        }
    }
}

/// Runs `fill` on a new transaction; if any request cannot even be made, nothing of it is kept.
fn transaction(
    db: &IdbDatabase,
    stores: &[&str],
    write: bool,
    fill: impl FnOnce(&IdbTransaction) -> Result<(), JsValue>,
) -> Result<Commit, StoreError> {
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    let mode = if write { "readwrite" } else { "readonly" };
    // `durability: "strict"` (flushed to disk before `complete`). Browsers without the option
    // ignore it.
    let options = Object::new();
    if write {
        // A data property on a fresh object: cannot throw.
        let _ = Reflect::set(&options, &"durability".into(), &"strict".into());
    }
    let tx = db
        .unchecked_ref::<IdbDatabaseOptions>()
        .transaction_with_options(&names, mode, &options)
        .map_err(|e| StoreError::from_js(&e))?;
    if let Err(e) = fill(&tx) {
        let _ = tx.abort();
        return Err(StoreError::from_js(&e));
    }
    Ok(Commit { tx, owner: None })
}

fn key(session: &str, seq: u64) -> JsValue {
    Array::of2(&JsValue::from_str(session), &JsValue::from_f64(seq as f64)).into()
}

/// Every journal key of one session.
fn session_range(session: &str) -> Result<IdbKeyRange, JsValue> {
    IdbKeyRange::bound(&key(session, 0), &Array::of2(&session.into(), &f64::INFINITY.into()))
}

/// What was found in storage at start.
pub struct Found {
    /// `Err` with the reason when the description cannot be read (another format).
    pub meta: Result<SessionMeta, String>,
    /// The session's records in order; one that cannot be read is left out (so it shows as a
    /// missing record).
    pub records: Vec<Record>,
    /// The JSON of the quest log files kept with the session, if any (see [`Store::put_quest_logs`]).
    pub quest_logs: Option<String>,
}

/// The opened IndexedDB database.
pub struct Store {
    db: IdbDatabase,
}

impl Store {
    pub async fn open() -> Result<Store, StoreError> {
        let unavailable = |why: &str| StoreError::Unavailable(why.to_owned());
        let window = web_sys::window().ok_or_else(|| unavailable("no window"))?;
        let factory = window
            .indexed_db()
            .map_err(|e| StoreError::unavailable(&e))?
            .ok_or_else(|| unavailable("this browser offers no IndexedDB here"))?;
        let request = factory.open_with_u32(DB_NAME, VERSION).map_err(|e| StoreError::unavailable(&e))?;
        let upgrade_request = request.clone();
        let upgrade = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let Ok(db) = upgrade_request.result().and_then(|r| r.dyn_into::<IdbDatabase>()) else {
                return;
            };
            for name in [SESSION, JOURNAL] {
                if !db.object_store_names().contains(name) {
                    let _ = db.create_object_store(name);
                }
            }
        });
        request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let opened = first_event(&request, "success", &["error", "blocked"]).await;
        request.set_onupgradeneeded(None);
        if opened.is_err() {
            return Err(match request.error() {
                Ok(Some(e)) => StoreError::unavailable(&e),
                _ => unavailable("the browser refused to open storage for this page"),
            });
        }
        let db = request.result().and_then(|r| r.dyn_into::<IdbDatabase>());
        Ok(Store { db: db.map_err(|e| StoreError::unavailable(&e))? })
    }

    /// Replaces whatever was stored by a new working copy: its description and original bytes.
    pub fn begin(&self, meta: &SessionMeta, original: &Blob) -> Result<Commit, StoreError> {
        let json = serde_json::to_string(meta).map_err(|e| StoreError::Failed(e.to_string()))?;
        transaction(&self.db, &[SESSION, JOURNAL], true, |tx| {
            let session = tx.object_store(SESSION)?;
            tx.object_store(JOURNAL)?.clear()?;
            session.clear()?;
            session.put_with_key(&JsValue::from_str(&json), &META_KEY.into())?;
            session.put_with_key(original, &ORIGINAL_KEY.into())?;
            Ok(())
        })
    }

    /// Adds one record to the session's journal; with `replace`, the session's earlier records
    /// are removed in the same transaction (a snapshot stands on its own). Fails with
    /// [`StoreError::Replaced`] when the stored working copy turns out to be another tab's.
    pub fn write(&self, session: &str, record: &Record, replace: bool) -> Result<Commit, StoreError> {
        let json = serde_json::to_string(record).map_err(|e| StoreError::Failed(e.to_string()))?;
        let meta = RefCell::new(None);
        let mut commit = transaction(&self.db, &[SESSION, JOURNAL], true, |tx| {
            let journal = tx.object_store(JOURNAL)?;
            if replace {
                journal.delete(&session_range(session)?.into())?;
            }
            journal.put_with_key(&JsValue::from_str(&json), &key(session, record.seq))?;
            *meta.borrow_mut() = Some(tx.object_store(SESSION)?.get(&META_KEY.into())?);
            Ok(())
        })?;
        commit.owner = meta.into_inner().map(|request| (request, session.to_owned()));
        Ok(commit)
    }

    /// Keeps `json` (the quest log files added to the database) with the working copy of
    /// `session`, replacing what was kept. Fails with [`StoreError::Replaced`] when the stored
    /// working copy turns out to be another tab's (its key is the session's own, so the other
    /// tab's logs stay as they were).
    pub fn put_quest_logs(&self, session: &str, json: &str) -> Result<Commit, StoreError> {
        let meta = RefCell::new(None);
        let key = JsValue::from_str(&format!("{QUEST_LOGS_KEY}{session}"));
        let mut commit = transaction(&self.db, &[SESSION], true, |tx| {
            let store = tx.object_store(SESSION)?;
            *meta.borrow_mut() = Some(store.get(&META_KEY.into())?);
            store.put_with_key(&JsValue::from_str(json), &key)?;
            Ok(())
        })?;
        commit.owner = meta.into_inner().map(|request| (request, session.to_owned()));
        Ok(commit)
    }

    /// Forgets the working copy.
    pub fn discard(&self) -> Result<Commit, StoreError> {
        transaction(&self.db, &[SESSION, JOURNAL], true, |tx| {
            tx.object_store(SESSION)?.clear()?;
            tx.object_store(JOURNAL)?.clear()?;
            Ok(())
        })
    }

    /// The stored description and journal, or `None` when nothing is stored.
    pub async fn load(&self) -> Result<Option<Found>, StoreError> {
        let requests = RefCell::new(None);
        let commit = transaction(&self.db, &[SESSION, JOURNAL], false, |tx| {
            let journal: IdbObjectStore = tx.object_store(JOURNAL)?;
            let meta = tx.object_store(SESSION)?.get(&META_KEY.into())?;
            *requests.borrow_mut() = Some((meta, journal.get_all_keys()?, journal.get_all()?));
            Ok(())
        })?;
        commit.done().await?;
        let Some((meta, keys, values)) = requests.into_inner() else { return Ok(None) };
        let result = |r: IdbRequest| r.result().map_err(|e| StoreError::from_js(&e));
        let Some(meta) = result(meta)?.as_string() else { return Ok(None) };
        let meta: Result<SessionMeta, String> = serde_json::from_str(&meta).map_err(|e| e.to_string());
        let session = meta.as_ref().map(|m| m.id.clone()).unwrap_or_default();
        let keys = Array::from(&result(keys)?);
        let values = Array::from(&result(values)?);
        let mut records: Vec<Record> = keys
            .iter()
            .zip(values.iter())
            .filter(|(k, _)| Array::from(k).get(0).as_string().as_deref() == Some(session.as_str()))
            .filter_map(|(_, v)| serde_json::from_str(&v.as_string()?).ok())
            .collect();
        flagdeck_core::order::sort_by(&mut records, |a, b| a.seq.cmp(&b.seq));
        let quest_logs = if session.is_empty() { None } else { self.quest_logs(&session).await? };
        Ok(Some(Found { meta, records, quest_logs }))
    }

    /// The JSON of the quest log files kept with `session`, if any.
    async fn quest_logs(&self, session: &str) -> Result<Option<String>, StoreError> {
        let request = RefCell::new(None);
        let key = JsValue::from_str(&format!("{QUEST_LOGS_KEY}{session}"));
        let commit = transaction(&self.db, &[SESSION], false, |tx| {
            *request.borrow_mut() = Some(tx.object_store(SESSION)?.get(&key)?);
            Ok(())
        })?;
        commit.done().await?;
        let Some(request) = request.into_inner() else { return Ok(None) };
        Ok(request.result().map_err(|e| StoreError::from_js(&e))?.as_string())
    }

    /// The stored original bytes (a Blob: read them with `arrayBuffer`, outside wasm memory).
    pub async fn original(&self) -> Result<Option<Blob>, StoreError> {
        let request = RefCell::new(None);
        let commit = transaction(&self.db, &[SESSION], false, |tx| {
            *request.borrow_mut() = Some(tx.object_store(SESSION)?.get(&ORIGINAL_KEY.into())?);
            Ok(())
        })?;
        commit.done().await?;
        let Some(request) = request.into_inner() else { return Ok(None) };
        let value = request.result().map_err(|e| StoreError::from_js(&e))?;
        Ok(value.dyn_into::<Blob>().ok())
    }
}
