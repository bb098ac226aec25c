//! One stored SQLite value, borrowed: what a table scan of raw pages ([`crate::pages`]) and the
//! tool-call store ([`crate::dashboard::toollog`]) read, without copying text out of a page.

use crate::value::Value;

/// A value as SQLite stores it (its storage class), borrowed from a page or a row.
/// `Text` holds the bytes as stored (UTF-8 in the files flagdeck scans; not checked here).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl<'a> Cell<'a> {
    /// The cell of a value read through the [`crate::port::Database`] port.
    pub fn of(value: &'a Value) -> Cell<'a> {
        match value {
            Value::Null => Cell::Null,
            Value::Integer(i) => Cell::Int(*i),
            Value::Real(f) => Cell::Real(*f),
            Value::Text(s) => Cell::Text(s.as_bytes()),
            Value::Blob(b) => Cell::Blob(b),
        }
    }

    /// An owned [`Value`] (text that is not UTF-8 is read lossily).
    pub fn to_value(self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::Integer(i),
            Cell::Real(f) => Value::Real(f),
            Cell::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            Cell::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_storage_class() {
        for v in [
            Value::Null,
            Value::Integer(-7),
            Value::Real(2.5),
            Value::Text("é'x".into()),
            Value::Blob(vec![0, 255]),
        ] {
            assert_eq!(Cell::of(&v).to_value(), v);
        }
    }
}
