//! Save in place, where the browser has the File System Access API (Chromium): a file opened
//! through its picker can be written back. Before writing, the file on disk is compared with
//! what was opened (agents keep writing to it); when it changed, the person chooses between
//! replaying their changes onto the newer file (conflicts listed) and saving a new file.
//!
//! The File System Access calls are in [`crate::web::platform::file_system`]. A write replaces
//! the file only when it is complete, so a failed or interrupted save leaves the original
//! untouched.

use js_sys::Uint8Array;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::files::live::{self, Live, OnDisk, Place};
use crate::web::files::loader;
use crate::web::platform::file_system;
use crate::web::state::AppState;
use flagdeck_core::header::JournalMode;
use flagdeck_core::journal::replay_onto;
use flagdeck_core::wal::{may_write_beside, Beside};

/// True where the browser offers the File System Access API.
pub fn supported() -> bool {
    file_system::supported()
}

/// What a save found on disk.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveState {
    Idle,
    /// The file changed since it was opened: replay or save as new.
    ChangedOnDisk,
    /// Replayed onto the newer file: steps applied, steps the file already holds, conflicts in words.
    Replayed {
        applied: usize,
        already: usize,
        conflicts: Vec<String>,
    },
    /// Writing in place is refused (a `-wal` beside the file; the sentence says why).
    Refused(String),
}

/// Refuses (with the sentence to show) when SQLite would replay a `-wal` beside the database
/// over what is written, or a connection still has it open ([`may_write_beside`]).
async fn check_beside(place: &Place, disk: &OnDisk, header_says_wal: bool) -> Result<(), String> {
    let bytes = match &disk.wal {
        Some(w) => Some(loader::read_file(w).await.map_err(|e| e.to_string())?.to_vec()),
        None => None,
    };
    let beside = match place.sees_folder() {
        true => Beside::Seen { wal: bytes.as_deref(), shm: disk.shm },
        false => Beside::Unseen,
    };
    may_write_beside(&place.name(), header_says_wal, beside).map_err(|r| r.to_string())
}

/// Why a save did not write.
enum NotSaved {
    /// Refused before anything was written (shown in the dialog).
    Refused(String),
    /// The write or the re-open failed (an alert).
    Failed(String),
}

/// Writes `bytes` to the file and opens it again from disk (its changes are saved, so the
/// history starts over), unless a `-wal` beside it would be replayed over it.
async fn write_and_reopen(
    app: AppState,
    live: &Live,
    bytes: &Uint8Array,
    header_says_wal: bool,
) -> Result<(), NotSaved> {
    let disk = live.place.read().await.map_err(|e| NotSaved::Failed(e.to_string()))?;
    check_beside(&live.place, &disk, header_says_wal).await.map_err(NotSaved::Refused)?;
    let handle = live.place.db_handle().await.map_err(|e| NotSaved::Failed(e.to_string()))?;
    handle.write_all(bytes).await.map_err(|e| NotSaved::Failed(e.to_string()))?;
    live::open_place(app, live.place.clone()).await;
    Ok(())
}

/// The outcome of a save shown: a refusal in the dialog, a failure as an alert.
fn report(app: AppState, state: RwSignal<SaveState>, result: Result<(), NotSaved>) {
    match result {
        Ok(()) => state.set(SaveState::Idle),
        Err(NotSaved::Refused(why)) => state.set(SaveState::Refused(why)),
        Err(NotSaved::Failed(e)) => {
            app.alert(format!("The file was not saved (it is as it was on disk): {e}"))
        }
    }
}

