//! A long list drawn as a table per part of its rows. Blink lays a table out whole when rows
//! are added to it: with one table, every frame of a *Show more* laid out every row above the
//! new ones (at ~4,000 rows, frames of ~80 ms with ~110 ms of layout per click). With a table
//! per part, a frame that adds rows lays out the last table only (17 ms frames, 7 ms of
//! layout, whatever the number of rows). The agent page's lists and the routing page draw
//! their rows this way.

use std::ops::Range;

use leptos::prelude::*;

/// `len` rows (tracked: how many are drawn now) as a table per `per` rows, each with the class
/// `class` and a `col` per entry of `cols` (its class: the CSS gives those columns fixed widths,
/// `table-layout: fixed`, so that the tables' columns line up; a width on a first-row cell
/// would win over its `col`); the first table also has a header row, a `th` per entry of
/// `head`. `rows(range)` draws the rows of one table in its `tbody`, `range` (tracked) being
/// their indices: only the last table's range changes as rows are drawn.
#[component]
pub fn TableParts<R, V>(
    len: Signal<usize>,
    per: usize,
    class: &'static str,
    cols: &'static [&'static str],
    head: &'static [&'static str],
    rows: R,
) -> impl IntoView
where
    R: Fn(Memo<Range<usize>>) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let per = per.max(1);
    view! {
        <For each=move || 0..len.get().div_ceil(per) key=|part| *part children=move |part| {
            let from = part * per;
            let range = Memo::new(move |_| from..len.get().clamp(from, from + per));
            view! {
                <table class=class>
                    <colgroup>{cols.iter().map(|c| view! { <col class=*c /> }).collect_view()}</colgroup>
                    {(part == 0).then(|| view! {
                        <thead><tr>{head.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}</tr></thead>
                    })}
                    <tbody>{rows.clone()(range)}</tbody>
                </table>
            }
        } />
    }
}
