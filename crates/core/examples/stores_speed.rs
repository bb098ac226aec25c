//! How long the dashboard's stores take to read from a file's pages, and what they cost after:
//! `cargo run --release -p flagdeck-core --example stores_speed -- [FILE]` (default
//! `/tmp/speed-200k.db`, opened read-only). Prints, best of 3: the page scan alone, the scan
//! with each store and both built ([`scan_image`]; the tool store also split into scan + push
//! and its indexing), and the dashboard's aggregates from the stores (the default state and the
//! last 7 days) with the SQL statements they still run, and the stores' wire format (size,
//! encode and decode times). `cargo xtask bench` runs it on its
//! generated 200k-flag, 1M-call file.

use std::time::Instant;

use flagdeck_core::dashboard::imagescan::scan_image;
use flagdeck_core::dashboard::{aggregates, DashboardState, Logs, Range};
use flagdeck_core::native::NativeDb;
use flagdeck_core::pages::scan_bytes;
use flagdeck_core::schema::read_facts;
use flagdeck_core::table_info::table_info;
use pollster::block_on;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        out = Some(v);
    }
    (best, out.expect("runs > 0"))
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "/tmp/speed-200k.db".into());
    let bytes = std::fs::read(&path).expect("the file is readable");
    let db = NativeDb::open_bytes(&bytes).expect("the file opens");
    let facts = block_on(read_facts(&db)).unwrap();
    let tools = block_on(table_info(&db, "tool_logs")).unwrap();
    let flags = block_on(table_info(&db, "flags")).unwrap();
    let root = |t: &str| {
        let rs = db.query_sync("SELECT rootpage FROM sqlite_schema WHERE name = ?1", &[t.into()]).unwrap();
        rs.rows.first().and_then(|r| r[0].as_i64()).unwrap_or(0) as u32
    };
    let (scan_ms, rows) = best(3, || {
        let mut n = 0u64;
        for t in ["tool_logs", "flags"] {
            if root(t) > 0 {
                scan_bytes(&bytes, root(t), |_| n += 1).unwrap();
            }
        }
        n
    });
    println!("page scan of tool_logs + flags: {scan_ms:.0} ms ({rows} rows)");
    if let Some(t) = &tools {
        let (push_ms, b) = best(1, || {
            let mut b = flagdeck_core::dashboard::toollog::ToolLogBuilder::new(
                &t.columns,
                &t.defaults,
                t.rowid_alias,
            )
            .types(&t.types);
            scan_bytes(&bytes, root("tool_logs"), |r| b.push(r.rowid, |i| r.get(i))).unwrap();
            b
        });
        let t0 = Instant::now();
        let log = b.finish();
        println!(
            "tool store: scan + push {push_ms:.0} ms, finish {:.0} ms ({} rows)",
            t0.elapsed().as_secs_f64() * 1e3,
            log.len()
        );
    }
    let (ms, _) = best(3, || scan_image(&bytes, tools.as_ref(), None).unwrap());
    println!("page scan + tool store built: {ms:.0} ms");
    let (ms, _) = best(3, || scan_image(&bytes, None, flags.as_ref()).unwrap());
    println!("page scan + flag store built: {ms:.0} ms");
    let (build_ms, stores) = best(3, || scan_image(&bytes, tools.as_ref(), flags.as_ref()).unwrap());
    println!("page scan + both stores built (one pass): {build_ms:.0} ms");
    let heap = |b: usize| b as f64 / 1e6;
    println!(
        "stores held: tool store {:.1} MB, flag store {:.1} MB",
        heap(stores.tools.as_ref().map_or(0, |t| t.heap_bytes())),
        heap(stores.flags.as_ref().map_or(0, |f| f.heap_bytes()))
    );
    let (enc_ms, bytes) = best(3, || flagdeck_core::wire::encode(&stores));
    let (dec_ms, _) = best(3, || flagdeck_core::wire::decode(&bytes).unwrap());
    println!(
        "stores over the wire: {:.1} MB, encoded in {enc_ms:.0} ms, decoded in {dec_ms:.0} ms",
        bytes.len() as f64 / 1e6
    );
    let catalog = block_on(flagdeck_core::dashboard::flaglog::Catalog::read(&db, &facts)).unwrap();
    let sessions = block_on(flagdeck_core::dashboard::toollog::read_sessions(&db, &facts)).unwrap();
    let logs = Logs {
        tools: stores.tools.as_ref(),
        flags: stores.flags.as_ref(),
        catalog: Some(&catalog),
        sessions: Some(&sessions),
    };
    for (name, state) in [
        ("default", DashboardState::default()),
        ("last 7 days", DashboardState { range: Range::Days(7), ..DashboardState::default() }),
    ] {
        let (ms, _) = best(3, || {
            block_on(aggregates(&db, &facts, &state, "2026-11-30 12:00", &|_, _, _| {}, logs)).unwrap()
        });
        println!("aggregates from the stores, {name}: {ms:.0} ms");
        let rec = flagdeck_core::port::Recording::new(&db);
        block_on(aggregates(&rec, &facts, &state, "2026-11-30 12:00", &|_, _, _| {}, logs)).unwrap();
        let statements = rec.statements.borrow();
        println!("  with the stores, {} statements still run (small tables):", statements.len());
        for (sql, _) in statements.iter() {
            println!("    {}", &sql[..sql.len().min(110)]);
        }
    }
}
