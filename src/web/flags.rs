//! The flag list: filters with counts, presets, a virtual table fed by keyset pages, keyboard
//! triage and bulk actions. The detail panel and the form live in their own modules.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::app::{AppState, View};
use super::flag_detail::FlagDetailPanel;
use super::flag_form::{local_minute, FlagForm, FormRequest};
use crate::core::edits;
use crate::core::flags::{
    facet_counts, flag_detail, with_at, Cursor, Facet, FlagFilter, FlagPageQuery, SortColumn,
};
use crate::core::{Database, Value};

/// Height of one table row in pixels (the virtual list positions rows by it).
const ROW_HEIGHT: f64 = 36.0;
/// Rows fetched per keyset page.
const PAGE: usize = 200;
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 20;

/// One row of the list.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: i64,
    key: Value,
    flag_type: String,
    source: String,
    target: String,
    change: String,
    impact: String,
    status: String,
    locked: bool,
    created_at: String,
}

fn to_row(r: &[Value]) -> Row {
    Row {
        id: r[0].as_i64().unwrap_or_default(),
        key: r[1].clone(),
        flag_type: r[2].display(),
        source: r[3].display(),
        target: r[4].display(),
        change: r[5].display(),
        impact: r[6].display(),
        status: r[7].display(),
        locked: r[8].as_i64().unwrap_or(0) != 0,
        created_at: r[9].display(),
    }
}

const FACETS: [(Facet, &str); 5] = [
    (Facet::Status, "Status"),
    (Facet::Impact, "Impact"),
    (Facet::FlagType, "Type"),
    (Facet::Target, "Target"),
    (Facet::Source, "Source"),
];

/// The filter's selected values of a list facet (`locked` is a yes/no choice, not a list).
fn facet_values(filter: &mut FlagFilter, facet: Facet) -> Option<&mut Vec<String>> {
    match facet {
        Facet::Status => Some(&mut filter.status),
        Facet::Impact => Some(&mut filter.impact),
        Facet::FlagType => Some(&mut filter.flag_type),
        Facet::Target => Some(&mut filter.target),
        Facet::Source => Some(&mut filter.source),
        Facet::Locked => None,
    }
}

/// A facet with the count of flags per value.
type FacetCounts = (Facet, Vec<(String, i64)>);

/// The list state shared by the page's parts.
#[derive(Clone, Copy)]
struct ListState {
    filter: RwSignal<FlagFilter>,
    sort: RwSignal<(SortColumn, bool)>,
    rows: RwSignal<Vec<Row>>,
    total: RwSignal<Option<i64>>,
    done: RwSignal<bool>,
    loading: RwSignal<bool>,
    facets: RwSignal<Vec<FacetCounts>>,
    error: RwSignal<Option<String>>,
    /// Bumped on every new query so that late pages of an old query are dropped.
    epoch: StoredValue<u64>,
}

impl ListState {
    fn query(&self, after: Option<Cursor>) -> FlagPageQuery {
        let (sort, descending) = self.sort.get_untracked();
        FlagPageQuery { filter: self.filter.get_untracked(), sort, descending, after, limit: PAGE }
    }

    /// Starts over: count, facets and the first page for the current filter and sort.
    fn restart(self, app: AppState) {
        let epoch = self.epoch.get_value() + 1;
        self.epoch.set_value(epoch);
        self.rows.set(Vec::new());
        self.done.set(false);
        self.total.set(None);
        self.error.set(None);
        let Some(open) = app.current.get_untracked() else { return };
        let filter = self.filter.get_untracked();
        spawn_local(async move {
            let db = &open.db;
            let (sql, params) = filter.count_sql();
            let total = db.query(&sql, &params).await.map(|rs| rs.scalar().and_then(Value::as_i64));
            let mut facets = Vec::new();
            for (facet, _) in FACETS {
                match facet_counts(db, &filter, facet).await {
                    Ok(values) => {
                        facets.push((facet, values.into_iter().map(|(v, n)| (v.display(), n)).collect()))
                    }
                    Err(e) => {
                        self.error.set(Some(e.to_string()));
                        return;
                    }
                }
            }
            if self.epoch.get_value() != epoch {
                return;
            }
            match total {
                Ok(total) => self.total.set(total),
                Err(e) => self.error.set(Some(e.to_string())),
            }
            self.facets.set(facets);
            self.load_more(app);
        });
    }

