//! SQLite values and result sets as both adapters hand them back.

use std::cmp::Ordering;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::port::DbError;

/// One SQLite value. sql.js reports every number as a JavaScript double, so an integral REAL
/// from the browser arrives as `Integer`; code that cares about storage classes asks SQL
/// (`typeof(col)`) instead of inspecting the variant.
///
/// Serialized exactly (the working copy kept in browser storage replays these values): the
/// storage class is the tag, an INTEGER is a JSON integer (i64 as is), a REAL is text in Rust's
/// shortest round-trip form (`"0.1"`, `"1e300"`, `"inf"`: a JSON number would lose infinities
/// and may be parsed one ulp off), a BLOB is lowercase hex.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            Value::Real(f) if f.fract() == 0.0 => Some(*f as i64),
            _ => None,
        }
    }

    /// A number, whatever its storage class (text that parses counts: real files hold numbers
    /// as text, e.g. drift scores).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Real(f) => Some(*f),
            Value::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value's text, whatever its storage class holds text: a TEXT value, or a BLOB whose
    /// bytes are valid UTF-8 without a NUL byte ([`blob_text`]: a text written through a
    /// `bytes` binding, as Python's sqlite3 does for `bytes`; `json.loads` and the tool read it
    /// as text too). `None` for NULL, numbers and binary BLOBs. This is the one accessor for
    /// reading a text column: pages, search, validation and exports all go through it (or
    /// [`Value::display`]), so a UTF-8 BLOB is shown, searched, validated and exported as its text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::Blob(b) => blob_text(b),
            _ => None,
        }
    }

    /// True for a BLOB (text or binary): the pages mark such a value "stored as BLOB".
    pub fn is_blob(&self) -> bool {
        matches!(self, Value::Blob(_))
    }

    /// True for a BLOB that is not text ([`Value::as_str`] is `None`): shown as hex
    /// ([`Value::blob_literal`]), exported losslessly (see `table_export`).
    pub fn is_binary(&self) -> bool {
        matches!(self, Value::Blob(b) if blob_text(b).is_none())
    }

    /// What the pages say next to a BLOB value: `stored as BLOB (UTF-8 text, 186 bytes)` or
    /// `binary BLOB, 23 bytes, shown as hex`; `None` for every other storage class.
    pub fn blob_note(&self) -> Option<String> {
        match self {
            Value::Blob(b) if blob_text(b).is_some() => {
                Some(format!("stored as BLOB (UTF-8 text, {} bytes)", b.len()))
            }
            Value::Blob(b) => Some(format!("binary BLOB, {} bytes, shown as hex", b.len())),
            _ => None,
        }
    }

    /// A BLOB as an SQL literal of its bytes in lowercase hex followed by its size, e.g.
    /// `x'1f8b08' (3 bytes)`; with `max_bytes`, only that many bytes are written and `…` marks
    /// the cut (`x'1f8b…' (23 bytes)`). `None` for every other storage class.
    pub fn blob_literal(&self, max_bytes: Option<usize>) -> Option<String> {
        let Value::Blob(b) = self else { return None };
        let shown = max_bytes.map_or(b.len(), |m| m.min(b.len()));
        let more = if shown < b.len() { "…" } else { "" };
        let unit = if b.len() == 1 { "byte" } else { "bytes" };
        Some(format!("x'{}{more}' ({} {unit})", to_hex(&b[..shown]), b.len()))
    }

    /// `None` for NULL, otherwise the value as text (how the pages and Python's sqlite3 see it).
    pub fn text_or_null(&self) -> Option<String> {
        match self {
            Value::Null => None,
            other => Some(other.display()),
        }
    }

    /// Text as a person reads it in a table cell: a text BLOB is its text ([`Value::as_str`]),
    /// a binary BLOB its first [`BLOB_SHOWN_BYTES`] bytes as hex with its size
    /// ([`Value::blob_literal`], e.g. `x'1f8b0800…' (23 bytes)`).
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => f.to_string(),
            Value::Text(s) => s.clone(),
            Value::Blob(b) => match blob_text(b) {
                Some(text) => text.to_owned(),
                None => self.blob_literal(Some(BLOB_SHOWN_BYTES)).unwrap_or_default(),
            },
        }
    }
}

