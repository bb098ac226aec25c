//! Web Locks (`navigator.locks`): the lock a tab holds while it writes to a working copy, so
//! another tab never offers to resume, and then writes into, the same copy. Where the browser
//! has no Web Locks, nothing is locked and nothing is reported held.

use std::fmt;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::describe;

#[wasm_bindgen]
extern "C" {
    /// `navigator`, seen for its `locks`.
    type NavigatorLocks;

    /// `navigator.locks`, `None` where the browser lacks it.
    #[wasm_bindgen(method, getter)]
    fn locks(this: &NavigatorLocks) -> Option<LockManager>;

    /// A `LockManager`.
    type LockManager;

    #[wasm_bindgen(method, catch)]
    fn request(this: &LockManager, name: &str, callback: &Function) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn query(this: &LockManager) -> Result<Promise, JsValue>;

    /// What `query` resolves to.
    type LockSnapshot;

    #[wasm_bindgen(method, getter)]
    fn held(this: &LockSnapshot) -> Option<Array>;

    /// One entry of `held`.
    type LockInfo;

    #[wasm_bindgen(method, getter)]
    fn name(this: &LockInfo) -> Option<String>;
}

/// Why a lock could not be taken or looked up.
#[derive(Debug, Clone)]
pub enum LockError {
    /// The browser has no Web Locks here: go on without (two tabs are then not told apart).
    Unsupported,
    /// The browser threw, kept as thrown.
    Failed(JsValue),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Unsupported => {
                write!(f, "this browser has no Web Locks: avoid opening the same file in two tabs")
            }
            LockError::Failed(e) => write!(
                f,
                "the browser's lock failed ({}): avoid opening the same file in two tabs",
                describe(e)
            ),
        }
    }
}

fn manager() -> Result<LockManager, LockError> {
    let navigator = web_sys::window().ok_or(LockError::Unsupported)?.navigator();
    navigator.unchecked_into::<NavigatorLocks>().locks().ok_or(LockError::Unsupported)
}

/// Takes the lock `name` and keeps it until the tab goes away (the browser releases it then,
/// crash included). Returns once the request is made, not when it is granted.
pub fn request_forever(name: &str) -> Result<(), LockError> {
    let locks = manager()?;
    let held = Closure::<dyn FnMut(JsValue) -> JsValue>::new(|_| Promise::new(&mut |_, _| {}).into());
    let result = locks.request(name, held.as_ref().unchecked_ref());
    // One small closure per lock, alive as long as the lock.
    held.forget();
    result.map(drop).map_err(LockError::Failed)
}

/// The names of the locks held now, by any tab of this site.
pub async fn held_names() -> Result<Vec<String>, LockError> {
    let state =
        JsFuture::from(manager()?.query().map_err(LockError::Failed)?).await.map_err(LockError::Failed)?;
    let held = state.unchecked_into::<LockSnapshot>().held().unwrap_or_default();
    Ok(held.iter().filter_map(|l| l.unchecked_into::<LockInfo>().name()).collect())
}

/// The Web Lock a tab holds while it writes to a working copy.
fn lock_name(session: &str) -> String {
    format!("flagdeck-working-copy:{session}")
}

/// Holds the session's lock until the tab goes away; quietly nothing where there are no locks.
pub fn hold_lock(session: &str) {
    let _ = request_forever(&lock_name(session));
}

/// Whether another tab holds the session's lock (it has that working copy open); `false` when
/// that cannot be known.
pub async fn in_use_elsewhere(session: &str) -> bool {
    let name = lock_name(session);
    held_names().await.is_ok_and(|names| names.contains(&name))
}
