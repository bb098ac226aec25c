//! Sets `cfg(shared_fixtures)` when `../shared/fixtures` (beside the repository) holds the v1
//! and v2 fixture databases. `tests/wasm_sqljs.rs` compiles those two files in (a test in the
//! browser cannot read files), so without them its fixture tests are left out instead of the
//! whole file failing to compile; `cargo xtask test` reports the fixture tests as skipped then.

use std::path::Path;

/// The fixture files `tests/wasm_sqljs.rs` includes, relative to the repository root.
const FIXTURES: [&str; 2] =
    ["../shared/fixtures/acolytes-v1-small.db", "../shared/fixtures/acolytes-v2-small.db"];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_fixtures)");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    for file in FIXTURES {
        println!("cargo::rerun-if-changed={file}");
    }
    if FIXTURES.iter().all(|f| Path::new(&root).join(f).is_file()) {
        println!("cargo::rustc-cfg=shared_fixtures");
    }
}
