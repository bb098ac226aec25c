//! Follow mode: while agents write to the project database, the view stays current. Where File
//! System Access exists and the database was opened from a file or folder handle
//! ([`live::Place`]), a poll compares the size and modification time of the database and its
//! `-wal` ([`live::Stamp`]); when they changed, both are read again, opened in a fresh worker
//! with the checks of any open ([`loader::open_disk`]) and swapped in only when that passed
//! ([`AppState::follow_swap`]): pages stay mounted and read again, so filters, scroll position
//! and the selected flag or quest stay. What changed is listed (`follow-changes`) and marked in
//! the lists ([`flagdeck_core::follow`]).
//!
//! A read that fails (a write caught half-way: the checks fail, the files changed while they
//! were read, the browser could not read a file that was being replaced) keeps the view and is
//! tried again at the next poll, with no alert. While the view has unsaved local changes a newer
//! file is not swapped in: following pauses and offers to replay the changes onto it.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::files::live::{self, Live, Stamp};
use crate::web::files::loader;
use crate::web::platform::browser::{date_now, local_clock, page_hidden, sleep_ms};
use crate::web::platform::file_system::{self, FileSystemError};
use crate::web::platform::perf::{mark, measure_since, perf_now};
use crate::web::state::{AppState, View};
use flagdeck_core::follow::{self, ChangeLine, Changes, Snapshot, ToolCallChange};
use flagdeck_core::journal::replay_onto;

/// The poll interval when the person has not chosen one, in milliseconds.
pub const DEFAULT_INTERVAL_MS: u32 = 2_000;
/// The shortest and longest interval the control accepts, in milliseconds.
pub const INTERVAL_RANGE_MS: (u32, u32) = (500, 300_000);
/// Ids marked per kind of change in the lists (a larger change is listed, not all marked).
const MARKED_PER_KIND: usize = 2_000;

/// Where follow mode is in its lifecycle.
#[derive(Clone, Debug, PartialEq)]
pub enum FollowState {
    Off,
    /// Waiting for the next poll.
    Watching,
    /// A change was seen: the files are being read, opened and checked.
    Reading,
    /// The tab is hidden: nothing is read until it is shown again.
    Hidden,
    /// The last read did not give a good view (the reason); it is tried again at the next poll.
    Retrying {
        why: String,
        attempts: u32,
    },
    /// The file changed on disk while this view has unsaved changes (how many).
    Paused {
        changes: usize,
    },
    /// Following ended: the files cannot be read any more (the reason).
    Stopped(String),
}

impl FollowState {
    /// The `data-state` of the status element.
    fn key(&self) -> &'static str {
        match self {
            FollowState::Off => "off",
            FollowState::Watching => "watching",
            FollowState::Reading => "reading",
            FollowState::Hidden => "hidden",
            FollowState::Retrying { .. } => "retrying",
            FollowState::Paused { .. } => "paused",
            FollowState::Stopped(_) => "stopped",
        }
    }
}

/// What the last read that changed something found, for the list and the marks.
pub struct LastChanges {
    pub lines: Vec<ChangeLine>,
    pub changes: Changes,
    /// When it was read (ms since the epoch).
    pub at_ms: f64,
}

/// Follow mode's state, provided as a context: read-only signals, actions as methods.
#[derive(Clone, Copy)]
pub struct Follow {
    state: RwSignal<FollowState>,
    interval_ms: RwSignal<u32>,
    last: RwSignal<Option<Rc<LastChanges>>, LocalStorage>,
    /// The snapshot of what is on screen, and the open attempt it belongs to.
    snapshot: StoredValue<Option<(u64, Rc<Snapshot>)>, LocalStorage>,
    /// Which poll loop is current: starting or stopping ends the older loop.
    run: StoredValue<u64>,
    /// The files at a read that failed its checks: not read again until they change.
    failed: StoredValue<Option<Stamp>>,
    /// Completed follow re-reads, and polls (comparisons of the files' stamps), for the tests
    /// and the benchmark: a change must be shown within two polls.
    reads: RwSignal<u64>,
    polls: RwSignal<u64>,
}

impl Follow {
    pub fn new() -> Self {
        Follow {
            state: RwSignal::new(FollowState::Off),
            interval_ms: RwSignal::new(DEFAULT_INTERVAL_MS),
            last: RwSignal::new_local(None),
            snapshot: StoredValue::new_local(None),
            run: StoredValue::new(0),
            failed: StoredValue::new(None),
            reads: RwSignal::new(0),
            polls: RwSignal::new(0),
        }
    }

    /// Starts following the database on screen (nothing when it has no place on disk).
    pub fn start(self, app: AppState) {
        if live::current(app).is_none() {
            return;
        }
        let run = self.run.get_value() + 1;
        self.run.set_value(run);
        self.state.set(FollowState::Watching);
        spawn_local(self.poll_loop(app, run));
    }

