//! The `#quests` page: the filters (status, agent, text), the count, the layout toggles, and
//! the board or the list. Whatever the layout, the count, the status counts and the first rows
//! of one query arrive together as one [`Generation`] and replace the previous one in one step,
//! so the count shown is always the count of the cards shown.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::future::Future;
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::dashboard::DashboardSettings;
use crate::web::files::loader::Shared;
use crate::web::platform::browser::{date_now, location_hash, target_data, warn};
use crate::web::platform::perf::{after_paint, mark, measure, measure_since, perf_now};
use crate::web::platform::sqljs::SqlJsWorker;
use crate::web::quests::address::{empty_filter, Layout, QuestQuery, QuestsView};
use crate::web::quests::board::Board;
use crate::web::quests::detail::{AsOfInstant, LatestActivity};
use crate::web::quests::list::QuestList;
use crate::web::quests::logs::AddLogs;
use crate::web::state::{Nav, OpenDb, PageTasks, View};
use crate::web::widgets::html::Html;
use flagdeck_core::dashboard::AsOf;
use flagdeck_core::flags::with_at;
use flagdeck_core::paging::SparsePages;
use flagdeck_core::quests::index::{
    ids_param, in_order, order_sql, refresh_sql, rows_sql, IndexError, QuestIndex,
};
use flagdeck_core::quests::{
    agents_sql, keys, QuestCard, QuestFilter, QuestPageQuery, QuestSort, QuestStatus, StatusCount, TimeOrder,
};
use flagdeck_core::{Database, DbError, ResultSet, Value};

/// Rows per page of the quest list, cards per board column, the list's layout: the core's, so
/// that `cargo xtask quests-bench-sql` plays the same pages natively.
pub(super) use flagdeck_core::quests::query::{BOARD_CARDS, LIST_PAGE as PAGE, LIST_VIEWPORT as QUEST_TABLE};

/// One board column: a stored status, its count under the filter, the cards loaded.
#[derive(Clone)]
pub(super) struct Column {
    pub status: String,
    pub count: i64,
    pub cards: Vec<QuestCard>,
}

/// One query's answer as it is on screen: its count, status counts and rows (the list's pages,
/// or the board's columns). A new query's answer replaces the previous generation in one step.
#[derive(Clone)]
pub(super) struct Generation {
    /// Which query this answers (see [`QuestsState::asked`]); 0 before the first answer.
    pub epoch: u64,
    pub total: Option<i64>,
    /// Every status with its count under the filter's agent and text (the status filter's
    /// choices): known ones in life-cycle order, then unknown ones as stored.
    pub counts: Vec<StatusCount>,
    /// The list's loaded pages.
    pub pages: SparsePages<QuestCard>,
    /// The board's columns.
    pub columns: Vec<Column>,
    /// Whether the list's pages walk the sort's key table (`quests::keys`).
    pub keys: bool,
}

impl Generation {
    fn empty() -> Self {
        Generation {
            epoch: 0,
            total: None,
            counts: Vec::new(),
            pages: SparsePages::new(PAGE),
            columns: Vec::new(),
            keys: false,
        }
    }
}

/// How one data's quests are read: the order of its time columns, and the list's key tables
/// (`quests::keys`).
#[derive(Clone)]
struct FileShape {
    order: TimeOrder,
    /// Whether key tables can follow this file's quests ([`keys::applies`]), and no key table
    /// failed it.
    keyed: bool,
    /// The key tables built ([`keys::table`]).
    built: BTreeSet<String>,
    /// The key tables being built: another restart meanwhile reads by SQL rather than build
    /// them again.
    building: BTreeSet<String>,
}

/// The quest list's filter index ([`QuestIndex`]) of one data (`OpenDb::data_key`), as far as
/// it got.
enum HeldIndex {
    /// Being read; when brought up to date from the index of an earlier change count, that
    /// index (a later edit meanwhile refreshes from it too: the log holds every write since).
    Reading(Option<(SharedIndex, Origin)>),
    /// Read from the database (the engine's connection) it holds on to: the list's filter
    /// changes answer from it while its write counter holds, and after a write it is brought up
    /// to date from that database's log (see [`QuestsState::ensure_index`]).
    Ready(SharedIndex, Origin),
    /// Could not be held for this data (the console says why): the list runs its SQL.
    Failed,
}

/// A filter index held by the page and by the reads that fill it in.
type SharedIndex = Rc<RefCell<QuestIndex>>;

/// The database (the engine's connection) an index was read from.
type Origin = Weak<crate::web::files::loader::OpenDb>;

/// The filter index held, with the data (`OpenDb::data_key`) it is for.
type IndexSlot = StoredValue<Option<(DataKey, HeldIndex)>, LocalStorage>;

/// Where the quest list's filter index is kept (a context of the app), with the data
/// (`OpenDb::data_key`) it is for: it outlives a visit to the quests page, so that coming back
/// after an edit elsewhere (a quest's page) brings it up to date rather than reading it again
/// (see [`QuestsState::ensure_index`]). Cleared when another database is on screen.
#[derive(Clone, Copy)]
pub struct QuestIndexStore(IndexSlot);

impl QuestIndexStore {
    /// An empty store, owned by the caller's reactive owner.
    pub fn new() -> Self {
        QuestIndexStore(StoredValue::new_local(None))
    }

    /// Drops the index held, if any (another database is on screen).
    pub fn clear(&self) {
        self.0.try_set_value(None);
    }
}

