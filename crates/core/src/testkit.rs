//! SQL-level test bodies written once, generic over the [`Database`] port, so the same checks
//! run natively on rusqlite (`tests/port_suite.rs`) and in the browser on sql.js
//! (`tests/wasm_sqljs.rs`), in the way reedline runs one history test body over each backend.
//!
//! Each flag body takes a database holding a fresh copy of the v1 fixture
//! (`../shared/fixtures/acolytes-v1-small.db`) and its [`SchemaFacts`]; each quest body a fresh
//! copy of the v2 fixture (natively also the hybrid). A body panics with a message when a check
//! fails. Built only with the `testkit` feature (tests enable it).

use crate::agents;
use crate::edits::{self, EditError, EditTable, History};
use crate::flags::{Cursor, FlagFilter, FlagPageQuery, FlagRow, Preset, SortColumn};
use crate::port::Database;
use crate::quests::{self, QuestCard, QuestFilter, QuestPageQuery, QuestSort, QuestStatus};
use crate::schema::SchemaFacts;
use crate::summary;
use crate::value::Value;

async fn rows<D: Database>(db: &D, sql: &str) -> Vec<Vec<Value>> {
    db.query(sql, &[]).await.expect(sql).rows
}

async fn count<D: Database>(db: &D, sql: &str) -> i64 {
    db.query(sql, &[]).await.expect(sql).scalar().and_then(Value::as_i64).expect("a count")
}

/// Every flag of `query`'s filter and sort, page after page: by keyset (each page after the
/// last row of the one before) or by OFFSET.
async fn walk<D: Database>(db: &D, query: &FlagPageQuery, keyset: bool) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut previous: Option<Cursor> = None;
    for page in 0.. {
        let q = query.clone().at_page(page, if keyset { previous.clone() } else { None });
        let (sql, params) = q.sql();
        let rs = db.query(&sql, &params).await.expect("a page");
        let rows = FlagRow::all(&rs).expect("list rows read by name");
        if rows.is_empty() {
            break;
        }
        previous = rows.last().map(|r| Cursor { key: r.sort_key.clone(), id: r.id });
        ids.extend(rows.iter().map(|r| r.id));
    }
    ids
}

