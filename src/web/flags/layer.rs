//! The flag list's derived layer ([`flagdeck_core::flag_index`]) as the app runs it: built at
//! open in the list worker (`static/list-worker.js`, [`ListWorker`]) from the bytes the engine
//! opened, held there, and asked for the ids of a page, a count or the facet counts; the page's
//! rows are then read from the engine by id. The change log (TEMP triggers,
//! [`CHANGE_LOG_SQL`]) is installed on the engine before anything can write, and every question
//! first hands the worker what it noted since the last one, so an answer is always the table's
//! state when it was asked, whatever path wrote (edits, bulk, undo/redo, resume, replay).
//!
//! Where the layer cannot answer (a text filter; a file it declines, [`FlagIndex::applies`]; a
//! worker that failed) the list runs its SQL, as before; the console says why once.
//!
//! Beside it, in the page: every flag's row as the list shows it ([`FlagRowMirror`], filled by
//! [`keep_mirror`] once the layer is ready), so the list draws a page at any position from
//! memory in the frame of its scroll, through the whole order of its query
//! ([`FlagLayer::order`]). Every take of the change log drops the flags it names from the
//! mirror, and they are read again.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::rc::{Rc, Weak};

use futures::future::FutureExt;
use futures_channel::oneshot;
use js_sys::{Function, Uint8Array};
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::web::dashboard::stores::feed_all;
use crate::web::platform::list_worker::{self, ListWorker};
use crate::web::platform::perf::{mark, measure_since, perf_now};
use crate::web::platform::sqljs::SqlJsWorker;
use flagdeck_core::agents::ChainSummary;
use flagdeck_core::dashboard::imagescan::ImageScan;
use flagdeck_core::flag_index::{Answer, FlagIndex, Request};
use flagdeck_core::flags::{Facet, FlagFilter, FlagPageQuery, FlagRow};
use flagdeck_core::row_mirror::{FlagMirrorFill, FlagRowMirror};
use flagdeck_core::table_info::TableInfo;
use flagdeck_core::{Database, DbError, Value};

/// What the worker reports once the layer is built.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildReport {
    /// Flags held.
    pub flags: usize,
    /// Milliseconds from the first page read to the layer ready, in the worker.
    pub ms: f64,
    /// The layer's heap bytes ([`FlagIndex::heap_bytes`]).
    pub heap_bytes: usize,
}

thread_local! {
    /// The layer, in the list worker (never on the page).
    static LAYER: RefCell<Option<FlagIndex>> = const { RefCell::new(None) };
}

/// The list worker's build (`static/list-worker.js` calls it; the page never does): the layer
/// of the `flags` table of shape `shape` (JSON of a [`TableInfo`]) read from an image of `size`
/// bytes, where `read(start, end)` gives bytes `start..end` as a `Uint8Array`; held for
/// [`flagdeck_layer_answer`]. Returns a [`BuildReport`] as JSON. Errors (as a JS `Error`): a
/// shape that is not JSON of a `TableInfo`, `read`'s, and the page walk's
/// ([`ImageScan`]: a UTF-16 file, a damaged page, a default it cannot compute).
#[wasm_bindgen]
pub fn flagdeck_layer_build(read: Function, size: f64, shape: String) -> Result<String, JsError> {
    let started = js_sys::Date::now();
    let info: TableInfo =
        serde_json::from_str(&shape).map_err(|e| JsError::new(&format!("a table shape: {e}")))?;
    let size = size as usize;
    let read = |start: usize, end: usize| -> Result<Uint8Array, JsError> {
        let got = read
            .call2(&JsValue::NULL, &JsValue::from(start as f64), &JsValue::from(end as f64))
            .map_err(|e| JsError::new(&crate::web::platform::describe(&e)))?;
        got.dyn_into::<Uint8Array>().map_err(|_| JsError::new("the image reader gave no bytes"))
    };
    let head = read(0, size.min(100))?.to_vec();
    let mut scan = ImageScan::for_flag_index(&head, size as u64, &info)?;
    feed_all(&mut scan, size, read)?;
    let index = scan.finish()?.index.ok_or_else(|| JsError::new("no flags table was read"))?;
    let report =
        BuildReport { flags: index.len(), ms: js_sys::Date::now() - started, heap_bytes: index.heap_bytes() };
    LAYER.with_borrow_mut(|l| *l = Some(index));
    serde_json::to_string(&report).map_err(|e| JsError::new(&e.to_string()))
}

