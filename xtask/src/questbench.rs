//! The quests-page part of `cargo xtask bench`: `cargo xtask quests-bench-sql DB --out JSON`
//! writes what tests/e2e/bench.mjs does on the `#quests` page (open it, change the filter,
//! scroll the list) together with the exact SQL the page runs for each step, built by the same
//! core code (`QuestFilter`, `QuestPageQuery`, `SparsePages`, `LIST_PAGE`, `LIST_VIEWPORT`,
//! `BOARD_CARDS`), so raw sql.js can run the same statements next to it. The native answers
//! (totals, the ids a position shows) let the bench check the page against them.

use std::path::Path;

use flagdeck_core::agents::{
    agent_quests_layer_sql, agent_quests_sql, scan_agent_quests, AgentQuests, AGENT_QUESTS_PAGE,
};
use flagdeck_core::flags::Cursor;
use flagdeck_core::native::NativeDb;
use flagdeck_core::paging::SparsePages;
use flagdeck_core::quests::query::{BOARD_CARDS, LIST_PAGE, LIST_VIEWPORT};
use flagdeck_core::quests::{
    count, keys, members, status_counts, QuestCard, QuestFilter, QuestPageQuery, QuestSort, TimeOrder,
};
use flagdeck_core::schema::Generation;
use flagdeck_core::Value;
use serde_json::{json, Value as Json};

use crate::dbtools::value_json;
use crate::util::Result;

