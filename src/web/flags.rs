//! The flag list: filters with counts, presets, a virtual table fed by keyset pages, and the
//! detail panel with the flag's chain. Read-only for now (editing comes with issue 4's rest).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::app::{AppState, View};
use crate::core::edits;
use crate::core::flags::{
    facet_counts, flag_detail, Cursor, Facet, FlagDetail, FlagFilter, FlagPageQuery, SortColumn,
};
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
                                            <span class="td num">{format!("#{id}")}</span>
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
                {move || selected.get().map(|id| view! { <FlagDetailPanel id=id /> })}
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
    let completed_by = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
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
                        app.edit_flag(id, "complete", values);
                    }>"Complete"</button>
                }.into_any()
            } else {
                view! {
                    <button class="button" data-testid="flag-reopen" on:click=move |_| app.edit_flag(id, "reopen", edits::reopen_values())>
                        "Reopen"
                    </button>
                }.into_any()
            }}
            {if locked {
                view! { <button class="button" data-testid="flag-unlock" on:click=move |_| app.edit_flag(id, "unlock", edits::lock_values(false))>"Unlock"</button> }.into_any()
            } else {
                view! { <button class="button" data-testid="flag-lock" on:click=move |_| app.edit_flag(id, "lock", edits::lock_values(true))>"Lock"</button> }.into_any()
            }}
        </div>
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
