//! Native database tools built on the project's rusqlite adapter (`flagdeck_core::native::NativeDb`):
//! `inspect-db`, `gen-demo`, `counts-sql`, `exec-sql`, `query`, `search-agents`, `routing-errors`.

use std::path::Path;

use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::header::{restore_journal_mode, JournalMode};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::{detect, quote_ident, read_facts, CatalogShape, Generation};
use flagdeck_core::search::{Query, SearchIndex};
use flagdeck_core::summary::counts_sql;
use flagdeck_core::Value;
use flagdeck_demo::{
    builtin_demo_script, catalog_size, generation_script, DemoGeneration, DemoOptions, BUILTIN_DEMO,
    BUILTIN_QUESTS, NORMAL_AGENTS,
};
use serde_json::{json, Map};

use crate::util::Result;

/// FNV-1a, 64 bits: a simple, stable digest (not for security, only to compare contents).
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// Feeds one value as its storage class (a tag, like `typeof`) followed by its exact content.
fn hash_value(h: &mut Fnv64, v: &Value) {
    match v {
        Value::Null => h.write(&[0]),
        Value::Integer(i) => {
            h.write(&[1]);
            h.write(&i.to_le_bytes());
        }
        Value::Real(f) => {
            h.write(&[2]);
            h.write(&f.to_bits().to_le_bytes());
        }
        Value::Text(s) => {
            h.write(&[3]);
            h.write(&(s.len() as u64).to_le_bytes());
            h.write(s.as_bytes());
        }
        Value::Blob(b) => {
            h.write(&[4]);
            h.write(&(b.len() as u64).to_le_bytes());
            h.write(b);
        }
    }
}

pub fn db_err(what: &str) -> impl Fn(flagdeck_core::DbError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// The ORDER BY that makes a table's row order stable: rowid, or the primary key of a
/// WITHOUT ROWID table.
fn row_order(db: &NativeDb, table: &str, sql: &str) -> Result<String> {
    let without_rowid =
        sql.to_ascii_uppercase().split_whitespace().collect::<Vec<_>>().join(" ").contains("WITHOUT ROWID");
    if !without_rowid {
        return Ok("rowid".into());
    }
    let pk = db
        .query_sync("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", &[Value::from(table)])
        .map_err(db_err(table))?;
    let cols: Vec<String> = pk.first_column_text().iter().map(|c| quote_ident(c)).collect();
    Ok(cols.join(", "))
}

/// `cargo xtask inspect-db FILE`: a JSON description of a database file, read natively.
pub fn inspect_db(path: &Path) -> Result<serde_json::Value> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let header = if bytes.len() >= 100 && bytes.starts_with(b"SQLite format 3\0") {
        let raw_page = u16::from_be_bytes([bytes[16], bytes[17]]);
        let journal = match (bytes[18], bytes[19]) {
            (1, 1) => "rollback".to_owned(),
            (2, 2) => "wal".to_owned(),
            (w, r) => format!("unknown ({w}/{r})"),
        };
        json!({
            "page_size": if raw_page == 1 { 65536 } else { raw_page as u32 },
            "write_version": bytes[18],
            "read_version": bytes[19],
            "journal_mode": journal,
            "user_version": u32::from_be_bytes([bytes[60], bytes[61], bytes[62], bytes[63]]),
        })
    } else {
        return Err(format!("{} is not a SQLite database (no valid 100-byte header)", path.display()));
    };

    // A copy of the file, with a copy of its -wal when one is beside it: what SQLite sees.
    let db = NativeDb::open_copy(path).map_err(db_err("open"))?;
    let integrity =
        db.query_sync("PRAGMA integrity_check", &[]).map_err(db_err("integrity_check"))?.first_column_text();
    let scalar = |sql: &str| -> Result<i64> {
        db.query_sync(sql, &[])
            .map_err(db_err(sql))?
            .scalar()
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("{sql} returned no number"))
    };
    let user_version = scalar("PRAGMA user_version")?;
    let page_size = scalar("PRAGMA page_size")?;
    let page_count = scalar("PRAGMA page_count")?;

    let master = db
        .query_sync("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name", &[])
        .map_err(db_err("sqlite_master"))?;
    let text = |v: &Value| match v {
        Value::Null => serde_json::Value::Null,
        other => serde_json::Value::String(other.display()),
    };
    let mut entries = Vec::new();
    let mut tables = Map::new();
    for row in &master.rows {
        entries.push(json!({
            "type": text(&row[0]),
            "name": text(&row[1]),
            "tbl_name": text(&row[2]),
            "sql": text(&row[3]),
        }));
        if row[0].as_str() != Some("table") {
            continue;
        }
        let name = row[1].display();
        let sql = row[3].display();
        let order = row_order(&db, &name, &sql)?;
        let select = format!("SELECT * FROM {} ORDER BY {order}", quote_ident(&name));
        let entry = match db.query_sync(&select, &[]) {
            Ok(rs) => {
                let mut h = Fnv64::new();
                for r in &rs.rows {
                    for v in r {
                        hash_value(&mut h, v);
                    }
                    h.write(&[0xff]);
                }
                json!({ "rows": rs.rows.len(), "digest": h.hex() })
            }
            // A virtual table whose module this SQLite lacks: say so instead of failing.
            Err(e) => json!({ "error": e.to_string() }),
        };
        tables.insert(name, entry);
    }

    let integrity_text = integrity.join("; ");
    Ok(json!({
        "file": path.display().to_string(),
        "bytes": bytes.len(),
        "header": header,
        "integrity_check": integrity_text,
        "integrity_ok": integrity_text == "ok",
        "user_version": user_version,
        "page_size": page_size,
        "page_count": page_count,
        "digest": "FNV-1a 64 over each row's values (storage class tag + exact content), rows in rowid or primary-key order",
        "master": entries,
        "tables": tables,
    }))
}

