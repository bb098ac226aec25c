//! Drawing the dashboard a part at a time (issue 14 item 5: no UI task over 50 ms). The body
//! is [`PARTS`] parts — the verdict (attention strip, window, outliers) first, then each
//! section in page order — and each part shows the [`Dashboard`] it was last given. When the
//! figures change (a computation ends, a control moves), the parts are given the new figures
//! in order, the browser getting a turn whenever [`TASK_BUDGET_MS`] of drawing were spent, so
//! no task builds the whole body (~3,800 elements at a million calls), and a part keeps its old figures until its turn (no flash of
//! empty sections, no jump of the scroll position). Laying them out is one frame's work, kept
//! short by the sections off screen not being laid out (`content-visibility: auto`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use flagdeck_core::dashboard::Dashboard;

use crate::web::platform::browser::yield_to_browser;
use crate::web::platform::perf::{next_paint, perf_now};

/// Drawing time after which the browser gets a turn before the next part (milliseconds): small
/// parts share a task, and the costliest (the flag charts, ~25 ms at 200k flags) ends its task
/// under 50 ms. Measured: 4 ms made more tasks and more layout passes, slower to complete with
/// no fewer long tasks; 20 ms gave tasks over 50 ms.
pub const TASK_BUDGET_MS: f64 = 12.0;

/// Resumes after the microtasks queued now (the effects a signal change woke) have run.
async fn settle() {
    let _ =
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL)).await;
}

/// How many parts the body is drawn in (see [`Part`]).
pub const PARTS: usize = 8;

/// The parts of the body, in drawing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The attention strip, the window line, the outlier notice.
    Verdict = 0,
    Flags,
    Quests,
    Tools,
    Health,
    Capacity,
    Budgets,
    Hooks,
}

/// The figures each part shows now: a narrow, Copy handle (read-only outside this module).
#[derive(Clone, Copy)]
pub struct Drawn {
    parts: [RwSignal<Option<Dashboard>>; PARTS],
}

impl Drawn {
    /// The figures `part` shows (tracked).
    pub fn get(self, part: Part) -> Option<Dashboard> {
        self.parts[part as usize].get()
    }

    /// Whether the first part is drawn (the body exists).
    pub fn started(self) -> bool {
        self.parts[0].with(Option::is_some)
    }
}

/// Draws `source` a part at a time: after each change, the parts get the new figures in order,
/// in tasks of about [`TASK_BUDGET_MS`] (a part that shows equal figures already is skipped);
/// `on_drawn` runs once the last part has been painted (not when a newer change overtook the
/// drawing). `None` (no figures) empties every part at once. `redraw`: a signal whose change
/// runs this again even when the figures compare equal, so a computation that ended with the
/// same figures still ends its measures (and rebuilds nothing).
pub fn use_drawn(
    source: Signal<Option<Dashboard>>,
    redraw: Signal<u64>,
    on_drawn: impl Fn() + Clone + 'static,
) -> Drawn {
    let parts = std::array::from_fn(|_| RwSignal::new(None));
    let drawn = Drawn { parts };
    // Counts the drawings started: one that is overtaken stops before its next part.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        redraw.track();
        let figures = source.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let Some(figures) = figures else {
            for p in parts {
                p.set(None);
            }
            return;
        };
        let on_drawn = on_drawn.clone();
        spawn_local(async move {
            // A task of its own: what the page built in this one (its controls) comes first.
            yield_to_browser().await;
            let mut task_started = perf_now();
            for p in parts {
                // The page may be gone (the signals with it), or a newer drawing began.
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                // A part showing these figures already is left as it is (a computation that
                // ended with the same figures rebuilds nothing: folds stay as the person left
                // them, and so does the scroll position).
                if p.try_with_untracked(|shown| shown.as_ref() == Some(&figures)) != Some(false) {
                    continue;
                }
                p.try_set(Some(figures.clone()));
                // The part is built by the effects that the change woke: they run before this
                // resumes. Cheap parts share a task; the browser gets a turn once one is spent.
                settle().await;
                if perf_now() - task_started >= TASK_BUDGET_MS {
                    yield_to_browser().await;
                    task_started = perf_now();
                }
            }
            next_paint().await;
            if generation.try_get_value() == Some(mine) {
                on_drawn();
            }
        });
    });
    drawn
}