    /// Stops following; the view stays as it is.
    pub fn stop(self) {
        self.run.set_value(self.run.get_value() + 1);
        self.state.set(FollowState::Off);
    }

    fn current_run(self, run: u64) -> bool {
        self.run.try_get_value() == Some(run)
    }

    /// The snapshot of what is on screen (read now when there is none for this open).
    async fn snapshot_now(self, app: AppState) -> Result<Rc<Snapshot>, String> {
        let generation = app.db().open_attempt();
        if let Some((g, s)) = self.snapshot.get_value() {
            if g == generation {
                return Ok(s);
            }
        }
        let open = app.db().get().ok_or("no database is open")?;
        let s = Rc::new(follow::read(&open.db, &open.facts).await.map_err(|e| e.to_string())?);
        self.snapshot.set_value(Some((generation, s.clone())));
        Ok(s)
    }

    async fn poll_loop(self, app: AppState, run: u64) {
        let mut attempts = 0u32;
        loop {
            sleep_ms(self.interval_ms.get_untracked()).await;
            if !self.current_run(run) {
                return;
            }
            if page_hidden() {
                self.state.set(FollowState::Hidden);
                continue;
            }
            let Some(live) = live::current(app) else {
                self.state.set(FollowState::Stopped("another database was opened".into()));
                return;
            };
            let outcome = self.poll_once(app, &live, run).await;
            self.polls.update(|n| *n += 1);
            match outcome {
                Ok(()) => attempts = 0,
                Err(Failure::Retry(why)) => {
                    attempts += 1;
                    if self.current_run(run) {
                        self.state.set(FollowState::Retrying { why, attempts });
                    }
                }
                Err(Failure::Stop(why)) => {
                    if self.current_run(run) {
                        self.state.set(FollowState::Stopped(why));
                    }
                    return;
                }
            }
        }
    }

    /// One poll: nothing when the files did not change; else read, check and swap.
    async fn poll_once(self, app: AppState, live: &Live, run: u64) -> Result<(), Failure> {
        let disk = live.place.read().await.map_err(Failure::from_disk)?;
        let unsaved = app.changes().history().get_untracked().done.len();
        if disk.stamp == live.stamp {
            // Nothing new on disk (a pause ends once the changes were saved or undone).
            if unsaved == 0 || !matches!(self.state.get_untracked(), FollowState::Paused { .. }) {
                self.state.set(FollowState::Watching);
            }
            return Ok(());
        }
        if self.failed.get_value() == Some(disk.stamp) {
            // The same bytes would fail the same way: wait for the next write.
            return Ok(());
        }
        if unsaved > 0 {
            self.state.set(FollowState::Paused { changes: unsaved });
            return Ok(());
        }
        self.state.set(FollowState::Reading);
        let started = perf_now();
        let generation = app.db().open_attempt();
        let before = self.snapshot_now(app).await.map_err(Failure::Retry)?;
        let newer = loader::open_disk(&disk.db, disk.wal.as_ref(), loader::StoresRead::WhenAsked)
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?;
        // A write between reading the database and its -wal can pair files of two moments.
        let again = live.place.read().await.map_err(Failure::from_disk)?;
        if again.stamp != disk.stamp {
            return Err(Failure::Retry("the files changed while they were read".into()));
        }
        let after =
            Rc::new(follow::read(&newer.db, &newer.facts).await.map_err(|e| Failure::Retry(e.to_string()))?);
        let changes = follow::diff(&before, &after);
        let tools = match (&before.tool_calls, changes.tool_calls) {
            (Some(t), ToolCallChange::New(_)) => {
                follow::new_tool_calls(&newer.db, &newer.facts, t.max_rowid).await.unwrap_or_default()
            }
            _ => Vec::new(),
        };
        // Still the database, the loop and the history this read was for?
        if !self.current_run(run)
            || app.db().open_attempt() != generation
            || !app.changes().history().get_untracked().done.is_empty()
        {
            // Dropped (its worker ends with it); the next poll reads again if it still matters.
            if self.current_run(run) {
                self.state.set(FollowState::Watching);
            }
            return Ok(());
        }
        if !changes.is_empty() {
            let lines = changes.lines(&tools);
            self.last.set(Some(Rc::new(LastChanges { lines, changes, at_ms: date_now() })));
        }
        self.snapshot.set_value(Some((generation, after)));
        app.follow_swap(newer);
        live::read_at(app, disk.stamp);
        self.reads.update(|n| *n += 1);
        self.state.set(FollowState::Watching);
        // One re-read: files read, WAL applied, opened and checked, snapshot and diff, swapped.
        measure_since("flagdeck:follow-reread", started);
        mark("flagdeck:follow-swapped");
        Ok(())
    }

