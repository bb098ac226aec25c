//! The executive dashboard. The SQL aggregates run in the sql.js worker (off the UI thread);
//! forecasts, the growth what-if and the budgets are recomputed here from those aggregates on
//! every control change, without asking the database again.

mod attention;
mod cache;
mod coverage;
mod drawing;
mod hooks;
mod quests;
mod settings;
pub(crate) mod stores;

pub use attention::follow_section;
pub use settings::DashboardSettings;

/// Whether the dashboard holds a tool store for bytes that may be the file `name` with this
/// header: then an open need not read the stores again (see `stores`).
pub fn tool_store_may_be_held(name: &str, header: &flagdeck_core::header::HeaderInfo) -> bool {
    stores::tool_store_may_be_held(name, header)
}

/// Lets go of the dashboard's stores of any file but the one `app` shows now (the app calls it
/// whenever another file is on screen; see `stores`).
pub fn forget_other_files(app: AppState) {
    let current = app.db().get().map(|open| cache::FileIdentity::of(app, &open));
    stores::forget_other_files(current.as_ref());
}

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use self::attention::Fold;
use self::coverage::{not_recorded, reason, CoverageList};
pub(crate) use self::drawing::use_drawn;
use self::drawing::{Drawn, Part};
use crate::web::files::loader::Shared;
use crate::web::platform::browser::{local_minute, yield_to_browser};
use crate::web::platform::perf::{after_paint, mark, measure, measure_marks, measure_since, perf_now};
use crate::web::share::SharePanel;
use crate::web::state::AppState;
use crate::web::state::{use_latest, Run};
use crate::web::widgets::charts::{Chart, Mark, Series, SvgChart};
use flagdeck_core::dashboard::first::{first_tiles, FirstTiles};
use flagdeck_core::dashboard::outliers::{Outliers, RULE as OUTLIER_RULE};
use flagdeck_core::dashboard::quests::applies as quest_kpis_apply;
use flagdeck_core::dashboard::slots::Slot;
use flagdeck_core::dashboard::{
    aggregates, definitions, derive, filter_choices_with, Aggregates, AsOf, Dashboard, DashboardState,
    FilterChoices, FlagKpis, Range, Verdict,
};
use flagdeck_core::units::{figure, Unit};

/// How a definition is looked up for the hover text.
fn definition(key: &str) -> &'static str {
    definitions().iter().find(|(k, _)| *k == key).map(|(_, d)| *d).unwrap_or("")
}

/// One figure: `data-testid="kpi-<name>"`, the raw number in `data-value` (empty when there is
/// no data), the formatted value (or, without a value, why in words, else "—"), and its
/// definition on hover.
fn kpi(
    name: &'static str,
    label: &'static str,
    (value, shown): (Option<f64>, String),
    def: &'static str,
) -> impl IntoView {
    let in_words = value.is_none() && !shown.is_empty();
    let text = if value.is_some() || in_words { shown } else { "—".to_owned() };
    view! {
        <div class="kpi" data-testid=format!("kpi-{name}") data-value=value.map(|v| (v + 0.0).to_string()).unwrap_or_default()
            title=definition(def)>
            <span class="kpi-label">{label}</span>
            // Without a figure: the reason in words when there is one (see `measured_or`), else a dash.
            <strong class="kpi-value" class:muted=in_words>{text}</strong>
        </div>
    }
}

/// A slot after "per" in a chart's title: `day`, `week`, `month`, `quarter`, `year`, `2 years`.
fn per(slot: Slot) -> String {
    match slot {
        Slot::Week => "week".into(),
        other => other.name(),
    }
}

fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// A count for a tile: the number and its text with thousands separators.
fn count(n: i64) -> (Option<f64>, String) {
    (Some(n as f64), figure(n as f64, Unit::Count))
}

/// An optional figure for a tile: the number and its text in `unit` (empty without a value).
fn measured(v: Option<f64>, unit: Unit) -> (Option<f64>, String) {
    (v, v.map(|v| figure(v, unit)).unwrap_or_default())
}

/// [`measured`], saying `why` in words when there is no figure (`data-value` stays empty).
fn measured_or(v: Option<f64>, unit: Unit, why: &str) -> (Option<f64>, String) {
    (v, v.map(|v| figure(v, unit)).unwrap_or_else(|| why.to_owned()))
}

/// Chart formats: plain `fn(f64) -> String` as [`Chart::format`] wants.
fn compact(v: f64) -> String {
    figure(v, Unit::Compact)
}

fn millis(v: f64) -> String {
    figure(v, Unit::Millis)
}

fn per_day(v: f64) -> String {
    figure(v, Unit::PerDay)
}

type QueryKey = (Range, AsOf, Option<String>, Option<String>, Option<String>, u64);