impl Default for QuestIndexStore {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks the store's slot for `key` as being read while alive; dropped before
/// [`Reading::done`] (the page's task ended with the page half-way) it puts back the earlier
/// index the read started from, under that index's own data (`base_key`), so the next visit
/// brings it up to date; without one it empties the slot, so the next visit reads again rather
/// than wait for a read that will never end.
struct Reading {
    store: IndexSlot,
    key: DataKey,
    base_key: Option<DataKey>,
    done: bool,
}

impl Reading {
    /// `base`: the earlier index the read brings up to date, its database and its data.
    fn start(store: IndexSlot, key: DataKey, base: Option<(SharedIndex, Origin, DataKey)>) -> Self {
        let base_key = base.as_ref().map(|(_, _, k)| *k);
        store.set_value(Some((key, HeldIndex::Reading(base.map(|(index, from, _)| (index, from))))));
        Reading { store, key, base_key, done: false }
    }

    /// The read ended: its outcome is stored by the caller.
    fn done(mut self) {
        self.done = true;
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        if !self.done {
            let (key, base_key) = (self.key, self.base_key);
            self.store.try_update_value(|slot| {
                if !matches!(slot, Some((k, HeldIndex::Reading(_))) if *k == key) {
                    return;
                }
                *slot = match (slot.take(), base_key) {
                    (Some((_, HeldIndex::Reading(Some((index, from))))), Some(base_key)) => {
                        Some((base_key, HeldIndex::Ready(index, from)))
                    }
                    _ => None,
                };
            });
        }
    }
}

/// Which data is on screen (`OpenDb::data_key`).
type DataKey = (u64, u64);

/// A filter change answered by the index: the count, the status counts and the first page's
/// ids, at the index's write counter.
struct IndexAnswer {
    total: i64,
    counts: Vec<StatusCount>,
    /// The list's first page, or the first cards of each board column (the statuses the filter
    /// keeps, in the counts' order).
    parts: Vec<(Option<StatusCount>, Vec<i64>)>,
    writes: i64,
    /// The index that answered.
    index: SharedIndex,
}

/// What an as-of instant was read for: the data (`OpenDb::data_key`) and the setting.
type AsOfKey = ((u64, u64), AsOf);

/// The page's state shared by its parts.
#[derive(Clone, Copy)]
pub(super) struct QuestsState {
    pub db: OpenDb,
    pub nav: Nav,
    pub view: QuestsView,
    /// The generation on screen.
    pub shown: RwSignal<Generation>,
    /// List pages of the shown generation asked for and not answered yet.
    pub in_flight: RwSignal<BTreeSet<usize>>,
    pub error: RwSignal<Option<String>>,
    /// The latest query asked for: answers to any other are dropped.
    pub asked: StoredValue<u64>,
    /// The generation whose rows the list holds whole (measured once, see `list::cover`).
    pub held: StoredValue<u64>,
    /// The generation whose list may fill itself in the background (see `list::fill_later`).
    pub fill_from: RwSignal<u64>,
    /// How the open data's quests are read, and the data (`OpenDb::data_key`) it was read for.
    file: StoredValue<Option<((u64, u64), FileShape)>>,
    /// The filter index of the data (`OpenDb::data_key`) it was read for (see
    /// [`QuestsState::ensure_index`]), kept by the app ([`QuestIndexStore`]).
    index: IndexSlot,
    /// The order being read into the filter index (see [`QuestsState::ensure_order`]): the
    /// index and the order's key table name.
    ordering: StoredValue<Option<(SharedIndex, String)>, LocalStorage>,
    /// The agent filter's suggestions (`quests::agents_sql`), read once per data when the agent
    /// box is first used ([`QuestsState::suggest_agents`]), with the data they were read for.
    pub agents: RwSignal<Vec<String>>,
    agents_for: StoredValue<Option<(u64, u64)>>,
    /// The latest text typed in a filter box, not applied yet (debounce).
    typed: StoredValue<u64>,
    /// The instant "updated … ago" counts to (the dashboard's as-of, see `detail::AsOfInstant`),
    /// with the data and setting it was read for; the clock until it is read.
    as_of: RwSignal<Option<(AsOfKey, i64)>>,
    /// The dashboard's settings, whose as-of the page uses (taken when the page is built: an
    /// async task has no context to look it up in).
    settings: DashboardSettings,
    /// The file's latest activity, as last read (shared with the quest page).
    latest: LatestActivity,
    /// The page's async work (reads, key tables), which ends with the page.
    pub tasks: PageTasks,
}

/// How long the text and agent boxes wait after the last keystroke before filtering.
const TYPING_MS: u64 = 200;

/// Starts `sql` on the worker now (the worker answers in the order asked) and gives its answer.
pub(super) fn ask(
    open: &Shared,
    (sql, params): (String, Vec<Value>),
) -> oneshot::Receiver<Result<ResultSet, DbError>> {
    let (tx, rx) = oneshot::channel();
    let open = open.clone();
    spawn_local(async move {
        let _ = tx.send(open.db.query(&sql, &params).await);
    });
    rx
}

/// The answer of an [`ask`].
pub(super) async fn answer(
    rx: impl Future<Output = Result<Result<ResultSet, DbError>, oneshot::Canceled>>,
) -> Result<ResultSet, String> {
    match rx.await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the query was dropped".to_owned()),
    }
}

/// A filter keeping only `status`, the filter's agent and text otherwise.
pub(super) fn only_status(filter: &QuestFilter, status: &str) -> QuestFilter {
    QuestFilter { statuses: vec![status.to_owned()], ..filter.clone() }
}

