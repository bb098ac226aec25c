//! A table's columns as `PRAGMA table_info` describes them: what the positions of a record
//! mean, for the readers of rows that do not go through SQL (the raw-page scan of
//! [`crate::pages`] into the dashboard's stores) and for those that select by position.

use crate::port::{Database, DbError};
use crate::value::Value;

/// One table's columns, in declaration order (a record's positions).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableInfo {
    pub columns: Vec<String>,
    /// Declared types as written (`""` when none): they decide each column's affinity.
    pub types: Vec<String>,
    /// Each column's default when it is a constant ([`parse_default`]); a record written before
    /// `ALTER TABLE … ADD COLUMN` ends early and reads these for the missing columns.
    pub defaults: Vec<Option<Value>>,
    /// The `INTEGER PRIMARY KEY` column: its value is the rowid (a record stores NULL there).
    pub rowid_alias: Option<usize>,
}

/// The columns of `table` through the engine; `None` when it has no such table.
/// Errors: the database's.
pub async fn table_info<D: Database>(db: &D, table: &str) -> Result<Option<TableInfo>, DbError> {
    let rs = db
        .query("SELECT name, type, dflt_value, pk FROM pragma_table_info(?1)", &[Value::from(table)])
        .await?;
    if rs.rows.is_empty() {
        return Ok(None);
    }
    let mut info = TableInfo::default();
    let mut keys = Vec::new();
    for (i, r) in rs.rows.iter().enumerate() {
        info.columns.push(r[0].display());
        info.types.push(r[1].as_str().unwrap_or("").to_owned());
        info.defaults.push(r[2].as_str().and_then(parse_default));
        if r[3].as_i64().unwrap_or(0) > 0 {
            keys.push(i);
        }
    }
    // SQLite: a primary key of one column declared exactly INTEGER is the rowid
    // (https://www.sqlite.org/lang_createtable.html#rowid).
    if let [i] = keys.as_slice() {
        if info.types[*i].eq_ignore_ascii_case("INTEGER") {
            info.rowid_alias = Some(*i);
        }
    }
    Ok(Some(info))
}

/// The value of a default as `dflt_value` spells it, when it is a constant: a number, a quoted
/// string, TRUE / FALSE (SQLite's 1 / 0), optionally in parentheses. `None` for NULL and for any
/// expression (`CURRENT_TIMESTAMP`, `(1+1)`): SQLite computes those at insert time, and ALTER
/// TABLE ADD COLUMN accepts only constants, so a record never lacks such a column.
pub fn parse_default(text: &str) -> Option<Value> {
    let mut t = text.trim();
    while let Some(inner) = t.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        t = inner.trim();
    }
    if t.eq_ignore_ascii_case("TRUE") {
        return Some(Value::Integer(1));
    }
    if t.eq_ignore_ascii_case("FALSE") {
        return Some(Value::Integer(0));
    }
    if let Some(inner) = t.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Some(Value::Text(inner.replace("''", "'")));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Integer(i));
    }
    // Digits, sign, point and exponent only ("inf" and "NaN" parse as f64 but are not SQL).
    let numeric = t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    if numeric && t.chars().any(|c| c.is_ascii_digit()) {
        return t.parse::<f64>().ok().map(Value::Real);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_constant_defaults_as_table_info_spells_them() {
        assert_eq!(parse_default("1"), Some(Value::Integer(1)));
        assert_eq!(parse_default("-3"), Some(Value::Integer(-3)));
        assert_eq!(parse_default("0.5"), Some(Value::Real(0.5)));
        assert_eq!(parse_default("1e3"), Some(Value::Real(1000.0)));
        assert_eq!(parse_default("'it''s'"), Some(Value::Text("it's".into())));
        assert_eq!(parse_default("'pending'"), Some(Value::Text("pending".into())));
        assert_eq!(parse_default("((7))"), Some(Value::Integer(7)));
        assert_eq!(parse_default("TRUE"), Some(Value::Integer(1)));
        assert_eq!(parse_default("false"), Some(Value::Integer(0)));
        assert_eq!(parse_default("NULL"), None);
        assert_eq!(parse_default("inf"), None);
        assert_eq!(parse_default("CURRENT_TIMESTAMP"), None);
        assert_eq!(parse_default("(datetime('now'))"), None);
    }
}
