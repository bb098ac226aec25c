//! A long list read in fixed-size pages that may arrive in any order, and the geometry of the
//! virtual table that shows it. Pure, so the app, the bench's SQL generator and the tests agree
//! on which rows a scroll position shows and which pages it needs.

use std::collections::BTreeMap;
use std::ops::Range;

/// Rows per page of the flag list.
pub const PAGE: usize = 200;

/// How the virtual table lays rows out: fixed-height rows in a fixed-height scroller, with some
/// rows rendered beyond the visible ones so that small scrolls show rows at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub row_height: f64,
    pub height: f64,
    /// Rows rendered above and below the visible ones.
    pub overscan: usize,
}

/// The flag table's layout.
pub const FLAG_TABLE: Viewport = Viewport { row_height: 36.0, height: 640.0, overscan: 10 };

/// The tallest scroll space a table lays out (px). Chromium lays nothing out past ~33.5 million
/// pixels (the range of its layout units): a million 36 px rows (36 million) would leave the
/// list's last rows unreachable. A taller list is drawn in a space of this height, its rows
/// placed where the view is (a scaled scrollbar: a pixel of scroll moves more than a pixel of
/// rows).
pub const MAX_SPACE: f64 = 15_000_000.0;

impl Viewport {
    /// Height of the rows of a list of `total` rows, and of the space drawn for them (capped at
    /// [`MAX_SPACE`]), in px.
    fn heights(&self, total: usize) -> (f64, f64) {
        let full = total as f64 * self.row_height;
        (full, full.min(MAX_SPACE))
    }

    /// The scroll space's height for a list of `total` rows (px).
    pub fn space_height(&self, total: usize) -> f64 {
        self.heights(total).1
    }

    /// Whether a list of `total` rows is taller than [`MAX_SPACE`]: its rows are then drawn
    /// where the view is, so their places ([`Viewport::row_top`]) follow the scroll position.
    pub fn capped(&self, total: usize) -> bool {
        let (full, space) = self.heights(total);
        full > space
    }

    /// How many rows down the view's top is at `scroll_top` (fractional).
    fn top_row(&self, scroll_top: f64, total: usize) -> f64 {
        let (full, space) = self.heights(total);
        if full <= space {
            return scroll_top.max(0.0) / self.row_height;
        }
        let max_scroll = (space - self.height).max(1.0);
        scroll_top.clamp(0.0, max_scroll) / max_scroll * (full - self.height) / self.row_height
    }

    /// The rows rendered at `scroll_top` in a list of `total` rows: at most
    /// [`Viewport::slots`] of them.
    pub fn rows(&self, scroll_top: f64, total: usize) -> Range<usize> {
        let first = (self.top_row(scroll_top, total) as usize).saturating_sub(self.overscan);
        first.min(total)..(first + self.slots()).min(total)
    }

    /// The rows in view at `scroll_top` (those [`Viewport::rows`] gives, without the overscan).
    pub fn in_view(&self, scroll_top: f64, total: usize) -> Range<usize> {
        let first = self.top_row(scroll_top, total) as usize;
        let rows = (self.height / self.row_height).ceil() as usize + 1;
        first.min(total)..(first + rows).min(total)
    }

    /// What to draw in the frame of a scroll (view first, overscan next): the rows of `target`
    /// ([`Viewport::rows`]) that are in `view` ([`Viewport::in_view`]), with the rows already
    /// drawn (`drawn`, empty when they show another query's rows) that join them without a gap.
    /// Rows still drawn keep their elements ([`Viewport::slot_row`] maps a row to one element
    /// in any range of at most [`Viewport::slots`] rows), so the frame draws only the rows
    /// coming into the view; the rest of `target`, out of view, is drawn in a later frame.
    pub fn drawn_first(
        &self,
        drawn: &Range<usize>,
        view: &Range<usize>,
        target: &Range<usize>,
    ) -> Range<usize> {
        let view = view.start.max(target.start)..view.end.min(target.end);
        if view.is_empty() {
            return view;
        }
        let joins = !drawn.is_empty() && drawn.start <= view.end && view.start <= drawn.end;
        if !joins {
            return view;
        }
        drawn.start.min(view.start).max(target.start)..drawn.end.max(view.end).min(target.end)
    }