/// How many bytes of a binary BLOB [`Value::display`] writes as hex (for the eye; exports keep
/// every byte).
pub const BLOB_SHOWN_BYTES: usize = 32;

/// The text of BLOB bytes when they are valid UTF-8 and hold no NUL byte (a NUL ends a string
/// in C and in sql.js, so such bytes are treated as binary), else `None`.
pub fn blob_text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok().filter(|t| !t.contains('\0'))
}

/// The start of a value cut by SQL's `substr`, which counts bytes for a BLOB: a BLOB whose bytes
/// are valid UTF-8 except for an incomplete character at the very end loses that partial
/// character, so a text BLOB's start still reads as text ([`Value::as_str`]). Every other value
/// (a binary BLOB included) is returned unchanged.
pub fn whole_chars(value: Value) -> Value {
    match value {
        Value::Blob(mut bytes) => {
            if let Err(e) = std::str::from_utf8(&bytes) {
                if e.error_len().is_none() {
                    bytes.truncate(e.valid_up_to());
                }
            }
            Value::Blob(bytes)
        }
        other => other,
    }
}

/// Lowercase hex of `bytes`, two digits a byte.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// How a value is written: see [`Value`].
#[derive(Serialize)]
enum StoredRef<'a> {
    Null,
    Integer(i64),
    Real(String),
    Text(&'a str),
    Blob(String),
}

#[derive(Deserialize)]
enum Stored {
    Null,
    Integer(i64),
    Real(String),
    Text(String),
    Blob(String),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => StoredRef::Null,
            Value::Integer(i) => StoredRef::Integer(*i),
            // `{:?}` is the shortest text that parses back to the same bits (and names inf/NaN).
            Value::Real(f) => StoredRef::Real(format!("{f:?}")),
            Value::Text(t) => StoredRef::Text(t),
            Value::Blob(b) => StoredRef::Blob(to_hex(b)),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        Ok(match Stored::deserialize(d)? {
            Stored::Null => Value::Null,
            Stored::Integer(i) => Value::Integer(i),
            Stored::Real(text) => {
                Value::Real(text.parse().map_err(|_| D::Error::custom(format!("not a REAL: {text:?}")))?)
            }
            Stored::Text(t) => Value::Text(t),
            Stored::Blob(hex) => {
                Value::Blob(from_hex(&hex).ok_or_else(|| D::Error::custom("a BLOB must be hex"))?)
            }
        })
    }
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}

