//! A value worked out from the open file's data, held with the data it was worked out from:
//! [`ForData`].

use leptos::prelude::*;

/// A value worked out from the open file's data, with the data it was worked out from
/// ([`OpenDb::data_key`](super::OpenDb::data_key)): given back only for that data. Any change
/// to the data (an edit, undo, a follow-mode swap, another file) gives another key, so the
/// value is then worked out again. One value at a time; a context.
pub struct ForData<T: 'static>(StoredValue<Option<Held<T>>, LocalStorage>);

/// The data a value was worked out from ([`OpenDb::data_key`](super::OpenDb::data_key)), and
/// the value.
type Held<T> = ((u64, u64), T);

impl<T: 'static> Clone for ForData<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for ForData<T> {}

impl<T: 'static> Default for ForData<T> {
    fn default() -> Self {
        ForData(StoredValue::new_local(None))
    }
}

impl<T: Clone + 'static> ForData<T> {
    /// The value worked out from the data `key` names, if it is the one held.
    pub fn get(&self, key: (u64, u64)) -> Option<T> {
        self.0
            .try_with_value(|held| held.as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone()))
            .flatten()
    }

    /// Holds `value`, worked out from the data `key` names (replacing any held).
    pub fn put(&self, key: (u64, u64), value: T) {
        self.0.try_set_value(Some((key, value)));
    }
}