    /// How many rows the table renders at most: the view's rows and the overscan on each side.
    /// A table that keeps this many row elements and reuses them (row recycling) gives row
    /// `index` the element [`Viewport::slot_row`] says.
    pub fn slots(&self) -> usize {
        (self.height / self.row_height) as usize + 2 * self.overscan
    }

    /// The row that element `slot` (`0..slots()`) shows when the table renders `rows` (a range
    /// [`Viewport::rows`] gave): the one row of `rows` whose index is `slot` modulo
    /// [`Viewport::slots`], or `None` when the list is too short to reach it. A scroll keeps
    /// every row still rendered in its element, so only the rows that come into the window are
    /// redrawn.
    pub fn slot_row(&self, slot: usize, rows: &Range<usize>) -> Option<usize> {
        let n = self.slots();
        let base = rows.start / n * n + slot;
        let index = if base >= rows.start { base } else { base + n };
        rows.contains(&index).then_some(index)
    }

    /// Where row `index` is drawn at `scroll_top` (px from the top of the space): `index` rows
    /// down, or, in a capped space, where the view is.
    pub fn row_top(&self, index: usize, scroll_top: f64, total: usize) -> f64 {
        let (full, space) = self.heights(total);
        if full <= space {
            return index as f64 * self.row_height;
        }
        let max_scroll = (space - self.height).max(1.0);
        let scroll = scroll_top.clamp(0.0, max_scroll);
        scroll + (index as f64 - self.top_row(scroll, total)) * self.row_height
    }

    /// The scroll position that puts row `index` at the top of the view (px, whole).
    pub fn scroll_top_for(&self, index: usize, total: usize) -> f64 {
        let (full, space) = self.heights(total);
        let rows_px = index as f64 * self.row_height;
        if full <= space {
            return rows_px.round();
        }
        let max_scroll = (space - self.height).max(1.0);
        (rows_px / (full - self.height) * max_scroll).clamp(0.0, max_scroll).round()
    }

    /// The scroll position a fraction of the way down a list of `total` rows (1.0: the bottom),
    /// in whole pixels as a browser sets it.
    pub fn scroll_top_at(&self, fraction: f64, total: usize) -> f64 {
        let max = (self.space_height(total) - self.height).max(0.0);
        (fraction.clamp(0.0, 1.0) * max).round()
    }
}

/// Rows held as pages of `size` rows, any of which may be missing.
#[derive(Debug, Clone, PartialEq)]
pub struct SparsePages<T> {
    size: usize,
    pages: BTreeMap<usize, Vec<T>>,
}

impl<T> SparsePages<T> {
    pub fn new(size: usize) -> Self {
        SparsePages { size: size.max(1), pages: BTreeMap::new() }
    }

    pub fn page_of(&self, index: usize) -> usize {
        index / self.size
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.pages.get(&self.page_of(index))?.get(index % self.size)
    }

    pub fn insert(&mut self, page: usize, rows: Vec<T>) {
        self.pages.insert(page, rows);
    }

    pub fn contains(&self, page: usize) -> bool {
        self.pages.contains_key(&page)
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The numbers of the pages held, in order.
    pub fn loaded(&self) -> impl Iterator<Item = usize> + '_ {
        self.pages.keys().copied()
    }

    /// One past the furthest loaded row: the list's length as far as the loaded pages tell.
    pub fn loaded_end(&self) -> usize {
        self.pages.iter().next_back().map_or(0, |(p, rows)| p * self.size + rows.len())
    }

    /// Index of the first loaded row that satisfies `pred`.
    pub fn position(&self, mut pred: impl FnMut(&T) -> bool) -> Option<usize> {
        self.pages.iter().find_map(|(p, rows)| rows.iter().position(&mut pred).map(|i| p * self.size + i))
    }

    /// The last row before page `page` when the page before it is loaded (and full, so that row
    /// is really the one just before): where a keyset query for `page` starts.
    pub fn last_before(&self, page: usize) -> Option<&T> {
        let previous = self.pages.get(&page.checked_sub(1)?)?;
        previous.last().filter(|_| previous.len() == self.size)
    }

    /// The pages not loaded yet that hold rows of `rows` in a list of `total` rows, in order.
    pub fn missing(&self, rows: Range<usize>, total: usize) -> Vec<usize> {
        let end = rows.end.min(total);
        if rows.start >= end {
            return Vec::new();
        }
        (self.page_of(rows.start)..=self.page_of(end - 1)).filter(|p| !self.contains(*p)).collect()
    }

