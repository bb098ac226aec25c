//! The root component: provides the contexts (`state`), listens to the window (drops, the
//! address fragment, closing the tab) and shows the page of the current view.

mod chrome;

use crate::web::agents::{AgentPage, AgentsPage, RoutingPage};
use crate::web::dashboard::DashboardPage;
use crate::web::files::loader;
use crate::web::flags::{FlagsPage, NoFlagsNotice};
use crate::web::platform::browser::{
    drag_has_files, dropped_file, location_hash, query_param, take_input_file,
};
use crate::web::share::{apply_shared_state, SnapshotView};
use crate::web::state::{provide_contexts, AppState, View};
use crate::web::summary::SummaryPanel;
use crate::web::working_copy::resume::{ResumeBanner, StorageNotice};
use chrome::{AlertList, DropOverlay, NavBar, Toolbar, Welcome};
use leptos::ev;
use leptos::prelude::*;

/// The `?db=` parameter of the page address, if any.
fn db_param() -> Option<String> {
    query_param("db").filter(|s| !s.is_empty())
}

#[component]
pub fn App() -> impl IntoView {
    let contexts = provide_contexts();
    let (nav, alerts, db, changes) = contexts;
    let state = AppState::new(contexts);
    provide_context(state);

    loader::prepare_spare_worker();
    // Looks for a stored working copy first: `?db=` opens once it is clear nothing is replaced.
    state.start_working_copy(db_param());

    // Drag-and-drop anywhere on the page. `dragover` must be cancelled for `drop` to fire.
    let dragging = RwSignal::new(false);
    let has_files = |e: &ev::DragEvent| drag_has_files(e);
    let over = window_event_listener(ev::dragover, move |e| {
        if has_files(&e) {
            e.prevent_default();
            dragging.set(true);
        }
    });
    let leave = window_event_listener(ev::dragleave, move |e| {
        // Leaving the window reports no related target.
        if e.related_target().is_none() {
            dragging.set(false);
        }
    });
    let drop_listener = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        dragging.set(false);
        let file = dropped_file(&e);
        match file {
            Some(file) => state.open_file(file),
            None => alerts.alert("Nothing to open: drop a database file (such as project.db).".into()),
        }
    });
    // Unexported changes: the browser asks before the tab is closed (they are also in the working
    // copy kept in this browser, but the file on disk does not have them).
    let unload = window_event_listener(ev::beforeunload, move |e| {
        if (state.copy().unexported().get_untracked()
            && changes.history().with_untracked(|h| !h.done.is_empty()))
            || changes.other().with_untracked(|c| !c.is_empty())
        {
            e.prevent_default();
            e.set_return_value("There are changes that were not exported.");
        }
    });
    // Back/forward and edited fragments change the page.
    let hash = location_hash();
    apply_shared_state(state, &hash);
    nav.follow(View::from_hash(&hash));
    let hash_listener = window_event_listener(ev::hashchange, move |_| {
        let hash = location_hash();
        apply_shared_state(state, &hash);
        nav.follow(View::from_hash(&hash));
    });
    on_cleanup(move || {
        hash_listener.remove();
        unload.remove();
        over.remove();
        leave.remove();
        drop_listener.remove();
    });

    // The page to mount: a flag's detail is part of the flags page, so selecting another flag
    // keeps the list (its filters, its scroll position) instead of building it again.
    let page = Memo::new(move |_| match nav.view().get() {
        View::Flag(_) => View::Flags,
        other => other,
    });

    view! {
        <div class="app">
            <Toolbar />
            <AlertList />
            <StorageNotice />
            <main class="content">
                <ResumeBanner />
                {move || match (db.current().get(), page.get()) {
                    (_, View::Snapshot(payload)) => view! { <SnapshotView payload=payload /> }.into_any(),
                    (None, _) => view! { <Welcome /> }.into_any(),
                    (Some(open), View::Summary) => view! { <NavBar /> <SummaryPanel open=open /> }.into_any(),
                    (Some(_), View::Agents) => view! { <NavBar /> <AgentsPage /> }.into_any(),
                    (Some(_), View::Agent(name)) => view! { <NavBar /> <AgentPage name=name /> }.into_any(),
                    (Some(_), View::Routing) => view! { <NavBar /> <RoutingPage /> }.into_any(),
                    (Some(_), View::Dashboard) => view! { <NavBar /> <DashboardPage /> }.into_any(),
                    // `#flags` or `#flag/ID` typed on a file without flags.
                    (Some(open), _) if !open.report.generation.has_flags() => {
                        view! { <NavBar /> <NoFlagsNotice label=open.report.generation.label() /> }.into_any()
                    }
                    (Some(_), _) => view! { <NavBar /> <FlagsPage /> }.into_any(),
                }}
            </main>
            <DropOverlay visible=dragging />
        </div>
    }
}

/// The input element behind a change event.
pub fn input_files(e: &ev::Event) -> Option<web_sys::File> {
    // Reset so that picking the same file again fires `change` again.
    take_input_file(e)
}
