//! SQLite values and result sets as both adapters hand them back.

use serde::{Deserialize, Serialize};

/// One SQLite value. sql.js reports every number as a JavaScript double, so an integral REAL
/// from the browser arrives as `Integer`; code that cares about storage classes asks SQL
/// (`typeof(col)`) instead of inspecting the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// `None` for NULL, otherwise the value as text (how the pages and Python's sqlite3 see it).
    pub fn text_or_null(&self) -> Option<String> {
        match self {
            Value::Null => None,
            other => Some(other.display()),
        }
    }

    /// Text as a person reads it in a table cell.
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => f.to_string(),
            Value::Text(s) => s.clone(),
            Value::Blob(b) => format!("<{} bytes>", b.len()),
        }
    }
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

    /// Every value of the first column as text (NULLs skipped).
    pub fn first_column_text(&self) -> Vec<String> {
        self.rows.iter().filter_map(|r| r.first().and_then(Value::as_str).map(str::to_owned)).collect()
    }
}
