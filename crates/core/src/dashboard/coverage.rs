//! Coverage: per dashboard section, which fields the file actually records. For each field
//! the dashboard reads, the rows it is about (`rows`) and how many of them have it (`having`),
//! over the whole table (not the dashboard's range: it says what the file records, not what
//! the range holds). One SQL statement per table, built from the [`SchemaFacts`]: a column the
//! table lacks is `0 of N` with the reason "the table has no column X", never an SQL error.
//!
//! "Has it" is non-NULL unless a field says otherwise:
//! * dates (`timestamp`, `created_at`, `checked_at`, …) count only values the dashboard's date
//!   figures can read: text shaped like a date (`YYYY-MM-DD…`), or epoch seconds as the 2.x
//!   quest scripts write them (`strftime('%s','now')`: an INTEGER, or digits stored as TEXT);
//! * `flags.completed_at` is about completed flags only (`status = 'completed'`): a pending
//!   flag has no completion time by design;
//! * `flags.target_agent` counts non-empty names (empty is a broadcast);
//! * `acolyte_quests.updated_at` is about ended quests only (completed, failed, timeout), the
//!   ones whose time to complete and outcome read it.
//!
//! A field none of whose rows has it carries a reason sentence ([`FieldCoverage::reason`]).
//! The reasons about `tool_logs` come from the Acolytes hooks (`pre_tool_use.py`,
//! `post_tool_use.py`), which write tool_name, tool_category, parameters, file_affected,
//! success, error_message, result_summary, lines_changed, bytes_processed, blocked_by_hook,
//! hook_message and timestamp, and never duration_ms nor agent_name.

use serde::{Deserialize, Serialize};

use super::quests;
use crate::port::{Database, DbError};
use crate::schema::SchemaFacts;

/// One field of one table: how many of the rows it is about have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldCoverage {
    /// The column name (`duration_ms`).
    pub field: String,
    /// Rows the field is about (all rows of the table, or the subset its definition names).
    pub rows: i64,
    /// Of those, rows that have it (see the module's definitions).
    pub having: i64,
    /// Why no row has it, when `having` is 0 and `rows` is not: "these hooks do not record
    /// durations", "the table has no column duration_ms", "no row records it". `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl FieldCoverage {
    /// `having ÷ rows` in 0–1; `None` when there are no rows to count.
    pub fn share(&self) -> Option<f64> {
        (self.rows > 0).then(|| self.having as f64 / self.rows as f64)
    }

    /// Whether no row records it (0 of N, N > 0): the figures built on it cannot be computed.
    pub fn none_recorded(&self) -> bool {
        self.rows > 0 && self.having == 0
    }
}

/// The coverage of one dashboard section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionCoverage {
    /// `tools`, `flags`, `health` or `quests` (the dashboard's sections).
    pub section: String,
    /// The table read (`tool_logs`, `flags`, `agent_health`, `acolyte_quests`).
    pub table: String,
    /// All rows of the table.
    pub rows: i64,
    /// The fields the section uses, in the order it shows them.
    pub fields: Vec<FieldCoverage>,
}

impl SectionCoverage {
    /// The coverage of `field`, if the section reads it.
    pub fn field(&self, field: &str) -> Option<&FieldCoverage> {
        self.fields.iter().find(|f| f.field == field)
    }
}

/// The coverage of every section the file has, in dashboard order (flags, quests, tools,
/// health).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Coverage {
    pub sections: Vec<SectionCoverage>,
}

impl Coverage {
    /// The section named `section` (see [`SectionCoverage::section`]).
    pub fn section(&self, section: &str) -> Option<&SectionCoverage> {
        self.sections.iter().find(|s| s.section == section)
    }

    /// The coverage of `field` in `section`.
    pub fn field(&self, section: &str, field: &str) -> Option<&FieldCoverage> {
        self.section(section)?.field(field)
    }

    /// Whether `section` has rows and none of them records `field` (false when the coverage
    /// is unknown, e.g. a dashboard stored before coverage existed).
    pub fn none_recorded(&self, section: &str, field: &str) -> bool {
        self.field(section, field).is_some_and(FieldCoverage::none_recorded)
    }
}