/// The list worker's answer to one [`Request`] (JSON in; out: the [`Answer`] as a JSON string,
/// or for an order that is answered its ids as a `Float64Array`, read back by [`read_answer`]).
/// Errors: no layer built, or a request that is not JSON of a `Request`.
#[wasm_bindgen]
pub fn flagdeck_layer_answer(request: String) -> Result<JsValue, JsError> {
    let request: Request =
        serde_json::from_str(&request).map_err(|e| JsError::new(&format!("a request: {e}")))?;
    let answer = LAYER.with_borrow_mut(|l| l.as_mut().map(|index| index.answer(request)));
    let mut answer = answer.ok_or_else(|| JsError::new("no layer is built"))?;
    if let Answer::Order(Some(ids)) = &answer {
        // Ids beyond 2^53 would not survive the float: such an order is not given (the list
        // reads its pages as they are needed).
        if ids.iter().all(|id| id.unsigned_abs() <= 1 << 53) {
            let ids: Vec<f64> = ids.iter().map(|id| *id as f64).collect();
            return Ok(js_sys::Float64Array::from(ids.as_slice()).into());
        }
        answer = Answer::Order(None);
    }
    serde_json::to_string(&answer).map(JsValue::from).map_err(|e| JsError::new(&e.to_string()))
}

/// An answer as the list worker sent it ([`flagdeck_layer_answer`]): an order's ids from a
/// `Float64Array`, anything else from its JSON. Errors: neither.
fn read_answer(answer: JsValue) -> Result<Answer, String> {
    if let Some(ids) = answer.dyn_ref::<js_sys::Float64Array>() {
        return Ok(Answer::Order(Some(ids.to_vec().into_iter().map(|id| id as i64).collect())));
    }
    let json = answer.as_string().ok_or("an answer that is neither JSON nor ids")?;
    serde_json::from_str::<Answer>(&json).map_err(|e| e.to_string())
}

/// An answer of the layer with the layer's revision it reflects, for [`FlagLayer::mirrored`]:
/// rows held in the page go with it only while no take of the change log has found changes
/// since, and every write posted has been taken.
#[derive(Debug, Clone)]
pub struct Mirrored<T> {
    pub value: T,
    pub at: u64,
}

/// Where the layer is.
enum State {
    /// Being built; these wait for it.
    Building(Vec<oneshot::Sender<()>>),
    Ready,
    /// Not used for this file (the reason, said once on the console): the list runs its SQL.
    Off,
}

/// The layer of one open file, seen from the page: see the module doc.
pub struct FlagLayer {
    worker: ListWorker,
    state: RefCell<State>,
    /// The change log was removed after the layer was turned off.
    log_dropped: Cell<bool>,
    /// [`SqlJsWorker::writes`] up to which the change log was taken (`None`: never).
    synced: Cell<Option<u64>>,
    /// Every flag's row, in the page ([`keep_mirror`]), and how it is filled and kept.
    mirror: RefCell<FlagRowMirror>,
    fill: RefCell<FlagMirrorFill>,
    /// Woken when flags were dropped from a complete mirror (there is reading to do again).
    refill: RefCell<Option<oneshot::Sender<()>>>,
    /// The mirror could not be filled (the console said why): it is not used.
    mirror_off: Cell<bool>,
    /// Flags the layer held when it was built (the mirror's room).
    built_flags: Cell<usize>,
    /// Bumped by every take of the change log that found changes: an answer stamped with it
    /// ([`Mirrored::at`]) still reflects the table while it has not moved and every write
    /// posted has been taken.
    revision: Cell<u64>,
    /// Answers asked ahead of the page that will ask them ([`FlagLayer::prefetch`]), oldest
    /// batch first, and the number of the last batch.
    prefetched: RefCell<Vec<Prefetched>>,
    batches: Cell<u64>,
    /// Answers held for the table as it is ([`FlagLayer::hold`]), by their question's JSON:
    /// every one reflects the current revision (they go when it moves).
    held: RefCell<HashMap<String, Answer>>,
}

