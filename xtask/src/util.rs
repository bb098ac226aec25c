//! Small helpers: paths, running commands with a visible echo, timing.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub type Result<T> = std::result::Result<T, String>;

/// The repository root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the repository").to_path_buf()
}

/// `../shared/fixtures` beside the repository (or `$FLAGDECK_FIXTURES`), if it holds the fixtures.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("FLAGDECK_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => repo_root().join("../shared/fixtures"),
    };
    dir.join("acolytes-v1-small.db").is_file().then_some(dir)
}

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`, by default `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| OsString::from("/root"));
    PathBuf::from(home).join(".cargo").join("bin")
}

/// Puts `~/.cargo/bin` and `node_modules/.bin` first on this process's PATH so that every child (trunk, wasm-opt, wasm-bindgen,
/// wasm-bindgen-test-runner) finds the tools `setup` installs. Called once, before any thread.
pub fn ensure_cargo_bin_on_path() {
    // node_modules/.bin holds binaryen's wasm-opt, which Trunk runs on the release wasm
    // (index.html: data-wasm-opt); cargo's bin holds trunk and wasm-bindgen.
    let wanted = [cargo_bin_dir(), repo_root().join("node_modules/.bin")];
    let current = std::env::var_os("PATH").unwrap_or_default();
    let mut parts: Vec<PathBuf> = std::env::split_paths(&current).collect();
    if parts.starts_with(&wanted) {
        return;
    }
    parts.retain(|p| !wanted.contains(p));
    parts.splice(0..0, wanted);
    if let Ok(joined) = std::env::join_paths(parts) {
        std::env::set_var("PATH", joined);
    }
}

/// A command that runs in the repository root.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(repo_root());
    c
}

fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(' ') {
            s.push_str(&format!(" '{a}'"));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}

/// Runs a command with inherited stdio, echoing it first. Fails with a message naming it.
pub fn run(c: &mut Command) -> Result<()> {
    let line = describe(c);
    println!("$ {line}");
    let _ = std::io::stdout().flush();
    let status = c.status().map_err(|e| format!("could not start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// Runs a command, streaming its stdout to ours while keeping a copy (stderr is inherited).
pub fn run_tee(c: &mut Command) -> Result<String> {
    let (copy, status, line) = run_tee_status(c)?;
    if status.success() {
        Ok(copy)
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// Like [`run_tee`], but a failing command still hands back its output (with its status and
/// command line), so that the caller can say what failed.
pub fn run_tee_status(c: &mut Command) -> Result<(String, std::process::ExitStatus, String)> {
    let line = describe(c);
    println!("$ {line}");
    let _ = std::io::stdout().flush();
    let mut child = c.stdout(Stdio::piped()).spawn().map_err(|e| format!("could not start `{line}`: {e}"))?;
    let mut copy = String::new();
    if let Some(out) = child.stdout.take() {
        for l in BufReader::new(out).lines().map_while(std::result::Result::ok) {
            println!("{l}");
            copy.push_str(&l);
            copy.push('\n');
        }
    }
    let status = child.wait().map_err(|e| format!("`{line}`: {e}"))?;
    Ok((copy, status, line))
}

/// The trimmed stdout of a command that succeeded, or `None` (also when it cannot start).
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = cmd(program).args(args).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.1}s")
    }
}

/// Runs `f`, printing how long it took under `label`.
pub fn timed<T>(label: &str, f: impl FnOnce() -> Result<T>) -> Result<(T, Duration)> {
    let start = Instant::now();
    let v = f()?;
    let took = start.elapsed();
    println!("[xtask] {label}: done in {}", fmt_duration(took));
    Ok((v, took))
}

/// Command-line arguments after the subcommand, with `--name value` options.
pub struct Args {
    rest: Vec<String>,
}

impl Args {
    pub fn new(rest: Vec<String>) -> Self {
        Args { rest }
    }

    /// Removes the switch `--name` (no value) and tells whether it was given.
    pub fn switch(&mut self, name: &str) -> bool {
        let flag = format!("--{name}");
        let before = self.rest.len();
        self.rest.retain(|a| *a != flag);
        self.rest.len() != before
    }

    /// Removes `--name value` (or `--name=value`) and returns the value.
    pub fn opt(&mut self, name: &str) -> Result<Option<String>> {
        let flag = format!("--{name}");
        let prefix = format!("--{name}=");
        if let Some(i) = self.rest.iter().position(|a| a.starts_with(&prefix)) {
            let a = self.rest.remove(i);
            return Ok(Some(a[prefix.len()..].to_owned()));
        }
        match self.rest.iter().position(|a| a == &flag) {
            None => Ok(None),
            Some(i) if i + 1 < self.rest.len() => {
                self.rest.remove(i);
                Ok(Some(self.rest.remove(i)))
            }
            Some(_) => Err(format!("{flag} needs a value")),
        }
    }

    pub fn parsed<T: std::str::FromStr>(&mut self, name: &str) -> Result<Option<T>> {
        match self.opt(name)? {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| format!("--{name}: `{v}` is not a valid value")),
        }
    }

    /// Removes and returns the next positional argument.
    pub fn positional(&mut self, what: &str) -> Result<String> {
        match self.rest.iter().position(|a| !a.starts_with("--")) {
            Some(i) => Ok(self.rest.remove(i)),
            None => Err(format!("missing {what}")),
        }
    }

    /// Fails on anything not consumed.
    pub fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(format!("unexpected arguments: {}", self.rest.join(" ")))
        }
    }
}
