//! Save in place, where the browser has the File System Access API (Chromium): a file opened
//! through its picker can be written back. Before writing, the file on disk is compared with
//! what was opened (agents keep writing to it); when it changed, the person chooses between
//! replaying their changes onto the newer file (conflicts listed) and saving a new file.
//!
//! The File System Access calls are in [`crate::web::platform::file_system`]. A write replaces
//! the file only when it is complete, so a failed or interrupted save leaves the original
//! untouched.

use std::cell::RefCell;

use js_sys::Uint8Array;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::files::loader::{self, Source};
use crate::web::platform::file_system::{self, FileHandle, FileSystemError};
use crate::web::state::AppState;
use flagdeck_core::journal::replay_onto;

/// The file handle of the open database and what the file looked like when it was read.
#[derive(Clone)]
struct Opened {
    handle: FileHandle,
    /// The open attempt it belongs to ([`OpenDb::data_key`](crate::web::state::OpenDb::data_key)'s first part).
    generation: u64,
    last_modified: f64,
    size: f64,
}

thread_local! {
    static OPENED: RefCell<Option<Opened>> = const { RefCell::new(None) };
}

/// True where the browser offers the File System Access API.
pub fn supported() -> bool {
    file_system::supported()
}

/// The file behind the handle as it is on disk now.
async fn disk_file(handle: &FileHandle) -> Result<web_sys::File, String> {
    handle.file().await.map_err(|e| e.to_string())
}

/// Picks a database with the browser's picker and opens it, remembering the handle.
pub fn open_with_picker(app: AppState) {
    spawn_local(async move {
        let handle = match file_system::pick_file().await {
            Ok(h) => h,
            // The person closed the picker: nothing to say.
            Err(FileSystemError::PickerCancelled) => return,
            Err(e) => return app.alert(format!("The file could not be picked: {e}")),
        };
        let file = match disk_file(&handle).await {
            Ok(f) => f,
            Err(e) => return app.alert(format!("The picked file could not be read: {e}")),
        };
        let (last_modified, size) = (file.last_modified(), file.size());
        app.open_file(file);
        // `open_file` starts a new open attempt: the handle belongs to that one only.
        let generation = app.db().data_key().0;
        OPENED.with(|o| *o.borrow_mut() = Some(Opened { handle, generation, last_modified, size }));
    });
}

/// The handle of the database on screen, if it was opened with the picker.
fn current(app: AppState) -> Option<Opened> {
    let generation = app.db().data_key().0;
    OPENED.with(|o| o.borrow().clone()).filter(|o| o.generation == generation)
}

/// What a save found on disk.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveState {
    Idle,
    /// The file changed since it was opened: replay or save as new.
    ChangedOnDisk,
    /// Replayed onto the newer file: (steps applied, conflicts in words).
    Replayed {
        applied: usize,
        conflicts: Vec<String>,
    },
}

/// Writes `bytes` to the file and opens it again from disk (its changes are saved, so the
/// history starts over).
async fn write_and_reopen(app: AppState, opened: &Opened, bytes: &Uint8Array) -> Result<(), String> {
    opened.handle.write_all(bytes).await.map_err(|e| e.to_string())?;
    let file = disk_file(&opened.handle).await?;
    let (last_modified, size) = (file.last_modified(), file.size());
    app.open_file(file);
    let generation = app.db().data_key().0;
    OPENED.with(|o| {
        *o.borrow_mut() = Some(Opened { handle: opened.handle.clone(), generation, last_modified, size })
    });
    Ok(())
}

fn save(app: AppState, state: RwSignal<SaveState>) {
    let (Some(opened), Some(open)) = (current(app), app.db().get()) else { return };
    spawn_local(async move {
        let result = async {
            let disk = disk_file(&opened.handle).await?;
            if disk.last_modified() != opened.last_modified || disk.size() != opened.size {
                state.set(SaveState::ChangedOnDisk);
                return Ok(false);
            }
            let bytes = loader::export_bytes(&open).await.map_err(|e| e.to_string())?;
            write_and_reopen(app, &opened, &bytes).await?;
            Ok::<_, String>(true)
        }
        .await;
        match result {
            Ok(true) => state.set(SaveState::Idle),
            Ok(false) => {}
            Err(e) => app.alert(format!("The file was not saved (it is as it was on disk): {e}")),
        }
    });
}