/// Keyset paging and OFFSET paging give the same rows in the same order as the count says, for
/// every preset and every sort column, both directions.
pub async fn paging_keyset_equals_offset<D: Database>(db: &D) {
    let mut checked = 0;
    for preset in Preset::ALL {
        let filter: FlagFilter = preset.filter();
        let (count_sql, params) = filter.count_sql();
        let total = db.query(&count_sql, &params).await.unwrap().scalar().and_then(Value::as_i64).unwrap();
        for sort in SortColumn::ALL {
            for descending in [false, true] {
                let query = FlagPageQuery::first(filter.clone(), (sort, descending), 37);
                let keyset = walk(db, &query, true).await;
                let offset = walk(db, &query, false).await;
                assert_eq!(keyset, offset, "{preset:?} by {sort:?} desc={descending}");
                assert_eq!(keyset.len() as i64, total, "{preset:?} by {sort:?}: every row once");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 54);
}

/// The rows held in the page (`row_mirror`) filled through the port equal the list's rows read
/// by SQL for every flag (each page of "All flags" by id, its sort key aside), and again after a
/// completion and its undo learned from the change log.
pub async fn mirror_rows_agree_with_sql<D: Database>(db: &D) {
    use crate::flag_index::{FlagIndex, CHANGE_LOG_SQL};
    use crate::row_mirror::{FlagMirrorFill, FlagRowMirror};
    db.execute_batch(CHANGE_LOG_SQL).await.unwrap();
    let (mut mirror, mut fill) = (FlagRowMirror::new(), FlagMirrorFill::new());
    while fill.step(db, &mut mirror).await.unwrap() {}
    let total = count(db, "SELECT count(*) FROM flags").await;
    assert_eq!(mirror.len() as i64, total, "every flag held");
    let all = FlagPageQuery::first(Preset::All.filter(), Preset::All.sort(), total as usize);
    let agree = |mirror: &FlagRowMirror, want: Vec<FlagRow>, round: &str| {
        let ids: Vec<i64> = want.iter().map(|r| r.id).collect();
        let want: Vec<FlagRow> = want.into_iter().map(|r| FlagRow { sort_key: Value::Null, ..r }).collect();
        assert_eq!(mirror.rows(&ids), Some(want), "{round}: every row as the list reads it");
    };
    let read = || async {
        let (sql, params) = all.sql();
        FlagRow::all(&db.query(&sql, &params).await.unwrap()).unwrap()
    };
    agree(&mirror, read().await, "filled");
    let id = count(db, "SELECT min(id) FROM flags WHERE status = 'pending' AND locked = 0").await;
    let values = edits::complete_values("2025-09-01 10:15", Some("@port"), Some("held in the page"));
    let edit = edits::plan(db, id, "complete", &values).await.unwrap().expect("something changes");
    for (round, undo) in [("after a completion", false), ("after its undo", true)] {
        if undo {
            edits::run_all(db, std::slice::from_ref(&edit), false).await.unwrap();
        } else {
            edits::apply(db, &edit).await.unwrap();
        }
        let changes = FlagIndex::take_changes(db).await.unwrap();
        assert!(changes.rows.iter().any(|r| r.id == id), "{round}: the log names the flag");
        fill.invalidate(&mut mirror, changes.rows.iter().map(|r| r.id).chain(changes.gone.iter().copied()));
        assert!(!mirror.contains(id), "{round}: the written flag is dropped");
        while fill.step(db, &mut mirror).await.unwrap() {}
        agree(&mirror, read().await, round);
    }
}

/// Completing a flag and undoing it gives back the exact table; redoing gives the completion
/// again.
pub async fn edit_undo_round_trip<D: Database>(db: &D) {
    let table = "SELECT * FROM flags ORDER BY id";
    let before = rows(db, table).await;
    let id = count(db, "SELECT min(id) FROM flags WHERE status = 'pending' AND locked = 0").await;
    let values = edits::complete_values("2025-09-01 10:15", Some("@port"), Some("checked on every adapter"));
    let edit = edits::plan(db, id, "complete", &values).await.unwrap().expect("something changes");
    edits::apply(db, &edit).await.unwrap();
    let mut history = History::default();
    history.record(edit);
    let status_sql = format!("SELECT status, completed_by FROM flags WHERE id = {id}");
    let status = || async { rows(db, &status_sql).await.remove(0) };
    assert_eq!(status().await, [Value::from("completed"), Value::from("@port")]);
    history.undo(db).await.unwrap().expect("one step to undo");
    assert_eq!(rows(db, table).await, before, "undo restores every value exactly");
    history.redo(db).await.unwrap().expect("one step to redo");
    assert_eq!(status().await, [Value::from("completed"), Value::from("@port")]);
    history.undo(db).await.unwrap();
    assert_eq!(rows(db, table).await, before);
}

/// A new flag (with the ask-lock) and its undo: the row, the lock and `sqlite_sequence` come and
/// go together.
pub async fn create_and_undo<D: Database>(db: &D, facts: &SchemaFacts) {
    let snapshot = || async {
        (
            rows(db, "SELECT * FROM flags ORDER BY id").await,
            rows(db, "SELECT * FROM sqlite_sequence ORDER BY name").await,
        )
    };
    let before = snapshot().await;
    let asked = count(db, "SELECT min(id) FROM flags WHERE status = 'pending' AND locked = 0").await;
    let values = vec![
        ("flag_type", Value::from("change")),
        ("source_agent", Value::from("@backend.api")),
        ("target_agent", Value::from("@frontend.react")),
        (
            "change_description",
            Value::from("Renamed the orders endpoint; clients must follow the new path now."),
        ),
        ("action_required", Value::from("Update src/web/orders.ts and every caller. ".repeat(3))),
        ("impact_level", Value::from("medium")),
        ("status", Value::from("pending")),
        ("locked", Value::Integer(0)),
        ("created_at", Value::from("2025-09-01 10:20")),
    ];
    let step = edits::create_flag(db, facts, &values, Some(asked)).await.unwrap();
    let id = step.edits.last().unwrap().flag_id;
    assert_eq!(count(db, &format!("SELECT count(*) FROM flags WHERE id = {id}")).await, 1);
    assert_eq!(count(db, &format!("SELECT locked FROM flags WHERE id = {asked}")).await, 1);
    let mut history = History::default();
    history.record_step(step);
    history.undo(db).await.unwrap();
    assert_eq!(snapshot().await, before, "one undo takes back the flag and the lock");
}

/// The summary counts agree with plain SQL, and the facet counts of a facet add up to the total.
pub async fn counts_agree<D: Database>(db: &D, facts: &SchemaFacts) {
    let generation = crate::schema::detect(facts).generation;
    let counts = summary::read_counts(db, facts, generation).await.unwrap();
    let c = counts.flags.expect("a flag database has flag counts");
    assert_eq!(counts.quests, None, "no acolyte_quests table");
    assert_eq!(c.total, count(db, "SELECT count(*) FROM flags").await);
    assert_eq!(c.pending, count(db, "SELECT count(*) FROM flags WHERE status = 'pending'").await);
    assert_eq!(c.completed, count(db, "SELECT count(*) FROM flags WHERE status = 'completed'").await);
    assert_eq!(c.locked, count(db, "SELECT count(*) FROM flags WHERE locked").await);
    let filter = Preset::All.filter();
    for facet in crate::flags::SHOWN_FACETS {
        let values = crate::flags::facet_counts(db, &filter, facet).await.unwrap();
        assert_eq!(values.iter().map(|(_, n)| n).sum::<i64>(), c.total, "{facet:?}");
    }
}

/// [`agents::latest_health_of`] (every agent's latest health check in one statement) gives
/// each name what [`agents::latest_health`] gives it alone: for every name an agent page may be
/// opened for (the catalog's, the names the checks carry, v0's project agents with and without
/// `@`, odd ones), after adding checks the tool never writes but a file may hold (two at the
/// same time, where the later id wins; another timestamp format; a name stored as a blob, which
/// no text names; a check for nobody known). Any fixture (v0, v1, v2, hybrid); it is written to.
pub async fn latest_health_of_agrees<D: Database>(db: &D, facts: &SchemaFacts) {
    let generation = crate::schema::detect(facts).generation;
    // As the tool's Python connections do (SQLite's default): foreign keys not enforced.
    let hostile = if generation.catalog_shape() == Some(crate::schema::CatalogShape::ClaudeSquad) {
        "PRAGMA foreign_keys = OFF; \
         INSERT INTO agent_health (agent_id, drift_score, status, checked_at) \
           SELECT agent_id, 1, 'tie-' || id, checked_at FROM agent_health ORDER BY checked_at DESC LIMIT 1; \
         INSERT INTO agent_health (agent_id, drift_score, status, checked_at) \
           SELECT id, 2, 'isoT', '2099-01-01T00:00:00Z' FROM agents_dynamic LIMIT 1;"
    } else {
        "PRAGMA foreign_keys = OFF; \
         INSERT INTO agent_health (agent_name, drift_score, status, checked_at) \
           SELECT agent_name, 1, 'tie-' || id, checked_at FROM agent_health ORDER BY checked_at DESC LIMIT 1; \
         INSERT INTO agent_health (agent_name, drift_score, status, checked_at) VALUES \
           ('@docs.specialist', 2, 'isoT', '2099-01-01T00:00:00Z'), (x'37', 3, 'blob', '2001-01-01'), \
           ('@ghost', 4, 'gone', '2002-02-02');"
    };
    db.execute_batch(hostile).await.expect("the added checks");
    let mut names: Vec<String> =
        crate::catalog::read_catalog(db, generation).await.unwrap().into_iter().map(|a| a.name).collect();
    for sql in [
        "SELECT DISTINCT CAST(agent_name AS TEXT) FROM agent_health",
        "SELECT name FROM agents_dynamic UNION SELECT '@' || name FROM agents_dynamic",
    ] {
        if let Ok(rs) = db.query(sql, &[]).await {
            names.extend(rs.rows.iter().filter_map(|r| r.first()).map(Value::display));
        }
    }
    names.extend(["", "@", "nobody", "@backend.api", "it's \"quoted\"", "7"].map(String::from));
    let all = agents::latest_health_of(db, facts, generation, &names).await.unwrap();
    let distinct: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(all.len(), distinct.len(), "an entry for each name");
    let mut found = 0;
    for name in &names {
        let own = agents::latest_health(db, facts, generation, name).await.unwrap();
        found += usize::from(own.is_some());
        assert_eq!(all.get(name), Some(&own), "{name:?}");
    }
    assert!(found >= 3, "the comparison saw checks ({found})");
}

/// Stored shapes the instant reader must agree on, beyond what a fixture happens to hold.
const INSTANT_SAMPLES: &[&str] = &[
    "2025-09-29 09:16:13",
    "2025-09-29 09:16",
    "2025-09-29T09:16:13.004800",
    "2025-09-29T08:48:45.267Z",
    "2025-09-29T08:50:45.003400Z",
    "2025-09-29T11:16:13+02:00",
    "2025-09-29",
    "1759141881",
    " 2025-09-29 09:16:13 ",
    "soon",
    "now",
    "NOW",
    "Now",
    "12.3.4",
    "1759141881.25",
    "",
];

/// [`crate::timestamp::instant_sql`] gives, for every timestamp-like column of `facts` (names
/// ending in `_at`, `timestamp`) and a list of sample shapes, the instant [`crate::timestamp::read`]
/// gives (or NULL exactly where it gives `None`), to the millisecond.
pub async fn instants_agree<D: Database>(db: &D, facts: &SchemaFacts) {
    use crate::schema::quote_ident;
    use crate::timestamp::{instant_sql, read};
    let mut checked = 0;
    let mut sources: Vec<String> = INSTANT_SAMPLES
        .iter()
        .map(|s| format!("SELECT '{s}' AS v"))
        .chain(["SELECT 1759228725 AS v".to_owned(), "SELECT NULL AS v".to_owned()])
        .collect();
    for (table, columns) in &facts.tables {
        for column in columns.iter().filter(|c| c.ends_with("_at") || c.as_str() == "timestamp") {
            sources.push(format!("SELECT {} AS v FROM {}", quote_ident(column), quote_ident(table)));
        }
    }
    for source in sources {
        let sql = format!("SELECT v, {} AS instant FROM ({source})", instant_sql("v"));
        for row in rows(db, &sql).await {
            let expected = read(&row[0]).map(|t| t.epoch_ms);
            let got = row[1].as_f64().map(|s| (s * 1000.0).round() as i64);
            assert_eq!(got, expected, "{source}: {:?}", row[0]);
            checked += 1;
        }
    }
    assert!(checked > INSTANT_SAMPLES.len(), "only the samples were checked");
}

// ---- Quests (`acolyte_quests`): bodies take a fresh copy of the v2 (or hybrid) fixture. ----

/// Every quest of `filter`, page after page (keyset or OFFSET), as ids.
async fn walk_quests<D: Database>(db: &D, query: &QuestPageQuery, keyset: bool) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut previous: Option<Cursor> = None;
    for page in 0.. {
        let q = query.clone().at_page(page, if keyset { previous.clone() } else { None });
        let cards = quests::page(db, &q).await.expect("a page of quests");
        if cards.is_empty() {
            break;
        }
        previous = cards.last().map(QuestCard::cursor);
        ids.extend(cards.iter().map(|c| c.id));
    }
    ids
}

/// Quest pages: keyset and OFFSET give the same rows, as many as the count, for every sort both
/// ways, with no filter, a status filter, an agent filter and a text filter; the board's status
/// counts add up to the count and equal plain `GROUP BY status`.
pub async fn quest_pages_and_counts<D: Database>(db: &D) {
    let total = count(db, "SELECT count(*) FROM acolyte_quests").await;
    assert!(total > 0, "the fixture has quests");
    let agent =
        rows(db, "SELECT current_agent FROM acolyte_quests WHERE current_agent IS NOT NULL LIMIT 1").await;
    let filters = [
        QuestFilter::default(),
        QuestFilter { statuses: vec!["completed".into(), "failed".into()], ..Default::default() },
        QuestFilter { agent: agent[0][0].as_str().map(str::to_owned), ..Default::default() },
        QuestFilter { text: "tests".into(), ..Default::default() },
    ];
    for filter in &filters {
        let n = quests::count(db, filter).await.unwrap();
        for sort in QuestSort::ALL {
            for descending in [false, true] {
                let query = QuestPageQuery::first(filter.clone(), (sort, descending), 6);
                let keyset = walk_quests(db, &query, true).await;
                assert_eq!(
                    keyset,
                    walk_quests(db, &query, false).await,
                    "{filter:?} by {sort:?} desc={descending}"
                );
                assert_eq!(keyset.len() as i64, n, "{filter:?} by {sort:?}: every quest once");
            }
        }
    }
    let board = quests::status_counts(db, &QuestFilter::default()).await.unwrap();
    assert_eq!(board.iter().map(|c| c.count).sum::<i64>(), total);
    for c in &board {
        let sql =
            format!("SELECT count(*) FROM acolyte_quests WHERE status = '{}'", c.status.replace('\'', "''"));
        assert_eq!(c.count, count(db, &sql).await, "{}", c.status);
    }
    // The summary's figures read in keyset steps are the one statement's on this engine.
    for hours in [0.0, 24.0, 24.0 * 365.0] {
        let whole = db.query(&quests::summary_sql(), &[Value::Real(hours * 3600.0)]).await.unwrap();
        let figure = |name: &str| whole.map_first(|r| r.i64(name)).unwrap().unwrap();
        for step in [1, 7, quests::SUMMARY_STEP] {
            let got = quests::summary_in_steps(db, hours, step).await.unwrap();
            assert_eq!(
                (got.open, got.waiting, got.stalled),
                (figure("open"), figure("waiting"), figure("stalled")),
                "steps of {step}, {hours} h"
            );
        }
    }
}

/// Edits through the tool's rules: the first open quests (up to three, ids returned) changed to
/// `to`'s statuses in turn (`quest_status.py`'s change), the last undone, redone and undone
/// again, then the undone step replayed from the journal.
async fn quest_status_changes<D: Database>(db: &D, to: [QuestStatus; 3]) -> Vec<i64> {
    let open = "SELECT quest_id FROM acolyte_quests WHERE status NOT IN ('completed', 'failed', 'timeout') \
                ORDER BY quest_id LIMIT 3";
    let ids: Vec<i64> = rows(db, open).await.iter().filter_map(|r| r[0].as_i64()).collect();
    assert!(!ids.is_empty(), "the fixture has open quests");
    let mut history = History::default();
    for (k, id) in ids.iter().enumerate() {
        if let Some(edit) =
            quests::change_status(db, *id, to[k % 3], Some(1_700_000_000 + k as i64)).await.unwrap()
        {
            history.record(edit);
        }
    }
    history.undo(db).await.unwrap().expect("a step to undo");
    history.redo(db).await.unwrap();
    history.undo(db).await.unwrap();
    let replay = History { done: history.undone.clone(), undone: Vec::new() };
    let (_, failure) = crate::journal::replay(db, &replay).await;
    assert_eq!(failure, None);
    ids
}

/// Every derived order of the quest list ([`quests::keys`]): pages walked through its key
/// table (keyset and OFFSET) give the ids plain SQL gives, for every filter of
/// [`quest_pages_and_counts`] both ways, under the file's time order and under instants; then
/// again after edits by every path that writes quests (the status change, its undo and redo, a
/// journal replay, raw UPDATE / INSERT / DELETE with odd values, a quest moved by `rowid`, a
/// rolled-back transaction),
/// with the tables kept by their triggers, never built again.
pub async fn quest_key_pages_agree_with_sql<D: Database>(db: &D) {
    use crate::quests::{keys, TimeOrder};
    assert!(keys::applies(db).await.unwrap(), "the fixture's quest_id is its rowid");
    let file_order = TimeOrder::read(db).await.unwrap();
    let orders = [file_order, TimeOrder::default()];
    let agent =
        rows(db, "SELECT current_agent FROM acolyte_quests WHERE current_agent IS NOT NULL LIMIT 1").await;
    let filters = [
        QuestFilter::default(),
        QuestFilter { statuses: vec!["completed".into(), "failed".into(), "".into()], ..Default::default() },
        QuestFilter { agent: agent[0][0].as_str().map(str::to_owned), ..Default::default() },
        QuestFilter { text: "tests".into(), ..Default::default() },
    ];
    let compare = |round: &'static str| {
        let filters = filters.clone();
        async move {
            let mut walked = 0;
            for order in orders {
                for sort in QuestSort::ALL.into_iter().filter(|s| keys::derived(*s, order)) {
                    let ensured = keys::ensure(db, sort, order, || true).await.unwrap();
                    if round == "kept" {
                        assert_eq!(
                            ensured,
                            keys::Ensured::Present,
                            "{sort:?}: kept by its triggers, not built again"
                        );
                    }
                    for filter in &filters {
                        for descending in [false, true] {
                            let plain = QuestPageQuery::first(filter.clone(), (sort, descending), 6)
                                .with_time_order(order);
                            let keyed = plain.clone().with_keys(true);
                            assert!(keyed.walks_keys() && !plain.walks_keys());
                            let expected = walk_quests(db, &plain, true).await;
                            let what = format!("{round}: {filter:?} by {sort:?} desc={descending} {order:?}");
                            assert_eq!(walk_quests(db, &keyed, true).await, expected, "{what}, keyset");
                            assert_eq!(walk_quests(db, &keyed, false).await, expected, "{what}, offset");
                            walked += expected.len();
                        }
                    }
                }
            }
            assert!(walked > 0);
        }
    };
    // Not built while the caller says no (an edit's transaction open): nothing is left behind.
    let messages = (QuestSort::Messages, file_order);
    assert_eq!(keys::ensure(db, messages.0, messages.1, || false).await.unwrap(), keys::Ensured::Skipped);
    let (sql, params) = keys::built_sql(messages.0, messages.1);
    assert_eq!(db.query(&sql, &params).await.unwrap().scalar().and_then(|v| v.as_i64()), Some(0));
    compare("built").await;
    let ids =
        quest_status_changes(db, [QuestStatus::Reviewing, QuestStatus::Completed, QuestStatus::Waiting])
            .await;
    // Raw writes with odd values: mixed time shapes, broken JSON, NULLs where the scripts never
    // write them, a new quest, a quest gone, and a transaction rolled back.
    db.execute_batch(&format!(
        "UPDATE acolyte_quests SET quest_name = '', broadcast = '[{{\"message\": \"tests\"}}, 2, 3]', \
           recruited = 'zed, @a' WHERE quest_id = {a};\n\
         UPDATE acolyte_quests SET status = 'odd', current_agent = NULL, broadcast = 'not json', \
           quest_phase = NULL, recruited = '\"@solo\"', updated_at = 1 WHERE quest_id = {b};\n\
         UPDATE acolyte_quests SET mission = 'ÿ tests', created_at = '2031-01-01 00:00:00' WHERE quest_id = {c};\n\
         INSERT INTO acolyte_quests (quest_name, mission, recruited, status, broadcast, created_at, updated_at) \
           VALUES ('new tests', 'm', '[\"@b\", \"@a\"]', 'working', '[]', '1999-01-01 00:00:00', '1700000000');\n\
         DELETE FROM acolyte_quests WHERE quest_id = (SELECT max(quest_id) FROM acolyte_quests WHERE quest_id < {c});\n\
         UPDATE acolyte_quests SET rowid = 3000000 WHERE quest_id = {c};\n\
         BEGIN; UPDATE acolyte_quests SET status = 'gone', broadcast = '[]'; ROLLBACK;",
        a = ids[0],
        b = ids.get(1).unwrap_or(&ids[0]),
        c = ids.last().unwrap(),
    ))
    .await
    .unwrap();
    compare("kept").await;
}

