//! The application shell: owns "what is open", runs the loaders, and shows the result or the
//! reason nothing changed.

mod chrome;

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::agents::{AgentPage, AgentsPage, RoutingPage};
use crate::web::dashboard::DashboardPage;
use crate::web::files::loader::{self, CatalogData, LoadError, Shared, Source};
use crate::web::flags::FlagsPage;
use crate::web::platform::browser::{
    decode_uri_component, drag_has_files, dropped_file, encode_uri_component, location_hash, query_param,
    set_location_hash, take_input_file, within,
};
use crate::web::platform::perf::mark;
use crate::web::share::{apply_shared_state, SnapshotView};
use crate::web::summary::SummaryPanel;
use crate::web::working_copy::resume::{ResumeBanner, StorageNotice};
use crate::web::working_copy::{CopyStatus, Offer, Opened};
use chrome::{AlertList, DropOverlay, NavBar, Toolbar, Welcome};
use flagdeck_core::dashboard::{DashboardState, FilterChoices};
use flagdeck_core::edits::{self, EditError, History, Step};
use flagdeck_core::journal::Entry;
use flagdeck_core::summary::{self, Counts};
use flagdeck_core::Value;

/// One line in the alert region.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u32,
    pub text: String,
}

/// Which page is shown. Mirrored in the address fragment (`#agents`, `#agent/@backend.api`,
/// `#routing`) so that back/forward and links work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    Summary,
    Agents,
    Agent(String),
    Routing,
    Flags,
    Flag(i64),
    Dashboard,
    /// A snapshot link: the dashboard carried by the link, no file needed.
    Snapshot(String),
}

impl View {
    pub fn from_hash(hash: &str) -> View {
        let hash = hash.trim_start_matches('#');
        // Snapshot payloads are base64url: taken as they are, never URI-decoded.
        if let Some(payload) = hash.strip_prefix("snapshot/") {
            return View::Snapshot(payload.to_owned());
        }
        let decoded = decode_uri_component(hash).unwrap_or_default();
        match decoded.split_once('/') {
            Some(("dashboard", _)) => View::Dashboard,
            Some(("agent", name)) if !name.is_empty() => View::Agent(name.to_owned()),
            Some(("flag", id)) if id.parse::<i64>().is_ok() => View::Flag(id.parse().unwrap_or_default()),
            _ => match decoded.as_str() {
                "agents" => View::Agents,
                "routing" => View::Routing,
                "flags" => View::Flags,
                "dashboard" => View::Dashboard,
                _ => View::Summary,
            },
        }
    }

    pub fn to_hash(&self) -> String {
        match self {
            View::Summary => "#summary".into(),
            View::Agents => "#agents".into(),
            View::Agent(name) => format!("#agent/{}", encode_uri_component(name)),
            View::Routing => "#routing".into(),
            View::Flags => "#flags".into(),
            View::Flag(id) => format!("#flag/{id}"),
            View::Dashboard => "#dashboard".into(),
            View::Snapshot(payload) => format!("#snapshot/{payload}"),
        }
    }
}

/// The catalog of the open database, loaded once after it opens.
#[derive(Clone)]
pub enum CatalogState {
    Loading,
    Ready(Rc<CatalogData>),
    Failed(String),
}

/// Everything the UI shares. `Copy` handles, cheap to pass to components.
#[derive(Clone, Copy)]
pub struct AppState {
    pub current: RwSignal<Option<Shared>, LocalStorage>,
    pub view: RwSignal<View>,
    pub catalog: RwSignal<CatalogState, LocalStorage>,
    /// Every change made since the file was opened (what export writes), for undo and redo.
    pub history: RwSignal<History>,
    /// Bumped after every change, so lists and details read the database again.
    pub data_version: RwSignal<u64>,
    /// Counts read again after changes (the summary shows these once there are any).
    pub live_counts: RwSignal<Option<Counts>>,
    /// What is being opened right now (shown as progress; buttons stay usable).
    pub busy: RwSignal<Option<String>>,
    pub alerts: RwSignal<Vec<Notice>>,
    /// The dashboard's settings: kept while moving between pages (and, later, in links).
    pub dashboard: RwSignal<DashboardState>,
    /// The dashboard's filter choices and the data they were read from ([`AppState::data_key`]).
    pub dashboard_choices: RwSignal<(Option<(u64, u64)>, FilterChoices)>,
    /// Changes to the file besides flag edits (saved dashboards), listed with the changes.
    pub other_changes: RwSignal<Vec<String>>,
    /// The working copy kept in browser storage (see `working_copy`): its state for the badge,
    pub copy_status: RwSignal<CopyStatus>,
    /// a stored one offered for resuming at start,
    pub resume_offer: RwSignal<Option<Rc<Offer>>, LocalStorage>,
    /// a quiet notice (persistent storage refused),
    pub storage_notice: RwSignal<Option<String>>,
    /// changes since the last export (or since opening): what closing the tab warns about,
    pub unexported: RwSignal<bool>,
    /// and a `?db=` address held back while a working copy is offered.
    pub(super) pending_url: StoredValue<Option<String>>,
    next_alert: StoredValue<u32>,
    /// Increases with every open attempt, so a slow earlier attempt cannot replace a later one.
    generation: StoredValue<u64>,
}