/// Opens the newer file from disk in a worker of its own and replays every applied step onto
/// it; a step whose rows changed meanwhile is a conflict and is left out.
fn replay(app: AppState, state: RwSignal<SaveState>, merged: StoredValue<Option<Uint8Array>, LocalStorage>) {
    let Some(opened) = current(app) else { return };
    let steps = app.changes().history().get_untracked().done;
    spawn_local(async move {
        let result = async {
            let disk = disk_file(&opened.handle).await?;
            let bytes = loader::read_file(&disk).await.map_err(|e| e.to_string())?;
            let newer = loader::open_bytes(disk.name(), Source::File, bytes, disk.clone().into())
                .await
                .map_err(|e| e.to_string())?;
            let merge = replay_onto(&newer.db, &steps).await;
            let (applied, conflicts) = (merge.applied.len(), merge.conflict_lines());
            let out = loader::export_bytes(&newer).await.map_err(|e| e.to_string())?;
            Ok::<_, String>((applied, conflicts, out))
        }
        .await;
        match result {
            Ok((applied, conflicts, out)) => {
                merged.set_value(Some(out));
                state.set(SaveState::Replayed { applied, conflicts });
            }
            Err(e) => app.alert(format!("Your changes could not be replayed onto the newer file: {e}")),
        }
    });
}

/// "Open with save-back" and "Save to file", in the toolbar.
#[component]
pub fn SaveInPlace() -> impl IntoView {
    let app = expect_context::<AppState>();
    let state = RwSignal::new(SaveState::Idle);
    let merged = StoredValue::new_local(None::<Uint8Array>);
    let can_save = move || {
        app.db().current().track();
        app.db().data_version().track();
        current(app).is_some()
    };
    let dialog = move || {
        match state.get() {
        SaveState::Idle => None,
        SaveState::ChangedOnDisk => Some(
            view! {
                <div class="save-dialog" role="dialog" data-testid="save-conflict">
                    <p class="warning">"The file changed on disk since you opened it (agents keep writing to it). Saving now would throw their changes away."</p>
                    <button class="button primary" data-testid="replay-changes" on:click=move |_| replay(app, state, merged)>
                        "Replay my changes onto the newer file"
                    </button>
                    <button class="button" data-testid="save-as-new" on:click=move |_| { state.set(SaveState::Idle); app.export(); }>
                        "Save as a new file instead"
                    </button>
                    <button class="link" on:click=move |_| state.set(SaveState::Idle)>"cancel"</button>
                </div>
            }
            .into_any(),
        ),
        SaveState::Replayed { applied, conflicts } => Some(
            view! {
                <div class="save-dialog" role="dialog" data-testid="replay-result">
                    <p>{format!("{applied} of your changes apply to the newer file; {} conflict with what changed on disk and were left out.", conflicts.len())}</p>
                    <ul>{conflicts.into_iter().map(|c| view! { <li data-testid="replay-conflict">{c}</li> }).collect_view()}</ul>
                    <button class="button primary" data-testid="write-replayed" on:click=move |_| {
                        let (Some(opened), Some(bytes)) = (current(app), merged.get_value()) else { return };
                        spawn_local(async move {
                            match write_and_reopen(app, &opened, &bytes).await {
                                Ok(()) => state.set(SaveState::Idle),
                                Err(e) => app.alert(format!("The file was not saved (it is as it was on disk): {e}")),
                            }
                        });
                    }>"Write the newer file with my changes"</button>
                    <button class="button" data-testid="save-as-new" on:click=move |_| { state.set(SaveState::Idle); app.export(); }>
                        "Save mine as a new file instead"
                    </button>
                </div>
            }
            .into_any(),
        ),
    }
    };
    supported().then(|| {
        view! {
            <button class="button" data-testid="open-in-place" title="Open a file that can be saved back in place" on:click=move |_| open_with_picker(app)>
                "Open to save back…"
            </button>
            {move || can_save().then(|| view! {
                <button class="button" data-testid="save-in-place" title="Write the changes back to the opened file" on:click=move |_| save(app, state)>
                    "Save to file"
                </button>
            })}
            {dialog}
        }
    })
}
