//! Small presentational components. State lives in [`AppState`]; these only read it and call it.

use leptos::prelude::*;

use super::app::{input_files, AppState, View};
use super::loader::{Shared, Source};
use super::resume::CopyBadge;
use super::save_in_place::SaveInPlace;
use flagdeck_core::schema::Generation;

/// "1.9 MB (1,998,848 bytes)".
pub fn human_size(bytes: usize) -> String {
    let exact = group_digits(bytes as i64);
    let b = bytes as f64;
    let short = if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        return format!("{exact} bytes");
    };
    format!("{short} ({exact} bytes)")
}

pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Open / demo / export controls, always visible.
#[component]
pub fn Toolbar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let has_db = move || state.current.with(Option::is_some);
    view! {
        <header class="toolbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">"⚑"</span>
                <span class="name">"flagdeck"</span>
            </div>
            <div class="actions">
                <label class="button primary">
                    "Open database…"
                    <input
                        type="file"
                        class="visually-hidden"
                        data-testid="open-file"
                        accept=".db,.sqlite,.sqlite3,.db3,application/vnd.sqlite3,application/x-sqlite3"
                        on:change=move |e| {
                            if let Some(file) = input_files(&e) {
                                state.open_file(file);
                            }
                        }
                    />
                </label>
                <button class="button" data-testid="open-demo" on:click=move |_| state.open_demo()>
                    "Open demo"
                </button>
                <button
                    class="button"
                    data-testid="undo"
                    title="Undo the last change"
                    disabled=move || state.history.with(|h| h.done.is_empty())
                    on:click=move |_| state.step(true)
                >
                    "Undo"
                </button>
                <button
                    class="button"
                    data-testid="redo"
                    title="Redo the last undone change"
                    disabled=move || state.history.with(|h| h.undone.is_empty())
                    on:click=move |_| state.step(false)
                >
                    "Redo"
                </button>
                <button
                    class="button"
                    data-testid="export-db"
                    disabled=move || !has_db()
                    title="Download the database you are looking at as a .db file"
                    on:click=move |_| state.export()
                >
                    "Export .db"
                </button>
                <SaveInPlace />
            </div>
            <CopyBadge />
            <div class="status" role="status" aria-live="polite">
                {move || state.busy.get().map(|text| view! { <span class="spinner" aria-hidden="true"></span> {text} })}
            </div>
        </header>
    }
}

/// Errors and warnings. Rendered only while there is something to say, so `role="alert"` is
/// announced by screen readers and findable by tests exactly when it matters.
#[component]
pub fn AlertList() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="alerts">
            <For each=move || state.alerts.get() key=|n| n.id let:notice>
                <div class="alert" role="alert">
                    <span class="alert-text">{notice.text.clone()}</span>
                    <button class="dismiss" aria-label="Dismiss" on:click=move |_| state.dismiss(notice.id)>
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}

/// First screen: what this is and how to start.
#[component]
pub fn Welcome() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <section class="welcome">
            <h1>"Review an agent flag database"</h1>
            <p>
                "Open the " <code>"project.db"</code> " your agents write through " <code>"agent_db.py"</code>
                " (Acolytes v1 or ClaudeSquad v0): pick it, drop it anywhere on this page, or add "
                <code>"?db=<url>"</code> " to the address."
            </p>
            <p class="privacy">
                "Your file never leaves this computer: it is read and queried inside this browser tab."
            </p>
            <p>
                <button class="button primary" on:click=move |_| state.open_demo()>
                    "Explore the demo database"
                </button>
            </p>
        </section>
    }
}

/// One headline number with its hook for tests.
#[component]
fn Count(
    label: &'static str,
    testid: &'static str,
    value: Option<i64>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let text = value.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    view! {
        <div class="count" title=hint>
            <div class="count-value" data-testid=testid>{text}</div>
            <div class="count-label">{label}</div>
        </div>
    }
}