/// How a field is counted: which rows it is about, which of them have it.
enum Has {
    /// All rows; non-NULL.
    NotNull,
    /// All rows; a value shaped like a date.
    Date,
    /// All rows; a non-empty text.
    NonEmpty,
    /// Only rows matching the SQL condition; non-NULL date-shaped value among them.
    DateWhere(&'static str),
}

/// (field, how it is counted, the reason when none has it, if more specific than the default).
type Spec = (&'static str, Has, Option<&'static str>);

const HOOKS_NO_DURATION: &str = "these hooks do not record durations";
const HOOKS_NO_AGENT: &str = "these hooks do not record which agent made the call";
/// `post_tool_use.py` writes `success = 1` for every call and never an `error_message`.
pub const HOOKS_NO_FAILURES: &str =
    "these hooks do not record failures (they write success = 1 for every call and no error message)";

fn tool_fields() -> Vec<Spec> {
    vec![
        ("timestamp", Has::Date, None),
        ("tool_name", Has::NonEmpty, None),
        ("duration_ms", Has::NotNull, Some(HOOKS_NO_DURATION)),
        ("agent_name", Has::NonEmpty, Some(HOOKS_NO_AGENT)),
        ("success", Has::NotNull, None),
        ("blocked_by_hook", Has::NotNull, None),
        ("error_message", Has::NonEmpty, Some(HOOKS_NO_FAILURES)),
        ("lines_changed", Has::NotNull, Some("no call records the lines it changed")),
        ("bytes_processed", Has::NotNull, Some("no call records the bytes it processed")),
        ("hook_message", Has::NonEmpty, Some("no call was blocked with a message")),
        ("session_id", Has::NonEmpty, Some("no call names its session")),
        ("file_affected", Has::NonEmpty, Some("no call names the file it touched")),
    ]
}

fn flag_fields() -> Vec<Spec> {
    vec![
        ("created_at", Has::Date, None),
        (
            "completed_at",
            Has::DateWhere("status = 'completed'"),
            Some("no completed flag records when it was completed"),
        ),
        ("impact_level", Has::NonEmpty, None),
        ("target_agent", Has::NonEmpty, Some("every flag is a broadcast (no target agent)")),
        ("flag_type", Has::NonEmpty, None),
    ]
}

/// The flags section's fields in order, with the reason when none has it (for
/// [`super::flaglog::FlagLog::coverage`], which counts them itself).
pub(super) fn flag_field_specs() -> Vec<(&'static str, Option<&'static str>)> {
    flag_fields().into_iter().map(|(f, _, why)| (f, why)).collect()
}

fn health_fields(agent: &'static str) -> Vec<Spec> {
    vec![
        ("checked_at", Has::Date, None),
        (agent, Has::NotNull, None),
        ("status", Has::NonEmpty, None),
        ("drift_score", Has::NotNull, Some("no check records a drift score")),
        ("needs_compaction", Has::NotNull, None),
    ]
}

fn quest_fields() -> Vec<Spec> {
    vec![
        ("created_at", Has::Date, None),
        (
            "updated_at",
            Has::DateWhere("status IN ('completed', 'failed', 'timeout')"),
            Some("no ended quest records when it ended"),
        ),
        ("status", Has::NonEmpty, None),
        ("recruited", Has::NonEmpty, None),
        ("broadcast", Has::NonEmpty, Some("no quest records its messages")),
    ]
}

/// Reads the coverage of every section present in the file (one statement per table).
/// Errors: the database's.
pub async fn coverage<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    has_flags: bool,
) -> Result<Coverage, DbError> {
    coverage_with(db, facts, has_flags, None).await
}

/// [`coverage`], with the tools section taken from `tools` when given (counted from the
/// in-memory [`super::toollog::ToolLog`], no SQL over tool_logs).
/// Errors: the database's.
pub async fn coverage_with<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    has_flags: bool,
    tools: Option<SectionCoverage>,
) -> Result<Coverage, DbError> {
    let mut sections = Vec::new();
    if has_flags {
        sections.push(section(db, facts, "flags", "flags", &flag_fields()).await?);
    }
    if quests::applies(facts) {
        sections.push(section(db, facts, "quests", "acolyte_quests", &quest_fields()).await?);
    }
    if facts.has_table("tool_logs") {
        match tools {
            Some(t) => sections.push(t),
            None => sections.push(section(db, facts, "tools", "tool_logs", &tool_fields()).await?),
        }
    }
    if facts.has_table("agent_health") {
        let agent = if facts.has_column("agent_health", "agent_id")
            && !facts.has_column("agent_health", "agent_name")
        {
            "agent_id"
        } else {
            "agent_name"
        };
        sections.push(section(db, facts, "health", "agent_health", &health_fields(agent)).await?);
    }
    Ok(Coverage { sections })
}

