//! The quest list: a virtual table fed by pages that arrive in any order (keyset after a loaded
//! page, OFFSET for a jump), as the flag list; only the rows of the scroll position are in the
//! page, in a fixed set of recycled elements, empty where their page has not arrived. While
//! pages are cheap, the pages just before and after the view are read ahead, so scrolling on
//! finds its rows loaded and draws them in the frame of the scroll; then the rest of the list is
//! read in the background (a fill), so a jump anywhere finds its rows loaded too.

use leptos::prelude::*;

use crate::web::files::loader::Shared;
use crate::web::platform::browser::sleep_ms;
use crate::web::platform::perf::{after_paint, clear_mark, mark, measure, measure_when_painted};
use crate::web::quests::cards::row;
use crate::web::quests::page::{answer, ask, cards, QuestsState, PAGE, QUEST_TABLE};
use crate::web::widgets::drawn::{use_drawn_rows, SlotState};
use crate::web::widgets::html::{bind_html_keeping_focus, Html};
use flagdeck_core::paging::runs;
use flagdeck_core::quests::{keys, QuestCard, QuestSort};

/// Pages asked of the worker at once (see the flag list).
const MAX_IN_FLIGHT: usize = 2;

/// Pages one read of the background fill asks for (1000 rows): few enough that a page asked
/// for the view, which the worker answers after it, waits little (a keyset read through a key
/// table: ~4 ms a page in raw sql.js at 100k quests), many enough that the list fills in a
/// hundred reads at 100k quests.
const FILL_PAGES: usize = 5;

/// How long a query's rows are on screen before its fill begins: a person changing filters
/// one after another (each query read at once, the text boxes after [`super::page`]'s typing
/// pause) does not have the next query wait behind a fill read of the one just left.
const FILL_AFTER_MS: u32 = 400;

/// The rows a list fills itself with at most: a query keeping more reads only the pages of its
/// view and those around them, as before. The rows are held as the list's cards (`QuestCard`,
/// a few hundred bytes each in the page's memory: the README's derived-layer section gives
/// what 100k took).
const FILL_CAP_ROWS: usize = 250_000;

impl QuestsState {
    /// Asks for list pages `pages` (consecutive) of the shown generation in one read, unless one
    /// of them is loaded or on its way: right after the last row of the page before when that
    /// one is loaded (keyset), otherwise by OFFSET. One read of two pages walks the order once
    /// (an OFFSET read walks every row before its first), where two reads walked it twice.
    fn fetch(self, open: Shared, pages: std::ops::Range<usize>) {
        let epoch = self.asked.get_value();
        let (pending, loaded, previous) = self.shown.with_untracked(|g| {
            (
                g.epoch != epoch,
                pages.clone().any(|p| g.pages.contains(p)),
                g.pages.last_before(pages.start).map(QuestCard::cursor),
            )
        });
        let on_its_way = self.in_flight.with_untracked(|f| pages.clone().any(|p| f.contains(&p)));
        if pending || loaded || on_its_way || pages.is_empty() {
            return;
        }
        self.in_flight.update(|f| f.extend(pages.clone()));
        let keys = self.shown.with_untracked(|g| g.keys);
        let query = self.page_query(PAGE).with_keys(keys).at_pages(pages.clone(), previous);
        let start = format!("flagdeck:quest-page-start:{epoch}:{}", pages.start);
        mark(&start);
        let rx = ask(&open, query.sql());
        self.tasks.spawn(async move {
            let result = answer(rx).await.and_then(|rs| cards(&rs));
            if self.asked.try_get_value() != Some(epoch) {
                clear_mark(&start);
                return;
            }
            self.in_flight.update(|f| f.retain(|p| !pages.contains(p)));
            match result {
                Ok(rows) => self.shown.update(|g| {
                    // Each page its share of the rows (none past the list's end).
                    let mut rows = rows.into_iter();
                    for page in pages {
                        g.pages.insert(page, rows.by_ref().take(PAGE).collect());
                    }
                }),
                Err(e) => {
                    clear_mark(&start);
                    self.read_failed(open, e, query.walks_keys());
                    return;
                }
            }
            measure_when_painted("flagdeck:quest-page", start);
        });
    }

    /// Lets generation `epoch`'s list begin its background fill ([`QuestsState::cover`]) once it
    /// has been on screen [`FILL_AFTER_MS`], unless another query was asked meanwhile.
    pub(super) fn fill_later(self, epoch: u64) {
        self.tasks.spawn(async move {
            sleep_ms(FILL_AFTER_MS).await;
            if self.asked.try_get_value() == Some(epoch) {
                self.fill_from.set(epoch);
            }
        });
    }