impl QuestsState {
    fn new() -> Self {
        QuestsState {
            db: expect_context::<OpenDb>(),
            nav: expect_context::<Nav>(),
            view: expect_context::<QuestsView>(),
            shown: RwSignal::new(Generation::empty()),
            in_flight: RwSignal::new(BTreeSet::new()),
            error: RwSignal::new(None),
            asked: StoredValue::new(0),
            held: StoredValue::new(0),
            fill_from: RwSignal::new(0),
            file: StoredValue::new(None),
            index: expect_context::<QuestIndexStore>().0,
            ordering: StoredValue::new_local(None),
            agents: RwSignal::new(Vec::new()),
            agents_for: StoredValue::new(None),
            typed: StoredValue::new(0),
            as_of: RwSignal::new(None),
            settings: expect_context::<DashboardSettings>(),
            latest: expect_context::<LatestActivity>(),
            tasks: PageTasks::new(),
        }
    }

    /// The instant the cards' and rows' "updated … ago" count to, in epoch milliseconds: the
    /// dashboard's as-of (Latest: the file's latest activity; Now: the clock), as on the quest
    /// page; the clock until it has been read.
    pub fn as_of_ms(&self) -> i64 {
        self.as_of.with(|a| a.map(|(_, ms)| ms)).unwrap_or_else(|| date_now() as i64)
    }

    /// Reads the agent filter's suggestions (`quests::agents_sql`, or the filter index's list of
    /// them once it is read) unless they were read for the open data; a file they cannot be read
    /// from still filters. Called when the agent box gets
    /// the focus, not at open: the statement scans every quest's `recruited` JSON (0.5 s at
    /// 100k quests in sql.js), and the worker answers in order, so read at open it held back a
    /// switch from the board to the list by as long.
    pub fn suggest_agents(self) {
        let Some(open) = self.db.get() else { return };
        let key = self.db.data_key();
        if self.agents_for.get_value() == Some(key) {
            return;
        }
        self.agents_for.set_value(Some(key));
        // From the filter index when it is read (the same list, without the scan).
        // (none after a refresh that changed quests: they may name an agent no quest has now).
        if let Some(agents) = self.held_index().and_then(|index| index.borrow().agents()) {
            self.agents.set(agents);
            return;
        }
        let asked = ask(&open, (agents_sql(), Vec::new()));
        self.tasks.spawn(async move {
            if let Ok(rs) = answer(asked).await {
                self.agents.try_set(rs.map_rows(|r| r.text("agent")).unwrap_or_default());
            }
        });
    }

    /// Reads the as-of for the open data and the dashboard setting when they changed, after the
    /// page's queries (not before them: the first cards count to the clock meanwhile).
    fn refresh_as_of(self, open: &Shared) {
        let setting = self.settings.with_untracked(|s| s.as_of);
        let key = (self.db.data_key(), setting);
        if self.as_of.with_untracked(|a| a.is_some_and(|(k, _)| k == key)) {
            return;
        }
        let open = open.clone();
        self.tasks.spawn(async move {
            let data = self.db.is_current(&open).then_some(key.0);
            if let Ok(instant) = AsOfInstant::read(&open, setting, self.latest, data).await {
                self.as_of.try_set(Some((key, instant.ms)));
            }
        });
    }

    /// Clears the status, agent and text filters (keeps layout and sort).
    pub fn clear_filters(self) {
        self.typed.update_value(|t| *t += 1);
        self.view.change(self.nav, |q| q.filter = empty_filter());
    }

    /// Applies `edit` to the filter [`TYPING_MS`] after the last keystroke (a newer keystroke
    /// or an applied change drops it); `now`: at once (Enter, leaving the box).
    fn type_filter(self, now: bool, edit: impl FnOnce(&mut QuestFilter) + 'static) {
        // The box fires `change` when it loses focus, also as the page is taken down (another
        // page shown with the cursor still in it): then there is nothing to filter.
        let Some(ticket) = self.typed.try_update_value(|t| {
            *t += 1;
            *t
        }) else {
            return;
        };
        // Nor once the address has left the page, before the page follows it (a link or Back
        // to another page within the debounce): the filter would write its `#quests?…` address
        // over the new one and bring the quests page back. Nor once an address from outside
        // the page changed the query (Back to another `#quests?…`): the text was typed on the
        // query left behind. A dropped filter is marked `flagdeck:quest-filter-dropped`.
        let followed = self.view.followed();
        let apply = move || {
            if self.typed.try_get_value() != Some(ticket) {
                return;
            }
            if View::from_hash(&location_hash()) != View::Quests || self.view.followed() != followed {
                mark("flagdeck:quest-filter-dropped");
                return;
            }
            self.view.change(self.nav, |q| edit(&mut q.filter));
        };
        if now {
            apply();
        } else {
            set_timeout(apply, std::time::Duration::from_millis(TYPING_MS));
        }
    }

    /// Rows in the list: the count once known, until then as far as the loaded pages reach.
    pub fn len(&self) -> usize {
        self.shown.with(|g| match g.total {
            Some(n) => n.max(0) as usize,
            None => g.pages.loaded_end(),
        })
    }

    /// How the open data's time columns sort (read once per data, see [`TimeOrder`]); instants
    /// until it is known.
    pub fn time_order(&self) -> TimeOrder {
        self.shape().map(|s| s.order).unwrap_or_default()
    }

    /// How the open data's quests are read, once known.
    fn shape(&self) -> Option<FileShape> {
        let key = self.db.data_key();
        self.file.get_value().filter(|(k, _)| *k == key).map(|(_, s)| s)
    }

    /// Whether pages in `sort` walk a key table: it is built for the open data.
    fn keyed(&self, sort: QuestSort) -> bool {
        self.shape().is_some_and(|s| s.keyed && s.built.contains(&keys::table(sort, s.order)))
    }

