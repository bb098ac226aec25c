//! The browser entry point (built by Trunk for wasm32). Natively there is nothing to run: the
//! native tools live in `xtask`.

#[cfg(target_arch = "wasm32")]
fn main() {
    flagdeck::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("flagdeck runs in the browser: use `cargo xtask serve`.");
}
