//! The flag list: filters with counts, presets, a virtual table fed by pages that arrive in any
//! order (keyset after a loaded page, OFFSET for a jump), keyboard triage and bulk actions. The
//! detail panel and the form live in their own modules.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::app::{AppState, View};
use crate::web::files::loader::{download_text, Shared};
use crate::web::flags::detail::FlagDetailPanel;
use crate::web::flags::form::{FlagForm, FormRequest};
use crate::web::platform::browser::{blur_target, from_form_field, local_minute};
use crate::web::platform::perf::{after_paint, clear_mark, mark, measure};
use flagdeck_core::edits;
use flagdeck_core::flags::{
    facet_counts, flag_detail, with_at, Cursor, Facet, FlagFilter, FlagPageQuery, FlagRow, Preset,
    SortColumn, SHOWN_FACETS,
};
use flagdeck_core::paging::{SparsePages, FLAG_TABLE, PAGE};
use flagdeck_core::vocabulary::{FlagAction, FlagColumn};
use flagdeck_core::{Database, Value};

/// Pages asked of the worker at once. The worker answers in order, so more would only queue
/// pages for scroll positions already left behind; when one arrives the window asks again for
/// what it shows then.
const MAX_IN_FLIGHT: usize = 2;

/// A facet with the count of flags per value.
type FacetCounts = (Facet, Vec<(String, i64)>);

/// Which figure of the bench a page's arrival completes.
#[derive(Clone, Copy)]
enum Timing {
    /// The first page of a new query: `flagdeck:flags`.
    FirstPage,
    /// A page the scroll position needs: `flagdeck:page`.
    Scrolled,
}

/// The list state shared by the page's parts.
#[derive(Clone, Copy)]
struct ListState {
    filter: RwSignal<FlagFilter>,
    sort: RwSignal<(SortColumn, bool)>,
    pages: RwSignal<SparsePages<FlagRow>>,
    /// Pages asked for and not answered yet.
    in_flight: RwSignal<BTreeSet<usize>>,
    total: RwSignal<Option<i64>>,
    facets: RwSignal<Vec<FacetCounts>>,
    error: RwSignal<Option<String>>,
    /// A row the keyboard moved to before its page had arrived; selected when it does.
    wanted: RwSignal<Option<usize>>,
    /// Bumped on every new query so that late answers to an old query are dropped.
    epoch: StoredValue<u64>,
    /// The pages shown belong to the previous query: they stay on screen until the new query's
    /// first page replaces them, so a filter change repaints the rows once, not twice (rows,
    /// placeholders, rows).
    stale: StoredValue<bool>,
}

impl ListState {
    fn new() -> Self {
        let preset = Preset::Pending;
        ListState {
            filter: RwSignal::new(preset.filter()),
            sort: RwSignal::new(preset.sort()),
            pages: RwSignal::new(SparsePages::new(PAGE)),
            in_flight: RwSignal::new(BTreeSet::new()),
            total: RwSignal::new(None),
            facets: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            wanted: RwSignal::new(None),
            epoch: StoredValue::new(0),
            stale: StoredValue::new(false),
        }
    }

    fn apply(&self, preset: Preset) {
        self.filter.set(preset.filter());
        self.sort.set(preset.sort());
    }

    /// Rows in the list: the count once known, until then as far as the loaded pages reach.
    fn len(&self) -> usize {
        match self.total.get() {
            Some(n) => n.max(0) as usize,
            None => self.pages.with(SparsePages::loaded_end),
        }
    }

    fn len_untracked(&self) -> usize {
        untrack(|| self.len())
    }

    fn row_id(&self, index: usize) -> Option<i64> {
        self.pages.with_untracked(|p| p.get(index).map(|r| r.id))
    }

    /// Starts over: count, facets and the first page for the current filter and sort.
    fn restart(self, app: AppState) {
        mark("flagdeck:flags-start");
        let epoch = self.epoch.get_value() + 1;
        self.epoch.set_value(epoch);
        self.stale.set_value(true);
        self.in_flight.set(BTreeSet::new());
        self.wanted.set(None);
        self.total.set(None);
        self.error.set(None);
        let Some(open) = app.current.get_untracked() else { return };
        // The count is asked first and the first page right behind it, before the facets: the
        // worker answers in order, and the table needs the count (its height) and the page.
        self.count_and_facets(open.clone(), epoch);
        self.fetch(open, 0, Timing::FirstPage);
    }

