//! The root component: provides the contexts (`state`), listens to the window (drops, the
//! address fragment, closing the tab) and shows the page of the current view.

mod chrome;

use crate::web::agents::{AgentPage, AgentsPage, RoutingPage};
use crate::web::dashboard::{follow_section, DashboardPage};
use crate::web::files::live;
use crate::web::files::loader;
use crate::web::flags::{FlagsPage, NoFlagsNotice};
use crate::web::follow::{Follow, FollowChanges};
use crate::web::platform::browser::{drag_has_files, location_hash, query_param, url_fragment};
use crate::web::platform::dropped::{dropped, folder_files, DropError, Dropped, DroppedFolder};
use crate::web::quests::logs::{is_quest_log, read_files};
use crate::web::quests::{NoQuestsNotice, QuestPage, QuestsPage, QuestsView};
use crate::web::share::{apply_shared_state, SnapshotView};
use crate::web::state::{provide_contexts, AppState, View};
use crate::web::summary::SummaryPanel;
use crate::web::working_copy::resume::{ResumeBanner, StorageNotice};
use chrome::{AlertList, DropOverlay, NavBar, Toolbar, Welcome};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The `?db=` parameter of the page address, if any.
fn db_param() -> Option<String> {
    query_param("db").filter(|s| !s.is_empty())
}

