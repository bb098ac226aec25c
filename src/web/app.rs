//! The application shell: owns "what is open", runs the loaders, and shows the result or the
//! reason nothing changed.

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::components::{AlertList, DropOverlay, SummaryPanel, Toolbar, Welcome};
use super::loader::{self, mark, LoadError, OpenDb, Shared, Source};

/// One line in the alert region.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u32,
    pub text: String,
}

/// Everything the UI shares. `Copy` handles, cheap to pass to components.
#[derive(Clone, Copy)]
pub struct AppState {
    pub current: RwSignal<Option<Shared>, LocalStorage>,
    /// What is being opened right now (shown as progress; buttons stay usable).
    pub busy: RwSignal<Option<String>>,
    pub alerts: RwSignal<Vec<Notice>>,
    next_alert: StoredValue<u32>,
    /// Increases with every open attempt, so a slow earlier attempt cannot replace a later one.
    generation: StoredValue<u64>,
}

impl AppState {
    fn new() -> Self {
        AppState {
            current: RwSignal::new_local(None),
            busy: RwSignal::new(None),
            alerts: RwSignal::new(Vec::new()),
            next_alert: StoredValue::new(1),
            generation: StoredValue::new(0),
        }
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
    fn run_open<F>(self, label: String, attempt: F)
    where
        F: std::future::Future<Output = Result<OpenDb, LoadError>> + 'static,
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
                Ok(open) => {
                    self.alerts.set(Vec::new());
                    if loader::was_wal(&open) {
                        self.alert(format!(
                            "{} uses WAL journal mode. It was opened, but changes still sitting in a \
                             \"{}-wal\" file next to it on disk are not included: open it once with \
                             sqlite3 or agent_db.py (which checkpoints the -wal file) to include them.",
                            open.name, open.name
                        ));
                    }
                    self.current.set(Some(Rc::new(open)));
                    request_animation_frame(|| mark("flagdeck:summary-shown"));
                }
                Err(e) => self.alert(e.to_string()),
            }
        });
    }

    pub fn open_file(self, file: web_sys::File) {
        mark("flagdeck:open-start");
        let name = file.name();
        self.run_open(format!("Opening {name}…"), async move {
            let bytes = loader::read_file(&file).await?;
            loader::open_bytes(name, Source::File, bytes).await
        });
    }

    pub fn open_url(self, url: String) {
        mark("flagdeck:open-start");
        let name = loader::name_from_url(&url);
        self.run_open(format!("Downloading {url}…"), async move {
            let bytes = loader::fetch_bytes(&url).await?;
            loader::open_bytes(name, Source::Url(url), bytes).await
        });
    }

    pub fn open_demo(self) {
        mark("flagdeck:open-start");
        self.run_open("Building the demo database…".into(), loader::open_demo());
    }

    pub fn export(self) {
        let Some(open) = self.current.get_untracked() else { return };
        self.busy.set(Some(format!("Exporting {}…", open.name)));
        spawn_local(async move {
            let result =
                loader::export_bytes(&open).await.and_then(|bytes| loader::download(&open.name, &bytes));
            self.busy.set(None);
            if let Err(e) = result {
                self.alert(e.to_string());
            }
        });
    }
}

/// The `?db=` parameter of the page address, if any.
fn db_param() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get("db").filter(|s| !s.is_empty())
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);

    if let Some(url) = db_param() {
        state.open_url(url);
    } else {
        loader::prepare_spare_worker();
    }

    // Drag-and-drop anywhere on the page. `dragover` must be cancelled for `drop` to fire.
    let dragging = RwSignal::new(false);
    let has_files = |e: &ev::DragEvent| {
        e.data_transfer()
            .map(|dt| dt.types().iter().any(|t| t.as_string().as_deref() == Some("Files")))
            .unwrap_or(false)
    };
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
        let file = e.data_transfer().and_then(|dt| dt.files()).and_then(|files| files.get(0));
        match file {
            Some(file) => state.open_file(file),
            None => state.alert("Nothing to open: drop a database file (such as project.db).".into()),
        }
    });
    on_cleanup(move || {
        over.remove();
        leave.remove();
        drop_listener.remove();
    });

    view! {
        <div class="app">
            <Toolbar />
            <AlertList />
            <main class="content">
                {move || match state.current.get() {
                    Some(open) => view! { <SummaryPanel open=open /> }.into_any(),
                    None => view! { <Welcome /> }.into_any(),
                }}
            </main>
            <DropOverlay visible=dragging />
        </div>
    }
}

/// The input element behind a change event.
pub fn input_files(e: &ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = e.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0);
    // Reset so that picking the same file again fires `change` again.
    input.set_value("");
    file
}