    /// Builds the key table of `sort` for the open data unless it is built, being built, the
    /// order needs none or the file allows none (measured as `flagdeck:quest-keys` when built).
    /// Not while an edit's transaction is open (its rollback would take the table back): the
    /// list reads by SQL then. A build that fails leaves the data to the list's SQL.
    async fn ensure_keys(self, open: &Shared, sort: QuestSort) {
        let key = self.db.data_key();
        let Some(shape) = self.shape() else { return };
        let table = keys::table(sort, shape.order);
        if !shape.keyed
            || !keys::derived(sort, shape.order)
            || shape.built.contains(&table)
            || shape.building.contains(&table)
        {
            return;
        }
        self.update_shape(key, |s| {
            s.building.insert(table.clone());
        });
        let started = perf_now();
        let db = &open.db;
        let result = keys::ensure(db, sort, shape.order, || !db.in_transaction()).await;
        if matches!(result, Ok(keys::Ensured::Built)) {
            measure_since("flagdeck:quest-keys", started);
        }
        self.update_shape(key, |s| {
            s.building.remove(&table);
            match &result {
                Ok(keys::Ensured::Skipped) => {}
                Ok(_) => {
                    s.built.insert(table.clone());
                }
                Err(_) => s.keyed = false,
            }
        });
        if let Err(e) = result {
            warn(&format!("The quest list reads by SQL: its sort keys could not be built ({e})."));
        }
    }

    /// The filter index of the open data, once read.
    fn held_index(&self) -> Option<SharedIndex> {
        let key = self.db.data_key();
        self.index.with_value(|held| match held {
            Some((k, HeldIndex::Ready(index, _))) if *k == key => Some(index.clone()),
            _ => None,
        })
    }

    /// Reads the filter index ([`QuestIndex`]) of the open data unless it is read, being read or
    /// failed for it; then the order of the list's sort ([`QuestsState::ensure_order`]). Only
    /// for files whose quests TEMP triggers can follow ([`keys::applies`]), and not while an
    /// edit's transaction is open (a read inside it could be rolled back; the next generation
    /// asks again). Measured as `flagdeck:quest-index` (asked → held). After an edit (the same
    /// open data, a later change count, the same database), the index held for the data before
    /// is brought up to date from the write log instead ([`QuestIndex::refresh`]: only the
    /// quests written are read), measured as `flagdeck:quest-index-refresh`; where the log
    /// cannot (see there) it is read whole. A read that a write interrupted is asked again by
    /// the next generation; one that fails leaves this data to the list's SQL (the console says
    /// why).
    fn ensure_index(self, open: &Shared) {
        // Only for the database on screen: after a follow-mode swap, a generation of the one
        // left may still be shown before the page reads the new one.
        if !self.db.is_current(open) {
            return;
        }
        let key = self.db.data_key();
        let asked = self.index.with_value(|held| held.as_ref().is_some_and(|(k, _)| *k == key));
        if asked || !self.shape().is_some_and(|s| s.keyed) || open.db.in_transaction() {
            self.ensure_order(open);
            return;
        }
        // The index of this data before its latest changes, read from this very database (or
        // the one a refresh still under way started from).
        let earlier = self.index.with_value(|held| match held {
            Some((
                (shown, version),
                HeldIndex::Ready(index, from) | HeldIndex::Reading(Some((index, from))),
            )) if *shown == key.0
                && *version < key.1
                && from.upgrade().is_some_and(|from| Rc::ptr_eq(&from, open)) =>
            {
                Some((index.clone(), from.clone(), (*shown, *version)))
            }
            _ => None,
        });
        let reading = Reading::start(self.index, key, earlier.clone());
        let open = open.clone();
        self.tasks.spawn(async move {
            let started = perf_now();
            let db = &open.db;
            let refreshed = match earlier.as_ref().map(|(index, _, _)| index.clone()) {
                Some(index) if !db.in_transaction() => self.refresh_from(db, index).await,
                _ => None,
            };
            let result = match refreshed {
                Some(index) => {
                    measure_since("flagdeck:quest-index-refresh", started);
                    Ok(index)
                }
                None => QuestIndex::read(db, || !db.in_transaction()).await.map(|index| {
                    measure_since("flagdeck:quest-index", started);
                    SharedIndex::new(RefCell::new(index))
                }),
            };
            let held = match result {
                Ok(index) => Some(HeldIndex::Ready(index, Rc::downgrade(&open))),
                Err(IndexError::Moved) => None,
                Err(e) => {
                    warn(&format!(
                        "The quest list filters by SQL: its filter index could not be read ({e})."
                    ));
                    Some(HeldIndex::Failed)
                }
            };
            reading.done();
            let current = self.db.is_current(&open);
            self.index.try_update_value(|i| {
                if current && i.as_ref().is_some_and(|(k, _)| *k == key) {
                    *i = match (held, earlier) {
                        (Some(held), _) => Some((key, held)),
                        // Not read now (a transaction open, a write meanwhile): the earlier
                        // index stays, under its own data (it answers for none other), to be
                        // brought up to date next time rather than read whole.
                        (None, Some((index, from, its_key))) => {
                            Some((its_key, HeldIndex::Ready(index, from)))
                        }
                        (None, None) => None,
                    };
                }
            });
            if self.db.data_key() == key {
                self.ensure_order(&open);
            }
        });
    }

