//! The flag list: filters with counts, presets, a virtual table fed by keyset pages, and the
//! detail panel with the flag's chain. Read-only for now (editing comes with issue 4's rest).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::app::CatalogState;
use super::app::{AppState, View};
use crate::core::edits;
use crate::core::flags::{
    facet_counts, flag_detail, Cursor, Facet, FlagDetail, FlagFilter, FlagPageQuery, SortColumn,
};
use crate::core::flags::{validate, with_at, FlagDraft, CRITICAL_TYPES};
use crate::core::flags::{MIN_ACTION_REQUIRED, MIN_CHANGE_DESCRIPTION};
use crate::core::{Database, Value};

/// Now as agent_db.py writes times: local time, `YYYY-MM-DD HH:MM`.
fn local_minute() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

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
    let creating = RwSignal::new(false);
    let follow = RwSignal::new(None::<FollowUp>);
    provide_context(FormRequest { creating, follow });
    let new_flag = move || {
        app.go(View::Flags);
        follow.set(None);
        creating.set(true);
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
                    (true, _) => Some(view! { <FlagForm creating=creating /> }.into_any()),
                    (false, Some(id)) => Some(view! { <FlagDetailPanel id=id /> }.into_any()),
                    (false, None) => None,
                }}
            </div>
        </section>
    }
}

/// Every field of one flag and its chain.
#[component]
fn FlagDetailPanel(id: i64) -> impl IntoView {
    let app = expect_context::<AppState>();
    let detail: RwSignal<Option<Result<Option<FlagDetail>, String>>, LocalStorage> =
        RwSignal::new_local(None);
    // Read again after every change.
    Effect::new(move |_| {
        app.data_version.track();
        if let Some(open) = app.current.get_untracked() {
            spawn_local(async move {
                detail.set(Some(flag_detail(&open.db, id).await.map_err(|e| e.to_string())));
            });
        }
    });
    view! {
        <aside class="flag-detail" data-testid="flag-detail" data-flag-id=id>
            <button class="link" on:click=move |_| app.go(View::Flags)>"close"</button>
            {move || match detail.get() {
                None => view! { <p class="muted">"Reading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert" role="alert">{e}</p> }.into_any(),
                Some(Ok(None)) => view! { <p class="warning">{format!("There is no flag #{id} in this file.")}</p> }.into_any(),
                Some(Ok(Some(d))) => view! { <DetailBody detail=d /> }.into_any(),
            }}
        </aside>
    }
}