/// `cargo xtask gen-demo --flags N [--seed S] [--agents M] [--tool-logs L] --out FILE`: a v1 file.
pub fn gen_demo(
    flags: usize,
    seed: Option<u64>,
    agents: Option<usize>,
    tool_logs: Option<usize>,
    out: &Path,
) -> Result<()> {
    gen_demo_of(DemoGeneration::V1, flags, seed, agents, tool_logs, out)
}

/// The flag count `gen-demo` uses for a hybrid file when `--flags` is not given (the v1 demo's).
pub const HYBRID_DEFAULT_FLAGS: usize = 300;

/// Reads `gen-demo`'s `--generation v1|v2|hybrid`, `--flags N` and `--quests N` into a
/// generation and a flag count: v1 needs `--flags` and takes no `--quests`; v2 needs `--quests`
/// and takes no `--flags` (a v2 file has no flags table); hybrid needs `--quests` and takes
/// `--flags` (default [`HYBRID_DEFAULT_FLAGS`]).
pub fn demo_generation(
    generation: Option<&str>,
    flags: Option<usize>,
    quests: Option<usize>,
) -> Result<(DemoGeneration, usize)> {
    match generation.unwrap_or("v1") {
        "v1" => {
            if quests.is_some() {
                return Err("--quests: a v1 file has no quests (use --generation v2 or hybrid)".into());
            }
            Ok((DemoGeneration::V1, flags.ok_or("--flags N is required")?))
        }
        "v2" => {
            if flags.is_some() {
                return Err("--flags: a v2 file has no flags table (use --generation hybrid)".into());
            }
            let quests = quests.ok_or("--quests N is required for --generation v2")?;
            Ok((DemoGeneration::V2 { quests }, 0))
        }
        "hybrid" => {
            let quests = quests.ok_or("--quests N is required for --generation hybrid")?;
            Ok((DemoGeneration::Hybrid { quests }, flags.unwrap_or(HYBRID_DEFAULT_FLAGS)))
        }
        other => Err(format!("--generation {other}: expected v1, v2 or hybrid")),
    }
}

