//! Flag lists shown whole and read a keyset page at a time ("show more"): the agent page's
//! pending flags and the routing page's unrouted flags. Each is a flag-list query
//! (`flagdeck_core::agents::lists`), so the derived layer answers its count and pages in
//! milliseconds whatever the file's size, and the page lays out one page of rows at a time
//! instead of every pending flag of an agent (40k of them in a 1M-flag file).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::files::loader::Shared;
use crate::web::flags::read::{count_flags, page_rows};
use crate::web::platform::perf::{after_paint, clear_mark, mark, measure};
use crate::web::widgets::group_digits;
use flagdeck_core::flags::{Cursor, FlagFilter, FlagPageQuery, FlagRow, SortColumn};

/// Rows a paged list reads at a time.
pub const LIST_PAGE: usize = flagdeck_core::agents::AGENT_LIST_PAGE;

/// What a [`PagedFlags`] list is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum Paging {
    /// Reading its count and first page, or its next page.
    Reading,
    Ready,
    /// The read failed, in the engine's words.
    Failed(String),
}

/// A paged flag list ([`use_paged_flags`]): read-only signals of the rows read so far, the
/// count of the whole list, and what it is doing; [`PagedFlags::more`] reads the next page.
#[derive(Clone, Copy)]
pub struct PagedFlags {
    pub rows: ReadSignal<Vec<FlagRow>>,
    /// Flags the whole list holds; `None` until counted.
    pub total: ReadSignal<Option<i64>>,
    pub paging: ReadSignal<Paging>,
    set_rows: WriteSignal<Vec<FlagRow>>,
    set_total: WriteSignal<Option<i64>>,
    set_paging: WriteSignal<Paging>,
    /// The list being read: the open file and the query of its first page.
    current: StoredValue<Option<(Shared, FlagPageQuery)>, LocalStorage>,
    /// Bumped by each new list: answers for an older one are dropped.
    epoch: StoredValue<u64>,
    /// The performance measure of its first page (`NAME`) and of each next page (`NAME-more`).
    measure: &'static str,
}

/// Reads the list `source` gives (the open file, the filter, the order) — again whenever a
/// signal `source` reads changes — its count and first [`LIST_PAGE`] rows, measured as
/// `measure` from the read's start to the rows painted.
pub fn use_paged_flags(
    source: impl Fn() -> Option<(Shared, FlagFilter, (SortColumn, bool))> + 'static,
    measure: &'static str,
) -> PagedFlags {
    let (rows, set_rows) = signal(Vec::new());
    let (total, set_total) = signal(None);
    let (paging, set_paging) = signal(Paging::Reading);
    let list = PagedFlags {
        rows,
        total,
        paging,
        set_rows,
        set_total,
        set_paging,
        current: StoredValue::new_local(None),
        epoch: StoredValue::new(0),
        measure,
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
        self.current.set_value(Some((open.clone(), first.clone())));
        self.set_paging.set(Paging::Reading);
        let start = format!("{}-start:{epoch}", self.measure);
        mark(&start);
        spawn_local(async move {
            let counted = count_flags(&open, &first.filter).await;
            let read = match counted {
                Ok(total) => page_rows(&open, &first).await.map(|rows| (total, rows)),
                Err(e) => Err(e),
            };
            if self.epoch.try_get_value() != Some(epoch) {
                clear_mark(&start);
                return;
            }
            match read {
                Ok((total, rows)) => {
                    self.set_total.set(total);
                    self.set_rows.set(rows);
                    self.set_paging.set(Paging::Ready);
                    let name = self.measure;
                    after_paint(move || {
                        measure(name, &start);
                        clear_mark(&start);
                    });
                }
                Err(e) => {
                    clear_mark(&start);
                    self.set_paging.set(Paging::Failed(e));
                }
            }
        });
    }

    /// Whether rows remain to be read (tracked).
    pub fn has_more(self) -> bool {
        let read = self.rows.with(Vec::len);
        self.total.get().is_some_and(|n| n.max(0) as usize > read)
    }

    /// Reads the next page, right after the last row read (keyset), and appends it. Nothing
    /// while a read is under way or after a failure.
    pub fn more(self) {
        if self.paging.get_untracked() != Paging::Ready {
            return;
        }
        let Some((open, first)) = self.current.get_value() else { return };
        let Some(after) =
            self.rows.with_untracked(|r| r.last().map(|f| Cursor { key: f.sort_key.clone(), id: f.id }))
        else {
            return;
        };
        let epoch = self.epoch.get_value();
        let query = first.at_page(1, Some(after));
        self.set_paging.set(Paging::Reading);
        let start = format!("{}-more-start:{epoch}", self.measure);
        mark(&start);
        spawn_local(async move {
            let read = page_rows(&open, &query).await;
            if self.epoch.try_get_value() != Some(epoch) {
                clear_mark(&start);
                return;
            }
            match read {
                Ok(rows) => {
                    self.set_rows.update(|r| r.extend(rows));
                    self.set_paging.set(Paging::Ready);
                    let name = format!("{}-more", self.measure);
                    after_paint(move || {
                        measure(&name, &start);
                        clear_mark(&start);
                    });
                }
                Err(e) => {
                    clear_mark(&start);
                    self.set_paging.set(Paging::Failed(e));
                }
            }
        });
    }
}

/// Under a paged list: how many rows of how many are shown, a "Show more" button while rows
/// remain (`data-testid="{testid}-more"`), the read under way, or why it failed.
#[component]
pub fn PagedFooter(list: PagedFlags, testid: &'static str) -> impl IntoView {
    let shown = move || list.rows.with(Vec::len);
    view! {
        <div class="paged-footer" data-testid=format!("{testid}-footer")>
            {move || match list.paging.get() {
                Paging::Failed(e) => view! { <p class="alert" role="alert">{format!("Could not read these flags: {e}")}</p> }.into_any(),
                paging => {
                    let total = list.total.get().unwrap_or(0).max(0) as usize;
                    let next = total.saturating_sub(shown()).min(LIST_PAGE);
                    view! {
                        <span class="muted" data-testid=format!("{testid}-shown") data-shown=shown() data-total=total>
                            {(total > LIST_PAGE).then(|| format!("Showing {} of {}.", shown(), group_digits(total as i64)))}
                        </span>
                        {(paging == Paging::Reading).then(|| view! { <span class="muted">" Reading…"</span> })}
                        {move || list.has_more().then(|| view! {
                            " "
                            <button
                                data-testid=format!("{testid}-more")
                                disabled=move || list.paging.get() != Paging::Ready
                                on:click=move |_| list.more()
                            >
                                {format!("Show {next} more")}
                            </button>
                        })}
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