impl AppState {
    fn new() -> Self {
        AppState {
            current: RwSignal::new_local(None),
            view: RwSignal::new(View::Summary),
            catalog: RwSignal::new_local(CatalogState::Loading),
            history: RwSignal::new(History::default()),
            data_version: RwSignal::new(0),
            live_counts: RwSignal::new(None),
            busy: RwSignal::new(None),
            alerts: RwSignal::new(Vec::new()),
            dashboard: RwSignal::new(DashboardState::default()),
            dashboard_choices: RwSignal::new((None, FilterChoices::default())),
            other_changes: RwSignal::new(Vec::new()),
            copy_status: RwSignal::new(CopyStatus::Idle),
            resume_offer: RwSignal::new_local(None),
            storage_notice: RwSignal::new(None),
            unexported: RwSignal::new(false),
            pending_url: StoredValue::new(None),
            next_alert: StoredValue::new(1),
            generation: StoredValue::new(0),
        }
    }

    /// Records a change to the file that is not a flag edit (it has no undo).
    pub fn note_change(&self, text: String) {
        self.other_changes.update(|c| c.push(text));
    }

    /// Which data is on screen: the open attempt and the change count.
    pub fn data_key(&self) -> (u64, u64) {
        (self.generation.get_value(), self.data_version.get_untracked())
    }

    pub fn alert(&self, text: String) {
        let id = self.next_alert.get_value();
        self.next_alert.set_value(id + 1);
        self.alerts.update(|list| list.push(Notice { id, text }));
    }

    pub fn dismiss(&self, id: u32) {
        self.alerts.update(|list| list.retain(|n| n.id != id));
    }

    /// Runs one open attempt. The previous database stays until the new one has passed every
    /// check; a failure only adds an alert.
    pub(super) fn run_open<F>(self, label: String, attempt: F)
    where
        F: std::future::Future<Output = Result<Opened, LoadError>> + 'static,
    {
        let ticket = self.generation.get_value() + 1;
        self.generation.set_value(ticket);
        self.busy.set(Some(label));
        spawn_local(async move {
            let outcome = attempt.await;
            if self.generation.get_value() != ticket {
                return; // a newer attempt took over; drop this one (its worker terminates)
            }
            self.busy.set(None);
            match outcome {
                Ok(Opened { open, resumed }) => {
                    self.alerts.set(Vec::new());
                    if loader::was_wal(&open) {
                        self.alert(format!(
                            "{} uses WAL journal mode. It was opened, but changes still sitting in a \
                             \"{}-wal\" file next to it on disk are not included: open it once with \
                             sqlite3 or agent_db.py (which checkpoints the -wal file) to include them.",
                            open.name, open.name
                        ));
                    }
                    let open = Rc::new(open);
                    self.history.set(resumed.as_ref().map(|r| r.history.clone()).unwrap_or_default());
                    self.live_counts.set(resumed.as_ref().and_then(|r| r.counts.clone()));
                    self.current.set(Some(open.clone()));
                    self.copy_opened(&open, resumed);
                    request_animation_frame(|| mark("flagdeck:summary-shown"));
                    self.load_catalog(open);
                }
                Err(e) => self.alert(e.to_string()),
            }
        });
    }

    /// Reads the catalog of a newly opened database in the background; a result for a
    /// database that is no longer open is dropped.
    fn load_catalog(self, open: Shared) {
        self.catalog.set(CatalogState::Loading);
        spawn_local(async move {
            let result = loader::load_catalog(&open).await;
            let still_open =
                self.current.with_untracked(|c| c.as_ref().is_some_and(|c| Rc::ptr_eq(c, &open)));
            if still_open {
                self.catalog.set(match result {
                    Ok(data) => CatalogState::Ready(Rc::new(data)),
                    Err(e) => CatalogState::Failed(e.to_string()),
                });
            }
        });
    }