/// The part of the settings that needs SQL; the rest only re-derives. The stall threshold is
/// part of it: stalled quests are counted in SQL.
fn query_key(s: &DashboardState) -> QueryKey {
    (
        s.range.clone(),
        s.as_of,
        s.target.clone(),
        s.flag_type.clone(),
        s.tool.clone(),
        s.stall_after_hours.to_bits(),
    )
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let state = expect_context::<DashboardSettings>();
    let progress = RwSignal::new(None::<(u32, u32, String)>);
    let has_flags = app.db().get().is_some_and(|o| o.report.generation.has_flags());
    let has_quests = app.db().get().is_some_and(|o| quest_kpis_apply(&o.facts));
    // Settings outlive the file: a target or flag type picked on a file with flags would filter
    // this one's tool calls and health checks, with no control left to clear it.
    if !has_flags && state.with_untracked(|s| s.target.is_some() || s.flag_type.is_some()) {
        state.edit(|s| {
            s.target = None;
            s.flag_type = None;
        });
    }
    let key = Memo::new(move |_| state.with(query_key));
    // The first tiles of the run under way (see [`FirstStrip`]); `None` once it is complete.
    let first = RwSignal::new(None::<FirstTiles>);
    // The run whose measures wait for its figures to be drawn (see [`after_dashboard`]);
    // `computed` draws again after each computation.
    let marks = StoredValue::new(None::<Run>);
    // Whether this computation's first tiles were painted (else its complete figures are).
    let first_painted = StoredValue::new(false);
    let computed = RwSignal::new(0u64);
    let aggregated = use_latest(move |run: Run| {
        // Read (not just tracked): a memo that is never read is never computed, so it would
        // never notice the settings change.
        let query = key.get();
        app.db().data_version().track();
        let open = app.db().current().get()?;
        let settings = state.get_untracked();
        mark("flagdeck:dashboard-start");
        first_painted.set_value(false);
        let now = local_minute();
        let file = cache::FileIdentity::of(app, &open);
        let entry: cache::Key = (query, (settings.as_of == AsOf::Now).then(|| now.clone()));
        if let Some(agg) = cache::get(&file, &entry) {
            // Aggregated already for these bytes and settings: no SQL at all.
            progress.set(None);
            first.set(None);
            after_dashboard(app, state, open, run, marks, computed);
            return Some(futures_ready(Ok(agg)));
        }
        progress.set(Some((0, 5, "starting".into())));
        first.set(None);
        Some(Box::pin(async move {
            // Each step's time, as a measure named after it (the bench prints them).
            let step_started = std::cell::RefCell::new((perf_now(), String::from("start")));
            let report = |step: u32, total: u32, label: &str| {
                let (since, previous) = step_started.replace((perf_now(), label.to_owned()));
                measure_since(&format!("flagdeck:dashboard-step {previous}"), since);
                // The page may be gone by now (the person moved on): then nothing is shown.
                if run.is_latest() {
                    progress.try_set(Some((step, total, label.to_owned())));
                }
            };
            // The first computation of a file: a cheap first statement in the worker (counts, no
            // aggregation) for the first tiles, painted while the stores are read: asked beside
            // that read, not before it. Once they are held, the whole dashboard comes from them
            // sooner than that statement would.
            let complete = Rc::new(Cell::new(false));
            if !stores::held(&file, &open) {
                let (open, settings, complete) = (open.clone(), settings.clone(), complete.clone());
                spawn_local(async move {
                    let tiles = first_tiles(&open.db, &open.facts, &settings).await;
                    // Not once the complete dashboard is there (it holds these figures too).
                    if let (Ok(tiles), true, false) = (tiles, run.is_latest(), complete.get()) {
                        first.try_set(Some(tiles));
                        after_paint(move || {
                            if run.is_latest() && first_painted.try_get_value() == Some(false) {
                                first_painted.set_value(true);
                                measure("flagdeck:dashboard-first", "flagdeck:dashboard-start");
                            }
                        });
                    }
                });
                report(1, 5, "reading the file's tool calls and flags");
            }
            let held = stores::stores(file.clone(), &open).await;
            let computing = perf_now();
            let result = aggregates(&open.db, &open.facts, &settings, &now, &report, held.logs()).await;
            measure_since("flagdeck:dashboard-aggregates", computing);
            if let Ok(agg) = &result {
                cache::put(file, entry, agg.clone());
            }
            complete.set(true);
            if run.is_latest() {
                progress.try_set(None);
                first.try_set(None);
                after_dashboard(app, state, open, run, marks, computed);
            }
            result.map_err(|e| e.to_string())
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = Result<Aggregates, String>>>>)
    });
    let dashboard = Memo::new(move |_| {
        let agg = aggregated.get()?.ok()?;
        Some(state.with(|s| derive(agg, s)))
    });
    let drawn = use_drawn(dashboard.into(), computed.into(), move || {
        // Only for the latest run: its `flagdeck:dashboard-start` mark is the one there now.
        if marks.try_update_value(Option::take).flatten().is_some_and(|run| run.is_latest()) {
            mark("flagdeck:dashboard-shown");
            measure_marks("flagdeck:dashboard", "flagdeck:dashboard-start", "flagdeck:dashboard-shown");
            // No first tiles were painted (from the cache, the stores held, or complete before
            // the tiles came): the first figures painted are these.
            if !first_painted.get_value() {
                first_painted.set_value(true);
                measure_marks(
                    "flagdeck:dashboard-first",
                    "flagdeck:dashboard-start",
                    "flagdeck:dashboard-shown",
                );
            }
        }
    });
    // The body is made once; its parts redraw themselves.
    let started = Memo::new(move |_| drawn.started());
    // The controls and the share panel each in a task of their own after the page (a switch of
    // pages is one task otherwise, over 50 ms while the workers still read the file).
    let later = RwSignal::new(0u8);
    spawn_local(async move {
        for step in 1..=2 {
            yield_to_browser().await;
            later.try_set(step);
        }
    });
    let controls = Memo::new(move |_| later.get() >= 1);
    let share = Memo::new(move |_| later.get() >= 2);
    view! {
        <section class="page dashboard" data-testid="dashboard">
            {move || controls.get().then(|| view! {
                <Controls state=state choices=state.choices() has_flags=has_flags has_quests=has_quests />
            })}
            {move || progress.get().map(|(step, total, label)| view! {
                <p class="progress" data-testid="dashboard-progress">
                    <progress max=total value=step></progress>
                    {format!(" Computing in the worker: {label}…")}
                </p>
            })}
            {move || first.get().map(|t| view! { <FirstStrip tiles=t /> })}
            {move || match aggregated.get() {
                Some(Err(e)) => Some(view! { <p class="alert" role="alert">{format!("The dashboard could not be computed: {e}")}</p> }.into_any()),
                _ => None,
            }}
            {move || started.get().then(|| view! {
                <div class="dashboard-body" data-testid="dashboard-body"><DashboardBody drawn=drawn state=state /></div>
            })}
            {move || share.get().then(|| view! {
                <SharePanel state=state aggregated=Signal::derive(move || aggregated.get().and_then(Result::ok)) />
            })}
        </section>
    }
}

/// A future already complete (the aggregates came from [`cache`]), boxed like a computation.
fn futures_ready(
    agg: Result<Aggregates, String>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Aggregates, String>>>> {
    Box::pin(std::future::ready(agg))
}

/// The first tiles, shown while the full aggregation runs (issue 14 item 5): whole-file tool
/// calls and the flags pending now, from [`first_tiles`]; the complete dashboard replaces them.
#[component]
fn FirstStrip(tiles: FirstTiles) -> impl IntoView {
    view! {
        <div class="kpis" data-testid="dashboard-first">
            {tiles.tool_calls.map(|n| kpi("first-tool-calls", "Tool calls (whole file)", count(n), "tool-latency"))}
            {tiles.pending.map(|n| kpi("first-pending", "Pending", count(n), "pending"))}
        </div>
    }
}

/// Once `run`'s computation ended: its measures (`flagdeck:dashboard`, and
/// `flagdeck:dashboard-first` too when no first tiles were painted) wait in `marks` until the
/// figures are drawn, which `computed` asks for; then the filter choices. They scan tool_logs:
/// read after the figures, and again only when the data changed.
fn after_dashboard(
    app: AppState,
    settings: DashboardSettings,
    open: Shared,
    run: Run,
    marks: StoredValue<Option<Run>>,
    computed: RwSignal<u64>,
) {
    marks.set_value(Some(run));
    // Not from inside the computation that calls this: once it has returned.
    spawn_local(async move {
        computed.try_update(|n| *n += 1);
    });
    spawn_local(async move {
        let key = app.db().data_key();
        if settings.choices_stale(key) {
            // From the stores when they are held (no scan of flags or tool_logs in the worker,
            // where it would hold up the next computation's statements).
            let held = stores::held_now(&cache::FileIdentity::of(app, &open));
            if let Ok(c) = filter_choices_with(&open.db, &open.facts, held.logs()).await {
                settings.choices_read(key, c);
            }
        }
    });
}

/// Range, as-of, filters.
#[component]
fn Controls(
    state: DashboardSettings,
    choices: Signal<FilterChoices>,
    has_flags: bool,
    has_quests: bool,
) -> impl IntoView {
    let range_button = move |label: &'static str, range: Range| {
        let active = {
            let range = range.clone();
            move || state.with(|s| s.range == range)
        };
        view! {
            <button class="button" class:active=active data-testid=format!("range-{}", label.to_lowercase().replace(' ', "-"))
                on:click=move |_| state.edit(|s| s.range = range.clone())>{label}</button>
        }
    };
    let custom = RwSignal::new((String::new(), String::new()));
    let apply_custom = move || {
        let (from, to) = custom.get_untracked();
        if !from.is_empty() && !to.is_empty() {
            state.edit(|s| s.range = Range::Custom { from, to });
        }
    };
    let select = move |label: &'static str,
                       testid: &'static str,
                       options: Signal<Vec<String>>,
                       get: fn(&DashboardState) -> Option<String>,
                       set: fn(&mut DashboardState, Option<String>)| {
        view! {
            <label class="control">
                {label}
                <select data-testid=testid on:change=move |e| {
                    let v = event_target_value(&e);
                    state.edit(|s| set(s, (!v.is_empty()).then_some(v)));
                }>
                    <option value="">"all"</option>
                    {move || {
                        let current = state.with(get);
                        options.get().into_iter().map(|o| {
                            let selected = current.as_deref() == Some(o.as_str());
                            view! { <option value=o.clone() selected=selected>{if o.is_empty() { "(broadcast)".to_owned() } else { o.clone() }}</option> }
                        }).collect_view()
                    }}
                </select>
            </label>
        }
    };
    view! {
        <div class="dashboard-controls" role="group" aria-label="Dashboard settings">
            <span class="control">"Range "</span>
            {range_button("7 days", Range::Days(7))}
            {range_button("30 days", Range::Days(30))}
            {range_button("90 days", Range::Days(90))}
            {range_button("All", Range::All)}
            <button class="button" class:active=move || state.with(|s| s.range == Range::Everything) data-testid="range-everything"
                title=OUTLIER_RULE
                on:click=move |_| state.edit(|s| s.range = Range::Everything)>"All time incl. outliers"</button>
            <label class="control">"from "
                <input type="date" data-testid="range-from" on:change=move |e| { custom.update(|c| c.0 = event_target_value(&e)); apply_custom(); } />
            </label>
            <label class="control">"to "
                <input type="date" data-testid="range-to" on:change=move |e| { custom.update(|c| c.1 = event_target_value(&e)); apply_custom(); } />
            </label>
            <label class="control" title="Fixtures and old files are from the past: ages count from their latest activity unless you choose now.">
                "As of "
                <select data-testid="as-of" on:change=move |e| {
                    let now = event_target_value(&e) == "now";
                    state.edit(|s| s.as_of = if now { AsOf::Now } else { AsOf::Latest });
                }>
                    <option value="latest" selected=move || state.with(|s| s.as_of == AsOf::Latest)>"latest activity in the file"</option>
                    <option value="now" selected=move || state.with(|s| s.as_of == AsOf::Now)>"now"</option>
                </select>
            </label>
            // Targets and flag types come from flags: no such filters for a file without flags.
            {has_flags.then(|| view! {
                {select("Target ", "filter-target", Signal::derive(move || choices.with(|c| c.targets.clone())), |s| s.target.clone(), |s, v| s.target = v)}
                {select("Type ", "filter-type", Signal::derive(move || choices.with(|c| c.flag_types.clone())), |s| s.flag_type.clone(), |s, v| s.flag_type = v)}
            })}
            {select("Tool ", "filter-tool", Signal::derive(move || choices.with(|c| c.tools.clone())), |s| s.tool.clone(), |s, v| s.tool = v)}
            // The stall threshold only means something in a file with quests.
            {has_quests.then(|| view! {
                <label class="control" title=definition("quests-stalled")>
                    "Quest stalled after (hours) "
                    <input type="number" min="0" step="any" class="small" data-testid="quest-stall-hours"
                        prop:value=move || state.with(|s| s.stall_after_hours.to_string())
                        on:change=move |e| {
                            if let Some(v) = event_target_value(&e).parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0) {
                                state.edit(|s| s.stall_after_hours = v);
                            }
                        } />
                </label>
            })}
        </div>
    }
}

/// `snapshot`: the figures came from a snapshot link (no file behind them: the outliers are
/// named, not linked).
#[component]
pub(super) fn DashboardBody(
    drawn: Drawn,
    state: DashboardSettings,
    #[prop(optional)] snapshot: bool,
) -> impl IntoView {
    // Each part is its own closure over the figures it was given (see `drawing`).
    let verdict = move || {
        drawn.get(Part::Verdict).map(|d| {
            let w = d.aggregates.window.clone();
            let window = format!("{} → {} (as of {}), one slot per {}", w.start, w.end, w.as_of, per(w.slot));
            let outliers = (!w.outliers.is_empty())
                .then(|| view! { <OutlierNotice o=w.outliers.clone() state=state snapshot=snapshot /> });
            view! {
                <attention::AttentionStrip dashboard=d.clone() />
                <p class="muted" data-testid="dashboard-window" data-start=w.start.clone() data-end=w.end.clone()
                    data-as-of=w.as_of.clone() data-slot=w.slot.name()>{window}</p>
                {outliers}
            }
        })
    };
    // No flag sections for a file without flags (Acolytes 2.x): absent, not zero.
    let flags = move || {
        drawn.get(Part::Flags).and_then(|d| {
            let a = d.aggregates;
            let (k, slot, cov) = (a.flags?, a.window.slot, a.coverage);
            Some(view! {
                <Fold section="flags" title="Flags">
                    <FlagSection k=k period=slot />
                    <CoverageList coverage=cov section="flags" />
                </Fold>
            })
        })
    };
    let quests = move || {
        drawn.get(Part::Quests).and_then(|d| {
            let a = d.aggregates;
            a.quests.is_some().then(|| {
                view! {
                    <Fold section="quests" title="Quests" testid="quests-section">
                        <quests::QuestSection quests=a.quests.clone() period=per(a.window.slot.table_slot()) />
                        <CoverageList coverage=a.coverage.clone() section="quests" />
                    </Fold>
                }
            })
        })
    };
    let tools = move || {
        drawn.get(Part::Tools).map(|d| {
            let cov = d.aggregates.coverage.clone();
            view! {
                <Fold section="tools" title="Tool calls">
                    <ToolSection dashboard=d target=state.with_untracked(|s| s.target.clone()) />
                    <CoverageList coverage=cov section="tools" />
                </Fold>
            }
        })
    };
    let health = move || {
        drawn.get(Part::Health).map(|d| {
            let cov = d.aggregates.coverage.clone();
            view! {
                <Fold section="health" title="Agent health">
                    <HealthSection dashboard=d />
                    <CoverageList coverage=cov section="health" />
                </Fold>
            }
        })
    };
    let capacity = move || {
        drawn.get(Part::Capacity).map(|d| view! { <Fold section="capacity" title="Capacity"><CapacitySection dashboard=d state=state /></Fold> })
    };
    let budgets = move || {
        drawn.get(Part::Budgets).map(|d| {
            view! { <Fold section="budgets" title="Performance budgets"><BudgetSection dashboard=d state=state /></Fold> }
        })
    };
    // Many tables: across both columns, after the sections that pair up.
    let hooks = move || {
        drawn.get(Part::Hooks).and_then(|d| {
            let a = d.aggregates;
            a.hooks.is_some().then(|| {
                view! {
                    <Fold section="hooks" title="Hook activity" testid="hook-section" wide=true>
                        <hooks::HookSection hooks=a.hooks.clone() coverage=a.coverage.clone() />
                    </Fold>
                }
            })
        })
    };
    view! {
        // The verdict first; then the sections, each foldable, in a grid (two columns on a laptop).
        {verdict}
        <div class="dashboard-grid">
            {flags}
            {quests}
            {tools}
            {health}
            {capacity}
            {budgets}
            {hooks}
        </div>
    }
}

/// The dated values left out of the default window ([`OUTLIER_RULE`]): how many, which rows
/// (flags and quests linked to their pages), and a way to include them.
#[component]
fn OutlierNotice(o: Outliers, state: DashboardSettings, snapshot: bool) -> impl IntoView {
    let (outside, unreadable) = (o.outside(), o.unreadable());
    let mut parts = Vec::new();
    if outside > 0 {
        parts.push(format!(
            "{outside} date{} outside the file's activity{}",
            if outside == 1 { "" } else { "s" },
            if o.included {
                " (included: the range you chose reaches them)"
            } else {
                " (left out of the default window and of \"as of\")"
            }
        ));
    }
    if unreadable > 0 {
        parts.push(format!(
            "{unreadable} timestamp{} that cannot be read (left out of every figure)",
            if unreadable == 1 { "" } else { "s" }
        ));
    }
    let fences = o
        .fences
        .clone()
        .map(|(lo, hi)| {
            format!(" Dates from {lo} to {hi} count as the file's activity (the fences of the rule below).")
        })
        .unwrap_or_default();
    let sources = o
        .sources
        .iter()
        .map(|s| {
            let rows = s
                .rows
                .iter()
                .map(|r| {
                    let what = format!("{} ({})", r.id, if r.unreadable { format!("unreadable: {}", r.value) } else { r.value.clone() });
                    let href = match s.table.as_str() {
                        "flags" if !snapshot => Some(format!("#flag/{}", r.id)),
                        "acolyte_quests" if !snapshot => Some(format!("#quest/{}", r.id)),
                        _ => None,
                    };
                    match href {
                        Some(href) => view! {
                            <li><a href=href data-testid="outlier-link" data-table=s.table.clone() data-id=r.id.to_string()>{format!("#{what}")}</a></li>
                        }
                        .into_any(),
                        None => view! { <li data-testid="outlier-row" data-table=s.table.clone() data-id=r.id.to_string()>{format!("row {what}")}</li> }.into_any(),
                    }
                })
                .collect_view();
            let more = (s.outside + s.unreadable) - s.rows.len() as i64;
            view! {
                <li data-testid="outlier-source" data-table=s.table.clone() data-column=s.column.clone()
                    data-outside=s.outside.to_string() data-unreadable=s.unreadable.to_string()>
                    {format!("{}.{}: ", s.table, s.column)}
                    <ul class="inline-list">{rows}</ul>
                    {(more > 0).then(|| format!(" and {more} more"))}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="notice" role="note" data-testid="dashboard-outliers" data-outside=outside.to_string()
            data-unreadable=unreadable.to_string() data-included=o.included.to_string()>
            <p>{format!("This file has {}.{fences} ", parts.join(" and "))}<span class="muted">{OUTLIER_RULE}</span></p>
            <ul>{sources}</ul>
            {(!o.included && !snapshot).then(|| view! {
                <button class="button" data-testid="outliers-include" on:click=move |_| state.edit(|s| s.range = Range::Everything)>
                    "Include them: all time including outliers"
                </button>
            })}
        </div>
    }
}

/// The flag figures: KPIs, flow per slot, bottlenecks, chains, weeks (or longer periods).
#[component]
fn FlagSection(k: FlagKpis, period: Slot) -> impl IntoView {
    let slot = period;
    let k = &k;
    let level = |l: &str| k.pending_by_impact.iter().find(|(x, _)| x == l).map(|(_, n)| *n).unwrap_or(0);
    let opt_hours = |h: Option<f64>| measured(h, Unit::Hours);
    let opt_share = |s: Option<f64>| measured(s, Unit::Share);
    let flags_kpis = view! {
        <div class="kpis">
            {kpi("pending", "Pending", count(k.pending), "pending")}
            {kpi("pending-critical", "Critical", count(level("critical")), "pending")}
            {kpi("pending-high", "High", count(level("high")), "pending")}
            {kpi("pending-medium", "Medium", count(level("medium")), "pending")}
            {kpi("pending-low", "Low", count(level("low")), "pending")}
            {kpi("workable", "Workable", count(k.workable), "workable")}
            {kpi("locked-pending", "Locked pending", count(k.locked_pending), "locked-pending")}
            {kpi("created", "Created", count(k.created), "created")}
            {kpi("completed", "Completed", count(k.completed), "completed")}
            {kpi("completion-rate", "Completion rate", opt_share(k.completion_rate), "completion-rate")}
            {kpi("lead-time-p50-hours", "Lead time p50", opt_hours(k.lead_time_p50_hours), "lead-time")}
            {kpi("lead-time-p90-hours", "Lead time p90", opt_hours(k.lead_time_p90_hours), "lead-time")}
            {kpi("oldest-critical-hours", "Oldest critical", opt_hours(k.oldest_critical_hours), "oldest")}
            {kpi("oldest-high-hours", "Oldest high", opt_hours(k.oldest_high_hours), "oldest")}
            {kpi("routing-errors", "Routing errors", count(k.routing_errors), "routing-errors")}
            {kpi("routing-error-share", "Misrouted share", opt_share(k.routing_error_share), "routing-errors")}
            {kpi("chains", "Chains", count(k.chains), "chains")}
        </div>
    };
    let flow = Chart {
        title: format!("Flags per {}", per(slot)),
        labels: k.daily.iter().map(|d| d.day.clone()).collect(),
        series: vec![
            Series {
                name: "created".into(),
                class: "s1",
                mark: Mark::Bars,
                values: k.daily.iter().map(|d| Some(d.created as f64)).collect(),
            },
            Series {
                name: "completed".into(),
                class: "s2",
                mark: Mark::Bars,
                values: k.daily.iter().map(|d| Some(d.completed as f64)).collect(),
            },
            Series {
                name: format!("backlog (end of {})", per(slot)),
                class: "s3",
                mark: Mark::Line,
                values: k.daily.iter().map(|d| Some(d.backlog as f64)).collect(),
            },
        ],
        band: None,
        unit: "flags".into(),
        format: compact,
    };
    let weekly_table = k
        .weekly
        .iter()
        .map(|(w, c, d)| view! { <tr><th scope="row">{w.clone()}</th><td>{figure(*c as f64, Unit::Count)}</td><td>{figure(*d as f64, Unit::Count)}</td></tr> })
        .collect_view();
    let bottlenecks = k
        .bottlenecks
        .iter()
        .map(|b| {
            view! {
                <tr data-testid="bottleneck">
                    <th scope="row">{if b.target.is_empty() { "(broadcast)".to_owned() } else { b.target.clone() }}</th>
                    <td>{figure(b.pending as f64, Unit::Count)}</td>
                    <td>{b.oldest_hours.map(|h| figure(h, Unit::Hours)).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let chains =
        k.chain_lengths.iter().map(|(len, n)| format!("{n} of {len} flags")).collect::<Vec<_>>().join(", ");
    view! {
        <section data-testid="dashboard-flags">
        {flags_kpis}
        <SvgChart chart=flow />
        <div class="dashboard-columns">
            <div>
                <h3 title=definition("oldest")>"Bottlenecks: top targets by pending"</h3>
                <table class="data">
                    <thead><tr><th>"Target"</th><th>"Pending"</th><th>"Oldest"</th></tr></thead>
                    <tbody>{bottlenecks}</tbody>
                </table>
                <p class="muted" title=definition("chains")>{format!("Chains by length: {}", if chains.is_empty() { "none".to_owned() } else { chains })}</p>
            </div>
            <div>
                <h3>{format!("Per {}", per(slot.table_slot()))}</h3>
                <table class="data">
                    <thead><tr><th>{capitalised(&per(slot.table_slot()))}</th><th>"Created"</th><th>"Completed"</th></tr></thead>
                    <tbody>{weekly_table}</tbody>
                </table>
            </div>
        </div>
        </section>
    }
}

/// The tool figures; `target`: the agent filter in use. Figures of durations no call records,
/// or of an agent when no call records its agent, collapse to one "not recorded" line.
#[component]
fn ToolSection(dashboard: Dashboard, target: Option<String>) -> impl IntoView {
    let Some(t) = dashboard.aggregates.tools.clone() else {
        return view! { <p class="muted">"This file has no tool_logs table."</p> }.into_any();
    };
    let cov = &dashboard.aggregates.coverage;
    if let Some(agent) = target.filter(|_| cov.none_recorded("tools", "agent_name")) {
        let label = format!("Tool calls of {agent}");
        return view! { {not_recorded("tool-agent", &label, &reason(cov, "tools", "agent_name"))} }
            .into_any();
    }
    let no_durations = cov.none_recorded("tools", "duration_ms");
    let durations_line = no_durations.then(|| {
        not_recorded("tool-latency", "Tool latency (p50, p95, p99)", &reason(cov, "tools", "duration_ms"))
    });
    // No call failed and none has an error message: the failures are not recorded (the core
    // leaves the rate unknown, see `aggregates_with`).
    let no_failures = t.calls > 0 && t.error_rate.is_none();
    let failures_line =
        no_failures.then(|| not_recorded("error-rate", "Error rate", &reason(cov, "tools", "error_message")));
    let f = &dashboard.tool_forecast;
    let growth = f.fit.map(|fit| fit.factor);
    let weeks: Vec<String> = f
        .history
        .iter()
        .map(|(w, _)| w.clone())
        .chain(f.projection.iter().map(|p| p.label.clone()))
        .collect();
    let hist = f.history.len();
    let mut actual: Vec<Option<f64>> = f.history.iter().map(|(_, v)| Some(*v)).collect();
    actual.resize(weeks.len(), None);
    let mut projected: Vec<Option<f64>> = vec![None; hist.saturating_sub(1)];
    if let Some((_, last)) = f.history.last() {
        projected.push(Some(*last));
    }
    projected.extend(f.projection.iter().map(|p| Some(p.mid)));
    let mut band: Vec<Option<(f64, f64)>> = vec![None; hist];
    band.extend(f.projection.iter().map(|p| Some((p.low, p.high))));
    let forecast = Chart {
        title: "Tool calls per whole week, with the trend forward".into(),
        labels: weeks,
        series: vec![
            Series { name: "calls".into(), class: "s1", mark: Mark::Bars, values: actual },
            Series { name: "forecast".into(), class: "s4", mark: Mark::Dashed, values: projected },
        ],
        band: Some(band),
        unit: "calls / week".into(),
        format: compact,
    };
    let latency = Chart {
        title: format!("Tool latency per {}", per(dashboard.aggregates.window.slot)),
        labels: t.daily.iter().map(|d| d.day.clone()).collect(),
        series: vec![
            Series {
                name: "p50".into(),
                class: "s2",
                mark: Mark::Line,
                values: t.daily.iter().map(|d| d.latency.p50).collect(),
            },
            Series {
                name: "p95".into(),
                class: "s3",
                mark: Mark::Line,
                values: t.daily.iter().map(|d| d.latency.p95).collect(),
            },
        ],
        band: None,
        unit: "ms".into(),
        format: millis,
    };
    let mut slowest = t.per_tool.clone();
    flagdeck_core::order::sort_by(&mut slowest, |a, b| {
        b.latency.p95.unwrap_or(0.0).total_cmp(&a.latency.p95.unwrap_or(0.0))
    });
    let rows = slowest
        .iter()
        .map(|s| {
            view! {
                <tr data-testid="tool-row" data-tool=s.tool.clone()>
                    <th scope="row">{s.tool.clone()}</th>
                    <td>{figure(s.calls as f64, Unit::Count)}</td>
                    {(!no_durations).then(|| view! {
                        <td>{s.latency.p50.map(millis).unwrap_or_default()}</td>
                        <td>{s.latency.p95.map(millis).unwrap_or_default()}</td>
                        <td>{s.latency.p99.map(millis).unwrap_or_default()}</td>
                        <td>{s.latency.max.map(millis).unwrap_or_default()}</td>
                    })}
                    <td>{s.error_rate().map(|r| figure(r, Unit::Share)).unwrap_or_default()}</td>
                    <td>{figure(s.blocked as f64, Unit::Count)}</td>
                </tr>
            }
        })
        .collect_view();
    let ms = |v: Option<f64>| measured(v, Unit::Millis);
    view! {
        <div class="kpis">
            {kpi("tool-calls", "Calls", count(t.calls), "tool-latency")}
            {(!no_durations).then(|| view! {
                {kpi("tool-p50-ms", "p50", ms(t.latency.p50), "tool-latency")}
                {kpi("tool-p95-ms", "p95", ms(t.latency.p95), "tool-latency")}
                {kpi("tool-p99-ms", "p99", ms(t.latency.p99), "tool-latency")}
            })}
            {(!no_failures).then(|| kpi("error-rate", "Error rate", measured(t.error_rate, Unit::Share), "error-rate"))}
            {kpi("hook-blocks", "Hook blocks", count(t.blocked), "hook-blocks")}
            {kpi("peak-calls-per-hour", "Busiest hour", measured(Some(t.peak_per_hour as f64), Unit::Calls), "tool-load")}
            {kpi("tool-growth-weekly", "Weekly growth", measured(growth, Unit::Factor), "forecast")}
        </div>
        {durations_line}
        {failures_line}
        <div class="dashboard-columns">
            <SvgChart chart=forecast />
            {(!no_durations).then(|| view! { <SvgChart chart=latency /> })}
        </div>
        <h3>{if no_durations { "Tools by calls" } else { "Slowest tools" }}</h3>
        <table class="data">
            <thead><tr><th>"Tool"</th><th>"Calls"</th>
                {(!no_durations).then(|| view! { <th>"p50"</th><th>"p95"</th><th>"p99"</th><th>"max"</th> })}
                <th>"Errors"</th><th>"Hook blocks"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn HealthSection(dashboard: Dashboard) -> impl IntoView {
    let Some(h) = dashboard.aggregates.health.clone() else {
        return view! { <p class="muted">"No agent health checks in this file."</p> }.into_any();
    };
    let statuses = h.latest_by_status.iter().map(|(s, n)| format!("{n} {s}")).collect::<Vec<_>>().join(", ");
    let drift = Chart {
        title: format!("Mean drift score per {}", per(dashboard.aggregates.window.slot.table_slot())),
        labels: h.drift_weekly.iter().map(|(w, _)| w.clone()).collect(),
        series: vec![Series {
            name: "drift".into(),
            class: "s3",
            mark: Mark::Line,
            values: h.drift_weekly.iter().map(|(_, v)| Some(*v)).collect(),
        }],
        band: None,
        unit: "drift score".into(),
        format: |v| format!("{v:.1}"),
    };
    let rows = h
        .latest
        .iter()
        .map(|c| {
            view! {
                <tr class:warn=c.needs_compaction>
                    <th scope="row">{c.agent.clone()}</th>
                    <td>{c.status.clone()}</td>
                    <td>{c.drift_score.map(|d| format!("{d:.1}")).unwrap_or_default()}</td>
                    <td>{if c.needs_compaction { "yes" } else { "" }}</td>
                    <td class="muted">{c.checked_at.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="kpis">
            {kpi("agents-checked", "Agents checked", count(h.latest.len() as i64), "health")}
            {kpi("health-checks", "Checks in range", count(h.checks), "health")}
            {kpi("needs-compaction", "Need compaction", count(h.needing_compaction.len() as i64), "health")}
        </div>
        <p class="muted" title=definition("health")>{format!("Latest check per agent: {statuses}")}</p>
        <div class="dashboard-columns">
            {if dashboard.aggregates.coverage.none_recorded("health", "drift_score") {
                not_recorded("drift", "Mean drift score", &reason(&dashboard.aggregates.coverage, "health", "drift_score")).into_any()
            } else {
                view! { <SvgChart chart=drift /> }.into_any()
            }}
            <table class="data">
                <thead><tr><th>"Agent"</th><th>"Status"</th><th>"Drift"</th><th>"Compaction"</th><th>"Checked"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn CapacitySection(dashboard: Dashboard, state: DashboardSettings) -> impl IntoView {
    let c = dashboard.capacity.clone();
    let load = dashboard.tool_load.clone();
    let f = &dashboard.flag_forecast;
    let backlog = Chart {
        title: format!(
            "Backlog projection, next {} days (with the what-if)",
            c.projection.len().saturating_sub(1)
        ),
        labels: (0..c.projection.len()).map(|d| format!("day {d}")).collect(),
        series: vec![Series {
            name: "pending".into(),
            class: "s3",
            mark: Mark::Line,
            values: c.projection.iter().map(|v| Some(*v)).collect(),
        }],
        band: None,
        unit: "flags".into(),
        format: compact,
    };
    let inflow = Chart {
        title: "Flags created per day: trend forward".into(),
        labels: f.projection.iter().map(|p| p.label.clone()).collect(),
        series: vec![Series {
            name: "forecast".into(),
            class: "s4",
            mark: Mark::Dashed,
            values: f.projection.iter().map(|p| Some(p.mid)).collect(),
        }],
        band: Some(f.projection.iter().map(|p| Some((p.low, p.high))).collect()),
        unit: "flags / day".into(),
        format: per_day,
    };
    let flag_growth = f.fit.map(|fit| fit.factor);
    let rate = |v: f64| measured(Some(v), Unit::PerDay);
    // The flag capacity needs flags; the tool load is there in every generation.
    let flag_capacity = dashboard.aggregates.flags.is_some().then(|| {
        view! {
            <div class="kpis" data-testid="dashboard-flag-capacity">
                {kpi("inflow-per-day", "Inflow λ", rate(c.inflow_what_if), "utilisation")}
                {kpi("capacity-per-day", "Completion μ", rate(c.capacity), "utilisation")}
                {kpi("utilisation", "Utilisation ρ", measured_or(c.utilisation, Unit::Ratio, if c.capacity == 0.0 { "nothing completed in the last 28 days" } else { "no flags arriving" }), "utilisation")}
                {kpi("days-to-clear", "Days to clear", measured_or(c.days_to_clear, Unit::Days, if c.net_per_day >= 0.0 { "never at this rate (the backlog grows or holds)" } else { "" }), "days-to-clear")}
                {kpi("days-to-double", "Days to double", measured_or(c.days_to_double, Unit::Days, if c.net_per_day <= 0.0 { "not growing" } else { "" }), "days-to-double")}
                {kpi("flag-growth-weekly", "Flag growth / week", measured(flag_growth, Unit::Factor), "forecast")}
            </div>
            <div class="dashboard-columns">
                <SvgChart chart=backlog />
                <SvgChart chart=inflow />
            </div>
        }
    });
    view! {
        <div class="what-if">
            <label class="control" for="growth">
                "What-if: inflow + "
                <strong data-testid="growth-value">{move || format!("{:.0} %", state.with(|s| s.growth) * 100.0)}</strong>
            </label>
            <input id="growth" type="range" min="0" max="500" step="10" list="growth-marks" data-testid="growth"
                prop:value=move || (state.with(|s| s.growth) * 100.0).round().to_string()
                on:input=move |e| {
                    let pct: f64 = event_target_value(&e).parse().unwrap_or(0.0);
                    state.edit(|s| s.growth = pct / 100.0);
                } />
            <datalist id="growth-marks"><option value="0" label="0 %"></option><option value="300" label="+300 %"></option><option value="500" label="+500 %"></option></datalist>
            <span class="muted">" +300 % is the consultant's scenario"</span>
            <button class="button" data-testid="growth-300" on:click=move |_| state.edit(|s| s.growth = 3.0)>"+300 %"</button>
            <label class="control">
                " Horizon "
                <select data-testid="horizon" on:change=move |e| {
                    let v: u32 = event_target_value(&e).parse().unwrap_or(30);
                    state.edit(|s| s.horizon_days = v);
                }>
                    <option value="30" selected=move || state.with(|s| s.horizon_days == 30)>"30 days"</option>
                    <option value="90" selected=move || state.with(|s| s.horizon_days == 90)>"90 days"</option>
                </select>
            </label>
        </div>
        {flag_capacity}
        <h3 title=definition("tool-load")>"Tool load against capacity"</h3>
        <div class="kpis">
            <label class="control">
                "Capacity (calls per hour) "
                <input type="number" min="0" class="small" data-testid="tool-capacity"
                    prop:value=move || state.with(|s| s.tool_capacity_per_hour.map(|c| c.to_string()).unwrap_or_default())
                    on:change=move |e| {
                        let v = event_target_value(&e).parse::<f64>().ok().filter(|v| *v > 0.0);
                        state.edit(|s| s.tool_capacity_per_hour = v);
                    } />
            </label>
            {kpi("projected-peak-per-hour", "Busiest hour at horizon", measured(Some(load.projected_peak_per_hour), Unit::Calls), "tool-load")}
            {kpi("tool-utilisation", "Tool load", measured_or(load.utilisation, Unit::Share, "set a capacity in calls per hour"), "tool-load")}
        </div>
    }
}

#[component]
fn BudgetSection(dashboard: Dashboard, state: DashboardSettings) -> impl IntoView {
    let has_flags = dashboard.aggregates.flags.is_some();
    // A number input bound to one budget; empty switches the gate off.
    let gate = move |label: &'static str,
                     testid: &'static str,
                     get: fn(&DashboardState) -> Option<f64>,
                     set: fn(&mut DashboardState, Option<f64>)| {
        view! {
            <label class="control">
                {label}
                <input type="number" class="small" step="any" data-testid=testid
                    prop:value=move || state.with(|s| get(s).map(|v| v.to_string()).unwrap_or_default())
                    on:change=move |e| {
                        let v = event_target_value(&e).parse::<f64>().ok();
                        state.edit(|s| set(s, v));
                    } />
            </label>
        }
    };
    let results = dashboard
        .budgets
        .iter()
        .map(|b| {
            view! {
                <li class="budget" class:fail=b.verdict == Verdict::Fail class:no-data=b.verdict == Verdict::NoData
                    data-testid="budget" data-name=b.name.clone() data-pass=b.verdict.attr()>
                    <strong>{b.verdict.text()}</strong>
                    {format!(" {} (now {})", b.label, b.now())}
                    // Offenders of a passing gate (a tool over the overall limit) are said as such.
                    {(!b.offenders.is_empty()).then(|| view! {
                        <span class="muted">{if b.verdict == Verdict::Pass { " — over the limit on their own:" } else { " — over the limit:" }}</span>
                        <ul class="offenders">{b.offenders.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ul>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="budget-inputs">
            {gate("p95 per tool ≤ ms ", "budget-tool-p95", |s| s.budgets.tool_p95_ms, |s, v| s.budgets.tool_p95_ms = v)}
            {gate("error rate ≤ % ", "budget-error-rate", |s| s.budgets.error_rate_pct, |s, v| s.budgets.error_rate_pct = v)}
            // The flag gates only where there are flags.
            {has_flags.then(|| view! {
                {gate("critical pending flags ≤ ", "budget-critical", |s| s.budgets.critical_pending_max.map(|v| v as f64), |s, v| s.budgets.critical_pending_max = v.map(|v| v as i64))}
                {gate("lead time p90 ≤ h ", "budget-lead-time", |s| s.budgets.lead_time_p90_hours, |s, v| s.budgets.lead_time_p90_hours = v)}
                {gate("ρ ≤ ", "budget-utilisation", |s| s.budgets.utilisation_max, |s, v| s.budgets.utilisation_max = v)}
            })}
        </div>
        <ul class="budgets">{results}</ul>
    }
}