    /// Asks for the pages of `rows` that are neither loaded nor on their way, as many as may be
    /// in flight; once they are all loaded, the pages just after and before them when pages
    /// are cheap: walked through the order's key table or an index of the file (~4 ms in raw
    /// sql.js at 100k quests), not sorting every quest (~0.5 s, which would hold up the pages
    /// asked after it). Once those are loaded too and nothing is on its way, the next pages of
    /// the background fill ([`SparsePages::next_unloaded`] from the view's page, which is loaded
    /// then, so each read is by keyset; [`FILL_PAGES`] a read, one read at a time; only for a
    /// query keeping at most [`FILL_CAP_ROWS`] rows): every answer taken in runs this again, so
    /// the fill goes on until the list is held whole, measured once per query as
    /// `flagdeck:quest-rows-held` (rows shown → every row held; never for a list that does not
    /// fill: too many rows, pages that are not cheap, an error). A new query or a change of the
    /// data starts a new generation, whose pages start empty, so a row held is always the
    /// current query's row as its page read gives it. Nothing after an error (asking again
    /// would fail again, in a loop).
    ///
    /// [`SparsePages::next_unloaded`]: flagdeck_core::paging::SparsePages::next_unloaded
    fn cover(self, rows: std::ops::Range<usize>) {
        if self.error.with(Option::is_some) {
            return;
        }
        let Some(open) = self.db.get() else { return };
        let Some((missing, around, cheap, fill, epoch)) = self.shown.with(|g| {
            let total = g.total.filter(|_| g.epoch == self.asked.get_value())?.max(0) as usize;
            let around = g.pages.around(rows.clone(), total);
            let sort = self.view.query().with_untracked(|q| q.sort.0);
            let cheap = g.keys || !keys::derived(sort, self.time_order());
            // `None`: not filled (too many rows, or not yet: see `fill_later`); `Some(None)`:
            // every page is loaded, and they hold every row the count says.
            let fill = (total <= FILL_CAP_ROWS && self.fill_from.get() == g.epoch)
                .then(|| g.pages.next_unloaded(g.pages.page_of(rows.start), total, FILL_PAGES))
                .filter(|next| next.is_some() || g.pages.loaded_end() == total);
            Some((g.pages.missing(rows, total), around, cheap, fill, g.epoch))
        }) else {
            return;
        };
        let ahead = missing.is_empty() && cheap;
        let wanted = if ahead { around } else { missing };
        let in_flight = self.in_flight.get();
        let free = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        let wanted: Vec<usize> = wanted.into_iter().filter(|p| !in_flight.contains(p)).take(free).collect();
        if ahead {
            let next_fill = fill.clone().flatten().filter(|_| wanted.is_empty() && in_flight.is_empty());
            let whole = fill == Some(None) && self.held.get_value() != epoch;
            if whole {
                self.held.set_value(epoch);
            }
            // Asked once the frame of this scroll is painted: a page read ahead that arrived
            // before it would be taken in (and every row re-examined) ahead of that frame.
            after_paint(move || {
                // Nothing for a generation replaced meanwhile: its pages would be read for the
                // next one (by OFFSET, before its wait, perhaps from data since swapped).
                let current = self.asked.try_get_value() == Some(epoch)
                    && self.shown.try_with_untracked(|g| g.epoch) == Some(epoch);
                if !current {
                    return;
                }
                if whole {
                    // After the generation's own mark (asked from the same frame, earlier).
                    measure("flagdeck:quest-rows-held", "flagdeck:quests-shown");
                }
                // Not when the page is gone meanwhile; within the cap of pages in flight as it
                // is then (a scroll in between may have asked for its own pages).
                let Some(in_flight) = self.in_flight.try_get_untracked() else { return };
                let free = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
                for page in wanted.into_iter().take(free) {
                    self.fetch(open.clone(), page..page + 1);
                }
                // A fill read only when nothing else is on its way, so a page asked for the
                // view waits behind one fill read at most.
                if let Some(run) = next_fill.filter(|_| in_flight.is_empty()) {
                    self.fetch(open, run);
                }
            });
        } else {
            // The missing pages of a jump (the view across two pages) in one read.
            for pages in runs(&wanted) {
                self.fetch(open.clone(), pages);
            }
        }
    }
}

