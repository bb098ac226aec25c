#![cfg(not(target_arch = "wasm32"))]
//! The v2 and hybrid demo generator: the files carry the markers that tell the generations
//! apart (fixture README, "Telling v1, v2 and the hybrid apart"), their schema matches the
//! fixture files written by the real tool pragma by pragma, the real schema accepts every
//! generated row, and the quests follow the scripts' life cycle ("Quest life cycle, as the
//! scripts implement it", "Timestamp formats in the v2 and hybrid files").

mod common;

use std::collections::{BTreeMap, BTreeSet};

use flagdeck_core::calendar::days_from_civil;
use flagdeck_core::native::NativeDb;
use flagdeck_core::Value;
use flagdeck_demo::{
    demo_script, generation_script, tool_log_count, DemoGeneration, DemoOptions, CODE_CHANGES_SCHEMA,
    HYBRID_QUESTS_SCHEMA, V1_SCHEMA, V2_SCHEMA,
};
use serde_json::Value as Json;

const STATUSES: [&str; 6] = ["working", "waiting", "reviewing", "completed", "failed", "timeout"];

fn build(generation: DemoGeneration, opts: &DemoOptions) -> NativeDb {
    let db = NativeDb::open_bytes(&[]).expect("an empty database opens");
    db.execute_batch_sync(&generation_script(generation, opts)).expect("the generated script runs");
    db
}

fn v2(quests: usize, seed: u64) -> NativeDb {
    build(DemoGeneration::V2 { quests }, &DemoOptions { seed, ..DemoOptions::default() })
}

fn hybrid(quests: usize, seed: u64) -> NativeDb {
    build(DemoGeneration::Hybrid { quests }, &DemoOptions { seed, ..DemoOptions::default() })
}

