//! Drawing a virtual table's recycled rows view first, overscan next: the rows a scroll or a
//! new query brings into view are drawn in its own frame; the rest of the window (the
//! overscan, out of view) in the frame after the view's rows are loaded and painted. A jump
//! then lays out the ~19 rows in view instead of the window's 37, and a scroll within the
//! overscan draws nothing new in its frame. The flag list and the quest list draw this way.

use std::ops::Range;

use leptos::prelude::*;

use crate::web::platform::perf::after_paint;
use flagdeck_core::paging::Viewport;

/// What one row element shows ([`DrawnRows::slot`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    /// Row `index` of the list (0-based position).
    Row(usize),
    /// Its row is in the window but drawn in a later frame: the element changes as little as it
    /// can until then, and the table hides it where what it holds could mislead (another
    /// query's row; a place that may lie in the view).
    Later,
    /// The list is too short to reach it: hidden.
    Gone,
}

/// The rows a table draws now and its window ([`use_drawn_rows`]); read-only.
#[derive(Clone, Copy)]
pub struct DrawnRows {
    viewport: Viewport,
    /// The window ([`Viewport::rows`]): what the elements show once drawn whole.
    target: Memo<Range<usize>>,
    /// The rows drawn now, within `target` ([`Viewport::drawn_first`], then `target`).
    now: Memo<Range<usize>>,
}

impl DrawnRows {
    /// What element `element` (`0..viewport.slots()`) shows now (tracked).
    pub fn slot(&self, element: usize) -> SlotState {
        if let Some(index) = self.viewport.slot_row(element, &self.now.get()) {
            return SlotState::Row(index);
        }
        if self.viewport.slot_row(element, &self.target.get()).is_some() {
            SlotState::Later
        } else {
            SlotState::Gone
        }
    }
}

/// The rows of a table laid out by `viewport` at `scroll_top` (px) in a list of `len` rows,
/// drawn view first: `generation` changes when the rows show another query (nothing drawn
/// before is kept then), `loaded(view)` says whether every row of `view` has arrived (tracked).
/// The window is drawn whole once the view's rows are loaded and painted (after the next
/// paint; dropped and asked again if the list moved meanwhile).
pub fn use_drawn_rows(
    viewport: Viewport,
    scroll_top: Signal<f64>,
    len: Signal<usize>,
    generation: Signal<u64>,
    loaded: impl Fn(Range<usize>) -> bool + Send + Sync + 'static,
) -> DrawnRows {
    // Memoized: pages arriving in the same generation do not wake what depends on it.
    let generation = Memo::new(move |_| generation.get());
    let target = Memo::new(move |_| viewport.rows(scroll_top.get(), len.get()));
    let view = Memo::new(move |_| viewport.in_view(scroll_top.get(), len.get()));
    // The (generation, window) drawn whole.
    let whole = RwSignal::new((u64::MAX, 0..0));
    let drawn = Memo::new(move |previous: Option<&(u64, Range<usize>)>| {
        let (generation, target) = (generation.get(), target.get());
        if whole.with(|w| w.0 == generation && w.1 == target) {
            return (generation, target);
        }
        let before = previous.filter(|(g, _)| *g == generation).map(|(_, r)| r.clone()).unwrap_or(0..0);
        (generation, viewport.drawn_first(&before, &view.get(), &target))
    });
    let view_loaded = Memo::new(move |_| loaded(view.get()));
    Effect::new(move |_| {
        let wanted = (generation.get(), target.get());
        if !view_loaded.get() || drawn.with(|(_, r)| *r == wanted.1) {
            return;
        }
        after_paint(move || {
            let still = (generation.try_get_untracked(), target.try_get_untracked());
            if still == (Some(wanted.0), Some(wanted.1.clone()))
                && view_loaded.try_get_untracked() == Some(true)
            {
                whole.set(wanted);
            }
        });
    });
    DrawnRows { viewport, target, now: Memo::new(move |_| drawn.get().1) }
}
