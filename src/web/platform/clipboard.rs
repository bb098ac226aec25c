//! The clipboard: `navigator.clipboard.writeText`, for "Copy" of a whole value.

use std::fmt;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::describe;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
    fn write_text(text: &str) -> Result<js_sys::Promise, JsValue>;
}

/// Why a text could not be copied: the browser has no clipboard here (not a secure context) or
/// refused (no permission, the page not focused), kept as thrown.
#[derive(Debug, Clone)]
pub struct ClipboardError(pub JsValue);

impl fmt::Display for ClipboardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", describe(&self.0))
    }
}

/// Puts `text` on the clipboard. Errors: [`ClipboardError`].
pub async fn copy_text(text: &str) -> Result<(), ClipboardError> {
    let promise = write_text(text).map_err(ClipboardError)?;
    JsFuture::from(promise).await.map(|_| ()).map_err(ClipboardError)
}
