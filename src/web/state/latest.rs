//! The one shape of a load that must not show an answer to an old question: `use_latest`.
//! Every async load of a page uses it, also those that report progress (which must stop once a
//! newer run started). Pages do not use Leptos's `LocalResource`: with this hook as the only async
//! load, the release wasm holds one such machinery instead of two (9.8 KiB brotli less).

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// One run of a [`use_latest`] load: asks whether it is still the latest.
#[derive(Clone, Copy)]
pub struct Run {
    number: u64,
    latest: StoredValue<u64>,
}

impl Run {
    /// Whether no newer run has started (and the page is still there).
    pub fn is_latest(&self) -> bool {
        self.latest.try_get_value() == Some(self.number)
    }
}

/// Runs `load` now and whenever a signal it reads changes; the value is the answer of the latest
/// run (an older run's answer is dropped), `None` until the first answer. `load` returns `None`
/// when there is nothing to load (the previous answer stays).
pub fn use_latest<T, Fut>(load: impl Fn(Run) -> Option<Fut> + 'static) -> ReadSignal<Option<T>, LocalStorage>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    use_latest_from(None, load)
}

/// [`use_latest`] whose value starts at `first`: an answer already in hand when the page is
/// built (a route's read that has ended), so the page is built with it rather than built again
/// once a run answers. `load`'s first run must then only read the signals it follows and return
/// `None`.
pub fn use_latest_from<T, Fut>(
    first: Option<T>,
    load: impl Fn(Run) -> Option<Fut> + 'static,
) -> ReadSignal<Option<T>, LocalStorage>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let value = RwSignal::new_local(first);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let run = Run { number: latest.get_value() + 1, latest };
        let Some(answer) = load(run) else { return };
        latest.set_value(run.number);
        spawn_local(async move {
            let answer = answer.await;
            if run.is_latest() {
                value.try_set(Some(answer));
            }
        });
    });
    value.read_only()
}
