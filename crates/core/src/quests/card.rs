//! One quest as the board and the list show it.

use serde::Serialize;

use crate::flags::Cursor;
use crate::long_text::{ellipsis, LIST_PREFIX_CHARS};
use crate::port::DbError;
use crate::timestamp::{self, Timestamp};
use crate::value::{NamedRow, ResultSet, Value};

use super::status::{unknown_status_warning, QuestStatus};

/// The SQL expression counting the entries of `broadcast`: `json_array_length` when the text is
/// valid JSON and an array, NULL otherwise (NULL, not JSON, an object, a scalar). The `CASE`
/// runs `json_type` only on valid JSON, so bad text never raises an error.
pub const MESSAGES_SQL: &str = "(CASE WHEN NOT json_valid(broadcast) THEN NULL \
     WHEN json_type(broadcast) = 'array' THEN json_array_length(broadcast) END)";

/// The first line of the mission, in SQL (the list never carries whole missions).
const FIRST_LINE_SQL: &str = "(CASE WHEN instr(mission, char(10)) > 0 \
     THEN substr(mission, 1, instr(mission, char(10)) - 1) ELSE mission END)";

/// One board card / list row. Built only by [`QuestCard::from_row`], by column name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestCard {
    /// `quest_id`, the key (names can repeat: `quest_name` has one-second precision).
    pub id: i64,
    /// The value the list sorted by (`sort_key` of [`QuestPageQuery::sql`](super::QuestPageQuery::sql)),
    /// for the next page's cursor; NULL when the row was not read by a page query.
    #[serde(skip)]
    pub sort_key: Value,
    /// `quest_name` (`quest-YYYYMMDD-HHMMSS`, local time of creation).
    pub name: String,
    /// `quest_phase` (`k/n` of the leader's roadmap); `None` for NULL.
    pub phase: Option<String>,
    /// The mission up to its first line break (without a trailing `\r`), at most
    /// [`LIST_PREFIX_CHARS`] characters (then ending in `…`): SQL cuts it, so a card costs the
    /// same whatever the mission holds.
    pub mission_first_line: String,
    /// `recruited` read as a list, leader first (see [`read_recruited`]).
    pub recruited: Vec<String>,
    /// Whose turn it is; `None` once completed by `quest_complete.py`.
    pub current_agent: Option<String>,
    /// `status` as stored (NULL as `""`); see [`QuestCard::known_status`].
    pub status: String,
    /// `created_at` as stored, and read as an instant.
    pub created: (Value, Option<Timestamp>),
    /// `updated_at` as stored (epoch seconds text in v2, integer in the hybrid), and read.
    pub updated: (Value, Option<Timestamp>),
    /// Entries of `broadcast`; `None` when it is not a JSON array.
    pub messages: Option<i64>,
    /// What is odd about the row (recruited empty or not JSON, turn holder not recruited,
    /// unknown status, broadcast not an array, times that do not parse), one sentence each.
    pub warnings: Vec<String>,
}

/// Reads the stored `recruited` text (`None` for NULL) as `json.dumps(agents)` writes it: a JSON
/// array of names, leader first. Text that is not JSON is read as comma-separated names (as
/// `acolyte_quest_core.parse_agents` falls back to), a JSON string as one name; each with a
/// warning, as is an empty list. Non-string entries are left out with a warning.
pub fn read_recruited(stored: Option<&str>) -> (Vec<String>, Vec<String>) {
    let mut warnings = Vec::new();
    let Some(text) = stored else {
        return (Vec::new(), vec!["recruited is NULL: the quest has no team.".into()]);
    };
    let names: Vec<String> = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(items)) => {
            let total = items.len();
            let names: Vec<String> =
                items.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            if names.len() < total {
                warnings.push(format!("recruited has {} entries that are not names.", total - names.len()));
            }
            names
        }
        Ok(serde_json::Value::String(one)) => {
            warnings.push("recruited is a JSON string, not an array: read as one name.".into());
            vec![one]
        }
        Ok(other) => {
            warnings.push(format!("recruited is JSON but not an array: {other}"));
            Vec::new()
        }
        Err(_) => {
            warnings.push("recruited is not JSON: read as comma-separated names.".into());
            text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        }
    };
    if names.is_empty() {
        warnings.push("recruited is empty: the quest has no team.".into());
    }
    (names, warnings)
}

impl QuestCard {
    /// The SELECT list a card is read from (unqualified column names of `acolyte_quests`):
    /// `quest_id, quest_name, quest_phase, mission_first_line, recruited, current_agent, status,
    /// created_at, updated_at, messages` (see [`MESSAGES_SQL`]).
    pub fn select_list() -> String {
        format!(
            "quest_id, quest_name, quest_phase, substr({FIRST_LINE_SQL}, 1, {}) AS mission_first_line, recruited, \
             current_agent, status, created_at, updated_at, {MESSAGES_SQL} AS messages",
            // One character more than kept: tells a cut line from one of exactly that length.
            LIST_PREFIX_CHARS + 1
        )
    }

    /// Reads a row holding [`QuestCard::select_list`] (and optionally `sort_key`) by name, and
    /// works out its warnings. Errors: a column missing from the result.
    pub fn from_row(r: &NamedRow<'_>) -> Result<QuestCard, DbError> {
        let (recruited, mut warnings) = read_recruited(r.opt_text("recruited")?.as_deref());
        let current_agent = r.opt_text("current_agent")?;
        if let Some(agent) = &current_agent {
            if !recruited.iter().any(|a| a == agent) {
                warnings.push(format!("The turn is with {agent}, who is not recruited."));
            }
        }
        let status = r.text("status")?;
        warnings.extend(unknown_status_warning(&status));
        let messages = r.opt_i64("messages")?;
        if messages.is_none() {
            warnings.push("broadcast is not a JSON array: its messages cannot be counted.".into());
        }
        let mut time = |column: &str| -> Result<(Value, Option<Timestamp>), DbError> {
            let raw = r.get(column)?.clone();
            let read = timestamp::read(&raw);
            if read.is_none() && raw != Value::Null {
                warnings.push(format!("{column} is in no known time format: {:?}.", raw.display()));
            }
            Ok((raw, read))
        };
        let created = time("created_at")?;
        let updated = time("updated_at")?;
        Ok(QuestCard {
            id: r.i64("quest_id")?,
            sort_key: r.get("sort_key").cloned().unwrap_or(Value::Null),
            name: r.text("quest_name")?,
            phase: r.opt_text("quest_phase")?,
            mission_first_line: ellipsis(
                r.text("mission_first_line")?.trim_end_matches('\r'),
                LIST_PREFIX_CHARS,
            ),
            recruited,
            current_agent,
            status,
            created,
            updated,
            messages,
            warnings,
        })
    }

    /// Every row of a result, by name.
    pub fn all(rs: &ResultSet) -> Result<Vec<QuestCard>, DbError> {
        rs.map_rows(QuestCard::from_row)
    }

    /// The status if it is one the scripts write.
    pub fn known_status(&self) -> Option<QuestStatus> {
        QuestStatus::parse(&self.status)
    }

    /// The first entry of `recruited` (the scripts put the leader first).
    pub fn leader(&self) -> Option<&str> {
        self.recruited.first().map(String::as_str)
    }

    /// Where the next page starts when this is the last row of a page.
    pub fn cursor(&self) -> Cursor {
        Cursor { key: self.sort_key.clone(), id: self.id }
    }
}
