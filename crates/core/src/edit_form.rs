//! Editing an existing flag: what a person typed into the form, field by field, becomes the
//! column values to write. A field left as it was keeps its stored value exactly (NULL stays
//! NULL, an integer stays an integer, an agent name without `@` keeps its spelling), so an edit
//! changes only what the person changed and the Changes list shows only that.

use super::flags::{validate, with_at, FlagDraft, RuleViolation};
use super::value::Value;
use super::vocabulary::FlagColumn;

/// How a column is typed into the form and turned back into a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// NOT NULL text kept as typed (descriptions, type, impact).
    Text,
    /// An agent name: `@` is added like the tool adds it; empty is the broadcast target "".
    Agent,
    /// Optional text: empty means NULL.
    Optional,
    /// Optional JSON text (`context`): must parse when it is changed.
    Json,
    /// The tool's `YYYY-MM-DD HH:MM`; `required` ones cannot be emptied.
    Minute { required: bool },
    /// Optional integer (`chain_origin_id`).
    Integer,
}

/// Every column the edit form offers, with its kind, in the order the form shows them.
pub const EDIT_FIELDS: &[(&str, FieldKind)] = &[
    (FlagColumn::FlagType.sql(), FieldKind::Text),
    (FlagColumn::ImpactLevel.sql(), FieldKind::Text),
    (FlagColumn::SourceAgent.sql(), FieldKind::Agent),
    (FlagColumn::TargetAgent.sql(), FieldKind::Agent),
    (FlagColumn::ChangeDescription.sql(), FieldKind::Text),
    (FlagColumn::ActionRequired.sql(), FieldKind::Text),
    (FlagColumn::RelatedFiles.sql(), FieldKind::Optional),
    (FlagColumn::CodeLocation.sql(), FieldKind::Optional),
    (FlagColumn::ExampleUsage.sql(), FieldKind::Optional),
    (FlagColumn::Context.sql(), FieldKind::Json),
    (FlagColumn::Notes.sql(), FieldKind::Optional),
    (FlagColumn::CreatedAt.sql(), FieldKind::Minute { required: true }),
    (FlagColumn::CompletedAt.sql(), FieldKind::Minute { required: false }),
    (FlagColumn::CompletedBy.sql(), FieldKind::Optional),
    (FlagColumn::SessionId.sql(), FieldKind::Optional),
    (FlagColumn::ChainOriginId.sql(), FieldKind::Integer),
];

/// Why a typed field cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    NotJson {
        column: &'static str,
        error: String,
    },
    NotMinute {
        column: &'static str,
    },
    Required {
        column: &'static str,
    },
    NotInteger {
        column: &'static str,
    },
    /// One of the tool's creation rules (the v1 update trigger checks the lengths too).
    Rule(RuleViolation),
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldProblem::NotJson { column, error } => {
                write!(f, "{column} must be valid JSON (or empty): {error}")
            }
            FieldProblem::NotMinute { column } => {
                write!(f, "{column} must be written as the tool writes it: YYYY-MM-DD HH:MM")
            }
            FieldProblem::Required { column } => write!(f, "{column} cannot be empty"),
            FieldProblem::NotInteger { column } => {
                write!(f, "{column} must be a flag id (a whole number) or empty")
            }
            FieldProblem::Rule(rule) => rule.fmt(f),
        }
    }
}

/// True for `YYYY-MM-DD HH:MM` with plausible ranges.
pub fn is_tool_minute(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let number = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    b.len() == 16
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b' '
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && number(11..13) < 24
        && number(14..16) < 60
}

