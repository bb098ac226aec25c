//! The raw-page table scan (`flagdeck_core::pages`) against SQLite itself: every row of every
//! table of every fixture, of generated demo files and of hand-made files (overflow chains, page
//! sizes 512 and 65536, reserved bytes, ALTER TABLE ADD COLUMN, every integer width, a 3-level
//! b-tree) equals `SELECT rowid, * FROM t` through rusqlite. Plus damage: refused with a
//! sentence, never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flagdeck_core::native::from_sql;
use flagdeck_core::pages::{as_real, real_affinity, scan_bytes, Geometry, Row, ScanError, TableScan};
use flagdeck_core::Value;
use flagdeck_demo::{generation_script, DemoGeneration, DemoOptions};
use rusqlite::Connection;

/// A fresh folder in the temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("flagdeck-pages-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What SQLite says a table holds: its columns' defaults (what a record written before an ADD
/// COLUMN reads as), the index of the rowid alias column, and every row by rowid.
struct Oracle {
    defaults: Vec<Value>,
    /// Columns of REAL affinity (their integral reals may be stored as integers).
    real: Vec<bool>,
    alias: Option<usize>,
    rows: BTreeMap<i64, Vec<Value>>,
}

fn oracle(conn: &Connection, table: &str) -> Oracle {
    let mut info = conn.prepare(&format!("PRAGMA table_info({})", quote(table))).unwrap();
    let cols: Vec<(String, Option<String>, i64)> = info
        .query_map([], |r| Ok((r.get::<_, String>(2)?, r.get::<_, Option<String>>(4)?, r.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let pks: Vec<usize> = (0..cols.len()).filter(|&i| cols[i].2 > 0).collect();
    let alias = match pks[..] {
        [i] if cols[i].0.eq_ignore_ascii_case("INTEGER") => Some(i),
        _ => None,
    };
    let defaults = cols
        .iter()
        .map(|(_, d, _)| match d {
            None => Value::Null,
            Some(expr) => {
                conn.query_row(&format!("SELECT {expr}"), [], |r| Ok(from_sql(r.get_ref(0)?))).unwrap()
            }
        })
        .collect();
    let mut stmt = conn.prepare(&format!("SELECT rowid, * FROM {}", quote(table))).unwrap();
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, (1..n).map(|i| from_sql(r.get_ref(i).unwrap())).collect()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let real = cols.iter().map(|(t, _, _)| real_affinity(t)).collect();
    Oracle { defaults, real, alias, rows }
}

/// One scanned row as the oracle reads it: defaults for absent columns, rowid for the alias.
fn complete(row: &Row<'_>, o: &Oracle) -> Vec<Value> {
    (0..o.defaults.len())
        .map(|i| match row.get(i) {
            _ if Some(i) == o.alias => {
                assert_eq!(
                    row.get(i).map(|c| c.to_value()),
                    Some(Value::Null),
                    "the alias is stored as NULL"
                );
                Value::Integer(row.rowid)
            }
            Some(c) if o.real[i] => as_real(c).to_value(),
            Some(c) => c.to_value(),
            None => o.defaults[i].clone(),
        })
        .collect()
}

fn collect(bytes: &[u8], root: u32, o: &Oracle) -> Result<BTreeMap<i64, Vec<Value>>, ScanError> {
    let mut got = BTreeMap::new();
    let mut twice = None;
    scan_bytes(bytes, root, |row| {
        assert!(row.len() <= o.defaults.len(), "row {} has more columns than the table", row.rowid);
        if got.insert(row.rowid, complete(row, o)).is_some() {
            twice = Some(row.rowid);
        }
    })?;
    assert_eq!(twice, None, "a row was yielded twice");
    Ok(got)
}

/// Checkpoints the file at `path` (so that its bytes hold every committed row) and returns its
/// rowid tables with their root pages (the schema table itself as root 1).
fn settle(path: &Path) -> Vec<(String, u32)> {
    let conn = Connection::open(path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT name, rootpage FROM sqlite_schema WHERE type = 'table' AND rootpage > 0 \
             AND sql NOT LIKE '%WITHOUT ROWID%' ORDER BY name",
        )
        .unwrap();
    let mut tables: Vec<(String, u32)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    tables.push(("sqlite_schema".into(), 1));
    tables
}

/// Every rowid table of the file at `path` scans exactly as SQLite reads it. Returns the rows
/// compared.
fn check_file(path: &Path) -> usize {
    let tables = settle(path);
    let bytes = std::fs::read(path).unwrap();
    let conn = Connection::open(path).unwrap();
    let mut total = 0;
    for (name, root) in tables {
        let o = oracle(&conn, &name);
        let got = collect(&bytes, root, &o).unwrap_or_else(|e| panic!("{}: {name}: {e}", path.display()));
        assert_eq!(got.len(), o.rows.len(), "{}: {name}: row count", path.display());
        for (rowid, want) in &o.rows {
            assert_eq!(got.get(rowid), Some(want), "{}: {name}: row {rowid}", path.display());
        }
        total += got.len();
    }
    total
}

#[test]
fn every_table_of_every_fixture_scans_as_sqlite_reads_it() {
    let Some(dir) = common::fixtures_dir() else { return };
    let tmp = TempDir::new("fixtures");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("db") {
            continue;
        }
        let copy = tmp.file(path.file_name().unwrap().to_str().unwrap());
        std::fs::copy(&path, &copy).unwrap();
        for side in ["-wal", "-shm"] {
            let mut beside = path.clone().into_os_string();
            beside.push(side);
            let mut to = copy.clone().into_os_string();
            to.push(side);
            if Path::new(&beside).exists() {
                std::fs::copy(&beside, &to).unwrap();
            }
        }
        let rows = check_file(&copy);
        assert!(rows > 1000, "{}: only {rows} rows compared", path.display());
        files += 1;
    }
    assert!(files >= 4, "fixtures found: {files}");
}

#[test]
fn generated_files_scan_as_sqlite_reads_them() {
    let tmp = TempDir::new("generated");
    for (tag, generation) in [("v1", DemoGeneration::V1), ("hybrid", DemoGeneration::Hybrid { quests: 40 })] {
        let path = tmp.file(&format!("{tag}.db"));
        let opts = DemoOptions { flags: 300, tool_logs: Some(20_000), ..DemoOptions::default() };
        Connection::open(&path).unwrap().execute_batch(&generation_script(generation, &opts)).unwrap();
        assert!(check_file(&path) > 20_000);
    }
}

/// A file built by `setup` on a connection whose page size (and optionally reserved bytes) are
/// set before anything is written.
fn hand_made(tmp: &TempDir, name: &str, page_size: u32, reserved: Option<i32>, setup: &str) -> PathBuf {
    let path = tmp.file(name);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA page_size = {page_size}; CREATE TABLE _x(a); DROP TABLE _x;"))
        .unwrap();
    if let Some(mut n) = reserved {
        // PRAGMA cannot set the reserved bytes; the file control can, and VACUUM applies it.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                rusqlite::ffi::SQLITE_FCNTL_RESERVE_BYTES,
                (&mut n as *mut i32).cast(),
            )
        };
        assert_eq!(rc, rusqlite::ffi::SQLITE_OK);
        conn.execute_batch("VACUUM").unwrap();
    }
    conn.execute_batch(&series(setup)).unwrap();
    drop(conn);
    path
}