    /// `index` (of an earlier change count of the open data) brought up to date from the write
    /// log ([`QuestIndex::refreshed`]), with the order of the list's sort asked right behind the
    /// refresh (both posted before anything asked after this, such as the as-of's scan): the
    /// same index when nothing was written since, `None` when the log cannot bring it up to date.
    async fn refresh_from(self, db: &SqlJsWorker, index: SharedIndex) -> Option<SharedIndex> {
        let (params, wanted, refresh) = (index.borrow().refresh_params(), self.cheap_order(), refresh_sql());
        let (changes, order) = futures::join!(db.query(&refresh, &params), async {
            match wanted {
                Some((sort, time, derived)) => {
                    Some((sort, time, db.query(&order_sql(sort, time, derived), &[]).await))
                }
                None => None,
            }
        });
        let next = changes.map_err(IndexError::from).and_then(|rs| index.borrow().refreshed(&rs)).ok()?;
        let next = next.map_or(index, |next| SharedIndex::new(RefCell::new(next)));
        // Held only at the refreshed count (a write between the two leaves it out).
        if let Some((sort, time, Ok(rs))) = order {
            hold_order(&next, sort, time, &rs);
        }
        Some(next)
    }

    /// Reads the order of the list's sort into the filter index when it is read and the order is
    /// cheap to read: walked through its key table (built) or the file's own order (`quest_id`,
    /// a stored `created_at`); never by sorting every quest's computed key. Marked
    /// `flagdeck:quest-order` when held.
    fn ensure_order(self, open: &Shared) {
        let Some(index) = self.held_index() else { return };
        let Some((sort, order, derived)) = self.cheap_order() else { return };
        let table = keys::table(sort, order);
        let on_its_way = self
            .ordering
            .with_value(|o| o.as_ref().is_some_and(|(i, t)| Rc::ptr_eq(i, &index) && *t == table));
        if on_its_way || index.borrow().has_order(sort, order) {
            return;
        }
        // One read of an order at a time per index (each builds every quest's id in the worker).
        self.ordering.set_value(Some((index.clone(), table)));
        let asked = ask(open, (order_sql(sort, order, derived), Vec::new()));
        self.tasks.spawn(async move {
            let rs = answer(asked).await;
            self.ordering.try_set_value(None);
            let Ok(rs) = rs else { return };
            // A counter gone or moved leaves the order out; the next answer's check drops the index.
            hold_order(&index, sort, order, &rs);
        });
    }

    /// The list's sort and time order, with whether its order is read from a key table
    /// (`derived`), when reading that order is cheap: through its key table, built, or the
    /// file's own order ([`order_sql`]). `None` otherwise.
    fn cheap_order(&self) -> Option<(QuestSort, TimeOrder, bool)> {
        let (sort, _) = self.view.query().with_untracked(|q| q.sort);
        let order = self.time_order();
        let derived = keys::derived(sort, order);
        (!derived || self.keyed(sort)).then_some((sort, order, derived))
    }

    /// The filter index's answer to `filter` in `sort` for `layout`: the list's first page or
    /// the first cards of each board column. `None` when the index is not read for the open
    /// data, holds not the sort's order, does not answer the filter (words, a comma in the
    /// agent), or a transaction is open.
    fn index_answer(
        &self,
        open: &Shared,
        filter: &QuestFilter,
        layout: Layout,
        sort: (QuestSort, bool),
    ) -> Option<IndexAnswer> {
        if open.db.in_transaction() {
            return None;
        }
        let held = self.held_index()?;
        let index = held.borrow();
        let order = self.shape()?.order;
        let (total, counts) = index.summary(filter)?;
        let parts = match layout {
            Layout::List => vec![(None, index.first_ids(filter, sort, order, PAGE)?)],
            // Every column the status filter keeps, as the SQL path asks them.
            Layout::Board => counts
                .iter()
                .filter(|c| filter.statuses.is_empty() || filter.statuses.contains(&c.status))
                .map(|c| {
                    let ids = match c.count > 0 {
                        true => index.first_ids(&only_status(filter, &c.status), sort, order, BOARD_CARDS)?,
                        false => Vec::new(),
                    };
                    Some((Some(c.clone()), ids))
                })
                .collect::<Option<Vec<_>>>()?,
        };
        let writes = index.writes();
        drop(index);
        Some(IndexAnswer { total, counts, parts, writes, index: held })
    }

    /// A generation from the filter index's `held` answer: the rows of every part read by id in
    /// one statement with the write counter ([`rows_sql`]). `Ok(None)` when the counter moved
    /// since the index was read (a quest written meanwhile): the index is dropped and the
    /// generation is read by SQL.
    async fn read_indexed(
        self,
        open: &Shared,
        epoch: u64,
        filter: &QuestFilter,
        sort: (QuestSort, bool),
        held: IndexAnswer,
    ) -> Result<Option<Generation>, String> {
        let all: Vec<i64> = held.parts.iter().flat_map(|(_, ids)| ids.iter().copied()).collect();
        let rs = answer(ask(open, (rows_sql(sort.0, self.time_order()), vec![ids_param(&all)]))).await?;
        let writes = rs.map_first(|r| r.i64("writes")).map_err(|e| e.to_string())?;
        let rows = if writes != Some(held.writes) {
            None
        } else if all.is_empty() {
            // One row of NULLs besides the counter.
            Some(Vec::new())
        } else {
            in_order(cards(&rs)?, &all)
        };
        let Some(rows) = rows else {
            // Dropped only if it is still the index this answer came from (not one read since).
            self.index.update_value(|i| {
                if matches!(i, Some((_, HeldIndex::Ready(ix, _))) if Rc::ptr_eq(ix, &held.index)) {
                    *i = None;
                }
            });
            return Ok(None);
        };
        let mut rows = rows.into_iter();
        let mut pages = SparsePages::new(PAGE);
        let mut columns = Vec::new();
        for (column, ids) in held.parts {
            let cards: Vec<QuestCard> = rows.by_ref().take(ids.len()).collect();
            match column {
                Some(c) => columns.push(Column { status: c.status, count: c.count, cards }),
                None => pages.insert(0, cards),
            }
        }
        let keys = self.keyed(sort.0) && keys::worth_walking(filter, &held.counts);
        mark("flagdeck:quests-from-index");
        Ok(Some(Generation { epoch, total: Some(held.total), counts: held.counts, pages, columns, keys }))
    }

