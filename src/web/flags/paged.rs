//! Flag lists shown whole and read a page at a time ("show more"): the agent page's pending
//! flags and the routing page's unrouted flags. Each is a flag-list query
//! (`flagdeck_core::agents::lists`), so the derived layer answers its count and pages in
//! milliseconds whatever the file's size (keyset, or taken from the rows held in the page once
//! the list's order is held), and the page lays out one page of rows at a time instead of
//! every pending flag of an agent (40k of them in a 1M-flag file).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::files::loader::Shared;
use crate::web::flags::layer::Mirrored;
use crate::web::flags::read::{count_flags, page_rows};
use crate::web::platform::browser::viewport_height;
use crate::web::platform::perf::{clear_mark, mark, measure_when_painted, next_paint};
use crate::web::widgets::showing_of;
use flagdeck_core::flags::{Cursor, FlagFilter, FlagPageQuery, FlagRow, SortColumn};

/// Rows a paged list reads at a time.
pub const LIST_PAGE: usize = flagdeck_core::agents::AGENT_LIST_PAGE;

/// The shortest a row of these tables is drawn, in CSS pixels (one line of 14 px text and its
/// padding): the new rows that can be in view are drawn first ([`PagedFlags::drawn`]).
const SHORTEST_ROW_PX: f64 = 24.0;

/// New rows drawn in the frame that shows a page at least, even below the viewport's bottom,
/// once the list's place is known (and for [`Unplaced::BelowFold`]).
const MIN_FIRST_ROWS: usize = 5;

/// New rows drawn in the frame that shows a page when the list is not in the page yet (its
/// footer is not drawn: the agent page holds its lists until its counts are read), so where
/// its rows will be is not known, for a list near the top of its page ([`Unplaced::NearTop`]):
/// about a screen's worth below a page's heading.
const UNPLACED_FIRST_ROWS: usize = 12;

/// Where a paged list stands on its page, for the frame that draws it before its place can be
/// read (its footer not painted yet: a page built with its rows in hand): how many new rows
/// that frame draws. The rest follow [`ROWS_PER_FRAME`] a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unplaced {
    /// Near the top of its page (the routing page's table): [`UNPLACED_FIRST_ROWS`].
    NearTop,
    /// Under sections that fill about a screen (the agent page's flags to it, under the
    /// agent's details: its first row at 721 px in a 1280×720 view): [`MIN_FIRST_ROWS`].
    BelowFold,
    /// Under another list (the agent page's flags from it, under its flags to it): one row.
    BelowList,
}

impl Unplaced {
    /// New rows drawn in the frame that shows the list's page.
    pub fn first_rows(self) -> usize {
        match self {
            Unplaced::NearTop => UNPLACED_FIRST_ROWS,
            Unplaced::BelowFold => MIN_FIRST_ROWS,
            Unplaced::BelowList => 1,
        }
    }
}

/// How many new rows can be in view when they are drawn from `top` down (CSS pixels from the
/// viewport's top: where a list's footer stands, which its new rows push down): as many as fit
/// above the viewport's bottom, rows being at least [`SHORTEST_ROW_PX`] tall;
/// [`MIN_FIRST_ROWS`] at least, a page ([`LIST_PAGE`]) at most.
pub fn rows_in_view_below(top: f64) -> usize {
    let fit = ((viewport_height() - top).max(0.0) / SHORTEST_ROW_PX).ceil() as usize;
    fit.clamp(MIN_FIRST_ROWS, LIST_PAGE)
}

/// Rows drawn per frame after the first rows of a page, until the page is drawn whole.
pub const ROWS_PER_FRAME: usize = 25;

/// What a [`PagedFlags`] list is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum Paging {
    /// Reading its count and first page, or its next page.
    Reading,
    Ready,
    /// The read failed, in the engine's words.
    Failed(String),
}

/// A row as read, with the number of the read that gave it: a list read again (after an edit
/// or a follow-mode swap) gives new rows under the same ids, which differ from the rows before
/// by that number, so views draw them again.
pub type PagedRow = (u64, FlagRow);