/// `cargo xtask gen-demo [--generation v1|v2|hybrid] ...`: writes the generated file of any
/// generation (v2 and hybrid files get the WAL header the real tool leaves them with).
pub fn gen_demo_of(
    generation: DemoGeneration,
    flags: usize,
    seed: Option<u64>,
    agents: Option<usize>,
    tool_logs: Option<usize>,
    out: &Path,
) -> Result<()> {
    if let Some(m) = agents.filter(|m| *m < NORMAL_AGENTS) {
        return Err(format!(
            "--agents {m}: the catalog holds at least the {NORMAL_AGENTS} normal demo agents (the flags, memories and health checks refer to them)"
        ));
    }
    let mut opts = DemoOptions { flags, agents, tool_logs, ..DemoOptions::default() };
    if let Some(seed) = seed {
        opts.seed = seed;
    }
    let bytes = generation_bytes(generation, &opts)?;
    write_file(out, &bytes)?;
    let contents = match generation {
        DemoGeneration::V1 => format!("{} flags", opts.flags),
        DemoGeneration::V2 { quests } => format!("{quests} quests"),
        DemoGeneration::Hybrid { quests } => format!("{} flags, {quests} quests", opts.flags),
    };
    println!(
        "wrote {} ({}, {contents}, {} agents, seed {}, {} bytes)",
        out.display(),
        generation.code(),
        catalog_size(&opts),
        opts.seed,
        bytes.len()
    );
    Ok(())
}

/// The database a generation's script builds, as file bytes (native SQLite), with the WAL
/// header for v2 and hybrid files.
pub fn generation_bytes(generation: DemoGeneration, opts: &DemoOptions) -> Result<Vec<u8>> {
    let db = NativeDb::open_bytes(&[]).map_err(db_err("open an empty database"))?;
    db.execute_batch_sync(&generation_script(generation, opts)).map_err(db_err("demo script"))?;
    let bytes = db.export_sync().map_err(db_err("export"))?;
    Ok(if generation.wal_header() { restore_journal_mode(bytes, JournalMode::Wal) } else { bytes })
}

/// `cargo xtask demo-asset OUT`: the app's built-in demo ([`BUILTIN_DEMO`] with the default
/// options: the 300-flag v1 demo upgraded to 2.x with [`BUILTIN_QUESTS`] quests) as a zlib
/// stream, for the app to fetch when *Open demo* is clicked (run by Trunk's pre-build hook, so the
/// generator never ships inside the app's wasm). Unlike `gen-demo --generation hybrid`, its header
/// stays in rollback mode: the built-in demo has no `-wal` companion on anyone's disk, and the app
/// warns about one for every WAL-mode file it opens. Prints the deflated and inflated sizes. The
/// file is rewritten only when its bytes change, so repeated builds leave it alone.
pub fn demo_asset(out: &Path) -> Result<()> {
    let db = NativeDb::open_bytes(&[]).map_err(db_err("open an empty database"))?;
    db.execute_batch_sync(&builtin_demo_script()).map_err(db_err("demo script"))?;
    let bytes = db.export_sync().map_err(db_err("export"))?;
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&bytes, 10);
    if std::fs::read(out).ok().as_deref() == Some(packed.as_slice()) {
        println!(
            "demo-asset: {} is up to date ({} bytes, {} inflated)",
            out.display(),
            packed.len(),
            bytes.len()
        );
        return Ok(());
    }
    write_file(out, &packed)?;
    println!(
        "demo-asset: wrote {} ({}, {} quests; {} bytes, {} inflated)",
        out.display(),
        BUILTIN_DEMO.code(),
        BUILTIN_QUESTS,
        packed.len(),
        bytes.len()
    );
    Ok(())
}

/// `cargo xtask counts-sql FILE --out SQLFILE`: the summary's count statement for this file's
/// schema, exactly as the app builds it (for the raw sql.js side of the benchmark).
pub fn write_counts_sql(db_path: &Path, out: &Path) -> Result<()> {
    let db = NativeDb::open_copy(db_path).map_err(db_err("open"))?;
    let facts = pollster::block_on(read_facts(&db)).map_err(db_err("read schema"))?;
    write_file(out, counts_sql(&facts, detect(&facts).generation).as_bytes())
}

