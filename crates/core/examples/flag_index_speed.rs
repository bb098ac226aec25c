//! How fast the flag list's derived layer ([`FlagIndex`]) answers, natively, next to the list's
//! plain SQL on the same file: `cargo run --release -p flagdeck-core --example flag_index_speed
//! -- FILE` (opened in memory). Prints the layer's build (reading the keys, sorting 9 orders)
//! and, for the "All flags" list (newest first) and a facet-filtered list: the first page, a
//! keyset step, a jump to 25 / 50 / 75 %, the count and the five facets' counts — median of 5,
//! each next to the same answer by SQL; then what the agent page of the busiest target asks
//! (its counts, its lists' first pages, a list's whole order), and what the routing page asks
//! (its count, its first and next pages). A native guide for the
//! browser's numbers, which the flag-list bench measures in the app.

use std::time::Instant;

use flagdeck_core::agents::{known_targets, lists, AGENT_LIST_ORDER, AGENT_LIST_PAGE};
use flagdeck_core::flag_index::{FlagIndex, Rows};
use flagdeck_core::flags::{facet_sql, Cursor, FlagFilter, FlagPageQuery, Preset, SHOWN_FACETS};
use flagdeck_core::native::NativeDb;
use flagdeck_core::port::Database;
use flagdeck_core::schema::read_facts;
use flagdeck_core::value::Value;
use pollster::block_on;

fn median(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn main() {
    let path = std::env::args().nth(1).expect("a database file");
    let bytes = std::fs::read(&path).expect("the file is readable");
    let db = NativeDb::open_bytes(&bytes).expect("the file opens");
    let t = Instant::now();
    let (affinity, rows) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
    let read_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let index = FlagIndex::build(affinity, rows);
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let n = index.len();
    println!("{path}: {n} flags; layer: keys read {read_ms:.0} ms, built {build_ms:.0} ms");
    let sql_ids = |q: &FlagPageQuery| {
        let (sql, params) = q.sql();
        block_on(db.query(&sql, &params)).unwrap().rows.len()
    };
    let targets = block_on(
        db.query("SELECT target_agent, count(*) FROM flags GROUP BY 1 ORDER BY 2 DESC LIMIT 2", &[]),
    )
    .unwrap()
    .rows
    .into_iter()
    .filter_map(|r| r[0].as_str().map(str::to_owned))
    .collect::<Vec<_>>();
    let filtered = FlagFilter { status: vec!["pending".into()], target: targets, ..Default::default() };
    for (label, filter) in
        [("All flags", Preset::All.filter()), ("pending for the 2 busiest targets", filtered)]
    {
        let first = FlagPageQuery::first(filter.clone(), Preset::All.sort(), 57);
        let (count_sql, params) = filter.count_sql();
        let total = index.count(&filter).unwrap() as usize;
        let page = index.page(&first).unwrap();
        let (id, key) = page.last().cloned().unwrap_or((0, Value::Null));
        let step = first.clone().at_page(1, Some(Cursor { key, id }));
        println!("  {label} ({total} flags): layer / SQL, ms");
        let line = |what: &str, q: &FlagPageQuery| {
            let layer = median(5, || {
                let _ = index.page(q);
            });
            let sql = median(3, || {
                let _ = sql_ids(q);
            });
            println!("    {what:<22} {layer:>8.2} / {sql:>8.1}");
        };
        line("first page", &first);
        line("keyset step", &step);
        for pct in [25, 50, 75] {
            line(&format!("jump to {pct} %"), &first.clone().at_page(total * pct / 100 / 57, None));
        }
        let layer = median(5, || {
            let _ = index.count(&filter);
        });
        let sql = median(3, || drop(block_on(db.query(&count_sql, &params))));
        println!("    {:<22} {layer:>8.2} / {sql:>8.1}", "count");
        let layer = median(5, || {
            let _ = index.facets(&filter, &SHOWN_FACETS);
        });
        let sql = median(3, || {
            for f in SHOWN_FACETS {
                let (s, p) = facet_sql(&filter, f);
                drop(block_on(db.query(&s, &p)));
            }
        });
        println!("    {:<22} {layer:>8.2} / {sql:>8.1}", "five facets' counts");
    }
    // The agent page of the busiest target: what it asks the layer when it opens.
    let busiest = block_on(db.query(
        "SELECT target_agent FROM flags WHERE status = 'pending' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        &[],
    ))
    .unwrap()
    .rows
    .into_iter()
    .find_map(|r| r[0].as_str().map(str::to_owned));
    if let Some(agent) = busiest {
        let to = lists::pending_to(&agent);
        let from = lists::pending_from(&agent);
        let workable = FlagFilter { locked: Some(false), ..to.clone() };
        let total = index.count(&to).unwrap_or(0);
        println!("  agent page of {agent} ({total} pending to it): layer, ms");
        for (what, f) in [("count to", &to), ("count workable", &workable), ("count from", &from)] {
            let ms = median(5, || {
                let _ = index.count(f);
            });
            println!("    {what:<22} {ms:>8.2}");
        }
        for (what, f) in [("first page to", &to), ("first page from", &from)] {
            let q = FlagPageQuery::first(f.clone(), AGENT_LIST_ORDER, AGENT_LIST_PAGE);
            let ms = median(5, || drop(index.page(&q)));
            println!("    {what:<22} {ms:>8.2}");
        }
        let q = FlagPageQuery::first(to.clone(), AGENT_LIST_ORDER, AGENT_LIST_PAGE);
        let ms = median(5, || drop(index.order(&q)));
        println!("    {:<22} {ms:>8.2}", "whole order to");
    }
    // The routing page: pending flags to a target no known agent carries.
    let facts = block_on(read_facts(&db)).unwrap();
    let known = block_on(known_targets(&db, &facts)).unwrap();
    let unrouted = lists::unrouted(known);
    let total = index.count(&unrouted).unwrap_or(0);
    println!("  routing page ({total} pending flags to unknown targets): layer, ms");
    let ms = median(5, || {
        let _ = index.count(&unrouted);
    });
    println!("    {:<22} {ms:>8.2}", "count");
    let first = FlagPageQuery::first(unrouted, AGENT_LIST_ORDER, AGENT_LIST_PAGE);
    let page = index.page(&first).unwrap_or_default();
    let ms = median(5, || drop(index.page(&first)));
    println!("    {:<22} {ms:>8.2}", "first page");
    if let Some((id, key)) = page.last().cloned() {
        let next = first.clone().at_page(1, Some(Cursor { key, id }));
        let ms = median(5, || drop(index.page(&next)));
        println!("    {:<22} {ms:>8.2}", "next page");
    }
}