/// A paged flag list ([`use_paged_flags`]): read-only signals of the rows read so far, how
/// many of them views draw, the count of the whole list, what it is doing and how many first
/// reads have ended; [`PagedFlags::more`] reads the next page, [`PagedFlags::retry`] the
/// failed read again.
///
/// A page is drawn in parts, as a long feed is: the new rows that can be in view in the frame
/// that shows it, the rest [`ROWS_PER_FRAME`] a frame after ([`PagedFlags::shown_len`]). That
/// frame lays out and paints a few rows instead of a page of 50 (the agent page draws two
/// lists); the measures end when those first rows are painted.
#[derive(Clone, Copy)]
pub struct PagedFlags {
    pub rows: ReadSignal<Vec<PagedRow>>,
    /// How many of `rows`, from the first, views draw now: it catches up with `rows` a few
    /// frames after each page.
    pub drawn: ReadSignal<usize>,
    set_drawn: WriteSignal<usize>,
    /// Flags the whole list holds; `None` until counted.
    pub total: ReadSignal<Option<i64>>,
    pub paging: ReadSignal<Paging>,
    /// First reads (count and first page) ended, well or not: what waits for the list waits
    /// for this to move.
    pub settled: ReadSignal<u64>,
    set_rows: WriteSignal<Vec<PagedRow>>,
    set_total: WriteSignal<Option<i64>>,
    set_paging: WriteSignal<Paging>,
    set_settled: WriteSignal<u64>,
    /// The list being read: the open file and the query of its first page.
    current: StoredValue<Option<(Shared, FlagPageQuery)>, LocalStorage>,
    /// Bumped by each new read of the list: answers for an older one are dropped.
    epoch: StoredValue<u64>,
    /// The whole order of the current read from the layer (`FlagLayer::order`), once its
    /// first rows are shown (cleared by each new read): the next page is then taken from the
    /// rows held in the page, in the click's own task ([`PagedFlags::more`]).
    order: RwSignal<Option<Arc<Mirrored<Vec<i64>>>>, LocalStorage>,
    /// The rows shown end with rows taken from the held order, which carry no sort key: the
    /// next read goes by OFFSET instead of a keyset cursor (until a read gives keyed rows).
    unkeyed: StoredValue<bool>,
    /// The performance measure of its first page (`NAME`) and of each next page (`NAME-more`).
    measure: &'static str,
    /// Views drawing the rows now ([`PagedFlags::drawn_here`]), and the measures (name, start
    /// mark) of reads that ended while none was there: a page may hold its lists back until
    /// other reads end (the agent page until its counts are read), so a read's rows are
    /// painted when the list is, not when they arrive.
    drawn_by: StoredValue<u32>,
    waiting: StoredValue<Vec<(String, String)>>,
    /// The list's footer ([`PagedFooter`]) drawn last: new rows appear right above it.
    footer: StoredValue<Option<NodeRef<leptos::html::Div>>>,
    /// How many footers were drawn, and whether the last has been painted: one drawn in this
    /// task has no place yet that could be read without laying the whole page out first.
    placed: StoredValue<(u64, bool)>,
    /// Where it stands on its page while that is not known ([`Unplaced`]).
    unplaced: Unplaced,
}

/// Reads the list `source` gives (the open file, the filter, the order) — again whenever a
/// signal `source` reads changes — its count and first [`LIST_PAGE`] rows (as many as were
/// shown, when the same list is read again after a change), measured as `measure` from the
/// read's start to the rows painted; `unplaced` says where the list stands on its page.
pub fn use_paged_flags(
    source: impl Fn() -> Option<(Shared, FlagFilter, (SortColumn, bool))> + 'static,
    measure: &'static str,
    unplaced: Unplaced,
) -> PagedFlags {
    let (rows, set_rows) = signal(Vec::new());
    let (drawn, set_drawn) = signal(0);
    let (total, set_total) = signal(None);
    let (paging, set_paging) = signal(Paging::Reading);
    let (settled, set_settled) = signal(0);
    let list = PagedFlags {
        rows,
        drawn,
        set_drawn,
        total,
        paging,
        settled,
        set_rows,
        set_total,
        set_paging,
        set_settled,
        current: StoredValue::new_local(None),
        epoch: StoredValue::new(0),
        order: RwSignal::new_local(None),
        unkeyed: StoredValue::new(false),
        measure,
        drawn_by: StoredValue::new(0),
        waiting: StoredValue::new(Vec::new()),
        footer: StoredValue::new(None),
        placed: StoredValue::new((0, false)),
        unplaced,
    };
    Effect::new(move |_| {
        let Some((open, filter, order)) = source() else { return };
        list.restart(open, FlagPageQuery::first(filter, order, LIST_PAGE));
    });
    list
}

