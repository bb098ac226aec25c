//! The flag list: filters with counts, presets, a virtual table fed by pages that arrive in any
//! order (keyset after a loaded page, OFFSET for a jump), keyboard triage and bulk actions. The
//! detail panel and the form live in their own modules.

use std::collections::BTreeSet;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::web::files::loader::{download_text, Shared};
use crate::web::flags::cells::{RowCellsDom, RowFrame, RowFrameDom};
use crate::web::flags::detail::FlagDetailPanel;
use crate::web::flags::form::{FlagForm, FormRequest, FORM_INLINE_CHARS};
use crate::web::flags::layer::Mirrored;
use crate::web::flags::read::{count_flags, facet_values, page_rows};
use crate::web::platform::browser::{blur_target, closest, from_form_field, local_minute, warn, Intent};
use crate::web::platform::perf::{after_paint, clear_mark, mark, measure, measure_when_painted};
use crate::web::state::{AppState, Nav, OpenDb, View};
use crate::web::widgets::drawn::{use_drawn_rows, DrawnRows, SlotState};
use flagdeck_core::edits;
use flagdeck_core::flag_index::Request;
use flagdeck_core::flags::{
    flag_detail_preview, with_at, Cursor, Facet, FlagFilter, FlagPageQuery, FlagRow, Preset, SortColumn,
    SHOWN_FACETS,
};
use flagdeck_core::paging::{css_px, SparsePages, FLAG_TABLE, PAGE};
use flagdeck_core::table_export::{export_text, ExportFormat};
use flagdeck_core::vocabulary::{FlagAction, FlagColumn};
use flagdeck_core::Value;

/// Pages asked of the worker at once. The worker answers in order, so more would only queue
/// pages for scroll positions already left behind; when one arrives the window asks again for
/// what it shows then.
const MAX_IN_FLIGHT: usize = 2;

/// A facet with the count of flags per value.
type FacetCounts = (Facet, Vec<(String, i64)>);

/// One query's answer as it is on screen: its count and its loaded pages. A new query's count
/// and first page replace the previous generation in one step, so the count shown is always the
/// count of the rows shown (the previous rows stay until then: a filter change repaints once).
#[derive(Clone)]
struct Generation {
    /// Which query this answers (see [`ListState::asked`]); 0 before the first answer.
    epoch: u64,
    total: Option<i64>,
    pages: SparsePages<FlagRow>,
    /// Every id of the query in its order, from the layer, once it has answered
    /// ([`FlagLayer::order`](crate::web::flags::layer::FlagLayer::order)): with the rows held in
    /// the page, any page is drawn from memory ([`ListState::take_mirrored`]).
    order: Option<Arc<Mirrored<Vec<i64>>>>,
    /// Pages taken from the rows held in the page: their rows have no sort key, so the page
    /// after one is never asked for by keyset.
    mirrored: BTreeSet<usize>,
}

impl Generation {
    fn new(epoch: u64, total: Option<i64>, pages: SparsePages<FlagRow>) -> Self {
        Generation { epoch, total, pages, order: None, mirrored: BTreeSet::new() }
    }

    /// Rows in its list: the count once known, until then as far as the loaded pages reach.
    fn len(&self) -> usize {
        match self.total {
            Some(n) => n.max(0) as usize,
            None => self.pages.loaded_end(),
        }
    }
}

/// The list state shared by the page's parts.
#[derive(Clone, Copy)]
struct ListState {
    filter: RwSignal<FlagFilter>,
    sort: RwSignal<(SortColumn, bool)>,
    /// The generation on screen: count and rows together.
    shown: RwSignal<Generation>,
    /// Pages of the shown generation asked for and not answered yet.
    in_flight: RwSignal<BTreeSet<usize>>,
    /// The facet counts of the latest query; they follow its count and first page.
    facets: RwSignal<Vec<FacetCounts>>,
    error: RwSignal<Option<String>>,
    /// A row the keyboard moved to before its page had arrived; selected when it does.
    wanted: RwSignal<Option<usize>>,
    /// The latest query asked for: answers to any other are dropped. While it is not the shown
    /// generation's, the previous generation stays on screen and asks for no pages.
    asked: StoredValue<u64>,
    /// The filter and sort last asked ahead ([`ListState::ask_ahead`]) since the list last
    /// started over: not asked again (a press after the pointer rested would replace answers
    /// already in with the same ones still to come).
    ahead: StoredValue<Option<(FlagFilter, (SortColumn, bool))>>,
}

impl ListState {
    fn new() -> Self {
        let preset = Preset::Pending;
        ListState {
            filter: RwSignal::new(preset.filter()),
            sort: RwSignal::new(preset.sort()),
            shown: RwSignal::new(Generation::new(0, None, SparsePages::new(PAGE))),
            in_flight: RwSignal::new(BTreeSet::new()),
            facets: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            wanted: RwSignal::new(None),
            asked: StoredValue::new(0),
            ahead: StoredValue::new(None),
        }
    }

    fn apply(&self, preset: Preset) {
        self.filter.set(preset.filter());
        self.sort.set(preset.sort());
    }

    /// Rows in the list: the count once known, until then as far as the loaded pages reach.
    fn len(&self) -> usize {
        self.shown.with(Generation::len)
    }

    fn len_untracked(&self) -> usize {
        untrack(|| self.len())
    }

    fn row_id(&self, index: usize) -> Option<i64> {
        self.shown.with_untracked(|g| g.pages.get(index).map(|r| r.id))
    }

    /// The page query for the current filter and sort.
    fn page_query(&self) -> FlagPageQuery {
        FlagPageQuery::first(self.filter.get_untracked(), self.sort.get_untracked(), PAGE)
    }