/// Something a person does in the quest filters.
#[derive(Debug, Clone, Copy)]
enum Action {
    /// Ticks (or unticks) one status box.
    Status(&'static str),
    /// Types an agent into the agent box and commits it (Enter); `""` clears it.
    Agent(&'static str),
    /// Types into the text box and commits it; `""` clears it.
    Text(&'static str),
}

/// One round of filter changes in the list; it ends where it starts (no filter), so rounds
/// can be repeated.
const FILTER_ROUND: &[Action] = &[
    Action::Status("completed"),
    Action::Agent("@acolyte.payments"),
    Action::Text("retries"),
    Action::Text(""),
    Action::Agent(""),
    Action::Status("completed"),
    Action::Status("waiting"),
    Action::Status("waiting"),
];

/// Scrolling the list: one page down at a time (right after a loaded page: keyset), then jumps
/// to places nothing was loaded for (OFFSET), the last one to the end.
const NEXT_PAGE_STEPS: usize = 5;
const JUMPS: &[f64] = &[0.25, 0.5, 0.75, 1.0];

/// The order of the second scroll: one computed from JSON (`broadcast`'s message count), most
/// first.
const SORTED_SCROLL: (QuestSort, bool) = (QuestSort::Messages, true);

/// How many first rows of a page the bench compares with the page.
const CHECKED_IDS: usize = 20;

impl Action {
    fn apply(self, filter: &mut QuestFilter) {
        match self {
            Action::Status(s) => filter.toggle_status(s),
            Action::Agent(a) => filter.agent = (!a.is_empty()).then(|| a.to_owned()),
            Action::Text(t) => filter.set_text(t),
        }
    }

    /// A label and what the bench must do, given the filter after the action.
    fn describe(self, filter: &QuestFilter) -> (String, Json) {
        match self {
            Action::Status(s) => {
                let verb = if filter.statuses.iter().any(|x| x == s) { "tick" } else { "untick" };
                (format!("{verb} status {s}"), json!({ "status": s }))
            }
            Action::Agent("") => ("clear the agent".into(), json!({ "agent": "" })),
            Action::Agent(a) => (format!("agent {a}"), json!({ "agent": a })),
            Action::Text("") => ("clear the text".into(), json!({ "text": "" })),
            Action::Text(t) => (format!("text \"{t}\""), json!({ "text": t })),
        }
    }
}

fn statement((sql, params): (String, Vec<Value>)) -> Json {
    json!({ "sql": sql, "params": params.iter().map(value_json).collect::<Vec<_>>() })
}

fn db_err(what: &'static str) -> impl Fn(flagdeck_core::DbError) -> String {
    move |e| format!("{what}: {e}")
}

fn cards(db: &NativeDb, query: &QuestPageQuery) -> Result<Vec<QuestCard>> {
    let (sql, params) = query.sql();
    let rs = db.query_sync(&sql, &params).map_err(db_err("page query"))?;
    QuestCard::all(&rs).map_err(db_err("page rows"))
}

fn total(db: &NativeDb, filter: &QuestFilter) -> Result<i64> {
    pollster::block_on(count(db, filter)).map_err(db_err("count"))
}

/// The list's first statements for `filter`: what the page asks when the query changes in the
/// list layout (count, status counts, first page), with the native answers.
fn list_step(db: &NativeDb, filter: &QuestFilter, sort: (QuestSort, bool), order: TimeOrder) -> Result<Json> {
    let first =
        QuestPageQuery::first(filter.clone(), sort, LIST_PAGE).with_time_order(order).at_page(0, None);
    let ids: Vec<i64> = cards(db, &first)?.iter().take(CHECKED_IDS).map(|c| c.id).collect();
    Ok(json!({
        "total": total(db, filter)?,
        "statements": [statement(filter.count_sql()), statement(filter.status_counts_sql()), statement(first.sql())],
        "first_ids": ids,
    }))
}

/// The board at its default query: count, status counts, then the first cards of every status
/// column with quests (`only_status` of src/web/quests/page.rs: the filter keeping one status).
fn board_step(db: &NativeDb, sort: (QuestSort, bool), order: TimeOrder) -> Result<Json> {
    let filter = QuestFilter::default();
    let counts = pollster::block_on(status_counts(db, &filter)).map_err(db_err("status counts"))?;
    // The page reads the time columns' order once per opened data, before its first query.
    let mut statements = vec![
        statement((TimeOrder::sql(), Vec::new())),
        statement(filter.count_sql()),
        statement(filter.status_counts_sql()),
    ];
    for c in counts.iter().filter(|c| c.count > 0) {
        let column = QuestFilter { statuses: vec![c.status.clone()], ..filter.clone() };
        statements
            .push(statement(QuestPageQuery::first(column, sort, BOARD_CARDS).with_time_order(order).sql()));
    }
    Ok(json!({
        "total": total(db, &filter)?,
        "status_counts": counts.iter().map(|c| json!([c.status, c.count])).collect::<Vec<_>>(),
        "statements": statements,
    }))
}

fn filter_steps(db: &NativeDb, sort: (QuestSort, bool), order: TimeOrder) -> Result<Vec<Json>> {
    let mut filter = QuestFilter::default();
    let mut steps = Vec::new();
    for action in FILTER_ROUND {
        action.apply(&mut filter);
        let (label, action_json) = action.describe(&filter);
        let mut step = list_step(db, &filter, sort, order)?;
        step["label"] = json!(label);
        step["action"] = action_json;
        steps.push(step);
    }
    Ok(steps)
}

/// The pages a scroll position makes the list ask for, decided as the page decides (the pages
/// of the rendered rows that are not loaded; keyset after a loaded page, else OFFSET), with
/// their SQL; then loads them, as the page will have by the next position.
fn scroll_to(
    db: &NativeDb,
    query: &QuestPageQuery,
    loaded: &mut SparsePages<QuestCard>,
    scroll_top: f64,
    total: usize,
) -> Result<(Vec<Json>, Vec<Json>)> {
    let rows = LIST_VIEWPORT.rows(scroll_top, total);
    let mut asked = Vec::new();
    let mut arrived = Vec::new();
    for page in loaded.missing(rows.clone(), total) {
        let previous: Option<Cursor> = loaded.last_before(page).map(QuestCard::cursor);
        let by = if previous.is_some() { "keyset" } else { "offset" };
        let q = query.clone().at_page(page, previous);
        // The same page through the order's key table, for raw sql.js holding the same layer.
        let layer = q.walks_keys().then(|| statement(q.clone().sql()));
        let plain = statement(q.clone().with_keys(false).sql());
        asked.push(json!({ "page": page, "by": by, "statement": plain, "layer": layer }));
        arrived.push((page, cards(db, &q.with_keys(false))?));
    }
    for (page, rows) in arrived {
        loaded.insert(page, rows);
    }
    let shown = rows.map(|i| json!([i, loaded.get(i).map(|c| c.id)])).collect();
    Ok((asked, shown))
}

/// The rows in view at `scroll_top` (`Viewport::in_view`: the rendered rows without the
/// overscan) as `[index, quest_id]`, from the pages loaded: what the page must show before a
/// position counts as drawn.
fn in_view(loaded: &SparsePages<QuestCard>, scroll_top: f64, total: usize) -> Vec<Json> {
    LIST_VIEWPORT.in_view(scroll_top, total).map(|i| json!([i, loaded.get(i).map(|c| c.id)])).collect()
}

/// Scrolling the list in `sort`: the statements of each position as plain SQL and, where the
/// order has a key table (`quests::keys`), through it (`layer`, with `layer_build`: the
/// table's build, as the app runs it on the order's first use).
fn scroll_steps(db: &NativeDb, sort: (QuestSort, bool), order: TimeOrder) -> Result<Json> {
    let query =
        QuestPageQuery::first(QuestFilter::default(), sort, LIST_PAGE).with_time_order(order).with_keys(true);
    let total = total(db, &query.filter)?.max(0) as usize;
    let mut loaded = SparsePages::new(LIST_PAGE);
    loaded.insert(0, cards(db, &query.clone().with_keys(false))?);
    let mut positions: Vec<(String, f64)> = (1..=NEXT_PAGE_STEPS)
        .map(|k| (format!("next page ({k})"), LIST_VIEWPORT.scroll_top_for(k * LIST_PAGE, total)))
        .collect();
    positions.extend(
        JUMPS.iter().map(|f| (format!("jump to {:.0}%", f * 100.0), LIST_VIEWPORT.scroll_top_at(*f, total))),
    );
    let mut steps = Vec::new();
    for (label, scroll_top) in positions {
        let (pages, shown) = scroll_to(db, &query, &mut loaded, scroll_top, total)?;
        let in_view = in_view(&loaded, scroll_top, total);
        steps.push(
            json!({ "label": label, "scroll_top": scroll_top, "pages": pages, "shown": shown, "in_view": in_view }),
        );
    }
    let layer_build = keys::derived(sort.0, order).then(|| keys::build_sql(sort.0, order));
    Ok(
        json!({ "total": total, "sort": sort.0.key(), "descending": sort.1, "layer_build": layer_build, "steps": steps }),
    )
}

/// The agent page of the agent with the most quests (its turn or its team): its name, total,
/// the ids of its first two pages (`first`, `next`: the page and *Show more*), and each page's
/// statement plain (`plain`, [`agent_quests_sql`], a pass over every quest) and through the
/// page's layer (`layer`, [`agent_quests_layer_sql`], after `layer_build`).
fn agent_page(db: &NativeDb) -> Result<Json> {
    let top = "SELECT a FROM (SELECT current_agent AS a FROM acolyte_quests UNION ALL \
               SELECT r.value FROM acolyte_quests, json_each(CASE WHEN json_valid(recruited) AND json_type(recruited) = 'array' \
               THEN recruited ELSE '[]' END) AS r) WHERE typeof(a) = 'text' GROUP BY a ORDER BY count(*) DESC, a LIMIT 1";
    let rs = db.query_sync(top, &[]).map_err(|e| format!("agent page: {e}"))?;
    let agent = rs.scalar().and_then(Value::as_str).ok_or("agent page: the file names no agent")?.to_owned();
    let page = |offset: usize| {
        let params = vec![
            Value::from(agent.as_str()),
            Value::Integer(AGENT_QUESTS_PAGE as i64),
            Value::Integer(offset as i64),
        ];
        let quests =
            pollster::block_on(scan_agent_quests(db, Generation::V2, &agent, offset, AGENT_QUESTS_PAGE))
                .map_err(db_err("agent page"))?;
        Ok::<_, String>((quests, params))
    };
    let ((first, params_first), (next, params_next)) = (page(0)?, page(AGENT_QUESTS_PAGE)?);
    let ids = |q: &AgentQuests| q.quests.iter().map(|q| q.id).collect::<Vec<_>>();
    Ok(json!({
        "agent": agent,
        "total": first.total,
        "first": ids(&first),
        "next": ids(&next),
        "plain": [statement((agent_quests_sql(), params_first.clone())), statement((agent_quests_sql(), params_next.clone()))],
        "layer_build": members::build_sql(),
        "layer": [statement((agent_quests_layer_sql(), params_first)), statement((agent_quests_layer_sql(), params_next))],
    }))
}

/// `cargo xtask quests-bench-sql DB --out JSON`.
pub fn write(db_path: &Path, out: &Path) -> Result<()> {
    let db = NativeDb::open_copy(db_path).map_err(|e| format!("open {}: {e}", db_path.display()))?;
    let sort = QuestSort::DEFAULT;
    let order = pollster::block_on(TimeOrder::read(&db)).map_err(db_err("time order"))?;
    let json = json!({
        "db": db_path.display().to_string(),
        "quests": total(&db, &QuestFilter::default())?,
        "page_size": LIST_PAGE,
        "board_cards": BOARD_CARDS,
        "row_height": LIST_VIEWPORT.row_height,
        // The app runs these on every database it opens; raw sql.js runs them too.
        "connection_sql": flagdeck_core::inspect::SAFETY_PRAGMAS,
        "time_order": order,
        "board": board_step(&db, sort, order)?,
        "list": list_step(&db, &QuestFilter::default(), sort, order)?,
        "filter_steps": filter_steps(&db, sort, order)?,
        "scroll": scroll_steps(&db, sort, order)?,
        // The same scrolling in an order no index of the file holds (the key table's case).
        "sorted_scroll": scroll_steps(&db, SORTED_SCROLL, order)?,
        "agent_page": agent_page(&db)?,
    });
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flagdeck_demo::DemoGeneration;

    #[test]
    fn a_filter_round_ends_where_it_starts() {
        let mut filter = QuestFilter::default();
        for action in FILTER_ROUND {
            action.apply(&mut filter);
        }
        assert_eq!(filter, QuestFilter::default());
    }

    #[test]
    fn steps_match_plain_sql_and_scrolling_reaches_the_last_quest() {
        let dir = std::env::temp_dir().join(format!("xtask-questbench-{}", std::process::id()));
        let (db_path, out) = (dir.join("q.db"), dir.join("q.json"));
        // Enough quests that 25 % lies beyond the pages the next-page steps loaded.
        crate::dbtools::gen_demo_of(
            DemoGeneration::V2 { quests: 6_000 },
            0,
            Some(2),
            None,
            Some(100),
            &db_path,
        )
        .unwrap();
        write(&db_path, &out).unwrap();
        let json: Json = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(json["quests"], 6_000);
        let plain = NativeDb::open_copy(&db_path).unwrap();
        let scalar =
            |sql: &str| plain.query_sync(sql, &[]).unwrap().scalar().and_then(Value::as_i64).unwrap();

        // the board asks one column per status with quests
        let columns = scalar("SELECT COUNT(DISTINCT status) FROM acolyte_quests");
        // (the time order, count and status counts first)
        assert_eq!(json["board"]["statements"].as_array().unwrap().len() as i64, 3 + columns);
        // filter totals against plain SQL
        let steps = json["filter_steps"].as_array().unwrap();
        assert_eq!(steps.len(), FILTER_ROUND.len());
        assert_eq!(
            steps[0]["total"],
            scalar("SELECT COUNT(*) FROM acolyte_quests WHERE status = 'completed'")
        );
        let payments = scalar(
            "SELECT COUNT(*) FROM acolyte_quests WHERE status = 'completed' AND \
             (current_agent = '@acolyte.payments' OR EXISTS (SELECT 1 FROM json_each(recruited) WHERE value = '@acolyte.payments'))",
        );
        assert_eq!(steps[1]["total"], payments);
        assert_eq!(steps.last().unwrap()["total"], 6_000);
        // newest first: the list starts with the last quest created
        let newest =
            scalar("SELECT quest_id FROM acolyte_quests ORDER BY created_at DESC, quest_id DESC LIMIT 1");
        assert_eq!(json["list"]["first_ids"][0], newest);

        let scroll = json["scroll"]["steps"].as_array().unwrap();
        let by =
            |s: &Json| s["pages"].as_array().unwrap().iter().map(|p| p["by"].clone()).collect::<Vec<_>>();
        for step in &scroll[..NEXT_PAGE_STEPS] {
            assert_eq!(by(step), [json!("keyset")], "{}", step["label"]);
        }
        for step in &scroll[NEXT_PAGE_STEPS..] {
            let by = by(step);
            assert!(!by.is_empty() && by.iter().all(|b| b == "offset"), "{}: {by:?}", step["label"]);
        }
        // every rendered row is known, and the end shows the oldest quest in the last row
        assert!(scroll.iter().all(|s| s["shown"].as_array().unwrap().iter().all(|r| r[1].is_i64())));
        // the rows in view are rendered rows, a view's worth of them
        for s in scroll {
            let (view, shown) = (s["in_view"].as_array().unwrap(), s["shown"].as_array().unwrap());
            assert!(!view.is_empty() && view.len() < shown.len(), "{}", s["label"]);
            assert!(view.iter().all(|r| shown.contains(r)), "{}", s["label"]);
        }
        let last = scroll.last().unwrap()["shown"].as_array().unwrap().last().unwrap().clone();
        let oldest =
            scalar("SELECT quest_id FROM acolyte_quests ORDER BY created_at ASC, quest_id ASC LIMIT 1");
        assert_eq!(last, json!([5_999, oldest]));

        // The sorted scroll: every page through the key table gives the plain statement's rows.
        let sorted = &json["sorted_scroll"];
        assert_eq!((sorted["sort"].as_str(), sorted["descending"].as_bool()), (Some("messages"), Some(true)));
        plain.execute_batch_sync(sorted["layer_build"].as_str().expect("messages has a key table")).unwrap();
        let run = |s: &Json| {
            let params: Vec<Value> = s["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| match p {
                    Json::Number(n) if n.is_i64() => Value::Integer(n.as_i64().unwrap()),
                    Json::Number(n) => Value::Real(n.as_f64().unwrap()),
                    Json::String(t) => Value::from(t.as_str()),
                    _ => Value::Null,
                })
                .collect();
            let rs = plain.query_sync(s["sql"].as_str().unwrap(), &params).unwrap();
            QuestCard::all(&rs).unwrap().iter().map(|c| c.id).collect::<Vec<_>>()
        };
        let mut pages = 0;
        for step in sorted["steps"].as_array().unwrap() {
            for p in step["pages"].as_array().unwrap() {
                let (keyed, plain_ids) = (run(&p["layer"]), run(&p["statement"]));
                assert!(
                    !keyed.is_empty()
                        && p["layer"]["sql"].as_str().unwrap().contains("temp.flagdeck_keys_quests_messages")
                );
                assert_eq!(keyed, plain_ids, "{}", step["label"]);
                pages += 1;
            }
        }
        assert!(pages > NEXT_PAGE_STEPS);

        // The agent page: both pages through the layer give the plain statements' ids.
        let agent = &json["agent_page"];
        assert!(agent["total"].as_i64().unwrap() > 2 * AGENT_QUESTS_PAGE as i64, "{}", agent["total"]);
        assert_eq!(agent["first"].as_array().unwrap().len(), AGENT_QUESTS_PAGE);
        plain.execute_batch_sync(agent["layer_build"].as_str().unwrap()).unwrap();
        let ids = |s: &Json| {
            let p = s["params"].as_array().unwrap();
            let params = [
                Value::from(p[0].as_str().unwrap()),
                Value::Integer(p[1].as_i64().unwrap()),
                Value::Integer(p[2].as_i64().unwrap()),
            ];
            let rs = plain.query_sync(s["sql"].as_str().unwrap(), &params).unwrap();
            rs.map_rows(|r| r.i64("id")).unwrap()
        };
        for (k, page) in ["first", "next"].into_iter().enumerate() {
            let want: Vec<i64> =
                agent[page].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
            assert_eq!(ids(&agent["plain"][k]), want, "{page}, plain");
            assert_eq!(ids(&agent["layer"][k]), want, "{page}, through the layer");
            assert!(agent["layer"][k]["sql"].as_str().unwrap().contains(members::MEMBERS));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
