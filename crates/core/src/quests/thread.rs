//! A quest's conversation: the `broadcast` JSON array read into messages.

use serde::Serialize;
use serde_json::Value as Json;

use crate::timestamp::{self, Timestamp};

/// The line that opens the file list `quest_respond.py --files a,b` appends to a message
/// (`"\n\nFiles modified:\n" + "\n".join(f"- {f}" ...)`).
pub const FILES_HEADER: &str = "Files modified:";

/// One entry of `broadcast`: `{from, to, message, timestamp}` as `send_message` in
/// `acolyte_quest_core.py` appends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestMessage {
    /// The sender; `None` when the entry has no `from` (the tool shows "Unknown").
    pub from: Option<String>,
    /// The addressee, who got the turn; `None` when the entry has no `to`.
    pub to: Option<String>,
    /// The message without its trailing `Files modified:` block (and the blank line before
    /// it); the whole entry as JSON text when the entry is not an object.
    pub text: String,
    /// The paths of the `Files modified:` block, in order (empty when there is none).
    pub files: Vec<String>,
    /// `timestamp` read as an instant (the scripts write Python local time,
    /// `datetime.now().isoformat()`, e.g. `2025-09-29T09:16:13.004800`).
    pub at: Option<Timestamp>,
    /// `timestamp` as stored (non-text JSON as its JSON text); `None` when absent.
    pub at_raw: Option<String>,
    /// What is odd about this entry, one sentence each.
    pub warnings: Vec<String>,
}

/// The conversation of a quest, oldest message first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Thread {
    pub messages: Vec<QuestMessage>,
    /// Why the list is empty or incomplete: no messages yet, `broadcast` NULL, not JSON, or JSON
    /// but not an array.
    pub warning: Option<String>,
}

impl Thread {
    /// Reads `broadcast` as stored (`None` for NULL). Never fails: text that is not JSON gives
    /// no messages and a warning; a JSON object is read as one message, as
    /// `acolyte_quest_core.get_conversation` does (`[broadcast]`), with a warning; any other
    /// JSON value gives no messages and a warning.
    pub fn parse(broadcast: Option<&str>) -> Thread {
        let Some(text) = broadcast else {
            return Thread { messages: Vec::new(), warning: Some("No messages: broadcast is NULL.".into()) };
        };
        let json: Json = match serde_json::from_str(text) {
            Ok(json) => json,
            Err(e) => {
                return Thread {
                    messages: Vec::new(),
                    warning: Some(format!("broadcast is not JSON ({e}); shown as stored.")),
                }
            }
        };
        match json {
            Json::Array(items) if items.is_empty() => {
                Thread { messages: Vec::new(), warning: Some("No messages yet.".into()) }
            }
            Json::Array(items) => Thread {
                messages: items.iter().enumerate().map(|(i, m)| QuestMessage::from_json(i + 1, m)).collect(),
                warning: None,
            },
            Json::Object(_) => Thread {
                messages: vec![QuestMessage::from_json(1, &json)],
                warning: Some(
                    "broadcast is a JSON object, not an array: read as one message, as the tool does.".into(),
                ),
            },
            other => Thread {
                messages: Vec::new(),
                warning: Some(format!("broadcast is JSON but not an array of messages: {other}")),
            },
        }
    }

    /// Every warning of the thread and of its messages.
    pub fn warnings(&self) -> Vec<String> {
        self.warning
            .iter()
            .cloned()
            .chain(self.messages.iter().flat_map(|m| m.warnings.iter().cloned()))
            .collect()
    }
}