    /// Changes how the data `key` is read, unless other data is open meanwhile.
    fn update_shape(self, key: (u64, u64), f: impl FnOnce(&mut FileShape)) {
        self.file.update_value(|file| {
            if let Some((_, s)) = file.as_mut().filter(|(k, _)| *k == key) {
                f(s);
            }
        });
    }

    /// A read of quests failed (`error`). Through a key table (`through_keys`: the table gone,
    /// say, with an engine that reopens the database to export), the open data is read by the
    /// list's SQL from now on, starting over (once: the next read takes no key table); otherwise
    /// the page says why.
    pub(super) fn read_failed(self, open: Shared, error: String, through_keys: bool) {
        if !through_keys {
            self.error.set(Some(error));
            return;
        }
        warn(&format!("The quest list reads by SQL: a read through its sort keys failed ({error})."));
        self.update_shape(self.db.data_key(), |s| s.keyed = false);
        self.restart(Some(open));
    }

    /// The list's sort (from the address), tracked.
    pub fn sort(&self) -> (QuestSort, bool) {
        self.view.query().with(|q| q.sort)
    }

    /// The page query of `filter` in the current sort, `limit` rows.
    pub fn query_of(&self, filter: QuestFilter, limit: usize) -> QuestPageQuery {
        let sort = self.view.query().with_untracked(|q| q.sort);
        QuestPageQuery::first(filter, sort, limit).with_time_order(self.time_order())
    }

    /// Whether pages of `filter` in the current sort walk its key table: built for the open data
    /// and worth walking for the filter's statuses (`keys::worth_walking`, from `counts`).
    pub(super) fn keys_for(&self, filter: &QuestFilter, counts: &[StatusCount]) -> bool {
        let sort = self.view.query().with_untracked(|q| q.sort.0);
        self.keyed(sort) && keys::worth_walking(filter, counts)
    }

    /// The page query of the list for the current filter and sort.
    pub fn page_query(&self, limit: usize) -> QuestPageQuery {
        self.query_of(self.view.query().with_untracked(|q| q.filter.clone()), limit)
    }

    /// Starts a new generation for the current query: count and status counts, then the first
    /// list page or the first cards of every board column, asked together (the worker answers in
    /// order; for new data the time columns' order is read first, see [`TimeOrder`]) and shown
    /// together.
    pub(super) fn restart(self, open: Option<Shared>) {
        mark("flagdeck:quests-start");
        let epoch = self.asked.get_value() + 1;
        self.asked.set_value(epoch);
        self.in_flight.set(BTreeSet::new());
        self.error.set(None);
        let Some(open) = open else { return };
        let QuestQuery { filter, layout, sort, .. } = self.view.query().get_untracked();
        // A query the filter index answers: its rows read by id.
        let first = match self.index_answer(&open, &filter, layout, sort) {
            Some(held) => Ok(held),
            None => Err(self.by_sql(&open, epoch, filter.clone(), layout, sort)),
        };
        let key = self.db.data_key();
        self.tasks.spawn(async move {
            let result = match first {
                Ok(held) => match self.read_indexed(&open, epoch, &filter, sort, held).await {
                    Ok(Some(generation)) => Ok(generation),
                    Ok(None) => self.by_sql(&open, epoch, filter.clone(), layout, sort).await,
                    Err(e) => {
                        // The counter gone (an engine that reopens the database drops TEMP
                        // objects), say: this data filters by SQL from now on.
                        warn(&format!("The quest list filters by SQL: a read through its filter index failed ({e})."));
                        self.index.set_value(Some((key, HeldIndex::Failed)));
                        self.by_sql(&open, epoch, filter.clone(), layout, sort).await
                    }
                },
                Err(by_sql) => by_sql.await,
            };
            if self.asked.try_get_value() != Some(epoch) {
                return;
            }
            match result {
                Ok(generation) => {
                    // The generation left is dropped once the new one is painted: its cards
                    // (hundreds to the whole list's) took ~2 ms a filter change in a profile.
                    let left = self.shown.try_update(|g| std::mem::replace(g, generation));
                    after_paint(move || drop(left));
                    if layout == Layout::List {
                        self.fill_later(epoch);
                    }
                    after_paint(|| {
                        mark("flagdeck:quests-shown");
                        measure("flagdeck:quests", "flagdeck:quests-start");
                    });
                    // Asked only now, so that the worker (which answers in order) shows the
                    // quests first: the as-of is a scan of the whole table, and the index is
                    // asked ahead of it (brought up to date after an edit, it is one short
                    // statement, which would otherwise wait behind the scan).
                    self.ensure_index(&open);
                    self.refresh_as_of(&open);
                }
                Err(e) => self.read_failed(open, e, self.keyed(sort.0)),
            }
        });
    }

