//! `cargo xtask flaglog-bench DB`: the dashboard's flag figures natively (release build,
//! rusqlite): the time to fill the in-memory store (`FlagLog::read` through the port, keyset
//! pages of rowid), its size, and the time of the flag figures from it (flag KPIs, coverage, the
//! flags' activity) next to the SQL statements the SQL path runs for the same figures, for the
//! default state and for the last 7 days. Prints one line per measure.

use std::path::Path;
use std::time::Instant;

use flagdeck_core::cell::Cell;
use flagdeck_core::dashboard::flaglog::{Catalog, FlagLog, FlagLogBuilder};
use flagdeck_core::dashboard::{aggregates, AsOf, DashboardState, Logs, Range};
use flagdeck_core::native::NativeDb;
use flagdeck_core::port::Recording;
use flagdeck_core::schema::read_facts;

use crate::dbtools::db_err;
use crate::util::Result;

const RUNS: usize = 5;
const NOW: &str = "2026-01-01 00:00";

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn ms<T>(f: impl FnMut() -> T, runs: usize) -> (f64, T) {
    let mut f = f;
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median(times), last.expect("one run"))
}

pub fn run(db_path: &Path) -> Result<()> {
    let build = if cfg!(debug_assertions) { "debug build: NOT representative" } else { "release build" };
    let db = NativeDb::open_copy(db_path).map_err(db_err("open"))?;
    let facts = pollster::block_on(read_facts(&db)).map_err(db_err("read schema"))?;
    println!("{} ({build})", db_path.display());
    let (read_ms, log) = ms(|| pollster::block_on(FlagLog::read(&db, &facts)).expect("FlagLog::read"), 3);
    let bytes = log.heap_bytes();
    println!(
        "FlagLog::read: {read_ms:.1} ms for {} flags; {:.1} MB on the heap, {:.0} bytes per flag",
        log.len(),
        bytes as f64 / 1e6,
        bytes as f64 / log.len().max(1) as f64
    );
    // The builder alone, from rows already in memory (what a raw page scan would hand it).
    let info =
        db.query_sync("SELECT name FROM pragma_table_info('flags')", &[]).map_err(db_err("columns"))?;
    let columns: Vec<String> = info.rows.iter().map(|r| r[0].display()).collect();
    let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let all = db
        .query_sync(&format!("SELECT rowid, {} FROM flags ORDER BY rowid", list.join(", ")), &[])
        .map_err(db_err("rows"))?;
    let defaults = vec![None; columns.len()];
    let alias = columns.iter().position(|c| c == "id");
    let (build_ms, built) = ms(
        || {
            let mut b = FlagLogBuilder::new(&columns, &defaults, alias);
            let t = Instant::now();
            for r in &all.rows {
                b.push(r[0].as_i64().unwrap_or(0), |i| r.get(i + 1).map(Cell::of));
            }
            let pushed = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            let log = b.finish();
            println!("  push {pushed:.1} ms, finish {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
            log
        },
        3,
    );
    println!(
        "FlagLogBuilder push + finish alone (rows in memory): {build_ms:.1} ms for {} flags",
        built.len()
    );
    let catalog = pollster::block_on(Catalog::read(&db, &facts)).expect("catalog");
    for (label, state) in [
        ("default", DashboardState::default()),
        (
            "Days(7)",
            DashboardState { range: Range::Days(7), as_of: AsOf::Latest, ..DashboardState::default() },
        ),
    ] {
        // The SQL path's statements over flags, recorded, then each timed on its own.
        let rec = Recording::new(&db);
        let agg = pollster::block_on(aggregates(&rec, &facts, &state, NOW, &|_, _, _| {}, Logs::default()))
            .map_err(db_err("dashboard"))?;
        let statements: Vec<_> = rec
            .statements
            .borrow()
            .iter()
            .filter(|(s, _)| {
                (s.contains("FROM flags") || s.contains("FROM \"flags\"")) && !s.contains("UNION ALL")
            })
            .cloned()
            .collect();
        let activity_sql = "SELECT 0 AS src, substr(m, 1, 10) AS day, COUNT(*) AS n, min(m) AS lo, max(m) AS hi FROM \
             (SELECT created_at AS m FROM flags WHERE created_at IS NOT NULL AND created_at <> '') GROUP BY 2 UNION ALL \
             SELECT 1 AS src, substr(m, 1, 10) AS day, COUNT(*) AS n, min(m) AS lo, max(m) AS hi FROM \
             (SELECT completed_at AS m FROM flags WHERE completed_at IS NOT NULL AND completed_at <> '') GROUP BY 2";
        let (sql_ms, _) = ms(
            || {
                for (s, p) in &statements {
                    db.query_sync(s, p).expect("a recorded statement");
                }
                db.query_sync(activity_sql, &[]).expect("activity");
            },
            3,
        );
        let w = agg.window.clone();
        let (mem_ms, _) = ms(
            || {
                let mut a = flagdeck_core::dashboard::Aggregates { window: w.clone(), ..Default::default() };
                let k = pollster::block_on(log.flag_kpis(&db, &state, &w, &mut a, &catalog));
                let c = log.coverage();
                let d0 = log.activity_days(0, "created_at");
                let d1 = log.activity_days(1, "completed_at");
                (k, c, d0.len() + d1.len())
            },
            RUNS,
        );
        let (kpis_ms, _) = ms(
            || {
                let mut a = flagdeck_core::dashboard::Aggregates { window: w.clone(), ..Default::default() };
                pollster::block_on(log.flag_kpis(&db, &state, &w, &mut a, &catalog))
            },
            RUNS,
        );
        let (cov_ms, _) = ms(|| log.coverage(), RUNS);
        let (act_ms, _) = ms(
            || log.activity_days(0, "created_at").len() + log.activity_days(1, "completed_at").len(),
            RUNS,
        );
        println!("  of which flag KPIs {kpis_ms:.1} ms, coverage {cov_ms:.1} ms, activity {act_ms:.1} ms");
        let mut a = flagdeck_core::dashboard::Aggregates { window: w.clone(), ..Default::default() };
        let same = Some(pollster::block_on(log.flag_kpis(&db, &state, &w, &mut a, &catalog))) == agg.flags;
        println!(
            "{label}: SQL {} statements + activity {sql_ms:.1} ms; FlagLog figures {mem_ms:.1} ms; same flag figures: {same}",
            statements.len()
        );
    }
    Ok(())
}