/// The value a typed field stands for, or why it cannot be written.
fn typed_value(column: &'static str, kind: FieldKind, typed: &str) -> Result<Value, FieldProblem> {
    let empty = typed.trim().is_empty();
    match kind {
        FieldKind::Text => Ok(Value::from(typed)),
        FieldKind::Agent => Ok(Value::from(with_at(typed))),
        FieldKind::Optional if empty => Ok(Value::Null),
        FieldKind::Optional => Ok(Value::from(typed)),
        FieldKind::Json if empty => Ok(Value::Null),
        FieldKind::Json => match serde_json::from_str::<serde_json::Value>(typed) {
            Ok(_) => Ok(Value::from(typed)),
            Err(e) => Err(FieldProblem::NotJson { column, error: e.to_string() }),
        },
        FieldKind::Minute { required } if empty => {
            if required {
                Err(FieldProblem::Required { column })
            } else {
                Ok(Value::Null)
            }
        }
        FieldKind::Minute { .. } if is_tool_minute(typed.trim()) => Ok(Value::from(typed.trim())),
        FieldKind::Minute { .. } => Err(FieldProblem::NotMinute { column }),
        FieldKind::Integer if empty => Ok(Value::Null),
        FieldKind::Integer => {
            typed.trim().parse::<i64>().map(Value::Integer).map_err(|_| FieldProblem::NotInteger { column })
        }
    }
}

/// The outcome of reading the edit form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EditedFlag {
    /// Every offered column with the value to write (unchanged ones carry their stored value,
    /// which `edits::plan` then leaves out).
    pub values: Vec<(&'static str, Value)>,
    pub problems: Vec<FieldProblem>,
}