/// The agent page's quests through its layer ([`quests::members`]) are the pages of its plain
/// SQL ([`agents::scan_agent_quests`]): for every name the file lists, names it does not
/// (another case, a trailing space, blank, unknown, the JSON text of an array or an object
/// entry of `recruited`), at offsets from the start, the middle and past the end, with their
/// totals, open turns and unreadable `recruited` count: the layer's own answer
/// ([`agents::layer_agent_quests`]), `None` while it is not built or not kept. Not built while
/// the caller says no; then built, and again after writes by every path that writes quests (the
/// status change, its undo and redo, a journal replay; raw writes with odd teams and turns, a
/// new quest, a quest gone, one moved to a new id, by `rowid`, and one onto another's, an
/// INSERT OR REPLACE, writes under the conflict clauses ABORT, FAIL and ROLLBACK and an upsert
/// (the triggers' writes run under them), a rolled-back transaction), kept by its triggers,
/// never built again; and built again once a trigger is gone.
pub async fn agent_quest_layer_agrees_with_sql<D: Database>(db: &D) {
    use crate::agents::{agent_quests, layer_agent_quests, scan_agent_quests};
    use crate::quests::{keys::Ensured, members};
    use crate::schema::Generation;
    assert!(members::applies(db).await.unwrap(), "the fixture's quests can be followed");
    let built = || async { rows(db, members::BUILT_SQL).await[0][0].as_i64() };
    assert_eq!(members::ensure(db, || false).await.unwrap(), Ensured::Skipped);
    assert_eq!(built().await, Some(0), "nothing built while the caller says no");
    let compare = |round: &'static str, kept: bool| async move {
        let mut names: Vec<String> = quests::agents(db).await.unwrap();
        assert!(names.len() > 1, "{round}: the file names agents");
        let first = names[0].clone();
        names.extend([first.to_uppercase(), format!("{first} "), String::new(), "@nobody".into()]);
        // Entries of `recruited` that are an array or an object: json_each gives their JSON text.
        names.extend([r#"["@a","@b"]"#.into(), r#"{"n":"@x"}"#.into()]);
        let mut listed = 0;
        for name in &names {
            let all = scan_agent_quests(db, Generation::V2, name, 0, usize::MAX).await.unwrap();
            let n = all.quests.len();
            for (offset, limit) in [(0, usize::MAX), (0, 3), (n / 2, 4), (n.saturating_sub(1), 3), (n + 1, 3)]
            {
                let plain = scan_agent_quests(db, Generation::V2, name, offset, limit).await.unwrap();
                let layered = layer_agent_quests(db, name, offset, limit).await.unwrap();
                let what = format!("{round}: {name:?} from {offset}, {limit}");
                assert_eq!(layered, kept.then(|| plain.clone()), "{what}");
                assert_eq!(
                    agent_quests(db, Generation::V2, name, offset, limit).await.unwrap(),
                    plain,
                    "{what}"
                );
            }
            listed += n;
        }
        assert!(listed > 0, "{round}: some agent has quests");
    };
    compare("not built", false).await;
    assert_eq!(members::ensure(db, || true).await.unwrap(), Ensured::Built);
    assert!(members::built(db).await.unwrap());
    compare("built", true).await;
    quest_status_changes(db, [QuestStatus::Completed, QuestStatus::Reviewing, QuestStatus::Failed]).await;
    let agent =
        rows(db, "SELECT current_agent FROM acolyte_quests WHERE current_agent IS NOT NULL LIMIT 1").await;
    let agent = agent[0][0].as_str().unwrap().replace('\'', "''");
    // Three quests apart for the raw writes (any status).
    let ids: Vec<i64> = rows(db, "SELECT quest_id FROM acolyte_quests ORDER BY quest_id DESC LIMIT 3")
        .await
        .iter()
        .filter_map(|r| r[0].as_i64())
        .collect();
    assert_eq!(ids.len(), 3, "the fixture has three quests");
    db.execute_batch(&format!(
        "UPDATE acolyte_quests SET recruited = 'zed, {agent}' WHERE quest_id = {a};\n\
         UPDATE acolyte_quests SET current_agent = NULL, recruited = '\"{agent}\"' WHERE quest_id = {b};\n\
         UPDATE acolyte_quests SET current_agent = X'40', recruited = '[2, \"{agent}\", \"{agent}\", null, \"@new\"]' \
           WHERE quest_id = {c};\n\
         UPDATE acolyte_quests SET current_agent = '{agent}', recruited = '[\"{agent}\"]', status = 'working' \
           WHERE quest_id = (SELECT min(quest_id) FROM acolyte_quests);\n\
         INSERT INTO acolyte_quests (quest_name, mission, recruited, current_agent, status) \
           VALUES ('new', 'm', '[\"@new\", \"{agent}\"]', '@new', 'waiting');\n\
         INSERT INTO acolyte_quests (quest_name, mission, recruited, status) VALUES ('broken', 'm', 'not json', 'working');\n\
         DELETE FROM acolyte_quests WHERE quest_id = (SELECT max(quest_id) FROM acolyte_quests WHERE quest_id < {c});\n\
         UPDATE acolyte_quests SET quest_id = 1000000 WHERE quest_id = {a};\n\
         UPDATE OR REPLACE acolyte_quests SET quest_id = {b} WHERE quest_id = 1000000;\n\
         INSERT OR REPLACE INTO acolyte_quests (quest_id, quest_name, mission, recruited, current_agent, status) \
           VALUES ({c}, 'replaced', 'm', '[\"@new\"]', '{agent}', 'completed');\n\
         BEGIN; UPDATE acolyte_quests SET current_agent = '@gone', recruited = '[]'; ROLLBACK;\n\
         UPDATE acolyte_quests SET recruited = '[[\"@a\", \"@b\"], {{\"n\": \"@x\"}}, \"{agent}\"]' \
           WHERE quest_id = (SELECT max(quest_id) FROM acolyte_quests);\n\
         UPDATE acolyte_quests SET rowid = 2000000 WHERE quest_name = 'new';\n\
         UPDATE OR ABORT acolyte_quests SET status = 'waiting' WHERE quest_id = (SELECT min(quest_id) FROM acolyte_quests);\n\
         INSERT OR FAIL INTO acolyte_quests (quest_name, mission, recruited, current_agent, status) \
           VALUES ('twice', 'm', '[\"@new\", \"@new\"]', '@new', 'working');\n\
         INSERT INTO acolyte_quests (quest_id, quest_name, mission, recruited, current_agent, status) \
           VALUES ({c}, 'upsert', 'm', '[\"{agent}\"]', '{agent}', 'working') ON CONFLICT (quest_id) DO UPDATE SET status = 'reviewing';\n\
         BEGIN; UPDATE OR ROLLBACK acolyte_quests SET status = 'working' \
           WHERE quest_id = (SELECT min(quest_id) FROM acolyte_quests); COMMIT;",
        a = ids[0],
        b = ids[1],
        c = ids[2],
    ))
    .await
    .unwrap();
    assert_eq!(members::ensure(db, || true).await.unwrap(), Ensured::Present, "kept, not built again");
    compare("kept", true).await;
    // A trigger gone, then a write it would have seen: the layer is not read, and is built again.
    db.execute_batch(&format!(
        "DROP TRIGGER temp.{}_inserted;\n\
         INSERT INTO acolyte_quests (quest_name, mission, recruited, current_agent, status) \
           VALUES ('unseen', 'm', '[\"{agent}\"]', '{agent}', 'working');",
        members::MEMBERS
    ))
    .await
    .unwrap();
    assert_eq!(built().await, Some(0));
    compare("a trigger gone", false).await;
    assert_eq!(members::ensure(db, || true).await.unwrap(), Ensured::Built, "a trigger gone: built again");
    compare("built again", true).await;
}

/// The agent page's quest layer built in steps of two quests ([`members::Build`]) with writes
/// between every two statements of the build (to quests filled already and quests not yet,
/// a new quest, one gone, ids moved both ways across the build's place, a rolled-back
/// transaction) is not read while under way ([`members::BUILT_SQL`] says no, the page reads
/// by SQL) and, once complete, gives every agent's pages as the page's SQL does.
pub async fn agent_quest_layer_built_in_steps_agrees_with_sql<D: Database>(db: &D) {
    use crate::agents::{agent_quests, layer_agent_quests, scan_agent_quests};
    use crate::quests::members;
    use crate::schema::Generation;
    assert!(members::applies(db).await.unwrap());
    let agent =
        rows(db, "SELECT current_agent FROM acolyte_quests WHERE current_agent IS NOT NULL LIMIT 1").await;
    let agent = agent[0][0].as_str().unwrap().replace('\'', "''");
    let ids = || async {
        rows(db, "SELECT quest_id FROM acolyte_quests ORDER BY quest_id")
            .await
            .iter()
            .filter_map(|r| r[0].as_i64())
            .collect::<Vec<i64>>()
    };
    assert!(ids().await.len() >= 6, "the file has quests to build in steps");
    let writes = |round: usize, filled: Option<i64>| {
        let agent = agent.clone();
        async move {
            let all = ids().await;
            // A quest filled already (at or before `filled`) and one not yet, when there are.
            let done = filled.and_then(|f| all.iter().copied().rfind(|&id| id <= f));
            let ahead = all.iter().copied().rev().find(|&id| filled.is_none_or(|f| id > f));
            let sql = match (round % 6, done, ahead) {
                (0, _, Some(a)) => format!(
                    "UPDATE acolyte_quests SET recruited = '[\"{agent}\", \"@steps\"]', status = 'waiting' WHERE quest_id = {a}"
                ),
                (1, Some(d), _) => format!(
                    "UPDATE acolyte_quests SET current_agent = '@steps', recruited = '[\"@steps\"]', status = 'working' WHERE quest_id = {d}"
                ),
                (2, _, _) => format!(
                    "INSERT INTO acolyte_quests (quest_name, mission, recruited, current_agent, status) \
                       VALUES ('step', 'm', '[\"{agent}\", \"@steps\"]', '{agent}', 'working')"
                ),
                (3, _, Some(a)) => format!("DELETE FROM acolyte_quests WHERE quest_id = {a}"),
                (4, Some(d), _) => format!("UPDATE acolyte_quests SET quest_id = 5000000 + {round} WHERE quest_id = {d}"),
                (5, _, Some(a)) => format!(
                    "UPDATE acolyte_quests SET quest_id = -{round} WHERE quest_id = {a};\n\
                     BEGIN; UPDATE acolyte_quests SET recruited = '[]', current_agent = NULL; ROLLBACK"
                ),
                _ => "UPDATE acolyte_quests SET status = status WHERE 0".to_owned(),
            };
            db.execute_batch(&sql).await.unwrap();
        }
    };
    let mut build = members::Build::begin(db, 2).await.unwrap();
    let (mut round, mut filled) = (0, None);
    loop {
        assert!(!members::built(db).await.unwrap(), "round {round}: a build under way is not read");
        assert_eq!(layer_agent_quests(db, &agent, 0, 10).await.unwrap(), None, "round {round}");
        writes(round, filled).await;
        round += 1;
        let end = build.step_end(db).await.unwrap();
        writes(round, filled).await;
        round += 1;
        if build.fill(db, end).await.unwrap() {
            break;
        }
        filled = end;
    }
    assert!(round > 6, "the build took steps ({round} writes)");
    assert!(members::built(db).await.unwrap(), "complete");
    let mut names: Vec<String> = quests::agents(db).await.unwrap();
    names.extend(["@steps".into(), "@nobody".into()]);
    for name in &names {
        let n = scan_agent_quests(db, Generation::V2, name, 0, usize::MAX).await.unwrap().quests.len();
        for (offset, limit) in [(0, usize::MAX), (n / 2, 4)] {
            let plain = scan_agent_quests(db, Generation::V2, name, offset, limit).await.unwrap();
            let layered = layer_agent_quests(db, name, offset, limit).await.unwrap();
            assert_eq!(layered, Some(plain.clone()), "{name:?} from {offset}, {limit}");
            assert_eq!(agent_quests(db, Generation::V2, name, offset, limit).await.unwrap(), plain);
        }
    }
}

/// The quest list's filter index ([`quests::index`]) answers as plain SQL does: for filters drawn
/// from the file's own statuses and agent names (in other cases, padded, with a space inside,
/// unknown, with words or a comma: those two not answered), its count, status counts and first
/// ids in every list order both ways, under the file's time order and under instants, equal
/// the SQL's; its rows read by id ([`quests::index::rows_sql`]) are the page's cards with their
/// sort keys; its agent suggestions are [`quests::agents_sql`]'s. Then after writes by the
/// tool's status change and raw writes with odd values, the counter has moved, a read again
/// agrees again (a quest at the smallest id included), and so does the first index brought up
/// to date from the log ([`QuestIndex::refresh`], its orders read again; no suggestions then),
/// and again after a multi-row update, a quest moved to another id and an INSERT OR REPLACE;
/// a rolled-back transaction moves nothing and refreshes nothing; a log missing a write's entry
/// and a counter missing a trigger refresh nothing (read again) and a counter missing a trigger
/// reads NULL.
pub async fn quest_index_agrees_with_sql<D: Database>(db: &D) {
    use crate::quests::index::{ids_param, in_order, rows_sql, IndexError, QuestIndex};
    use crate::quests::{keys, TimeOrder};
    assert_eq!(
        QuestIndex::read(db, || false).await.err(),
        Some(IndexError::Moved),
        "not read when told not to"
    );
    let file_order = TimeOrder::read(db).await.unwrap();
    let orders = [file_order, TimeOrder::default()];
    let keyed = keys::applies(db).await.unwrap();
    let with_orders = |mut index: QuestIndex| async move {
        for order in orders {
            for sort in QuestSort::ALL {
                if keyed && keys::derived(sort, order) {
                    keys::ensure(db, sort, order, || true).await.unwrap();
                    index.read_order(db, sort, order, true).await.unwrap();
                } else if !keys::derived(sort, order) {
                    index.read_order(db, sort, order, false).await.unwrap();
                }
            }
        }
        index
    };
    let read = || async { with_orders(QuestIndex::read(db, || true).await.expect("the index reads")).await };
    let filters = async || {
        let mut agents: Vec<String> = quests::agents(db).await.unwrap();
        agents.extend(
            rows(db, "SELECT DISTINCT current_agent FROM acolyte_quests WHERE current_agent IS NOT NULL")
                .await
                .into_iter()
                .filter_map(|r| r[0].as_str().map(str::to_owned)),
        );
        agents.extend(
            rows(db, "SELECT DISTINCT recruited FROM acolyte_quests WHERE NOT json_valid(recruited)")
                .await
                .into_iter()
                .filter_map(|r| r[0].as_str().map(|t| t.split(',').next().unwrap_or("").to_owned())),
        );
        let first = agents.first().cloned().unwrap_or_else(|| "@a".into());
        agents.extend([
            first.to_ascii_uppercase(),
            format!("  {first} "),
            format!("{} {}", &first[..1], &first[1..]),
            "@nobody".into(),
            "@".into(),
        ]);
        let mut statuses: Vec<String> = quests::status_counts(db, &QuestFilter::default())
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.status)
            .collect();
        statuses.extend(["".into(), "gone".into()]);
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut out = vec![QuestFilter::default()];
        for k in 0..28 {
            let mut f = QuestFilter::default();
            if k % 3 != 0 {
                for _ in 0..1 + next(3) {
                    f.toggle_status(&statuses[next(statuses.len())].clone());
                }
            }
            if k % 2 == 0 {
                f.agent = Some(agents[next(agents.len())].clone());
            }
            out.push(f);
        }
        out.push(QuestFilter { agent: Some(format!("{first},{first}")), ..Default::default() });
        out.push(QuestFilter { text: "tests".into(), ..Default::default() });
        out
    };
    let agree = |index: QuestIndex, round: &'static str| async move {
        match index.agents() {
            Some(agents) => {
                assert_eq!(agents, quests::agents(db).await.unwrap(), "{round}: the agent suggestions")
            }
            None => assert!(round.starts_with("refreshed"), "{round}: suggestions held after a read"),
        }
        let mut compared = 0;
        for filter in filters().await {
            let what = format!("{round}: {filter:?}");
            let Some((total, counts)) = index.summary(&filter) else {
                let comma = filter.agent.as_deref().is_some_and(|a| a.contains(','));
                assert!(!filter.text.is_empty() || comma, "{what}: only words and commas go to SQL");
                continue;
            };
            assert_eq!(total, quests::count(db, &filter).await.unwrap(), "{what}: count");
            assert_eq!(counts, quests::status_counts(db, &filter).await.unwrap(), "{what}: status counts");
            for order in orders {
                for sort in QuestSort::ALL {
                    for descending in [false, true] {
                        let q = QuestPageQuery::first(filter.clone(), (sort, descending), 7)
                            .with_time_order(order);
                        let expected = quests::page(db, &q).await.unwrap();
                        let ids: Vec<i64> = expected.iter().map(|c| c.id).collect();
                        let held = index.first_ids(&filter, (sort, descending), order, 7);
                        assert_eq!(
                            held.as_ref(),
                            Some(&ids),
                            "{what} by {sort:?} desc={descending} {order:?}"
                        );
                        compared += 1;
                        if descending && sort == QuestSort::Messages || sort == QuestSort::Created {
                            let rs = db.query(&rows_sql(sort, order), &[ids_param(&ids)]).await.unwrap();
                            let writes = rs.map_first(|r| r.i64("writes")).unwrap();
                            assert_eq!(writes, Some(index.writes()), "{what}: the rows' counter");
                            let cards: Vec<QuestCard> = QuestCard::all(&rs)
                                .unwrap_or_default()
                                .into_iter()
                                .filter(|_| !ids.is_empty())
                                .collect();
                            assert_eq!(
                                in_order(cards, &ids),
                                Some(expected),
                                "{what} by {sort:?}: rows by id"
                            );
                        }
                    }
                }
            }
        }
        assert!(compared > 100, "{round}: {compared} pages compared");
    };
    // The counter past 32 bits: sql.js is handed the refresh's counts as text with a CAST.
    db.execute_batch(crate::quests::index::COUNTER_SQL).await.unwrap();
    db.execute_batch("UPDATE temp.flagdeck_quest_writes SET n = 5000000000").await.unwrap();
    let index = read().await;
    assert_eq!(index.writes(), 5_000_000_000, "the index keeps the counter as it reads");
    assert!(
        index.heap_bytes() > 0
            && index.len() as i64 == count(db, "SELECT count(*) FROM acolyte_quests").await
    );
    let at = index.writes();
    let before = index.clone();
    agree(index, "read").await;
    let counter = || async { count(db, "SELECT n FROM temp.flagdeck_quest_writes").await };
    db.execute_batch("BEGIN; UPDATE acolyte_quests SET status = 'gone'; ROLLBACK;").await.unwrap();
    assert_eq!(counter().await, at, "a rolled-back write moves nothing");
    let mut same = before.clone();
    same.read_order(db, QuestSort::Messages, file_order, false).await.expect("the order by messages is read");
    same.refresh(db).await.expect("nothing to refresh");
    assert!(
        same.agents().is_some() && same.has_order(QuestSort::Messages, file_order),
        "a refresh without writes keeps the orders and the suggestions"
    );
    let open = "SELECT quest_id FROM acolyte_quests WHERE status NOT IN ('completed', 'failed', 'timeout') \
                ORDER BY quest_id LIMIT 2";
    let ids: Vec<i64> = rows(db, open).await.iter().filter_map(|r| r[0].as_i64()).collect();
    assert!(!ids.is_empty(), "the file has open quests");
    quests::change_status(db, ids[0], QuestStatus::Reviewing, Some(1_700_000_000)).await.unwrap();
    db.execute_batch(&format!(
        "UPDATE acolyte_quests SET recruited = 'zed, @a' || char(10) || ' ,@b c', current_agent = '@NEW' WHERE quest_id = {a};\n\
         UPDATE acolyte_quests SET status = '', recruited = '\"@solo\"' WHERE quest_id = {b};\n\
         INSERT INTO acolyte_quests (quest_id, quest_name, mission, recruited, status, broadcast, created_at, updated_at) \
           VALUES (-9223372036854775808, 'new', 'm', '[\"@B\", 7, null, {{\"x\": 1}}, \"  \", \" @Pad\", \"@b c\"]', 'odd', '[]', '1999-01-01 00:00:00', '1700000000');\n\
         DELETE FROM acolyte_quests WHERE quest_id = (SELECT max(quest_id) FROM acolyte_quests);",
        a = ids[0],
        b = ids.get(1).unwrap_or(&ids[0]),
    ))
    .await
    .unwrap();
    assert_ne!(counter().await, at, "the writes moved the counter");
    agree(read().await, "after writes").await;
    let mut refreshed = before.clone();
    refreshed.refresh(db).await.expect("the index refreshes from the log");
    assert_eq!(refreshed.writes(), counter().await, "refreshed up to the counter");
    assert!(refreshed.agents().is_none(), "no suggestions after a refresh that changed quests");
    agree(with_orders(refreshed.clone()).await, "refreshed after writes").await;
    // Then writes of other kinds, brought in by a second refresh of the same index: a
    // multi-row UPDATE, a quest moved to another id, INSERT OR REPLACE on a held id.
    db.execute_batch(&format!(
        "UPDATE acolyte_quests SET current_agent = upper(current_agent), status = 'review' WHERE quest_id % 3 = 0;\n\
         UPDATE acolyte_quests SET quest_id = quest_id + 1000000 WHERE quest_id = {a};\n\
         INSERT OR REPLACE INTO acolyte_quests (quest_id, quest_name, mission, recruited, current_agent, status, broadcast, created_at, updated_at) \
           VALUES ({b}, 'replaced', 'm', '[\"@Replaced\"]', NULL, 'waiting', '[]', '2001-01-01 00:00:00', '2001-01-01 00:00:00');",
        a = ids[0],
        b = ids.get(1).unwrap_or(&ids[0]),
    ))
    .await
    .unwrap();
    refreshed.refresh(db).await.expect("a second refresh");
    assert_eq!(refreshed.writes(), counter().await, "refreshed again up to the counter");
    agree(with_orders(refreshed.clone()).await, "refreshed again").await;
    // A write whose log entry is missing: the log cannot account for the counter.
    db.execute_batch(&format!(
        "UPDATE acolyte_quests SET status = 'planning' WHERE quest_id = {};\n\
         DELETE FROM temp.flagdeck_quest_changed WHERE n = (SELECT n FROM temp.flagdeck_quest_writes);",
        ids[0] + 1_000_000
    ))
    .await
    .unwrap();
    let mut gap = refreshed.clone();
    assert_eq!(
        gap.refresh(db).await.err(),
        Some(IndexError::Moved),
        "a log missing a write refreshes nothing"
    );
    assert_eq!(gap.writes(), refreshed.writes(), "the index is left as it was");
    // Without its triggers (the table dropped, say) the counter reads NULL: no answer holds.
    db.execute_batch("DROP TRIGGER temp.flagdeck_quest_writes_updated;").await.unwrap();
    let rs = db.query(&rows_sql(QuestSort::Id, file_order), &[Value::from("[]")]).await.unwrap();
    assert_eq!(rs.map_first(|r| r.opt_i64("writes")).unwrap(), Some(None), "no counter without its triggers");
    assert_eq!(refreshed.refresh(db).await.err(), Some(IndexError::Moved), "no refresh without its triggers");
    // A write while a trigger is missing is not counted: once a read installs it again, an
    // index read before the gap must still decline (the install counts one write the log does
    // not name), though the counter no longer reads NULL.
    let mut base = read().await;
    db.execute_batch("DROP TRIGGER temp.flagdeck_quest_writes_updated;").await.unwrap();
    let uncounted = counter().await;
    db.execute_batch(&format!("UPDATE acolyte_quests SET status = 'failed' WHERE quest_id = {}", ids[0]))
        .await
        .unwrap();
    assert_eq!(counter().await, uncounted, "a write in the gap is not counted");
    agree(read().await, "read after the gap").await;
    assert_eq!(
        base.refresh(db).await.err(),
        Some(IndexError::Moved),
        "an index from before the gap declines"
    );
    // The TEMP schema lost (an engine that reopened the database): an index current until then
    // declines, and each new counter starts from a random count (not from 0, where an index
    // from before could be met again by as many writes).
    let lose_schema = || async {
        db.execute_batch(
            "DROP TABLE temp.flagdeck_quest_writes; DROP TABLE temp.flagdeck_quest_changed;\n\
             DROP TRIGGER temp.flagdeck_quest_writes_inserted; DROP TRIGGER temp.flagdeck_quest_writes_updated;\n\
             DROP TRIGGER temp.flagdeck_quest_writes_deleted;",
        )
        .await
        .unwrap()
    };
    let mut current = read().await;
    lose_schema().await;
    let fresh = QuestIndex::read(db, || true).await.expect("a read installs the counter again");
    assert_eq!(
        current.refresh(db).await.err(),
        Some(IndexError::Moved),
        "an index from the lost schema declines"
    );
    lose_schema().await;
    let again = QuestIndex::read(db, || true).await.expect("a read installs the counter again");
    assert_ne!(fresh.writes(), again.writes(), "each new counter starts from a random count");
}

