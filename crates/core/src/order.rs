//! Stable sorting through one shared copy of the standard library's sort.
//!
//! `slice::sort_by` is generic over the element and the comparison, so every call site with its
//! own closure gets its own ~4 KB copy of the sort in the wasm. [`sort_by`] sorts the positions
//! (`usize`) with a comparison passed as `&dyn Fn`, so the sort itself exists once; the result
//! is the same as `slice::sort_by` (stable: equal items keep their order).

use std::cmp::Ordering;

/// Sorts `items` stably by `compare`, with the same result as `items.sort_by(compare)`.
pub fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    let order = stable_order(items.len(), &|a, b| compare(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// The positions `0..len` in stably sorted order of `compare(position, position)`.
#[inline(never)]
fn stable_order(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        // Pairs sorted by their first half only: equal keys must keep their input order.
        let input: Vec<(u8, usize)> = (0..200).map(|i| ((i * 37 % 11) as u8, i)).collect();
        let mut expected = input.clone();
        expected.sort_by_key(|a| a.0);
        let mut got = input;
        sort_by(&mut got, |a, b| a.0.cmp(&b.0));
        assert_eq!(got, expected);
        let mut empty: Vec<String> = Vec::new();
        sort_by(&mut empty, |a, b| a.cmp(b));
        assert!(empty.is_empty());
    }
}