fn int(db: &NativeDb, sql: &str) -> i64 {
    let rs = db.query_sync(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rs.scalar().and_then(Value::as_i64).unwrap_or_else(|| panic!("{sql}: not an integer"))
}

fn rows(db: &NativeDb, sql: &str, params: &[Value]) -> Vec<Vec<Value>> {
    db.query_sync(sql, params).unwrap_or_else(|e| panic!("{sql}: {e}")).rows
}

fn texts(db: &NativeDb, sql: &str) -> Vec<String> {
    rows(db, sql, &[]).into_iter().map(|r| r[0].display()).collect()
}

fn objects(db: &NativeDb, kind: &str) -> BTreeSet<String> {
    texts(db, &format!("SELECT name FROM sqlite_master WHERE type = '{kind}' ORDER BY name"))
        .into_iter()
        .collect()
}

fn columns(db: &NativeDb, table: &str) -> Vec<(String, String, Option<String>)> {
    rows(db, "SELECT name, type, dflt_value FROM pragma_table_info(?) ORDER BY cid", &[Value::from(table)])
        .into_iter()
        .map(|r| (r[0].display(), r[1].display(), r[2].text_or_null()))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- telling the generations apart

/// The markers of the fixture README: what a v2 file has and lacks.
fn assert_v2_markers(db: &NativeDb) {
    let tables = objects(db, "table");
    for t in ["acolyte_quests", "acolyte_status_changes", "code_changes"] {
        assert!(tables.contains(t), "v2 has {t}: {tables:?}");
    }
    for t in ["flags", "schema_migrations"] {
        assert!(!tables.contains(t), "v2 has no {t}");
    }
    assert!(objects(db, "view").is_empty(), "v2 has no view");
    assert_eq!(
        objects(db, "trigger"),
        set(&[
            "enforce_single_active_job",
            "enforce_single_active_job_update",
            "validate_job_description",
            "validate_job_description_update"
        ])
    );
    assert_eq!(int(db, "PRAGMA user_version"), 1, "v2 keeps user_version 1");
    let session_cols: Vec<String> = columns(db, "sessions").into_iter().map(|c| c.0).collect();
    assert!(
        session_cols.iter().any(|c| c == "primary_request")
            && session_cols.iter().any(|c| c == "technical_concepts")
    );
    let message_cols: Vec<String> = columns(db, "messages").into_iter().map(|c| c.0).collect();
    assert!(message_cols.iter().any(|c| c == "conversation"));
    assert!(!message_cols.iter().any(|c| c == "conversation_flow"));
    let quest_cols = columns(db, "acolyte_quests");
    let created = quest_cols.iter().find(|c| c.0 == "created_at").unwrap();
    assert_eq!((created.1.as_str(), created.2.as_deref()), ("TEXT", Some("datetime('now')")));
}

/// The markers of a 1.x file upgraded to 2.x.
fn assert_hybrid_markers(db: &NativeDb) {
    let tables = objects(db, "table");
    for t in ["flags", "schema_migrations", "acolyte_quests", "code_changes"] {
        assert!(tables.contains(t), "hybrid has {t}: {tables:?}");
    }
    assert!(!tables.contains("acolyte_status_changes"), "only init_db.sql declares it");
    assert_eq!(objects(db, "view"), set(&["latest_session", "pending_flags"]));
    assert_eq!(objects(db, "trigger").len(), 7);
    let session_cols: Vec<String> = columns(db, "sessions").into_iter().map(|c| c.0).collect();
    assert!(!session_cols.iter().any(|c| c == "primary_request"), "the 1.x sessions table stays");
    for col in ["created_at", "updated_at"] {
        let c = columns(db, "acolyte_quests").into_iter().find(|c| c.0 == col).unwrap();
        assert_eq!((c.1.as_str(), c.2.as_deref()), ("INTEGER", Some("strftime('%s', 'now')")), "{col}");
    }
}

#[test]
fn v2_and_hybrid_files_carry_their_generation_markers() {
    assert_v2_markers(&v2(30, 1));
    let hy = hybrid(12, 1);
    assert_hybrid_markers(&hy);
    // Objects the upgrade added to the v1 demo: exactly the README's list.
    let v1 = NativeDb::open_bytes(&[]).unwrap();
    v1.execute_batch_sync(&demo_script(&DemoOptions::default())).unwrap();
    let names = |db: &NativeDb| -> BTreeSet<String> {
        texts(db, "SELECT type || ' ' || name FROM sqlite_master").into_iter().collect()
    };
    let added: Vec<String> = names(&hy).difference(&names(&v1)).cloned().collect();
    assert_eq!(
        added,
        [
            "index idx_created_at",
            "index idx_current_agent",
            "index idx_status",
            "table acolyte_quests",
            "table code_changes"
        ]
    );
    assert_eq!(int(&hy, "SELECT COUNT(*) FROM flags"), 300, "the v1 part is the v1 demo");
}

#[test]
fn the_fixture_files_carry_the_same_markers() {
    // The marker checks above describe the real files, not only ours.
    let Some(dir) = common::fixtures_dir() else { return };
    assert_v2_markers(&NativeDb::open_copy(&dir.join("acolytes-v2-small.db")).unwrap());
    assert_hybrid_markers(&NativeDb::open_copy(&dir.join("acolytes-hybrid-small.db")).unwrap());
}

// ---------------------------------------------------------------- parity with the real tool

fn schema_of(parts: &[&str]) -> NativeDb {
    let db = NativeDb::open_bytes(&[]).unwrap();
    for p in parts {
        db.execute_batch_sync(p).unwrap();
    }
    db
}

/// Compares every table, index, trigger and view of `ours` with `real`, pragma by pragma.
fn assert_same_schema(ours: &NativeDb, real: &NativeDb) {
    let tables = objects(real, "table");
    assert_eq!(objects(ours, "table"), tables);
    assert_eq!(objects(ours, "trigger"), objects(real, "trigger"));
    assert_eq!(objects(ours, "view"), objects(real, "view"));
    assert_eq!(objects(ours, "index"), objects(real, "index"));
    assert_eq!(int(ours, "PRAGMA user_version"), int(real, "PRAGMA user_version"));
    let triggers = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name";
    assert_eq!(rows(ours, triggers, &[]), rows(real, triggers, &[]));
    let compare = |sql: &str, arg: &str| {
        let p = [Value::from(arg)];
        assert_eq!(rows(ours, sql, &p), rows(real, sql, &p), "{sql} for {arg}");
    };
    for table in tables.iter().chain(objects(real, "view").iter()) {
        compare(
            "SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
            table,
        );
        compare("SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", table);
        compare(
            "SELECT seq, name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY seq",
            table,
        );
    }
    for index in objects(real, "index") {
        compare(
            "SELECT seqno, cid, name, \"desc\", coll, key FROM pragma_index_xinfo(?) ORDER BY seqno",
            &index,
        );
    }
    let normalise = |db: &NativeDb| -> Vec<String> {
        texts(db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .into_iter()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ").replace(" (", "("))
            .collect()
    };
    assert_eq!(normalise(ours), normalise(real));
}

#[test]
fn v2_schema_matches_the_real_tool_pragma_by_pragma() {
    let Some(dir) = common::fixtures_dir() else { return };
    let real = NativeDb::open_copy(&dir.join("acolytes-v2-small.db")).unwrap();
    assert_same_schema(&schema_of(&[V2_SCHEMA, CODE_CHANGES_SCHEMA]), &real);
}

#[test]
fn hybrid_schema_matches_the_real_upgrade_pragma_by_pragma() {
    let Some(dir) = common::fixtures_dir() else { return };
    let real = NativeDb::open_copy(&dir.join("acolytes-hybrid-small.db")).unwrap();
    assert_same_schema(&schema_of(&[V1_SCHEMA, HYBRID_QUESTS_SCHEMA, CODE_CHANGES_SCHEMA]), &real);
}

/// Tables of a v2 file, parents first.
const V2_TABLES: &[&str] = &[
    "agents_catalog",
    "agents_memory",
    "jobs",
    "sessions",
    "messages",
    "agent_health",
    "tool_logs",
    "todos",
    "acolyte_quests",
    "acolyte_status_changes",
    "code_changes",
];

#[test]
fn the_real_v2_schema_accepts_every_generated_row() {
    let Some(dir) = common::fixtures_dir() else { return };
    let real = NativeDb::open_copy(&dir.join("acolytes-v2-small.db")).unwrap();
    let generated = v2(120, 5);
    let path = std::env::temp_dir().join(format!("flagdeck-demo-v2-accept-{}.db", std::process::id()));
    std::fs::write(&path, generated.export_sync().unwrap()).unwrap();

    real.execute_batch_sync("PRAGMA foreign_keys = ON;").unwrap();
    let mut wipe = String::from("BEGIN;\n");
    for table in V2_TABLES.iter().rev() {
        wipe.push_str(&format!("DELETE FROM main.{table};\n"));
    }
    wipe.push_str("DELETE FROM main.sqlite_sequence;\nCOMMIT;\n");
    real.execute_batch_sync(&wipe).unwrap();
    let literal = format!("'{}'", path.display().to_string().replace('\'', "''"));
    real.execute_batch_sync(&format!("ATTACH DATABASE {literal} AS gen;")).unwrap();
    for table in V2_TABLES {
        real.execute_batch_sync(&format!("INSERT INTO main.{table} SELECT * FROM gen.{table};"))
            .unwrap_or_else(|e| panic!("the real v2 schema refused a generated {table} row: {e}"));
        assert_eq!(
            int(&real, &format!("SELECT COUNT(*) FROM main.{table}")),
            int(&real, &format!("SELECT COUNT(*) FROM gen.{table}")),
            "{table}"
        );
    }
    assert_eq!(int(&real, "SELECT COUNT(*) FROM main.acolyte_quests"), 120);
    assert!(rows(&real, "PRAGMA main.foreign_key_check", &[]).is_empty());
    // the single-active-job and job description triggers accept the rows on update too
    real.execute_batch_sync("UPDATE main.jobs SET title = title;").unwrap();
    real.execute_batch_sync("DETACH DATABASE gen;").unwrap();
    let _ = std::fs::remove_file(&path);
}

// ---------------------------------------------------------------- the quests

/// `YYYY-MM-DDTHH:MM:SS.ffffff` → (epoch second, microseconds), or None for any other shape.
fn iso_micros(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r.clone())?.iter().all(u8::is_ascii_digit).then(|| s[r].parse().ok())?
    };
    if b.len() != 26
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
    {
        return None;
    }
    let day = days_from_civil(digits(0..4)?, digits(5..7)? as u32, digits(8..10)? as u32);
    let second = day * 86_400 + digits(11..13)? * 3_600 + digits(14..16)? * 60 + digits(17..19)?;
    Some((second, digits(20..26)? as u32))
}

/// `YYYY-MM-DD HH:MM:SS` → epoch second.
fn date_second(s: &str) -> Option<i64> {
    iso_micros(&format!("{}.000000", s.replacen(' ', "T", 1)))
        .filter(|_| s.len() == 19 && s.as_bytes()[10] == b' ')
        .map(|t| t.0)
}

#[derive(Debug)]
struct Quest {
    id: i64,
    name: String,
    phase: String,
    mission: String,
    recruited: Vec<String>,
    current: Option<String>,
    status: String,
    broadcast: Vec<Json>,
    context: Json,
    result: Option<Json>,
    created: i64,
    /// None: never updated (the column still holds its default).
    updated: Option<i64>,
}

/// Reads every quest, checking the stored shapes of the time columns for `clock_v2`.
fn read_quests(db: &NativeDb, clock_v2: bool) -> Vec<Quest> {
    let rs = db
        .query_sync(
            "SELECT quest_id, quest_name, quest_phase, mission, recruited, current_agent, status, broadcast, \
             context, result, created_at, updated_at FROM acolyte_quests ORDER BY quest_id",
            &[],
        )
        .unwrap();
    rs.map_rows(|r| {
        let json = |col: &str| -> Json {
            let raw = r.text(col).unwrap();
            serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{col} does not parse: {e}: {raw}"))
        };
        let (created, updated) = if clock_v2 {
            let created_raw = r.text("created_at")?;
            let created = date_second(&created_raw).unwrap_or_else(|| panic!("created_at {created_raw}"));
            let updated_raw = r.get("updated_at")?.clone();
            let Value::Text(u) = updated_raw else { panic!("v2 updated_at is TEXT: {updated_raw:?}") };
            let updated = if u == created_raw {
                None
            } else {
                assert!(u.bytes().all(|b| b.is_ascii_digit()), "epoch seconds as text: {u}");
                Some(u.parse::<i64>().unwrap())
            };
            (created, updated)
        } else {
            let (Value::Integer(c), Value::Integer(u)) = (r.get("created_at")?, r.get("updated_at")?) else {
                panic!("hybrid time columns are INTEGER");
            };
            (*c, (u != c).then_some(*u))
        };
        let Json::Array(broadcast) = json("broadcast") else { panic!("broadcast is an array") };
        let recruited: Vec<String> =
            serde_json::from_value(json("recruited")).expect("recruited is a string array");
        Ok(Quest {
            id: r.i64("quest_id")?,
            name: r.text("quest_name")?,
            phase: r.text("quest_phase")?,
            mission: r.text("mission")?,
            recruited,
            current: r.opt_text("current_agent")?,
            status: r.text("status")?,
            broadcast,
            context: json("context"),
            result: r.opt_text("result")?.map(|s| serde_json::from_str(&s).expect("result parses")),
            created,
            updated,
        })
    })
    .unwrap()
}

/// Checks one quest against the scripts' rules; returns (is completed without result).
fn check_quest(q: &Quest, catalog: &BTreeMap<String, String>) -> bool {
    let ctx = format!("quest {}", q.id);
    assert!(STATUSES.contains(&q.status.as_str()), "{ctx}: {}", q.status);
    // name from the creation second
    let (y, m, d) = flagdeck_core::calendar::civil_from_days(q.created.div_euclid(86_400));
    let s = q.created.rem_euclid(86_400);
    let name = format!("quest-{y:04}{m:02}{d:02}-{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60);
    assert_eq!(q.name, name, "{ctx}");
    // phase k/n
    let (k, n) = q.phase.split_once('/').expect("phase is k/n");
    let (k, n): (u32, u32) = (k.parse().unwrap(), n.parse().unwrap());
    assert!(1 <= k && k <= n, "{ctx}: {}", q.phase);
    // team: leader first, a module agent; 1–3 workers from the catalog
    let leader = &q.recruited[0];
    assert!((2..=4).contains(&q.recruited.len()), "{ctx}: {:?}", q.recruited);
    assert_eq!(catalog.get(leader).map(String::as_str), Some("acolyte"), "{ctx}: leader {leader}");
    assert!(q.recruited.iter().all(|a| catalog.contains_key(a)), "{ctx}: {:?}", q.recruited);
    assert_eq!(q.recruited.iter().collect::<BTreeSet<_>>().len(), q.recruited.len(), "{ctx}: distinct");
    assert_eq!(
        q.context,
        serde_json::json!({ "mission": q.mission, "leader": leader, "phase": q.phase }),
        "{ctx}: context"
    );
    // the thread: turn-taking, increasing timestamps, files blocks on worker answers
    let mut turn = leader.clone();
    let mut last_time = (q.created, 0u32);
    for (i, msg) in q.broadcast.iter().enumerate() {
        let obj = msg.as_object().expect("a message is an object");
        assert_eq!(
            obj.keys().map(String::as_str).collect::<Vec<_>>(),
            ["from", "message", "timestamp", "to"]
        );
        let (from, to) = (msg["from"].as_str().unwrap(), msg["to"].as_str().unwrap());
        assert_eq!(from, turn, "{ctx} message {i}: only whoever has the turn sends");
        assert_ne!(from, to);
        assert!(from == leader || to == leader, "{ctx} message {i}: workers talk to the leader");
        assert!(q.recruited.iter().any(|a| a == to), "{ctx} message {i}: to a recruit");
        let at = iso_micros(msg["timestamp"].as_str().unwrap()).unwrap_or_else(|| panic!("{ctx}: {msg}"));
        assert!(at > last_time, "{ctx} message {i}: timestamps increase");
        last_time = at;
        turn = to.to_owned();
        let text = msg["message"].as_str().unwrap();
        if let Some((_, files)) = text.split_once("\n\nFiles modified:\n") {
            assert_ne!(from, leader, "{ctx}: only worker answers list files");
            assert!(files.lines().all(|l| l.starts_with("- ") && l.len() > 2), "{ctx}: {files:?}");
        }
    }
    if let Some(updated) = q.updated {
        assert!(updated >= last_time.0 && updated >= q.created, "{ctx}: updated_at is the newest write");
    } else {
        assert_eq!((q.status.as_str(), q.broadcast.len()), ("working", 0), "{ctx}: never updated");
    }
    // whose turn
    match &q.current {
        Some(current) => assert_eq!(current, &turn, "{ctx}: current_agent is the last addressee"),
        None => assert_eq!(q.status, "completed", "{ctx}: only quest_complete.py clears the turn"),
    }
    match q.status.as_str() {
        "waiting" => assert!(!q.broadcast.is_empty(), "{ctx}"),
        "reviewing" => assert_eq!(q.current.as_ref(), Some(leader), "{ctx}: the leader reviews"),
        _ => {}
    }
    // the result of quest_complete.py
    match (&q.result, q.status.as_str()) {
        (Some(result), "completed") => {
            assert!(q.current.is_none(), "{ctx}");
            let keys: BTreeSet<&str> = result.as_object().unwrap().keys().map(String::as_str).collect();
            let mut expected: BTreeSet<&str> =
                ["quest_id", "quest_name", "mission", "phase", "completed_at", "summary", "team"].into();
            if keys.contains("details") {
                expected.insert("details");
            }
            assert_eq!(keys, expected, "{ctx}");
            assert_eq!(result["quest_id"], q.id);
            assert_eq!(result["quest_name"], q.name.as_str());
            assert_eq!(result["mission"], q.mission.as_str());
            assert_eq!(result["phase"], q.phase.as_str());
            assert_eq!(result["team"], serde_json::json!(q.recruited));
            let done = iso_micros(result["completed_at"].as_str().unwrap()).expect("completed_at is ISO");
            assert!(done > last_time, "{ctx}");
            assert_eq!(Some(done.0), q.updated, "{ctx}: completing is the last update");
            false
        }
        (None, "completed") => {
            assert!(q.current.is_some(), "{ctx}: quest_status.py keeps the turn");
            true
        }
        (Some(_), other) => panic!("{ctx}: a {other} quest has a result"),
        (None, _) => false,
    }
}

fn catalog(db: &NativeDb) -> BTreeMap<String, String> {
    rows(db, "SELECT name, type FROM agents_catalog", &[])
        .into_iter()
        .map(|r| (r[0].display(), r[1].display()))
        .collect()
}

fn check_all(db: &NativeDb, clock_v2: bool, n: usize) -> Vec<Quest> {
    let quests = read_quests(db, clock_v2);
    assert_eq!(quests.len(), n);
    let catalog = catalog(db);
    let by_status_completed = quests.iter().filter(|q| check_quest(q, &catalog)).count();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &quests {
        *counts.entry(q.status.as_str()).or_default() += 1;
    }
    assert_eq!(counts.values().sum::<usize>(), n, "counts per status sum to N");
    let completed = counts.get("completed").copied().unwrap_or(0);
    assert!(completed * 10 >= n * 7, "mostly completed: {counts:?}");
    for s in STATUSES {
        assert!(counts.get(s).copied().unwrap_or(0) > 0 || n < 300, "{s} occurs: {counts:?}");
    }
    assert!(
        by_status_completed >= 1 && by_status_completed * 20 <= completed,
        "{by_status_completed} of {completed}"
    );
    // ids follow creation order
    assert!(quests.windows(2).all(|w| w[0].created <= w[1].created));
    quests
}

#[test]
fn v2_quests_follow_the_scripts_life_cycle() {
    let db = v2(600, 3);
    let quests = check_all(&db, true, 600);
    assert!(quests.iter().any(|q| q.updated.is_none()), "some quest was never updated after quest_create.py");
    assert!(quests.iter().any(|q| q.recruited.len() == 4) && quests.iter().any(|q| q.recruited.len() == 2));
    assert!(quests.iter().any(|q| !q.mission.is_ascii()), "missions typed in other languages occur");
    // non-ASCII text is stored with \u escapes in the JSON columns (json.dumps), raw in mission
    let escaped = int(&db, "SELECT COUNT(*) FROM acolyte_quests WHERE context LIKE '%\\u%'");
    assert!(escaped > 0);
    assert_eq!(
        int(&db, "SELECT COUNT(*) FROM acolyte_quests WHERE context GLOB '*[^ -~]*'"),
        0,
        "context is ASCII"
    );
    assert_eq!(int(&db, "SELECT COUNT(*) FROM acolyte_status_changes"), 0);
}

#[test]
fn hybrid_quests_follow_the_scripts_life_cycle_with_integer_epochs() {
    let db = hybrid(400, 4);
    let quests = check_all(&db, false, 400);
    // the quests begin after the last v1 activity (the upgrade), and the v1 rows are untouched
    let last_flag = int(&db, "SELECT MAX(CAST(strftime('%s', created_at) AS INTEGER)) FROM flags");
    assert!(quests[0].created > last_flag);
    let typeofs = texts(&db, "SELECT DISTINCT typeof(created_at) || typeof(updated_at) FROM acolyte_quests");
    assert_eq!(typeofs, ["integerinteger"]);
}

#[test]
fn same_seed_same_file_other_seed_other_quests() {
    let opts = DemoOptions::default();
    let a = generation_script(DemoGeneration::V2 { quests: 50 }, &opts);
    assert_eq!(a, generation_script(DemoGeneration::V2 { quests: 50 }, &opts));
    let other = DemoOptions { seed: opts.seed ^ 1, ..opts.clone() };
    assert_ne!(a, generation_script(DemoGeneration::V2 { quests: 50 }, &other));
    let h = generation_script(DemoGeneration::Hybrid { quests: 20 }, &opts);
    assert_eq!(h, generation_script(DemoGeneration::Hybrid { quests: 20 }, &opts));
    // the hybrid is the v1 demo plus the upgrade, byte for byte
    let v1 = demo_script(&opts);
    assert!(h.starts_with(v1.trim_end_matches("COMMIT;\n")));
}

// ---------------------------------------------------------------- the other tables

/// The "hook rows where" table of the fixture README: what the 2.x hooks never write.
fn assert_hook_shape(db: &NativeDb, rows_where: &str) {
    for (condition, expected) in [
        ("success = 0", 0),
        ("blocked_by_hook = 1", 0),
        ("hook_message IS NOT NULL", 0),
        ("error_message IS NOT NULL", 0),
        ("result_summary IS NOT NULL", 0),
        ("lines_changed IS NOT NULL", 0),
        ("bytes_processed IS NOT NULL", 0),
        ("duration_ms IS NOT NULL", 0),
        ("agent_name IS NOT NULL", 0),
        ("session_id IS NULL", 0),
    ] {
        assert_eq!(
            int(db, &format!("SELECT COUNT(*) FROM tool_logs WHERE {rows_where} AND {condition}")),
            expected,
            "{condition}"
        );
    }
    assert!(
        int(db, &format!("SELECT COUNT(*) FROM tool_logs WHERE {rows_where} AND file_affected IS NOT NULL"))
            > 0
    );
    let categories: BTreeSet<String> =
        texts(db, &format!("SELECT DISTINCT tool_category FROM tool_logs WHERE {rows_where}"))
            .into_iter()
            .collect();
    assert!(
        categories.is_subset(&set(&["file", "execution", "search", "ai", "mcp", "unknown"])),
        "{categories:?}"
    );
    assert_eq!(
        int(db, &format!("SELECT COUNT(*) FROM tool_logs WHERE {rows_where} AND timestamp NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'")),
        0
    );
    // every parameters value is JSON, and the quest scripts run through Bash
    assert_eq!(
        int(db, &format!("SELECT COUNT(*) FROM tool_logs WHERE {rows_where} AND json_valid(parameters) = 0")),
        0
    );
    assert!(int(db, &format!("SELECT COUNT(*) FROM tool_logs WHERE {rows_where} AND tool_name = 'Bash' AND parameters LIKE '%acolytes_quest/quest_%'")) > 0);
    // code_changes: one per successful edit, at most
    assert!(
        int(db, "SELECT COUNT(*) FROM code_changes")
            <= int(db, &format!("SELECT COUNT(*) FROM tool_logs WHERE {rows_where} AND tool_name IN ('Edit', 'Write', 'MultiEdit')"))
    );
    assert_eq!(
        int(db, "SELECT COUNT(*) FROM code_changes WHERE change_type != CASE tool WHEN 'Edit' THEN 'edit' WHEN 'MultiEdit' THEN 'multi_edit' WHEN 'Write' THEN 'write' END"),
        0
    );
    assert_eq!(int(db, "SELECT COUNT(*) FROM code_changes WHERE substr(timestamp, 1, 19) != replace(created_at, ' ', 'T')"), 0);
}

#[test]
fn v2_hooks_sessions_and_messages_have_the_2x_shapes() {
    let db = v2(200, 6);
    assert_hook_shape(&db, "1");
    assert!(int(&db, "SELECT COUNT(*) FROM code_changes") > 0);
    // sessions: one open, every row on the first job, no Claude session id
    assert_eq!(int(&db, "SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL"), 1);
    assert_eq!(int(&db, "SELECT COUNT(DISTINCT job_id) FROM sessions"), 1);
    assert_eq!(int(&db, "SELECT COUNT(*) FROM sessions WHERE claude_session_id IS NOT NULL"), 0);
    // messages: one per saved session, metrics agree with the stored chat
    assert_eq!(
        int(&db, "SELECT COUNT(*) FROM messages"),
        int(&db, "SELECT COUNT(*) FROM sessions WHERE ended_at IS NOT NULL")
    );
    for r in
        rows(&db, "SELECT total_messages, first_timestamp, last_timestamp, conversation FROM messages", &[])
    {
        let chat: Vec<Json> = serde_json::from_str(&r[3].display()).expect("conversation is a JSON array");
        assert_eq!(r[0].as_i64(), Some(chat.len() as i64));
        assert_eq!(chat[0]["timestamp"], r[1].display().as_str());
        assert_eq!(chat[chat.len() - 1]["timestamp"], r[2].display().as_str());
        assert!(chat
            .iter()
            .all(|e| ["user", "assistant", "code_change"].contains(&e["type"].as_str().unwrap())));
    }
    // todos: the last TodoWrite list, ISO micro timestamps
    let todos = texts(&db, "SELECT created_at FROM todos");
    assert!(!todos.is_empty() && todos.iter().all(|t| iso_micros(t).is_some()), "{todos:?}");
}

#[test]
fn hybrid_hook_rows_point_at_the_last_v1_session() {
    let db = hybrid(60, 7);
    // the v1 demo's calls come first, then the 2.x hooks' rows
    let hook_rows = format!("id > {}", tool_log_count(DemoOptions::default().flags));
    assert!(int(&db, &format!("SELECT COUNT(*) FROM tool_logs WHERE {hook_rows}")) > 0);
    assert_hook_shape(&db, &hook_rows);
    assert_eq!(
        texts(&db, &format!("SELECT DISTINCT session_id FROM tool_logs WHERE {hook_rows}")),
        texts(&db, "SELECT id FROM sessions WHERE ended_at IS NULL")
    );
}

#[test]
fn twenty_thousand_quests_are_generated() {
    // A big file builds and its counts add up (the 100k benchmark file is timed by
    // `cargo xtask bench` in a release build; this debug build would take half a minute).
    let n = 20_000;
    let db = build(
        DemoGeneration::V2 { quests: n },
        &DemoOptions { tool_logs: Some(1_000), ..DemoOptions::default() },
    );
    assert_eq!(int(&db, "SELECT COUNT(*) FROM acolyte_quests"), n as i64);
    let by_status: i64 = rows(&db, "SELECT status, COUNT(*) FROM acolyte_quests GROUP BY status", &[])
        .iter()
        .map(|r| r[1].as_i64().unwrap())
        .sum();
    assert_eq!(by_status, n as i64);
    assert_eq!(int(&db, "SELECT COUNT(*) FROM acolyte_quests WHERE json_valid(broadcast) = 0 OR json_type(broadcast) != 'array'"), 0);
}

// ---------------------------------------------------------------- read by the app's core

#[test]
fn generated_files_open_as_their_generation_and_every_quest_reads_without_warnings() {
    use flagdeck_core::header::{restore_journal_mode, JournalMode};
    use flagdeck_core::quests::quest_detail;
    use flagdeck_core::schema::Generation;

    for (generation, want, n) in [
        (DemoGeneration::V2 { quests: 150 }, Generation::V2, 150),
        (DemoGeneration::Hybrid { quests: 90 }, Generation::Hybrid, 90),
    ] {
        let bytes = build(generation, &DemoOptions::default()).export_sync().unwrap();
        // with the WAL header `cargo xtask gen-demo` gives it, through the browser's open steps
        let bytes = restore_journal_mode(bytes, JournalMode::Wal);
        let (db, report, _) = common::open_and_inspect(&bytes).expect("the generated file opens");
        assert_eq!(report.generation, want);
        assert!(report.wal);
        assert_eq!(report.counts.quests, Some(n as i64));
        assert_eq!(report.counts.flag_total(), (want == Generation::Hybrid).then_some(300));
        for id in 1..=n as i64 {
            let detail = pollster::block_on(quest_detail(&db, id)).unwrap().expect("the quest exists");
            let ctx = format!("{generation:?} quest {id}");
            assert!(detail.card.warnings.is_empty(), "{ctx}: {:?}", detail.card.warnings);
            assert_eq!(detail.context.warning("context"), None, "{ctx}");
            assert_eq!(detail.result.warning("result"), None, "{ctx}");
            assert!(detail.card.created.1.is_some() && detail.card.updated.1.is_some(), "{ctx}: times read");
            assert_eq!(detail.card.messages, Some(detail.thread.messages.len() as i64), "{ctx}");
            for m in &detail.thread.messages {
                assert!(m.warnings.is_empty() && m.at.is_some(), "{ctx}: {m:?}");
                assert!(!m.text.contains("Files modified:"), "{ctx}: the block is split off");
            }
        }
    }
}

/// The agent page's quest layer on a generated file of 2000 quests, before and after edits.
#[test]
fn the_agent_quest_layer_agrees_with_sql_on_a_generated_file() {
    pollster::block_on(flagdeck_core::testkit::agent_quest_layer_agrees_with_sql(&v2(2000, 11)));
}

#[test]
fn the_agent_quest_layer_built_in_steps_agrees_with_sql_on_a_generated_file() {
    pollster::block_on(flagdeck_core::testkit::agent_quest_layer_built_in_steps_agrees_with_sql(&v2(
        200, 11,
    )));
}

/// The quest list's filter index on a generated file of 2000 quests (their statuses, teams and
/// turn holders as the scripts write them), before and after edits.
#[test]
fn the_quest_filter_index_agrees_with_sql_on_a_generated_file() {
    pollster::block_on(flagdeck_core::testkit::quest_index_agrees_with_sql(&v2(2000, 11)));
}