    /// Replays the unsaved changes onto the newer file, swaps it in, and resumes following.
    fn replay(self, app: AppState) {
        let Some(live) = live::current(app) else { return };
        let steps = app.changes().history().get_untracked().done;
        spawn_local(async move {
            let result = async {
                let disk = live.place.read().await.map_err(|e| e.to_string())?;
                let newer = loader::open_disk(&disk.db, disk.wal.as_ref(), loader::StoresRead::WhenAsked)
                    .await
                    .map_err(|e| e.to_string())?;
                let before = self.snapshot_now(app).await?;
                let after = follow::read(&newer.db, &newer.facts).await.map_err(|e| e.to_string())?;
                // What the agents changed (before the person's changes are replayed onto it).
                let changes = follow::diff(&before, &after);
                let merge = replay_onto(&newer.db, &steps).await;
                newer.rewritten.set(!merge.applied.is_empty());
                Ok::<_, String>((disk.stamp, newer, after, changes, merge))
            }
            .await;
            match result {
                Ok((stamp, newer, after, changes, merge)) => {
                    if !changes.is_empty() {
                        let lines = changes.lines(&[]);
                        self.last.set(Some(Rc::new(LastChanges { lines, changes, at_ms: date_now() })));
                    }
                    let conflicts = merge.conflict_lines();
                    if !merge.already.is_empty() {
                        app.note(format!(
                            "{} of your changes were already made on disk (the same values): nothing to replay.",
                            merge.already.len()
                        ));
                    }
                    let generation = app.db().open_attempt();
                    self.snapshot.set_value(Some((generation, Rc::new(after))));
                    app.follow_swap_replayed(newer, merge.applied);
                    live::read_at(app, stamp);
                    if !conflicts.is_empty() {
                        app.alert(format!(
                            "{} of your changes conflict with what changed on disk and were left out: {}",
                            conflicts.len(),
                            conflicts.join("; ")
                        ));
                    }
                    self.start(app);
                }
                Err(e) => app.alert(format!("Your changes could not be replayed onto the newer file: {e}")),
            }
        });
    }
}