/// `cargo xtask exec-sql [--from FILE] --out FILE SQL`: runs SQL on a copy of FILE (or on an
/// empty database) and writes the result. Used by the end-to-end tests to make inputs (a WAL
/// copy, a SQLite file of another application) without needing the sqlite3 command.
pub fn exec_sql(from: Option<&Path>, out: &Path, sql: &str) -> Result<()> {
    let db = match from {
        Some(p) => NativeDb::open_copy(p),
        None => NativeDb::open_bytes(&[]),
    }
    .map_err(db_err("open"))?;
    db.execute_batch_sync(sql).map_err(db_err("execute"))?;
    let bytes = db.export_sync().map_err(db_err("export"))?;
    write_file(out, &bytes)
}

/// A value as JSON the way sql.js hands it to JavaScript (and takes it as a parameter).
pub fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => json!(i),
        Value::Real(f) => json!(f),
        other => serde_json::Value::String(other.display()),
    }
}

/// `cargo xtask query FILE SQL`: the rows of SQL on a copy of FILE, each an array of values
/// (integers and reals as numbers, text as strings, NULL as null, blobs described), for tests
/// that check the page against plain SQL.
pub fn query(path: &Path, sql: &str) -> Result<serde_json::Value> {
    let db = NativeDb::open_copy(path).map_err(db_err("open"))?;
    let rs = db.query_sync(sql, &[]).map_err(db_err("query"))?;
    let rows: Vec<serde_json::Value> =
        rs.rows.iter().map(|r| serde_json::Value::Array(r.iter().map(value_json).collect())).collect();
    Ok(json!({ "columns": rs.columns, "rows": rows }))
}