    /// Asks the layer ahead for what a change to `filter` and `sort` reads first, the questions
    /// [`ListState::restart`] asks before the table is drawn: the count and the first page
    /// (`FlagLayer::prefetch`). The click that makes the change then takes the answers, and
    /// with the page's rows held in the page (the row mirror) the table is drawn in the click's
    /// own task and painted in the frame after it; without them the worker's answers arrive
    /// only after that frame (Chromium defers other tasks to it after a click). Marks
    /// `flagdeck:flags-ahead` once the question has ended (whatever the layer kept). Nothing
    /// without a layer, for the list's own filter and sort, or for a change already asked ahead
    /// since the list last started over.
    fn ask_ahead(self, open: Option<Shared>, filter: FlagFilter, sort: (SortColumn, bool)) {
        let Some(open) = open else { return };
        let Some(layer) = open.layer.clone() else { return };
        let change = Some((filter.clone(), sort));
        let own = self.filter.get_untracked() == filter && self.sort.get_untracked() == sort;
        if own || self.ahead.with_value(|a| *a == change) {
            return;
        }
        self.ahead.set_value(change);
        let first = FlagPageQuery::first(filter.clone(), sort, PAGE).at_page(0, None);
        spawn_local(async move {
            layer.prefetch(&open.db, vec![Request::Count(filter), Request::Page(first)]).await;
            mark("flagdeck:flags-ahead");
        });
    }

    /// What a click on the control an event is on would change the list to, with a key naming
    /// that control: a preset button's filter and sort (its `data-preset`), or the filter with a
    /// facet value ticked or unticked (its `data-facet` and `data-value`).
    fn change_under(self, e: &web_sys::Event) -> Option<(String, FlagFilter, (SortColumn, bool))> {
        if let Some(button) = closest(e, "button[data-preset]") {
            let name = button.get_attribute("data-preset")?;
            let preset = Preset::ALL.into_iter().find(|p| p.name() == name)?;
            return Some((name, preset.filter(), preset.sort()));
        }
        let value = closest(e, "[data-facet][data-value]")?;
        let (label, v) = (value.get_attribute("data-facet")?, value.get_attribute("data-value")?);
        let facet = SHOWN_FACETS.into_iter().find(|f| f.label() == label)?;
        let mut filter = self.filter.get_untracked();
        filter.toggle(facet, &v);
        Some((format!("{label}={v}"), filter, self.sort.get_untracked()))
    }

