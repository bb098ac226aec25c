//! Sets `cfg(shared_fixtures)` when `../shared/fixtures` (beside the repository) holds the v1
//! and v2 fixture databases. `tests/wasm_sqljs.rs` compiles those two files in (a test in the
//! browser cannot read files), so without them its fixture tests are left out (the wasm tier
//! counts fewer tests) instead of the whole file failing to compile. The path is fixed:
//! `FLAGDECK_FIXTURES`, which the native and end-to-end tests honour, cannot move an
//! `include_bytes!`.

use std::path::Path;

/// The fixture files `tests/wasm_sqljs.rs` includes, relative to the repository root.
const FIXTURES: [&str; 2] =
    ["../shared/fixtures/acolytes-v1-small.db", "../shared/fixtures/acolytes-v2-small.db"];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_fixtures)");
    println!("cargo::rerun-if-changed=build.rs");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    // Each file, or while it is missing the nearest folder above it that exists (a folder's
    // time changes when an entry is added): a missing path would rerun this script, and so
    // rebuild the crate, at every build.
    for file in FIXTURES {
        let watched = root.join(file).ancestors().find(|p| p.exists()).map(Path::to_path_buf);
        if let Some(path) = watched {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }
    if FIXTURES.iter().all(|f| root.join(f).is_file()) {
        println!("cargo::rustc-cfg=shared_fixtures");
    }
}
