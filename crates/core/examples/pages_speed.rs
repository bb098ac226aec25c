//! How fast the raw-page scan reads a table, next to SQLite's plain scan of the same table.
//!
//! `cargo run --release -p flagdeck-core --example pages_speed -- [FILE] [TABLE]`
//! (default `/tmp/speed-200k.db` and `tool_logs`; the file is opened read-only and never
//! changed). Prints the best of 5 runs of each:
//! * `pages (memory)`: [`scan_bytes`] over the file read into memory, reading every column of
//!   every row (text and blob lengths summed, integers and reals summed);
//! * `pages (memory), count + timestamp bytes`: the same scan doing the reference query's work
//!   (count the rows, sum the byte length of `timestamp`, when the table has that column);
//! * `pages (file, N-page chunks)`: the resumable [`TableScan`] fed from the file in chunks of
//!   16 and 256 wanted pages read into one buffer, as the browser feeds it from a `Blob` (the
//!   OS page cache is warm; one seek and read per page);
//! * `sqlite count+sum(length(timestamp))`: `SELECT count(*), sum(length(timestamp)) FROM t`
//!   through rusqlite (the dashboard brief's reference scan);
//! * `sqlite every column`: `SELECT * FROM t` stepped through rusqlite, reading every value.

use std::io::{Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

use flagdeck_core::cell::Cell;
use flagdeck_core::pages::{scan_bytes, Geometry, Row, TableScan};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

#[derive(Default, Debug, Clone, Copy, PartialEq)]
struct Sums {
    rows: u64,
    bytes: u64,
    ints: i64,
    reals: f64,
}

fn touch(s: &mut Sums, row: &Row<'_>) {
    s.rows += 1;
    for i in 0..row.len() {
        match row.get(i) {
            Some(Cell::Text(t)) | Some(Cell::Blob(t)) => s.bytes += t.len() as u64,
            Some(Cell::Int(v)) => s.ints = s.ints.wrapping_add(v),
            Some(Cell::Real(f)) => s.reals += f,
            _ => {}
        }
    }
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/speed-200k.db".into());
    let table = args.next().unwrap_or_else(|| "tool_logs".into());
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("opens");
    let root: u32 = conn
        .query_row("SELECT rootpage FROM sqlite_schema WHERE name = ?1", [&table], |r| r.get(0))
        .expect("the table exists");

    let t = Instant::now();
    let bytes = std::fs::read(&path).expect("readable");
    println!("read {} MB into memory: {:?}", bytes.len() >> 20, t.elapsed());

    let (d, mem) = best(5, || {
        let mut s = Sums::default();
        scan_bytes(&bytes, root, |row| touch(&mut s, row)).expect("scans");
        s
    });
    println!("pages (memory), every column: {d:?}  ({} rows, {} text/blob bytes)", mem.rows, mem.bytes);

    // The reference query's work: count the rows, sum the length of one text column.
    let ts: Option<usize> = conn
        .prepare(&format!("SELECT cid FROM pragma_table_info('{table}') WHERE name = 'timestamp'"))
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .ok();
    if let Some(ts) = ts {
        let (d, (n, len)) = best(5, || {
            let (mut n, mut len) = (0u64, 0u64);
            scan_bytes(&bytes, root, |row| {
                n += 1;
                if let Some(Cell::Text(t)) = row.get(ts) {
                    len += t.len() as u64;
                }
            })
            .expect("scans");
            (n, len)
        });
        println!("pages (memory), count + timestamp bytes: {d:?}  ({n} rows, {len} bytes)");
    }

    let mut file = std::fs::File::open(&path).expect("opens");
    let g = Geometry::read(&bytes[..100]).expect("header").with_file_len(bytes.len() as u64);
    let size = g.page_size as usize;
    for chunk_pages in [16usize, 256] {
        let (d, chunked) = best(5, || {
            let mut s = Sums::default();
            let mut scan = TableScan::new(g, root);
            let mut buf = vec![0u8; chunk_pages * size];
            while !scan.done() {
                for chunk in scan.wanted().chunks(chunk_pages) {
                    for (k, &p) in chunk.iter().enumerate() {
                        let to = &mut buf[k * size..(k + 1) * size];
                        file.seek(SeekFrom::Start((p as u64 - 1) * size as u64)).expect("seek");
                        file.read_exact(to).expect("page read");
                    }
                    for (k, &p) in chunk.iter().enumerate() {
                        let page = &buf[k * size..(k + 1) * size];
                        scan.feed(p, page, &mut |row| touch(&mut s, row)).expect("scans");
                    }
                }
            }
            s
        });
        assert_eq!(chunked, mem, "both feeds read the same");
        println!("pages (file, {chunk_pages}-page chunks), every column: {d:?}");
    }

    let q = format!("SELECT count(*), sum(length(timestamp)) FROM \"{table}\"");
    let (d, (n, len)) = best(5, || {
        conn.query_row(&q, [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))).expect("query")
    });
    println!("sqlite {q}: {d:?}  ({n} rows, {len:?})");

    let q = format!("SELECT * FROM \"{table}\"");
    let (d, all) = best(3, || {
        let mut stmt = conn.prepare(&q).expect("prepares");
        let cols = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        let mut s = Sums::default();
        while let Some(r) = rows.next().expect("step") {
            s.rows += 1;
            for i in 0..cols {
                match r.get_ref(i).expect("value") {
                    ValueRef::Text(t) | ValueRef::Blob(t) => s.bytes += t.len() as u64,
                    ValueRef::Integer(v) => s.ints = s.ints.wrapping_add(v),
                    ValueRef::Real(f) => s.reals += f,
                    ValueRef::Null => {}
                }
            }
        }
        s
    });
    println!("sqlite {q}, every column: {d:?}  ({} rows)", all.rows);
    assert_eq!(all.rows, mem.rows, "the same rows");
    assert_eq!(all.bytes, mem.bytes, "the same text and blob bytes");
}