    fn count_and_facets(self, open: Shared, epoch: u64) {
        let filter = self.filter.get_untracked();
        let current = move || self.epoch.get_value() == epoch;
        spawn_local(async move {
            let db = &open.db;
            let (sql, params) = filter.count_sql();
            let total = db.query(&sql, &params).await.map(|rs| rs.scalar().and_then(Value::as_i64));
            if !current() {
                return;
            }
            match total {
                Ok(total) => self.total.set(total),
                Err(e) => self.error.set(Some(e.to_string())),
            }
            let mut facets = Vec::new();
            for facet in SHOWN_FACETS {
                match facet_counts(db, &filter, facet).await {
                    Ok(values) => {
                        facets.push((facet, values.into_iter().map(|(v, n)| (v.display(), n)).collect()))
                    }
                    Err(e) => {
                        if current() {
                            self.error.set(Some(e.to_string()));
                        }
                        return;
                    }
                }
            }
            if current() {
                self.facets.set(facets);
                after_paint(|| measure("flagdeck:facets", "flagdeck:flags-start"));
            }
        });
    }

    /// Asks for page `page` unless it is loaded or already asked for: right after the last row
    /// of the page before when that one is loaded (keyset), otherwise by OFFSET.
    fn fetch(self, open: Shared, page: usize, timing: Timing) {
        let stale = self.stale.get_value();
        if (!stale && self.pages.with_untracked(|p| p.contains(page)))
            || self.in_flight.with_untracked(|f| f.contains(&page))
        {
            return;
        }
        self.in_flight.update(|f| {
            f.insert(page);
        });
        let previous = if stale {
            None
        } else {
            self.pages
                .with_untracked(|p| p.last_before(page).map(|r| Cursor { key: r.sort_key.clone(), id: r.id }))
        };
        let (sort, descending) = self.sort.get_untracked();
        let query = FlagPageQuery::first(self.filter.get_untracked(), (sort, descending), PAGE);
        let (sql, params) = query.at_page(page, previous).sql();
        let epoch = self.epoch.get_value();
        // One mark per request: several pages may be on their way at once.
        let start = format!("flagdeck:page-start:{epoch}:{page}");
        if let Timing::Scrolled = timing {
            mark(&start);
        }
        spawn_local(async move {
            let result = open.db.query(&sql, &params).await;
            if self.epoch.get_value() != epoch {
                clear_mark(&start);
                return;
            }
            self.in_flight.update(|f| {
                f.remove(&page);
            });
            match result {
                Ok(rs) => {
                    let rows = match FlagRow::all(&rs) {
                        Ok(rows) => rows,
                        Err(e) => {
                            clear_mark(&start);
                            self.error.set(Some(e.to_string()));
                            return;
                        }
                    };
                    if self.stale.get_value() {
                        let mut fresh = SparsePages::new(PAGE);
                        fresh.insert(page, rows);
                        self.stale.set_value(false);
                        self.pages.set(fresh);
                    } else {
                        self.pages.update(|p| p.insert(page, rows));
                    }
                }
                Err(e) => {
                    clear_mark(&start);
                    self.error.set(Some(e.to_string()));
                    return;
                }
            }
            after_paint(move || match timing {
                Timing::FirstPage => {
                    mark("flagdeck:flags-shown");
                    measure("flagdeck:flags", "flagdeck:flags-start");
                }
                Timing::Scrolled => {
                    measure("flagdeck:page", &start);
                    clear_mark(&start);
                }
            });
        });
    }

    /// Asks for the pages of `rows` that are neither loaded nor on their way, as many as may be
    /// in flight. Nothing after an error: asking again would fail again, in a loop.
    fn cover(self, app: AppState, rows: std::ops::Range<usize>) {
        if self.error.with(Option::is_some) {
            return;
        }
        let (Some(total), Some(open)) = (self.total.get(), app.current.get_untracked()) else { return };
        let in_flight = self.in_flight.get();
        let missing = self.pages.with(|p| p.missing(rows, total.max(0) as usize));
        let free = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        for page in missing.into_iter().filter(|p| !in_flight.contains(p)).take(free) {
            self.fetch(open.clone(), page, Timing::Scrolled);
        }
    }
}