impl Default for Follow {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a poll did not swap.
enum Failure {
    /// Tried again at the next poll; the view stays.
    Retry(String),
    /// Following ends (access withdrawn).
    Stop(String),
}

impl Failure {
    fn from_disk(e: FileSystemError) -> Failure {
        match e {
            FileSystemError::NotAllowed(_) => {
                Failure::Stop(format!("the browser no longer allows reading the file: {e}"))
            }
            other => Failure::Retry(other.to_string()),
        }
    }
}

/// The CSS that marks the changed rows of the flag list and the quest board and list: one rule
/// per kind, on the rows' `data-flag-id` / `data-quest-id` (the lists render rows as they
/// please; the marks follow without re-rendering them). Each rule sets `--follow-change` to the
/// kind's key, which the style sheet turns into a coloured edge.
fn marks_css(changes: &Changes) -> String {
    let mut css = String::new();
    for (kind, flags, quests) in changes.marked() {
        let mut selectors: Vec<String> = Vec::new();
        selectors
            .extend(flags.iter().take(MARKED_PER_KIND).map(|id| format!(".flag-row[data-flag-id=\"{id}\"]")));
        selectors.extend(quests.iter().take(MARKED_PER_KIND).flat_map(|id| {
            [format!(".quest-card[data-quest-id=\"{id}\"]"), format!(".quest-row[data-quest-id=\"{id}\"]")]
        }));
        if !selectors.is_empty() {
            css.push_str(&format!(
                ":is({}) {{ --follow-change: {kind}; box-shadow: inset 4px 0 0 var(--follow-{kind}); }}\n",
                selectors.join(",")
            ));
        }
    }
    css
}

/// The Follow switch, its interval and its state, under the toolbar: only where File System
/// Access exists and the open database came from a file or folder handle.
#[component]
pub fn FollowControl() -> impl IntoView {
    let app = expect_context::<AppState>();
    let follow = expect_context::<Follow>();
    let followable = move || {
        app.db().current().track();
        file_system::supported() && live::current(app).is_some()
    };
    // Another database opened: following it would be a surprise.
    Effect::new(move |previous: Option<u64>| {
        app.db().current().track();
        let generation = app.db().open_attempt();
        if previous.is_some_and(|p| p != generation) && live::current(app).is_none() {
            follow.stop();
        }
        generation
    });
    let on = move || !matches!(follow.state.get(), FollowState::Off | FollowState::Stopped(_));
    let status = move || match follow.state.get() {
        FollowState::Off => String::new(),
        FollowState::Watching => match follow.last.get() {
            Some(last) => format!("following · last change read at {}", local_clock(last.at_ms)),
            None => "following · no change yet".into(),
        },
        FollowState::Reading => "reading the new state…".into(),
        FollowState::Hidden => "paused while the tab is hidden".into(),
        FollowState::Retrying { why, attempts } => {
            format!(
                "the last read caught a write under way; trying again at the next change ({attempts}): {why}"
            )
        }
        FollowState::Paused { changes } => format!("paused: {changes} unsaved change(s) here"),
        FollowState::Stopped(why) => format!("stopped: {why}"),
    };
    move || {
        followable().then(|| {
            view! {
                <div class="follow-bar">
                <span class="follow-control">
                    <label class="switch" title="Re-read the database and its -wal when they change on disk">
                        <input
                            type="checkbox"
                            role="switch"
                            data-testid="follow"
                            prop:checked=on
                            on:change=move |e| {
                                if event_target_checked(&e) { follow.start(app) } else { follow.stop() }
                            }
                        />
                        "Follow"
                    </label>
                    <label class="interval" title="How often the files' size and modification time are compared">
                        "every "
                        <input
                            type="number"
                            data-testid="follow-interval"
                            min=INTERVAL_RANGE_MS.0 as f64 / 1000.0
                            max=INTERVAL_RANGE_MS.1 as f64 / 1000.0
                            step="any"
                            prop:value=move || follow.interval_ms.get() as f64 / 1000.0
                            on:change=move |e| {
                                let input = event_target::<web_sys::HtmlInputElement>(&e);
                                if let Ok(s) = input.value().parse::<f64>() {
                                    let ms = (s * 1000.0).round().clamp(INTERVAL_RANGE_MS.0 as f64, INTERVAL_RANGE_MS.1 as f64);
                                    follow.interval_ms.set(ms as u32);
                                }
                                // Shows the interval in use (a value out of range is clamped).
                                input.set_value(&(follow.interval_ms.get_untracked() as f64 / 1000.0).to_string());
                                // A new interval starts a new wait now, not after the old one.
                                if !matches!(follow.state.get_untracked(), FollowState::Off | FollowState::Stopped(_)) {
                                    follow.start(app);
                                }
                            }
                        />
                        " s"
                    </label>
                    <span
                        class="follow-status muted"
                        data-testid="follow-status"
                        data-state=move || follow.state.get().key()
                        data-reads=move || follow.reads.get()
                        data-polls=move || follow.polls.get()
                    >
                        {status}
                    </span>
                </span>
                </div>
            }
        })
    }
}

/// The Follow switch, what changed on disk at the last read, the marks in the lists, and the
/// pause offer: the strip under the toolbar.
#[component]
pub fn FollowChanges() -> impl IntoView {
    let app = expect_context::<AppState>();
    let follow = expect_context::<Follow>();
    let paused = move || match follow.state.get() {
        FollowState::Paused { changes } => Some(view! {
            <section class="follow-paused" role="status" data-testid="follow-paused">
                <p class="warning">
                    {format!(
                        "The file changed on disk. Following is paused: your {changes} unsaved change(s) here would be \
                         lost if the newer file replaced this view."
                    )}
                </p>
                <button class="button primary" data-testid="follow-replay" on:click=move |_| follow.replay(app)>
                    "Replay my changes onto the newer file"
                </button>
                <button class="button" on:click=move |_| app.export()>"Save mine as a new file"</button>
                <button class="link" on:click=move |_| follow.stop()>"stop following"</button>
            </section>
        }),
        _ => None,
    };
    let list = move || {
        follow.last.get().map(|last| {
            let css = marks_css(&last.changes);
            let at = local_clock(last.at_ms);
            let lines = last.lines.clone();
            view! {
                <style data-testid="follow-marks">{css}</style>
                <section class="follow-changes" data-testid="follow-changes" aria-live="polite">
                    <h2>{format!("Changed on disk (read at {at})")}</h2>
                    <ul>
                        {lines.into_iter().map(|line| {
                            // A removed row has nothing left to show.
                            let target = (line.kind != "removed").then(|| {
                                line.flags.first().map(|&id| View::Flag(id))
                                    .or_else(|| line.quests.first().map(|&id| View::Quest(id)))
                            }).flatten();
                            let text = line.text.clone();
                            view! {
                                <li data-testid="follow-change" data-kind=line.kind>
                                    {match target {
                                        Some(view) => view! {
                                            <a href=view.to_hash()>{text}</a>
                                        }.into_any(),
                                        None => view! { <span>{text}</span> }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <button class="dismiss" aria-label="Dismiss" on:click=move |_| follow.last.set(None)>"×"</button>
                </section>
            }
        })
    };
    view! {
        <FollowControl />
        {paused}
        {list}
    }
}
