//! The app's frame: toolbar, alerts, welcome page, navigation and the drop overlay. These read
//! the contexts of `state` and call their actions (or [`AppState`]'s).

use leptos::prelude::*;

use crate::web::files::save_in_place::SaveInPlace;
use crate::web::platform::dropped::take_input_files;
use crate::web::quests::has_quests;
use crate::web::state::AppState;
use crate::web::state::{Alerts, Changes, Nav, OpenDb, View};
use crate::web::working_copy::resume::CopyBadge;

/// Open / demo / export controls, always visible.
#[component]
pub fn Toolbar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (db, changes) = (expect_context::<OpenDb>(), expect_context::<Changes>());
    let has_db = db.is_open();
    let (can_undo, can_redo) = (changes.can_undo(), changes.can_redo());
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
                        multiple=true
                        title="Pick the database, or the database and its -wal file together"
                        accept=".db,.sqlite,.sqlite3,.db3,.db-wal,.sqlite-wal,.sqlite3-wal,.db3-wal,application/vnd.sqlite3,application/x-sqlite3"
                        on:change=move |e| {
                            let files = take_input_files(&e);
                            if !files.is_empty() {
                                state.open_files(files);
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
                    disabled=move || !can_undo.get()
                    on:click=move |_| state.step(true)
                >
                    "Undo"
                </button>
                <button
                    class="button"
                    data-testid="redo"
                    title="Redo the last undone change"
                    disabled=move || !can_redo.get()
                    on:click=move |_| state.step(false)
                >
                    "Redo"
                </button>
                <button
                    class="button"
                    data-testid="export-db"
                    disabled=move || !has_db.get()
                    title="Download the database you are looking at as a .db file"
                    on:click=move |_| state.export()
                >
                    "Export .db"
                </button>
                <SaveInPlace />
            </div>
            <CopyBadge />
            <div class="status" role="status" aria-live="polite">
                {move || db.busy().get().map(|text| view! { <span class="spinner" aria-hidden="true"></span> {text} })}
            </div>
        </header>
    }
}

/// Errors and warnings. Rendered only while there is something to say, so `role="alert"` is
/// announced by screen readers and findable by tests exactly when it matters.
#[component]
pub fn AlertList() -> impl IntoView {
    let alerts = expect_context::<Alerts>();
    view! {
        <div class="alerts">
            <For each=move || alerts.list().get() key=|n| n.id let:notice>
                <div
                    class=if notice.note { "alert note" } else { "alert" }
                    role=if notice.note { "status" } else { "alert" }
                    data-alert-id=notice.id
                >
                    <span class="alert-text">{notice.text.clone()}</span>
                    <button class="dismiss" aria-label="Dismiss" on:click=move |_| alerts.dismiss(notice.id)>
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
            <h1>"Review an Acolytes or ClaudeSquad database"</h1>
            <p>
                "Open the " <code>"project.db"</code> " your agents write through " <code>"agent_db.py"</code>
                " and the quest scripts: pick it, drop it anywhere on this page, or add "
                <code>"?db=<url>"</code> " to the address."
            </p>
            <p data-testid="welcome-generations">
                "Four schema generations open: ClaudeSquad (v0, flags), Acolytes 1.x (v1, flags), Acolytes 2.x "
                "(v2, quests instead of flags) and an Acolytes 1.x file upgraded to 2.x (hybrid, flags and quests)."
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

/// Shown while a file is dragged over the window.
#[component]
pub fn DropOverlay(visible: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="drop-overlay" class:visible=move || visible.get() aria-hidden="true">
            <div class="drop-target">"Drop the database to open it"</div>
        </div>
    }
}

/// Page tabs, shown while a database is open. Flags is left out for a file without flags
/// (Acolytes 2.x).
#[component]
pub fn NavBar() -> impl IntoView {
    let nav = expect_context::<Nav>();
    let db = expect_context::<OpenDb>();
    let has_flags =
        move || db.current().with(|o| o.as_ref().is_some_and(|o| o.report.generation.has_flags()));
    let tab = move |label: &'static str, testid: &'static str, target: View| {
        let active = {
            let target = target.clone();
            move || match (&nav.view().get(), &target) {
                (View::Agent(_), View::Agents)
                | (View::Flag(_), View::Flags)
                | (View::Quest(_), View::Quests) => true,
                (current, target) => current == target,
            }
        };
        view! {
            <button
                class="tab"
                class:active=active.clone()
                aria-current=move || if active() { Some("page") } else { None }
                data-testid=testid
                on:click=move |_| nav.go_after_click(target.clone())
            >
                {label}
            </button>
        }
    };
    // Quests only for a file that has them (Acolytes 2.x, or 1.x upgraded).
    let quests = db.current().with_untracked(|c| c.as_ref().is_some_and(|o| has_quests(o)));
    view! {
        <nav class="tabs" aria-label="Pages">
            {tab("Summary", "nav-summary", View::Summary)}
            {move || has_flags().then(|| tab("Flags", "nav-flags", View::Flags))}
            {quests.then(|| tab("Quests", "nav-quests", View::Quests))}
            {tab("Agents", "nav-agents", View::Agents)}
            {tab("Routing", "nav-routing", View::Routing)}
            {tab("Dashboard", "nav-dashboard", View::Dashboard)}
        </nav>
    }
}
