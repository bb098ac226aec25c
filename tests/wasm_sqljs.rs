//! The sql.js Web Worker adapter in headless Chromium (wasm-bindgen-test). The test runner
//! serves the repository root, so the worker comes straight from node_modules.
#![cfg(target_arch = "wasm32")]

use flagdeck::web::platform::browser::sleep_ms;
use flagdeck::web::platform::sqljs::{BackgroundJob, SqlJsWorker};
use flagdeck_core::header;
use flagdeck_core::inspect::{self, OpenError};
use flagdeck_core::schema::Generation;
use flagdeck_core::{Database, DbError, Value};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const WORKER: &str = "/node_modules/sql.js/dist/worker.sql-wasm.js";

/// wasm-bindgen-test-runner replaces `Worker` with a wrapper that loads every worker script
/// from a `blob:` URL (to forward its console). sql.js finds its `.wasm` next to its own script
/// URL, which a `blob:` URL does not have, so put the browser's own constructor back: the tests
/// then use workers exactly as the app does.
fn use_native_worker() {
    use wasm_bindgen::JsValue;
    let global = js_sys::global();
    let key = |k: &str| JsValue::from_str(k);
    let patched = js_sys::Reflect::get(&global, &key("Worker")).unwrap();
    let prototype = js_sys::Reflect::get(&patched, &key("prototype")).unwrap();
    let native = js_sys::Reflect::get(&prototype, &key("constructor")).unwrap();
    js_sys::Reflect::set(&global, &key("Worker"), &native).unwrap();
}

async fn open(bytes: Vec<u8>) -> SqlJsWorker {
    use_native_worker();
    SqlJsWorker::open(WORKER, bytes).await.expect("the database opens")
}

async fn empty() -> SqlJsWorker {
    open(Vec::new()).await
}

#[wasm_bindgen_test]
async fn parameters_round_trip_with_their_storage_class() {
    let db = empty().await;
    db.execute_batch("CREATE TABLE t (a, b, c, d, e); ").await.unwrap();
    let params = [
        Value::Text("héllo 'quoted' 🚩".into()),
        Value::Integer(42),
        Value::Real(1234.5),
        Value::Null,
        Value::Blob(vec![0, 1, 2, 255]),
    ];
    db.query("INSERT INTO t VALUES (?, ?, ?, ?, ?)", &params).await.unwrap();
    let rs = db.query("SELECT a, b, c, d, e, typeof(b), typeof(c) FROM t", &[]).await.unwrap();
    assert_eq!(rs.columns, ["a", "b", "c", "d", "e", "typeof(b)", "typeof(c)"]);
    let row = &rs.rows[0];
    assert_eq!(&row[..5], &params[..]);
    assert_eq!(row[5], Value::Text("integer".into()));
    assert_eq!(row[6], Value::Text("real".into()));

    // Integers beyond 32 bits come back exactly (as BigInt from the worker).
    let big = db.query("SELECT 9007199254740993, -5000000000", &[]).await.unwrap();
    assert_eq!(big.rows[0], [Value::Integer(9_007_199_254_740_993), Value::Integer(-5_000_000_000)]);
    // Integers beyond 32 bits are bound exactly too (as text with a CAST, see
    // `flagdeck_core::bind`), with the storage class INTEGER.
    db.execute_batch("CREATE TABLE n (v INTEGER)").await.unwrap();
    db.query("INSERT INTO n VALUES (?)", &[Value::Integer(5_000_000_000)]).await.unwrap();
    let stored =
        db.query("SELECT v, typeof(v) FROM n WHERE v = ?", &[Value::Integer(5_000_000_000)]).await.unwrap();
    assert_eq!(stored.rows, [[Value::Integer(5_000_000_000), Value::Text("integer".into())]]);
}

