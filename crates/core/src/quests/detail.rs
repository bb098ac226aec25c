//! One quest in full: its card, mission, context, result and conversation.

use serde::Serialize;

use crate::port::{Database, DbError};
use crate::value::Value;

use super::card::QuestCard;
use super::thread::Thread;
use super::TABLE;

/// A stored JSON column (`context`, `result`) as read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Parsed {
    /// NULL (or empty text).
    Missing,
    /// A JSON object, as the scripts write.
    Json(serde_json::Value),
    /// Not JSON, or JSON that is not an object: shown raw with why.
    Malformed { raw: String, error: String },
}

impl Parsed {
    /// Reads a stored value: NULL or blank text is [`Parsed::Missing`]; a JSON object is
    /// [`Parsed::Json`]; anything else is [`Parsed::Malformed`] with the stored text.
    pub fn read(stored: &Value) -> Parsed {
        let raw = match stored {
            Value::Null => return Parsed::Missing,
            v if v.as_str().is_some_and(|t| t.trim().is_empty()) => return Parsed::Missing,
            other => other.display(),
        };
        match serde_json::from_str::<serde_json::Value>(&raw) {
            Ok(json @ serde_json::Value::Object(_)) => Parsed::Json(json),
            Ok(other) => {
                Parsed::Malformed { raw, error: format!("JSON, but not an object ({})", kind(&other)) }
            }
            Err(e) => Parsed::Malformed { raw, error: format!("not JSON: {e}") },
        }
    }

    /// A top-level field of the object (`None` when missing, malformed, or absent).
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        match self {
            Parsed::Json(json) => json.get(key),
            _ => None,
        }
    }

    /// A top-level text field.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(serde_json::Value::as_str)
    }

    /// The warning shown for a malformed value of `column`.
    pub fn warning(&self, column: &str) -> Option<String> {
        match self {
            Parsed::Malformed { error, .. } => {
                Some(format!("{column} is malformed ({error}): shown as stored."))
            }
            _ => None,
        }
    }
}

fn kind(json: &serde_json::Value) -> &'static str {
    match json {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Everything the quest page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestDetail {
    /// The card fields (with the recruited, turn, status and time warnings).
    pub card: QuestCard,
    /// The whole mission as stored.
    pub mission: String,
    /// `{mission, leader, phase}` (`quest_create.py`).
    pub context: Parsed,
    /// `{quest_id, quest_name, mission, phase, completed_at, summary, details, team}`
    /// (`quest_complete.py`); [`Parsed::Missing`] until then, and for a quest completed with
    /// `quest_status.py --status completed`.
    pub result: Parsed,
    /// The conversation (`broadcast`).
    pub thread: Thread,
}

impl QuestDetail {
    /// The leader: `context.leader`, else the first recruited (where `quest_respond.py` looks).
    pub fn leader(&self) -> Option<&str> {
        self.context.get_str("leader").or_else(|| self.card.leader())
    }

    /// Every warning: the card's, then context, result and the thread's.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = self.card.warnings.clone();
        out.extend(self.context.warning("context"));
        out.extend(self.result.warning("result"));
        out.extend(self.thread.warnings());
        out
    }
}

/// The statement behind [`quest_detail`]: one row (or none) for parameter `quest_id`.
pub fn detail_sql() -> String {
    format!(
        "SELECT {}, mission, broadcast, context, result FROM {TABLE} WHERE quest_id = ?",
        QuestCard::select_list()
    )
}

/// Reads quest `id`; `Ok(None)` when there is no such quest. Errors: the engine's.
pub async fn quest_detail<D: Database>(db: &D, id: i64) -> Result<Option<QuestDetail>, DbError> {
    let rs = db.query(&detail_sql(), &[Value::Integer(id)]).await?;
    rs.map_first(|r| {
        Ok(QuestDetail {
            card: QuestCard::from_row(r)?,
            mission: r.text("mission")?,
            context: Parsed::read(r.get("context")?),
            result: Parsed::read(r.get("result")?),
            thread: Thread::parse(r.opt_text("broadcast")?.as_deref()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_columns_read_as_object_missing_or_malformed() {
        assert_eq!(Parsed::read(&Value::Null), Parsed::Missing);
        assert_eq!(Parsed::read(&Value::from(" ")), Parsed::Missing);
        let ok = Parsed::read(&Value::from(r#"{"leader": "@a", "phase": "1/1"}"#));
        assert_eq!(ok.get_str("leader"), Some("@a"));
        assert_eq!(ok.warning("context"), None);
        let bad = Parsed::read(&Value::from("{leader"));
        assert!(
            matches!(&bad, Parsed::Malformed { raw, error } if raw == "{leader" && error.starts_with("not JSON"))
        );
        assert!(bad.warning("context").unwrap().starts_with("context is malformed"));
        let list = Parsed::read(&Value::from("[1]"));
        assert!(matches!(&list, Parsed::Malformed { error, .. } if error.contains("an array")));
        assert!(matches!(Parsed::read(&Value::Integer(3)), Parsed::Malformed { raw, .. } if raw == "3"));
    }
}