/// The sortable header and the virtual table.
#[component]
pub(super) fn QuestList(state: QuestsState) -> impl IntoView {
    let scroll_top = RwSignal::new(0.0);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let visible = move || QUEST_TABLE.rows(scroll_top.get(), state.len());
    // A new query or sort starts at the top; a change of the data keeps the position.
    Effect::new(move |previous: Option<(flagdeck_core::quests::QuestFilter, (QuestSort, bool))>| {
        let query = (state.view.query().with(|q| q.filter.clone()), state.sort());
        // Not when it is there already: setting the position lays the page out at once (~3 ms
        // of a filter change's 50 in a profile at 100k quests).
        if previous.is_some_and(|p| p != query) && scroll_top.get_untracked() != 0.0 {
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(0);
            }
            scroll_top.set(0.0);
        }
        query
    });
    Effect::new(move |_| state.cover(visible()));
    // The scroll space is capped at `paging::MAX_SPACE` (15M px, reached at ~416k quests; past
    // ~930k the browser, which lays nothing out beyond ~33.5M px, would show no rows at the
    // bottom), rows drawn where the view is.
    let height = move || format!("{}px", QUEST_TABLE.space_height(state.len()));
    // View first, overscan next (see `widgets::drawn`).
    let drawn = use_drawn_rows(
        QUEST_TABLE,
        scroll_top.into(),
        Signal::derive(move || state.len()),
        Signal::derive(move || state.shown.with(|g| g.epoch)),
        move |view| state.shown.with(|g| g.pages.holds(view)),
    );
    // Row recycling, as in the flag list: `QUEST_TABLE.slots()` elements, each holding the row
    // `Viewport::slot_row` gives it as HTML text (see `html`). An element's HTML is set only
    // when its row, its place or its text changes: a scroll by a few rows rewrites those rows,
    // not the window. A row whose page has not arrived is an empty element marked
    // `quest-placeholder`, drawn as the space's empty row lines; one whose row is drawn in a
    // later frame is empty until then (emptying it costs no text layout).
    let element = move |e: usize| {
        let slot = Memo::new(move |_| drawn.slot(e));
        let loaded = Memo::new(move |_| match slot.get() {
            SlotState::Row(i) => Some(state.shown.with(|g| g.pages.get(i).is_some())),
            SlotState::Later | SlotState::Gone => None,
        });
        let html = Memo::new(move |_| {
            let SlotState::Row(i) = slot.get() else { return String::new() };
            let total = state.len();
            // Only a capped list's places follow the scroll position.
            let scroll = if QUEST_TABLE.capped(total) { scroll_top.get() } else { 0.0 };
            let top = QUEST_TABLE.row_top(i, scroll, total);
            let now = state.as_of_ms();
            let mut h = Html::new();
            state.shown.with(|g| {
                if let Some(r) = g.pages.get(i) {
                    row(&mut h, r, i, top, now);
                }
            });
            h.finish()
        });
        // Rewritten (its row changed, or every row's "updated … ago" when the "as of" instant
        // arrives): a focused row of the same quest gets the focus back.
        let slot_el = NodeRef::<leptos::html::Div>::new();
        bind_html_keeping_focus(slot_el, html, &["data-quest-id"]);
        view! {
            <div
                class="quest-slot"
                data-testid=move || (loaded.get() == Some(false)).then_some("quest-placeholder")
                node_ref=slot_el
            ></div>
        }
    };
    view! {
        <div class="quest-table">
            <div class="quest-head" role="row">
                <SortHeader state=state sort=QuestSort::Id />
                <SortHeader state=state sort=QuestSort::Mission class="mission-col" />
                <SortHeader state=state sort=QuestSort::Name />
                <SortHeader state=state sort=QuestSort::Status />
                <SortHeader state=state sort=QuestSort::Phase class="c-phase" />
                <SortHeader state=state sort=QuestSort::Turn />
                <SortHeader state=state sort=QuestSort::Team class="c-team" />
                <SortHeader state=state sort=QuestSort::Messages class="num" />
                <SortHeader state=state sort=QuestSort::Updated />
            </div>
            <div
                node_ref=scroller
                class="quest-scroll"
                data-testid="quest-scroll"
                // The pages of the list held in the page (read for the view or ahead of it).
                data-pages=move || state.shown.with(|g| g.pages.loaded().map(|p| p.to_string()).collect::<Vec<_>>().join(" "))
                style=format!("height:{}px", QUEST_TABLE.height)
                on:scroll=move |e| {
                    let el = event_target::<web_sys::Element>(&e);
                    scroll_top.set(el.scroll_top() as f64);
                }
            >
                <div class="quest-space" style:height=height>
                    // Fixed elements, never moved (see the flag list).
                    {(0..QUEST_TABLE.slots()).map(element).collect_view()}
                </div>
            </div>
        </div>
    }
}

/// A column header: sorts by its column, again to reverse (kept in the address); `aria-sort`
/// says which column sorts and how.
#[component]
fn SortHeader(state: QuestsState, sort: QuestSort, #[prop(optional)] class: &'static str) -> impl IntoView {
    let set_sort = move |_| {
        state.view.change(state.nav, |q| {
            q.sort = if q.sort.0 == sort { (sort, !q.sort.1) } else { (sort, false) };
        })
    };
    let aria = move || match state.sort() {
        (s, false) if s == sort => "ascending",
        (s, true) if s == sort => "descending",
        _ => "none",
    };
    view! {
        <div role="columnheader" class=class aria-sort=aria data-testid="quest-sort" data-sort=sort.key()>
            <button class="th" on:click=set_sort>
                {sort.label()}
                {move || {
                    let (s, desc) = state.sort();
                    (s == sort).then_some(if desc { " ▼" } else { " ▲" })
                }}
            </button>
        </div>
    }
}