/// The flags page: filters on the left, the virtual table, the detail of the selected flag.
#[component]
pub fn FlagsPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let selected = Memo::new(move |_| match app.view.get() {
        View::Flag(id) => Some(id),
        _ => None,
    });
    let list = ListState::new();
    let scroll_top = RwSignal::new(0.0f64);
    let scroller = NodeRef::<leptos::html::Div>::new();
    // Any change of filter or sort starts the list over at its first row; a change of the data
    // (an edit, undo) reloads it where it is.
    Effect::new(move |previous: Option<(FlagFilter, (SortColumn, bool))>| {
        let query = (list.filter.get(), list.sort.get());
        app.data_version.track();
        if previous.is_some_and(|p| p != query) {
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(0);
            }
            scroll_top.set(0.0);
        }
        list.restart(app);
        query
    });
    let form = FormRequest::new();
    provide_context(form);
    let creating = form.creating;
    let new_flag = move || {
        app.go(View::Flags);
        form.create(None);
    };
    // Every field of the selected flag, read fresh so the form starts from what is stored.
    let edit_flag = move |id: i64| {
        let Some(open) = app.current.get_untracked() else { return };
        spawn_local(async move {
            match flag_detail(&open.db, id).await {
                Ok(Some(detail)) => form.edit(detail),
                Ok(None) => app.alert(format!("There is no flag #{id} in this file.")),
                Err(e) => app.alert(format!("Flag #{id} could not be read: {e}")),
            }
        });
    };
    // Flags chosen for a bulk action.
    let chosen = RwSignal::new(Vec::<i64>::new());
    let toggle_chosen = move |id: i64| {
        chosen.update(|c| match c.iter().position(|x| *x == id) {
            Some(i) => {
                c.remove(i);
            }
            None => c.push(id),
        })
    };
    let retarget = RwSignal::new(String::new());
    let bulk = move |label: &str, values: Vec<(&'static str, Value)>| {
        let ids = chosen.get_untracked();
        let label = format!("{label} {} flags", ids.len());
        app.bulk_edit(label, ids, values, move |ok| {
            if ok {
                chosen.set(Vec::new());
            }
        });
    };
    // Opening a flag closes the form.
    Effect::new(move |_| {
        if selected.get().is_some() {
            creating.set(false);
        }
    });
    let row_height = FLAG_TABLE.row_height;
    let visible = move || FLAG_TABLE.rows(scroll_top.get(), list.len());
    // Ask for the pages the rendered rows need, whatever the position: a jump to the bottom asks
    // for the last page directly.
    Effect::new(move |_| list.cover(app, visible()));
    let height = move || format!("{}px", list.len() as f64 * row_height);
    // Rows of the window, `None` where the page has not arrived yet.
    let window = move || {
        let rows = visible();
        list.pages.with(|p| rows.map(|i| (i, p.get(i).cloned())).collect::<Vec<_>>())
    };
    // A row the keyboard moved to before its page arrived is selected when the page arrives.
    Effect::new(move |_| {
        let Some(index) = list.wanted.get() else { return };
        if let Some(id) = list.pages.with(|p| p.get(index).map(|r| r.id)) {
            list.wanted.set(None);
            app.go(View::Flag(id));
        }
    });
    // Keyboard triage: the whole list works without a mouse.
    let help = RwSignal::new(false);
    let text_box = NodeRef::<leptos::html::Input>::new();
    let scroll_to = move |index: usize| {
        let Some(el) = scroller.get_untracked() else { return };
        let top = index as f64 * row_height;
        let (scroll, height) = (el.scroll_top() as f64, el.client_height() as f64);
        if top < scroll || top + row_height > scroll + height {
            el.set_scroll_top((top - height / 2.0).max(0.0) as i32);
        }
    };
    let move_to = move |index: usize| {
        if index >= list.len_untracked() {
            return;
        }
        scroll_to(index);
        match list.row_id(index) {
            Some(id) => {
                list.wanted.set(None);
                app.go(View::Flag(id));
            }
            // Scrolling there asks for its page.
            None => list.wanted.set(Some(index)),
        }
    };
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
        let current = selected.get_untracked();
        let index = current.and_then(|id| list.pages.with_untracked(|p| p.position(|r| r.id == id)));
        let row = index.and_then(|i| list.pages.with_untracked(|p| p.get(i).cloned()));
        let Some(action) = FlagAction::from_key(&e.key()) else { return };
        match action {
            FlagAction::Next => move_to(index.map(|i| i + 1).unwrap_or(0)),
            FlagAction::Previous => move_to(index.map(|i| i.saturating_sub(1)).unwrap_or(0)),
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
            FlagAction::New => new_flag(),
            FlagAction::Edit => {
                if let Some(r) = row {
                    edit_flag(r.id);
                }
            }
            FlagAction::Search => {
                if let Some(el) = text_box.get_untracked() {
                    let _ = el.focus();
                }
            }
            FlagAction::Choose => {
                if let Some(r) = row {
                    toggle_chosen(r.id);
                }
            }
            FlagAction::Help => help.update(|h| *h = !*h),
            FlagAction::Close => {
                if help.get_untracked() {
                    help.set(false);
                } else {
                    creating.set(false);
                    app.go(View::Flags);
                }
            }
            // Buttons only: no key does them.
            FlagAction::Lock | FlagAction::Unlock | FlagAction::FollowUp | FlagAction::Ask => return,
        }
        e.prevent_default();
    });
    on_cleanup(move || keys.remove());
    let set_sort = move |column: SortColumn| {
        list.sort.update(|(c, desc)| {
            if *c == column {
                *desc = !*desc;
            } else {
                *c = column;
                *desc = false;
            }
        })
    };
    let header = move |column: SortColumn| {
        let label = column.column().label();
        view! {
            <button class="th" on:click=move |_| set_sort(column)>
                {label}
                {move || {
                    let (c, desc) = list.sort.get();
                    (c == column).then_some(if desc { " ▼" } else { " ▲" })
                }}
            </button>
        }
    };
    view! {
        <section class="page flags-page">
            <div class="flags-layout">
                <aside class="filters" aria-label="Filters">
                    <button class="button primary" data-testid="new-flag" on:click=move |_| new_flag()>
                        "New flag"
                    </button>
                    <div class="presets">
                        <button class="button" data-testid=Preset::Pending.test_id() on:click=move |_| list.apply(Preset::Pending)>
                            "Pending (tool order)"
                        </button>
                        <button class="button" data-testid=Preset::Workable.test_id() on:click=move |_| list.apply(Preset::Workable)>
                            "Workable"
                        </button>
                        <button class="button" data-testid=Preset::All.test_id() on:click=move |_| list.apply(Preset::All)>
                            "All flags"
                        </button>
                    </div>
                    <div class="presets" title="The flags of the current filter, in the list's order, every column">
                        <button class="button" data-testid="export-csv" on:click=move |_| export_filtered(app, list, false)>"Export CSV"</button>
                        <button class="button" data-testid="export-json" on:click=move |_| export_filtered(app, list, true)>"Export JSON"</button>
                    </div>
                    <input
                        node_ref=text_box
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
                    // One fieldset per facet, built once; inside, a keyed list, so a filter change
                    // repaints only the values whose count changed.
                    {SHOWN_FACETS.into_iter().map(|facet| {
                        let label = facet.label();
                        let values = move || {
                            list.facets.with(|all| {
                                all.iter().find(|(f, _)| *f == facet).map(|(_, v)| v.iter().take(40).cloned().collect::<Vec<_>>()).unwrap_or_default()
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
                    }).collect_view()}
                </aside>
                <div class="flags-main">
                    {move || help.get().then(|| view! {
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
                    })}
                    {move || (!chosen.with(Vec::is_empty)).then(|| view! {
                        <div class="bulk-bar" data-testid="bulk-bar">
                            <strong data-testid="bulk-count">{move || chosen.with(Vec::len)}</strong>
                            " chosen · one step, all or nothing:"
                            <button class="button" data-testid="bulk-complete" on:click=move |_| bulk(FlagAction::Complete.label(), edits::complete_values(&local_minute(), None, None))>"Complete"</button>
                            <button class="button" data-testid="bulk-lock" on:click=move |_| bulk(FlagAction::Lock.label(), edits::lock_values(true))>"Lock"</button>
                            <button class="button" data-testid="bulk-unlock" on:click=move |_| bulk(FlagAction::Unlock.label(), edits::lock_values(false))>"Unlock"</button>
                            <input class="small" placeholder="new target" data-testid="bulk-target" on:input=move |e| retarget.set(event_target_value(&e)) />
                            <button class="button" data-testid="bulk-retarget" on:click=move |_| {
                                let target = with_at(&retarget.get_untracked());
                                bulk("retarget", vec![("target_agent", Value::from(target))]);
                            }>"Retarget"</button>
                            <button class="link" on:click=move |_| chosen.set(Vec::new())>"clear"</button>
                        </div>
                    })}
                    <p class="muted" data-testid="flag-total">
                        {move || match list.total.get() {
                            Some(n) => format!("{n} flags"),
                            None => "Counting…".to_owned(),
                        }}
                    </p>
                    {move || list.error.get().map(|e| view! { <p class="alert" role="alert">{format!("The flag list could not be read: {e}")}</p> })}
                    <div class="flag-head">
                        {header(SortColumn::Id)}
                        {header(SortColumn::Impact)}
                        {header(SortColumn::FlagType)}
                        {header(SortColumn::Source)}
                        {header(SortColumn::Target)}
                        <span class="th change-col">{FlagColumn::ChangeDescription.label()}</span>
                        {header(SortColumn::Status)}
                        {header(SortColumn::CreatedAt)}
                    </div>
                    <div
                        node_ref=scroller
                        class="flag-scroll"
                        style=format!("height:{}px", FLAG_TABLE.height)
                        on:scroll=move |e| {
                            let el = event_target::<web_sys::Element>(&e);
                            scroll_top.set(el.scroll_top() as f64);
                        }
                    >
                        <div class="flag-space" style:height=height>
                            // Keyed by position and id: a row keeps its place, and a placeholder
                            // gives way to the row when its page arrives.
                            <For each=window key=|(i, r)| (*i, r.as_ref().map(|r| r.id)) let:item>
                                {
                                    let (i, row) = item;
                                    let top = format!("top:{}px", i as f64 * row_height);
                                    match row {
                                        Some(r) => view! { <ListRow row=r top=top selected=selected chosen=chosen toggle_chosen=toggle_chosen /> }.into_any(),
                                        None => view! {
                                            <div class="flag-row placeholder" data-testid="flag-placeholder" aria-hidden="true" style=top>
                                                <span class="td num muted">"…"</span>
                                            </div>
                                        }.into_any(),
                                    }
                                }
                            </For>
                        </div>
                    </div>
                </div>
                {move || match (creating.get(), selected.get()) {
                    (true, _) => Some(view! { <FlagForm /> }.into_any()),
                    (false, Some(id)) => Some(view! { <FlagDetailPanel id=id /> }.into_any()),
                    (false, None) => None,
                }}
            </div>
        </section>
    }
}

/// One loaded row of the table.
#[component]
fn ListRow(
    row: FlagRow,
    top: String,
    selected: Memo<Option<i64>>,
    chosen: RwSignal<Vec<i64>>,
    toggle_chosen: impl Fn(i64) + Copy + 'static,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let id = row.id;
    let title = row.change_description.clone();
    let impact = row.impact_level.unwrap_or_default();
    let impact_class = format!("impact {impact}");
    let target = row.target_agent.unwrap_or_default();
    view! {
        <div
            class="flag-row"
            class:selected=move || selected.get() == Some(id)
            data-testid="flag-row"
            data-flag-id=id
            style=top
            on:click=move |_| app.go(View::Flag(id))
        >
            <span class="td num">
                <input
                    type="checkbox"
                    data-testid="flag-select"
                    aria-label=format!("choose flag {id}")
                    prop:checked=move || chosen.with(|c| c.contains(&id))
                    on:click=move |e| {
                        e.stop_propagation();
                        toggle_chosen(id);
                    }
                />
                {format!("#{id}")}
            </span>
            <span class="td"><span class=impact_class>{impact}</span></span>
            <span class="td">{row.flag_type}</span>
            <span class="td">{row.source_agent}</span>
            <span class="td">{if target.is_empty() { "(broadcast)".to_owned() } else { target }}</span>
            <span class="td change-col" title=title>{row.change_description}</span>
            <span class="td">{row.status.sql().to_owned()}{row.locked.then_some(" · locked")}</span>
            <span class="td muted">{row.created_at}</span>
        </div>
    }
}

/// Downloads the flags the filter keeps as CSV (formula-looking text neutralised) or JSON.
/// Downloads every column of the flags the filter keeps, in the list's order, as CSV or JSON.
/// SQLite builds the file's text in the worker (`table_export`), so a whole filter is converted
/// off the page's thread and arrives as one string.
fn export_filtered(app: AppState, list: ListState, json: bool) {
    let Some(open) = app.current.get_untracked() else { return };
    let (sort, descending) = list.sort.get_untracked();
    let columns = open.facts.tables.get("flags").cloned().unwrap_or_default();
    let export = list.filter.get_untracked().export_query(columns, sort, descending);
    let sql = if json { export.json_sql() } else { export.csv_sql() };
    spawn_local(async move {
        match open.db.query(&sql, &export.params).await {
            Ok(rs) => {
                let stem = open.name.trim_end_matches(".db").to_owned();
                let text = export.file(!json, rs.scalar().unwrap_or(&Value::Null));
                let (name, mime) = if json {
                    (format!("{stem}-flags.json"), "application/json")
                } else {
                    (format!("{stem}-flags.csv"), "text/csv")
                };
                if let Err(e) = download_text(&name, &text, mime) {
                    app.alert(format!("The flags could not be exported: {e}"));
                }
            }
            Err(e) => app.alert(format!("The flags could not be read for export: {e}")),
        }
    });
}