impl PagedFlags {
    fn restart(self, open: Shared, first: FlagPageQuery) {
        let epoch = self.epoch.get_value() + 1;
        self.epoch.set_value(epoch);
        // The same list read again keeps as many rows as were shown ("Show more" pressed).
        let same = self.current.with_value(|c| {
            c.as_ref().is_some_and(|(_, q)| {
                (&q.filter, q.sort, q.descending) == (&first.filter, first.sort, first.descending)
            })
        });
        let shown = if same { self.rows.with_untracked(Vec::len) } else { 0 };
        let read = FlagPageQuery { limit: shown.max(LIST_PAGE), ..first.clone() };
        self.current.set_value(Some((open.clone(), first.clone())));
        // Reads of the list before this one will never be shown.
        for (_, start) in self.waiting.try_update_value(std::mem::take).unwrap_or_default() {
            clear_mark(&start);
        }
        self.order.set(None);
        self.unkeyed.set_value(false);
        self.set_paging.set(Paging::Reading);
        let start = format!("{}-start:{epoch}", self.measure);
        mark(&start);
        spawn_local(async move {
            // The count and the first page are asked together, as the flag list asks them: each
            // is one question to the layer's worker (or the engine), answered in the order asked.
            let (counted, rows) = futures::join!(count_flags(&open, &read.filter), page_rows(&open, &read));
            let counted = match counted {
                Ok(Some(total)) => Ok(total),
                Ok(None) => Err("the count is not a number".to_owned()),
                Err(e) => Err(e),
            };
            let result = counted.and_then(|total| rows.map(|rows| (total, rows)));
            if self.epoch.try_get_value() != Some(epoch) {
                clear_mark(&start);
                return;
            }
            match result {
                Ok((total, rows)) => {
                    self.set_total.set(Some(total));
                    let more = total.max(0) as usize > rows.len();
                    self.set_rows.set(rows.into_iter().map(|r| (epoch, r)).collect());
                    // The same list read again is drawn whole at once, so the page keeps its
                    // height (and its scroll position) across an edit.
                    self.draw_from(epoch, if same { shown } else { 0 });
                    self.set_paging.set(Paging::Ready);
                    self.measure_when_drawn(self.measure.to_owned(), start);
                    if more {
                        self.load_order(open, first, epoch, total);
                    }
                }
                Err(e) => {
                    clear_mark(&start);
                    // The rows from before stay: a drawing of them this read stopped goes on.
                    self.draw_from(epoch, self.drawn.get_untracked());
                    self.set_paging.set(Paging::Failed(e));
                }
            }
            self.set_settled.update(|n| *n += 1);
        });
    }

    /// Asks the layer for the whole order of read `epoch` (behind its first rows: the worker
    /// answers in order) and keeps it when that read is still the current one, the order has
    /// its `total` flags and begins with the rows shown (a write between the two answers that
    /// moved them: not kept, and the list is read again when that write is known).
    fn load_order(self, open: Shared, first: FlagPageQuery, epoch: u64, total: i64) {
        let Some(layer) = open.layer.clone() else { return };
        spawn_local(async move {
            // Asked once the first rows are painted: walking the order is the layer worker's
            // longest answer here, and on a machine of two cores it would run beside that frame.
            next_paint().await;
            if self.epoch.try_get_value() != Some(epoch) {
                return;
            }
            let Some(order) = layer.order(&open.db, &first).await else { return };
            let begins_with_shown = self.rows.try_with_untracked(|rows| {
                rows.len() <= order.value.len()
                    && rows.iter().zip(&order.value).all(|((_, f), id)| f.id == *id)
            });
            if self.epoch.try_get_value() == Some(epoch)
                && order.value.len() as i64 == total
                && begins_with_shown == Some(true)
            {
                self.order.set(Some(Arc::new(order)));
            }
        });
    }

    /// The next page from the rows held in the page, when the order of the current read is
    /// held and every one of its flags is held and current (`FlagLayer::mirrored`).
    fn held_page(self, open: &Shared, shown: usize) -> Option<Vec<FlagRow>> {
        let order = self.order.get_untracked()?;
        let ids = order.value.get(shown..(shown + LIST_PAGE).min(order.value.len()))?;
        open.layer.as_ref()?.mirrored(&open.db, ids, order.at)
    }

    /// Whether the whole order of the list is held (tracked): a next page whose rows are all
    /// held in the page too is drawn from memory (`data-order="held"` on the footer's count).
    pub fn held(self) -> bool {
        self.order.with(Option::is_some)
    }