/// The most batches asked ahead kept at once ([`FlagLayer::prefetch`]): the first questions of
/// the [`READS_AHEAD_KEPT`] agent pages `Nav` keeps read (six each), with as many again for the
/// flag list's filters the pointer rested on (two each) and the routing page, so a page `Nav`
/// holds read finds its answers here too. Each answer is a count or a page of at most
/// [`LIST_PAGE`](crate::web::flags::paged::LIST_PAGE) rows' ids and keys.
///
/// [`READS_AHEAD_KEPT`]: crate::web::state::READS_AHEAD_KEPT
pub const PREFETCHED_BATCHES_KEPT: usize = 4 * crate::web::state::READS_AHEAD_KEPT;

/// An answer asked ahead ([`FlagLayer::prefetch`]): its question's JSON, the revision and the
/// change log's take it reflects, and the answer.
struct Prefetched {
    /// The batch it came in (numbered in the order asked).
    batch: u64,
    json: String,
    at: u64,
    synced: Option<u64>,
    answer: Answer,
}

/// An answer of the worker read ([`read_answer`]); errors in words.
async fn answered(rx: oneshot::Receiver<list_worker::Answered>) -> Result<Answer, String> {
    match rx.await {
        Ok(Ok(answer)) => read_answer(answer),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the list worker went away".to_owned()),
    }
}

impl FlagLayer {
    /// Installs the change log on `db`, just loaded with the bytes of `image` and not written
    /// yet, and starts the list worker's build from `image` for a `flags` table of shape
    /// `flags` (as [`table_info`](flagdeck_core::table_info::table_info) read it); `None` (the list runs its SQL, the
    /// console says why) for a file without `flags`, one the layer declines
    /// ([`FlagIndex::applies`]), or when the log or the worker cannot be had.
    pub async fn start(
        db: &SqlJsWorker,
        image: &web_sys::Blob,
        flags: &Result<Option<TableInfo>, DbError>,
    ) -> Option<Rc<FlagLayer>> {
        let off = |why: String| {
            web_sys::console::info_1(&JsValue::from_str(&format!(
                "flagdeck: the flag list runs its SQL for this file ({why})"
            )));
            None
        };
        let shape = match flags {
            Ok(Some(shape)) => shape,
            Ok(None) => return None,
            Err(e) => return off(format!("the shape of flags could not be read: {e}")),
        };
        match FlagIndex::applies_to(db, shape).await {
            Ok(true) => {}
            Ok(false) => return off("its flags table is not one the layer answers for exactly".into()),
            Err(e) => return off(e.to_string()),
        }
        // An engine that reopens the database to export it would drop TEMP objects: the adapter
        // keeps what the log had noted and puts it back right behind each export.
        if let Err(e) = db.install_change_log().await {
            return off(format!("the change log could not be installed: {e}"));
        }
        let shape = serde_json::to_string(shape).ok()?;
        let worker = match ListWorker::build(image, &shape) {
            Ok(w) => w,
            Err(e) => return off(e.to_string()),
        };
        let layer = Rc::new(FlagLayer {
            worker,
            state: RefCell::new(State::Building(Vec::new())),
            log_dropped: Cell::new(false),
            synced: Cell::new(None),
            mirror: RefCell::new(FlagRowMirror::new()),
            fill: RefCell::new(FlagMirrorFill::new()),
            refill: RefCell::new(None),
            mirror_off: Cell::new(false),
            built_flags: Cell::new(0),
            revision: Cell::new(0),
            prefetched: RefCell::new(Vec::new()),
            batches: Cell::new(0),
            held: RefCell::new(HashMap::new()),
        });
        let weak = Rc::downgrade(&layer);
        let started = perf_now();
        let built = layer.worker.take_built();
        spawn_local(async move {
            let reply = match built {
                Some(rx) => rx.await.unwrap_or(Err(list_worker::gone())),
                None => Err(list_worker::gone()),
            };
            let Some(layer) = Weak::upgrade(&weak) else { return };
            match reply.map_err(|e| e.to_string()).and_then(|json| {
                serde_json::from_str::<BuildReport>(&json).map_err(|e| format!("an unreadable report: {e}"))
            }) {
                Ok(report) => {
                    measure_since("flagdeck:layer-built", started);
                    web_sys::console::info_1(&JsValue::from_str(&format!(
                        "flagdeck: the flag list's layer holds {} flags ({:.0} ms in the worker, ~{} MB)",
                        report.flags,
                        report.ms,
                        report.heap_bytes >> 20
                    )));
                    layer.built_flags.set(report.flags);
                    layer.settle(State::Ready);
                }
                Err(why) => layer.turn_off(&why),
            }
        });
        Some(layer)
    }

