//! Async work done on behalf of a page, which ends with the page.

use std::future::Future;

use leptos::prelude::*;
use leptos::reactive::owner::WeakOwner;
use leptos::task::{spawn_local, spawn_local_scoped_with_cancellation};

/// Where a page's async tasks run: under the page's reactive owner (held weakly), which cancels
/// them when it is cleaned up, i.e. when the page is taken down (Leptos's
/// `spawn_local_scoped_with_cancellation`). A task is then never polled again, so no step after
/// one of its `await`s reaches the page's disposed signals (that panics: "Tried to access a
/// reactive value that has already been disposed"). A `Copy` handle; each task spawned adds one
/// cleanup (an abort handle, a few dozen bytes) to the page's owner until the page goes.
///
/// Only for work that may stop at any `await` with nothing lost: reads whose answers only the
/// page uses, its bookkeeping held by the page itself. Never for a write, a download, or a step
/// of shared bookkeeping (the dashboard's store reads, the flag layer's change log), which
/// must run to its end: those run as plain tasks and check with `try_` accessors that the page
/// is still there. A cancelled read leaves its start mark behind (`flagdeck:quest-page-start:…`),
/// which the same-named mark of a later read supersedes.
#[derive(Clone, Copy)]
pub struct PageTasks {
    /// The page's owner; `None` when the handle was made outside any owner (tasks then run
    /// to their end).
    owner: StoredValue<Option<WeakOwner>>,
}

impl PageTasks {
    /// The tasks of the current owner: make it while building the page.
    pub fn new() -> Self {
        PageTasks { owner: StoredValue::new(Owner::current().map(|o| o.downgrade())) }
    }

    /// Runs `task` as the page's, untracked (reads in it subscribe no effect, also when it is
    /// spawned from one). Nothing runs once the page is gone.
    pub fn spawn(self, task: impl Future<Output = ()> + 'static) {
        match self.owner.try_get_value() {
            None => {}
            Some(None) => spawn_local(task),
            Some(Some(owner)) => {
                if let Some(owner) = owner.upgrade() {
                    untrack(|| owner.with(|| spawn_local_scoped_with_cancellation(task)));
                }
            }
        }
    }
}

impl Default for PageTasks {
    fn default() -> Self {
        Self::new()
    }
}