/// A background job's next request (`BackgroundJob::quiet`) waits for a read someone else has
/// in flight to be answered, while the job's own request in flight holds nothing up; and it
/// waits for an open transaction to end.
#[wasm_bindgen_test]
async fn a_background_job_lets_the_reads_of_others_go_first() {
    use std::cell::RefCell;
    let db = empty().await;
    let job = BackgroundJob(&db);
    // Keeps the engine busy for a while: a count to three million.
    const SLOW: &str =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT count(*) AS c FROM n";
    let order = RefCell::new(Vec::new());
    // Another's read, posted first (join polls in order): the job's next goes after its answer.
    futures::join!(
        async {
            db.query(SLOW, &[]).await.unwrap();
            order.borrow_mut().push("their read");
        },
        async {
            job.quiet().await;
            order.borrow_mut().push("the job's next");
        }
    );
    assert_eq!(order.take(), ["their read", "the job's next"]);
    // The job's own read in flight: its next request may go at once (nobody else asked meanwhile).
    futures::join!(
        async {
            job.query(SLOW, &[]).await.unwrap();
            order.borrow_mut().push("its own read");
        },
        async {
            job.quiet().await;
            order.borrow_mut().push("the job's next");
        }
    );
    assert_eq!(order.take(), ["the job's next", "its own read"]);
    // An edit's transaction open, nothing in flight: the job's next waits for its end, however
    // long the engine has been quiet.
    db.execute_batch("BEGIN").await.unwrap();
    futures::join!(
        async {
            job.quiet().await;
            order.borrow_mut().push("the job's next");
        },
        async {
            // Four times the quiet the job waits for otherwise.
            sleep_ms(200).await;
            order.borrow_mut().push("the commit");
            db.execute_batch("COMMIT").await.unwrap();
        }
    );
    assert_eq!(order.take(), ["the commit", "the job's next"]);
}

#[wasm_bindgen_test]
async fn sqlite_errors_keep_sqlites_own_words() {
    let db = empty().await;
    match db.query("SELEKT 1", &[]).await {
        Err(DbError::Sqlite(m)) => assert!(m.contains("syntax error"), "{m}"),
        other => panic!("expected a SQLite error, got {other:?}"),
    }
    db.execute_batch(
        "CREATE TABLE f (x TEXT NOT NULL);
         CREATE TRIGGER q BEFORE INSERT ON f BEGIN
           SELECT CASE WHEN length(NEW.x) < 3 THEN RAISE(ABORT, 'x must be at least 3 characters') END;
         END;",
    )
    .await
    .unwrap();
    match db.query("INSERT INTO f VALUES (?)", &[Value::from("ab")]).await {
        Err(DbError::Sqlite(m)) => assert_eq!(m, "x must be at least 3 characters"),
        other => panic!("expected the trigger's message, got {other:?}"),
    }
    // The connection is still usable and nothing was inserted.
    let n = db.query("SELECT count(*) FROM f", &[]).await.unwrap();
    assert_eq!(n.scalar(), Some(&Value::Integer(0)));
}

#[wasm_bindgen_test]
async fn a_missing_worker_script_is_an_engine_error() {
    use_native_worker();
    match SqlJsWorker::open("/no/such/worker.js", Vec::new()).await {
        Err(DbError::Engine(m)) => assert!(!m.is_empty()),
        Err(other) => panic!("expected an engine error, got {other:?}"),
        Ok(_) => panic!("a missing worker script must not open"),
    }
}

/// The engine warm-up (`SqlJsWorker::warm_up`) runs on the worker's own empty database, before
/// any file: a file loaded after it holds none of its table, and once a file is loaded the
/// warm-up is refused.
#[wasm_bindgen_test]
async fn the_warm_up_runs_on_the_workers_own_database_never_on_a_file() {
    // A file: a database with a table of its own.
    let source = empty().await;
    source.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept');").await.unwrap();
    let bytes = source.export().await.unwrap();

    let db = SqlJsWorker::start(WORKER).expect("the worker starts");
    assert!(db.warm_up(inspect::ENGINE_WARM_UP), "posted before any file");
    // Requests reach the worker in the order posted: this read runs after the warm-up, on the
    // worker's own database.
    let warm = db.query("SELECT count(*) FROM warm_up", &[]).await.unwrap();
    assert_eq!(warm.scalar(), Some(&Value::Integer(10_000)));
    db.load(Some(js_sys::Uint8Array::from(bytes.as_slice()))).await.unwrap();
    let tables = "SELECT name FROM sqlite_master ORDER BY name";
    assert_eq!(db.query(tables, &[]).await.unwrap().first_column_text(), ["t"]);
    assert!(!db.warm_up(inspect::ENGINE_WARM_UP), "refused once a file is loaded");
    assert_eq!(db.query(tables, &[]).await.unwrap().first_column_text(), ["t"], "the file is as it was");
    let check = db.query("PRAGMA integrity_check", &[]).await.unwrap();
    assert_eq!(check.first_column_text(), ["ok"]);
}