    /// Plans and applies a change to one flag; on success it joins the history and everything
    /// reads the database again. A refusal is shown in SQLite's words and changes nothing.
    pub fn edit_flag(self, flag_id: i64, label: &'static str, values: Vec<(&'static str, Value)>) {
        self.edit_flag_then(flag_id, label, values, |_| {});
    }

    /// [`edit_flag`](Self::edit_flag), then `outcome`: `Ok` once applied (or when nothing
    /// changed), `Err` with SQLite's own words when it refused (so the page can keep the input or
    /// offer to fix the text in the same step), or the whole message for any other failure.
    pub fn edit_flag_then(
        self,
        flag_id: i64,
        label: &'static str,
        values: Vec<(&'static str, Value)>,
        outcome: impl Fn(Result<(), &str>) + 'static,
    ) {
        let Some(open) = self.current.get_untracked() else { return };
        spawn_local(async move {
            let result = async {
                let Some(edit) = edits::plan(&open.db, flag_id, label, &values).await? else {
                    return Ok(None);
                };
                edits::apply(&open.db, &edit).await?;
                Ok::<_, EditError>(Some(edit))
            }
            .await;
            match result {
                Ok(Some(edit)) => {
                    let step = Step { label: edit.label.clone(), edits: vec![edit] };
                    self.history.update(|h| h.record_step(step.clone()));
                    self.changed(&open, Entry::Did(step)).await;
                    outcome(Ok(()));
                }
                Ok(None) => outcome(Ok(())),
                Err(e) => {
                    match &e {
                        EditError::Refused(m) => outcome(Err(m)),
                        other => outcome(Err(&other.to_string())),
                    }
                    self.alert(format!("Flag #{flag_id}: {e}"));
                }
            }
        });
    }

    /// Creates a flag the way agent_db.py does (session_id of the open work period, when the
    /// file has one) and shows it. A refusal is shown in SQLite's words; the form keeps its text.
    /// With `lock`, the flag of that id is locked in the same transaction ("ask for
    /// information": the question is asked and the flag waits for the answer, one undo step).
    pub fn create_flag(
        self,
        values: Vec<(&'static str, Value)>,
        lock: Option<i64>,
        done: impl Fn(bool) + 'static,
    ) {
        let Some(open) = self.current.get_untracked() else { return };
        spawn_local(async move {
            let result = edits::create_flag(&open.db, &open.facts, &values, lock).await;
            match result {
                Ok(step) => {
                    let id = step.edits.last().map(|e| e.flag_id).unwrap_or_default();
                    self.history.update(|h| h.record_step(step.clone()));
                    self.changed(&open, Entry::Did(step)).await;
                    done(true);
                    self.go(View::Flag(id));
                }
                Err(e) => {
                    done(false);
                    self.alert(format!("The new flag was not saved: {e}"));
                }
            }
        });
    }

    /// The same change to many flags, in one transaction and one undo step: all or nothing.
    pub fn bulk_edit(
        self,
        label: String,
        ids: Vec<i64>,
        values: Vec<(&'static str, Value)>,
        done: impl Fn(bool) + 'static,
    ) {
        let Some(open) = self.current.get_untracked() else { return };
        spawn_local(async move {
            let result = async {
                let mut planned = Vec::new();
                for &id in &ids {
                    if let Some(edit) = edits::plan(&open.db, id, &label, &values).await? {
                        planned.push(edit);
                    }
                }
                if !planned.is_empty() {
                    edits::run_all(&open.db, &planned, true).await?;
                }
                Ok::<_, EditError>(planned)
            }
            .await;
            match result {
                Ok(planned) if planned.is_empty() => done(true),
                Ok(planned) => {
                    let step = Step { label: label.clone(), edits: planned };
                    self.history.update(|h| h.record_step(step.clone()));
                    self.changed(&open, Entry::Did(step)).await;
                    done(true);
                }
                Err(e) => {
                    done(false);
                    self.alert(format!("{label}: nothing was changed. {e}"));
                }
            }
        });
    }

    /// Undoes (`back`) or redoes the last step.
    pub fn step(self, back: bool) {
        let Some(open) = self.current.get_untracked() else { return };
        spawn_local(async move {
            let mut history = self.history.get_untracked();
            let result = if back { history.undo(&open.db).await } else { history.redo(&open.db).await };
            match result {
                Ok(Some(_)) => {
                    self.history.set(history);
                    self.changed(&open, if back { Entry::Undid } else { Entry::Redid }).await;
                }
                Ok(None) => {}
                Err(e) => self.alert(e.to_string()),
            }
        });
    }

    /// After every change to the history (`entry` says which), in the order they happen: the
    /// working copy gets its record first, then everything reads the database again. The
    /// re-reading waits for the record (a few milliseconds; at most 200), so a change on screen is
    /// a change kept, and the write does not queue behind the work the re-reading sets off.
    async fn changed(self, open: &Shared, entry: Entry) {
        if let Some(written) = self.keep(entry) {
            within(200, written).await;
        }
        self.data_version.update(|v| *v += 1);
        match summary::read_counts(&open.db, &open.facts).await {
            Ok(counts) => self.live_counts.set(Some(counts)),
            Err(e) => self.alert(format!("The counts could not be read again: {e}")),
        }
    }

    /// Shows a page and records it in the address fragment.
    pub fn go(self, view: View) {
        set_location_hash(&view.to_hash());
        self.view.set(view);
    }

    pub fn open_file(self, file: web_sys::File) {
        mark("flagdeck:open-start");
        let name = file.name();
        self.run_open(format!("Opening {name}…"), async move {
            let bytes = loader::read_file(&file).await?;
            // The picked file is its own Blob: the working copy stores it without a copy.
            loader::open_bytes(name, Source::File, bytes, file.into()).await.map(Opened::from)
        });
    }

    pub fn open_url(self, url: String) {
        mark("flagdeck:open-start");
        let name = loader::name_from_url(&url);
        self.run_open(format!("Downloading {url}…"), async move {
            let bytes = loader::fetch_bytes(&url).await?;
            // Copied before the bytes are handed (transferred) to the worker.
            let original = loader::blob_of(&bytes)?;
            loader::open_bytes(name, Source::Url(url), bytes, original).await.map(Opened::from)
        });
    }

    pub fn open_demo(self) {
        mark("flagdeck:open-start");
        self.run_open("Building the demo database…".into(), async {
            loader::open_demo().await.map(Opened::from)
        });
    }

    pub fn export(self) {
        let Some(open) = self.current.get_untracked() else { return };
        self.busy.set(Some(format!("Exporting {}…", open.name)));
        spawn_local(async move {
            let result =
                loader::export_bytes(&open).await.and_then(|bytes| loader::download(&open.name, &bytes));
            self.busy.set(None);
            match result {
                Ok(()) => self.copy_exported(),
                Err(e) => self.alert(e.to_string()),
            }
        });
    }
}

/// The `?db=` parameter of the page address, if any.
fn db_param() -> Option<String> {
    query_param("db").filter(|s| !s.is_empty())
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
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
            None => state.alert("Nothing to open: drop a database file (such as project.db).".into()),
        }
    });
    // Unexported changes: the browser asks before the tab is closed (they are also in the working
    // copy kept in this browser, but the file on disk does not have them).
    let unload = window_event_listener(ev::beforeunload, move |e| {
        if (state.unexported.get_untracked() && state.history.with_untracked(|h| !h.done.is_empty()))
            || state.other_changes.with_untracked(|c| !c.is_empty())
        {
            e.prevent_default();
            e.set_return_value("There are changes that were not exported.");
        }
    });
    // Back/forward and edited fragments change the page.
    let hash = location_hash();
    apply_shared_state(state, &hash);
    state.view.set(View::from_hash(&hash));
    let hash_listener = window_event_listener(ev::hashchange, move |_| {
        let hash = location_hash();
        apply_shared_state(state, &hash);
        let view = View::from_hash(&hash);
        if state.view.get_untracked() != view {
            state.view.set(view);
        }
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
    let page = Memo::new(move |_| match state.view.get() {
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
                {move || match (state.current.get(), page.get()) {
                    (_, View::Snapshot(payload)) => view! { <SnapshotView payload=payload /> }.into_any(),
                    (None, _) => view! { <Welcome /> }.into_any(),
                    (Some(open), View::Summary) => view! { <NavBar /> <SummaryPanel open=open /> }.into_any(),
                    (Some(_), View::Agents) => view! { <NavBar /> <AgentsPage /> }.into_any(),
                    (Some(_), View::Agent(name)) => view! { <NavBar /> <AgentPage name=name /> }.into_any(),
                    (Some(_), View::Routing) => view! { <NavBar /> <RoutingPage /> }.into_any(),
                    (Some(_), View::Dashboard) => view! { <NavBar /> <DashboardPage /> }.into_any(),
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