/// Every quest's detail: the thread has as many messages as `json_array_length(broadcast)`.
pub async fn quest_details_agree_with_sql<D: Database>(db: &D) {
    let ids =
        rows(db, "SELECT quest_id, json_array_length(broadcast) FROM acolyte_quests ORDER BY quest_id").await;
    for row in ids {
        let id = row[0].as_i64().unwrap();
        let detail = quests::quest_detail(db, id).await.unwrap().expect("the quest exists");
        assert_eq!(Some(detail.thread.messages.len() as i64), row[1].as_i64(), "quest {id}");
        assert_eq!(detail.card.messages, row[1].as_i64(), "quest {id}");
    }
}

/// `quest_status.py`: a status change on an open quest stores `updated_at` with the storage
/// class the script's `strftime('%s','now')` gets in this file (`stored_type`: `text` in v2,
/// `integer` in the hybrid) and the edit's values are what is stored; undo restores the table
/// exactly, redo and a journal replay give the change again.
pub async fn quest_status_change_round_trip<D: Database>(db: &D, stored_type: &str) {
    let table = "SELECT * FROM acolyte_quests ORDER BY quest_id";
    let before = rows(db, table).await;
    let id = count(
        db,
        "SELECT min(quest_id) FROM acolyte_quests WHERE status NOT IN ('completed', 'failed', 'timeout')",
    )
    .await;
    let edit = quests::change_status(db, id, QuestStatus::Failed, None).await.unwrap().expect("a change");
    assert_eq!(edit.table, EditTable::Quests);
    let stored = rows(
        db,
        &format!("SELECT status, updated_at, typeof(updated_at) FROM acolyte_quests WHERE quest_id = {id}"),
    )
    .await;
    assert_eq!(stored[0][0], Value::from("failed"));
    assert_eq!(stored[0][2], Value::from(stored_type), "updated_at stored as the script stores it");
    let after_updated = edit.changes.iter().find(|c| c.column == "updated_at").unwrap().after.clone();
    assert_eq!(stored[0][1], after_updated, "the edit holds what is stored");
    let mut history = History::default();
    history.record(edit);
    history.undo(db).await.unwrap().expect("one step to undo");
    assert_eq!(rows(db, table).await, before, "undo restores every value exactly");
    history.redo(db).await.unwrap().expect("one step to redo");
    assert_eq!(
        rows(db, &format!("SELECT status FROM acolyte_quests WHERE quest_id = {id}")).await[0][0],
        Value::from("failed")
    );
    history.undo(db).await.unwrap();
    assert_eq!(rows(db, table).await, before);
    // The stored history replays onto the original rows (what resuming a working copy does).
    history.redo(db).await.unwrap();
    let redone = rows(db, table).await;
    history.undo(db).await.unwrap();
    let stored: History = serde_json::from_str(&serde_json::to_string(&history).unwrap()).unwrap();
    let wanted = History { done: stored.undone.clone(), undone: Vec::new() };
    let (applied, failure) = crate::journal::replay(db, &wanted).await;
    assert_eq!((applied.done.len(), failure), (1, None));
    assert_eq!(rows(db, table).await, redone);
}

