//! A table's columns as `PRAGMA table_info` describes them: what the positions of a record
//! mean, for the readers of rows that do not go through SQL (the raw-page scan of
//! [`crate::pages`] into the dashboard's stores) and for those that select by position.

use crate::port::{Database, DbError};
use crate::value::Value;

/// One table's columns, in declaration order (a record's positions).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct TableInfo {
    pub columns: Vec<String>,
    /// Declared types as written (`""` when none): they decide each column's affinity.
    pub types: Vec<String>,
    /// Each column's default as SQLite gives it to a row written before `ALTER TABLE … ADD
    /// COLUMN` (whose record ends early): the constant ([`parse_default`]) with the column's
    /// affinity applied ([`Affinity::apply_to_default`]); `None` for NULL.
    pub defaults: Vec<Option<Value>>,
    /// Columns whose default is not a constant this module reads (`CURRENT_TIMESTAMP`, an
    /// expression): harmless unless a record lacks the column, which a reader must then refuse.
    pub unreadable_defaults: Vec<bool>,
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
        let ty = r[1].as_str().unwrap_or("");
        let default = r[2].as_str().map(parse_default);
        info.unreadable_defaults.push(matches!(default, Some(Literal::Unreadable)));
        info.defaults.push(default.and_then(|d| Affinity::of(Some(ty)).apply_to_default(d)));
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

/// Whether a layer kept by TEMP triggers can follow `table`'s rows exactly by `key`: `key` is
/// the table's `INTEGER PRIMARY KEY` and the rowid itself (no index of its own, as `INTEGER
/// PRIMARY KEY DESC` or WITHOUT ROWID would give it), the table declares no collation (so
/// every comparison of its values is BINARY, as in a TEMP copy of them), and it has no UNIQUE
/// constraint besides the key (an `INSERT OR REPLACE` could otherwise delete a row, which fires
/// no trigger). `info`: `table`'s [`table_info`]. Errors: the database's.
pub async fn keyed_by_rowid<D: Database>(
    db: &D,
    table: &str,
    info: &TableInfo,
    key: &str,
) -> Result<bool, DbError> {
    let key_is_rowid = info.rowid_alias.is_some_and(|i| info.columns[i].eq_ignore_ascii_case(key));
    let ddl = db
        .query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", &[Value::from(table)])
        .await?;
    let ddl = ddl.scalar().and_then(Value::as_str).unwrap_or("").to_ascii_uppercase();
    let count = |rs: crate::value::ResultSet| rs.scalar().and_then(Value::as_i64);
    let unique = db
        .query(
            "SELECT count(*) FROM pragma_index_list(?1) WHERE \"unique\" AND origin <> 'pk'",
            &[Value::from(table)],
        )
        .await?;
    // A key with its own index (`INTEGER PRIMARY KEY DESC`, WITHOUT ROWID) is not the rowid.
    let pk = db
        .query("SELECT count(*) FROM pragma_index_list(?1) WHERE origin = 'pk'", &[Value::from(table)])
        .await?;
    Ok(key_is_rowid && !ddl.contains("COLLATE") && count(unique) == Some(0) && count(pk) == Some(0))
}

/// Whether `table` exists and `key` is its rowid as [`keyed_by_rowid`] says (so keyset steps
/// by it, [`KeysetSteps`], see every row once). Errors: the database's.
pub async fn is_keyed_by_rowid<D: Database>(db: &D, table: &str, key: &str) -> Result<bool, DbError> {
    match table_info(db, table).await? {
        Some(info) => keyed_by_rowid(db, table, &info, key).await,
        None => Ok(false),
    }
}

/// A walk over `table`'s rows by `key` (its rowid, [`is_keyed_by_rowid`]) in keyset steps of
/// `step` rows: each [`KeysetSteps::next`] gives the bounds of the next step, which together
/// cover every key, whatever is written between two steps.
#[derive(Debug, Clone)]
pub struct KeysetSteps<'a> {
    table: &'a str,
    key: &'a str,
    step: usize,
    /// The last key of the step before (`None` before the first).
    after: Option<i64>,
    done: bool,
}

impl<'a> KeysetSteps<'a> {
    /// The walk from the first row (`step` at least 1).
    pub fn new(table: &'a str, key: &'a str, step: usize) -> Self {
        KeysetSteps { table, key, step, after: None, done: false }
    }

    /// The next step's bounds `(after, upto)`, for [`step_range`]: keys above `after` (from the
    /// first when `None`) up to `upto` ([`step_end`], read now; `None` for every key left, the
    /// last step). `None` once the last step was given. Errors: the database's.
    pub async fn next<D: Database>(&mut self, db: &D) -> Result<Option<(Option<i64>, Option<i64>)>, DbError> {
        if self.done {
            return Ok(None);
        }
        let after = self.after;
        let upto = step_end(db, self.table, self.key, after, self.step).await?;
        self.after = upto;
        self.done = upto.is_none();
        Ok(Some((after, upto)))
    }
}

