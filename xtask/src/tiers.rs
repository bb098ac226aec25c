//! `cargo xtask test` (every tier, fail fast) and `cargo xtask bench` (figures, no assertions).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::dbtools;
use crate::flagbench;
use crate::setup::setup;
use crate::util::{cmd, fixtures_dir, fmt_duration, repo_root, run, run_tee, run_tee_status, Result};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `cargo fetch --locked` (trunk passes `--offline` on to cargo, and on a fresh machine nothing
/// has downloaded the crates only the wasm32 build uses yet), then `trunk build --release
/// --offline`; checks that dist/ has the page.
pub fn trunk_build() -> Result<PathBuf> {
    run(cmd("cargo").args(["fetch", "--locked"]))?;
    run(cmd("trunk").args(["build", "--release", "--offline"]))?;
    let dist = repo_root().join("dist");
    if !dist.join("index.html").is_file() {
        return Err("trunk build succeeded but dist/index.html is missing".into());
    }
    Ok(dist)
}

fn cargo(args: &[&str]) -> Command {
    let mut c = cmd("cargo");
    c.args(args);
    c
}

fn lint() -> Result<String> {
    run(&mut cargo(&["fmt", "--all", "--check"]))
        .map_err(|e| format!("{e}\n  → formatting differs: run `cargo fmt --all`"))?;
    run(&mut cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    let mut wasm = vec!["clippy", "--lib", "--bins"];
    let wasm_test = repo_root().join("tests/wasm_sqljs.rs").is_file();
    if wasm_test {
        // Only the wasm test target: the other integration tests use the native adapter and do
        // not build for wasm32, so `--tests` cannot be used here.
        wasm.extend(["--test", "wasm_sqljs"]);
    }
    wasm.extend(["--target", WASM_TARGET, "--", "-D", "warnings"]);
    run(&mut cargo(&wasm))?;
    Ok(if wasm_test {
        "fmt, clippy native (all targets), clippy wasm32 (lib, bins, test wasm_sqljs)".into()
    } else {
        "fmt, clippy native (all targets), clippy wasm32 (lib, bins)".into()
    })
}

fn native_tests() -> Result<String> {
    let out = run_tee(&mut cargo(&["test", "--workspace"]))?;
    Ok(summarise_cargo_test(&out))
}

/// Adds up the "test result:" lines of cargo test output.
fn summarise_cargo_test(out: &str) -> String {
    let (mut passed, mut ignored) = (0u64, 0u64);
    for line in out.lines().filter(|l| l.starts_with("test result:")) {
        let num_before = |word: &str| {
            line.split(';')
                .find(|p| p.trim().ends_with(word))
                .and_then(|p| p.split_whitespace().rev().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        passed += num_before("passed");
        ignored += num_before("ignored");
    }
    format!("{passed} passed, {ignored} ignored")
}

fn wasm_tests() -> Result<String> {
    let root = repo_root();
    if !root.join("tests/wasm_sqljs.rs").is_file() {
        return Err("tests/wasm_sqljs.rs does not exist, so the wasm tier has nothing to run".into());
    }
    if !root.join("node_modules/sql.js/dist/worker.sql-wasm.js").is_file() {
        return Err("node_modules/sql.js is missing (npm ci did not run?)".into());
    }
    let mut c = cargo(&["test", "--target", WASM_TARGET, "--test", "wasm_sqljs"]);
    // The runner serves its own files first and then the current directory (the repository
    // root), which is how the test reaches /node_modules/sql.js/dist/worker.sql-wasm.js. It reads
    // webdriver.json from the current directory for Chromium's path and flags.
    c.current_dir(&root)
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
        .env("CHROMEDRIVER", CHROMEDRIVER);
    for other in ["GECKODRIVER", "SAFARIDRIVER", "MSEDGEDRIVER"] {
        c.env_remove(other).env_remove(format!("{other}_REMOTE"));
    }
    c.env_remove("CHROMEDRIVER_REMOTE").env_remove("NO_HEADLESS");
    if std::env::var_os("WASM_BINDGEN_TEST_TIMEOUT").is_none() {
        c.env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    }
    let out = run_tee(&mut c)?;
    if out.contains("no tests to run!") {
        return Err("wasm-bindgen-test-runner found no tests in wasm_sqljs".into());
    }
    if !out.contains("Running headless tests in Chrome") {
        return Err("the wasm tests did not run in headless Chrome (is `wasm_bindgen_test_configure!(run_in_browser)` set?)".into());
    }
    let summary = summarise_cargo_test(&out);
    if summary.starts_with("0 passed") {
        return Err(format!("the wasm tests report {summary}"));
    }
    Ok(format!("{summary} (headless Chromium)"))
}

fn e2e() -> Result<String> {
    let build_start = Instant::now();
    trunk_build()?;
    let build = fmt_duration(build_start.elapsed());
    e2e_run().map(|ran| format!("trunk build {build}; {ran}"))
}

/// Runs every end-to-end test file once against the build already in dist/.
fn e2e_run() -> Result<String> {
    let xtask = std::env::current_exe().map_err(|e| format!("cannot locate the xtask binary: {e}"))?;
    // The test files are listed explicitly: `node --test tests/e2e/` finds the same files on
    // node 20, but newer node versions read the argument as a glob pattern.
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("tests/e2e"))
        .map_err(|e| format!("cannot list tests/e2e: {e}"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".test.mjs"))
        .map(|n| format!("tests/e2e/{n}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err("tests/e2e has no *.test.mjs files".into());
    }
    let mut c = cmd("node");
    c.arg("--test").args(&files).env("XTASK_BIN", xtask);
    let (out, status, line) = run_tee_status(&mut c)?;
    // node's reporters end with "# pass N" (TAP) or "ℹ pass N" (spec).
    let count = |word: &str| {
        out.lines()
            .rev()
            .find_map(|l| {
                let l = l.trim_start_matches(['#', 'ℹ', ' ']);
                l.strip_prefix(word).and_then(|n| n.trim().parse::<u64>().ok())
            })
            .unwrap_or(0)
    };
    let (pass, skipped, fail) = (count("pass "), count("skipped "), count("fail "));
    if !status.success() {
        let failed = failed_tests(&out);
        return Err(format!(
            "{fail} end-to-end test(s) failed ({pass} passed){}{}",
            if failed.is_empty() { String::new() } else { format!(": {}", failed.join("; ")) },
            if failed.is_empty() { format!(" — `{line}` exited with {status}") } else { String::new() }
        ));
    }
    if pass == 0 {
        return Err("node --test ran no passing end-to-end test".into());
    }
    Ok(format!("{pass} passed, {skipped} skipped"))
}

/// Names of the failed tests in node's TAP output (`not ok N - name`, at any nesting).
fn failed_tests(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.trim_start().strip_prefix("not ok "))
        .filter_map(|rest| rest.split_once(" - ").map(|(_, name)| name.trim().to_owned()))
        .collect()
}

struct Outcome {
    name: String,
    took: Duration,
    result: std::result::Result<String, String>,
}

fn print_summary(outcomes: &[Outcome], total: Duration, note: Option<&str>) {
    println!();
    println!("==================== cargo xtask test: summary ====================");
    for o in outcomes {
        let (status, detail) = match &o.result {
            Ok(d) => ("ok  ", d.as_str()),
            Err(e) => ("FAIL", e.lines().next().unwrap_or("")),
        };
        println!("{status}  {:<22} {:>8}  {detail}", o.name, fmt_duration(o.took));
    }
    if let Some(note) = note {
        println!("NOTE  {note}");
    }
    println!("total {}", fmt_duration(total));
}

/// `cargo xtask test [--repeat N]`: set-up, then every tier in order, stopping at the first
/// failure; with `--repeat N` the end-to-end tier runs N times in all on the same build (a
/// flakiness check: every run must pass).
pub fn test(repeat: u32) -> Result<()> {
    let start = Instant::now();
    let note = match fixtures_dir() {
        Some(_) => None,
        None => {
            let n = "../shared/fixtures is absent: the fixture tests are reported as skipped (NOTE), everything else runs";
            println!("[xtask] NOTE: {n}");
            Some(n)
        }
    };
    type Tier = fn() -> Result<String>;
    let tiers: [(&'static str, Tier); 5] = [
        ("setup", || setup(true).map(|_| "tools present at the right versions".into())),
        ("a. fmt + clippy", lint),
        ("b. native tests", native_tests),
        ("c. wasm tests", wasm_tests),
        ("d. build + e2e tests", e2e),
    ];
    let reruns = (2..=repeat.max(1)).map(|k| (format!("d. e2e again ({k}/{repeat})"), e2e_run as Tier));
    let mut outcomes = Vec::new();
    for (name, tier) in tiers.into_iter().map(|(n, t)| (n.to_owned(), t)).chain(reruns) {
        println!();
        println!("==================== {name} ====================");
        let t = Instant::now();
        let result = tier();
        let failed = result.is_err();
        outcomes.push(Outcome { name: name.clone(), took: t.elapsed(), result });
        if failed {
            print_summary(&outcomes, start.elapsed(), note);
            let msg = outcomes.last().and_then(|o| o.result.clone().err()).unwrap_or_default();
            return Err(format!("tier `{name}` failed: {msg}"));
        }
    }
    print_summary(&outcomes, start.elapsed(), note);
    println!("all tiers passed");
    Ok(())
}

/// `cargo xtask bench`: release build, sizes, open-to-summary timings against raw sql.js, the
/// flag list (filter changes, scrolling) against raw sql.js, agent search over a big catalog
/// (natively in a release build, then per keystroke in the app), the dashboard on 200k flags /
/// 1M tool calls, the quests page on 100k quests, huge cells, and the working copy.
pub fn bench() -> Result<()> {
    setup(true)?;
    let dist = trunk_build()?;
    let out = repo_root().join("tests/e2e/out/bench");
    let mut cases = Vec::new();
    for (label, flags) in [("10k", 10_000usize), ("100k", 100_000)] {
        let db = out.join(format!("demo-{label}.db"));
        let sql = out.join(format!("demo-{label}.sql"));
        let t = Instant::now();
        dbtools::gen_demo(flags, None, None, None, &db)?;
        println!("[bench] generated {label} in {}", fmt_duration(t.elapsed()));
        dbtools::write_counts_sql(&db, &sql)?;
        cases.push(format!("{label}={},{}", db.display(), sql.display()));
    }
    let mut c = cmd("node");
    c.arg("tests/e2e/bench.mjs").arg("--dist").arg(&dist);
    for case in &cases {
        c.args(["--case", case]);
    }
    run(&mut c)?;

    // The flag list over the 100k database: filter changes and scrolling next to raw sql.js.
    let db = out.join("demo-100k.db");
    let json = out.join("flags-100k.json");
    let t = Instant::now();
    flagbench::write(&db, &json)?;
    println!("[bench] wrote the flag-list steps and their SQL in {}", fmt_duration(t.elapsed()));
    let mut c = cmd("node");
    c.arg("tests/e2e/bench.mjs").arg("--dist").arg(&dist).arg("--no-sizes");
    c.arg("--flags").arg(format!("{},{}", db.display(), json.display()));
    run(&mut c)?;

    // The same at a million flags (issue 15: the list's derived layer), 3 rounds: the naive
    // statements take seconds each there. The file (942 MB) is kept between runs: it is the
    // same file every time (the generator is seeded).
    let db = out.join("demo-1m.db");
    if !db.is_file() {
        let t = Instant::now();
        let mut gen =
            cargo(&["run", "--release", "-q", "-p", "xtask", "--", "gen-demo", "--flags", "1000000"]);
        run(gen.arg("--out").arg(&db))?;
        println!("[bench] generated 1M flags in {}", fmt_duration(t.elapsed()));
    }
    let json = out.join("flags-1m.json");
    let t = Instant::now();
    let mut steps = cargo(&["run", "--release", "-q", "-p", "xtask", "--", "flags-bench-sql"]);
    run(steps.arg(&db).arg("--out").arg(&json))?;
    println!("[bench] wrote the 1M flag-list steps and their SQL in {}", fmt_duration(t.elapsed()));
    let mut c = cmd("node");
    c.arg("tests/e2e/bench.mjs").arg("--dist").arg(&dist).arg("--no-sizes").args(["--rounds", "3"]);
    c.arg("--flags").arg(format!("{},{}", db.display(), json.display()));
    run(&mut c)?;

    // Agent search: 300 flags, 10000 agents (the normal catalog plus synthetic specialists).
    let db = out.join("demo-agents-10k.db");
    let json = out.join("search-native.json");
    let t = Instant::now();
    dbtools::gen_demo(300, None, Some(10_000), None, &db)?;
    println!("[bench] generated the 10000-agent catalog in {}", fmt_duration(t.elapsed()));
    // Timings from this (debug) binary would say little: run the same code in a release build.
    let mut native = cargo(&["run", "--release", "-q", "-p", "xtask", "--", "search-bench"]);
    native.arg(&db).arg("--out").arg(&json);
    run(&mut native)?;
    // The stores the app reads the big tables into, natively: page scan, build, figures.
    let mut stores =
        cargo(&["run", "--release", "-q", "-p", "flagdeck-core", "--example", "stores_speed", "--"]);
    run(stores.arg(&db))?;
    let mut c = cmd("node");
    c.arg("tests/e2e/bench.mjs").arg("--dist").arg(&dist).arg("--no-sizes");
    c.arg("--search").arg(format!("{},{}", db.display(), json.display()));
    run(&mut c)?;
    dashboard_bench(&dist, &out)?;
    quests_bench(&dist, &out)?;
    cells_bench(&dist, &out)?;
    durable_bench(&dist, &out)?;
    follow_bench(&dist, &out)
}

/// Follow mode on the 100k-flag file held open by a WAL-mode writer: one re-read (read, checks,
/// swap) and the memory after 50 re-reads (tests/e2e/bench-follow.mjs).
fn follow_bench(dist: &std::path::Path, out: &std::path::Path) -> Result<()> {
    let db = out.join("demo-100k.db");
    if !db.is_file() {
        dbtools::gen_demo(100_000, None, None, None, &db)?;
    }
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut c = cmd("node");
    c.arg("tests/e2e/bench-follow.mjs")
        .arg("--dist")
        .arg(dist)
        .arg("--db")
        .arg(&db)
        .arg("--xtask")
        .arg(xtask);
    run(&mut c)
}

/// Flag 7 of the huge-cell file with texts of ordinary length (the bench's control).
const CONTROL_SQL: &str = "UPDATE flags SET change_description = 'HUGE-START an ordinary change description of the usual length, for comparison. HUGE-END', context = '[1, 2, 3]' WHERE id = 7";

/// Huge cells (issue 12 item 4): the field file `huge-text-cell.db` (~0.95 million characters
/// in flag 7), a copy holding 9 million and a control copy with ordinary texts, made with plain
/// SQL; list, detail, Show all and the
/// edit form, each step's longest task next to the 50 ms goal (tests/e2e/bench-cells.mjs).
fn cells_bench(dist: &std::path::Path, out: &std::path::Path) -> Result<()> {
    let field = repo_root().join("../shared/field-cases/huge-text-cell.db");
    if !field.exists() {
        println!("[bench] ../shared/field-cases/huge-text-cell.db is absent: no huge-cell figures");
        return Ok(());
    }
    let nine = out.join("huge-text-cell-9mb.db");
    dbtools::exec_sql(
        Some(&field),
        &nine,
        "UPDATE flags SET change_description = 'HUGE-START' || replace(hex(zeroblob(4500000)), '00', 'ab') || 'HUGE-END' WHERE id = 7",
    )?;
    // The control: the same file with flag 7's texts of ordinary length, so a step's figures
    // can be told from what the page costs anyway.
    let control = out.join("huge-text-cell-control.db");
    dbtools::exec_sql(Some(&field), &control, CONTROL_SQL)?;
    let mut c = cmd("node");
    c.arg("tests/e2e/bench-cells.mjs").arg("--dist").arg(dist);
    c.arg("--db").arg(format!("control (flag 7 short)={}", control.display()));
    c.arg("--db").arg(format!("field 0.95M chars={}", field.display()));
    c.arg("--db").arg(format!("9M chars={}", nine.display()));
    run(&mut c)
}

/// Quests generated for the quests-page benchmark.
const BENCH_QUESTS: &str = "100000";

/// The quests page over 100k quests (a generated v2 file): open → board, filter changes and
/// scrolling in the list, each next to raw sql.js running the same statements (goals printed:
/// open ≤ 1.3× raw, filter median ≤ 150 ms, page p95 ≤ 50 ms). The file is written by a release
/// build, whose time is the generator's figure.
fn quests_bench(dist: &std::path::Path, out: &std::path::Path) -> Result<()> {
    let db = out.join("demo-quests-100k.db");
    let json = out.join("quests-100k.json");
    let sql = out.join("demo-quests-100k.sql");
    let t = Instant::now();
    let mut generate = cargo(&["run", "--release", "-q", "-p", "xtask", "--", "gen-demo"]);
    generate.args(["--generation", "v2", "--quests", BENCH_QUESTS, "--out"]).arg(&db);
    run(&mut generate)?;
    println!("[bench] generated {BENCH_QUESTS} quests (v2) in {} (release build)", fmt_duration(t.elapsed()));
    dbtools::write_counts_sql(&db, &sql)?;
    let mut native = cargo(&["run", "--release", "-q", "-p", "xtask", "--", "quests-bench-sql"]);
    native.arg(&db).arg("--out").arg(&json);
    run(&mut native)?;
    // The stores the app reads the big tables into, natively: page scan, build, figures.
    let mut stores =
        cargo(&["run", "--release", "-q", "-p", "flagdeck-core", "--example", "stores_speed", "--"]);
    run(stores.arg(&db))?;
    let mut c = cmd("node");
    c.arg("tests/e2e/bench.mjs").arg("--dist").arg(dist).arg("--no-sizes");
    c.arg("--quests").arg(format!("{},{},{}", db.display(), json.display(), sql.display()));
    run(&mut c)
}

/// The working copy: the time to write a change to browser storage after one edit at 100k
/// flags (goal p99 ≤ 50 ms), and the one-off time to store the original bytes at open.
fn durable_bench(dist: &std::path::Path, out: &std::path::Path) -> Result<()> {
    let db = out.join("demo-100k.db");
    if !db.is_file() {
        dbtools::gen_demo(100_000, None, None, None, &db)?;
    }
    let mut c = cmd("node");
    c.arg("tests/e2e/bench-durable.mjs").arg("--dist").arg(dist).arg("--db").arg(&db);
    run(&mut c)
}

/// The dashboard on 200k flags and a million tool calls: natively (release build, which also
/// records the statements), then in the app next to raw sql.js running those statements.
fn dashboard_bench(dist: &std::path::Path, out: &std::path::Path) -> Result<()> {
    // The v1 fixture (flags), the v2 one (quests) and the hybrid (both).
    for name in ["acolytes-v1-small.db", "acolytes-v2-small.db", "acolytes-hybrid-small.db"] {
        let fixture = repo_root().join("../shared/fixtures").join(name);
        if fixture.exists() {
            let mut c = cargo(&["run", "--release", "-q", "-p", "xtask", "--", "snapshot-link"]);
            run(c.arg(&fixture))?;
        } else {
            println!("[bench] ../shared/fixtures/{name} is absent: no snapshot-link figure for it");
        }
    }
    let db = out.join("demo-dashboard-200k-1m.db");
    let json = out.join("dashboard-native.json");
    let t = Instant::now();
    let mut generate = cargo(&["run", "--release", "-q", "-p", "xtask", "--", "gen-demo"]);
    generate.args(["--flags", "200000", "--tool-logs", "1000000", "--out"]).arg(&db);
    run(&mut generate)?;
    println!("[bench] generated 200k flags / 1M tool calls in {}", fmt_duration(t.elapsed()));
    let mut native = cargo(&["run", "--release", "-q", "-p", "xtask", "--", "dashboard-bench"]);
    native.arg(&db).arg("--out").arg(&json);
    run(&mut native)?;
    // The stores the app reads the big tables into, natively: page scan, build, figures.
    let mut stores =
        cargo(&["run", "--release", "-q", "-p", "flagdeck-core", "--example", "stores_speed", "--"]);
    run(stores.arg(&db))?;
    let mut c = cmd("node");
    c.arg("tests/e2e/bench-dashboard.mjs")
        .arg("--dist")
        .arg(dist)
        .arg("--db")
        .arg(&db)
        .arg("--json")
        .arg(&json);
    run(&mut c)
}

#[cfg(test)]
mod tests {
    use super::{failed_tests, summarise_cargo_test};

    #[test]
    fn names_the_failed_node_tests() {
        let out = "ok 1 - a\nnot ok 2 - clicking a row opens the page\n  ---\n# Subtest: x\n    not ok 1 - nested\n# fail 2\n";
        assert_eq!(failed_tests(out), ["clicking a row opens the page", "nested"]);
    }

    #[test]
    fn adds_up_cargo_test_results() {
        let out = "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\
                   noise\n\
                   test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        assert_eq!(summarise_cargo_test(out), "5 passed, 1 ignored");
    }
}