/// The rows of one statement. `columns` may be empty when the statement returned no rows
/// (sql.js does not report column names for an empty result).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl ResultSet {
    /// The first column of the first row, if any.
    pub fn scalar(&self) -> Option<&Value> {
        self.rows.first().and_then(|r| r.first())
    }

    /// Index of a named column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Each row mapped by column name: `map` reads cells with [`NamedRow::get`] and friends.
    /// Errors: the first error `map` returns (a column missing from the result is
    /// [`DbError::Engine`], naming the column).
    pub fn map_rows<T>(&self, map: impl Fn(&NamedRow<'_>) -> Result<T, DbError>) -> Result<Vec<T>, DbError> {
        self.rows.iter().map(|values| map(&NamedRow { columns: &self.columns, values })).collect()
    }

    /// The first row mapped by column name, if there is a row (see [`ResultSet::map_rows`]).
    pub fn map_first<T>(
        &self,
        map: impl Fn(&NamedRow<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        self.rows.first().map(|values| map(&NamedRow { columns: &self.columns, values })).transpose()
    }

    /// Every value of the first column as text (NULLs, numbers and binary BLOBs skipped).
    pub fn first_column_text(&self) -> Vec<String> {
        self.rows.iter().filter_map(|r| r.first().and_then(Value::as_str).map(str::to_owned)).collect()
    }
}

/// One row of a [`ResultSet`], read by column name (the one way rows become structs, so a
/// change to a SELECT list cannot shift values into the wrong fields).
#[derive(Debug, Clone, Copy)]
pub struct NamedRow<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl<'a> NamedRow<'a> {
    /// The cell of column `name`. Errors: [`DbError::Engine`] when the result has no such column.
    pub fn get(&self, name: &str) -> Result<&'a Value, DbError> {
        self.columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| DbError::Engine(format!("the result has no column {name:?}")))
    }

    /// The cell as text a person reads ([`Value::display`]; NULL is empty).
    pub fn text(&self, name: &str) -> Result<String, DbError> {
        self.get(name).map(Value::display)
    }

    /// `None` for NULL, otherwise the cell as text ([`Value::text_or_null`]).
    pub fn opt_text(&self, name: &str) -> Result<Option<String>, DbError> {
        self.get(name).map(Value::text_or_null)
    }

    /// The cell as an integer; `None` for NULL or a non-integral value.
    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, DbError> {
        self.get(name).map(Value::as_i64)
    }

    /// The cell as an integer, 0 for NULL (counts, sums, ids).
    pub fn i64(&self, name: &str) -> Result<i64, DbError> {
        Ok(self.opt_i64(name)?.unwrap_or_default())
    }

    /// A SQLite boolean: any integer but 0 is true, NULL is false.
    pub fn flag(&self, name: &str) -> Result<bool, DbError> {
        Ok(self.i64(name)? != 0)
    }
}

/// A value's place in SQLite's order: NULL, numbers, text, blob.
fn class(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Integer(_) | Value::Real(_) => 1,
        Value::Text(_) => 2,
        Value::Blob(_) => 3,
    }
}

/// The lesser of two values by [`sql_cmp`], NULL ignored (as the aggregate `min()` folds
/// them; NULL only when both are).
pub fn sql_min(a: Value, b: Value) -> Value {
    fold(a, b, Ordering::Less)
}

/// The greater of two values by [`sql_cmp`], NULL ignored (as the aggregate `max()` folds
/// them; NULL only when both are).
pub fn sql_max(a: Value, b: Value) -> Value {
    fold(a, b, Ordering::Greater)
}

/// `b` when it is not NULL and compares to `a` as `keep` (or `a` is NULL), else `a`.
fn fold(a: Value, b: Value, keep: Ordering) -> Value {
    match (&a, &b) {
        (Value::Null, _) => b,
        (_, Value::Null) => a,
        _ if sql_cmp(&b, &a) == keep => b,
        _ => a,
    }
}

/// SQLite's order of two values (BINARY collation, <https://www.sqlite.org/datatype3.html#sort_order>):
/// NULL < numbers (integers and reals compared exactly) < text (memcmp) < blob. The dashboard's
/// stores group, sort and pick minima with it, as `GROUP BY` / `ORDER BY` / `min()` do.
pub fn sql_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Integer(x), Value::Real(y)) => int_real(*x, *y),
        (Value::Real(x), Value::Integer(y)) => int_real(*y, *x).reverse(),
        (Value::Real(x), Value::Real(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ => class(a).cmp(&class(b)),
    }
}