/// `browser::idle_period`: a period of `requestIdleCallback` (at most 50 ms long), and where the
/// browser has none, the period after the next paint (at most 4 ms).
#[wasm_bindgen_test]
async fn an_idle_period_has_a_bounded_time_left_with_or_without_request_idle_callback() {
    use flagdeck::web::platform::browser::idle_period;
    use wasm_bindgen::JsValue;
    let idle = idle_period().await;
    let left = idle.time_remaining();
    assert!((0.0..=50.0).contains(&left), "requestIdleCallback's period: {left} ms left");
    // Without requestIdleCallback (as in Safari).
    let window = js_sys::global();
    let key = JsValue::from_str("requestIdleCallback");
    let own = js_sys::Reflect::get(&window, &key).unwrap();
    assert!(js_sys::Reflect::delete_property(&window, &key).unwrap());
    let has = js_sys::Reflect::has(&window, &key).unwrap();
    let fallback = if has { None } else { Some(idle_period().await.time_remaining()) };
    js_sys::Reflect::set(&window, &key, &own).unwrap();
    let left = fallback.expect("requestIdleCallback could be hidden for the test");
    assert!((0.0..=4.0).contains(&left), "after a paint: {left} ms left");
}

#[wasm_bindgen_test]
async fn export_gives_a_database_that_reopens_with_the_same_rows() {
    let db = empty().await;
    db.execute_batch(
        "PRAGMA user_version = 7;
         CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
         CREATE VIEW tv AS SELECT v FROM t;
         INSERT INTO t (v) VALUES ('one'), ('two'), ('three');",
    )
    .await
    .unwrap();
    let bytes = db.export().await.unwrap();
    let info = header::check(&bytes).expect("the export has a valid header");
    assert_eq!(info.user_version, 7);
    // Still usable after export (sql.js reopens the database internally).
    assert_eq!(db.query("SELECT count(*) FROM t", &[]).await.unwrap().scalar(), Some(&Value::Integer(3)));
    let ts = db.query("PRAGMA trusted_schema", &[]).await.unwrap();
    assert_eq!(ts.scalar(), Some(&Value::Integer(0)), "safety pragmas are restored after export");

    let again = open(bytes).await;
    let rows = again.query("SELECT v FROM t ORDER BY id", &[]).await.unwrap();
    assert_eq!(rows.first_column_text(), ["one", "two", "three"]);
    let through_view = again.query("SELECT count(*) FROM tv", &[]).await.unwrap();
    assert_eq!(through_view.scalar(), Some(&Value::Integer(3)));
    let check = again.query("PRAGMA integrity_check", &[]).await.unwrap();
    assert_eq!(check.first_column_text(), ["ok"]);
}