/// `series(a, b)` in `sql` (this SQLite has no generate_series) as a recursive CTE of `value`s.
fn series(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(at) = rest.find("series(") {
        out.push_str(&rest[..at]);
        let close = at + rest[at..].find(')').unwrap();
        let (a, b) = rest[at + 7..close].split_once(',').unwrap();
        out.push_str(&format!(
            "(WITH RECURSIVE s(value) AS (SELECT {a} UNION ALL SELECT value + 1 FROM s WHERE value < {b}) \
             SELECT value FROM s)"
        ));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

const KINDS: &str = "
    CREATE TABLE kinds(id INTEGER PRIMARY KEY, v, note TEXT);
    INSERT INTO kinds(v, note) VALUES (NULL, 'null'), (0, 'zero'), (1, 'one'), (-1, 'minus one'),
      (127, 'i8'), (-128, 'i8'), (128, 'i16'), (32767, 'i16'), (-32768, 'i16'), (32768, 'i24'),
      (8388607, 'i24'), (-8388608, 'i24'), (8388608, 'i32'), (2147483647, 'i32'),
      (-2147483648, 'i32'), (2147483648, 'i48'), (140737488355327, 'i48'),
      (-140737488355328, 'i48'), (140737488355328, 'i64'),
      (9223372036854775807, 'max'), (-9223372036854775807 - 1, 'min'),
      (0.5, 'real'), (-1e300, 'real'), (3.141592653589793, 'pi'), (2.0, 'integral real'),
      (x'', 'empty blob'), (x'00ff10', 'blob'), ('', 'empty text'),
      ('é漢字🦀 ünïcödé', 'multibyte'), ('plain', NULL);
    CREATE TABLE reals(r REAL, f FLOAT, d DOUBLE PRECISION, i INT, n NUMERIC, p POINT);
    INSERT INTO reals VALUES (2.0, 3.0, -4.0, 5.0, 6.0, 7.0), (2.5, 1, 'x', 1.5, 0.5, 8),
      (9007199254740993, NULL, x'01', 1e20, 1e20, 1e20);
    INSERT INTO kinds(id, v) VALUES (-5, 'negative rowid'), (9223372036854775807, 'max rowid');
    CREATE TABLE big(k INTEGER PRIMARY KEY, t TEXT, b BLOB);
    INSERT INTO big VALUES (1, 'short', x'01');
    INSERT INTO big VALUES (2, printf('%.*c', 300000, 'x') || 'é', randomblob(200000));
    INSERT INTO big VALUES (3, printf('%.*c', 1000, 'y'), randomblob(70000));
    INSERT INTO big(t, b) SELECT printf('%.*c', value * 37 % 5000, 'z'), randomblob(value * 13)
      FROM series(1, 300);
    CREATE TABLE altered(a, b TEXT);
    INSERT INTO altered SELECT value, 'before ' || value FROM series(1, 50);
    ALTER TABLE altered ADD COLUMN c INTEGER DEFAULT 7;
    ALTER TABLE altered ADD COLUMN d TEXT;
    ALTER TABLE altered ADD COLUMN e DEFAULT 'dflt';
    INSERT INTO altered SELECT value, 'after', value * 2, 'd', NULL FROM series(51, 60);
    UPDATE altered SET d = 'updated' WHERE a = 3;
";

#[test]
fn hand_made_files_of_every_page_size_scan_as_sqlite_reads_them() {
    let tmp = TempDir::new("hand");
    for (page_size, reserved) in
        [(512, None), (4096, None), (65536, None), (1024, Some(32)), (65536, Some(255))]
    {
        let name = format!("p{page_size}-r{}.db", reserved.unwrap_or(0));
        let path = hand_made(&tmp, &name, page_size, reserved, KINDS);
        let bytes = std::fs::read(&path).unwrap();
        let g = Geometry::read(&bytes).unwrap();
        assert_eq!(g.page_size, page_size);
        assert_eq!(bytes[20] as i32, reserved.unwrap_or(0), "{name}: the reserved bytes took");
        assert_eq!(g.usable, page_size - reserved.unwrap_or(0) as u32);
        check_file(&path);

        // ALTER TABLE ADD COLUMN: the early rows' records are shorter than the table.
        let conn = Connection::open(&path).unwrap();
        let o = oracle(&conn, "altered");
        let root: u32 = conn
            .query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'altered'", [], |r| r.get(0))
            .unwrap();
        let mut lens = BTreeMap::new();
        scan_bytes(&bytes, root, |row| {
            lens.insert(row.rowid, row.len());
            if row.len() < 5 {
                assert!(row.get(row.len()).is_none());
            }
        })
        .unwrap();
        assert_eq!(lens.len(), o.rows.len());
        let short = lens.values().filter(|&&n| n == 2).count();
        assert!(short >= 49, "{name}: {short} rows written before ADD COLUMN read as 2 columns");
        assert_eq!(o.rows[&1][2], Value::Integer(7), "the oracle applies the default");
    }
}

/// Feeds every wanted page, in the order `order` arranges them; returns the rows (rowid and
/// values as stored) and the number of rounds of `wanted()`.
fn scan_in_order(bytes: &[u8], root: u32, order: impl Fn(&mut Vec<u32>)) -> (Vec<(i64, Vec<Value>)>, usize) {
    let g = Geometry::read(bytes).unwrap().with_file_len(bytes.len() as u64);
    let mut scan = TableScan::new(g, root);
    let mut rows = Vec::new();
    let mut rounds = 0;
    let size = g.page_size as usize;
    while !scan.done() {
        let mut want = scan.wanted();
        assert!(want.windows(2).all(|w| w[0] < w[1]), "wanted() is ascending without duplicates");
        order(&mut want);
        rounds += 1;
        for p in want {
            let page = &bytes[(p as usize - 1) * size..p as usize * size];
            scan.feed(p, page, &mut |row| {
                rows.push((row.rowid, row.cells().map(|c| c.to_value()).collect()))
            })
            .unwrap();
            // A page fed again, or one never wanted, is ignored.
            scan.feed(p, page, &mut |_| panic!("a page fed twice yields nothing")).unwrap();
        }
    }
    assert!(scan.wanted().is_empty());
    rows.sort_by_key(|r| r.0);
    (rows, rounds)
}

#[test]
fn a_three_level_table_scans_the_same_in_any_feeding_order() {
    let tmp = TempDir::new("deep");
    let setup = "CREATE TABLE deep(id INTEGER PRIMARY KEY, t TEXT, n);
        INSERT INTO deep(t, n) SELECT printf('row %d %.*c', value, value % 90, 'w'), value * 3
          FROM series(1, 30000);
        INSERT INTO deep(t) SELECT printf('%.*c', 3000 + value, 'o') FROM series(1, 40);";
    let path = hand_made(&tmp, "deep.db", 512, None, setup);
    check_file(&path);
    let bytes = std::fs::read(&path).unwrap();
    let root: u32 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'deep'", [], |r| r.get(0))
        .unwrap();
    let (forward, rounds) = scan_in_order(&bytes, root, |_| {});
    let (reverse, _) = scan_in_order(&bytes, root, |w| w.reverse());
    let (one_at_a_time, _) = scan_in_order(&bytes, root, |w| w.truncate(1));
    assert_eq!(forward.len(), 30_040);
    assert!(rounds >= 3, "root, interior and leaf levels: {rounds} rounds");
    // The interior level under the root is itself interior: a root child is type 0x05.
    let g = Geometry::read(&bytes).unwrap();
    let root_page = &bytes[(root as usize - 1) * g.page_size as usize..];
    assert_eq!(root_page[0], 0x05);
    let child = u32::from_be_bytes(root_page[8..12].try_into().unwrap());
    assert_eq!(bytes[(child as usize - 1) * g.page_size as usize], 0x05, "3 levels at least");
    assert_eq!(forward, reverse);
    assert_eq!(forward, one_at_a_time);
}

fn big_row_chain(bytes: &[u8], root: u32) -> Vec<u32> {
    // The root of a one-row table is a leaf; the rest of the wanted pages are its overflow chain.
    let g = Geometry::read(bytes).unwrap().with_file_len(bytes.len() as u64);
    let size = g.page_size as usize;
    let mut scan = TableScan::new(g, root);
    let mut chain = Vec::new();
    while let Some(&p) = scan.wanted().first() {
        if p != root {
            chain.push(p);
        }
        scan.feed(p, &bytes[(p as usize - 1) * size..p as usize * size], &mut |_| {}).unwrap();
    }
    chain
}

fn corrupt_text(r: Result<(), ScanError>) -> String {
    match r {
        Err(e @ ScanError::Corrupt(_)) => e.to_string(),
        other => panic!("expected a Corrupt error, got {other:?}"),
    }
}

#[test]
fn damage_is_refused_with_a_sentence() {
    let tmp = TempDir::new("damage");
    let setup = "CREATE TABLE one(t); INSERT INTO one VALUES (printf('%.*c', 5000, 'q'));
        CREATE TABLE many(t); INSERT INTO many SELECT printf('%.*c', 200, 'm') FROM series(1, 50);";
    let path = hand_made(&tmp, "damage.db", 1024, None, setup);
    let bytes = std::fs::read(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let root = |name: &str| -> u32 {
        conn.query_row("SELECT rootpage FROM sqlite_schema WHERE name = ?1", [name], |r| r.get(0)).unwrap()
    };
    let (one, many) = (root("one"), root("many"));
    let size = 1024;
    let at = |p: u32| (p as usize - 1) * size;
    let chain = big_row_chain(&bytes, one);
    assert!(chain.len() >= 4, "a chain of several overflow pages: {chain:?}");
    scan_bytes(&bytes, one, |_| {}).unwrap();

    // Too short: a middle page of the chain says it is the last.
    let mut b = bytes.clone();
    b[at(chain[1])..at(chain[1]) + 4].fill(0);
    let text = corrupt_text(scan_bytes(&b, one, |_| {}));
    assert!(text.contains("ends at page") && text.contains("damaged"), "{text}");

    // Too long: the last page points on.
    let mut b = bytes.clone();
    let last = *chain.last().unwrap();
    b[at(last)..at(last) + 4].copy_from_slice(&1u32.to_be_bytes());
    assert!(corrupt_text(scan_bytes(&b, one, |_| {})).contains("goes on past"));

    // A loop: the chain points back at its first page.
    let mut b = bytes.clone();
    b[at(chain[2])..at(chain[2]) + 4].copy_from_slice(&chain[0].to_be_bytes());
    assert!(corrupt_text(scan_bytes(&b, one, |_| {})).contains("reached before"));

    // Interior pages: right-most child pointing at the root (a loop) or past the file.
    assert_eq!(bytes[at(many)], 0x05, "50 rows of 200 bytes need an interior root");
    let mut b = bytes.clone();
    b[at(many) + 8..at(many) + 12].copy_from_slice(&many.to_be_bytes());
    assert!(corrupt_text(scan_bytes(&b, many, |_| {})).contains("reached before"));
    let pages = (bytes.len() / size) as u32;
    let mut b = bytes.clone();
    b[at(many) + 8..at(many) + 12].copy_from_slice(&(pages + 1).to_be_bytes());
    assert!(corrupt_text(scan_bytes(&b, many, |_| {})).contains("not in the file"));

    // A child pointing at page 1, the schema's root.
    let mut b = bytes.clone();
    b[at(many) + 8..at(many) + 12].copy_from_slice(&1u32.to_be_bytes());
    assert!(corrupt_text(scan_bytes(&b, many, |_| {})).contains("schema's root"));

    // Unexpected page type (an index page), and a root out of range.
    let mut b = bytes.clone();
    b[at(many)] = 0x0A;
    assert!(corrupt_text(scan_bytes(&b, many, |_| {})).contains("type 0x0a"));
    assert!(corrupt_text(scan_bytes(&bytes, pages + 1, |_| {})).contains("not in the file"));
    assert!(corrupt_text(scan_bytes(&bytes, 0, |_| {})).contains("not in the file"));

    // A malformed record header: a reserved serial type in the first row of a leaf.
    let mut b = bytes.clone();
    let leaf = u32::from_be_bytes(b[at(many) + 8..at(many) + 12].try_into().unwrap());
    let cell = at(leaf) + u16::from_be_bytes([b[at(leaf) + 8], b[at(leaf) + 9]]) as usize;
    // payload length (2-byte varint for 200+ bytes), rowid (1 byte), header length, serial type.
    b[cell + 4] = 10;
    let text = corrupt_text(scan_bytes(&b, many, |_| {}));
    assert!(text.contains("reserved serial type"), "{text}");

    // A page of the wrong length.
    let g = Geometry::read(&bytes).unwrap();
    let mut scan = TableScan::new(g, many);
    assert!(
        corrupt_text(scan.feed(many, &bytes[at(many)..at(many) + 100], &mut |_| {})).contains("100 bytes")
    );
}

#[test]
fn the_header_gives_the_geometry_or_says_why_not() {
    let tmp = TempDir::new("header");
    let path = hand_made(&tmp, "h.db", 65536, None, "CREATE TABLE t(a); INSERT INTO t VALUES (1);");
    let mut bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[16..18], &[0, 1], "65536 is stored as 1");
    let g = Geometry::read(&bytes).unwrap();
    assert_eq!((g.page_size, g.usable, g.page_count), (65536, 65536, (bytes.len() / 65536) as u32));
    for (enc, want) in [(2u8, "UTF-16le"), (3, "UTF-16be")] {
        bytes[59] = enc;
        let e = Geometry::read(&bytes).unwrap_err();
        assert_eq!(e, ScanError::Encoding(enc));
        assert!(e.to_string().contains(want), "{e}");
    }
    bytes[59] = 1;
    bytes[16..18].copy_from_slice(&1000u16.to_be_bytes());
    assert!(Geometry::read(&bytes).unwrap_err().to_string().contains("page size"));
    assert!(Geometry::read(&bytes[..50]).unwrap_err().to_string().contains("100-byte"));
    assert!(Geometry::read(&[b'x'; 100]).unwrap_err().to_string().contains("SQLite header"));
    // A stale in-header size (change counter != version-valid-for) is unknown; the length gives it.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[92..96].copy_from_slice(&12345u32.to_be_bytes());
    let g = Geometry::read(&bytes).unwrap();
    assert_eq!(g.page_count, 0);
    assert_eq!(g.with_file_len(bytes.len() as u64).page_count, (bytes.len() / 65536) as u32);
}

/// xorshift64*: a small deterministic PRNG for the damage test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let tmp = TempDir::new("fuzz");
    let mut images = Vec::new();
    if let Some(dir) = common::fixtures_dir() {
        let copy = tmp.file("v1.db");
        std::fs::copy(dir.join("acolytes-v1-small.db"), &copy).unwrap();
        let tables = settle(&copy);
        images.push((std::fs::read(&copy).unwrap(), tables));
    }
    let path = hand_made(&tmp, "kinds.db", 512, None, KINDS);
    let tables = settle(&path);
    images.push((std::fs::read(&path).unwrap(), tables));

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut err) = (0, 0);
    for (bytes, tables) in &images {
        let g = Geometry::read(bytes).unwrap().with_file_len(bytes.len() as u64);
        let size = g.page_size as usize;
        for round in 0..400 {
            let (_, root) = &tables[rng.below(tables.len())];
            let mut b = bytes.clone();
            // Damage the root or any page (b-tree, overflow, free), sometimes in its header area.
            let page = if round % 2 == 0 { *root as usize } else { 1 + rng.below(bytes.len() / size) };
            for _ in 0..1 + rng.below(8) {
                let off = if rng.below(3) == 0 { rng.below(16.min(size)) } else { rng.below(size) };
                let at = (page - 1) * size + off;
                b[at] ^= 1 << rng.below(8);
                if rng.below(4) == 0 {
                    b[at] = [0, 0xff, 0x80, 0x7f][rng.below(4)];
                }
            }
            match scan_bytes(&b, *root, |row| {
                for c in row.cells() {
                    std::hint::black_box(c);
                }
            }) {
                Ok(()) => ok += 1,
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    err += 1
                }
            }
            // A whole random page fed where the root is wanted.
            let mut junk = vec![0u8; size];
            for x in junk.iter_mut() {
                *x = rng.next() as u8;
            }
            junk[0] = [0x05, 0x0D][rng.below(2)];
            let mut scan = TableScan::new(g, *root);
            let _ = scan.feed(*root, &junk, &mut |row| {
                for c in row.cells() {
                    std::hint::black_box(c);
                }
            });
        }
    }
    assert!(ok > 0 && err > 0, "ok {ok}, err {err}");

    // Cut-off images and random headers: refused, never a panic.
    for (bytes, tables) in &images {
        for _ in 0..200 {
            let cut = rng.below(bytes.len());
            let (_, root) = &tables[rng.below(tables.len())];
            let _ = scan_bytes(&bytes[..cut], *root, |_| {});
            let mut head = bytes[..100].to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = 16 + rng.below(84);
                head[at] = rng.next() as u8;
            }
            if let Ok(g) = Geometry::read(&head) {
                assert!(g.page_size.is_power_of_two() && g.usable >= 480 && g.usable <= g.page_size);
                let _ = scan_bytes(&[&head[..], &bytes[100..]].concat(), *root, |_| {});
            }
        }
    }
}