/// An INTEGER against a REAL as SQLite compares them (exactly, not through a lossy cast; NaN,
/// which SQLite never stores, above every integer).
fn int_real(i: i64, r: f64) -> Ordering {
    if r.is_nan() {
        return Ordering::Greater;
    }
    if r < -9.223_372_036_854_776e18 {
        return Ordering::Greater;
    }
    if r >= 9.223_372_036_854_776e18 {
        return Ordering::Less;
    }
    let t = r.trunc() as i64;
    match i.cmp(&t) {
        Ordering::Equal => 0.0f64.partial_cmp(&(r - r.trunc())).unwrap_or(Ordering::Equal),
        o => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_blob_cut_inside_a_character_keeps_its_whole_characters() {
        let text = "ab東京";
        // `substr` on a BLOB counts bytes: 4 bytes end inside 東 (3 bytes from byte 2).
        let cut = whole_chars(Value::Blob(text.as_bytes()[..4].to_vec()));
        assert_eq!(cut.as_str(), Some("ab"));
        let whole = whole_chars(Value::Blob(text.as_bytes().to_vec()));
        assert_eq!(whole.as_str(), Some(text));
        // Binary bytes (invalid before the end) are left as they are.
        let binary = vec![0xff, 0x00, 0xe6];
        assert_eq!(whole_chars(Value::Blob(binary.clone())), Value::Blob(binary));
        assert_eq!(whole_chars(Value::from("ab")), Value::from("ab"));
    }

    #[test]
    fn a_utf8_blob_reads_as_its_text_and_a_binary_one_as_hex_with_its_size() {
        let text = "Café 東京 مرحبا 🚀";
        let blob = Value::Blob(text.as_bytes().to_vec());
        assert_eq!(blob.as_str(), Some(text));
        assert_eq!(blob.display(), text);
        assert_eq!(blob.text_or_null().as_deref(), Some(text));
        assert!(blob.is_blob() && !blob.is_binary());
        assert_eq!(blob.blob_note().unwrap(), format!("stored as BLOB (UTF-8 text, {} bytes)", text.len()));
        assert_eq!(Value::from(text).blob_note(), None);

        let gzip = Value::Blob(vec![0x1f, 0x8b, 0x08, 0x00]);
        assert_eq!(gzip.as_str(), None);
        assert!(gzip.is_binary());
        assert_eq!(gzip.display(), "x'1f8b0800' (4 bytes)");
        assert_eq!(gzip.blob_note().unwrap(), "binary BLOB, 4 bytes, shown as hex");
        // A NUL byte makes valid UTF-8 binary: it would end the text in C and in sql.js.
        assert!(Value::Blob(b"a\0b".to_vec()).is_binary());
        assert_eq!(Value::Blob(vec![]).as_str(), Some(""), "an empty BLOB is empty text");

        let long = Value::Blob((0..=255u8).collect());
        let shown = long.display();
        let hex: String = (0..BLOB_SHOWN_BYTES as u8).map(|b| format!("{b:02x}")).collect();
        assert_eq!(shown, format!("x'{hex}…' (256 bytes)"));
        assert_eq!(long.blob_literal(None).unwrap().len(), "x''".len() + 512 + " (256 bytes)".len());
        assert_eq!(Value::Blob(vec![0xff]).display(), "x'ff' (1 byte)");
    }

    #[test]
    fn a_blob_is_serialized_as_hex_and_read_back_exactly() {
        let v = Value::Blob(vec![0x00, 0xab, 0xff]);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"Blob":"00abff"}"#);
        assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), v);
    }

    #[test]
    fn rows_are_read_by_column_name_and_a_missing_column_is_an_error() {
        let rs = ResultSet {
            columns: vec!["n".into(), "name".into()],
            rows: vec![vec![Value::Integer(2), Value::from("a")], vec![Value::Null, Value::Null]],
        };
        let read = rs.map_rows(|r| Ok((r.i64("n")?, r.opt_text("name")?))).unwrap();
        assert_eq!(read, [(2, Some("a".into())), (0, None)]);
        let missing = rs.map_rows(|r| r.text("gone")).unwrap_err();
        assert!(missing.message().contains("\"gone\""), "{missing}");
        assert_eq!(ResultSet::default().map_first(|r| r.text("gone")).unwrap(), None);
    }
}