fn save(app: AppState, state: RwSignal<SaveState>) {
    let (Some(live), Some(open)) = (live::current(app), app.db().get()) else { return };
    spawn_local(async move {
        let result = async {
            let disk = live.place.read().await.map_err(|e| NotSaved::Failed(e.to_string()))?;
            // Refused before anything is offered: neither a write nor a replay could be saved.
            let header_says_wal = open.header.journal_mode == JournalMode::Wal;
            check_beside(&live.place, &disk, header_says_wal).await.map_err(NotSaved::Refused)?;
            if disk.stamp != live.stamp {
                return Ok(false);
            }
            let bytes = loader::export_bytes(&open).await.map_err(|e| NotSaved::Failed(e.to_string()))?;
            write_and_reopen(app, &live, &bytes, open.header.journal_mode == JournalMode::Wal)
                .await
                .map(|()| true)
        }
        .await;
        match result {
            Ok(false) => state.set(SaveState::ChangedOnDisk),
            other => report(app, state, other.map(|_| ())),
        }
    });
}

/// Opens the newer file (with its `-wal`) from disk in a worker of its own and replays every
/// applied step onto it; a step whose rows changed meanwhile is a conflict and is left out.
fn replay(app: AppState, state: RwSignal<SaveState>, merged: StoredValue<Option<Uint8Array>, LocalStorage>) {
    let Some(live) = live::current(app) else { return };
    let steps = app.changes().history().get_untracked().done;
    spawn_local(async move {
        let result = async {
            let disk = live.place.read().await.map_err(|e| e.to_string())?;
            let newer = loader::open_disk(&disk.db, disk.wal.as_ref(), loader::StoresRead::WhenAsked)
                .await
                .map_err(|e| e.to_string())?;
            let merge = replay_onto(&newer.db, &steps).await;
            let (applied, already, conflicts) =
                (merge.applied.len(), merge.already.len(), merge.conflict_lines());
            let out = loader::export_bytes(&newer).await.map_err(|e| e.to_string())?;
            Ok::<_, String>((applied, already, conflicts, out))
        }
        .await;
        match result {
            Ok((applied, already, conflicts, out)) => {
                merged.set_value(Some(out));
                state.set(SaveState::Replayed { applied, already, conflicts });
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
        live::current(app).is_some()
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
        SaveState::Refused(why) => Some(
            view! {
                <div class="save-dialog" role="dialog" data-testid="save-refused">
                    <p class="warning">{why}</p>
                    <button class="button primary" data-testid="save-as-new" on:click=move |_| { state.set(SaveState::Idle); app.export(); }>
                        "Save as a new file"
                    </button>
                    <button class="link" on:click=move |_| state.set(SaveState::Idle)>"cancel"</button>
                </div>
            }
            .into_any(),
        ),
        SaveState::Replayed { applied, already, conflicts } => Some(
            view! {
                <div class="save-dialog" role="dialog" data-testid="replay-result">
                    <p>{format!("{applied} of your changes apply to the newer file; {} conflict with what changed on disk and were left out.", conflicts.len())}</p>
                    {(already > 0).then(|| view! {
                        <p data-testid="replay-already">{format!("{already} of your changes were already made on disk (the same values): nothing to apply.")}</p>
                    })}
                    <ul>{conflicts.into_iter().map(|c| view! { <li data-testid="replay-conflict">{c}</li> }).collect_view()}</ul>
                    <button class="button primary" data-testid="write-replayed" on:click=move |_| {
                        let (Some(live), Some(bytes), Some(open)) = (live::current(app), merged.get_value(), app.db().get()) else { return };
                        spawn_local(async move {
                            let result = write_and_reopen(app, &live, &bytes, open.header.journal_mode == JournalMode::Wal).await;
                            report(app, state, result);
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
            <button class="button" data-testid="open-in-place" title="Open a file (with its -wal, if there is one) that can be saved back in place and followed" on:click=move |_| live::open_with_picker(app)>
                "Open to save back…"
            </button>
            {file_system::folders_supported().then(|| view! {
                <button class="button" data-testid="open-folder" title="Open the project.db of a project folder (or its .claude/memory folder), with its -wal: it can be saved back and followed" on:click=move |_| live::open_folder(app)>
                    "Open project folder…"
                </button>
            })}
            {move || can_save().then(|| view! {
                <button class="button" data-testid="save-in-place" title="Write the changes back to the opened file" on:click=move |_| save(app, state)>
                    "Save to file"
                </button>
            })}
            {dialog}
        }
    })
}