/// What was opened: file, schema generation, counts.
#[component]
pub fn SummaryPanel(open: Shared) -> impl IntoView {
    let state = expect_context::<AppState>();
    let r = &open.report;
    let live = state.live_counts.get_untracked();
    let c = live.as_ref().unwrap_or(&r.counts);
    let source = match &open.source {
        Source::File => "opened from this computer".to_owned(),
        Source::Url(url) => format!("downloaded from {url}"),
        Source::Demo => "flagdeck's demo database (made by its demo generator)".to_owned(),
    };
    let generation_class = match r.generation {
        Generation::V1 => "badge v1",
        Generation::V0 => "badge v0",
        Generation::Unknown => "badge unknown",
    };
    view! {
        <section class="summary" aria-label="Database summary">
            <div class="file-line">
                <h1 data-testid="file-name">{open.name.clone()}</h1>
                <span class=generation_class title=r.generation.label()>
                    <span data-testid="schema-generation">{r.generation.code()}</span>
                    " · " {r.generation.label()}
                </span>
            </div>
            <p class="file-meta">
                {human_size(r.file_bytes)} " · " {source} " · user_version " {r.user_version} " · page size "
                {r.page_size} {if r.wal { " · WAL journal" } else { " · rollback journal" }}
            </p>
            <h2>"Flags"</h2>
            <div class="counts">
                <Count label="flags" testid="count-flags" value=Some(c.flags) />
                <Count label="pending" testid="count-pending" value=Some(c.pending) hint="status = 'pending'" />
                <Count label="completed" testid="count-completed" value=Some(c.completed) hint="status = 'completed'" />
                <Count
                    label="locked"
                    testid="count-locked"
                    value=Some(c.locked)
                    hint="locked = 1, any status (completing a flag does not unlock it)"
                />
                <Count
                    label="workable"
                    testid="count-workable"
                    value=Some(c.workable)
                    hint="pending, unlocked, with a target (the empty broadcast target counts), as get-workable-flags lists them"
                />
            </div>
            <p class="detail">{format!("{} of the locked flags are pending.", c.locked_pending)}</p>
            <h2>"Agents and activity"</h2>
            <div class="counts">
                <Count label="agents in the catalog" testid="count-agents" value=Some(c.agents) />
                <Count label="tool_logs rows" testid="count-tool-logs" value=c.tool_logs />
                <Count label="agent_health rows" testid="count-agent-health" value=c.agent_health />
            </div>
            <ChangesList />
            <p class="detail">
                {format!(
                    "Schema: {} tables, {} indexes, {} triggers, {} views. Integrity quick check: ok.",
                    r.tables, r.indexes, r.triggers, r.views
                )}
            </p>
        </section>
    }
}

/// Shown while a file is dragged over the window.
#[component]
pub fn DropOverlay(visible: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="drop-overlay" class:visible=move || visible.get() aria-hidden="true">
            <div class="drop-target">"Drop the database to open it"</div>
        </div>
    }
}

/// Page tabs, shown while a database is open.
#[component]
pub fn NavBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let tab = move |label: &'static str, testid: &'static str, target: View| {
        let active = {
            let target = target.clone();
            move || match (&state.view.get(), &target) {
                (View::Agent(_), View::Agents) | (View::Flag(_), View::Flags) => true,
                (current, target) => current == target,
            }
        };
        view! {
            <button
                class="tab"
                class:active=active.clone()
                aria-current=move || if active() { Some("page") } else { None }
                data-testid=testid
                on:click=move |_| state.go(target.clone())
            >
                {label}
            </button>
        }
    };
    view! {
        <nav class="tabs" aria-label="Pages">
            {tab("Summary", "nav-summary", View::Summary)}
            {tab("Flags", "nav-flags", View::Flags)}
            {tab("Agents", "nav-agents", View::Agents)}
            {tab("Routing", "nav-routing", View::Routing)}
            {tab("Dashboard", "nav-dashboard", View::Dashboard)}
        </nav>
    }
}

/// Every change since the file was opened, before → after: what export will write.
#[component]
fn ChangesList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let edits = move || {
        let done: Vec<flagdeck_core::edits::Edit> = state.history.with(|h| h.edits().cloned().collect());
        (!done.is_empty()).then(|| {
            view! {
                <h2>{format!("Changes since opening ({})", done.len())}</h2>
                <ol class="changes" data-testid="changes">
                    {done
                        .iter()
                        .map(|e| {
                            let parts: Vec<String> = e
                                .changes
                                .iter()
                                .map(|c| format!("{}: {} → {}", c.column, shown(&c.before), shown(&c.after)))
                                .collect();
                            view! { <li data-flag-id=e.flag_id>{format!("#{} {}: {}", e.flag_id, e.label, parts.join("; "))}</li> }
                        })
                        .collect_view()}
                </ol>
            }
        })
    };
    let other = move || {
        let notes = state.other_changes.get();
        (!notes.is_empty()).then(|| {
            view! {
                <h3>"Other changes to the file (no undo)"</h3>
                <ul class="changes" data-testid="other-changes">
                    {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
            }
        })
    };
    view! { {edits} {other} }
}

fn shown(v: &flagdeck_core::Value) -> String {
    match v {
        flagdeck_core::Value::Null => "NULL".into(),
        other => {
            let t = other.display();
            if t.chars().count() > 60 {
                format!("{}…", t.chars().take(60).collect::<String>())
            } else {
                t
            }
        }
    }
}