    /// Whether rows remain to be read (tracked).
    pub fn has_more(self) -> bool {
        let read = self.rows.with(Vec::len);
        self.total.get().is_some_and(|n| n.max(0) as usize > read)
    }

    /// Appends the next page: taken from the rows held in the page when the list's order is
    /// held (in this task, so the rows are painted in the next frame; `flagdeck:list-mirror`
    /// marks it), else read right after the last row read (keyset; by OFFSET after rows taken
    /// from the order). Nothing while a read is under way or after a failure
    /// ([`PagedFlags::retry`]). Measured as `{measure}-more` (asked → rows painted).
    pub fn more(self) {
        if self.paging.get_untracked() != Paging::Ready {
            return;
        }
        let Some((open, first)) = self.current.get_value() else { return };
        let epoch = self.epoch.get_value();
        let start = format!("{}-more-start:{epoch}", self.measure);
        mark(&start);
        let shown = self.rows.with_untracked(Vec::len);
        if let Some(rows) = self.held_page(&open, shown) {
            mark("flagdeck:list-mirror");
            self.unkeyed.set_value(true);
            self.set_rows.update(|r| r.extend(rows.into_iter().map(|f| (epoch, f))));
            self.draw_from(epoch, shown);
            self.measure_when_drawn(format!("{}-more", self.measure), start);
            return;
        }
        let query = if self.unkeyed.get_value() {
            FlagPageQuery { offset: shown, after: None, ..first }
        } else {
            let Some(after) = self
                .rows
                .with_untracked(|r| r.last().map(|(_, f)| Cursor { key: f.sort_key.clone(), id: f.id }))
            else {
                clear_mark(&start);
                return;
            };
            first.at_page(1, Some(after))
        };
        self.set_paging.set(Paging::Reading);
        spawn_local(async move {
            let read = page_rows(&open, &query).await;
            if self.epoch.try_get_value() != Some(epoch) {
                clear_mark(&start);
                return;
            }
            match read {
                Ok(rows) => {
                    // Read rows carry their sort keys: the next read can go by keyset again.
                    if !rows.is_empty() {
                        self.unkeyed.set_value(false);
                    }
                    self.set_rows.update(|r| r.extend(rows.into_iter().map(|f| (epoch, f))));
                    self.draw_from(epoch, shown);
                    self.set_paging.set(Paging::Ready);
                    self.measure_when_drawn(format!("{}-more", self.measure), start);
                }
                Err(e) => {
                    clear_mark(&start);
                    self.set_paging.set(Paging::Failed(e));
                }
            }
        });
    }

    /// Whether a first read has ended and every row read is drawn (tracked): the list stands
    /// at its full height.
    pub fn drawn_whole(self) -> bool {
        self.settled.get() > 0 && self.drawn.get() >= self.rows.with(Vec::len)
    }

    /// How many rows views draw now (tracked): [`PagedFlags::drawn`], at most those read.
    pub fn shown_len(self) -> usize {
        let drawn = self.drawn.get();
        self.rows.with(|r| drawn.min(r.len()))
    }

    /// Rows `range` of those read (tracked; the part of it past the rows read left out): the
    /// rows of one part of a view drawn in parts ([`PagedFlags::shown_len`] gives their end).
    pub fn rows_in(self, range: std::ops::Range<usize>) -> Vec<PagedRow> {
        self.rows.with(|r| r[range.start.min(r.len())..range.end.min(r.len())].to_vec())
    }

    /// How many new rows to draw in the frame that shows a page: as many as can fit between
    /// the list's footer (where new rows appear) and the viewport's bottom, rows being at
    /// least [`SHORTEST_ROW_PX`] tall; [`MIN_FIRST_ROWS`] at least, a page at most; what its
    /// [`Unplaced`] gives while the list is not drawn or not painted yet (a page built with its
    /// rows in hand: the agent page after its route's reads). Reads the footer's
    /// place (`getBoundingClientRect`), which lays out the page first when it has changed.
    fn first_rows(self) -> usize {
        // A footer no longer drawn (its list gone, or drawn anew) is not in the document.
        let top = self
            .footer
            .get_value()
            .filter(|_| self.placed.get_value().1)
            .and_then(|f| f.try_get_untracked().flatten())
            .filter(|f| f.is_connected())
            .map(|f| f.get_bounding_client_rect().top());
        match top {
            Some(top) => rows_in_view_below(top),
            None => self.unplaced.first_rows(),
        }
    }