    /// Whether the layer is built and answering (not being built, not turned off).
    pub fn answering(&self) -> bool {
        matches!(*self.state.borrow(), State::Ready)
    }

    /// Whether the layer is still being built (the list then waits for it).
    pub fn building(&self) -> bool {
        matches!(*self.state.borrow(), State::Building(_))
    }

    fn settle(&self, state: State) {
        let before = std::mem::replace(&mut *self.state.borrow_mut(), state);
        if let State::Building(waiting) = before {
            for tx in waiting {
                let _ = tx.send(());
            }
        }
    }

    fn turn_off(&self, why: &str) {
        self.drop_mirror();
        self.held.borrow_mut().clear();
        if !matches!(*self.state.borrow(), State::Off) {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "flagdeck: the flag list runs its SQL from now on ({why})"
            )));
        }
        self.settle(State::Off);
    }

    /// Gives up the rows held in the page (their memory, the reading left) and wakes the fill
    /// loop, which then ends: without the layer's takes they could not be kept exact.
    fn drop_mirror(&self) {
        self.mirror_off.set(true);
        *self.mirror.borrow_mut() = FlagRowMirror::new();
        *self.fill.borrow_mut() = FlagMirrorFill::new();
        self.wake_fill();
    }

    /// Wakes the fill loop waiting for flags to read again ([`keep_mirror`]).
    fn wake_fill(&self) {
        if let Some(tx) = self.refill.borrow_mut().take() {
            let _ = tx.send(());
        }
    }

    /// Whether the layer can be asked now (`Ok`), or what resolves when its build ends.
    fn wait(&self) -> Result<bool, oneshot::Receiver<()>> {
        match &mut *self.state.borrow_mut() {
            State::Ready => Ok(true),
            State::Off => Ok(false),
            State::Building(waiting) => {
                let (tx, rx) = oneshot::channel();
                waiting.push(tx);
                Err(rx)
            }
        }
    }

    /// What resolves once the layer is no longer being built (built, turned off, or dropped),
    /// without holding the layer meanwhile.
    pub fn built(&self) -> impl Future<Output = ()> + 'static {
        let wait = self.wait().err();
        async move {
            if let Some(rx) = wait {
                let _ = rx.await;
            }
        }
    }

    /// Waits while the layer is being built; whether it can be asked.
    async fn ready(&self) -> bool {
        match self.wait() {
            Ok(ready) => ready,
            Err(rx) => {
                let _ = rx.await;
                matches!(*self.state.borrow(), State::Ready)
            }
        }
    }

    /// Asks `requests` ahead of the page that will ask them, as one batch ([`Request::Batch`]):
    /// a route asks its page's first questions before it builds the page. The answers are
    /// kept, and the first [`FlagLayer::ask`] of the same request while the table is where it
    /// was (no take of the change log since, no write posted since it) takes its answer
    /// instead of asking the worker. Answers kept before for the table as it is stay (a
    /// request asked again is answered anew), up to [`PREFETCHED_BATCHES_KEPT`] batches, the
    /// oldest going first; nothing is kept when the layer does not answer (the page then asks
    /// for itself) or the table moved while the batch was answered. Nothing is asked when every
    /// request is held ([`FlagLayer::hold`]): the page's own questions take the log first, so a
    /// held answer serves them only while the table is where it was.
    pub async fn prefetch(&self, db: &SqlJsWorker, requests: Vec<Request>) {
        let jsons: Vec<String> = requests.iter().filter_map(|r| serde_json::to_string(r).ok()).collect();
        if jsons.len() != requests.len() || self.holds(&jsons) {
            return;
        }
        let Some((Answer::Batch(answers), at)) = self.ask_at(db, &Request::Batch(requests)).await else {
            return;
        };
        // A take of the change log meanwhile found changes: these answers could never be taken.
        if at != self.revision.get() || answers.len() != jsons.len() {
            return;
        }
        let synced = self.synced.get();
        let batch = self.batches.get() + 1;
        self.batches.set(batch);
        // Batches are numbered in the order kept: the oldest past the limit go, and answers for
        // the table as it was, which cannot be taken any more.
        let oldest_kept = batch.saturating_sub(PREFETCHED_BATCHES_KEPT as u64 - 1);
        let mut kept = self.prefetched.borrow_mut();
        kept.retain(|p| {
            p.batch >= oldest_kept && p.at == at && p.synced == synced && !jsons.contains(&p.json)
        });
        kept.extend(jsons.into_iter().zip(answers).map(|(json, answer)| Prefetched {
            batch,
            json,
            at,
            synced,
            answer,
        }));
    }

    /// Asks `requests` as one batch, as [`FlagLayer::prefetch`] does, and holds the answers
    /// until the table moves (a take of the change log finds changes): every [`FlagLayer::ask`]
    /// of one of them meanwhile is answered in the page, without a round trip to the worker,
    /// and a batch whose questions are all held is too. For the questions every page of a kind
    /// begins with, asked in idle time (each agent's page, the routing page:
    /// `agents::hold_first_reads`).
    /// Nothing is held when the layer does not answer or the table moved while the batch was
    /// answered. Held answers take room in the page: a count, or a page of at most
    /// [`LIST_PAGE`](crate::web::flags::paged::LIST_PAGE) rows' ids and sort keys.
    pub async fn hold(&self, db: &SqlJsWorker, requests: Vec<Request>) {
        let jsons: Vec<String> = requests.iter().filter_map(|r| serde_json::to_string(r).ok()).collect();
        if jsons.len() != requests.len() {
            return;
        }
        let Some((Answer::Batch(answers), at)) = self.ask_at(db, &Request::Batch(requests)).await else {
            return;
        };
        if at == self.revision.get() && answers.len() == jsons.len() {
            self.held.borrow_mut().extend(jsons.into_iter().zip(answers));
        }
    }

    /// Whether an answer to each of the requests `jsons` (their JSON) is held.
    fn holds(&self, jsons: &[String]) -> bool {
        let held = self.held.borrow();
        jsons.iter().all(|j| held.contains_key(j))
    }

    /// The held answer to `request` (its JSON `json`; [`FlagLayer::hold`]), and for a batch
    /// whose every question is held, their answers in its order.
    fn held_answer(&self, request: &Request, json: &str) -> Option<Answer> {
        let held = self.held.borrow();
        if held.is_empty() {
            return None;
        }
        match request {
            Request::Batch(requests) => requests
                .iter()
                .map(|r| held.get(&serde_json::to_string(r).ok()?).cloned())
                .collect::<Option<Vec<_>>>()
                .map(Answer::Batch),
            _ => held.get(json).cloned(),
        }
    }

    /// The answer asked ahead for `json` when the table is where it was then: at revision `at`,
    /// and `writes` (the engine's count of writes now) equal to where that take left the log
    /// (no write posted since). Taken out: used once.
    fn take_prefetched(&self, json: &str, at: u64, writes: u64) -> Option<Answer> {
        let mut ahead = self.prefetched.borrow_mut();
        let i = ahead.iter().position(|p| p.json == json && p.at == at && p.synced == Some(writes))?;
        Some(ahead.remove(i).answer)
    }

    /// Asks the layer, after handing it what the change log noted since the last question:
    /// the answer is the table as `db` holds it now. `None` (the list runs its SQL) when the
    /// layer cannot be asked (turned off on any failure, which the console reports once; the
    /// log is then removed), or while a transaction is open (a take inside it could read
    /// changes that are rolled back).
    pub async fn ask(&self, db: &SqlJsWorker, request: &Request) -> Option<Answer> {
        self.ask_at(db, request).await.map(|(answer, _)| answer)
    }

    /// [`FlagLayer::ask`], with the layer's revision the answer reflects (see
    /// [`FlagLayer::mirrored`]).
    async fn ask_at(&self, db: &SqlJsWorker, request: &Request) -> Option<(Answer, u64)> {
        if !self.ready().await {
            if !self.log_dropped.replace(true) {
                let _ = db.drop_change_log().await;
            }
            return None;
        }
        let (apply, asked) = {
            // Takes and exports one at a time (an export may drop the log; it keeps its notes).
            let _turn = db.log_turns().take().await;
            if db.in_transaction() {
                return None;
            }
            if !db.has_change_log() {
                self.turn_off("the change log lost notes when the file was exported");
                return None;
            }
            // Every write posted before this count was read runs before the take's first read,
            // so the take sees its note. The take's own emptying of the log is one more.
            let writes = db.writes();
            let carried = db.take_carried();
            let changes = if self.synced.get() == Some(writes) && carried.is_empty() {
                Default::default()
            } else {
                let before_export = match FlagIndex::read_ids(db, &carried).await {
                    Ok(c) => c,
                    Err(e) => {
                        self.turn_off(&format!("the flags noted before an export could not be read: {e}"));
                        return None;
                    }
                };
                match FlagIndex::take_changes(db).await {
                    Ok(c) => {
                        self.synced.set(Some(writes + u64::from(!c.is_empty())));
                        // The later read wins for an id in both.
                        let later: std::collections::HashSet<i64> =
                            c.rows.iter().map(|r| r.id).chain(c.gone.iter().copied()).collect();
                        let mut all = before_export;
                        all.rows.retain(|r| !later.contains(&r.id));
                        all.gone.retain(|id| !later.contains(id));
                        all.rows.extend(c.rows);
                        all.gone.extend(c.gone);
                        all
                    }
                    Err(e) => {
                        self.turn_off(&format!("the change log could not be read: {e}"));
                        return None;
                    }
                }
            };
            if !changes.is_empty() {
                self.revision.set(self.revision.get() + 1);
                self.prefetched.borrow_mut().clear();
                self.held.borrow_mut().clear();
                self.invalidate(changes.rows.iter().map(|r| r.id).chain(changes.gone.iter().copied()));
            }
            let at = self.revision.get();
            let post = |r: &Request| serde_json::to_string(r).map_err(|e| e.to_string());
            let apply = if changes.is_empty() {
                None
            } else {
                match post(&Request::Apply(changes))
                    .and_then(|j| self.worker.ask(&j).map_err(|e| e.to_string()))
                {
                    Ok(rx) => Some(rx),
                    Err(e) => {
                        self.turn_off(&e);
                        return None;
                    }
                }
            };
            // An answer asked ahead (used once), else one held: the log was taken up to every
            // write posted, so a held answer (all at the current revision) is the table as it is.
            let ahead = || {
                if self.prefetched.borrow().is_empty() && self.held.borrow().is_empty() {
                    return None;
                }
                let json = post(request).ok()?;
                let answer = match self.take_prefetched(&json, at, writes) {
                    Some(answer) => {
                        mark("flagdeck:layer-prefetched");
                        answer
                    }
                    None => {
                        let answer = self.held_answer(request, &json)?;
                        mark("flagdeck:layer-held");
                        answer
                    }
                };
                Some(futures::future::ready(Ok(answer)).boxed_local())
            };
            if let Some(answer) = apply.is_none().then(ahead).flatten() {
                (None, (answer, at))
            } else {
                match post(request).and_then(|j| self.worker.ask(&j).map_err(|e| e.to_string())) {
                    Ok(rx) => (apply, (answered(rx).boxed_local(), at)),
                    Err(e) => {
                        self.turn_off(&e);
                        return None;
                    }
                }
            }
        };
        if let Some(rx) = apply {
            match rx.await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    self.turn_off(&format!("changes could not be applied: {e}"));
                    return None;
                }
                Err(_) => {
                    self.turn_off("the list worker went away");
                    return None;
                }
            }
        }
        let (asked, at) = asked;
        let answer = asked.await;
        match answer {
            // A failure seen by another question meanwhile makes this answer doubtful too.
            Ok(a) if matches!(*self.state.borrow(), State::Ready) => Some((a, at)),
            Ok(_) => None,
            Err(e) => {
                self.turn_off(&e);
                None
            }
        }
    }

    /// Drops flags `ids` (written since the last take) from the mirror; they are read again.
    fn invalidate(&self, ids: impl IntoIterator<Item = i64>) {
        if self.mirror_off.get() {
            return;
        }
        self.fill.borrow_mut().invalidate(&mut self.mirror.borrow_mut(), ids);
        self.wake_fill();
    }

    /// Flags `ids` (from an answer of this layer at revision `at`, see [`Mirrored`]), in that
    /// order, from the rows held in the page when it holds every one of them (each as a page
    /// read by id gives it, with a NULL `sort_key`). `None` otherwise, and whenever a row held
    /// or the answer could be older than the table: the layer not answering, a write posted
    /// and not yet taken from the change log (the engine's count of writes is past the last
    /// take's), a take since the answer that found changes (the revision moved), a transaction
    /// open, the log gone with an export. The previous reading path (ids from the layer after
    /// a take, rows by id from the engine) is then taken. An export or a save counts as a write
    /// until the next take, which finds nothing and leaves the revision as it was.
    pub fn mirrored(&self, db: &SqlJsWorker, ids: &[i64], at: u64) -> Option<Vec<FlagRow>> {
        let current = !self.mirror_off.get()
            && self.answering()
            && db.has_change_log()
            && !db.in_transaction()
            && self.synced.get() == Some(db.writes())
            && at == self.revision.get();
        if !current {
            return None;
        }
        self.mirror.borrow().rows(ids)
    }

    /// Every id of the list `q` asks for, in its order ([`FlagIndex::order`]), or `None`.
    pub async fn order(&self, db: &SqlJsWorker, q: &FlagPageQuery) -> Option<Mirrored<Vec<i64>>> {
        match self.ask_at(db, &Request::Order(q.clone())).await? {
            (Answer::Order(Some(order)), at) => Some(Mirrored { value: order, at }),
            _ => None,
        }
    }

    /// The ids and sort keys of one page, or `None` (run the SQL).
    pub async fn page(&self, db: &SqlJsWorker, q: &FlagPageQuery) -> Option<Mirrored<Vec<(i64, Value)>>> {
        match self.ask_at(db, &Request::Page(q.clone())).await? {
            (Answer::Page(Some(page)), at) => Some(Mirrored { value: page, at }),
            _ => None,
        }
    }

    /// How many flags `f` keeps, or `None` (run the SQL).
    pub async fn count(&self, db: &SqlJsWorker, f: &FlagFilter) -> Option<i64> {
        match self.ask(db, &Request::Count(f.clone())).await? {
            Answer::Count(n) => n,
            _ => None,
        }
    }

    /// The chains `agent` takes part in (the agent page's), or `None` (run the SQL).
    pub async fn chains(&self, db: &SqlJsWorker, agent: &str) -> Option<Vec<ChainSummary>> {
        match self.ask(db, &Request::Chains(agent.to_owned())).await? {
            Answer::Chains(chains) => chains,
            _ => None,
        }
    }

    /// The counts of `facets` under `f`, or `None` (run the SQL).
    pub async fn facets(
        &self,
        db: &SqlJsWorker,
        f: &FlagFilter,
        facets: &[Facet],
    ) -> Option<Vec<Vec<(Value, i64)>>> {
        match self.ask(db, &Request::Facets(f.clone(), facets.to_vec())).await? {
            Answer::Facets(counts) => counts,
            _ => None,
        }
    }
}

