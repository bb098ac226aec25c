//! Persistent storage (`navigator.storage`): asking the browser not to evict the working copy.

use std::fmt;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::StorageManager;

use super::describe;

#[wasm_bindgen]
extern "C" {
    /// `navigator`, seen for its `storage` (absent outside secure contexts).
    type NavigatorStorage;

    #[wasm_bindgen(method, getter)]
    fn storage(this: &NavigatorStorage) -> Option<StorageManager>;
}

/// Why persistence could not be asked for.
#[derive(Debug, Clone)]
pub enum StorageError {
    /// No StorageManager on this page (not a secure context, or an old browser).
    Unsupported,
    /// The browser threw, kept as thrown.
    Failed(JsValue),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Unsupported => {
                write!(f, "this browser cannot keep storage for this page: export your changes to keep them")
            }
            StorageError::Failed(e) => {
                write!(
                    f,
                    "the browser did not answer about storage ({}): export your changes to keep them",
                    describe(e)
                )
            }
        }
    }
}

/// `navigator.storage.persist()`, unless already granted: whether the browser keeps this
/// page's storage until the person clears it.
pub async fn persist() -> Result<bool, StorageError> {
    let navigator = web_sys::window().ok_or(StorageError::Unsupported)?.navigator();
    let storage =
        navigator.unchecked_into::<NavigatorStorage>().storage().ok_or(StorageError::Unsupported)?;
    let ask = |p: Result<js_sys::Promise, JsValue>| async move { JsFuture::from(p?).await };
    if ask(storage.persisted()).await.map_err(StorageError::Failed)?.as_bool() == Some(true) {
        return Ok(true);
    }
    Ok(ask(storage.persist()).await.map_err(StorageError::Failed)?.as_bool() == Some(true))
}
