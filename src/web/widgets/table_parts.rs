//! A long list drawn as a table per part of its rows. Blink lays a table out whole when rows
//! are added to it: with one table, every frame of a *Show more* laid out every row above the
//! new ones (at ~4,000 rows, frames of ~80 ms with ~110 ms of layout per click). With a table
//! per part, a frame that adds rows lays out the last table only (17 ms frames, 7 ms of
//! layout, whatever the number of rows). The agent page's lists and the routing page draw
//! their rows this way.
//!
//! Each part is written as HTML text ([`Html`], as the quests pages are): the browser parses a
//! part at once, where a view tree makes calls per element and attribute (the agent page's
//! first frame holds ~110 table elements of its ~185; its build after its reads went from ~7 to
//! ~5.7 ms at 100k flags, traced).

use std::ops::Range;

use leptos::prelude::*;

use crate::web::widgets::html::{bind_html_keeping_focus, Html};

/// `len` rows (tracked: how many are drawn now) as a table per `per` rows, each with the class
/// `class` and a `col` per entry of `cols` (its class: the CSS gives those columns fixed widths,
/// `table-layout: fixed`, so that the tables' columns line up; a width on a first-row cell
/// would win over its `col`); the first table also has a header row, a `th` per entry of
/// `head`. `rows(range)` gives the rows of one table, `range` being their indices (signals it
/// reads are tracked: it runs again when they change, and for the last table when its range
/// moves as rows are drawn), and `row` writes one (`<tr>…</tr>`; what it reads is not tracked):
/// a table is written again only when its rows differ. A focused element inside a table
/// written again gets the focus back when the new text has one with the same tag, class and
/// values of the attributes `keys` ([`bind_html_keeping_focus`]).
#[component]
pub fn TableParts<T, R, W>(
    len: Signal<usize>,
    per: usize,
    class: &'static str,
    cols: &'static [&'static str],
    head: &'static [&'static str],
    rows: R,
    row: W,
    keys: &'static [&'static str],
) -> impl IntoView
where
    T: PartialEq + Clone + Send + Sync + 'static,
    R: Fn(Range<usize>) -> Vec<T> + Clone + Send + Sync + 'static,
    W: Fn(&mut Html, &T) + Clone + Send + Sync + 'static,
{
    let per = per.max(1);
    view! {
        <For each=move || 0..len.get().div_ceil(per) key=|part| *part children=move |part| {
            let from = part * per;
            let (rows, row) = (rows.clone(), row.clone());
            // Only the last table's range moves as rows are drawn: the others' rows are not
            // asked for again then.
            let range = Memo::new(move |_| from..len.get().clamp(from, from + per));
            let shown = Memo::new(move |_| rows(range.get()));
            let html = Memo::new(move |_| {
                let mut h = Html::new();
                h.open("colgroup", &[]);
                for c in cols {
                    h.open("col", &[("class", Some(c))]);
                }
                h.close("colgroup");
                if part == 0 {
                    h.open("thead", &[]).open("tr", &[]);
                    for title in head {
                        h.elem("th", &[], title);
                    }
                    h.close("tr").close("thead");
                }
                h.open("tbody", &[]);
                shown.with(|shown| untrack(|| shown.iter().for_each(|r| row(&mut h, r))));
                h.close("tbody");
                h.finish()
            });
            let table = NodeRef::<leptos::html::Table>::new();
            bind_html_keeping_focus(table, html, keys);
            view! { <table class=class node_ref=table></table> }
        } />
    }
}