/// The flag list's change log across an export: whether the engine keeps TEMP objects when it
/// exports (sql.js 1.16 copies the file with SQLite's backup API and keeps the connection) or
/// drops them (older sql.js closed and reopened it), a note made before the export and one made
/// after reach the next take; the file holds none of it.
#[wasm_bindgen_test]
async fn the_change_log_keeps_its_notes_across_an_export() {
    use flagdeck_core::flag_index::FlagIndex;
    let db = empty().await;
    db.execute_batch(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, status TEXT);
         INSERT INTO flags (id, status) VALUES (1, 'pending'), (2, 'pending'), (3, 'pending');",
    )
    .await
    .unwrap();
    db.install_change_log().await.unwrap();
    db.execute_batch("UPDATE flags SET status = 'completed' WHERE id = 2").await.unwrap();
    // Export before any take.
    let bytes = db.export().await.unwrap();
    assert!(db.has_change_log());
    db.execute_batch("DELETE FROM flags WHERE id = 3").await.unwrap();
    let _turn = db.log_turns().take().await;
    let carried = db.take_carried();
    assert!(db.take_carried().is_empty(), "carried ids are taken once");
    let mut changes = FlagIndex::read_ids(&db, &carried).await.unwrap();
    let after = FlagIndex::take_changes(&db).await.unwrap();
    changes.rows.extend(after.rows);
    changes.gone.extend(after.gone);
    assert!(changes.rows.iter().any(|r| r.id == 2 && r.values[0] == Value::from("completed")), "{changes:?}");
    assert!(changes.gone.contains(&3), "the write after the export is noted: {changes:?}");
    let again = open(bytes).await;
    let temp =
        again.query("SELECT count(*) FROM sqlite_master WHERE name LIKE 'flagdeck%'", &[]).await.unwrap();
    assert_eq!(temp.scalar(), Some(&Value::Integer(0)), "nothing of the log in the file");
    // A transaction is seen open until it ends.
    db.execute_batch("BEGIN").await.unwrap();
    assert!(db.in_transaction());
    db.execute_batch("ROLLBACK").await.unwrap();
    assert!(!db.in_transaction());
}

#[wasm_bindgen_test]
async fn a_transaction_stays_open_until_its_commit_succeeds() {
    let db = empty().await;
    db.execute_batch(
        "PRAGMA foreign_keys = ON;
         CREATE TABLE p (id INTEGER PRIMARY KEY);
         CREATE TABLE c (pid INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);",
    )
    .await
    .unwrap();
    db.execute_batch("BEGIN").await.unwrap();
    db.execute_batch("INSERT INTO c (pid) VALUES (5)").await.unwrap();
    assert!(db.in_transaction());
    // The deferred foreign key fails the COMMIT: SQLite keeps the transaction open.
    assert!(db.execute_batch("COMMIT").await.is_err(), "the COMMIT fails");
    let open = db.query("SELECT count(*) FROM c", &[]).await.unwrap();
    assert_eq!(open.scalar(), Some(&Value::Integer(1)), "the row is still there, uncommitted");
    assert!(db.in_transaction(), "a failed COMMIT leaves the transaction open");
    db.execute_batch("ROLLBACK").await.unwrap();
    assert!(!db.in_transaction());
    db.execute_batch("BEGIN").await.unwrap();
    db.execute_batch("INSERT INTO p (id) VALUES (5)").await.unwrap();
    db.execute_batch("COMMIT").await.unwrap();
    assert!(!db.in_transaction(), "a COMMIT that succeeds ends it");
    // A COMMIT posted, then another BEGIN before its answer: the second stays open.
    db.execute_batch("BEGIN").await.unwrap();
    let (committed, begun) = futures::join!(db.execute_batch("COMMIT"), db.execute_batch("BEGIN"));
    committed.unwrap();
    begun.unwrap();
    assert!(db.in_transaction(), "the transaction begun after the COMMIT is open");
    db.execute_batch("ROLLBACK").await.unwrap();
    // A COMMIT whose answer is never awaited (posted, then dropped) counts as done, as before.
    use futures::FutureExt;
    db.execute_batch("BEGIN").await.unwrap();
    assert!(db.execute_batch("COMMIT").now_or_never().is_none(), "posted, not answered yet");
    assert!(!db.in_transaction(), "a dropped COMMIT leaves no flag set for good");
    db.execute_batch("BEGIN; ROLLBACK;").await.expect("the COMMIT ran in the worker");
}