/// A JSON field as text: strings as they are, other values as JSON text, null/absent as `None`.
fn text_field(object: &serde_json::Map<String, Json>, key: &str) -> Option<String> {
    match object.get(key)? {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl QuestMessage {
    /// Reads entry number `n` (1-based, for the warnings) of the array.
    pub fn from_json(n: usize, entry: &Json) -> QuestMessage {
        let Json::Object(object) = entry else {
            return QuestMessage {
                from: None,
                to: None,
                text: entry.to_string(),
                files: Vec::new(),
                at: None,
                at_raw: None,
                warnings: vec![format!("Message {n} is not an object: shown as stored.")],
            };
        };
        let mut warnings = Vec::new();
        let from = text_field(object, "from");
        let to = text_field(object, "to");
        if from.is_none() {
            warnings.push(format!("Message {n} has no sender (from)."));
        }
        if to.is_none() {
            warnings.push(format!("Message {n} has no addressee (to)."));
        }
        let message = text_field(object, "message");
        if message.is_none() {
            warnings.push(format!("Message {n} has no text (message)."));
        }
        let (text, files) = split_files(message.as_deref().unwrap_or(""));
        let at_raw = text_field(object, "timestamp");
        let at = at_raw.as_deref().and_then(timestamp::read_str);
        match (&at_raw, &at) {
            (None, _) => warnings.push(format!("Message {n} has no timestamp.")),
            (Some(raw), None) => {
                warnings.push(format!("Message {n} has a timestamp in no known format: {raw:?}."))
            }
            _ => {}
        }
        QuestMessage { from, to, text, files, at, at_raw, warnings }
    }

    /// Whether the message ended with a `Files modified:` block.
    pub fn has_files(&self) -> bool {
        !self.files.is_empty()
    }
}

/// Splits a message into its text and the paths of a trailing `Files modified:` block: the
/// last line that is exactly `Files modified:`, followed only by `- path` lines (and blank
/// lines), as `quest_respond.py --files` writes it. Without such a block the whole message is
/// the text and the list is empty. Blank `- ` entries (from `--files "a,,b"`) are dropped.
pub fn split_files(message: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = message.split('\n').collect();
    let Some(header) = lines.iter().rposition(|l| l.trim_end() == FILES_HEADER) else {
        return (message.to_owned(), Vec::new());
    };
    let rest = &lines[header + 1..];
    let is_item = |l: &str| l.starts_with("- ") || l.trim_end() == "-";
    if !rest.iter().all(|l| is_item(l) || l.trim().is_empty()) || !rest.iter().any(|l| is_item(l)) {
        return (message.to_owned(), Vec::new());
    }
    let files = rest
        .iter()
        .filter(|l| is_item(l))
        .map(|l| l[1..].trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    let text = lines[..header].join("\n").trim_end().to_owned();
    (text, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_block_of_quest_respond_is_split_off() {
        let msg = "Done. Lint passed.\n\nFiles modified:\n- src/a.ts\n- tests/b.spec.ts";
        assert_eq!(
            split_files(msg),
            ("Done. Lint passed.".to_owned(), vec!["src/a.ts".into(), "tests/b.spec.ts".into()])
        );
        // Only a trailing block of "- " lines counts.
        let prose = "Files modified:\nsee the PR";
        assert_eq!(split_files(prose), (prose.to_owned(), vec![]));
        assert_eq!(split_files("Files modified:"), ("Files modified:".to_owned(), vec![]));
        let empty_entry = "ok\n\nFiles modified:\n- a\n- \n- b\n";
        assert_eq!(split_files(empty_entry).1, ["a", "b"]);
        assert_eq!(split_files("plain"), ("plain".to_owned(), vec![]));
    }

    #[test]
    fn odd_broadcasts_give_warnings_not_panics() {
        let none = Thread::parse(None);
        assert!(none.messages.is_empty() && none.warning.unwrap().contains("NULL"));
        let bad = Thread::parse(Some("[{\"from\": "));
        assert!(bad.messages.is_empty() && bad.warning.unwrap().contains("not JSON"));
        let empty = Thread::parse(Some("[]"));
        assert_eq!(empty.warning.as_deref(), Some("No messages yet."));
        let scalar = Thread::parse(Some("42"));
        assert!(scalar.messages.is_empty() && scalar.warning.unwrap().contains("not an array"));
        let object = Thread::parse(Some(
            r#"{"from":"@a","to":"@b","message":"hi","timestamp":"2025-09-29T09:16:13.004800"}"#,
        ));
        assert_eq!(object.messages.len(), 1);
        assert!(object.warning.unwrap().contains("object"));
        assert_eq!(object.messages[0].at.map(|t| t.epoch_ms % 1000), Some(5));

        let odd = Thread::parse(Some(
            r#"[{"message":"x"},"loose",{"from":"@a","to":"@b","message":"y","timestamp":"yesterday"}]"#,
        ));
        assert_eq!(odd.warning, None);
        let w = &odd.messages[0].warnings;
        assert!(w.iter().any(|w| w.contains("no sender")) && w.iter().any(|w| w.contains("no addressee")));
        assert!(w.iter().any(|w| w.contains("no timestamp")));
        assert_eq!(odd.messages[1].text, "\"loose\"");
        assert!(odd.messages[1].warnings[0].contains("not an object"));
        assert_eq!(odd.messages[2].at_raw.as_deref(), Some("yesterday"));
        assert!(odd.messages[2].warnings[0].contains("no known format"));
        assert_eq!(odd.warnings().len(), 5);
    }
}