/// `quest_status.py` on a completed quest is refused in the tool's words, and nothing changes.
pub async fn quest_completed_is_refused<D: Database>(db: &D) {
    let table = "SELECT * FROM acolyte_quests ORDER BY quest_id";
    let before = rows(db, table).await;
    let id = count(db, "SELECT min(quest_id) FROM acolyte_quests WHERE status = 'completed'").await;
    for status in QuestStatus::ALL {
        match quests::change_status(db, id, status, None).await {
            Err(EditError::ToolRule(words)) => {
                assert_eq!(words, format!("Quest {id} is completed. No modifications allowed."))
            }
            other => panic!("{status:?} on completed quest {id}: {other:?}"),
        }
    }
    assert!(
        matches!(quests::change_status(db, 0, QuestStatus::Working, None).await, Err(EditError::ToolRule(w)) if w == "Quest 0 not found")
    );
    assert_eq!(rows(db, table).await, before);
}

/// The dashboard's quest KPIs ([`crate::dashboard::quests::quest_kpis`]) on five quests built
/// here in an `acolyte_quests` table (the v2 columns; `created_at` / `updated_at` without a
/// declared type, so text datetimes, epoch text and INTEGER epochs sit side by side), for the
/// week of 2025-01-06 (Monday) to 2025-01-12 23:59, as of its end. Each expected figure is
/// worked out by hand in the comments from the rows below. Covers the JSON (`json_each`,
/// `->>`), the MATERIALIZED CTE and the fast and slow turn paths on each engine.
pub async fn quest_kpis_by_hand<D: Database>(db: &D) {
    use crate::dashboard::quests::quest_kpis;
    use crate::dashboard::stats::parse_day;
    use crate::dashboard::Window;
    db.execute_batch(
        "CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY AUTOINCREMENT, quest_name TEXT NOT NULL, \
           quest_phase TEXT DEFAULT '1/1', mission TEXT NOT NULL, recruited TEXT NOT NULL, current_agent TEXT, \
           status TEXT NOT NULL DEFAULT 'working', broadcast TEXT, context TEXT, result TEXT, created_at, updated_at);
         INSERT INTO acolyte_quests (quest_name, mission, recruited, status, broadcast, created_at, updated_at) VALUES
         -- 1: completed in 1 h; @lead 10:00-10:15 (900 s), @w 10:15-10:45:00.5 (1800.5 s), @lead again
         --    until updated_at 11:00 (899.5 s); 2 hand-offs.
         ('q1', 'm', '[\"@lead\", \"@w\"]', 'completed',
          '[{\"from\": \"@lead\", \"to\": \"@w\", \"message\": \"a\", \"timestamp\": \"2025-01-06T10:15:00\"},
            {\"from\": \"@w\", \"to\": \"@lead\", \"message\": \"b\", \"timestamp\": \"2025-01-06T10:45:00.500000\"}]',
          '2025-01-06 10:00:00', '1736161200'),
         -- 2: failed, INTEGER epochs: Tue 00:00 to 02:00; @lead2 until 01:00 (3600 s), @w after (3600 s).
         ('q2', 'm', '[\"@lead2\", \"@w\"]', 'failed',
          '[{\"from\": \"@lead2\", \"to\": \"@w\", \"message\": \"a\", \"timestamp\": \"2025-01-07T01:00:00\"}]',
          1736208000, 1736215200),
         -- 3: waiting (open): @lead Fri 12:00 to Sat 00:00 (43200 s), then @w until as of
         --    (Sun 23:59:59): 172799 s, stalled after 24 h.
         ('q3', 'm', '[\"@lead\", \"@w\"]', 'waiting',
          '[{\"from\": \"@lead\", \"to\": \"@w\", \"message\": \"a\", \"timestamp\": \"2025-01-11T00:00:00\"}]',
          '2025-01-10 12:00:00', '2025-01-10 12:00:00'),
         -- 4: an unknown open status and a broadcast that is not JSON: counted apart.
         ('q4', 'm', '[\"@x\"]', 'paused', 'not json', '2025-01-08 08:00:00', '2025-01-08 08:00:00'),
         -- 5: completed in 3 h, an odd thread: @lead 09:00-10:00 (3600 s) hands to @w; a message
         --    whose `to` is a number and whose time (09:30) is earlier passes nothing at 10:00;
         --    @w hands back to @lead at an unreadable time (still 10:00); @lead holds until 12:00
         --    (7200 s). 2 hand-offs.
         ('q5', 'm', '[\"@lead\", \"@w\"]', 'completed',
          '[{\"to\": \"@w\", \"timestamp\": \"2025-01-08T10:00:00\"}, {\"to\": 7, \"timestamp\": \"2025-01-08T09:30:00\"},
            {\"to\": \"@lead\", \"timestamp\": \"bad\"}]',
          '2025-01-08 09:00:00', '2025-01-08 12:00:00');",
    )
    .await
    .expect("the quest table");
    let facts = crate::schema::read_facts(db).await.expect("facts");
    let day = |d: &str| parse_day(d).expect("a day");
    let w = Window {
        as_of: "2025-01-12 23:59".into(),
        start: "2025-01-06 00:00".into(),
        end: "2025-01-12 23:59".into(),
        first_day: day("2025-01-06"),
        last_day: day("2025-01-12"),
        ..Window::default()
    };
    let k = quest_kpis(db, &facts, &w, 24.0).await.expect("quest KPIs").expect("quests");
    assert_eq!(k.total, 5);
    let open: Vec<(&str, i64)> = k.open_by_status.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    assert_eq!(open, [("working", 0), ("waiting", 1), ("reviewing", 0), ("paused", 1)]);
    assert_eq!(k.open, 2);
    // Completed: 1 and 5, both in 2025-W01 (the year's first Monday is 01-06).
    assert_eq!(k.completed, 2);
    assert_eq!(k.weekly_completed, [("2025-W01".to_owned(), 2)]);
    // Times to complete 3600 and 10800 s: p50 = rank ⌈1⌉, p90 = rank ⌈1.8⌉.
    let t = &k.time_to_complete;
    assert_eq!(
        (t.count, t.p50, t.p90, t.min, t.max),
        (2, Some(3600.0), Some(10800.0), Some(3600.0), Some(10800.0))
    );
    // Messages 2, 1, 1, 3 (quest 4 apart): mean 1.75, median (1 + 2) / 2.
    assert_eq!((k.with_thread, k.broadcast_not_array, k.messages), (4, 1, 7));
    assert_eq!((k.messages_mean, k.messages_median), (Some(1.75), Some(1.5)));
    // Hand-offs 2 + 1 + 1 + 2 over 4 quests.
    assert_eq!((k.handoffs, k.handoffs_mean), (6, Some(1.5)));
    // Ended: 1, 2 (failed), 5.
    assert_eq!((k.ended, k.failed, k.timeout, k.failed_timeout_share), (3, 1, 0, Some(1.0 / 3.0)));
    // @w: 1800.5 + 3600 + 172799; @lead: 900 + 899.5 + 43200 + 3600 + 7200; @lead2: 3600.
    let held: Vec<(&str, f64)> = k.turn_holding.iter().map(|a| (a.agent.as_str(), a.seconds)).collect();
    assert_eq!(held, [("@w", 178_199.5), ("@lead", 55_799.5), ("@lead2", 3600.0)]);
    assert_eq!(k.agents_holding, 3);
    assert_eq!(k.stalled, 1);
    let s = &k.stalled_longest[0];
    assert_eq!((s.id, s.holder.as_str(), s.held_seconds), (3, "@w", 172_799.0));
    assert_eq!(k.unreadable_times, 0);
    // The temporary tables are gone.
    let left = count(db, "SELECT COUNT(*) FROM sqlite_temp_master WHERE name LIKE 'flagdeck_quest%'").await;
    assert_eq!(left, 0, "temporary tables left behind");
}

/// Integers at the edges of every range an engine might cut them at (32 bits, 2^53, 64 bits).
pub const BIG_INTEGER_EDGES: [i64; 14] = [
    i64::MIN,
    -(1 << 53) - 1,
    -(1 << 53),
    -(1 << 31) - 1,
    -(1 << 31),
    0,
    (1 << 31) - 1,
    1 << 31,
    (1 << 53) - 1,
    1 << 53,
    (1 << 53) + 1,
    (1 << 53) + 3,
    i64::MAX - 1,
    i64::MAX,
];

/// Integers above 2^53 stay exact both ways: bound as parameters (in any position, into INTEGER,
/// untyped and TEXT columns), read back (values, `typeof`, `max`/`min`/`count`), and through the
/// flag code: a flag's detail and chain, keyset pages, and edits land on the row with that very
/// id. Checks compare with SQL that writes the numbers as literals (exact on any engine).
pub async fn big_integers_exact<D: Database>(db: &D) {
    // Parameters and results.
    for v in BIG_INTEGER_EDGES {
        let rs = db
            .query(
                "SELECT ?1 AS v, typeof(?1) AS t, ?1 = CAST(?2 AS INTEGER) AS same, CAST(?1 AS TEXT) AS digits",
                &[Value::Integer(v), Value::Text(v.to_string())],
            )
            .await
            .unwrap();
        assert_eq!(rs.columns, ["v", "t", "same", "digits"]);
        let want = [Value::Integer(v), Value::from("integer"), Value::Integer(1), Value::Text(v.to_string())];
        assert_eq!(rs.rows, [want], "{v} bound and read back");
        let literal = rows(db, &format!("SELECT {v} AS v, typeof({v}) AS t")).await;
        assert_eq!(literal, [[Value::Integer(v), Value::from("integer")]], "{v} written in the SQL");
    }
    db.execute_batch("CREATE TEMP TABLE flagdeck_big (i INTEGER, u, s TEXT)").await.unwrap();
    for v in BIG_INTEGER_EDGES {
        let params = [Value::Integer(v), Value::Integer(v), Value::Integer(v)];
        db.query("INSERT INTO temp.flagdeck_big (i, u, s) VALUES (?, ?, ?)", &params).await.unwrap();
    }
    let stored =
        rows(db, "SELECT i, typeof(i), u, typeof(u), s, typeof(s) FROM temp.flagdeck_big ORDER BY rowid")
            .await;
    let expected: Vec<Vec<Value>> = BIG_INTEGER_EDGES
        .iter()
        .map(|v| {
            let (i, integer) = (Value::Integer(*v), Value::from("integer"));
            vec![i.clone(), integer.clone(), i, integer, Value::Text(v.to_string()), Value::from("text")]
        })
        .collect();
    assert_eq!(stored, expected, "stored with their storage class");
    let aggregates = rows(db, "SELECT max(i), min(i), count(*), max(u) FROM temp.flagdeck_big").await;
    let n = BIG_INTEGER_EDGES.len() as i64;
    assert_eq!(
        aggregates,
        [[Value::Integer(i64::MAX), Value::Integer(i64::MIN), Value::Integer(n), Value::Integer(i64::MAX)]]
    );
    for v in BIG_INTEGER_EDGES {
        let found = db
            .query(
                "SELECT i FROM temp.flagdeck_big WHERE i = ? AND u IN (?1) AND s = ?1",
                &[Value::Integer(v)],
            )
            .await
            .unwrap();
        assert_eq!(found.rows, [[Value::Integer(v)]], "exactly the row of {v}");
    }
    db.execute_batch("DROP TABLE temp.flagdeck_big").await.unwrap();

    // Three flags with ids next to 2^53 (the third a follow-up of the second), copied from
    // pending flags with their ids and chain bound as parameters.
    let (a, b, c) = ((1i64 << 53), (1i64 << 53) + 1, (1i64 << 53) + 3);
    let sources: Vec<i64> =
        rows(db, "SELECT id FROM flags WHERE status = 'pending' AND locked = 0 ORDER BY id LIMIT 3")
            .await
            .iter()
            .filter_map(|r| r[0].as_i64())
            .collect();
    db.execute_batch("CREATE TEMP TABLE flagdeck_copy AS SELECT * FROM flags WHERE 0").await.unwrap();
    for (source, id, origin) in [(sources[0], a, None), (sources[1], b, None), (sources[2], c, Some(b))] {
        db.query(
            "INSERT INTO temp.flagdeck_copy SELECT * FROM flags WHERE id = ?",
            &[Value::Integer(source)],
        )
        .await
        .unwrap();
        let origin = origin.map_or(Value::Null, Value::Integer);
        db.query(
            "UPDATE temp.flagdeck_copy SET id = ?, chain_origin_id = ?, \
             change_description = 'flag ' || ?1 || ': ' || change_description WHERE id = ?",
            &[Value::Integer(id), origin, Value::Integer(source)],
        )
        .await
        .unwrap();
    }
    db.execute_batch("INSERT INTO flags SELECT * FROM temp.flagdeck_copy; DROP TABLE temp.flagdeck_copy")
        .await
        .unwrap();
    let big =
        format!("SELECT id, chain_origin_id, change_description FROM flags WHERE id >= {a} ORDER BY id");
    let copied = rows(db, &big).await;
    assert_eq!(
        copied.iter().map(|r| (r[0].clone(), r[1].clone())).collect::<Vec<_>>(),
        [
            (Value::Integer(a), Value::Null),
            (Value::Integer(b), Value::Null),
            (Value::Integer(c), Value::Integer(b))
        ]
    );
    for (row, id) in copied.iter().zip([a, b, c]) {
        assert!(row[2].as_str().is_some_and(|t| t.starts_with(&format!("flag {id}: "))), "{row:?}");
    }

    // The detail and the chain of each.
    for id in [a, b, c] {
        let detail = crate::flags::flag_detail(db, id).await.unwrap().expect("the flag is found");
        assert_eq!(detail.get("id"), Some(&Value::Integer(id)));
        let own = detail.get("change_description").and_then(Value::as_str).unwrap_or_default();
        assert!(own.starts_with(&format!("flag {id}: ")), "flag {id} shows its own text: {own}");
        let chain: Vec<(i64, bool)> = detail.chain.iter().map(|l| (l.id, l.is_origin)).collect();
        assert_eq!(chain, if id == a { vec![] } else { vec![(b, true), (c, false)] }, "chain of {id}");
    }

    // Keyset pages by id, newest first: the three come first, in order, keyset = offset.
    let query = FlagPageQuery::first(Preset::All.filter(), (SortColumn::Id, true), 2);
    let keyset = walk(db, &query, true).await;
    assert_eq!(keyset[..3], [c, b, a]);
    assert_eq!(keyset, walk(db, &query, false).await);

    // Edits land on their rows: lock b, change a's notes, complete c; then undo all.
    let before = rows(db, "SELECT * FROM flags ORDER BY id").await;
    let mut history = History::default();
    let wanted = [
        (b, "lock", edits::lock_values(true)),
        (a, "notes", vec![("notes", Value::from("noted on the 2^53 flag"))]),
        (c, "complete", edits::complete_values("2025-09-01 10:15", Some("@port"), None)),
    ];
    for (id, label, values) in wanted {
        let edit = edits::plan(db, id, label, &values).await.unwrap().expect("something changes");
        assert_eq!(edit.flag_id, id);
        edits::apply(db, &edit).await.unwrap();
        history.record(edit);
    }
    let state = format!("SELECT id, locked, notes, status FROM flags WHERE id >= {a} ORDER BY id");
    let after = rows(db, &state).await;
    let locked: Vec<i64> = after.iter().map(|r| r[1].as_i64().unwrap_or(-1)).collect();
    assert_eq!(locked, [0, 1, 0], "only {b} is locked");
    assert_eq!(after[0][2], Value::from("noted on the 2^53 flag"));
    let statuses: Vec<Value> = after.iter().map(|r| r[3].clone()).collect();
    assert_eq!(statuses, [Value::from("pending"), Value::from("pending"), Value::from("completed")]);
    assert_eq!(rows(db, "SELECT * FROM flags ORDER BY id").await.len(), before.len());
    while history.undo(db).await.unwrap().is_some() {}
    assert_eq!(rows(db, "SELECT * FROM flags ORDER BY id").await, before, "undo restores every row exactly");
}