    /// A generation of the current query read by SQL: count and status counts, then the first
    /// list page or the first cards of every board column, asked together (the count and the
    /// status counts are asked at the call, so the worker answers them first; for new data the
    /// time columns' order is read first, see [`TimeOrder`]).
    fn by_sql(
        self,
        open: &Shared,
        epoch: u64,
        filter: QuestFilter,
        layout: Layout,
        sort: (QuestSort, bool),
    ) -> impl Future<Output = Result<Generation, String>> + 'static {
        // The time columns' order is read once per data, before the first page needs it.
        let key = self.db.data_key();
        let known = self.shape().is_some();
        let total = ask(open, filter.count_sql());
        let mut counts = ask(open, filter.status_counts_sql());
        let open = open.clone();
        async move {
            if !known {
                let order = TimeOrder::read(&open.db).await.map_err(|e| e.to_string())?;
                // A file whose quests key tables cannot follow exactly keeps the list's SQL.
                let keyed = keys::applies(&open.db).await.unwrap_or(false);
                self.file.set_value(Some((
                    key,
                    FileShape { order, keyed, built: BTreeSet::new(), building: BTreeSet::new() },
                )));
            }
            // The sort's key table, built on its first use (after the counts, which the
            // worker answers first), before the first rows need it.
            self.ensure_keys(&open, sort.0).await;
            // With a status filter, whether the list walks the key table depends on how many
            // quests the statuses keep: the counts come first then.
            let early = if layout == Layout::List && !filter.statuses.is_empty() && self.keyed(sort.0) {
                Some(read_counts(&answer(&mut counts).await?)?)
            } else {
                None
            };
            let list_keys =
                self.keyed(sort.0) && early.as_ref().is_none_or(|c| keys::worth_walking(&filter, c));
            let first_page = (layout == Layout::List).then(|| {
                ask(&open, self.query_of(filter.clone(), PAGE).with_keys(list_keys).at_page(0, None).sql())
            });
            let total = answer(total).await?.map_first(|r| r.i64("n")).map_err(|e| e.to_string())?;
            let counts = match early {
                Some(counts) => counts,
                None => read_counts(&answer(counts).await?)?,
            };
            let mut pages = SparsePages::new(PAGE);
            let mut columns = Vec::new();
            match first_page {
                Some(first) => pages.insert(0, cards(&answer(first).await?)?),
                None => {
                    // Every column the status filter keeps that has quests, asked at once.
                    let wanted: Vec<&StatusCount> = counts
                        .iter()
                        .filter(|c| filter.statuses.is_empty() || filter.statuses.contains(&c.status))
                        .collect();
                    let asked: Vec<_> = wanted
                        .iter()
                        .map(|c| {
                            let only = only_status(&filter, &c.status);
                            let keyed = self.keys_for(&only, &counts);
                            let query = self.query_of(only, BOARD_CARDS).with_keys(keyed);
                            (c.count > 0).then(|| ask(&open, query.sql()))
                        })
                        .collect();
                    for (c, rx) in wanted.iter().zip(asked) {
                        let cards = match rx {
                            Some(rx) => cards(&answer(rx).await?)?,
                            None => Vec::new(),
                        };
                        columns.push(Column { status: c.status.clone(), count: c.count, cards });
                    }
                }
            }
            Ok::<_, String>(Generation { epoch, total, counts, pages, columns, keys: list_keys })
        }
    }

    /// The effects of the page: any change of the query, the sort or the data starts over.
    fn run(self) {
        Effect::new(move |_| {
            self.view.query().track();
            self.db.data_version().track();
            self.restart(self.db.get());
        });
    }
}

/// Holds `sort`'s order from an [`order_sql`] answer in `index` (see `QuestIndex::take_order`),
/// marked `flagdeck:quest-order`; left out when the answer is not at the index's count.
fn hold_order(index: &SharedIndex, sort: QuestSort, order: TimeOrder, rs: &ResultSet) {
    if index.borrow_mut().take_order(sort, order, rs).is_ok() {
        mark("flagdeck:quest-order");
    }
}

/// Reads the status counts (`status`, `n`).
fn read_counts(rs: &ResultSet) -> Result<Vec<StatusCount>, String> {
    rs.map_rows(|r| {
        let status = r.text("status")?;
        Ok(StatusCount { known: QuestStatus::parse(&status), status, count: r.i64("n")? })
    })
    .map_err(|e| e.to_string())
}

/// Reads cards by column name.
pub(super) fn cards(rs: &ResultSet) -> Result<Vec<QuestCard>, String> {
    QuestCard::all(rs).map_err(|e| e.to_string())
}

/// What a status is called on screen: its label when known, else as stored (`(none)` for
/// NULL or empty).
pub(super) fn status_label(status: &str) -> String {
    match QuestStatus::parse(status) {
        Some(s) => s.label().to_owned(),
        None if status.is_empty() => "(none)".to_owned(),
        None => status.to_owned(),
    }
}

/// The quests page.
#[component]
pub fn QuestsPage() -> impl IntoView {
    let state = QuestsState::new();
    state.run();
    let layout = move || state.view.query().with(|q| q.layout);
    // What the main part shows changes with these two only (not with every page that arrives).
    let shows = Memo::new(move |_| (layout(), state.shown.with(|g| g.total == Some(0))));
    view! {
        <section class="page quests-page">
            <div class="quests-layout">
                <Filters state=state />
                <div class="quests-main">
                    <div class="quests-head">
                        // The generation of the count and the rows shown, set in the same step as both.
                        <p class="muted" data-testid="quest-total" data-generation=move || state.shown.with(|g| g.epoch)>
                            {move || match state.shown.with(|g| g.total) {
                                Some(n) => format!("{n} quests"),
                                None => "Counting…".to_owned(),
                            }}
                        </p>
                        <div class="toggle" role="group" aria-label="Layout">
                            <button class="button" class:active=move || layout() == Layout::Board
                                aria-pressed=move || (layout() == Layout::Board).to_string()
                                data-testid="quest-view-board"
                                on:click=move |_| state.view.change(state.nav, |q| q.layout = Layout::Board)>"Board"</button>
                            <button class="button" class:active=move || layout() == Layout::List
                                aria-pressed=move || (layout() == Layout::List).to_string()
                                data-testid="quest-view-list"
                                on:click=move |_| state.view.change(state.nav, |q| q.layout = Layout::List)>"List"</button>
                        </div>
                        <AddLogs />
                    </div>
                    {move || state.error.get().map(|e| view! { <p class="alert" role="alert">{format!("The quests could not be read: {e}")}</p> })}
                    {move || match shows.get() {
                        (_, true) => view! { <NoMatch state=state /> }.into_any(),
                        (Layout::Board, false) => view! { <Board state=state /> }.into_any(),
                        (Layout::List, false) => view! { <QuestList state=state /> }.into_any(),
                    }}
                </div>
            </div>
        </section>
    }
}

