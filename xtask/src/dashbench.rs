//! `cargo xtask dashboard-bench DB --out JSON`: the dashboard's compute time natively (release
//! build, rusqlite), the same SQL statements on their own, and those statements as JSON so the
//! browser benchmark can run exactly them on raw sql.js.

use std::path::Path;
use std::time::Instant;

use flagdeck_core::dashboard::{aggregates, derive, DashboardState, Logs};
use flagdeck_core::native::NativeDb;
use flagdeck_core::port::Recording;
use flagdeck_core::schema::read_facts;
use flagdeck_core::Value;
use serde_json::json;

use crate::dbtools::{db_err, write_file};
use crate::util::Result;

const RUNS: usize = 3;
/// The same "now" the browser run would not use (as of = latest activity is the default).
const NOW: &str = "2026-01-01 00:00";

fn param(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => json!(i),
        Value::Real(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Blob(_) => serde_json::Value::Null,
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

pub fn run(db_path: &Path, out: &Path) -> Result<()> {
    let build = if cfg!(debug_assertions) { "debug build: NOT representative" } else { "release build" };
    let db = NativeDb::open_copy(db_path).map_err(db_err("open"))?;
    let facts = pollster::block_on(read_facts(&db)).map_err(db_err("read schema"))?;
    let state = DashboardState::default();
    let recording = Recording::new(&db);
    let agg = pollster::block_on(aggregates(&recording, &facts, &state, NOW, &|_, _, _| {}, Logs::default()))
        .map_err(db_err("dashboard"))?;
    let statements = recording.statements.into_inner();

    let mut whole = Vec::new();
    let mut sql_only = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let agg = pollster::block_on(aggregates(&db, &facts, &state, NOW, &|_, _, _| {}, Logs::default()))
            .map_err(db_err("dashboard"))?;
        std::hint::black_box(derive(agg, &state));
        whole.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        for (sql, params) in &statements {
            std::hint::black_box(db.query_sync(sql, params).map_err(db_err("statement"))?);
        }
        sql_only.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (whole, sql_only) = (median(whole), median(sql_only));
    // The slowest statements, once more, one by one.
    let mut each: Vec<(f64, &str)> = Vec::new();
    for (sql, params) in &statements {
        let t = Instant::now();
        std::hint::black_box(db.query_sync(sql, params).map_err(db_err("statement"))?);
        each.push((t.elapsed().as_secs_f64() * 1e3, sql));
    }
    each.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!();
    println!("== Dashboard, native ({build}; {}) ==", db_path.display());
    println!(
        "{} statements; whole dashboard (SQL + derive) median {whole:.0} ms, the statements alone {sql_only:.0} ms ({RUNS} runs); {} flags created, {} tool calls",
        statements.len(),
        agg.flags.as_ref().map_or(0, |f| f.created),
        agg.tools.as_ref().map(|t| t.calls).unwrap_or(0)
    );
    if let Some(q) = &agg.quests {
        println!("{} quests ({} messages)", q.total, q.messages);
    }
    for (ms, sql) in each.iter().take(5) {
        println!("  {ms:7.0} ms  {}", sql.chars().take(100).collect::<String>());
    }
    let report = json!({
        "native_dashboard_ms": whole,
        "native_sql_ms": sql_only,
        "statements": statements.iter().map(|(sql, params)| json!({
            "sql": sql,
            "params": params.iter().map(param).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    write_file(out, serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?.as_bytes())
}

/// `cargo xtask snapshot-link FILE`: the snapshot link of FILE's default dashboard, made by the
/// same core as the app's *Snapshot link*, and its length against the goal (≤ 8 KB).
pub fn snapshot_link(path: &Path) -> Result<()> {
    use flagdeck_core::dashboard::share::{encode_snapshot, redact, Snapshot};
    let db = NativeDb::open_copy(path).map_err(db_err("open"))?;
    let facts = pollster::block_on(read_facts(&db)).map_err(db_err("read schema"))?;
    let state = DashboardState::default();
    let aggregates = pollster::block_on(aggregates(&db, &facts, &state, NOW, &|_, _, _| {}, Logs::default()))
        .map_err(db_err("dashboard"))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut snapshot = Snapshot { file: name, made_at: NOW.to_owned(), redacted: false, state, aggregates };
    let plain = encode_snapshot(&snapshot).len();
    redact(&mut snapshot);
    let redacted = encode_snapshot(&snapshot).len();
    println!();
    println!("== Snapshot link ({}) ==", path.display());
    println!(
        "default dashboard: {plain} characters ({:.1} KB), {redacted} with agent names redacted; goal ≤ 8 KB: {}",
        plain as f64 / 1024.0,
        if plain <= 8 * 1024 { "met" } else { "NOT met" }
    );
    Ok(())
}