    /// Draws the rows read after the first `drawn` of read `epoch`: those that can be in view
    /// in this frame ([`PagedFlags::first_rows`]), then [`ROWS_PER_FRAME`] after each paint
    /// until every row read is drawn; a newer read, or a page asked meanwhile, takes over.
    fn draw_from(self, epoch: u64, drawn: usize) {
        let goal = self.rows.with_untracked(Vec::len);
        let now = (drawn + self.first_rows()).min(goal);
        self.set_drawn.set(now);
        if now == goal {
            return;
        }
        spawn_local(async move {
            let mut now = now;
            while now < goal {
                next_paint().await;
                // A newer read, or a later page that drew on from here, leaves this one.
                if self.epoch.try_get_value() != Some(epoch) || self.drawn.try_get_untracked() != Some(now) {
                    return;
                }
                now = (now + ROWS_PER_FRAME).min(goal);
                self.set_drawn.set(now);
            }
        });
    }

    /// Called by a view that draws the list's rows, for as long as it lives (it is disposed
    /// with its owner): the measures of reads that ended before it was there end once it has
    /// painted their rows.
    pub fn drawn_here(self) {
        self.drawn_by.update_value(|n| *n += 1);
        for (name, start) in self.waiting.try_update_value(std::mem::take).unwrap_or_default() {
            measure_when_painted(name, start);
        }
        on_cleanup(move || {
            self.drawn_by.try_update_value(|n| *n = n.saturating_sub(1));
        });
    }

    /// The measure `name` from the mark `start` to the rows painted: after the next paint when
    /// a view draws them, else once one does ([`PagedFlags::drawn_here`]).
    fn measure_when_drawn(self, name: String, start: String) {
        if self.drawn_by.get_value() > 0 {
            measure_when_painted(name, start);
        } else {
            self.waiting.update_value(|w| w.push((name, start)));
        }
    }

    /// Reads the list again from its start (after a failed read).
    pub fn retry(self) {
        if let Some((open, first)) = self.current.get_value() {
            self.restart(open, first);
        }
    }
}

/// Under a paged list: how many rows of how many are shown (announced politely), a "Show
/// more" button while rows remain (`data-testid="{testid}-more"`, kept in place so it keeps
/// the focus; `aria-disabled` while a read is under way), the read under way, or why it
/// failed with a button to try again (`{testid}-retry`).
#[component]
pub fn PagedFooter(list: PagedFlags, testid: &'static str) -> impl IntoView {
    let shown = move || list.rows.with(Vec::len);
    let total = move || list.total.get().unwrap_or(0).max(0) as usize;
    let busy = move || list.paging.get() != Paging::Ready;
    let footer = NodeRef::new();
    list.footer.set_value(Some(footer));
    let drawn = list.placed.get_value().0 + 1;
    list.placed.set_value((drawn, false));
    spawn_local(async move {
        next_paint().await;
        // Still this footer (not one drawn since, or the list gone).
        list.placed.try_update_value(|(n, painted)| *painted |= *n == drawn);
    });
    view! {
        <div class="paged-footer" node_ref=footer data-testid=format!("{testid}-footer")>
            <span class="muted" aria-live="polite" data-testid=format!("{testid}-shown") data-shown=shown data-total=total data-order=move || list.held().then_some("held")>
                {move || (total() > LIST_PAGE).then(|| {
                    showing_of(shown(), total())
                })}
            </span>
            <Show when=move || list.has_more()>
                <button
                    data-testid=format!("{testid}-more")
                    aria-disabled=move || busy().to_string()
                    on:click=move |_| list.more()
                >
                    {move || format!("Show {} more", total().saturating_sub(shown()).min(LIST_PAGE))}
                </button>
            </Show>
            {move || (list.paging.get() == Paging::Reading).then(|| view! { <span class="muted">"Reading…"</span> })}
            {move || match list.paging.get() {
                Paging::Failed(e) => Some(view! {
                    <p class="alert" role="alert">
                        {format!("Could not read these flags: {e}")}
                        {(shown() > 0).then_some(" The rows above are from before.")}
                        " "
                        <button data-testid=format!("{testid}-retry") on:click=move |_| list.retry()>"Try again"</button>
                    </p>
                }),
                _ => None,
            }}
        </div>
    }
}