#[wasm_bindgen_test]
async fn the_open_procedure_recognises_a_flag_database_and_rejects_others() {
    // A v0-shaped catalog next to a flags table, built here with plain SQL.
    let db = empty().await;
    db.execute_batch(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, chain_origin_id INTEGER, flag_type TEXT, source_agent TEXT,
            target_agent TEXT, change_description TEXT, action_required TEXT, impact_level TEXT, status TEXT,
            locked INTEGER, created_at TEXT, completed_at TEXT, completed_by TEXT);
         CREATE TABLE agents_catalog (id INTEGER PRIMARY KEY, name TEXT, type TEXT, description TEXT,
            capabilities TEXT, routing_keywords TEXT, status TEXT);
         INSERT INTO flags (status, locked, target_agent) VALUES ('pending', 0, '@a'), ('pending', 1, '@a'),
            ('completed', 1, '@b'), ('pending', 0, NULL);
         INSERT INTO agents_catalog (name) VALUES ('@a'), ('@b');",
    )
    .await
    .unwrap();
    let bytes = db.export().await.unwrap();
    let info = inspect::check_bytes(&bytes).unwrap();
    let reopened = open(header::for_engine(&bytes, &info)).await;
    let (report, _) = inspect::inspect(&reopened, &info).await.expect("a flag database");
    assert_eq!(report.generation, Generation::V0);
    let counts = report.counts;
    let c = counts.flags.expect("flag counts");
    assert_eq!((c.total, c.pending, c.locked, c.workable, counts.agents), (4, 3, 2, 1, 2));
    assert_eq!((counts.tool_logs, counts.agent_health, counts.quests), (None, None, None));

    let other = empty().await;
    other.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT);").await.unwrap();
    let bytes = other.export().await.unwrap();
    let info = inspect::check_bytes(&bytes).unwrap();
    let reopened = open(bytes).await;
    match inspect::inspect(&reopened, &info).await {
        Err(OpenError::UnknownSchema { missing, tables }) => {
            assert_eq!(missing, ["flags or acolyte_quests", "agents_catalog"]);
            assert_eq!(tables, ["photos"]);
        }
        other => panic!("expected UnknownSchema, got {:?}", other.map(|r| r.0)),
    }
}

/// The tests on the v1 and v2 fixtures, compiled in: only when `../shared/fixtures` holds them
/// (`cfg(shared_fixtures)`, set by build.rs).
#[cfg(shared_fixtures)]
mod fixtures {
    use super::*;

    /// The v1 fixture, opened exactly as the app opens a file: the port's test bodies
    /// (`flagdeck_core::testkit`, also run natively by tests/port_suite.rs) run on it.
    async fn v1() -> (SqlJsWorker, flagdeck_core::schema::SchemaFacts) {
        let bytes = include_bytes!("../../shared/fixtures/acolytes-v1-small.db").to_vec();
        let info = inspect::check_bytes(&bytes).unwrap();
        let db = open(header::for_engine(&bytes, &info)).await;
        let (_, facts) = inspect::inspect(&db, &info).await.expect("the v1 fixture is a flag database");
        (db, facts)
    }