/// Fills the rows held in the page for `open`'s layer ([`FlagRowMirror`]) once it is ready, a
/// chunk at a time ([`FlagMirrorFill`]; one statement in the engine's queue at once, so a
/// question asked meanwhile waits for one chunk at most), then reads again what every take of
/// the change log drops. Nothing is read while a transaction is open (a read inside it could
/// hold what is rolled back). Ends when the file is closed or replaced, or the layer is turned
/// off; a read that fails turns the mirror off (the console says why; the list then reads its
/// pages as before). Measures `flagdeck:mirror-filled` (layer ready → every flag held).
pub fn keep_mirror(open: &crate::web::files::loader::Shared) {
    let Some(layer) = open.layer.as_ref().map(Rc::downgrade) else { return };
    let open = Rc::downgrade(open);
    spawn_local(async move {
        // Nothing of the layer is held while it builds: a file closed meanwhile drops it, and
        // its worker ends.
        loop {
            let waiting = match layer.upgrade().map(|l| l.wait()) {
                None | Some(Ok(false)) => return,
                Some(Ok(true)) => break,
                Some(Err(rx)) => rx,
            };
            let _ = waiting.await;
        }
        let started = perf_now();
        if let Some(l) = layer.upgrade() {
            // Room for every flag at once: filling never rehashes nor copies its arrays.
            *l.mirror.borrow_mut() = FlagRowMirror::with_capacity(l.built_flags.get());
        }
        let mut reported = false;
        loop {
            let (Some(l), Some(o)) = (layer.upgrade(), open.upgrade()) else { return };
            if !l.answering() || l.mirror_off.get() {
                return;
            }
            if o.db.in_transaction() {
                drop((l, o));
                gloo_timers::future::TimeoutFuture::new(50).await;
                continue;
            }
            let next = l.fill.borrow().next();
            let Some((read, epoch)) = next else {
                if !reported {
                    reported = true;
                    measure_since("flagdeck:mirror-filled", started);
                    let m = l.mirror.borrow();
                    web_sys::console::info_1(&JsValue::from_str(&format!(
                        "flagdeck: the flag list's rows are held in the page: {} flags, ~{} MB",
                        m.len(),
                        m.heap_bytes() >> 20
                    )));
                }
                // Wait for flags to read again (or for the layer to go: the sender goes with it).
                let (tx, rx) = oneshot::channel();
                *l.refill.borrow_mut() = Some(tx);
                drop((l, o));
                let _ = rx.await;
                continue;
            };
            let (sql, params) = read.sql();
            let rows = o.db.query(&sql, &params).await.and_then(|rs| FlagRow::all(&rs));
            drop(o);
            // Turned off meanwhile: the fill is over (its epochs started again).
            if l.mirror_off.get() {
                return;
            }
            match rows {
                Ok(rows) => {
                    let mut fill = l.fill.borrow_mut();
                    fill.accept(&mut l.mirror.borrow_mut(), &read, epoch, &rows);
                }
                Err(e) => {
                    l.drop_mirror();
                    web_sys::console::warn_1(&JsValue::from_str(&format!(
                        "flagdeck: the flag list's rows are not held in the page ({e}); its pages are read as they are needed"
                    )));
                    return;
                }
            }
        }
    });
}
