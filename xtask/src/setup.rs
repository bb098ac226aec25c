//! `cargo xtask setup`: installs what building and testing need, skipping whatever is already
//! there at the right version. Safe to run again and again.

use std::path::Path;
use std::time::Duration;

use crate::util::{cmd, output, repo_root, run, timed, Result};

pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The exact `wasm-bindgen` version in Cargo.lock: wasm-bindgen-cli must be the same.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(repo_root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
            {
                versions.push(v.to_owned());
            }
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("Cargo.lock has no wasm-bindgen package".into()),
        many => Err(format!(
            "Cargo.lock has several wasm-bindgen versions ({}); wasm-bindgen-cli can match only one",
            many.join(", ")
        )),
    }
}

/// Second word of `tool --version` ("trunk 0.21.14" → "0.21.14").
fn tool_version(tool: &str) -> Option<String> {
    output(tool, &["--version"]).and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
}

fn step(label: &str, f: impl FnOnce() -> Result<()>) -> Result<Duration> {
    println!("[setup] {label}");
    Ok(timed(&format!("setup: {label}"), f)?.1)
}

fn is_root() -> bool {
    output("id", &["-u"]).as_deref() == Some("0")
}

/// `apt-get` as root, or through `sudo -n` otherwise.
fn apt_get(args: &[&str]) -> Result<()> {
    let mut c = if is_root() {
        cmd("apt-get")
    } else if output("sudo", &["-n", "true"]).is_some() {
        let mut c = cmd("sudo");
        c.args(["-n", "apt-get"]);
        c
    } else {
        return Err(format!(
            "apt-get {} needs root: run `sudo apt-get update && sudo apt-get install -y chromium chromium-driver` once, then retry",
            args.join(" ")
        ));
    };
    c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    run(&mut c)
}

fn rust_target() -> Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"])
        .ok_or("rustup is not available: install Rust with rustup (https://rustup.rs) first")?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        println!("  {WASM_TARGET}: already installed");
    } else {
        run(cmd("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    // The lint tier needs clippy and rustfmt (absent from rustup's minimal profile).
    let components = output("rustup", &["component", "list", "--installed"]).unwrap_or_default();
    let missing: Vec<&str> = ["clippy", "rustfmt"]
        .into_iter()
        .filter(|c| !components.lines().any(|l| l.starts_with(&format!("{c}-"))))
        .collect();
    if missing.is_empty() {
        println!("  clippy, rustfmt: already installed");
        return Ok(());
    }
    run(cmd("rustup").arg("component").arg("add").args(&missing))
}

fn wasm_bindgen_cli() -> Result<()> {
    let wanted = wasm_bindgen_version()?;
    let have = tool_version("wasm-bindgen");
    let runner = tool_version("wasm-bindgen-test-runner");
    if have.as_deref() == Some(wanted.as_str()) && runner.as_deref() == Some(wanted.as_str()) {
        println!("  wasm-bindgen-cli {wanted} (the version in Cargo.lock): already installed");
        return Ok(());
    }
    println!(
        "  wasm-bindgen-cli: Cargo.lock wants {wanted}, found {} — installing (a few minutes)",
        have.as_deref().unwrap_or("none")
    );
    // Deliberately without --locked (the project's documented way to install it).
    run(cmd("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    match tool_version("wasm-bindgen") {
        Some(v) if v == wanted => Ok(()),
        other => Err(format!(
            "after installing, `wasm-bindgen --version` reports {other:?}, not {wanted}: is another wasm-bindgen earlier on PATH?"
        )),
    }
}

fn trunk() -> Result<()> {
    if tool_version("trunk").as_deref() == Some(TRUNK_VERSION) {
        println!("  trunk {TRUNK_VERSION}: already installed");
        return Ok(());
    }
    println!("  trunk {TRUNK_VERSION}: installing (about 7 minutes on 2 cores)");
    run(cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

fn node() -> Result<()> {
    if output("node", &["--version"]).is_none() || output("npm", &["--version"]).is_none() {
        println!("  node/npm missing: installing Debian's nodejs and npm");
        apt_get(&["update"])?;
        apt_get(&["install", "-y", "--no-install-recommends", "nodejs", "npm"])?;
    }
    let v = output("node", &["--version"]).ok_or("node does not run after installing it")?;
    let major: u32 = v.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < 20 {
        return Err(format!(
            "node {v} is too old: playwright-core and the end-to-end tests need node 20 or newer"
        ));
    }
    println!("  node {v}");
    Ok(())
}

/// `npm ci` unless every package in package-lock.json is already in node_modules at its version.
fn npm_packages() -> Result<()> {
    let root = repo_root();
    let lock_text = std::fs::read_to_string(root.join("package-lock.json"))
        .map_err(|e| format!("cannot read package-lock.json: {e}"))?;
    let lock: serde_json::Value =
        serde_json::from_str(&lock_text).map_err(|e| format!("package-lock.json: {e}"))?;
    let packages = lock["packages"].as_object().ok_or("package-lock.json has no packages")?;
    let mut stale = Vec::new();
    for (path, meta) in packages.iter().filter(|(p, _)| !p.is_empty()) {
        let wanted = meta["version"].as_str().unwrap_or("");
        let installed = std::fs::read_to_string(root.join(path).join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|j| j["version"].as_str().map(str::to_owned));
        if installed.as_deref() != Some(wanted) {
            stale.push(format!("{path}@{wanted}"));
        }
    }
    if stale.is_empty() {
        println!("  node_modules matches package-lock.json ({} packages)", packages.len() - 1);
        return Ok(());
    }
    println!("  node_modules is missing or stale ({}): npm ci", stale.join(", "));
    run(cmd("npm").args(["ci", "--no-audit", "--no-fund"]))
}

fn browser() -> Result<()> {
    let have = |p: &str| Path::new(p).is_file();
    if have(CHROMIUM) && have(CHROMEDRIVER) {
        println!("  {CHROMIUM} and {CHROMEDRIVER}: already installed");
    } else {
        println!("  chromium or chromium-driver missing: installing Debian's packages");
        apt_get(&["update"])?;
        apt_get(&["install", "-y", "--no-install-recommends", "chromium", "chromium-driver"])?;
    }
    let browser = output(CHROMIUM, &["--version"]).ok_or("chromium does not run")?;
    let driver = output(CHROMEDRIVER, &["--version"]).ok_or("chromedriver does not run")?;
    println!("  {browser}; {driver}");
    Ok(())
}

/// Installs everything; with `with_browser` also Chromium and chromedriver (tests and bench).
pub fn setup(with_browser: bool) -> Result<()> {
    let mut took = Vec::new();
    took.push(("rust target", step("Rust target wasm32-unknown-unknown, clippy, rustfmt", rust_target)?));
    took.push(("wasm-bindgen-cli", step("wasm-bindgen-cli (same version as Cargo.lock)", wasm_bindgen_cli)?));
    took.push(("trunk", step(&format!("trunk {TRUNK_VERSION}"), trunk)?));
    took.push(("node", step("node 20+", node)?));
    took.push(("npm ci", step("npm packages (sql.js, binaryen, playwright-core)", npm_packages)?));
    if with_browser {
        took.push(("chromium", step("Chromium and chromedriver (Debian packages)", browser)?));
    }
    let list: Vec<String> =
        took.iter().map(|(n, d)| format!("{n} {}", crate::util::fmt_duration(*d))).collect();
    println!("[setup] ready: {}", list.join(", "));
    Ok(())
}