/// What shows instead of empty columns when no quest passes the filter: which filter, and a
/// button clearing them (or, without a filter, that the file has no quest rows).
#[component]
fn NoMatch(state: QuestsState) -> impl IntoView {
    let text = move || {
        state.view.query().with(|q| {
            let f = &q.filter;
            let mut parts = Vec::new();
            if !f.statuses.is_empty() {
                let names: Vec<String> = f.statuses.iter().map(|s| status_label(s)).collect();
                parts.push(format!("status {}", names.join(" or ")));
            }
            if let Some(agent) = &f.agent {
                parts.push(format!("agent {agent}"));
            }
            if !f.text.is_empty() {
                parts.push(format!("the words \u{201c}{}\u{201d}", f.text));
            }
            if parts.is_empty() {
                "This file has no quests yet.".to_owned()
            } else {
                format!("No quests match {}.", parts.join(", "))
            }
        })
    };
    view! {
        <div class="empty-state" data-testid="quest-no-match" role="status">
            <p>{text}</p>
            {move || state.view.query().with(QuestQuery::filtered).then(|| view! {
                <button class="button" data-testid="quest-no-match-clear" on:click=move |_| state.clear_filters()>"Clear filters"</button>
            })}
        </div>
    }
}

/// One box per status with its count (known statuses in life-cycle order, then unknown ones),
/// ticked when the filter keeps it.
fn status_boxes_html(counts: &[StatusCount], chosen: &[String]) -> String {
    let mut h = Html::new();
    h.elem("legend", &[], "Status");
    for c in counts {
        let count = c.count.to_string();
        h.open(
            "label",
            &[
                ("class", Some("facet-value")),
                ("data-testid", Some("quest-filter-status")),
                ("data-status", Some(&c.status)),
                ("data-value", Some(&count)),
            ],
        );
        h.open(
            "input",
            &[
                ("type", Some("checkbox")),
                ("data-toggle-status", Some(&c.status)),
                ("checked", chosen.contains(&c.status).then_some("")),
            ],
        );
        h.elem("span", &[("class", Some("facet-name"))], &status_label(&c.status));
        h.elem("span", &[("class", Some("facet-count"))], &count);
        h.close("label");
    }
    h.finish()
}

/// The filters: text, agent, and one box per status with its count.
#[component]
fn Filters(state: QuestsState) -> impl IntoView {
    let (view, nav) = (state.view, state.nav);
    let query = view.query();
    let status_boxes = move || {
        let chosen = query.with(|q| q.filter.statuses.clone());
        state.shown.with(|g| status_boxes_html(&g.counts, &chosen))
    };
    view! {
        <aside class="filters" aria-label="Filters">
            <label class="control">
                "Text "
                <input type="search" class="search" placeholder="Words in the name, mission or messages"
                    data-testid="quest-filter-text"
                    prop:value=move || query.with(|q| q.filter.text.clone())
                    on:input=move |e| {
                        let text = event_target_value(&e);
                        // Not trimmed while typing: the box keeps a space typed between words.
                        state.type_filter(false, move |f| f.set_text(&text));
                    }
                    on:change=move |e| {
                        let text = event_target_value(&e);
                        state.type_filter(true, move |f| f.set_text(text.trim()));
                    } />
            </label>
            <label class="control">
                "Agent "
                <input type="search" class="search" placeholder="@agent: recruited or whose turn"
                    data-testid="quest-filter-agent" list="quest-agents"
                    on:focus=move |_| state.suggest_agents()
                    prop:value=move || query.with(|q| q.filter.agent.clone().unwrap_or_default())
                    on:input=move |e| {
                        let agent = with_at(&event_target_value(&e));
                        state.type_filter(false, move |f| f.agent = (!agent.is_empty()).then_some(agent));
                    }
                    on:change=move |e| {
                        let agent = with_at(&event_target_value(&e));
                        state.type_filter(true, move |f| f.agent = (!agent.is_empty()).then_some(agent));
                    } />
                <datalist id="quest-agents" data-testid="quest-agent-choices" inner_html=move || {
                    let mut h = Html::new();
                    state.agents.with(|a| a.iter().for_each(|a| { h.open("option", &[("value", Some(a))]); }));
                    h.finish()
                }></datalist>
                <span class="hint muted">"Filters as you type; names match whole, any case."</span>
            </label>
            // The boxes as HTML text (see `html`), one listener for all.
            <fieldset class="facet" inner_html=status_boxes on:change=move |e| {
                if let Some(status) = target_data(&e, "toggle-status") {
                    view.change(nav, |q| q.filter.toggle_status(&status));
                }
            }></fieldset>
            {move || query.with(QuestQuery::filtered).then(|| view! {
                <button class="link" data-testid="quest-filter-clear" on:click=move |_| state.clear_filters()>"clear filters"</button>
            })}
        </aside>
    }
}
