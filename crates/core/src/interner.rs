//! Interned stored values: each distinct value (storage class and bytes) held once and named by
//! a dense id, for the dashboard's in-memory stores ([`crate::dashboard::toollog`],
//! [`crate::dashboard::flaglog`]). A value already held is found from the borrowed [`Cell`]
//! without copying it; a new one is copied once.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use crate::cell::Cell;
use crate::value::Value;

/// Ids of distinct values, in first-seen order (`values()[id]`).
#[derive(Debug, Default, Clone)]
pub struct Interner {
    values: Vec<Value>,
    /// The newest id of each hash; older ids of the same hash chain on through `next`.
    heads: FxHashMap<u64, u32>,
    next: Vec<u32>,
}

const END: u32 = u32::MAX;

/// The hash of a stored value, its storage class included (1 and '1' differ; 1 and 1.0 too:
/// callers that group them as SQLite does compare values, not ids).
pub fn cell_hash(c: &Cell<'_>) -> u64 {
    let mut h = FxHasher::default();
    match c {
        Cell::Null => h.write_u8(0),
        Cell::Int(i) => {
            h.write_u8(1);
            h.write_i64(*i)
        }
        Cell::Real(f) => {
            h.write_u8(2);
            h.write_u64(f.to_bits())
        }
        Cell::Text(t) => {
            h.write_u8(3);
            h.write(t)
        }
        Cell::Blob(b) => {
            h.write_u8(4);
            h.write(b)
        }
    }
    h.finish()
}

/// Whether a held value is exactly the stored one (class and bytes; reals by their bits).
pub fn same(v: &Value, c: &Cell<'_>) -> bool {
    match (v, c) {
        (Value::Null, Cell::Null) => true,
        (Value::Integer(a), Cell::Int(b)) => a == b,
        (Value::Real(a), Cell::Real(b)) => a.to_bits() == b.to_bits(),
        (Value::Text(a), Cell::Text(b)) => a.as_bytes() == *b,
        (Value::Blob(a), Cell::Blob(b)) => a == b,
        _ => false,
    }
}

impl Interner {
    /// The id of `c`, held from now on if it was not. Text that is not UTF-8 is held lossily
    /// ([`Cell::to_value`]), under the id of its stored bytes.
    #[inline]
    pub fn intern(&mut self, c: Cell<'_>) -> u32 {
        let h = cell_hash(&c);
        let head = self.heads.get(&h).copied().unwrap_or(END);
        let mut id = head;
        while id != END {
            if same(&self.values[id as usize], &c) {
                return id;
            }
            id = self.next[id as usize];
        }
        let n = self.values.len() as u32;
        self.values.push(c.to_value());
        self.next.push(head);
        self.heads.insert(h, n);
        n
    }

    /// [`Interner::intern`] for a column whose consecutive rows often repeat a value (a
    /// session, a tool, NULL): `last` is the column's previous id, checked first (no hashing
    /// when it matches), and becomes this one.
    #[inline]
    pub fn intern_after(&mut self, c: Cell<'_>, last: &mut u32) -> u32 {
        if let Some(v) = self.values.get(*last as usize) {
            if same(v, &c) {
                return *last;
            }
        }
        *last = self.intern(c);
        *last
    }

    /// The values held, by id.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The values held, by id, without the lookup tables.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_id_per_stored_value_and_class() {
        let mut i = Interner::default();
        let a = i.intern(Cell::Text(b"1"));
        let b = i.intern(Cell::Int(1));
        let c = i.intern(Cell::Real(1.0));
        assert_eq!(i.intern(Cell::Text(b"1")), a);
        assert_eq!(i.intern(Cell::Int(1)), b);
        assert!(a != b && b != c && a != c);
        assert_eq!(i.intern(Cell::Null), 3);
        assert_eq!(i.values()[a as usize], Value::Text("1".into()));
        let mut last = u32::MAX;
        assert_eq!(i.intern_after(Cell::Int(1), &mut last), b);
        assert_eq!((i.intern_after(Cell::Int(1), &mut last), last), (b, b));
        assert_eq!(i.intern_after(Cell::Text(b"1"), &mut last), a);
        assert_eq!(i.intern_after(Cell::Text(b"new"), &mut last), 4);
    }
}