    /// Starts a new generation: count, first page and facets for the current filter and sort.
    /// The count is asked first and the first page right behind it, before the facets: the
    /// worker answers in order, and the table needs the count (its height) and the page.
    fn restart(self, open: Option<Shared>) {
        mark("flagdeck:flags-start");
        self.ahead.set_value(None);
        let epoch = self.asked.get_value() + 1;
        self.asked.set_value(epoch);
        self.in_flight.set(BTreeSet::new());
        self.wanted.set(None);
        self.error.set(None);
        let Some(open) = open else { return };
        let filter = self.filter.get_untracked();
        let (count_tx, count_rx) = futures_channel::oneshot::channel();
        {
            let (open, filter) = (open.clone(), filter.clone());
            spawn_local(async move {
                let _ = count_tx.send(count_flags(&open, &filter).await);
            });
        }
        let query = self.page_query().at_page(0, None);
        let first = open.clone();
        // The facet counts are drawn in the frame after the table's: both in one frame would
        // hold the first page back by the facets' drawing.
        let (painted_tx, painted_rx) = futures_channel::oneshot::channel::<()>();
        let (shown_tx, shown_rx) = futures_channel::oneshot::channel::<()>();
        spawn_local(async move {
            let rows = page_rows(&first, &query).await;
            let total = count_rx.await.unwrap_or_else(|_| Err("the count was dropped".to_owned()));
            if self.asked.try_get_value() != Some(epoch) {
                return;
            }
            match total.and_then(|total| rows.map(|rows| (total, rows))) {
                Ok((total, rows)) => {
                    let mut pages = SparsePages::new(PAGE);
                    pages.insert(0, rows);
                    self.shown.set(Generation::new(epoch, total, pages));
                    let _ = shown_tx.send(());
                    after_paint(|| {
                        mark("flagdeck:flags-shown");
                        measure("flagdeck:flags", "flagdeck:flags-start");
                        let _ = painted_tx.send(());
                    });
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
        self.load_facets(open.clone(), filter, epoch, painted_rx);
        self.load_order(open, epoch, shown_rx);
    }

    /// The whole order of generation `epoch` from the layer, asked behind the count, the first
    /// page and the facets (the worker answers in order), and kept once the generation is
    /// shown (`shown` resolves then, or is dropped when it never will be). An order whose
    /// length is not the generation's count, or that puts a loaded row elsewhere (a write
    /// between the answers), is not kept.
    fn load_order(self, open: Shared, epoch: u64, shown: futures_channel::oneshot::Receiver<()>) {
        let Some(layer) = open.layer.clone() else { return };
        let query = self.page_query();
        spawn_local(async move {
            // Asked once the generation is shown and still the one asked for: a query left
            // behind (a quick run of facet ticks) walks no order.
            if shown.await.is_err() || self.asked.try_get_value() != Some(epoch) {
                return;
            }
            let Some(order) = layer.order(&open.db, &query).await else { return };
            self.shown.update(|g| {
                // Every row loaded stands where the order puts it (a write between the answers
                // that moved one: not kept; the list is read again when that write is known).
                let agrees = g.pages.loaded().all(|p| {
                    (p * PAGE..(p + 1) * PAGE)
                        .map_while(|i| g.pages.get(i).map(|r| (i, r.id)))
                        .all(|(i, id)| order.value.get(i) == Some(&id))
                });
                if g.epoch == epoch && g.total == Some(order.value.len() as i64) && agrees {
                    g.order = Some(Arc::new(order));
                }
            });
        });
    }

    /// Takes pages `pages` of the shown generation from the rows held in the page, where its
    /// order is known and every row of a page is held; returns the pages taken. Each gets its
    /// `flagdeck:page` measure (asked → painted), and `flagdeck:page-mirror` counts them.
    fn take_mirrored(self, open: &Shared, pages: &[usize]) -> Vec<usize> {
        let Some(layer) = open.layer.as_ref() else { return Vec::new() };
        let epoch = self.asked.get_value();
        let Some(order) = self.shown.with_untracked(|g| g.order.clone().filter(|_| g.epoch == epoch)) else {
            return Vec::new();
        };
        let mut taken = Vec::new();
        for &page in pages {
            let start = page * PAGE;
            if start >= order.value.len() {
                continue;
            }
            let ids = &order.value[start..(start + PAGE).min(order.value.len())];
            if let Some(rows) = layer.mirrored(&open.db, ids, order.at) {
                taken.push((page, rows));
            }
        }
        if taken.is_empty() {
            return Vec::new();
        }
        let mut marks = Vec::new();
        for (page, _) in &taken {
            let start = format!("flagdeck:page-start:{epoch}:{page}");
            mark(&start);
            mark("flagdeck:page-mirror");
            marks.push(start);
        }
        let pages: Vec<usize> = taken.iter().map(|(p, _)| *p).collect();
        self.shown.update(|g| {
            for (page, rows) in taken {
                g.pages.insert(page, rows);
                g.mirrored.insert(page);
            }
        });
        for start in marks {
            measure_when_painted("flagdeck:page", start);
        }
        pages
    }

    /// The facet counts of generation `epoch`, dropped if another query was asked meanwhile.
    /// `table_painted` resolves once this generation's first page is on screen (or is dropped
    /// when it never will be); the counts are set after it.
    fn load_facets(
        self,
        open: Shared,
        filter: FlagFilter,
        epoch: u64,
        table_painted: futures_channel::oneshot::Receiver<()>,
    ) {
        spawn_local(async move {
            let counts = facet_values(&open, &filter).await;
            let _ = table_painted.await;
            if self.asked.try_get_value() != Some(epoch) {
                return;
            }
            match counts {
                Ok(counts) => {
                    let shown = SHOWN_FACETS.into_iter().zip(counts);
                    self.facets.set(
                        shown
                            .map(|(facet, values)| {
                                (facet, values.into_iter().map(|(v, n)| (v.display(), n)).collect())
                            })
                            .collect(),
                    );
                    after_paint(|| measure("flagdeck:facets", "flagdeck:flags-start"));
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }

    /// Asks for page `page` of the shown generation unless it is loaded or already asked for:
    /// right after the last row of the page before when that one is loaded (keyset), otherwise
    /// by OFFSET.
    fn fetch(self, open: Shared, page: usize) {
        let epoch = self.asked.get_value();
        let (pending, loaded, previous) = self.shown.with_untracked(|g| {
            (
                g.epoch != epoch,
                g.pages.contains(page),
                g.pages
                    .last_before(page)
                    .filter(|_| !g.mirrored.contains(&page.wrapping_sub(1)))
                    .map(|r| Cursor { key: r.sort_key.clone(), id: r.id }),
            )
        });
        if pending || loaded || self.in_flight.with_untracked(|f| f.contains(&page)) {
            return;
        }
        self.in_flight.update(|f| {
            f.insert(page);
        });
        let query = self.page_query().at_page(page, previous);
        // One mark per request: several pages may be on their way at once.
        let start = format!("flagdeck:page-start:{epoch}:{page}");
        mark(&start);
        spawn_local(async move {
            let result = page_rows(&open, &query).await;
            if self.asked.try_get_value() != Some(epoch) {
                clear_mark(&start);
                return;
            }
            self.in_flight.update(|f| {
                f.remove(&page);
            });
            match result {
                // Its rows carry their sort keys: the page after it may be asked by keyset.
                Ok(rows) => self.shown.update(|g| {
                    g.pages.insert(page, rows);
                    g.mirrored.remove(&page);
                }),
                Err(e) => {
                    clear_mark(&start);
                    self.error.set(Some(e));
                    return;
                }
            }
            measure_when_painted("flagdeck:page", start);
        });
    }

    /// Takes the pages of `rows` that are not loaded (and the pages around them) from the rows
    /// held in the page where it can ([`ListState::take_mirrored`]), then asks for the others that
    /// are not on their way, as many as may be in flight. Nothing after an error: asking again
    /// would fail again, in a loop.
    fn cover(self, db: OpenDb, rows: std::ops::Range<usize>) {
        if self.error.with(Option::is_some) {
            return;
        }
        let Some(open) = db.get() else { return };
        let Some((missing, around)) = self.shown.with(|g| {
            let total = g.total.filter(|_| g.epoch == self.asked.get_value())?.max(0) as usize;
            // The pages just before and after the view, for scrolling on.
            Some((g.pages.missing(rows.clone(), total), g.pages.around(rows, total)))
        }) else {
            return;
        };
        // Pages the rows held in the page give at once: drawn in this frame, nothing asked.
        let mirrored = self.take_mirrored(&open, &[missing.as_slice(), around.as_slice()].concat());
        let missing: Vec<usize> = missing.into_iter().filter(|p| !mirrored.contains(p)).collect();
        let around: Vec<usize> = around.into_iter().filter(|p| !mirrored.contains(p)).collect();
        let in_flight = self.in_flight.get();
        let free = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        // With the view's rows all there and pages costing milliseconds (the layer answers), the
        // neighbouring pages are read ahead: scrolling on finds its rows loaded.
        let ahead = missing.is_empty() && open.layer.as_ref().is_some_and(|l| l.answering());
        let wanted = if ahead { around } else { missing };
        for page in wanted.into_iter().filter(|p| !in_flight.contains(p)).take(free) {
            self.fetch(open.clone(), page);
        }
    }
}

/// Flags chosen for a bulk action.
#[derive(Clone, Copy)]
struct Chosen(RwSignal<Vec<i64>>);

impl Chosen {
    fn toggle(&self, id: i64) {
        self.0.update(|c| match c.iter().position(|x| *x == id) {
            Some(i) => {
                c.remove(i);
            }
            None => c.push(id),
        })
    }

    fn clear(&self) {
        self.0.set(Vec::new());
    }
}

/// What the parts of the flags page share: the list, the table's scroll position, the form,
/// the flags chosen for a bulk action, the help and the text box the keyboard focuses.
#[derive(Clone, Copy)]
struct Page {
    app: AppState,
    db: OpenDb,
    selected: Signal<Option<i64>>,
    list: ListState,
    form: FormRequest,
    chosen: Chosen,
    help: RwSignal<bool>,
    scroll_top: RwSignal<f64>,
    scroller: NodeRef<leptos::html::Div>,
    text_box: NodeRef<leptos::html::Input>,
}

impl Page {
    fn new() -> Self {
        Page {
            app: expect_context::<AppState>(),
            db: expect_context::<OpenDb>(),
            selected: expect_context::<Nav>().selected_flag(),
            list: ListState::new(),
            form: FormRequest::new(),
            chosen: Chosen(RwSignal::new(Vec::new())),
            help: RwSignal::new(false),
            scroll_top: RwSignal::new(0.0),
            scroller: NodeRef::new(),
            text_box: NodeRef::new(),
        }
    }

    /// Opens the form for a new flag.
    fn new_flag(self) {
        self.app.go(View::Flags);
        self.form.create(None);
    }

    /// Opens the form on every field of flag `id`, read fresh so it starts from what is stored
    /// (texts too long for a text box as their start: see `FORM_INLINE_CHARS`).
    fn edit_flag(self, id: i64) {
        let Some(open) = self.db.get() else { return };
        let (app, form) = (self.app, self.form);
        spawn_local(async move {
            match flag_detail_preview(&open.db, id, FORM_INLINE_CHARS).await {
                Ok(Some(detail)) => form.edit(detail),
                Ok(None) => app.alert(format!("There is no flag #{id} in this file.")),
                Err(e) => app.alert(format!("Flag #{id} could not be read: {e}")),
            }
        });
    }

    /// The same change to every chosen flag, in one step; the choice is cleared once it is done.
    fn bulk(self, label: &str, values: Vec<(&'static str, Value)>) {
        let ids = self.chosen.0.get_untracked();
        let label = format!("{label} {} flag{}", ids.len(), if ids.len() == 1 { "" } else { "s" });
        let chosen = self.chosen;
        self.app.bulk_edit(label, ids, values, move |ok| {
            if ok {
                chosen.clear();
            }
        });
    }

    /// Scrolls row `index` into view (to the middle) unless it is in view.
    fn scroll_to(self, index: usize) {
        let Some(el) = self.scroller.get_untracked() else { return };
        let (row_height, total) = (FLAG_TABLE.row_height, self.list.len_untracked());
        let (scroll, height) = (el.scroll_top() as f64, el.client_height() as f64);
        let top = FLAG_TABLE.row_top(index, scroll, total);
        if top < scroll || top + row_height > scroll + height {
            // The row in the middle of the view.
            let half = (height / 2.0 / row_height) as usize;
            el.set_scroll_top(FLAG_TABLE.scroll_top_for(index.saturating_sub(half), total) as i32);
        }
    }

    /// Selects row `index`; if its page has not arrived, once it does (scrolling there asks).
    fn move_to(self, index: usize) {
        let list = self.list;
        if index >= list.len_untracked() {
            return;
        }
        self.scroll_to(index);
        match list.row_id(index) {
            Some(id) => {
                list.wanted.set(None);
                self.app.go(View::Flag(id));
            }
            None => list.wanted.set(Some(index)),
        }
    }

    /// The effects of the page: a new query starts the list over, the rows shown ask for their
    /// pages, a row moved to by the keyboard is selected when its page arrives, opening a flag
    /// closes the form.
    fn run(self) {
        let (list, db) = (self.list, self.db);
        // Any change of filter or sort starts the list over at its first row; a change of the
        // data (an edit, undo) reloads it where it is.
        Effect::new(move |previous: Option<(FlagFilter, (SortColumn, bool))>| {
            let query = (list.filter.get(), list.sort.get());
            db.data_version().track();
            if previous.is_some_and(|p| p != query) {
                if let Some(el) = self.scroller.get_untracked() {
                    el.set_scroll_top(0);
                }
                self.scroll_top.set(0.0);
            }
            list.restart(db.get());
            query
        });
        // Ask for the pages the rendered rows need, whatever the position: a jump to the bottom
        // asks for the last page directly.
        Effect::new(move |_| list.cover(db, self.visible()));
        Effect::new(move |_| {
            let Some(index) = list.wanted.get() else { return };
            if let Some(id) = list.shown.with(|g| g.pages.get(index).map(|r| r.id)) {
                list.wanted.set(None);
                self.app.go(View::Flag(id));
            }
        });
        Effect::new(move |_| {
            if self.selected.get().is_some() {
                self.form.close();
            }
        });
    }

    /// Positions of the rows the table renders at its scroll position.
    fn visible(self) -> std::ops::Range<usize> {
        FLAG_TABLE.rows(self.scroll_top.get(), self.list.len())
    }
}

/// The flags page: filters on the left, the virtual table, the detail of the selected flag.
#[component]
pub fn FlagsPage() -> impl IntoView {
    let page = Page::new();
    provide_context(page.form);
    page.run();
    use_flag_keys(page);
    let form = page.form;
    let selected = page.selected;
    view! {
        <section class="page flags-page">
            <div class="flags-layout">
                <Filters page=page />
                <div class="flags-main">
                    {move || page.help.get().then(|| view! { <KeyboardHelp /> })}
                    {move || (!page.chosen.0.with(Vec::is_empty)).then(|| view! { <BulkBar page=page /> })}
                    // The generation of the count and the rows shown, set in the same step as both.
                    // `data-order`: the generation's whole order is held, so pages of flags held
                    // in the page are drawn from memory.
                    <p
                        class="muted"
                        data-testid="flag-total"
                        data-generation=move || page.list.shown.with(|g| g.epoch)
                        data-order=move || page.list.shown.with(|g| g.order.is_some().then_some("held"))
                    >
                        {move || match page.list.shown.with(|g| g.total) {
                            Some(n) => format!("{n} flag{}", if n == 1 { "" } else { "s" }),
                            // At a million flags the layer takes seconds to build, once per open.
                            None if page.db.get().and_then(|o| o.layer.clone()).is_some_and(|l| l.building()) => {
                                "Indexing the flags for instant paging (once per open)…".to_owned()
                            }
                            None => "Counting…".to_owned(),
                        }}
                    </p>
                    {move || page.list.error.get().map(|e| view! { <p class="alert" role="alert">{format!("The flag list could not be read: {e}")}</p> })}
                    <FlagTable page=page />
                </div>
                {move || match (form.is_open(), selected.get()) {
                    (true, _) => Some(view! { <FlagForm /> }.into_any()),
                    (false, Some(id)) => Some(view! { <FlagDetailPanel id=id /> }.into_any()),
                    (false, None) => None,
                }}
            </div>
        </section>
    }
}

/// Keyboard triage: the whole list works without a mouse (see [`KeyboardHelp`]).
fn use_flag_keys(page: Page) {
    let keys = window_event_listener(leptos::ev::keydown, move |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        // Typing in a field is typing, not a shortcut.
        let typing = from_form_field(&e);
        if typing {
            if e.key() == "Escape" {
                blur_target(&e);
            }
            return;
        }
        if flag_key(page, &e.key()) {
            e.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());
}

/// Does what `key` does on the flags page; `false` for a key that does nothing here.
fn flag_key(page: Page, key: &str) -> bool {
    let (app, list) = (page.app, page.list);
    let index = page
        .selected
        .get_untracked()
        .and_then(|id| list.shown.with_untracked(|g| g.pages.position(|r| r.id == id)));
    let row = index.and_then(|i| list.shown.with_untracked(|g| g.pages.get(i).cloned()));
    let Some(action) = FlagAction::from_key(key) else { return false };
    // With editing off the forms stay closed, as their buttons are disabled; the reason is
    // said (a one-key write such as `l` is tried and refused in SQLite's words).
    if matches!(action, FlagAction::New | FlagAction::Edit) {
        if let Some(why) = super::flag_edit_off(app.db()) {
            app.alert(why);
            return true;
        }
    }
    match action {
        FlagAction::Next => page.move_to(index.map(|i| i + 1).unwrap_or(0)),
        FlagAction::Previous => page.move_to(index.map(|i| i.saturating_sub(1)).unwrap_or(0)),
        FlagAction::Complete => {
            if let Some(r) = row.filter(|r| action.applies_to(&r.status, r.locked)) {
                app.edit_flag(r.id, action.label(), edits::complete_values(&local_minute(), None, None));
            }
        }
        FlagAction::ToggleLock => {
            if let Some(r) = row {
                let label = FlagAction::lock_toggle(r.locked).label();
                app.edit_flag(r.id, label, edits::lock_values(!r.locked));
            }
        }
        FlagAction::Reopen => {
            if let Some(r) = row.filter(|r| action.applies_to(&r.status, r.locked)) {
                app.edit_flag(r.id, action.label(), edits::reopen_values());
            }
        }
        FlagAction::Undo => app.step(true),
        FlagAction::Redo => app.step(false),
        FlagAction::New => page.new_flag(),
        FlagAction::Edit => {
            if let Some(r) = row {
                page.edit_flag(r.id);
            }
        }
        FlagAction::Search => {
            if let Some(el) = page.text_box.get_untracked() {
                let _ = el.focus();
            }
        }
        FlagAction::Choose => {
            if let Some(r) = row {
                page.chosen.toggle(r.id);
            }
        }
        FlagAction::Help => page.help.update(|h| *h = !*h),
        FlagAction::Close => {
            if page.help.get_untracked() {
                page.help.set(false);
            } else {
                page.form.close();
                app.go(View::Flags);
            }
        }
        // Buttons only: no key does them.
        FlagAction::Lock | FlagAction::Unlock | FlagAction::FollowUp | FlagAction::Ask => return false,
    }
    true
}

/// The filters: new flag, presets, export, text, locked, and one box of values per facet.
#[component]
fn Filters(page: Page) -> impl IntoView {
    let (app, list, db) = (page.app, page.list, page.db);
    let off = super::flag_edit_off(app.db());
    // A preset or facet value the pointer rests on (or the keyboard focuses) is asked ahead,
    // at once when pressed (ListState::ask_ahead).
    let intent = Intent::new();
    let rest = move |e: web_sys::Event| match list.change_under(&e) {
        Some((key, filter, sort)) => intent.rest(&key, move || list.ask_ahead(db.get(), filter, sort)),
        None => intent.leave(),
    };
    view! {
        <aside
            class="filters"
            aria-label="Filters"
            on:pointerover=move |e| rest(e.into())
            on:focusin=move |e| rest(e.into())
            on:pointerleave=move |_| intent.leave()
            on:pointerdown=move |e| {
                intent.leave();
                if let Some((_, filter, sort)) = list.change_under(&e) {
                    list.ask_ahead(db.get(), filter, sort);
                }
            }
        >
            <button class="button primary" data-testid="new-flag" disabled=off.is_some() title=off on:click=move |_| page.new_flag()>
                "New flag"
            </button>
            <div class="presets">
                <button class="button" data-testid=Preset::Pending.test_id() data-preset=Preset::Pending.name() on:click=move |_| list.apply(Preset::Pending)>
                    "Pending (tool order)"
                </button>
                <button class="button" data-testid=Preset::Workable.test_id() data-preset=Preset::Workable.name() on:click=move |_| list.apply(Preset::Workable)>
                    "Workable"
                </button>
                <button class="button" data-testid=Preset::All.test_id() data-preset=Preset::All.name() on:click=move |_| list.apply(Preset::All)>
                    "All flags"
                </button>
            </div>
            <div class="presets" title="The flags of the current filter, in the list's order, every column">
                <button class="button" data-testid="export-csv" title="Plain UTF-8, for programs and most tools"
                    on:click=move |_| export_filtered(app, list, ExportFormat::Csv)>{format!("Export {}", ExportFormat::Csv.label())}</button>
                <button class="button" data-testid="export-csv-bom" title="UTF-8 with a byte-order mark, so Excel on Windows reads accents, CJK, Arabic and emoji right"
                    on:click=move |_| export_filtered(app, list, ExportFormat::CsvExcel)>{format!("Export {}", ExportFormat::CsvExcel.label())}</button>
                <button class="button" data-testid="export-json"
                    title="One object per flag; NULL as null, numbers as numbers, text (and BLOBs holding text) as strings, other BLOBs as {\"$blob\": \"<hex>\"}"
                    on:click=move |_| export_filtered(app, list, ExportFormat::Json)>"Export JSON"</button>
            </div>
            <input
                node_ref=page.text_box
                type="search"
                class="search"
                placeholder="Text in description, action, files, location, notes"
                data-testid="flag-text"
                on:change=move |e| list.filter.update(|f| f.set_text(&event_target_value(&e)))
            />
            <label class="locked-filter">
                "Locked "
                <select data-testid="filter-locked" on:change=move |e| {
                    let v = event_target_value(&e);
                    list.filter.update(|f| f.locked = match v.as_str() { "1" => Some(true), "0" => Some(false), _ => None });
                }>
                    <option value="">"any"</option>
                    <option value="0">"unlocked"</option>
                    <option value="1">"locked"</option>
                </select>
            </label>
            // One fieldset per facet, built once.
            {SHOWN_FACETS.into_iter().map(|facet| view! { <FacetBox list=list facet=facet /> }).collect_view()}
        </aside>
    }
}

/// The values of one facet with their counts; ticking one filters on it. A keyed list, so a
/// filter change repaints only the values whose count changed.
#[component]
fn FacetBox(list: ListState, facet: Facet) -> impl IntoView {
    let label = facet.label();
    let values = move || {
        list.facets.with(|all| {
            all.iter()
                .find(|(f, _)| *f == facet)
                .map(|(_, v)| v.iter().take(40).cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <fieldset class="facet" class:empty=move || values().is_empty()>
            <legend>{label}</legend>
            <For each=values key=|(value, count)| (value.clone(), *count) let:item>
                {
                    let (value, count) = item;
                    let checked = {
                        let value = value.clone();
                        move || list.filter.with(|f| f.has_value(facet, &value))
                    };
                    let toggle = value.clone();
                    view! {
                        <label class="facet-value" data-testid="facet-value" data-facet=label data-value=value.clone()>
                            <input type="checkbox" prop:checked=checked on:change=move |_| {
                                list.filter.update(|f| f.toggle(facet, &toggle));
                            } />
                            <span class="facet-name">{if value.is_empty() { "(empty)".to_owned() } else { value.clone() }}</span>
                            <span class="facet-count">{count}</span>
                        </label>
                    }
                }
            </For>
        </fieldset>
    }
}

/// The keyboard shortcuts, shown with `?`.
#[component]
fn KeyboardHelp() -> impl IntoView {
    view! {
        <div class="shortcuts" data-testid="shortcuts-help" role="dialog" aria-label="Keyboard shortcuts">
            <h2>"Keyboard"</h2>
            <dl class="fields">
                {FlagAction::keyboard().map(|action| {
                    let captions = action.key_captions();
                    let last = captions.len().saturating_sub(1);
                    view! {
                        <dt>{captions.into_iter().enumerate().map(|(i, k)| view! {
                            <kbd>{k}</kbd>{(i < last).then_some(" / ")}
                        }).collect_view()}</dt>
                        <dd>{action.help()}</dd>
                    }
                }).collect_view()}
            </dl>
        </div>
    }
}

/// The actions on the chosen flags, one step each, all or nothing.
#[component]
fn BulkBar(page: Page) -> impl IntoView {
    let chosen = page.chosen;
    let retarget = RwSignal::new(String::new());
    let off = super::flag_edit_off(page.app.db());
    view! {
        <div class="bulk-bar" data-testid="bulk-bar">
            <strong data-testid="bulk-count">{move || chosen.0.with(Vec::len)}</strong>
            " chosen · one step, all or nothing:"
            <fieldset class="bare" disabled=off.is_some() title=off>
            <button class="button" data-testid="bulk-complete" on:click=move |_| page.bulk(FlagAction::Complete.label(), edits::complete_values(&local_minute(), None, None))>"Complete"</button>
            <button class="button" data-testid="bulk-lock" on:click=move |_| page.bulk(FlagAction::Lock.label(), edits::lock_values(true))>"Lock"</button>
            <button class="button" data-testid="bulk-unlock" on:click=move |_| page.bulk(FlagAction::Unlock.label(), edits::lock_values(false))>"Unlock"</button>
            <input class="small" placeholder="new target" data-testid="bulk-target" on:input=move |e| retarget.set(event_target_value(&e)) />
            <button class="button" data-testid="bulk-retarget" on:click=move |_| {
                let target = with_at(&retarget.get_untracked());
                page.bulk("retarget", vec![("target_agent", Value::from(target))]);
            }>"Retarget"</button>
            </fieldset>
            <button class="link" on:click=move |_| chosen.clear()>"clear"</button>
        </div>
    }
}

/// The sortable header and the virtual table: only the rows of the scroll position are in the
/// page; an element whose row has not arrived keeps what it showed (see [`ListRow`]).
///
/// Row recycling: the table keeps [`Viewport::slots`](flagdeck_core::paging::Viewport::slots)
/// row elements and never creates one while scrolling; each shows the row
/// [`Viewport::slot_row`](flagdeck_core::paging::Viewport::slot_row) gives it. A scroll keeps
/// every row still in the window where it is and rewrites only the cells of the rows coming in
/// (a page down: the 17 rows of the view, not 37 new elements of ~15 nodes each).
#[component]
fn FlagTable(page: Page) -> impl IntoView {
    let list = page.list;
    // Capped for a list taller than browsers lay out (`paging::MAX_SPACE`): rows are then drawn
    // where the view is, so their places follow the scroll position.
    let height = move || css_px(FLAG_TABLE.space_height(list.len()));
    // View first, overscan next (see `widgets::drawn`).
    let drawn = use_drawn_rows(
        FLAG_TABLE,
        page.scroll_top.into(),
        Signal::derive(move || list.len()),
        Signal::derive(move || list.shown.with(|g| g.epoch)),
        move |view| list.shown.with(|g| g.pages.holds(view)),
    );
    let space = NodeRef::<leptos::html::Div>::new();
    let drawn_ids = StoredValue::new(Vec::new());
    write_rows(page, drawn, space, drawn_ids);
    view! {
        <div class="flag-head">
            <SortHeader list=list column=SortColumn::Id />
            <SortHeader list=list column=SortColumn::Impact />
            <SortHeader list=list column=SortColumn::FlagType />
            <SortHeader list=list column=SortColumn::Source />
            <SortHeader list=list column=SortColumn::Target />
            <span class="th change-col">{FlagColumn::ChangeDescription.label()}</span>
            <SortHeader list=list column=SortColumn::Status />
            <SortHeader list=list column=SortColumn::CreatedAt />
        </div>
        <div
            node_ref=page.scroller
            class="flag-scroll"
            data-testid="flag-scroll"
            style=format!("height:{}px", FLAG_TABLE.height)
            on:scroll=move |e| {
                let el = event_target::<web_sys::Element>(&e);
                let top = el.scroll_top() as f64;
                // The pages the new window needs, taken from the rows held in the page before
                // the position is set: the rows and the position change in one reactive step,
                // so each row element is worked out and written once in the scroll's frame.
                untrack(|| list.cover(page.db, FLAG_TABLE.rows(top, list.len())));
                page.scroll_top.set(top);
            }
        >
            <div class="flag-space" style:height=height node_ref=space>
                // Fixed elements, never moved: a jump or a page down rewrites them in place.
                // Their order in the page is the list's rotated (element k holds the row whose
                // position is k modulo their count), so Tab leaves the rows at the wrap once
                // every 37 rows; moving the elements that wrapped around to keep the list's
                // order cost 5–10 ms a jump (a moved element is laid out from scratch). The
                // list's own keys (j/k, x) go down it in its order.
                {(0..FLAG_TABLE.slots())
                    .map(|element| view! { <ListRow page=page element=element drawn_ids=drawn_ids /> })
                    .collect_view()}
            </div>
        </div>
    }
}

/// A column header: sorts by its column, again to reverse.
#[component]
fn SortHeader(list: ListState, column: SortColumn) -> impl IntoView {
    let label = column.column().label();
    let set_sort = move |_| {
        list.sort.update(|(c, desc)| {
            if *c == column {
                *desc = !*desc;
            } else {
                *c = column;
                *desc = false;
            }
        })
    };
    view! {
        <button class="th" on:click=set_sort>
            {label}
            {move || {
                let (c, desc) = list.sort.get();
                (c == column).then_some(if desc { " ▼" } else { " ▲" })
            }}
        </button>
    }
}

/// What one row element of the table shows: row `index` of the list, loaded or not.
#[derive(Clone, PartialEq)]
struct Slot {
    index: usize,
    /// The generation it belongs to ([`Generation::epoch`]).
    epoch: u64,
    /// `None` while its page has not arrived (a placeholder).
    row: Option<FlagRow>,
    /// A row the element showed before, kept while the row it now stands for has not arrived.
    stale: bool,
}

/// One row element of the table, bound to its DOM, and what it was last worked out to show.
///
/// Per element: its row among those drawn now; while that row's page has not arrived, the row
/// of this query it showed before, untouched (in a list that is not capped), else a
/// placeholder (hidden in a capped list); as it was while its row waits for a later frame
/// ([`SlotState::Later`]), hidden only where what it holds could mislead (see
/// [`RowElement::update`]); hidden when the list is too short to reach it. Its cells follow the
/// row it shows and are rewritten only when that row changes.
struct RowElement {
    el: web_sys::HtmlElement,
    frame: RowFrameDom,
    cells: RowCellsDom,
    /// The row it stands for ([`Slot`]), `None` when the list does not reach it.
    shows: Option<Slot>,
    /// What it draws: the last loaded row it showed, with its position.
    content: Option<(usize, FlagRow)>,
    /// Its `top` (px from the top of the space), `None` before it has drawn a row.
    top: Option<f64>,
}

impl RowElement {
    /// Binds to a `ListRow` element; `None` (warned of in the console) when its structure lacks
    /// a cell or its checkbox (a markup changed without `cells`: a bug).
    fn bind(el: web_sys::Element) -> Option<RowElement> {
        let (Some(frame), Some(cells)) = (RowFrameDom::bind(&el), RowCellsDom::bind(&el)) else {
            warn("flag list: a row element lacks its checkbox or one of its cells; the row is not drawn");
            return None;
        };
        Some(RowElement { el: el.unchecked_into(), frame, cells, shows: None, content: None, top: None })
    }

    /// Works out what the element shows now and writes what changed: `slot` is its place among
    /// the rows drawn, `shown` the generation on screen, `capped` whether the list's places
    /// follow the scroll position (`scroll` px), `selected` and `chosen` the flag open in the
    /// detail and the flags chosen for a bulk action. Returns the flag it draws (what a click
    /// and its checkbox act on).
    fn update(
        &mut self,
        slot: SlotState,
        shown: &Generation,
        capped: bool,
        scroll: f64,
        selected: Option<i64>,
        chosen: &[i64],
    ) -> Option<i64> {
        let later = slot == SlotState::Later;
        match slot {
            SlotState::Row(index) => {
                let row = shown.pages.get(index);
                let same = self.shows.as_ref().is_some_and(|s| {
                    s.index == index && s.epoch == shown.epoch && !s.stale && s.row.as_ref() == row
                });
                if !same {
                    self.shows = match (row, self.shows.take()) {
                        // Its page has not arrived: the element keeps the row of this query it
                        // showed, where it was (out of the window), and nothing of it changes
                        // until it does. Not in a capped list, whose places follow the scroll
                        // position: a place kept from before the scroll can lie in the view there.
                        (None, Some(before))
                            if before.epoch == shown.epoch && before.row.is_some() && !capped =>
                        {
                            Some(Slot { stale: true, ..before })
                        }
                        (row, _) => Some(Slot { index, epoch: shown.epoch, row: row.cloned(), stale: false }),
                    };
                }
            }
            SlotState::Later => {}
            SlotState::Gone => self.shows = None,
        }
        // What the element draws, and where: the last loaded row it showed, with its position.
        // A placeholder leaves the element as it was, out of the window, and is drawn as the
        // space's empty row lines: a jump changes no cell, class or place until its rows
        // arrive, then rewrites each element once.
        if let Some((index, row)) = self.shows.as_ref().and_then(|s| s.row.as_ref().map(|r| (s.index, r))) {
            if self.content.as_ref().map(|(i, r)| (*i, r)) != Some((index, row)) {
                self.cells.write(row);
                self.content = Some((index, row.clone()));
            }
        }
        let drawn = self.content.as_ref().map(|(_, r)| r.id);
        // Where the element is drawn: its row's place. An element waiting for another row stays
        // where it was: in a capped list the old row's place at the new position could lie far
        // outside the space.
        let waiting_for = self.shows.as_ref().filter(|s| !s.stale).map(|s| s.index);
        let len = shown.len();
        let top = match self.content.as_ref().map(|(i, _)| *i) {
            Some(i) if waiting_for == Some(i) => {
                Some(FLAG_TABLE.row_top(i, if capped { scroll } else { 0.0 }, len))
            }
            Some(_) => self.top,
            None => None,
        };
        if top != self.top {
            let style = self.el.style();
            let _ = match top {
                Some(px) => style.set_property("top", &css_px(px)),
                None => style.remove_property("top").map(|_| ()),
            };
            self.top = top;
        }
        let (gone, placeholder, row) = match &self.shows {
            None => (true, false, None),
            Some(s) => (false, s.row.is_none(), Some((s.index, s.row.as_ref().map(|r| r.id)))),
        };
        // Waiting for a later frame, it stays as it is when it draws a row of this query at that
        // row's own place (its own row, not a placeholder) out of the view: the view's rows have
        // elements of their own, and in a capped list (places follow the scroll position) that
        // place must lie out of the view and within the space. It is then a row of the window
        // as one of the overscan is; hiding it and showing it again a frame later cost the
        // scroll's frame its layout objects (~1 ms a jump, interleaved probe). Otherwise it is
        // hidden and unnamed (no test id, flag id or position): it may hold another query's
        // row, a placeholder, or nothing placed yet (it would stand at the space's top).
        let (row_height, space) = (FLAG_TABLE.row_height, FLAG_TABLE.space_height(len));
        let aside = |y: f64| {
            y >= 0.0
                && y + row_height <= space
                && (y + row_height <= scroll || y >= scroll + FLAG_TABLE.height)
        };
        let kept = match (&self.shows, &self.content) {
            (Some(s), Some((index, _))) => {
                s.epoch == shown.epoch
                    && s.row.is_some()
                    && *index == s.index
                    && self.top.is_some_and(|y| !capped || aside(y))
            }
            _ => false,
        };
        let hidden = later && !kept;
        let named = row.filter(|_| !hidden);
        self.frame.write(RowFrame {
            // In a capped list an element waiting for its row is hidden: its place, kept from
            // before the scroll, can lie in the view.
            gone: hidden || gone || (placeholder && capped),
            placeholder,
            selected: drawn.is_some() && selected == drawn,
            testid: named.map(|(_, id)| if id.is_some() { "flag-row" } else { "flag-placeholder" }),
            flag_id: named.and_then(|(_, id)| id),
            index: named.map(|(index, _)| index),
            drawn,
            checked: drawn.is_some_and(|id| chosen.contains(&id)),
        });
        drawn
    }
}

/// The table's row elements written in place by one effect: at each change of the rows drawn,
/// the loaded pages, the selection or the flags chosen, every element works out what it shows
/// ([`RowElement::update`]) and writes what changed. One effect for the table rather than a
/// few reactive nodes per element: a scroll step then updates one node, not ~300 (issue 15's
/// page goal). `drawn_ids` receives the flag each element draws, for its click handlers.
fn write_rows(
    page: Page,
    drawn: DrawnRows,
    space: NodeRef<leptos::html::Div>,
    drawn_ids: StoredValue<Vec<Option<i64>>>,
) {
    let (list, selected, chosen) = (page.list, page.selected, page.chosen);
    // Each bound element with its number (`0..slots`): one that failed to bind (warned of) leaves
    // the others showing their own rows.
    Effect::new(move |elements: Option<Vec<(usize, RowElement)>>| {
        let mut elements = elements.filter(|e| !e.is_empty()).unwrap_or_else(|| {
            let Some(space) = space.get() else { return Vec::new() };
            let rows = space.children();
            (0..rows.length()).filter_map(|k| Some((k as usize, RowElement::bind(rows.item(k)?)?))).collect()
        });
        if elements.is_empty() {
            return elements;
        }
        let slots: Vec<SlotState> = elements.iter().map(|(k, _)| drawn.slot(*k)).collect();
        let selected = selected.get();
        let scroll = page.scroll_top.get_untracked();
        list.shown.with(|g| {
            let capped = FLAG_TABLE.capped(g.len());
            // Only a capped list's places follow the scroll position.
            let scroll = if capped { page.scroll_top.get() } else { scroll };
            chosen.0.with(|chosen| {
                let mut ids = vec![None; FLAG_TABLE.slots()];
                for ((k, e), slot) in elements.iter_mut().zip(slots) {
                    if let Some(id) = ids.get_mut(*k) {
                        *id = e.update(slot, g, capped, scroll, selected, chosen);
                    }
                }
                drawn_ids.set_value(ids);
            });
        });
        elements
    });
}

/// Row element `element` of the table (see [`FlagTable`]): its markup and click handlers; what
/// it shows is written by [`write_rows`]. A click opens the flag it draws (`drawn_ids`), its
/// checkbox chooses it.
#[component]
fn ListRow(page: Page, element: usize, drawn_ids: StoredValue<Vec<Option<i64>>>) -> impl IntoView {
    let (app, chosen) = (page.app, page.chosen);
    let drawn_id = move || drawn_ids.with_value(|ids| ids.get(element).copied().flatten());
    view! {
        <div
            // Hidden until its first frame is written.
            class="flag-row gone"
            on:click=move |_| {
                if let Some(id) = drawn_id() {
                    app.go(View::Flag(id));
                }
            }
        >
            <span class="td num">
                // Out of the Tab order while the element waits (aria-hidden then): see RowFrame.
                <input
                    type="checkbox"
                    data-testid="flag-select"
                    on:click=move |e| {
                        e.stop_propagation();
                        if let Some(id) = drawn_id() {
                            chosen.toggle(id);
                        }
                    }
                />
            </span>
            <span class="td"><span class="impact"></span></span>
            <span class="td"></span>
            <span class="td"></span>
            <span class="td"></span>
            <span class="td change-col"></span>
            <span class="td"></span>
            <span class="td muted"><span data-testid="flag-created"></span></span>
        </div>
    }
}

/// Downloads every column of the flags the filter keeps, in the list's order, as CSV (plain or
/// with a BOM for spreadsheets) or JSON. SQLite builds the file's text in the worker
/// (`table_export::export_text`), so a whole filter is converted off the page's thread and
/// arrives as one string.
fn export_filtered(app: AppState, list: ListState, format: ExportFormat) {
    let Some(open) = app.db().get() else { return };
    let (sort, descending) = list.sort.get_untracked();
    let columns = open.facts.tables.get("flags").cloned().unwrap_or_default();
    let export = list.filter.get_untracked().export_query(columns, sort, descending);
    spawn_local(async move {
        match export_text(&open.db, &export, format).await {
            Ok(text) => {
                let stem = open.name.trim_end_matches(".db").to_owned();
                let name = format!("{stem}-flags{}", format.file_suffix());
                if let Err(e) = download_text(&name, &text, format.mime()) {
                    app.alert(format!("The flags could not be exported: {e}"));
                }
            }
            Err(e) => app.alert(format!("The flags could not be read for export: {e}")),
        }
    });
}