#[component]
fn DetailBody(detail: FlagDetail) -> impl IntoView {
    let app = expect_context::<AppState>();
    let text = |c: &str| detail.get(c).map(Value::display).unwrap_or_default();
    let files: Vec<String> = text("related_files")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let context = match detail.get("context") {
        Some(Value::Text(raw)) if !raw.is_empty() => match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(v) => view! { <pre class="code">{serde_json::to_string_pretty(&v).unwrap_or_default()}</pre> }.into_any(),
            Err(e) => view! {
                <span class="json-warning" data-testid="json-warning">{format!("⚠ not valid JSON ({e}); shown as stored")}</span>
                <pre class="code">{raw.clone()}</pre>
            }
            .into_any(),
        },
        _ => view! { <span class="muted">"—"</span> }.into_any(),
    };
    let plain = [
        "flag_type",
        "impact_level",
        "status",
        "locked",
        "source_agent",
        "target_agent",
        "created_at",
        "completed_at",
        "completed_by",
        "session_id",
        "acknowledged_at",
    ];
    let id = detail.id;
    let pending = text("status") == "pending";
    let locked = detail.get("locked").and_then(Value::as_i64).unwrap_or(0) != 0;
    let form = expect_context::<FormRequest>();
    let origin = detail.get("chain_origin_id").and_then(Value::as_i64).unwrap_or(detail.id);
    let responder = text("target_agent");
    let asker = responder.clone();
    let source_agent = text("source_agent");
    // A locked flag whose information request (a follow-up its target raised in this chain)
    // has been completed: offer to unlock it.
    let answered = detail
        .chain
        .iter()
        .find(|l| !l.is_origin && l.id != detail.id && l.source_agent == responder && l.status == "completed")
        .map(|l| l.id);
    let completed_by = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    // A refused completion whose text must be lengthened first: (column, the completion values).
    let fix = RwSignal::new(None::<(&'static str, Vec<(&'static str, Value)>)>);
    let fix_text = RwSignal::new(String::new());
    let current_texts = (text("action_required"), text("change_description"));
    view! {
        <h2>{format!("Flag #{}", detail.id)}</h2>
        <div class="flag-actions">
            {if pending {
                view! {
                    <input class="small" placeholder="completed by (optional)" data-testid="complete-by"
                        on:input=move |e| completed_by.set(event_target_value(&e)) />
                    <input class="small" placeholder="notes (optional)" data-testid="complete-notes"
                        on:input=move |e| notes.set(event_target_value(&e)) />
                    <button class="button primary" data-testid="flag-complete" on:click=move |_| {
                        let values = edits::complete_values(
                            &local_minute(),
                            Some(&completed_by.get_untracked()),
                            Some(&notes.get_untracked()),
                        );
                        let retry = values.clone();
                        app.edit_flag_then(id, "complete", values, move |message| {
                            // A row older than the triggers: offer to fix the short text and
                            // complete in the same step, as the tool cannot.
                            let column = if message.starts_with("action_required") {
                                Some("action_required")
                            } else if message.starts_with("change_description") {
                                Some("change_description")
                            } else {
                                None
                            };
                            if let Some(column) = column {
                                fix.set(Some((column, retry.clone())));
                            }
                        });
                    }>"Complete"</button>
                }.into_any()
            } else {
                view! {
                    <button class="button" data-testid="flag-reopen" on:click=move |_| app.edit_flag(id, "reopen", edits::reopen_values())>
                        "Reopen"
                    </button>
                }.into_any()
            }}
            <button class="button" data-testid="flag-follow-up" title="A new flag in this flag's chain" on:click=move |_| {
                form.follow.set(Some(FollowUp { origin, source: responder.clone(), target: String::new(), ask_about: None }));
                app.go(View::Flags);
                form.creating.set(true);
            }>"Follow up"</button>
            {(pending && !locked).then(|| {
                let asker = asker.clone();
                let source_agent = source_agent.clone();
                view! {
                    <button class="button" data-testid="flag-ask" title="Lock this flag and ask another agent for what is missing, in one step" on:click=move |_| {
                        form.follow.set(Some(FollowUp { origin, source: asker.clone(), target: source_agent.clone(), ask_about: Some(id) }));
                        app.go(View::Flags);
                        form.creating.set(true);
                    }>"Ask for information"</button>
                }
            })}
            {(locked && pending).then(|| answered.map(|answer| view! {
                <p class="notice" data-testid="answered">
                    {format!("The information request #{answer} is completed. ")}
                    <button class="button" data-testid="unlock-answered" on:click=move |_| app.edit_flag(id, "unlock", edits::lock_values(false))>"Unlock"</button>
                </p>
            }))}
            {if locked {
                view! { <button class="button" data-testid="flag-unlock" on:click=move |_| app.edit_flag(id, "unlock", edits::lock_values(false))>"Unlock"</button> }.into_any()
            } else {
                view! { <button class="button" data-testid="flag-lock" on:click=move |_| app.edit_flag(id, "lock", edits::lock_values(true))>"Lock"</button> }.into_any()
            }}
        </div>
        {move || fix.get().map(|(column, values)| {
            let (minimum, current) = if column == "action_required" {
                (MIN_ACTION_REQUIRED, current_texts.0.clone())
            } else {
                (MIN_CHANGE_DESCRIPTION, current_texts.1.clone())
            };
            if fix_text.get_untracked().is_empty() {
                fix_text.set(current.clone());
            }
            view! {
                <div class="fix-box" data-testid="fix-box">
                    <p class="warning">
                        {format!(
                            "This flag is older than the database's rules: its {column} is shorter than {minimum} characters, so SQLite refuses any change to it (agent_db.py complete-flag fails on it too). Lengthen it and complete in one step:"
                        )}
                    </p>
                    <textarea data-testid="fix-text" rows="4" prop:value=move || fix_text.get()
                        on:input=move |e| fix_text.set(event_target_value(&e))></textarea>
                    <p class="muted">{move || format!("{}/{minimum}", fix_text.with(|t| t.chars().count()))}</p>
                    <button class="button primary" data-testid="fix-and-apply"
                        disabled=move || fix_text.with(|t| t.chars().count()) < minimum
                        on:click=move |_| {
                            let mut values = values.clone();
                            values.push((column, Value::from(fix_text.get_untracked())));
                            fix.set(None);
                            app.edit_flag(id, "complete (text fixed)", values);
                        }>"Fix and complete"</button>
                </div>
            }
        })}
        <dl class="fields">
            {plain.iter().map(|c| view! { <dt>{*c}</dt> <dd>{text(c)}</dd> }).collect_view()}
            <dt>"change_description"</dt><dd class="prose">{text("change_description")}</dd>
            <dt>"action_required"</dt><dd class="prose">{text("action_required")}</dd>
            <dt>"related_files"</dt>
            <dd><ul class="files">{files.into_iter().map(|f| view! { <li><code>{f}</code></li> }).collect_view()}</ul></dd>
            <dt>"code_location"</dt><dd><code>{text("code_location")}</code></dd>
            <dt>"example_usage"</dt><dd><pre class="code">{text("example_usage")}</pre></dd>
            <dt>"context"</dt><dd>{context}</dd>
            <dt>"notes"</dt><dd class="prose">{text("notes")}</dd>
        </dl>
        <h2>"Chain"</h2>
        {detail.missing_origin.map(|o| view! { <p class="warning">{format!("The chain's origin, flag #{o}, is not in this file.")}</p> })}
        {if detail.chain.is_empty() {
            view! { <p class="muted">"Not part of a chain."</p> }.into_any()
        } else {
            view! {
                <ol class="chain" data-testid="flag-chain">
                    {detail.chain.iter().map(|l| {
                        let id = l.id;
                        view! {
                            <li class:current=l.id == detail.id data-flag-id=id>
                                <button class="link" on:click=move |_| app.go(View::Flag(id))>{format!("#{}", l.id)}</button>
                                {format!(" {} {} → {} · {} · {}", if l.is_origin { "origin ·" } else { "" }, l.source_agent, if l.target_agent.is_empty() { "(broadcast)" } else { &l.target_agent }, l.status, l.created_at)}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}

/// Opens the new-flag form, optionally as a follow-up in an existing chain.
#[derive(Clone, Copy)]
struct FormRequest {
    creating: RwSignal<bool>,
    follow: RwSignal<Option<FollowUp>>,
}

/// A follow-up to write: its chain, the agents to prefill, and for "ask for information" the
/// flag to lock while it waits for the answer.
#[derive(Clone, Debug, PartialEq)]
struct FollowUp {
    origin: i64,
    source: String,
    target: String,
    ask_about: Option<i64>,
}

/// The flag types agent_db.py's users write.
const FLAG_TYPES: &[&str] = &[
    "change",
    "new_feature",
    "refactor",
    "enhancement",
    "deprecation",
    "breaking_change",
    "security",
    "data_loss",
];
const IMPACTS: &[&str] = &["low", "medium", "high", "critical"];

/// A new flag, checked live against the tool's rules before it can be saved.
#[component]
fn FlagForm(creating: RwSignal<bool>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let follow_up = expect_context::<FormRequest>().follow.get_untracked();
    let origin = follow_up.as_ref().map(|f| f.origin);
    let ask_about = follow_up.as_ref().and_then(|f| f.ask_about);
    let consistency = app
        .current
        .get_untracked()
        .is_some_and(|o| o.facts.triggers.iter().any(|t| t == "validate_flag_consistency"));
    let flag_type = RwSignal::new("change".to_owned());
    let impact = RwSignal::new("medium".to_owned());
    let source = RwSignal::new(follow_up.as_ref().map(|f| f.source.clone()).unwrap_or_default());
    let target = RwSignal::new(follow_up.as_ref().map(|f| f.target.clone()).unwrap_or_default());
    let change = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let files = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let example = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let draft = move || FlagDraft {
        flag_type: flag_type.get(),
        source_agent: with_at(&source.get()),
        target_agent: with_at(&target.get()),
        change_description: change.get(),
        action_required: action.get(),
        impact_level: impact.get(),
    };
    let violations = Memo::new(move |_| validate(&draft(), consistency));
    let counter = |text: RwSignal<String>, min: usize| {
        move || {
            let n = text.with(|t| t.chars().count());
            format!("{n}/{min}")
        }
    };
    let known_target = move || {
        let name = with_at(&target.get());
        if name.is_empty() {
            return true;
        }
        match app.catalog.get() {
            CatalogState::Ready(data) => {
                data.agent(&name).is_some() || data.dynamic.iter().any(|d| d.flag_name() == name)
            }
            _ => true,
        }
    };
    let suggestions = move || {
        let text = change.get();
        match app.catalog.get() {
            CatalogState::Ready(data) => data
                .index
                .search_text(&text)
                .into_iter()
                .take(3)
                .map(|h| (data.agents[h.index].name.clone(), h.score))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        }
    };
    let save = move |_| {
        if !violations.get_untracked().is_empty() || saving.get_untracked() {
            return;
        }
        saving.set(true);
        let opt = |s: String| if s.trim().is_empty() { Value::Null } else { Value::from(s.trim()) };
        let values = vec![
            ("flag_type", Value::from(flag_type.get_untracked())),
            ("source_agent", Value::from(with_at(&source.get_untracked()))),
            ("target_agent", Value::from(with_at(&target.get_untracked()))),
            ("change_description", Value::from(change.get_untracked())),
            ("action_required", Value::from(action.get_untracked())),
            ("impact_level", Value::from(impact.get_untracked())),
            ("status", Value::from("pending")),
            ("locked", Value::Integer(0)),
            ("related_files", opt(files.get_untracked())),
            ("code_location", opt(location.get_untracked())),
            ("example_usage", opt(example.get_untracked())),
            ("created_at", Value::from(local_minute())),
        ];
        let mut values = values;
        if let Some(origin) = origin {
            // chain_origin_id always names the first flag of the chain, as the tool writes it.
            values.push(("chain_origin_id", Value::Integer(origin)));
        }
        app.create_flag(values, ask_about, move |ok| {
            saving.set(false);
            if ok {
                creating.set(false);
            }
        });
    };
    let text_input = |label: &'static str, signal: RwSignal<String>, testid: &'static str| {
        view! {
            <label class="form-field">
                <span>{label}</span>
                <input data-testid=testid prop:value=move || signal.get() on:input=move |e| signal.set(event_target_value(&e)) />
            </label>
        }
    };
    view! {
        <aside class="flag-detail" data-testid="flag-form">
            <button class="link" on:click=move |_| creating.set(false)>"cancel"</button>
            <h2 data-testid="form-title">{match (ask_about, origin) {
                (Some(asked), _) => format!("Ask for information about flag #{asked} (it is locked until answered)"),
                (None, Some(origin)) => format!("Follow-up in the chain of flag #{origin}"),
                (None, None) => "New flag".to_owned(),
            }}</h2>
            <div class="form-row">
                <label class="form-field">
                    <span>"Type"</span>
                    <select data-testid="form-type" on:change=move |e| flag_type.set(event_target_value(&e))>
                        {FLAG_TYPES.iter().map(|t| view! { <option value=*t selected=*t == "change">{*t}</option> }).collect_view()}
                    </select>
                </label>
                <label class="form-field">
                    <span>"Impact"</span>
                    <select data-testid="form-impact" on:change=move |e| impact.set(event_target_value(&e))>
                        {IMPACTS.iter().map(|t| view! { <option value=*t selected=*t == "medium">{*t}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            {text_input("From (source agent)", source, "form-source")}
            {text_input("To (target agent; empty = broadcast)", target, "form-target")}
            <div class="suggestions">
                {move || suggestions().into_iter().map(|(name, score)| {
                    let pick = name.clone();
                    view! {
                        <button class="chip" data-testid="target-suggestion" title=format!("search score {score}")
                            on:click=move |_| target.set(pick.clone())>{name}</button>
                    }
                }).collect_view()}
            </div>
            {move || (!known_target()).then(|| view! {
                <p class="warning" data-testid="target-warning">
                    {format!("{} is not an agent of the catalog: nobody may pick this flag up.", with_at(&target.get()))}
                </p>
            })}
            <label class="form-field">
                <span>"What changed (change_description) " <em class="muted">{counter(change, 50)}</em></span>
                <textarea data-testid="form-change" rows="3" prop:value=move || change.get() on:input=move |e| change.set(event_target_value(&e))></textarea>
            </label>
            <label class="form-field">
                <span>"What others must do (action_required) " <em class="muted">{counter(action, 100)}</em></span>
                <textarea data-testid="form-action" rows="4" prop:value=move || action.get() on:input=move |e| action.set(event_target_value(&e))></textarea>
            </label>
            {text_input("Related files (comma-separated)", files, "form-files")}
            {text_input("Code location (file:line)", location, "form-location")}
            {text_input("Example usage", example, "form-example")}
            <ul class="form-errors">
                {move || violations.get().into_iter().map(|v| view! { <li data-testid="flag-error">{v.to_string()}</li> }).collect_view()}
            </ul>
            <p class="muted">
                {format!("Critical is only for {}. ", CRITICAL_TYPES.join(", "))}
                {(!consistency).then_some("This ClaudeSquad file has no consistency trigger; the tool's own checks still apply.")}
            </p>
            <button class="button primary" data-testid="flag-save"
                disabled=move || !violations.get().is_empty() || saving.get()
                on:click=save>"Save flag"</button>
        </aside>
    }
}