    #[wasm_bindgen_test]
    async fn port_suite_paging_keyset_equals_offset() {
        let (db, _) = v1().await;
        flagdeck_core::testkit::paging_keyset_equals_offset(&db).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_mirror_rows_agree_with_sql() {
        let (db, _) = v1().await;
        flagdeck_core::testkit::mirror_rows_agree_with_sql(&db).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_edit_undo_round_trip() {
        let (db, _) = v1().await;
        flagdeck_core::testkit::edit_undo_round_trip(&db).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_create_and_undo() {
        let (db, facts) = v1().await;
        flagdeck_core::testkit::create_and_undo(&db, &facts).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_big_integers_exact() {
        let (db, _) = v1().await;
        flagdeck_core::testkit::big_integers_exact(&db).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_counts_agree() {
        let (db, facts) = v1().await;
        flagdeck_core::testkit::counts_agree(&db, &facts).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_latest_health_of_agrees() {
        let (db, facts) = v1().await;
        flagdeck_core::testkit::latest_health_of_agrees(&db, &facts).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_instants_agree() {
        let (db, facts) = v1().await;
        flagdeck_core::testkit::instants_agree(&db, &facts).await;
    }

    /// The v2 fixture (Acolytes 2.x quests, `updated_at` a TEXT column), opened as the app opens
    /// it: the quest test bodies of `flagdeck_core::testkit` run on it (natively also on the hybrid,
    /// tests/port_suite.rs).
    async fn v2() -> SqlJsWorker {
        let bytes = include_bytes!("../../shared/fixtures/acolytes-v2-small.db").to_vec();
        let info = inspect::check_bytes(&bytes).unwrap();
        open(header::for_engine(&bytes, &info)).await
    }

    #[wasm_bindgen_test]
    async fn port_suite_latest_health_of_agrees_on_v2() {
        let db = v2().await;
        let facts = flagdeck_core::schema::read_facts(&db).await.unwrap();
        flagdeck_core::testkit::latest_health_of_agrees(&db, &facts).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_quest_pages_and_counts() {
        flagdeck_core::testkit::quest_pages_and_counts(&v2().await).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_quest_index_agrees_with_sql() {
        flagdeck_core::testkit::quest_index_agrees_with_sql(&v2().await).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_agent_quest_layer_agrees_with_sql() {
        flagdeck_core::testkit::agent_quest_layer_agrees_with_sql(&v2().await).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_agent_quest_layer_built_in_steps_agrees_with_sql() {
        flagdeck_core::testkit::agent_quest_layer_built_in_steps_agrees_with_sql(&v2().await).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_quest_key_pages_agree_with_sql() {
        flagdeck_core::testkit::quest_key_pages_agree_with_sql(&v2().await).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_quest_details_agree_with_sql() {
        flagdeck_core::testkit::quest_details_agree_with_sql(&v2().await).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_quest_status_change_round_trip() {
        flagdeck_core::testkit::quest_status_change_round_trip(&v2().await, "text").await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_quest_completed_is_refused() {
        flagdeck_core::testkit::quest_completed_is_refused(&v2().await).await;
    }

    #[wasm_bindgen_test]
    async fn port_suite_quest_kpis_by_hand() {
        let (db, _) = v1().await;
        flagdeck_core::testkit::quest_kpis_by_hand(&db).await;
    }
}

/// Thrown values are told apart by their DOMException name, never by their message.
#[wasm_bindgen_test]
fn thrown_values_are_named_and_described() {
    use flagdeck::web::platform::{describe, error_name};
    use wasm_bindgen::JsValue;
    let abort =
        web_sys::DomException::new_with_message_and_name("closed (not allowed)", "AbortError").unwrap();
    assert_eq!(error_name(&abort).as_deref(), Some("AbortError"));
    assert_eq!(describe(&abort), "closed (not allowed)");
    let error = js_sys::TypeError::new("bad type");
    assert_eq!(error_name(&error).as_deref(), Some("TypeError"));
    assert_eq!(describe(&error), "bad type");
    assert_eq!(error_name(&JsValue::from_str("abort")), None);
    assert_eq!(describe(&JsValue::from_str("a thrown string")), "a thrown string");
}

/// Sets `window.showOpenFilePicker` to a function that rejects with a DOMException.
fn picker_rejecting(message: &str, name: &str) {
    let body = format!("throw new DOMException({message:?}, {name:?})");
    let f = js_sys::Function::new_no_args(&format!("return (async () => {{ {body} }})()"));
    js_sys::Reflect::set(&js_sys::global(), &"showOpenFilePicker".into(), &f).unwrap();
}

/// Closing the picker is its own case (decided by the name `AbortError`); a refusal is kept
/// with what the browser threw.
#[wasm_bindgen_test]
async fn picker_outcomes_are_sorted_by_name() {
    use flagdeck::web::platform::file_system::{pick_file, FileSystemError};
    picker_rejecting("The user aborted a request.", "AbortError");
    assert!(matches!(pick_file().await, Err(FileSystemError::PickerCancelled)));
    picker_rejecting("abort: not allowed", "NotAllowedError");
    match pick_file().await {
        Err(e @ FileSystemError::NotAllowed(_)) => assert!(e.to_string().contains("abort: not allowed")),
        other => panic!("expected NotAllowed, got {other:?}"),
    }
    picker_rejecting("disk on fire", "NotReadableError");
    assert!(matches!(pick_file().await, Err(FileSystemError::Failed(_))));
}
