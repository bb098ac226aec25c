//! The flag-list part of `cargo xtask bench`: `cargo xtask flags-bench-sql DB --out JSON` writes
//! what tests/e2e/bench.mjs does in the app (filter changes, scroll positions) together with the
//! exact SQL the app runs for each, built by the same core code (`FlagFilter`, `FlagPageQuery`,
//! `facet_sql`, `SparsePages`), so raw sql.js can run the same statements next to it. The native
//! answers (totals, the ids a position shows) let the bench check the page against them.

use std::path::Path;

use flagdeck_core::agents::{
    known_targets, lists, pending_sql, routing_errors_sql, AGENT_LIST_ORDER, AGENT_LIST_PAGE, CHAINS_SQL,
};
use flagdeck_core::flag_index::COLUMNS;
use flagdeck_core::flags::{
    facet_sql, Cursor, Facet, FlagFilter, FlagPageQuery, Preset, SortColumn, SHOWN_FACETS,
};
use flagdeck_core::native::NativeDb;
use flagdeck_core::paging::{SparsePages, FLAG_TABLE, PAGE};
use flagdeck_core::schema::read_facts;
use flagdeck_core::Value;
use serde_json::{json, Value as Json};

use crate::dbtools::value_json;
use crate::util::Result;

/// Something a person does in the filter panel.
#[derive(Debug, Clone)]
enum Action {
    Preset(Preset),
    /// Ticks (or unticks) one value of a facet.
    Facet(Facet, &'static str),
    /// Types into the text box and commits it (Enter).
    Text(&'static str),
}

/// One round of filter changes; it ends where it starts (the page's default, the pending
/// preset), so rounds can be repeated.
const FILTER_ROUND: &[Action] = &[
    Action::Preset(Preset::All),
    Action::Facet(Facet::Impact, "high"),
    Action::Facet(Facet::Status, "pending"),
    Action::Text("refresh token"),
    Action::Text(""),
    Action::Facet(Facet::Status, "pending"),
    Action::Facet(Facet::Impact, "high"),
    Action::Preset(Preset::Workable),
    Action::Preset(Preset::Pending),
];

/// Scrolling in the "All flags" list: one page down at a time (each page right after a loaded
/// one, so keyset), then jumps to places nothing was loaded for (OFFSET).
const NEXT_PAGE_STEPS: usize = 5;
const JUMPS: &[f64] = &[0.25, 0.5, 0.75, 1.0];

/// How many first rows of a page the bench compares with the page.
const CHECKED_IDS: usize = 20;

type List = (FlagFilter, (SortColumn, bool));

impl Action {
    fn apply(&self, (filter, sort): &mut List) {
        match self {
            Action::Preset(p) => (*filter, *sort) = (p.filter(), p.sort()),
            Action::Facet(facet, value) => filter.toggle(*facet, value),
            Action::Text(text) => filter.set_text(text),
        }
    }

    fn describe(&self, list: &List) -> (String, Json) {
        match self {
            Action::Preset(p) => (format!("preset {}", p.test_id()), json!({ "preset": p.test_id() })),
            Action::Facet(facet, value) => {
                let verb = if list.0.has_value(*facet, value) { "tick" } else { "untick" };
                (
                    format!("{verb} {} = {value}", facet.label()),
                    json!({ "facet": facet.label(), "value": value }),
                )
            }
            Action::Text(text) if text.is_empty() => ("clear the text".into(), json!({ "text": text })),
            Action::Text(text) => (format!("text \"{text}\""), json!({ "text": text })),
        }
    }
}

/// The bench's stand-in for the app's layer on raw sql.js: the same keys in a TEMP table with an
/// index per list order and per facet column, the statements run against it.
const KEYS: &str = "temp.flagdeck_bench_keys";

/// Builds [`KEYS`] and its indexes (TEMP: nothing is written to the file).
fn layer_sql() -> String {
    let mut sql = format!(
        "DROP TABLE IF EXISTS {KEYS}; CREATE TEMP TABLE flagdeck_bench_keys AS SELECT id, {} FROM flags;",
        COLUMNS.join(", ")
    );
    for (i, sort) in SortColumn::ALL.iter().enumerate() {
        sql += &format!(
            " CREATE INDEX temp.flagdeck_bench_order_{i} ON flagdeck_bench_keys({}, id);",
            sort.sql()
        );
    }
    for column in ["status", "impact_level", "flag_type", "source_agent", "target_agent", "locked"] {
        sql += &format!(" CREATE INDEX temp.flagdeck_bench_{column} ON flagdeck_bench_keys({column});");
    }
    sql
}

/// A count or facet statement of the list, run on [`KEYS`] instead of `flags`.
fn on_keys((sql, params): (String, Vec<Value>)) -> (String, Vec<Value>) {
    (sql.replacen(" FROM flags", &format!(" FROM {KEYS}"), 1), params)
}

/// What raw sql.js with the layer runs for a page: its ids from [`KEYS`], then its rows by id
/// (the app's own statement for them); `rows` are the page's native answer.
fn layer_page(query: &FlagPageQuery, rows: &[(i64, Value)]) -> Json {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    json!({ "ids": statement(query.ids_sql(KEYS)), "rows": statement(query.rows_sql(&ids)) })
}

fn statement((sql, params): (String, Vec<Value>)) -> Json {
    json!({ "sql": sql, "params": params.iter().map(value_json).collect::<Vec<_>>() })
}

fn count(db: &NativeDb, filter: &FlagFilter) -> Result<usize> {
    let (sql, params) = filter.count_sql();
    let rs = db.query_sync(&sql, &params).map_err(|e| format!("count: {e}"))?;
    Ok(rs.scalar().and_then(Value::as_i64).unwrap_or_default().max(0) as usize)
}

/// (id, sort key) of each row of a page, natively.
fn page_rows(db: &NativeDb, query: &FlagPageQuery) -> Result<Vec<(i64, Value)>> {
    let (sql, params) = query.sql();
    let rs = db.query_sync(&sql, &params).map_err(|e| format!("page query: {e}"))?;
    Ok(rs.rows.iter().map(|r| (r[0].as_i64().unwrap_or_default(), r[1].clone())).collect())
}

/// The statements a filter change makes the app run: the count, the first page, the facets.
fn filter_steps(db: &NativeDb) -> Result<Vec<Json>> {
    let mut list: List = (Preset::Pending.filter(), Preset::Pending.sort());
    let mut steps = Vec::new();
    for action in FILTER_ROUND {
        action.apply(&mut list);
        let (label, action_json) = action.describe(&list);
        let (filter, sort) = &list;
        let page = FlagPageQuery::first(filter.clone(), *sort, PAGE);
        let rows = page_rows(db, &page)?;
        let first: Vec<i64> = rows.iter().take(CHECKED_IDS).map(|r| r.0).collect();
        // The layer holds no texts: a text filter runs the list's SQL in the app too.
        let layer = filter.text.is_none().then(|| {
            json!({
                "count": statement(on_keys(filter.count_sql())),
                "page": layer_page(&page, &rows),
                "facets": SHOWN_FACETS.iter().map(|f| statement(on_keys(facet_sql(filter, *f)))).collect::<Vec<_>>(),
            })
        });
        steps.push(json!({
            "label": label,
            "action": action_json,
            "total": count(db, filter)?,
            "count": statement(filter.count_sql()),
            "page": statement(page.sql()),
            "facets": SHOWN_FACETS.iter().map(|f| statement(facet_sql(filter, *f))).collect::<Vec<_>>(),
            "first_ids": first,
            "layer": layer,
        }));
    }
    Ok(steps)
}

/// The pages a scroll position makes the app ask for, decided as the app decides (the pages of
/// the rendered rows that are not loaded; keyset after a loaded page, else OFFSET), with their
/// SQL; then loads them, as the app will have by the next position.
fn scroll_to(
    db: &NativeDb,
    query: &FlagPageQuery,
    loaded: &mut SparsePages<(i64, Value)>,
    scroll_top: f64,
    total: usize,
) -> Result<(Vec<Json>, Vec<Json>)> {
    let rows = FLAG_TABLE.rows(scroll_top, total);
    let mut asked = Vec::new();
    let mut arrived = Vec::new();
    // Every missing page is asked for before any answer arrives.
    for page in loaded.missing(rows.clone(), total) {
        let previous = loaded.last_before(page).map(|(id, key)| Cursor { key: key.clone(), id: *id });
        let by = if previous.is_some() { "keyset" } else { "offset" };
        let q = query.clone().at_page(page, previous);
        let rows = page_rows(db, &q)?;
        asked.push(json!({ "page": page, "by": by, "statement": statement(q.sql()), "layer": layer_page(&q, &rows) }));
        arrived.push((page, rows));
    }
    for (page, rows) in arrived {
        loaded.insert(page, rows);
    }
    let shown = rows.map(|i| json!([i, loaded.get(i).map(|r| r.0)])).collect();
    Ok((asked, shown))
}

/// The rows in view at `scroll_top` (`Viewport::in_view`: the rendered rows without the
/// overscan) as `[position, id]`: what a person sees of the position.
fn in_view(db: &NativeDb, query: &FlagPageQuery, scroll_top: f64, total: usize) -> Result<Vec<Json>> {
    let view = FLAG_TABLE.in_view(scroll_top, total);
    let q = FlagPageQuery { offset: view.start, limit: view.len(), ..query.clone() };
    let rows = page_rows(db, &q)?;
    Ok(view.zip(rows).map(|(i, r)| json!([i, r.0])).collect())
}

fn scroll_steps(db: &NativeDb) -> Result<Json> {
    let preset = Preset::All;
    let query = FlagPageQuery::first(preset.filter(), preset.sort(), PAGE);
    let total = count(db, &query.filter)?;
    let mut loaded = SparsePages::new(PAGE);
    loaded.insert(0, page_rows(db, &query)?);
    let mut positions: Vec<(String, f64)> = (1..=NEXT_PAGE_STEPS)
        // Page k's first row at the top of the view (where the space is capped, not k pages of px).
        .map(|k| (format!("next page ({k})"), FLAG_TABLE.scroll_top_for(k * PAGE, total)))
        .collect();
    positions.extend(
        JUMPS.iter().map(|f| (format!("jump to {:.0}%", f * 100.0), FLAG_TABLE.scroll_top_at(*f, total))),
    );
    let mut steps = Vec::new();
    for (label, scroll_top) in positions {
        let (pages, shown) = scroll_to(db, &query, &mut loaded, scroll_top, total)?;
        let in_view = in_view(db, &query, scroll_top, total)?;
        steps.push(
            json!({ "label": label, "scroll_top": scroll_top, "pages": pages, "shown": shown, "in_view": in_view }),
        );
    }
    Ok(json!({ "preset": preset.test_id(), "total": total, "steps": steps }))
}

/// The agent page and the routing page: the agent with the most pending flags; the statements
/// those pages ran before they read their lists a page at a time (every pending flag to and
/// from the agent and its chains; every routing error), which raw sql.js runs as (a); and the
/// ids of their first two pages, which the bench checks the pages against.
fn agent_lists(db: &NativeDb) -> Result<Json> {
    let facts = pollster::block_on(read_facts(db)).map_err(|e| format!("read schema: {e}"))?;
    let agent = db
        .query_sync(
            "SELECT target_agent FROM flags WHERE status = 'pending' AND typeof(target_agent) = 'text' \
             GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            &[],
        )
        .map_err(|e| e.to_string())?
        .first_column_text()
        .into_iter()
        .next()
        .ok_or("no pending flag has a target")?;
    let known = pollster::block_on(known_targets(db, &facts)).map_err(|e| e.to_string())?;
    // Each list's first two pages; with (b), what raw sql.js with the layer's keys table runs
    // for them: the count and the first page (its ids from the keys, then its rows by id),
    // then the next page (keyset from the first page's last row).
    let two_pages = |filter: FlagFilter| -> Result<Json> {
        let first = FlagPageQuery::first(filter.clone(), AGENT_LIST_ORDER, AGENT_LIST_PAGE);
        let rows = page_rows(db, &first)?;
        let after =
            rows.last().map(|(id, key)| first.clone().at_page(1, Some(Cursor { key: key.clone(), id: *id })));
        let next = match &after {
            Some(q) => page_rows(db, q)?,
            None => Vec::new(),
        };
        let ids = |r: &[(i64, Value)]| r.iter().map(|(id, _)| *id).collect::<Vec<_>>();
        Ok(json!({
            "total": count(db, &filter)?,
            "first": ids(&rows),
            "next": ids(&next),
            "layer": {
                "count": statement(on_keys(filter.count_sql())),
                "first": layer_page(&first, &rows),
                "next": after.map(|q| layer_page(&q, &next)),
            },
        }))
    };
    let with_agent = |sql: String| statement((sql, vec![Value::from(agent.as_str())]));
    // The agent page's two lock counts.
    let lock_counts: Vec<Json> =
        lists::pending_to_by_lock(&agent).iter().map(|f| statement(on_keys(f.count_sql()))).collect();
    Ok(json!({
        "agent": agent,
        "page_size": AGENT_LIST_PAGE,
        "to": two_pages(lists::pending_to(&agent))?,
        "from": two_pages(lists::pending_from(&agent))?,
        "lock_counts": lock_counts,
        "routing": two_pages(lists::unrouted(known))?,
        "naive_agent": [with_agent(pending_sql("target_agent")), with_agent(pending_sql("source_agent")), with_agent(CHAINS_SQL.to_owned())],
        "naive_routing": [statement((routing_errors_sql(&facts), Vec::new()))],
        "chains": [with_agent(CHAINS_SQL.to_owned())],
    }))
}

/// `cargo xtask flags-bench-sql DB --out JSON`.
pub fn write(db_path: &Path, out: &Path) -> Result<()> {
    let db = NativeDb::open_copy(db_path).map_err(|e| format!("open {}: {e}", db_path.display()))?;
    let json = json!({
        "db": db_path.display().to_string(),
        "flags": count(&db, &FlagFilter::default())?,
        "page_size": PAGE,
        // The app runs these on every database it opens; raw sql.js runs them too, so both
        // answer the same statements under the same connection settings.
        "connection_sql": flagdeck_core::inspect::SAFETY_PRAGMAS,
        "layer_sql": layer_sql(),
        "row_height": FLAG_TABLE.row_height,
        "filter_steps": filter_steps(&db)?,
        "scroll": scroll_steps(&db)?,
        "agent_lists": agent_lists(&db)?,
    });
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_round_ends_where_it_starts() {
        let start: List = (Preset::Pending.filter(), Preset::Pending.sort());
        let mut list = start.clone();
        for action in FILTER_ROUND {
            action.apply(&mut list);
        }
        assert_eq!(list, start);
    }

    #[test]
    fn next_page_steps_use_the_cursor_and_jumps_use_offset() {
        let dir = std::env::temp_dir().join(format!("xtask-flagbench-{}", std::process::id()));
        let (db_path, out) = (dir.join("a.db"), dir.join("a.json"));
        // Enough flags that 25 % lies beyond the pages the next-page steps loaded.
        crate::dbtools::gen_demo(6_000, None, None, None, &db_path).unwrap();
        write(&db_path, &out).unwrap();
        let json: Json = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let steps = json["scroll"]["steps"].as_array().unwrap();
        let by =
            |s: &Json| s["pages"].as_array().unwrap().iter().map(|p| p["by"].clone()).collect::<Vec<_>>();
        for step in &steps[..NEXT_PAGE_STEPS] {
            assert_eq!(by(step), [json!("keyset")], "{}", step["label"]);
        }
        for step in &steps[NEXT_PAGE_STEPS..] {
            let by = by(step);
            assert!(!by.is_empty() && by.iter().all(|b| b == "offset"), "{}: {by:?}", step["label"]);
        }
        // Every rendered row of every position is known, and the bottom shows the last flag.
        let last = steps.last().unwrap()["shown"].as_array().unwrap();
        assert!(steps.iter().all(|s| s["shown"].as_array().unwrap().iter().all(|r| r[1].is_i64())));
        assert_eq!(last.last().unwrap()[0], json!(json["flags"].as_u64().unwrap() - 1));
        // The rows in view are rendered rows, with the same ids, and fill the view.
        for step in steps {
            let shown = step["shown"].as_array().unwrap();
            let view = step["in_view"].as_array().unwrap();
            assert!(view.len() >= 18 && view.len() < shown.len(), "{}", step["label"]);
            assert!(view.iter().all(|r| shown.contains(r)), "{}", step["label"]);
        }
        assert_eq!(json["filter_steps"].as_array().unwrap().len(), FILTER_ROUND.len());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