/// The SQL condition of a keyset step's rows by `key` (any expression of it, e.g. `q.quest_id`):
/// ` AND key > after AND key <= upto`, each bound left out when `None` (integers written into
/// the SQL, for batches without parameters); empty when both are.
pub fn step_range(key: &str, after: Option<i64>, upto: Option<i64>) -> String {
    [after.map(|a| format!(" AND {key} > {a}")), upto.map(|u| format!(" AND {key} <= {u}"))]
        .into_iter()
        .flatten()
        .collect()
}

/// Where a keyset step over `table`'s rows by `key` (its rowid, [`keyed_by_rowid`]) ends:
/// the key of the `step`-th row after key `after` (from the first row when `None`; `step` at
/// least 1), or `None` when fewer rows are left (the last step then has no upper bound). A
/// walk of the rowid's b-tree, no sort. Errors: the database's.
pub async fn step_end<D: Database>(
    db: &D,
    table: &str,
    key: &str,
    after: Option<i64>,
    step: usize,
) -> Result<Option<i64>, DbError> {
    let skip = Value::Integer(i64::try_from(step.max(1) - 1).unwrap_or(i64::MAX));
    let rs = match after {
        None => {
            let sql = format!("SELECT {key} AS id FROM main.{table} ORDER BY {key} LIMIT 1 OFFSET ?1");
            db.query(&sql, &[skip]).await?
        }
        Some(after) => {
            let sql = format!(
                "SELECT {key} AS id FROM main.{table} WHERE {key} > ?1 ORDER BY {key} LIMIT 1 OFFSET ?2"
            );
            db.query(&sql, &[Value::Integer(after), skip]).await?
        }
    };
    Ok(rs.scalar().and_then(Value::as_i64))
}

/// The column affinity SQLite gives a declared type (rules of "Determination Of Column
/// Affinity", <https://www.sqlite.org/datatype3.html#determination_of_column_affinity>, §3.1,
/// in their order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Affinity {
    Integer,
    Text,
    /// BLOB or no declared type: values are stored as given.
    #[default]
    Blob,
    Real,
    Numeric,
}

impl Affinity {
    /// The affinity of a declared column type (`None` or `""`: no type).
    pub fn of(declared: Option<&str>) -> Affinity {
        let t = declared.unwrap_or("").to_ascii_uppercase();
        if t.contains("INT") {
            Affinity::Integer
        } else if ["CHAR", "CLOB", "TEXT"].iter().any(|k| t.contains(k)) {
            Affinity::Text
        } else if t.contains("BLOB") || t.trim().is_empty() {
            Affinity::Blob
        } else if ["REAL", "FLOA", "DOUB"].iter().any(|k| t.contains(k)) {
            Affinity::Real
        } else {
            Affinity::Numeric
        }
    }

    /// INTEGER, REAL or NUMERIC: text that looks like a number is stored as one.
    pub fn numeric(self) -> bool {
        matches!(self, Affinity::Integer | Affinity::Real | Affinity::Numeric)
    }

    /// The value a row lacking the column reads, from its default literal: SQLite applies the
    /// column's affinity to the default (a TEXT column keeps a number's literal as written,
    /// `1.50` → '1.50'; a numeric one turns number-like text into a number, `'0'` → 0, and an
    /// integral REAL into an INTEGER unless it is REAL; a REAL one makes integers reals).
    /// `None` for NULL and for a default this module cannot read.
    pub fn apply_to_default(self, literal: Literal) -> Option<Value> {
        match literal {
            Literal::Null | Literal::Unreadable => None,
            Literal::Number { value, text } if self == Affinity::Text => {
                let _ = value;
                Some(Value::Text(text))
            }
            Literal::Number { value, .. } => Some(self.numbers(value)),
            Literal::Value(Value::Text(t)) if self.numeric() => Some(match number_of(&t) {
                Some(n) => self.numbers(n),
                None => Value::Text(t),
            }),
            Literal::Value(v) => Some(v),
        }
    }

    /// A number stored in a column of this affinity.
    fn numbers(self, v: Value) -> Value {
        match (self, v) {
            (Affinity::Real, Value::Integer(i)) => Value::Real(i as f64),
            (Affinity::Integer | Affinity::Numeric, Value::Real(f))
                if f.fract() == 0.0 && f.abs() < 9.0e18 =>
            {
                Value::Integer(f as i64)
            }
            (_, v) => v,
        }
    }
}

/// A default as `PRAGMA table_info`'s `dflt_value` spells it.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    /// A numeric literal: its value and its text as written (sign included).
    Number {
        value: Value,
        text: String,
    },
    /// A string (single- or double-quoted), a blob (`X'…'`), TRUE / FALSE.
    Value(Value),
    /// An expression (`CURRENT_TIMESTAMP`, `(1+1)`): SQLite computes it at insert time, and
    /// ALTER TABLE ADD COLUMN refuses it, so only columns every record holds have one.
    Unreadable,
}