/// Reads the typed fields against the stored row. `typed` holds the text of each column of
/// [`EDIT_FIELDS`] (missing ones count as unchanged). The tool's rules are checked on the
/// result: the lengths and the high/critical target always (the update trigger enforces the
/// lengths), the type/impact consistency only when type or impact changed (the v1 trigger
/// checks it on insert only, so older rows may break it and stay editable).
pub fn read_edit_form(
    stored: &[(String, Value)],
    typed: &[(&'static str, String)],
    consistency: bool,
) -> EditedFlag {
    let stored_value = |c: &str| stored.iter().find(|(n, _)| n == c).map(|(_, v)| v.clone());
    let mut out = EditedFlag::default();
    let mut consistency_touched = false;
    for &(column, kind) in EDIT_FIELDS {
        // Columns this file does not have (v0 lacks some) are not offered.
        let Some(before) = stored_value(column) else { continue };
        let Some(text) = typed.iter().find(|(c, _)| *c == column).map(|(_, t)| t) else {
            out.values.push((column, before));
            continue;
        };
        if *text == before.display() {
            out.values.push((column, before));
            continue;
        }
        match typed_value(column, kind, text) {
            Ok(v) => {
                if v != before && matches!(column, "flag_type" | "impact_level") {
                    consistency_touched = true;
                }
                out.values.push((column, v));
            }
            Err(p) => out.problems.push(p),
        }
    }
    let text =
        |c: &str| out.values.iter().find(|(n, _)| *n == c).map(|(_, v)| v.display()).unwrap_or_default();
    let draft = FlagDraft {
        flag_type: text("flag_type"),
        source_agent: text("source_agent"),
        target_agent: text("target_agent"),
        change_description: text("change_description"),
        action_required: text("action_required"),
        impact_level: text("impact_level"),
    };
    let rules = validate(&draft, consistency && consistency_touched);
    out.problems.extend(rules.into_iter().map(FieldProblem::Rule));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> Vec<(String, Value)> {
        vec![
            ("id".into(), Value::Integer(7)),
            ("flag_type".into(), Value::from("change")),
            ("impact_level".into(), Value::from("medium")),
            ("source_agent".into(), Value::from("backend")),
            ("target_agent".into(), Value::Null),
            ("change_description".into(), Value::from("c".repeat(60))),
            ("action_required".into(), Value::from("a".repeat(120))),
            ("related_files".into(), Value::Null),
            ("code_location".into(), Value::from("")),
            ("example_usage".into(), Value::Null),
            ("context".into(), Value::from("{not json")),
            ("notes".into(), Value::Null),
            ("created_at".into(), Value::from("2025-08-01 10:00")),
            ("completed_at".into(), Value::Null),
            ("completed_by".into(), Value::Null),
            ("session_id".into(), Value::Integer(3)),
            ("chain_origin_id".into(), Value::Null),
        ]
    }

    fn typed_as_stored() -> Vec<(&'static str, String)> {
        let s = stored();
        EDIT_FIELDS.iter().map(|(c, _)| (*c, s.iter().find(|(n, _)| n == c).unwrap().1.display())).collect()
    }

    fn set(typed: &mut [(&'static str, String)], column: &str, text: &str) {
        typed.iter_mut().find(|(c, _)| *c == column).unwrap().1 = text.to_owned();
    }

    #[test]
    fn untouched_fields_keep_their_stored_values_exactly() {
        let out = read_edit_form(&stored(), &typed_as_stored(), true);
        assert_eq!(out.problems, vec![]);
        let s = stored();
        for (column, value) in &out.values {
            let before = &s.iter().find(|(n, _)| n == column).unwrap().1;
            assert_eq!(value, before, "{column}");
        }
        // An agent name without @ is kept as stored, and an invalid stored context may stay.
        assert!(out.values.contains(&("source_agent", Value::from("backend"))));
        assert!(out.values.contains(&("session_id", Value::Integer(3))));
    }

    #[test]
    fn changed_fields_become_the_tool_s_values() {
        let mut typed = typed_as_stored();
        set(&mut typed, "target_agent", "frontend");
        set(&mut typed, "notes", "  ");
        set(&mut typed, "related_files", "a.rs, b.rs");
        set(&mut typed, "context", "{\"k\": [1, 2]}");
        set(&mut typed, "chain_origin_id", " 12 ");
        set(&mut typed, "completed_at", "2025-08-02 11:30");
        let out = read_edit_form(&stored(), &typed, true);
        assert_eq!(out.problems, vec![]);
        let value = |c: &str| out.values.iter().find(|(n, _)| *n == c).unwrap().1.clone();
        assert_eq!(value("target_agent"), Value::from("@frontend"));
        assert_eq!(value("notes"), Value::Null, "whitespace only stays NULL");
        assert_eq!(value("related_files"), Value::from("a.rs, b.rs"));
        assert_eq!(value("context"), Value::from("{\"k\": [1, 2]}"));
        assert_eq!(value("chain_origin_id"), Value::Integer(12));
        assert_eq!(value("completed_at"), Value::from("2025-08-02 11:30"));
        // Emptied: an optional text becomes NULL, a stored target the broadcast "", and a
        // NULL target left empty stays NULL.
        let mut s = stored();
        s[4].1 = Value::from("@frontend");
        s[8].1 = Value::from("src/lib.rs:10");
        let mut typed = typed_as_stored();
        set(&mut typed, "target_agent", "");
        set(&mut typed, "code_location", "");
        let out = read_edit_form(&s, &typed, true);
        assert!(out.values.contains(&("target_agent", Value::from(""))));
        assert!(out.values.contains(&("code_location", Value::Null)));
        let out = read_edit_form(&stored(), &typed_as_stored(), true);
        assert!(out.values.contains(&("target_agent", Value::Null)));
    }

    #[test]
    fn each_field_problem_is_reported_and_nothing_is_written_for_it() {
        let mut typed = typed_as_stored();
        set(&mut typed, "context", "{\"open\": ");
        set(&mut typed, "created_at", "");
        set(&mut typed, "completed_at", "2025-13-01 10:00");
        set(&mut typed, "chain_origin_id", "first");
        set(&mut typed, "action_required", "too short");
        set(&mut typed, "impact_level", "high");
        let out = read_edit_form(&stored(), &typed, true);
        let texts: Vec<String> = out.problems.iter().map(ToString::to_string).collect();
        assert!(matches!(out.problems[0], FieldProblem::NotJson { column: "context", .. }), "{texts:?}");
        assert_eq!(out.problems[1], FieldProblem::Required { column: "created_at" });
        assert_eq!(out.problems[2], FieldProblem::NotMinute { column: "completed_at" });
        assert_eq!(out.problems[3], FieldProblem::NotInteger { column: "chain_origin_id" });
        assert_eq!(out.problems[4], FieldProblem::Rule(RuleViolation::ActionRequiredTooShort { length: 9 }));
        assert_eq!(out.problems[5], FieldProblem::Rule(RuleViolation::HighImpactNeedsTarget));
        assert_eq!(out.problems.len(), 6, "{texts:?}");
    }

    #[test]
    fn consistency_is_checked_only_when_type_or_impact_changes() {
        let mut s = stored();
        // A row older than the insert-only consistency trigger: low breaking_change.
        s[1].1 = Value::from("breaking_change");
        s[2].1 = Value::from("low");
        let mut typed: Vec<(&'static str, String)> = EDIT_FIELDS
            .iter()
            .map(|(c, _)| (*c, s.iter().find(|(n, _)| n == c).unwrap().1.display()))
            .collect();
        set(&mut typed, "notes", "checked");
        assert_eq!(read_edit_form(&s, &typed, true).problems, vec![]);
        set(&mut typed, "flag_type", "security");
        assert_eq!(
            read_edit_form(&s, &typed, true).problems,
            vec![FieldProblem::Rule(RuleViolation::LowNotForBreakingOrSecurity)]
        );
        assert_eq!(read_edit_form(&s, &typed, false).problems, vec![], "v0 files have no such trigger");
    }

    /// Flag 38 of the field file `blob-values-in-text-columns.db`: texts stored as BLOB are
    /// validated as their text, and a save changing another field keeps them (as BLOBs).
    #[test]
    fn blob_fields_are_validated_as_their_text_and_kept_when_untouched() {
        let mut s = stored();
        let change = "d".repeat(60);
        s[5].1 = Value::Blob(change.clone().into_bytes());
        s[10].1 = Value::Blob(br#"{"pr": 4242}"#.to_vec());
        s[11].1 = Value::Blob(vec![0x1f, 0x8b, 0x08, 0x00]);
        let mut typed: Vec<(&'static str, String)> = EDIT_FIELDS
            .iter()
            .map(|(c, _)| (*c, s.iter().find(|(n, _)| n == c).unwrap().1.display()))
            .collect();
        assert_eq!(typed.iter().find(|(c, _)| *c == "change_description").unwrap().1, change);
        set(&mut typed, "code_location", "src/lib.rs:10");
        let out = read_edit_form(&s, &typed, true);
        assert_eq!(out.problems, vec![], "the BLOB's 60 characters are counted, not a placeholder");
        let value = |c: &str| out.values.iter().find(|(n, _)| *n == c).unwrap().1.clone();
        assert_eq!(value("code_location"), Value::from("src/lib.rs:10"));
        for (column, i) in [("change_description", 5), ("context", 10), ("notes", 11)] {
            assert_eq!(value(column), s[i].1, "{column} stays the stored BLOB");
        }
        // A short text BLOB is refused by its own length.
        s[5].1 = Value::Blob(b"short".to_vec());
        set(&mut typed, "change_description", "short");
        let out = read_edit_form(&s, &typed, true);
        assert_eq!(
            out.problems,
            vec![FieldProblem::Rule(RuleViolation::ChangeDescriptionTooShort { length: 5 })]
        );
    }

    #[test]
    fn columns_the_file_lacks_are_not_offered() {
        let s: Vec<(String, Value)> = stored().into_iter().filter(|(c, _)| c != "session_id").collect();
        let out = read_edit_form(&s, &typed_as_stored(), true);
        assert!(out.values.iter().all(|(c, _)| *c != "session_id"));
    }

    #[test]
    fn tool_minutes() {
        assert!(is_tool_minute("2025-08-01 09:05"));
        for bad in [
            "2025-08-01 9:05",
            "2025-08-01T09:05",
            "2025-08-01 09:05:00",
            "2025-00-01 09:05",
            "2025-08-01 24:00",
        ] {
            assert!(!is_tool_minute(bad), "{bad}");
        }
    }
}