    /// The pages just after and just before those holding `rows` in a list of `total` rows
    /// that are not loaded yet (after first): what a list reads ahead for scrolling on.
    pub fn around(&self, rows: Range<usize>, total: usize) -> Vec<usize> {
        let pages = total.div_ceil(self.size);
        let before = self.page_of(rows.start).checked_sub(1);
        let after = Some(self.page_of(rows.end.saturating_sub(1)) + 1).filter(|p| *p < pages);
        [after, before].into_iter().flatten().filter(|p| !self.contains(*p)).collect()
    }

    /// What a list filling itself in the background reads next, in a list of `total` rows: the
    /// first page not loaded at or after page `from` (else, past the list's end, from its
    /// start), with the pages not loaded right after it, `max` pages at most (`max` 0 reads 1);
    /// `None` once every page is loaded. When page `from` is loaded (a list's view, once its
    /// pages are in) and page 0 is too (after a list's first answer), each such run starts
    /// right after a loaded page, so it is read by keyset.
    /// With pages 0 and 7 of 10 loaded: from 2, `2..5` (max 3); from 8, `8..10`.
    pub fn next_unloaded(&self, from: usize, total: usize, max: usize) -> Option<Range<usize>> {
        let pages = total.div_ceil(self.size);
        let first = (from.min(pages)..pages).chain(0..from.min(pages)).find(|p| !self.contains(*p))?;
        let end = (first + 1..pages).take(max.max(1) - 1).take_while(|p| !self.contains(*p)).last();
        Some(first..end.map_or(first + 1, |p| p + 1))
    }

    /// Whether every row of `rows` is loaded (an empty range is).
    pub fn holds(&self, mut rows: Range<usize>) -> bool {
        rows.all(|i| self.get(i).is_some())
    }
}

/// The runs of consecutive numbers in `pages` (as given, e.g. [`SparsePages::missing`]'s
/// ascending list), each a range: what one read of several pages at once asks for.
/// `[3, 4, 7, 5]` → `[3..5, 7..8, 5..6]`.
pub fn runs(pages: &[usize]) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for &p in pages {
        match runs.last_mut() {
            Some(run) if run.end == p => run.end += 1,
            _ => runs.push(p..p + 1),
        }
    }
    runs
}