/// `cargo xtask make-wal-pair`: a WAL-mode copy of `from` (a file with a v1-style `flags` table)
/// with `flags` new flags added in `transactions` committed transactions by one rusqlite writer
/// that stays open (checkpoints off), then the main file and its `-wal` copied byte for byte into
/// `out` under `from`'s name (with `torn`, the `-wal` copy ends in the middle of its last frame,
/// as a copy taken while a commit was being written; with `page_size`, the copy is first rebuilt
/// with pages of that many bytes, `VACUUM`, so that its WAL fits no file of the usual 4096).
/// JSON: the two paths written.
pub fn make_wal_pair(
    from: &Path,
    out: &Path,
    flags: usize,
    transactions: usize,
    torn: bool,
    page_size: Option<u32>,
) -> Result<serde_json::Value> {
    let name = from.file_name().ok_or("--from has no file name")?;
    let sql_err = |what: &'static str| move |e: rusqlite::Error| format!("{what}: {e}");
    let scratch = std::env::temp_dir().join(format!("flagdeck-wal-pair-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let live = scratch.join(name);
    std::fs::copy(from, &live).map_err(|e| format!("copy {}: {e}", from.display()))?;
    let wal_of = |p: &Path| {
        let mut s = p.as_os_str().to_owned();
        s.push("-wal");
        std::path::PathBuf::from(s)
    };
    let conn = rusqlite::Connection::open(&live).map_err(sql_err("open"))?;
    if let Some(size) = page_size {
        conn.execute_batch(&format!("PRAGMA page_size={size}; VACUUM")).map_err(sql_err("page size"))?;
    }
    let mode: String =
        conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(sql_err("WAL mode"))?;
    if mode != "wal" {
        return Err(format!("the copy of {} did not switch to WAL mode ({mode})", from.display()));
    }
    conn.execute_batch("PRAGMA wal_autocheckpoint=0").map_err(sql_err("autocheckpoint"))?;
    let transactions = transactions.clamp(1, flags.max(1));
    let mut next = 0;
    for t in 0..transactions {
        let until = flags * (t + 1) / transactions;
        add_flags(&conn, next, until - next)?;
        next = until;
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let (db_out, wal_out) = (out.join(name), wal_of(&out.join(name)));
    let main = std::fs::read(&live).map_err(|e| e.to_string())?;
    let mut wal = std::fs::read(wal_of(&live)).map_err(|e| e.to_string())?;
    if torn && wal.len() > 32 {
        let page = u32::from_be_bytes([wal[8], wal[9], wal[10], wal[11]]) as usize;
        wal.truncate(wal.len() - (24 + page) / 2);
    }
    write_file(&db_out, &main)?;
    write_file(&wal_out, &wal)?;
    drop(conn);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(json!({ "database": db_out.display().to_string(), "wal": wal_out.display().to_string() }))
}

/// Adds `n` pending flags (numbered from `first` in their text) in one transaction, texts long
/// enough for the v1 quality triggers.
fn add_flags(conn: &rusqlite::Connection, first: usize, n: usize) -> Result<()> {
    let sql_err = |what: &'static str| move |e: rusqlite::Error| format!("{what}: {e}");
    conn.execute_batch("BEGIN").map_err(sql_err("begin"))?;
    for i in first..first + n {
        conn.execute(
            "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, \
             impact_level, status, locked, created_at) VALUES ('change', '@backend.api', '@frontend.react', ?1, ?2, \
             'medium', 'pending', 0, '2026-11-30 10:00')",
            (
                format!("WAL pair flag {i}: the orders endpoint moved; clients must follow the new path."),
                "Update src/web/orders.ts and every caller of the orders endpoint to the new path; \
                 run the contract tests of the checkout flow afterwards.",
            ),
        )
        .map_err(sql_err("insert a flag"))?;
    }
    conn.execute_batch("COMMIT").map_err(sql_err("commit"))
}

/// `cargo xtask wal-writer --from FILE --dir DIR`: an agent stand-in for follow-mode tests. Copies
/// FILE to DIR, switches the copy to WAL mode with automatic checkpoints off, keeps the
/// connection open (so the -wal stays beside the file, as while agents run) and obeys one command
/// per stdin line, answering each with one JSON line (`{"ok":true,...}` or `{"error":"..."}`):
/// `add N` (N flags in one transaction), `lock ID`, `unlock ID`, `turn QUEST_ID AGENT` (the
/// quest's turn passed), `checkpoint` (TRUNCATE: the
/// -wal folded in and emptied), `quit`.
pub fn wal_writer(from: &Path, dir: &Path) -> Result<()> {
    use std::io::{BufRead, Write};
    let sql_err = |what: &'static str| move |e: rusqlite::Error| format!("{what}: {e}");
    let name = from.file_name().ok_or("--from has no file name")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let live = dir.join(name);
    std::fs::copy(from, &live).map_err(|e| format!("copy {}: {e}", from.display()))?;
    let conn = rusqlite::Connection::open(&live).map_err(sql_err("open"))?;
    let mode: String =
        conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(sql_err("WAL mode"))?;
    if mode != "wal" {
        return Err(format!("the copy of {} did not switch to WAL mode ({mode})", from.display()));
    }
    conn.execute_batch("PRAGMA wal_autocheckpoint=0").map_err(sql_err("autocheckpoint"))?;
    let mut added = 0usize;
    let mut out = std::io::stdout();
    let answer = |out: &mut std::io::Stdout, v: serde_json::Value| -> Result<()> {
        writeln!(out, "{v}").and_then(|()| out.flush()).map_err(|e| e.to_string())
    };
    answer(&mut out, json!({ "ok": true, "database": live.display().to_string() }))?;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let result = match words.as_slice() {
            ["add", n] => n.parse::<usize>().map_err(|e| e.to_string()).and_then(|n| {
                add_flags(&conn, added, n)?;
                added += n;
                Ok(())
            }),
            [verb @ ("lock" | "unlock"), id] => id.parse::<i64>().map_err(|e| e.to_string()).and_then(|id| {
                let locked = i64::from(*verb == "lock");
                conn.execute("UPDATE flags SET locked = ?1 WHERE id = ?2", (locked, id))
                    .map(|_| ())
                    .map_err(sql_err("lock"))
            }),
            ["checkpoint"] => {
                conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").map_err(sql_err("checkpoint"))
            }
            ["quit"] => break,
            _ => Err(format!("unknown command {line:?}")),
        };
        let flags: i64 = conn.query_row("SELECT count(*) FROM flags", [], |r| r.get(0)).unwrap_or(-1);
        match result {
            Ok(()) => answer(&mut out, json!({ "ok": true, "flags": flags }))?,
            Err(e) => answer(&mut out, json!({ "error": e }))?,
        }
    }
    Ok(())
}

/// A flag database opened natively, with its generation and its catalog ready for searching.
pub struct Searchable {
    pub db: NativeDb,
    pub generation: Generation,
    pub catalog: Vec<CatalogAgent>,
    pub index: SearchIndex,
}

pub fn open_searchable(path: &Path) -> Result<Searchable> {
    let db = NativeDb::open_copy(path).map_err(db_err("open"))?;
    let facts = pollster::block_on(read_facts(&db)).map_err(db_err("read schema"))?;
    let generation = detect(&facts).generation;
    if generation == Generation::Unknown {
        return Err(format!(
            "{} is not an Acolytes or ClaudeSquad database (missing: {})",
            path.display(),
            detect(&facts).missing.join(", ")
        ));
    }
    let catalog = pollster::block_on(read_catalog(&db, generation)).map_err(db_err("read the catalog"))?;
    let index = SearchIndex::new(&catalog.iter().map(CatalogAgent::search_text).collect::<Vec<_>>());
    Ok(Searchable { db, generation, catalog, index })
}

/// `cargo xtask search-agents FILE QUERY [--limit N]`: flagdeck's search (the scoring of
/// `agent_db.py search-agents`) run natively, as JSON shaped like the tool's output.
pub fn search_agents(path: &Path, query: &str, limit: usize) -> Result<serde_json::Value> {
    let s = open_searchable(path)?;
    let hits = Query::new(query).map(|q| s.index.search(&q, limit)).unwrap_or_default();
    let results: Vec<serde_json::Value> = hits
        .iter()
        .map(|h| {
            let a = &s.catalog[h.index];
            json!({
                "rank": h.rank,
                "name": a.name,
                "type": a.agent_type,
                "score": h.score,
                "reasons": h.reasons.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "warning": s.index.agents[h.index].warning.as_ref().map(ToString::to_string),
            })
        })
        .collect();
    Ok(json!({
        "query": query,
        "generation": s.generation.code(),
        "total_matches": results.len(),
        "results": results,
    }))
}

/// The routing check in plain SQL: pending flags whose target is NULL, empty, or not a name of
/// `agents_catalog` (v0: nor `'@' || agents_dynamic.name`, flags prefix dynamic agents with `@`).
/// Only for generations with flags.
pub fn routing_errors_sql(generation: Generation) -> String {
    let dynamic = if generation.catalog_shape() == Some(CatalogShape::ClaudeSquad) {
        " AND target_agent NOT IN (SELECT '@' || name FROM agents_dynamic WHERE name IS NOT NULL)"
    } else {
        ""
    };
    format!(
        "SELECT id, target_agent, impact_level, change_description FROM flags \
         WHERE status = 'pending' AND (target_agent IS NULL OR target_agent = '' \
           OR (target_agent NOT IN (SELECT name FROM agents_catalog WHERE name IS NOT NULL){dynamic})) \
         ORDER BY id"
    )
}

/// `cargo xtask routing-errors FILE`: the pending flags without a known target (see
/// [`routing_errors_sql`]), each with the top search result for its change_description.
pub fn routing_errors(path: &Path) -> Result<serde_json::Value> {
    let s = open_searchable(path)?;
    if !s.generation.has_flags() {
        return Err(format!(
            "{} is an {} file: it has no flags to route",
            path.display(),
            s.generation.label()
        ));
    }
    let sql = routing_errors_sql(s.generation);
    let rs = s.db.query_sync(&sql, &[]).map_err(db_err("routing query"))?;
    let text = |v: &Value| match v {
        Value::Null => serde_json::Value::Null,
        other => serde_json::Value::String(other.display()),
    };
    let flags: Vec<serde_json::Value> = rs
        .rows
        .iter()
        .map(|r| {
            let description = r[3].as_str().map(str::to_owned).unwrap_or_else(|| r[3].display());
            let suggestion = s
                .index
                .search_text(&description)
                .first()
                .map(|h| json!({ "name": s.catalog[h.index].name, "score": h.score }));
            json!({
                "id": r[0].as_i64(),
                "target_agent": text(&r[1]),
                "impact_level": text(&r[2]),
                "change_description": description,
                "suggestion": suggestion,
            })
        })
        .collect();
    Ok(json!({
        "file": path.display().to_string(),
        "generation": s.generation.code(),
        "sql": sql,
        "count": flags.len(),
        "flags": flags,
    }))
}

pub fn write_file(out: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(out, bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// `cargo xtask dashboard FILE [--state JSON] [--now MINUTE]`: the whole dashboard computed
/// natively (rusqlite) with the same core the app runs on sql.js, as JSON. The end-to-end test
/// compares the figures the app shows with it; `--state` takes a `DashboardState` as JSON.
pub fn dashboard(path: &Path, state: Option<&str>, now: &str) -> Result<serde_json::Value> {
    use flagdeck_core::dashboard::{aggregates, derive, DashboardState, Logs};
    let state: DashboardState = match state {
        Some(s) => serde_json::from_str(s).map_err(|e| format!("--state is not a dashboard state: {e}"))?,
        None => DashboardState::default(),
    };
    let db = NativeDb::open_copy(path).map_err(db_err("open"))?;
    let facts = pollster::block_on(read_facts(&db)).map_err(db_err("read schema"))?;
    let agg = pollster::block_on(aggregates(&db, &facts, &state, now, &|_, _, _| {}, Logs::default()))
        .map_err(db_err("dashboard queries"))?;
    serde_json::to_value(derive(agg, &state)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        let mut h = Fnv64::new();
        assert_eq!(h.hex(), "cbf29ce484222325");
        h.write(b"a");
        assert_eq!(h.hex(), "af63dc4c8601ec8c");
        let mut h = Fnv64::new();
        h.write(b"foobar");
        assert_eq!(h.hex(), "85944171f73967e8");
    }

    #[test]
    fn digest_tells_storage_classes_apart() {
        let digest = |v: Value| {
            let mut h = Fnv64::new();
            hash_value(&mut h, &v);
            h.hex()
        };
        assert_ne!(digest(Value::Integer(1)), digest(Value::Real(1.0)));
        assert_ne!(digest(Value::Text("1".into())), digest(Value::Blob(b"1".to_vec())));
        assert_ne!(digest(Value::Null), digest(Value::Text(String::new())));
    }

    #[test]
    fn inspect_reports_schema_and_detects_a_changed_row() {
        let dir = std::env::temp_dir().join(format!("xtask-inspect-{}", std::process::id()));
        let (a, b) = (dir.join("a.db"), dir.join("b.db"));
        let setup = "CREATE TABLE t(id INTEGER PRIMARY KEY, x); INSERT INTO t(x) VALUES (1), ('two'), (3.5), (NULL);\
                     CREATE TABLE k(a TEXT PRIMARY KEY, b) WITHOUT ROWID; INSERT INTO k VALUES ('z', 1), ('y', 2);\
                     CREATE INDEX t_x ON t(x); PRAGMA user_version = 7;";
        exec_sql(None, &a, setup).unwrap();
        exec_sql(Some(&a), &b, "UPDATE t SET x = 2 WHERE id = 1").unwrap();
        let ja = inspect_db(&a).unwrap();
        let jb = inspect_db(&b).unwrap();
        assert_eq!(ja["integrity_check"], "ok");
        assert_eq!(ja["user_version"], 7);
        assert_eq!(ja["header"]["journal_mode"], "rollback");
        assert_eq!(ja["tables"]["t"]["rows"], 4);
        assert_eq!(ja["tables"]["k"]["rows"], 2);
        assert_eq!(ja["master"], jb["master"]);
        assert_eq!(ja["tables"]["k"], jb["tables"]["k"]);
        assert_ne!(ja["tables"]["t"]["digest"], jb["tables"]["t"]["digest"]);
        let again = inspect_db(&a).unwrap();
        assert_eq!(ja["tables"], again["tables"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn gen_demo_reads_the_generation_options() {
        assert_eq!(demo_generation(None, Some(40), None).unwrap(), (DemoGeneration::V1, 40));
        assert!(demo_generation(None, None, None).is_err(), "v1 needs --flags");
        assert!(demo_generation(Some("v1"), Some(4), Some(2)).is_err(), "v1 has no quests");
        assert_eq!(
            demo_generation(Some("v2"), None, Some(7)).unwrap(),
            (DemoGeneration::V2 { quests: 7 }, 0)
        );
        assert!(demo_generation(Some("v2"), Some(3), Some(7)).is_err(), "v2 has no flags");
        assert!(demo_generation(Some("v2"), None, None).is_err(), "v2 needs --quests");
        assert_eq!(
            demo_generation(Some("hybrid"), None, Some(5)).unwrap(),
            (DemoGeneration::Hybrid { quests: 5 }, HYBRID_DEFAULT_FLAGS)
        );
        assert!(demo_generation(Some("v3"), None, Some(5)).is_err());
    }

    #[test]
    fn v2_and_hybrid_files_get_a_wal_header_and_v1_files_do_not() {
        let dir = std::env::temp_dir().join(format!("xtask-gen-v2-{}", std::process::id()));
        for (generation, journal) in [
            (DemoGeneration::V1, "rollback"),
            (DemoGeneration::V2 { quests: 12 }, "wal"),
            (DemoGeneration::Hybrid { quests: 12 }, "wal"),
        ] {
            let file = dir.join(format!("{}.db", generation.code()));
            gen_demo_of(generation, 20, Some(3), None, Some(200), &file).unwrap();
            let report = inspect_db(&file).unwrap();
            assert_eq!(report["header"]["journal_mode"], journal, "{generation:?}");
            assert_eq!(report["integrity_check"], "ok");
            let quests = report["tables"]["acolyte_quests"]["rows"].as_u64();
            assert_eq!(quests, (generation.quests() > 0).then_some(12), "{generation:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn search_and_routing_tools_on_a_generated_database() {
        let dir = std::env::temp_dir().join(format!("xtask-routing-{}", std::process::id()));
        let (a, b) = (dir.join("a.db"), dir.join("b.db"));
        gen_demo(30, Some(9), Some(80), None, &a).unwrap();
        let flag = |id: i64, target: &str| {
            format!(
                "INSERT INTO flags (id, flag_type, source_agent, target_agent, change_description, action_required, \
                 impact_level, created_at) VALUES ({id}, 'change', '@ops.git', {target}, \
                 'Rotated the JWT signing key and moved token issuing to RS256 for every authentication endpoint.', \
                 'Reload the public keys from the JWKS endpoint at start-up and drop the shared secret from the configuration.', \
                 'medium', '2026-09-30 12:0{}');",
                id % 10
            )
        };
        let sql = [flag(1001, "''"), flag(1002, "'@nobody.here'"), flag(1003, "'@backend.api'")].concat();
        exec_sql(Some(&a), &b, &sql).unwrap();
        let before = routing_errors(&a).unwrap();
        let after = routing_errors(&b).unwrap();
        let ids = |v: &serde_json::Value| -> Vec<i64> {
            v["flags"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect()
        };
        let mut expected = ids(&before);
        expected.extend([1001, 1002]);
        assert_eq!(ids(&after), expected);
        let added = after["flags"].as_array().unwrap().iter().find(|f| f["id"] == 1002).unwrap();
        assert_eq!(added["target_agent"], "@nobody.here");
        assert_eq!(added["suggestion"]["name"], "@service.auth");

        let found = search_agents(&b, "JWT authentication implementation", 5).unwrap();
        assert_eq!(found["generation"], "v1");
        assert_eq!(found["results"].as_array().unwrap().len(), 5);
        assert_eq!(found["results"][0]["rank"], 1);
        assert!(search_agents(&b, "   ", 5).unwrap()["results"].as_array().unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