    /// Fetches the next keyset page after the last loaded row.
    fn load_more(self, app: AppState) {
        if self.loading.get_untracked() || self.done.get_untracked() {
            return;
        }
        let Some(open) = app.current.get_untracked() else { return };
        let epoch = self.epoch.get_value();
        let after =
            self.rows.with_untracked(|rows| rows.last().map(|r| Cursor { key: r.key.clone(), id: r.id }));
        let (sql, params) = self.query(after).sql();
        self.loading.set(true);
        spawn_local(async move {
            let result = open.db.query(&sql, &params).await;
            if self.epoch.get_value() != epoch {
                self.loading.set(false);
                return;
            }
            match result {
                Ok(rs) => {
                    if rs.rows.len() < PAGE {
                        self.done.set(true);
                    }
                    let page: Vec<Row> = rs.rows.iter().map(|r| to_row(r)).collect();
                    self.rows.update(|rows| rows.extend(page));
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
            self.loading.set(false);
        });
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
    let list = ListState {
        filter: RwSignal::new(FlagFilter { status: vec!["pending".into()], ..Default::default() }),
        sort: RwSignal::new((SortColumn::ToolOrder, false)),
        rows: RwSignal::new(Vec::new()),
        total: RwSignal::new(None),
        done: RwSignal::new(false),
        loading: RwSignal::new(false),
        facets: RwSignal::new(Vec::new()),
        error: RwSignal::new(None),
        epoch: StoredValue::new(0),
    };
    // Any change of filter or sort starts the list over.
    Effect::new(move |_| {
        list.filter.track();
        list.sort.track();
        app.data_version.track();
        list.restart(app);
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
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = 640.0;
    let visible = move || {
        let first = ((scroll_top.get() / ROW_HEIGHT) as usize).saturating_sub(OVERSCAN);
        let count = (viewport / ROW_HEIGHT) as usize + 2 * OVERSCAN;
        (first, first + count)
    };
    // Load pages until the visible window is covered.
    Effect::new(move |_| {
        let (_, end) = visible();
        let loaded = list.rows.with(Vec::len);
        if end > loaded && !list.loading.get() && !list.done.get() {
            list.load_more(app);
        }
    });
    let height = move || {
        let n = list.total.get().map(|t| t as usize).unwrap_or_else(|| list.rows.with(Vec::len));
        format!("{}px", n as f64 * ROW_HEIGHT)
    };
    let window = move || {
        let (start, end) = visible();
        list.rows.with(|rows| {
            rows.iter()
                .enumerate()
                .skip(start)
                .take(end.saturating_sub(start))
                .map(|(i, r)| (i, r.clone()))
                .collect::<Vec<_>>()
        })
    };
    // Keyboard triage: the whole list works without a mouse.
    let help = RwSignal::new(false);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let text_box = NodeRef::<leptos::html::Input>::new();
    let move_to = move |index: usize| {
        let Some(id) = list.rows.with_untracked(|rows| rows.get(index).map(|r| r.id)) else { return };
        app.go(View::Flag(id));
        if let Some(el) = scroller.get_untracked() {
            let top = index as f64 * ROW_HEIGHT;
            let (scroll, height) = (el.scroll_top() as f64, el.client_height() as f64);
            if top < scroll || top + ROW_HEIGHT > scroll + height {
                el.set_scroll_top((top - height / 2.0).max(0.0) as i32);
            }
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        // Typing in a field is typing, not a shortcut.
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing {
            if e.key() == "Escape" {
                if let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = el.blur();
                }
            }
            return;
        }
        let current = selected.get_untracked();
        let index =
            current.and_then(|id| list.rows.with_untracked(|rows| rows.iter().position(|r| r.id == id)));
        let row = index.and_then(|i| list.rows.with_untracked(|rows| rows.get(i).cloned()));
        match e.key().as_str() {
            "j" | "ArrowDown" => move_to(index.map(|i| i + 1).unwrap_or(0)),
            "k" | "ArrowUp" => move_to(index.map(|i| i.saturating_sub(1)).unwrap_or(0)),
            "c" => {
                if let Some(r) = row.filter(|r| r.status == "pending") {
                    app.edit_flag(r.id, "complete", edits::complete_values(&local_minute(), None, None));
                }
            }
            "l" => {
                if let Some(r) = row {
                    let label = if r.locked { "unlock" } else { "lock" };
                    app.edit_flag(r.id, label, edits::lock_values(!r.locked));
                }
            }
            "o" => {
                if let Some(r) = row.filter(|r| r.status == "completed") {
                    app.edit_flag(r.id, "reopen", edits::reopen_values());
                }
            }
            "u" => app.step(true),
            "U" => app.step(false),
            "n" => new_flag(),
            "e" => {
                if let Some(r) = row {
                    edit_flag(r.id);
                }
            }
            "/" => {
                if let Some(el) = text_box.get_untracked() {
                    let _ = el.focus();
                }
            }
            "x" => {
                if let Some(r) = row {
                    toggle_chosen(r.id);
                }
            }
            "?" => help.update(|h| *h = !*h),
            "Escape" => {
                if help.get_untracked() {
                    help.set(false);
                } else {
                    creating.set(false);
                    app.go(View::Flags);
                }
            }
            _ => return,
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
    let header = move |label: &'static str, column: SortColumn| {
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
                        <button class="button" data-testid="preset-pending" on:click=move |_| {
                            list.filter.set(FlagFilter { status: vec!["pending".into()], ..Default::default() });
                            list.sort.set((SortColumn::ToolOrder, false));
                        }>"Pending (tool order)"</button>
                        <button class="button" data-testid="preset-workable" on:click=move |_| {
                            list.filter.set(FlagFilter { status: vec!["pending".into()], locked: Some(false), ..Default::default() });
                            list.sort.set((SortColumn::Target, false));
                        }>"Workable"</button>
                        <button class="button" data-testid="preset-all" on:click=move |_| {
                            list.filter.set(FlagFilter::default());
                            list.sort.set((SortColumn::CreatedAt, true));
                        }>"All flags"</button>
                    </div>
                    <input
                        node_ref=text_box
                        type="search"
                        class="search"
                        placeholder="Text in description, action, files, location, notes"
                        data-testid="flag-text"
                        on:change=move |e| {
                            let text = event_target_value(&e);
                            list.filter.update(|f| f.text = (!text.trim().is_empty()).then_some(text));
                        }
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
                    {move || list.facets.get().into_iter().map(|(facet, values)| {
                        let label = FACETS.iter().find(|(f, _)| *f == facet).map(|(_, l)| *l).unwrap_or("");
                        view! {
                            <fieldset class="facet">
                                <legend>{label}</legend>
                                {values.into_iter().take(40).map(|(value, count)| {
                                    let checked = {
                                        let value = value.clone();
                                        move || list.filter.with(|f| {
                                            let mut f = f.clone();
                                            facet_values(&mut f, facet).is_some_and(|v| v.contains(&value))
                                        })
                                    };
                                    let toggle = value.clone();
                                    view! {
                                        <label class="facet-value" data-testid="facet-value" data-facet=label data-value=value.clone()>
                                            <input type="checkbox" prop:checked=checked on:change=move |_| {
                                                list.filter.update(|f| {
                                                    let Some(values) = facet_values(f, facet) else { return };
                                                    match values.iter().position(|v| *v == toggle) {
                                                        Some(i) => { values.remove(i); }
                                                        None => values.push(toggle.clone()),
                                                    }
                                                });
                                            } />
                                            <span class="facet-name">{if value.is_empty() { "(empty)".to_owned() } else { value.clone() }}</span>
                                            <span class="facet-count">{count}</span>
                                        </label>
                                    }
                                }).collect_view()}
                            </fieldset>
                        }
                    }).collect_view()}
                </aside>
                <div class="flags-main">
                    {move || help.get().then(|| view! {
                        <div class="shortcuts" data-testid="shortcuts-help" role="dialog" aria-label="Keyboard shortcuts">
                            <h2>"Keyboard"</h2>
                            <dl class="fields">
                                <dt><kbd>"j"</kbd> " / " <kbd>"↓"</kbd></dt><dd>"next flag"</dd>
                                <dt><kbd>"k"</kbd> " / " <kbd>"↑"</kbd></dt><dd>"previous flag"</dd>
                                <dt><kbd>"c"</kbd></dt><dd>"complete the selected flag"</dd>
                                <dt><kbd>"l"</kbd></dt><dd>"lock / unlock"</dd>
                                <dt><kbd>"o"</kbd></dt><dd>"reopen a completed flag"</dd>
                                <dt><kbd>"x"</kbd></dt><dd>"choose for a bulk action"</dd>
                                <dt><kbd>"u"</kbd> " / " <kbd>"U"</kbd></dt><dd>"undo / redo"</dd>
                                <dt><kbd>"n"</kbd></dt><dd>"new flag"</dd>
                                <dt><kbd>"e"</kbd></dt><dd>"edit every field of the selected flag"</dd>
                                <dt><kbd>"/"</kbd></dt><dd>"search the text"</dd>
                                <dt><kbd>"Esc"</kbd></dt><dd>"close"</dd>
                                <dt><kbd>"?"</kbd></dt><dd>"this help"</dd>
                            </dl>
                        </div>
                    })}
                    {move || (!chosen.with(Vec::is_empty)).then(|| view! {
                        <div class="bulk-bar" data-testid="bulk-bar">
                            <strong data-testid="bulk-count">{move || chosen.with(Vec::len)}</strong>
                            " chosen · one step, all or nothing:"
                            <button class="button" data-testid="bulk-complete" on:click=move |_| bulk("complete", edits::complete_values(&local_minute(), None, None))>"Complete"</button>
                            <button class="button" data-testid="bulk-lock" on:click=move |_| bulk("lock", edits::lock_values(true))>"Lock"</button>
                            <button class="button" data-testid="bulk-unlock" on:click=move |_| bulk("unlock", edits::lock_values(false))>"Unlock"</button>
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
                        {header("#", SortColumn::Id)}
                        {header("Impact", SortColumn::Impact)}
                        {header("Type", SortColumn::FlagType)}
                        {header("From", SortColumn::Source)}
                        {header("To", SortColumn::Target)}
                        <span class="th change-col">"Change"</span>
                        {header("Status", SortColumn::Status)}
                        {header("Created", SortColumn::CreatedAt)}
                    </div>
                    <div
                        node_ref=scroller
                        class="flag-scroll"
                        style=format!("height:{viewport}px")
                        on:scroll=move |e| {
                            let el = event_target::<web_sys::Element>(&e);
                            scroll_top.set(el.scroll_top() as f64);
                        }
                    >
                        <div class="flag-space" style:height=height>
                            <For each=window key=|(_, r)| r.id let:item>
                                {
                                    let (i, r) = item;
                                    let id = r.id;
                                    view! {
                                        <div
                                            class="flag-row"
                                            class:selected=move || selected.get() == Some(id)
                                            data-testid="flag-row"
                                            data-flag-id=id
                                            style=format!("top:{}px", i as f64 * ROW_HEIGHT)
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
                                            <span class="td"><span class=format!("impact {}", r.impact)>{r.impact.clone()}</span></span>
                                            <span class="td">{r.flag_type.clone()}</span>
                                            <span class="td">{r.source.clone()}</span>
                                            <span class="td">{if r.target.is_empty() { "(broadcast)".to_owned() } else { r.target.clone() }}</span>
                                            <span class="td change-col" title=r.change.clone()>{r.change.clone()}</span>
                                            <span class="td">{r.status.clone()}{r.locked.then_some(" · locked")}</span>
                                            <span class="td muted">{r.created_at.clone()}</span>
                                        </div>
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