#[component]
pub fn App() -> impl IntoView {
    let contexts = provide_contexts();
    let (nav, _, db, changes) = contexts;
    let state = AppState::new(contexts);
    provide_context(state);
    // The reads a page begins with, started by its route before the page is built.
    let agent_preload = crate::web::agents::AgentPreload::default();
    let routing_preload = crate::web::agents::RoutingPreload::default();
    provide_context(agent_preload);
    provide_context(routing_preload);
    // The quest list's filter index, kept across visits to the quests page.
    let quest_index = crate::web::quests::QuestIndexStore::new();
    provide_context(quest_index);
    // The summary's quest figures, kept across visits while the data is the same.
    provide_context(crate::web::summary::QuestFiguresCache::default());
    provide_context(crate::web::quests::LatestActivity::default());
    // The agent page's quest layer: one build at a time, begun when a file with quests opens.
    let quest_layer = crate::web::agents::QuestLayerBuild::default();
    provide_context(quest_layer);
    crate::web::agents::build_quest_layer_on_open(state);
    // What every agent page and the routing page begin with, held in idle time.
    let held_health = crate::web::agents::HeldHealth::default();
    provide_context(held_health);
    crate::web::agents::hold_first_reads(state, held_health);
    nav.set_loader(move |view| match view {
        View::Agent(name) => crate::web::agents::load(state, agent_preload, quest_layer, held_health, name),
        View::Routing => crate::web::agents::load_routing(state, routing_preload),
        _ => None,
    });
    provide_context(Follow::new());

    // A read a link started ahead is for the data as it was: any change of it drops the read.
    Effect::new(move |_| {
        db.data_version().track();
        nav.drop_preload();
    });
    // Another file on screen: the dashboard's stores of the previous one go, and so do the
    // reads routes left for pages (each holds the file it read) and the quest filter index.
    Effect::new(move |_| {
        db.current().track();
        crate::web::dashboard::forget_other_files(state);
        agent_preload.clear();
        routing_preload.clear();
        quest_index.clear();
    });

    loader::prepare_spare_worker();
    loader::warm_up_spare_worker_later(move || state.db().busy().get_untracked().is_some());
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
        // Taken while the event is dispatched; folders are listed after.
        let items = dropped(&e);
        spawn_local(take_drop(state, items));
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
    let quests_view = expect_context::<QuestsView>();
    let hash = location_hash();
    apply_shared_state(state, &hash);
    quests_view.follow_address(&hash);
    nav.follow(None);
    follow_section(&hash);
    let followed = move |arrived: Option<&str>| {
        let hash = location_hash();
        apply_shared_state(state, &hash);
        quests_view.follow_address(&hash);
        nav.follow(arrived);
        follow_section(&hash);
    };
    // A new fragment is followed at its `popstate`, which comes first (see `Nav::at_popstate`),
    // or else at its `hashchange`.
    let pop_listener = window_event_listener(ev::popstate, move |_| {
        if let Some(hash) = nav.at_popstate() {
            followed(Some(&hash));
        }
    });
    let hash_listener = window_event_listener(ev::hashchange, move |e| {
        let arrived = url_fragment(&e.new_url());
        if !nav.at_hashchange(arrived.as_deref()) {
            followed(arrived.as_deref());
        }
    });
    on_cleanup(move || {
        hash_listener.remove();
        pop_listener.remove();
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
            <FollowChanges />
            <main class="content">
                <ResumeBanner />
                // Pages are built anew when another database is on screen (its lineage), not when
                // follow mode swaps in a newer read of the same one: they read it again in place.
                {move || { db.lineage().track(); match (db.get(), page.get()) {
                    (_, View::Snapshot(payload)) => view! { <SnapshotView payload=payload /> }.into_any(),
                    (None, _) => view! { <Welcome /> }.into_any(),
                    (Some(_), View::Summary) => view! {
                        <NavBar />
                        // Built again when the counts are read again after a change (an undo or
                        // redo from the toolbar while the summary is shown).
                        {move || {
                            changes.live_counts().track();
                            db.current().get().map(|open| view! { <SummaryPanel open=open /> })
                        }}
                    }.into_any(),
                    (Some(_), View::Agents) => view! { <NavBar /> <AgentsPage /> }.into_any(),
                    (Some(_), View::Agent(name)) => view! { <NavBar /> <AgentPage name=name /> }.into_any(),
                    (Some(_), View::Routing) => view! { <NavBar /> <RoutingPage /> }.into_any(),
                    (Some(_), View::Dashboard) => view! { <NavBar /> <DashboardPage /> }.into_any(),
                    // `#quests` or `#quest/ID` on a file without quests (v0, v1).
                    (Some(open), View::Quests | View::Quest(_)) if !open.report.generation.has_quests() => {
                        view! { <NavBar /> <NoQuestsNotice label=open.report.generation.label() /> }.into_any()
                    }
                    (Some(_), View::Quests) => view! { <NavBar /> <QuestsPage /> }.into_any(),
                    (Some(_), View::Quest(id)) => view! { <NavBar /> <QuestPage id=id /> }.into_any(),
                    // `#flags` or `#flag/ID` typed on a file without flags.
                    (Some(open), _) if !open.report.generation.has_flags() => {
                        view! { <NavBar /> <NoFlagsNotice label=open.report.generation.label() /> }.into_any()
                    }
                    (Some(_), _) => view! { <NavBar /> <FlagsPage /> }.into_any(),
                }}}
            </main>
            <DropOverlay visible=dragging />
        </div>
    }
}

/// The project database in a dropped folder (looked for where [`live::FOLDER_PATHS`] says) and
/// its `-wal` when one is beside it; `None` when the folder holds none.
async fn project_database(folder: &DroppedFolder) -> Result<Option<Vec<web_sys::File>>, DropError> {
    for path in live::FOLDER_PATHS {
        if let Some(db) = folder.file_at(path).await? {
            let wal = folder.file_at(&flagdeck_core::wal::wal_name(path)).await?;
            return Ok(Some([Some(db), wal].into_iter().flatten().collect()));
        }
    }
    Ok(None)
}

/// Opens what was dropped: a folder holding a project database opens that database (see
/// [`project_database`]); a database (decided by name: anything that is not a quest log) opens
/// as before; quest logs (`quest_N.log`, also inside dropped folders) are added to the open
/// database, or to the one dropped with them once it is open. A drop that mixes both, or holds
/// several databases, says what was done.
async fn take_drop(state: AppState, items: Vec<Dropped>) {
    let mut databases = Vec::new();
    let mut logs = Vec::new();
    let mut skipped = Vec::new();
    for item in items {
        match item {
            Dropped::File(file) if is_quest_log(&file.name()) => logs.push(file),
            Dropped::File(file) if file.name().ends_with(".log") => skipped.push(file.name()),
            Dropped::File(file) => databases.push(file),
            // A project folder: its database (with the -wal beside it), not its whole tree.
            Dropped::Folder(folder) => match project_database(&folder).await {
                Ok(Some(found)) => databases.extend(found),
                Ok(None) => match folder_files(&folder).await {
                    Ok(files) => {
                        let (quest_logs, others): (Vec<_>, Vec<_>) =
                            files.into_iter().partition(|f| is_quest_log(&f.name()));
                        if quest_logs.is_empty() {
                            skipped.push(format!("the folder {} (no quest_N.log in it)", folder.name()));
                        } else if !others.is_empty() {
                            skipped.push(format!(
                                "{} other files in the folder {}",
                                others.len(),
                                folder.name()
                            ));
                        }
                        logs.extend(quest_logs);
                    }
                    Err(e) => state.alert(format!("The dropped folder could not be read: {e}.")),
                },
                Err(e) => state.alert(format!("The dropped folder could not be read: {e}.")),
            },
        }
    }
    let (logs, failed) = read_files(logs).await;
    skipped.extend(failed);
    match databases.is_empty() {
        false => {
            if !logs.is_empty() {
                state.quest_logs().set_pending(logs);
            }
            // A database dropped with its X-wal opens with it; other databases are named.
            state.open_files(databases);
        }
        true if !logs.is_empty() => state.add_quest_logs(logs, skipped),
        true if !skipped.is_empty() => state.alert(format!(
            "Nothing to open: {} {} not a database or a quest log (quest_N.log).",
            flagdeck_core::listing::names(&skipped),
            if skipped.len() == 1 { "is" } else { "are" }
        )),
        true => state.alert("Nothing to open: drop a database file (such as project.db).".into()),
    }
}