#[test]
fn a_wal_image_scans_as_sqlite_reads_the_pair() {
    let tmp = TempDir::new("wal");
    let path = tmp.file("w.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(&series(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
         CREATE TABLE w(id INTEGER PRIMARY KEY, t TEXT, b BLOB);
         INSERT INTO w(t, b) SELECT printf('row %d', value), randomblob(value % 700) FROM series(1, 3000);
         PRAGMA wal_checkpoint(TRUNCATE);
         INSERT INTO w(t, b) SELECT printf('late %d', value), randomblob(6000) FROM series(1, 200);
         UPDATE w SET t = 'changed' WHERE id % 7 = 0;
         DELETE FROM w WHERE id % 11 = 0;",
    ))
    .unwrap();
    // The writer stays open: the newest rows are only in the -wal file.
    let main = std::fs::read(&path).unwrap();
    let wal = std::fs::read(tmp.file("w.db-wal")).unwrap();
    assert!(wal.len() > 100_000, "the late rows are in the WAL");
    let image = flagdeck_core::wal::apply(&main, &wal).unwrap().bytes;
    let root: u32 =
        conn.query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'w'", [], |r| r.get(0)).unwrap();
    let o = oracle(&conn, "w");
    let got = collect(&image, root, &o).unwrap();
    assert_eq!(got, o.rows);
    // The main file alone lacks them.
    let old = collect(&main, root, &o).unwrap();
    assert_eq!(old.len(), 3000);
}