const DATE_GLOB: &str = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'";

/// The SQL condition "`q` holds a readable time": date-shaped text, or epoch seconds (a positive
/// number, or text of digits only).
fn dated(q: &str) -> String {
    format!(
        "({q} GLOB {DATE_GLOB} OR (typeof({q}) IN ('integer', 'real') AND {q} > 0) \
         OR (typeof({q}) = 'text' AND {q} GLOB '[1-9][0-9]*' AND NOT {q} GLOB '*[^0-9]*'))"
    )
}

/// One table's coverage: `SELECT count(*), <rows of field 1>, <having of field 1>, …`.
async fn section<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    name: &str,
    table: &str,
    specs: &[Spec],
) -> Result<SectionCoverage, DbError> {
    let mut columns = vec!["count(*)".to_owned()];
    for (field, has, _) in specs {
        let present = facts.has_column(table, field);
        let q = format!("\"{field}\"");
        let (rows, having) = match has {
            Has::DateWhere(cond) => {
                // The condition's columns (status) may be missing too: then no row qualifies.
                let ok = facts.has_column(table, "status");
                let rows = if ok { format!("count(CASE WHEN {cond} THEN 1 END)") } else { "0".into() };
                let having = if ok && present {
                    format!("count(CASE WHEN {cond} AND {} THEN 1 END)", dated(&q))
                } else {
                    "0".into()
                };
                (rows, having)
            }
            _ if !present => ("count(*)".into(), "0".into()),
            Has::NotNull => ("count(*)".into(), format!("count({q})")),
            Has::Date => ("count(*)".into(), format!("count(CASE WHEN {} THEN 1 END)", dated(&q))),
            Has::NonEmpty => ("count(*)".into(), format!("count(CASE WHEN {q} <> '' THEN 1 END)")),
        };
        columns.push(rows);
        columns.push(having);
    }
    let sql = format!("SELECT {} FROM \"{table}\"", columns.join(", "));
    let rs = db.query(&sql, &[]).await?;
    let row = rs.rows.first();
    let at = |i: usize| row.and_then(|r| r.get(i)).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(build(facts, name, table, specs, at(0), &|i| (at(1 + 2 * i), at(2 + 2 * i))))
}

/// The tools section from counts made elsewhere ([`super::toollog::ToolLog::coverage`]): `rows`
/// of the table, and `having(field)` for each field of the section (0 for a column the table
/// lacks), counted as [`coverage`] counts them.
pub(super) fn tools_section(facts: &SchemaFacts, rows: i64, having: &dyn Fn(&str) -> i64) -> SectionCoverage {
    let specs = tool_fields();
    build(facts, "tools", "tool_logs", &specs, rows, &|i| (rows, having(specs[i].0)))
}

/// A section from its counts: `counts(i)` is (rows, having) of field `i`.
fn build(
    facts: &SchemaFacts,
    name: &str,
    table: &str,
    specs: &[Spec],
    total: i64,
    counts: &dyn Fn(usize) -> (i64, i64),
) -> SectionCoverage {
    let fields = specs
        .iter()
        .enumerate()
        .map(|(i, (field, _, why))| {
            let (rows, having) = counts(i);
            let reason = (rows > 0 && having == 0).then(|| {
                if !facts.has_column(table, field) {
                    format!("the table has no column {field}")
                } else {
                    why.unwrap_or("no row records it").to_owned()
                }
            });
            FieldCoverage { field: (*field).to_owned(), rows, having, reason }
        })
        .collect();
    SectionCoverage { section: name.to_owned(), table: table.to_owned(), rows: total, fields }
}

/// `n` with thousands separated by commas: `2,429` ([`crate::listing::thousands`], signed).
pub fn grouped(n: i64) -> String {
    let digits = crate::listing::thousands(n.unsigned_abs() as usize);
    if n < 0 {
        format!("-{digits}")
    } else {
        digits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_is_none_without_rows_and_none_recorded_needs_rows() {
        let f = |rows, having| FieldCoverage { field: "x".into(), rows, having, reason: None };
        assert_eq!(f(0, 0).share(), None);
        assert!(!f(0, 0).none_recorded());
        assert_eq!(f(4, 0).share(), Some(0.0));
        assert!(f(4, 0).none_recorded());
        assert_eq!(f(4, 1).share(), Some(0.25));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(2429), "2,429");
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(grouped(-1000), "-1,000");
    }
}