/// The number `text` reads as (SQLite's numeric text: optional sign, decimal digits, a point,
/// an exponent; surrounding spaces allowed), an INTEGER when it is one that fits.
fn number_of(text: &str) -> Option<Value> {
    let t = text.trim();
    let numeric = !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && t.chars().any(|c| c.is_ascii_digit());
    if !numeric {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Integer(i));
    }
    t.parse::<f64>().ok().map(Value::Real)
}

/// Reads a default as `dflt_value` spells it: NULL, a number (decimal, real, `0x` hex, with a
/// sign), a string in single or double quotes (SQLite reads a double-quoted default that names
/// no column as a string), a blob `X'…'`, TRUE / FALSE (1 / 0), optionally in parentheses;
/// anything else is [`Literal::Unreadable`].
pub fn parse_default(text: &str) -> Literal {
    let mut t = text.trim();
    while let Some(inner) = t.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        t = inner.trim();
    }
    if t.eq_ignore_ascii_case("NULL") {
        return Literal::Null;
    }
    if t.eq_ignore_ascii_case("TRUE") {
        return Literal::Value(Value::Integer(1));
    }
    if t.eq_ignore_ascii_case("FALSE") {
        return Literal::Value(Value::Integer(0));
    }
    for q in ['\'', '"'] {
        if let Some(inner) = t.strip_prefix(q).and_then(|t| t.strip_suffix(q)).filter(|_| t.len() >= 2) {
            let doubled: String = [q, q].iter().collect();
            return Literal::Value(Value::Text(inner.replace(&doubled, &q.to_string())));
        }
    }
    if let Some(hex) =
        t.strip_prefix("X'").or_else(|| t.strip_prefix("x'")).and_then(|h| h.strip_suffix('\''))
    {
        if hex.len() % 2 == 0 {
            let bytes: Option<Vec<u8>> =
                (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect();
            if let Some(b) = bytes {
                return Literal::Value(Value::Blob(b));
            }
        }
        return Literal::Unreadable;
    }
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').map(str::trim_start).unwrap_or(t)),
    };
    let hex = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X"));
    let value = match hex {
        // SQLite reads a hex literal as the 64-bit two's complement of its digits.
        Some(h) if !h.is_empty() && h.len() <= 16 => {
            u64::from_str_radix(h, 16).ok().map(|u| Value::Integer(u as i64))
        }
        Some(_) => None,
        None => number_of(digits).filter(|_| !digits.starts_with(['+', '-'])),
    };
    match value {
        Some(v) => {
            let value = match (negative, v) {
                (false, v) => v,
                (true, Value::Integer(i)) => {
                    i.checked_neg().map(Value::Integer).unwrap_or(Value::Real(-(i as f64)))
                }
                (true, Value::Real(f)) => Value::Real(-f),
                (true, v) => v,
            };
            Literal::Number { value, text: t.to_owned() }
        }
        None => Literal::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_constant_defaults_as_table_info_spells_them() {
        let num = |text: &str, value: Value| Literal::Number { value, text: text.into() };
        assert_eq!(parse_default("1"), num("1", Value::Integer(1)));
        assert_eq!(parse_default("-3"), num("-3", Value::Integer(-3)));
        assert_eq!(parse_default("1.50"), num("1.50", Value::Real(1.5)));
        assert_eq!(parse_default("0x10"), num("0x10", Value::Integer(16)));
        assert_eq!(parse_default("1e3"), num("1e3", Value::Real(1000.0)));
        assert_eq!(parse_default("((7))"), num("7", Value::Integer(7)));
        assert_eq!(parse_default("'it''s'"), Literal::Value(Value::Text("it's".into())));
        assert_eq!(parse_default("\"policy\""), Literal::Value(Value::Text("policy".into())));
        assert_eq!(parse_default("X'01fF'"), Literal::Value(Value::Blob(vec![1, 255])));
        assert_eq!(parse_default("TRUE"), Literal::Value(Value::Integer(1)));
        assert_eq!(parse_default("NULL"), Literal::Null);
        assert_eq!(parse_default("inf"), Literal::Unreadable);
        assert_eq!(parse_default("CURRENT_TIMESTAMP"), Literal::Unreadable);
        assert_eq!(parse_default("(datetime('now'))"), Literal::Unreadable);
    }

    #[test]
    fn a_default_takes_the_column_affinity() {
        let d = |ty: &str, text: &str| Affinity::of(Some(ty)).apply_to_default(parse_default(text));
        assert_eq!(d("BOOLEAN", "'0'"), Some(Value::Integer(0)));
        assert_eq!(d("INTEGER", "'250'"), Some(Value::Integer(250)));
        assert_eq!(d("INTEGER", "2.0"), Some(Value::Integer(2)));
        assert_eq!(d("TEXT", "1.50"), Some(Value::Text("1.50".into())));
        assert_eq!(d("TEXT", "5"), Some(Value::Text("5".into())));
        assert_eq!(d("REAL", "3"), Some(Value::Real(3.0)));
        assert_eq!(d("", "'0'"), Some(Value::Text("0".into())));
        assert_eq!(d("BOOLEAN", "'yes'"), Some(Value::Text("yes".into())));
        assert_eq!(d("TEXT", "NULL"), None);
    }
}