#[test]
fn a_stored_nan_reads_as_null_as_sqlite_reads_it() {
    let tmp = TempDir::new("nan");
    let path = hand_made(&tmp, "nan.db", 4096, None, "CREATE TABLE r(x REAL); INSERT INTO r VALUES (1.5);");
    let mut bytes = std::fs::read(&path).unwrap();
    let root: u32 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'r'", [], |r| r.get(0))
        .unwrap();
    let at = (root as usize - 1) * 4096;
    let cell = at + u16::from_be_bytes([bytes[at + 8], bytes[at + 9]]) as usize;
    // payload length, rowid, header length 2, serial type 7 (a REAL), then its 8 bytes.
    assert_eq!(&bytes[cell + 2..cell + 4], &[2, 7]);
    bytes[cell + 4..cell + 12].copy_from_slice(&f64::NAN.to_bits().to_be_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let sqlite: bool =
        Connection::open(&path).unwrap().query_row("SELECT x IS NULL FROM r", [], |r| r.get(0)).unwrap();
    assert!(sqlite, "SQLite reads the NaN as NULL");
    let mut got = Vec::new();
    scan_bytes(&bytes, root, |row| got.push(row.get(0).map(|c| c.to_value()))).unwrap();
    assert_eq!(got, [Some(Value::Null)]);
}
