//! `cargo xtask <command>`: the project's one entry point for set-up, serving, testing,
//! benchmarking and the native database tools. See README.md.

mod dashbench;
mod dbtools;
mod flagbench;
mod flaglogbench;
mod questbench;
mod searchbench;
mod serve;
mod setup;
mod tiers;
mod util;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use util::{Args, Result};

const USAGE: &str = "\
usage: cargo xtask <command>

  setup                 install what building and testing need (idempotent; needs root or
                        sudo only when Chromium/chromedriver are missing)
  serve [--port N]      set up, build the release app with trunk, serve dist/ on 127.0.0.1
                        (default port 8080)
  test [--repeat N]     set up (with Chromium), then every test tier, failing fast:
                        a. fmt + clippy (native and wasm32)  b. native tests
                        c. wasm-bindgen tests in headless Chromium  d. trunk build + e2e tests
                        (--repeat N: the e2e tests N times in all, each run must pass)
  bench                 release build; app size (raw/gzip/brotli) and open-to-summary timings
                        for generated 10k/100k-flag databases next to raw sql.js; the flag list
                        over 100k flags (filter changes, scrolling) next to raw sql.js; agent
                        search over a 10000-agent catalog, natively and per keystroke in the app;
                        the quests page over 100k quests (open, filter changes, scrolling) next
                        to raw sql.js

  inspect-db FILE                          JSON description of a database (integrity, schema,
                                           per-table row counts and content digests; with the
                                           FILE-wal beside it read as SQLite reads it)
  flaglog-bench DB                         the flag figures natively (release): FlagLog::read,
                                           the figures from it, the same figures in SQL
  gen-demo --flags N [--seed S] [--agents M] [--tool-logs L] --out FILE
                                           write a generated flag database (M: catalog size,
                                           at least the 57 normal agents; default: those 57)
  gen-demo --generation v2 --quests N [--seed S] [--agents M] [--tool-logs L] --out FILE
                                           an Acolytes 2.x file: N quests, no flags
  gen-demo --generation hybrid --quests N [--flags F] [--seed S] [--agents M] [--tool-logs L]
           --out FILE                      the v1 file (F flags, default 300) upgraded to 2.x
                                           with N quests
  demo-asset OUT                           the app's built-in demo database, zlib-deflated
                                           (Trunk's pre-build hook writes it for the build)
  counts-sql FILE --out SQLFILE            the summary count SQL for FILE's schema
  exec-sql [--from FILE] --out FILE SQL    run SQL on a copy of FILE (or an empty database)
  query FILE SQL                           JSON: the rows SQL returns on a copy of FILE, natively
                                           (with a copy of FILE-wal when one is beside FILE)
  make-wal-pair --from FILE --out DIR --flags N [--transactions T] [--torn] [--page-size P]
                                           a WAL-mode copy of FILE with N flags added in T
                                           transactions (default 3) by a writer held open, its
                                           main file and -wal copied to DIR before any checkpoint
                                           (--torn: the -wal cut in the middle of its last frame;
                                           --page-size: the copy rebuilt with P-byte pages first)
  wal-writer --from FILE --dir DIR         an agent stand-in: FILE copied to DIR in WAL mode, a
                                           writer held open obeying stdin lines (add N, lock ID,
                                           unlock ID, turn QUEST AGENT, checkpoint, quit), one
                                           JSON line each
  search-agents FILE QUERY [--limit N]     JSON: flagdeck's agent search (search-agents scoring,
                                           default limit 5) on FILE's catalog, natively
  search-bench DB --out JSON               time SearchIndex::new and 20 queries natively (bench
                                           runs it in a release build); JSON for bench.mjs
  dashboard FILE [--state JSON] [--now 'YYYY-MM-DD HH:MM']
                                           JSON: the dashboard computed natively (rusqlite) by
                                           the app's core, for the given settings
  snapshot-link FILE                       length of the snapshot link of FILE's default dashboard
  dashboard-bench DB --out JSON            time the dashboard natively (bench runs it in a release
                                           build); its SQL statements as JSON for bench-dashboard.mjs
  flags-bench-sql DB --out JSON            the flag list's filter changes and scroll positions
                                           with the SQL the app runs for each (the core's
                                           builders) and the native answers; JSON for bench.mjs
  quests-bench-sql DB --out JSON           the quests page's open, filter changes and scroll
                                           positions with the SQL the app runs for each (the
                                           core's builders) and the native answers; for bench.mjs
  routing-errors FILE                      JSON: pending flags whose target is empty or not an
                                           agent (plain SQL), each with its top search result
";

fn main() -> ExitCode {
    util::ensure_cargo_bin_on_path();
    let mut argv = std::env::args().skip(1);
    let command = argv.next().unwrap_or_default();
    let args = Args::new(argv.collect());
    match dispatch(&command, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!();
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_json(value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    // A closed pipe (`| head`) is not worth a panic.
    let _ = writeln!(std::io::stdout(), "{text}");
    Ok(())
}

fn dispatch(command: &str, mut args: Args) -> Result<()> {
    match command {
        "setup" => {
            args.finish()?;
            setup::setup(true)
        }
        "serve" => {
            let port = args.parsed::<u16>("port")?.unwrap_or(8080);
            args.finish()?;
            setup::setup(false)?;
            let dist = tiers::trunk_build()?;
            serve::serve_dir(&dist, port)
        }
        "test" => {
            let repeat = args.parsed::<u32>("repeat")?.unwrap_or(1);
            args.finish()?;
            tiers::test(repeat)
        }
        "bench" => {
            args.finish()?;
            tiers::bench()
        }
        "inspect-db" => {
            let file = PathBuf::from(args.positional("FILE")?);
            args.finish()?;
            print_json(&dbtools::inspect_db(&file)?)
        }
        "gen-demo" => {
            let generation = args.opt("generation")?;
            let flags = args.parsed::<usize>("flags")?;
            let quests = args.parsed::<usize>("quests")?;
            let seed = args.parsed::<u64>("seed")?;
            let agents = args.parsed::<usize>("agents")?;
            let tool_logs = args.parsed::<usize>("tool-logs")?;
            let out = args.opt("out")?.ok_or("--out FILE is required")?;
            args.finish()?;
            let (generation, flags) = dbtools::demo_generation(generation.as_deref(), flags, quests)?;
            dbtools::gen_demo_of(generation, flags, seed, agents, tool_logs, &PathBuf::from(out))
        }
        "demo-asset" => {
            let out = PathBuf::from(args.positional("OUT")?);
            args.finish()?;
            dbtools::demo_asset(&out)
        }
        "counts-sql" => {
            let out = args.opt("out")?.ok_or("--out SQLFILE is required")?;
            let file = PathBuf::from(args.positional("FILE")?);
            args.finish()?;
            dbtools::write_counts_sql(&file, &PathBuf::from(out))
        }
        "exec-sql" => {
            let from = args.opt("from")?.map(PathBuf::from);
            let out = args.opt("out")?.ok_or("--out FILE is required")?;
            let sql = args.positional("SQL")?;
            args.finish()?;
            dbtools::exec_sql(from.as_deref(), &PathBuf::from(out), &sql)
        }
        "wal-writer" => {
            let from = args.opt("from")?.ok_or("--from FILE is required")?;
            let dir = args.opt("dir")?.ok_or("--dir DIR is required")?;
            args.finish()?;
            dbtools::wal_writer(&PathBuf::from(from), &PathBuf::from(dir))
        }
        "make-wal-pair" => {
            let from = args.opt("from")?.ok_or("--from FILE is required")?;
            let out = args.opt("out")?.ok_or("--out DIR is required")?;
            let flags = args.parsed::<usize>("flags")?.ok_or("--flags N is required")?;
            let transactions = args.parsed::<usize>("transactions")?.unwrap_or(3);
            let torn = args.switch("torn");
            let page_size = args.parsed::<u32>("page-size")?;
            args.finish()?;
            let (from, out) = (PathBuf::from(from), PathBuf::from(out));
            print_json(&dbtools::make_wal_pair(&from, &out, flags, transactions, torn, page_size)?)
        }
        "query" => {
            let file = PathBuf::from(args.positional("FILE")?);
            let sql = args.positional("SQL")?;
            args.finish()?;
            print_json(&dbtools::query(&file, &sql)?)
        }
        "flags-bench-sql" => {
            let out = args.opt("out")?.ok_or("--out JSON is required")?;
            let db = PathBuf::from(args.positional("DB")?);
            args.finish()?;
            flagbench::write(&db, &PathBuf::from(out))
        }
        "quests-bench-sql" => {
            let out = args.opt("out")?.ok_or("--out JSON is required")?;
            let db = PathBuf::from(args.positional("DB")?);
            args.finish()?;
            questbench::write(&db, &PathBuf::from(out))
        }
        "search-agents" => {
            let limit = args.parsed::<usize>("limit")?.unwrap_or(flagdeck_core::search::DEFAULT_LIMIT);
            let file = PathBuf::from(args.positional("FILE")?);
            let query = args.positional("QUERY")?;
            args.finish()?;
            print_json(&dbtools::search_agents(&file, &query, limit)?)
        }
        "search-bench" => {
            let out = args.opt("out")?.ok_or("--out JSON is required")?;
            let db = PathBuf::from(args.positional("DB")?);
            args.finish()?;
            searchbench::run(&db, &PathBuf::from(out))
        }
        "snapshot-link" => {
            let file = PathBuf::from(args.positional("FILE")?);
            args.finish()?;
            dashbench::snapshot_link(&file)
        }
        "flaglog-bench" => {
            let db = PathBuf::from(args.positional("DB")?);
            args.finish()?;
            flaglogbench::run(&db)
        }
        "dashboard-bench" => {
            let out = args.opt("out")?.ok_or("--out JSON is required")?;
            let db = PathBuf::from(args.positional("DB")?);
            args.finish()?;
            dashbench::run(&db, &PathBuf::from(out))
        }
        "dashboard" => {
            let state = args.opt("state")?;
            let now = args.opt("now")?.unwrap_or_else(|| "2026-01-01 00:00".to_owned());
            let file = PathBuf::from(args.positional("FILE")?);
            args.finish()?;
            print_json(&dbtools::dashboard(&file, state.as_deref(), &now)?)
        }
        "routing-errors" => {
            let file = PathBuf::from(args.positional("FILE")?);
            args.finish()?;
            print_json(&dbtools::routing_errors(&file)?)
        }
        "" | "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}