/// `v` pixels as a CSS length (`"1296px"`, `"12.5px"`): a whole value as an integer, without
/// Rust's shortest round-trip float formatting, which was ~0.4 ms of a flag list scroll step in
/// a profile of the app's wasm (a place for each row the step rewrites). `-0.0` gives `"0px"`.
pub fn css_px(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}px", v as i64)
    } else {
        format!("{v}px")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_px_writes_whole_pixels_as_integers_and_keeps_fractions() {
        assert_eq!(css_px(0.0), "0px");
        assert_eq!(css_px(-0.0), "0px");
        assert_eq!(css_px(1296.0), "1296px");
        assert_eq!(css_px(14_999_964.0), "14999964px");
        assert_eq!(css_px(12.5), "12.5px");
        assert_eq!(css_px(-3.25), "-3.25px");
    }

    fn pages(loaded: &[usize]) -> SparsePages<usize> {
        let mut p = SparsePages::new(10);
        for &page in loaded {
            p.insert(page, (page * 10..page * 10 + 10).collect());
        }
        p
    }

    #[test]
    fn rows_are_found_by_index_and_by_content_across_gaps() {
        let p = pages(&[7, 0]);
        assert_eq!(p.loaded().collect::<Vec<_>>(), [0, 7]);
        // Read ahead: the page after, then the page before, unless held or past the end.
        assert_eq!(p.around(35..52, 100), [6, 2]);
        assert_eq!(p.around(62..68, 100), [5]);
        assert_eq!(p.around(0..5, 100), [1]);
        assert_eq!(p.around(92..100, 100), [8]);
        assert_eq!(p.get(3), Some(&3));
        assert_eq!(p.get(75), Some(&75));
        assert_eq!(p.get(15), None);
        assert_eq!(p.position(|r| *r == 72), Some(72));
        assert_eq!(p.position(|r| *r == 50), None);
        assert_eq!(p.loaded_end(), 80);
        assert_eq!(SparsePages::<usize>::new(10).loaded_end(), 0);
        assert!(p.holds(70..80) && p.holds(15..15));
        assert!(!p.holds(5..15) && !p.holds(75..81));
    }

    #[test]
    fn a_list_taller_than_the_space_browsers_lay_out_is_drawn_scaled() {
        let v = FLAG_TABLE;
        // Below the cap: row i at i rows down, wherever the view is.
        assert_eq!(v.space_height(1000), 36_000.0);
        assert_eq!(v.row_top(500, 1234.0, 1000), 18_000.0);
        assert_eq!(v.rows(18_000.0, 1000), 490..527);
        // A million rows: the space is capped; the top, the middle and the bottom are reachable,
        // and the rows of the view are drawn in it.
        let total = 1_000_000;
        assert_eq!(v.space_height(total), MAX_SPACE);
        assert_eq!(v.rows(0.0, total).start, 0);
        let bottom = v.scroll_top_at(1.0, total);
        let rows = v.rows(bottom, total);
        assert_eq!(rows.end, total, "the last row is rendered at the bottom");
        assert!(v.row_top(total - 1, bottom, total) + v.row_height <= MAX_SPACE + 0.5);
        let middle = v.scroll_top_for(500_000, total);
        let rows = v.rows(middle, total);
        assert!(rows.contains(&500_000), "{rows:?}");
        let top = v.row_top(500_000, middle, total);
        assert!((top - middle).abs() < v.row_height, "row 500000 at the view's top: {top} vs {middle}");
        // Consecutive rows stay one row apart.
        assert_eq!(v.row_top(500_001, middle, total) - v.row_top(500_000, middle, total), v.row_height);
    }

    #[test]
    fn keyset_start_only_after_a_full_loaded_page() {
        let mut p = pages(&[0, 4]);
        assert_eq!(p.last_before(1), Some(&9));
        assert_eq!(p.last_before(5), Some(&49));
        assert_eq!(p.last_before(0), None);
        assert_eq!(p.last_before(3), None);
        p.insert(6, vec![60, 61]);
        assert_eq!(p.last_before(7), None, "a short page is the list's end, not a cursor");
    }

    #[test]
    fn a_background_fill_reads_runs_of_unloaded_pages_from_the_view_then_wraps() {
        let mut p = pages(&[0, 7]);
        assert_eq!(p.next_unloaded(2, 100, 3), Some(2..5));
        assert_eq!(p.next_unloaded(5, 100, 3), Some(5..7), "a run stops at a loaded page");
        assert_eq!(p.next_unloaded(8, 100, 5), Some(8..10), "and at the list's end");
        assert_eq!(p.next_unloaded(8, 101, 5), Some(8..11), "a short last page is a page");
        assert_eq!(p.next_unloaded(8, 100, 1), Some(8..9));
        assert_eq!(p.next_unloaded(7, 100, 0), Some(8..9), "max 0 reads one page");
        assert_eq!(p.next_unloaded(50, 100, 2), Some(1..3), "past the end: from the start");
        for page in [1, 2, 3, 4, 5, 6, 8] {
            p.insert(page, Vec::new());
        }
        assert_eq!(p.next_unloaded(3, 100, 4), Some(9..10), "wraps past the loaded pages");
        p.insert(9, Vec::new());
        assert_eq!(p.next_unloaded(3, 100, 4), None);
        assert_eq!(p.next_unloaded(3, 101, 4), Some(10..11), "one more row, one more page");
        assert_eq!(SparsePages::<usize>::new(10).next_unloaded(0, 0, 3), None, "an empty list");
        assert_eq!(SparsePages::<usize>::new(10).next_unloaded(0, 7, 3), Some(0..1), "a list of one page");
        assert_eq!(pages(&[0]).next_unloaded(0, 7, 3), None);
    }

    #[test]
    fn missing_pages_of_a_window_clipped_to_the_list() {
        let p = pages(&[1]);
        assert_eq!(p.missing(5..25, 100), [0, 2]);
        assert_eq!(p.missing(10..20, 100), Vec::<usize>::new());
        assert_eq!(p.missing(95..150, 97), [9]);
        assert_eq!(p.missing(120..150, 97), Vec::<usize>::new());
    }

    #[test]
    fn a_scroll_draws_the_view_first_keeping_the_rows_drawn() {
        let v = FLAG_TABLE;
        let n = v.slots();
        for total in [0, 3, n, 1000, 100_000, 2_000_000] {
            let mut drawn = 0..0;
            for scroll in [0.0, 36.0, 640.0, 1_300.0, 7_200.0, 7_236.0, 1e5, 3.6e6, 1.5e7, 640.0] {
                let (view, target) = (v.in_view(scroll, total), v.rows(scroll, total));
                let first = v.drawn_first(&drawn, &view, &target);
                // Within the target, never more elements than there are, the whole view.
                assert!(first.start >= target.start && first.end <= target.end, "{first:?} in {target:?}");
                assert!(first.len() <= n);
                assert!(
                    view.clone().all(|i| !target.contains(&i) || first.contains(&i)),
                    "{view:?} in {first:?}"
                );
                // The view is the target without its overscan.
                assert!(view.start >= target.start || view.is_empty());
                // A row drawn before and now keeps its element; rows out of `first` are drawn later.
                for i in drawn.start.max(first.start)..drawn.end.min(first.end) {
                    assert_eq!(v.slot_row(i % n, &drawn), Some(i));
                    assert_eq!(v.slot_row(i % n, &first), Some(i));
                }
                // A step within the overscan draws only the rows coming in.
                let overlap = drawn.end.min(first.end).saturating_sub(drawn.start.max(first.start));
                if view.start >= drawn.start && view.end <= drawn.end && !view.is_empty() {
                    assert_eq!(first.len(), overlap, "nothing new: {drawn:?} {view:?} -> {first:?}");
                }
                drawn = target;
            }
        }
        // A jump draws the view alone: 18 rows, not 37.
        let (view, target) = (v.in_view(3.6e5, 100_000), v.rows(3.6e5, 100_000));
        assert_eq!(v.drawn_first(&(0..37), &view, &target), view);
        assert_eq!(view.len(), 19);
    }

    #[test]
    fn every_rendered_row_has_one_slot_and_keeps_it_while_in_the_window() {
        let v = FLAG_TABLE;
        let n = v.slots();
        for total in [0, 1, 5, n - 1, n, n + 1, 1000, 100_000, 2_000_000] {
            let mut previous: Vec<Option<usize>> = vec![None; n];
            for scroll in [0.0, 1.0, 35.0, 36.0, 640.0, 6_000.0, 1e5, 3.6e6, 1.5e7, 4e7] {
                let rows = v.rows(scroll, total);
                assert!(rows.len() <= n);
                let shown: Vec<Option<usize>> = (0..n).map(|s| v.slot_row(s, &rows)).collect();
                let mut got: Vec<usize> = shown.iter().flatten().copied().collect();
                got.sort_unstable();
                assert_eq!(got, rows.clone().collect::<Vec<_>>(), "{total} rows at {scroll}");
                // A row still in the window stays in its slot.
                for (slot, row) in previous.iter().enumerate() {
                    if let Some(r) = row.filter(|r| rows.contains(r)) {
                        assert_eq!(shown[slot], Some(r));
                    }
                }
                previous = shown;
            }
        }
    }

    #[test]
    fn the_window_covers_the_visible_rows_and_the_overscan() {
        let v = FLAG_TABLE;
        let visible = (v.height / v.row_height) as usize;
        assert_eq!(v.rows(0.0, 100_000), 0..visible + 2 * v.overscan);
        let top = v.scroll_top_at(1.0, 100_000);
        let bottom = v.rows(top, 100_000);
        assert_eq!(bottom.end, 100_000);
        assert!(bottom.len() <= 150);
        assert_eq!(v.rows(0.0, 5), 0..5);
        assert_eq!(v.scroll_top_at(0.5, 10), 0.0, "a list shorter than the scroller does not scroll");
    }

    #[test]
    fn runs_join_consecutive_pages_in_the_order_given() {
        assert_eq!(runs(&[]), Vec::<Range<usize>>::new());
        assert_eq!(runs(&[4]), vec![4..5]);
        assert_eq!(runs(&[3, 4, 5]), vec![3..6]);
        assert_eq!(runs(&[3, 4, 7, 5]), vec![3..5, 7..8, 5..6]);
        assert_eq!(runs(&[9, 8]), vec![9..10, 8..9]);
    }
}
