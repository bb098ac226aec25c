//! The quest log files: `.claude/logs/quests/quest_N.log`, one per quest, written by
//! `QuestCore.log_quest_event` in `acolyte_quest_core.py` through Python's `logging`
//! (`'%(asctime)s | %(message)s'`, `'%Y-%m-%d %H:%M:%S'`, local time). A line is
//!
//! `YYYY-MM-DD HH:MM:SS | [KIND] [@agent] text | Data: {json}`
//!
//! with the agent and the data optional. They are the only status history the scripts keep
//! (no script writes `acolyte_status_changes`), and the only record of refused commands.

use serde::Serialize;
use serde_json::Value as Json;

use crate::timestamp::{self, Timestamp};

/// A file name that is not `quest_N.log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogNameError {
    /// The name as given.
    pub file_name: String,
}

impl std::fmt::Display for LogNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a quest log (quest_N.log)", self.file_name)
    }
}

impl std::error::Error for LogNameError {}

/// What a `[VIOLATION]` line says was refused (the texts of `acolyte_quest_core.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ViolationKind {
    /// `send_message`: `Turn violation: @a tried to send but turn is @b`; `update_quest`:
    /// `Turn violation: Not @a's turn`.
    TurnViolation,
    /// `send_message`: `Cannot send message to completed quest`.
    MessageToCompletedQuest,
    /// `update_quest`: `Attempted to modify completed quest` (`quest_status.py`,
    /// `quest_complete.py` on a completed quest).
    ModifyCompletedQuest,
    /// Any other text.
    Other,
}

impl ViolationKind {
    /// Reads a violation's text.
    pub fn of(text: &str) -> ViolationKind {
        if text.starts_with("Turn violation") {
            ViolationKind::TurnViolation
        } else if text.starts_with("Cannot send message to completed quest") {
            ViolationKind::MessageToCompletedQuest
        } else if text.starts_with("Attempted to modify completed quest") {
            ViolationKind::ModifyCompletedQuest
        } else {
            ViolationKind::Other
        }
    }

    /// The fixture README's words ("turn violation", "message to completed quest", "modify
    /// completed quest"; "other").
    pub fn label(self) -> &'static str {
        match self {
            ViolationKind::TurnViolation => "turn violation",
            ViolationKind::MessageToCompletedQuest => "message to completed quest",
            ViolationKind::ModifyCompletedQuest => "modify completed quest",
            ViolationKind::Other => "other",
        }
    }
}

/// What a line records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LogKind {
    /// `[CREATE] [@leader] Quest created: NAME | Data: {mission, agents, phase}`.
    Create,
    /// `[TURN] [@leader] Initial turn assigned to leader | Data: {"status":"working"}`.
    InitialTurn,
    /// `[MESSAGE] [@from] Message sent to @to | Data: {message_preview}`.
    Message { to: String },
    /// `[UPDATE] [@agent] Updating fields: ['a', 'b'] | Data: {the new values}`, written before
    /// the UPDATE runs. `status` and `current_agent` are the new values when the data sets
    /// them (`current_agent: Some(None)`: set to NULL).
    Update { fields: Vec<String>, status: Option<String>, current_agent: Option<Option<String>> },
    /// `[TURN] [@agent] Turn passed to @to` (`None`: `Turn passed to None`, on completion).
    Turn { to: Option<String> },
    /// `[VIOLATION] [@agent] text`: a command refused; nothing was written to the database.
    Violation { text: String },
    /// Any other tag (`ERROR`, …) or a known tag with an unexpected text.
    Other { tag: String },
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEvent {
    /// 1-based line number in the file.
    pub line: usize,
    /// The line's time as written (`YYYY-MM-DD HH:MM:SS`, the machine's local time).
    pub at_raw: String,
    /// The same, read ([`Offset::Unknown`](crate::timestamp::Offset::Unknown): local time).
    pub at: Timestamp,
    /// The `[@agent]` part, when the line has one.
    pub agent: Option<String>,
    pub kind: LogKind,
    /// The text between the tags and the data.
    pub text: String,
    /// The `| Data: {json}` part, parsed.
    pub data: Option<Json>,
}

/// A line that did not parse, kept as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnparsedLine {
    /// 1-based line number.
    pub line: usize,
    pub text: String,
}

/// A parsed quest log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestLog {
    /// `N` of `quest_N.log`.
    pub quest_id: i64,
    /// Lines that parsed, in file order.
    pub events: Vec<LogEvent>,
    /// Lines that did not (blank lines are skipped, not counted).
    pub unparsed: Vec<UnparsedLine>,
}

/// The quest id of a log file name: `quest_N.log`, with or without folders before it.
pub fn quest_id_of(file_name: &str) -> Result<i64, LogNameError> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    base.strip_prefix("quest_")
        .and_then(|rest| rest.strip_suffix(".log"))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| LogNameError { file_name: file_name.to_owned() })
}

/// Parses a log file. Errors: only a file name that is not `quest_N.log`; lines that do not
/// parse (no `time | [TAG]` start, or a time that is no date) are kept in
/// [`QuestLog::unparsed`] with their line numbers (a message with a line break in it continues
/// on lines without a time).
pub fn parse_log(file_name: &str, text: &str) -> Result<QuestLog, LogNameError> {
    let quest_id = quest_id_of(file_name)?;
    let mut log = QuestLog { quest_id, events: Vec::new(), unparsed: Vec::new() };
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        match parse_line(i + 1, raw) {
            Some(event) => log.events.push(event),
            None => log.unparsed.push(UnparsedLine { line: i + 1, text: raw.to_owned() }),
        }
    }
    Ok(log)
}

fn is_log_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// `[X] rest` → (`X`, `rest`).
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('[')?;
    let end = inner.find(']')?;
    Some((&inner[..end], inner[end + 1..].strip_prefix(' ').unwrap_or(&inner[end + 1..])))
}

/// Splits `text | Data: {json}` at the first ` | Data: ` whose rest is JSON.
fn split_data(rest: &str) -> (&str, Option<Json>) {
    const SEP: &str = " | Data: ";
    let mut from = 0;
    while let Some(i) = rest[from..].find(SEP) {
        let at = from + i;
        if let Ok(json) = serde_json::from_str::<Json>(&rest[at + SEP.len()..]) {
            return (&rest[..at], Some(json));
        }
        from = at + SEP.len();
    }
    (rest, None)
}

/// `['a', 'b']` (Python's list repr) → `["a", "b"]`.
fn python_list(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim().is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(',')
        .map(|item| {
            let item = item.trim();
            item.strip_prefix('\'')
                .and_then(|i| i.strip_suffix('\''))
                .or_else(|| item.strip_prefix('"').and_then(|i| i.strip_suffix('"')))
                .map(str::to_owned)
        })
        .collect()
}

fn parse_line(line: usize, raw: &str) -> Option<LogEvent> {
    let (at_raw, rest) = raw.split_at_checked(19)?;
    if !is_log_time(at_raw) {
        return None;
    }
    let at = timestamp::read_str(at_raw)?;
    let rest = rest.strip_prefix(" | ")?;
    let (tag, rest) = bracketed(rest)?;
    if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return None;
    }
    let (body, data) = split_data(rest);
    // `[agent]` is only there when the script passed one; message texts never start with `[`.
    let (agent, text) = match bracketed(body) {
        Some((agent, text)) => (Some(agent.to_owned()), text),
        None => (None, body),
    };
    let kind = kind_of(tag, text, data.as_ref());
    Some(LogEvent { line, at_raw: at_raw.to_owned(), at, agent, kind, text: text.to_owned(), data })
}

fn kind_of(tag: &str, text: &str, data: Option<&Json>) -> LogKind {
    let other = || LogKind::Other { tag: tag.to_owned() };
    match tag {
        "CREATE" if text.starts_with("Quest created") => LogKind::Create,
        "TURN" if text == "Initial turn assigned to leader" => LogKind::InitialTurn,
        "TURN" => match text.strip_prefix("Turn passed to ") {
            Some("None") => LogKind::Turn { to: None },
            Some(to) => LogKind::Turn { to: Some(to.to_owned()) },
            None => other(),
        },
        "MESSAGE" => match text.strip_prefix("Message sent to ") {
            Some(to) => LogKind::Message { to: to.to_owned() },
            None => other(),
        },
        "UPDATE" => match text.strip_prefix("Updating fields: ").and_then(python_list) {
            Some(fields) => LogKind::Update {
                fields,
                status: data.and_then(|d| d.get("status")).and_then(Json::as_str).map(str::to_owned),
                current_agent: data
                    .and_then(|d| d.get("current_agent"))
                    .map(|v| v.as_str().map(str::to_owned)),
            },
            None => other(),
        },
        "VIOLATION" => LogKind::Violation { text: text.to_owned() },
        _ => other(),
    }
}

impl QuestLog {
    /// The statuses the quest went through, in order: the initial turn's (`working`), then the
    /// `status` of every `[UPDATE]` (a status set twice in a row is listed twice, as written).
    /// The fixture's `expected/facts-v2.json` lists the same per quest.
    pub fn status_history(&self) -> Vec<String> {
        self.events.iter().filter_map(LogEvent::status_set).map(str::to_owned).collect()
    }

    /// The `[VIOLATION]` lines: (event, kind).
    pub fn violations(&self) -> impl Iterator<Item = (&LogEvent, ViolationKind)> {
        self.events.iter().filter_map(|e| match &e.kind {
            LogKind::Violation { text } => Some((e, ViolationKind::of(text))),
            _ => None,
        })
    }

    /// A warning per unparsed line (`None` when all parsed).
    pub fn warning(&self) -> Option<String> {
        let n = self.unparsed.len();
        (n > 0).then(|| {
            let lines: Vec<String> = self.unparsed.iter().map(|u| u.line.to_string()).collect();
            format!(
                "{n} line{} of quest_{}.log did not parse (line {}); kept as written.",
                if n == 1 { "" } else { "s" },
                self.quest_id,
                crate::listing::names(&lines),
            )
        })
    }
}

/// One row of a quest's history: a line, or a message together with the update and the turn
/// pass it caused (`QuestCore.send_message` in `acolyte_quest_core.py` logs `[MESSAGE]`, then
/// `update_quest`'s `[UPDATE]` setting the addressee as `current_agent`, then `[TURN] Turn passed
/// to @to`, in that order, for one message).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryRow<'a> {
    /// The row's first line (the `[MESSAGE]` of a message).
    pub event: &'a LogEvent,
    /// The `[UPDATE]` the message caused, when the next line is one handing the turn to the
    /// addressee.
    pub update: Option<&'a LogEvent>,
    /// The `[TURN] Turn passed to @to` after it, when there is one.
    pub turn: Option<&'a LogEvent>,
}

impl HistoryRow<'_> {
    /// The status the row sets (the update's, or the line's own).
    pub fn status_set(&self) -> Option<&str> {
        self.update.map_or_else(|| self.event.status_set(), LogEvent::status_set)
    }
}

impl QuestLog {
    /// The lines as history rows: each message with the update and turn pass that follow it
    /// for the same addressee (see [`HistoryRow`]); every other line alone, refused commands
    /// included. Every line is in exactly one row, in file order.
    pub fn history_rows(&self) -> Vec<HistoryRow<'_>> {
        let mut rows = Vec::new();
        let mut i = 0;
        while i < self.events.len() {
            let event = &self.events[i];
            let mut row = HistoryRow { event, update: None, turn: None };
            if let LogKind::Message { to } = &event.kind {
                let next = self.events.get(i + 1).filter(
                    |u| matches!(&u.kind, LogKind::Update { current_agent: Some(Some(a)), .. } if a == to),
                );
                if let Some(update) = next {
                    row.update = Some(update);
                    i += 1;
                    let turn = self
                        .events
                        .get(i + 1)
                        .filter(|t| matches!(&t.kind, LogKind::Turn { to: Some(t) } if t == to));
                    if let Some(turn) = turn {
                        row.turn = Some(turn);
                        i += 1;
                    }
                }
            }
            rows.push(row);
            i += 1;
        }
        rows
    }
}

impl LogEvent {
    /// The status this line sets: an `[UPDATE]`'s `status`, or the initial turn's
    /// `{"status": "working"}`.
    pub fn status_set(&self) -> Option<&str> {
        match &self.kind {
            LogKind::Update { status, .. } => status.as_deref(),
            LogKind::InitialTurn => self.data.as_ref()?.get("status")?.as_str(),
            _ => None,
        }
    }
}

/// How far a log line's time may lie before the quest's `created_at` and still belong to it:
/// 14 hours. The log writes the machine's local time, the v2 `created_at` is SQLite's
/// `datetime('now')` (UTC), and UTC offsets run from −12 h to +14 h.
pub const LOG_CLOCK_SLACK_MS: i64 = 14 * 3_600_000;

/// Why a log was refused for the quest its file name points to (see [`check_log`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LogMismatch {
    /// No row has the file name's `quest_id`.
    NoSuchQuest { quest_id: i64 },
    /// The `[CREATE]` line names another quest (a log from another project or folder).
    OtherQuest { quest_id: i64, log_name: String, quest_name: String },
    /// The first line is earlier than the quest's creation (beyond [`LOG_CLOCK_SLACK_MS`]).
    StartsBeforeQuest { quest_id: i64, first_line: String, created: String },
}

impl std::fmt::Display for LogMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogMismatch::NoSuchQuest { quest_id } => {
                write!(f, "quest_{quest_id}.log: there is no quest #{quest_id} in this file; not added.")
            }
            LogMismatch::OtherQuest { quest_id, log_name, quest_name } => write!(
                f,
                "quest_{quest_id}.log is the log of {log_name}, but quest #{quest_id} here is {quest_name} \
                 (a log from another project?); not added."
            ),
            LogMismatch::StartsBeforeQuest { quest_id, first_line, created } => write!(
                f,
                "quest_{quest_id}.log starts at {first_line}, before quest #{quest_id} was created ({created}); \
                 not added."
            ),
        }
    }
}

impl std::error::Error for LogMismatch {}

/// Checks that `log` is the log of `quest` (the row with the file name's `quest_id`; `None`
/// when there is none). The rule: the quest must exist; the name in the `[CREATE]` line
/// (`Quest created: NAME`, written by `QuestCore.create_quest` in `acolyte_quest_core.py` with
/// the `quest_name` it inserts) must equal `quest_name`; and the first line must not be earlier
/// than `created_at` less [`LOG_CLOCK_SLACK_MS`] (when `created_at` reads as a time). A log
/// without a `[CREATE]` line (a truncated file) is accepted with a warning (`Ok(Some(…))`).
pub fn check_log(log: &QuestLog, quest: Option<&super::QuestCard>) -> Result<Option<String>, LogMismatch> {
    let id = log.quest_id;
    let Some(quest) = quest else { return Err(LogMismatch::NoSuchQuest { quest_id: id }) };
    let create = log.events.iter().find(|e| e.kind == LogKind::Create);
    if let Some(create) = create {
        let name = create.text.strip_prefix("Quest created:").unwrap_or(&create.text).trim();
        if name != quest.name {
            return Err(LogMismatch::OtherQuest {
                quest_id: id,
                log_name: name.to_owned(),
                quest_name: quest.name.clone(),
            });
        }
    }
    if let (Some(first), Some(created)) = (log.events.first(), quest.created.1.as_ref()) {
        if first.at.epoch_ms < created.epoch_ms - LOG_CLOCK_SLACK_MS {
            return Err(LogMismatch::StartsBeforeQuest {
                quest_id: id,
                first_line: first.at_raw.clone(),
                created: created.display(),
            });
        }
    }
    Ok(create.is_none().then(|| {
        format!(
            "quest_{id}.log has no CREATE line (a truncated file?): it could not be checked against {}.",
            quest.name
        )
    }))
}

/// Reads the row `log` names and [`check_log`]s it. Errors: the engine's (outer), the mismatch
/// (inner).
pub async fn check_log_in<D: crate::port::Database>(
    db: &D,
    log: &QuestLog,
) -> Result<Result<Option<String>, LogMismatch>, crate::port::DbError> {
    let sql = format!("SELECT {} FROM {} WHERE quest_id = ?", super::QuestCard::select_list(), super::TABLE);
    let rs = db.query(&sql, &[crate::Value::Integer(log.quest_id)]).await?;
    let quest = rs.map_first(super::QuestCard::from_row)?;
    Ok(check_log(log, quest.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "2025-09-29 09:09:38 | [CREATE] [@acolyte.auth] Quest created: quest-20250929-090938 | Data: {\"mission\":\"M | Data: x\",\"agents\":[\"@acolyte.auth\",\"@service.auth\"],\"phase\":\"1/1\"}\n\
2025-09-29 09:09:38 | [TURN] [@acolyte.auth] Initial turn assigned to leader | Data: {\"status\":\"working\"}\n\
2025-09-29 09:16:13 | [MESSAGE] [@acolyte.auth] Message sent to @service.auth | Data: {\"message_preview\":\"Read\"}\n\
2025-09-29 09:16:13 | [UPDATE] [@acolyte.auth] Updating fields: ['current_agent', 'status', 'broadcast'] | Data: {\"current_agent\":\"@service.auth\",\"status\":\"waiting\",\"broadcast\":[]}\n\
2025-09-29 09:16:13 | [TURN] [@acolyte.auth] Turn passed to @service.auth\n\
\n\
2025-09-29 09:25:14 | [VIOLATION] [@acolyte.auth] Turn violation: @acolyte.auth tried to send but turn is @service.auth\n\
a continuation line\n\
2025-09-29 10:31:21 | [UPDATE] Updating fields: ['status', 'result', 'current_agent'] | Data: {\"status\":\"completed\",\"result\":{},\"current_agent\":null}\n\
2025-09-29 10:31:21 | [TURN] Turn passed to None\n\
2025-09-29 10:31:22 | [ERROR] Quest not found for update\n\
2025-13-29 10:31:22 | [ERROR] not a time\n";

    #[test]
    fn lines_are_read_by_kind_and_odd_lines_are_kept_with_their_number() {
        let log = parse_log(".claude/logs/quests/quest_7.log", SAMPLE).unwrap();
        assert_eq!(log.quest_id, 7);
        let kinds: Vec<&LogKind> = log.events.iter().map(|e| &e.kind).collect();
        assert_eq!(kinds[0], &LogKind::Create);
        assert_eq!(log.events[0].data.as_ref().unwrap()["mission"], "M | Data: x");
        assert_eq!(kinds[1], &LogKind::InitialTurn);
        assert_eq!(kinds[2], &LogKind::Message { to: "@service.auth".into() });
        assert_eq!(
            kinds[3],
            &LogKind::Update {
                fields: vec!["current_agent".into(), "status".into(), "broadcast".into()],
                status: Some("waiting".into()),
                current_agent: Some(Some("@service.auth".into())),
            }
        );
        assert_eq!(kinds[4], &LogKind::Turn { to: Some("@service.auth".into()) });
        assert!(matches!(kinds[5], LogKind::Violation { text } if text.starts_with("Turn violation")));
        assert_eq!(log.events[5].line, 7);
        assert!(matches!(&kinds[6], LogKind::Update { current_agent: Some(None), .. }));
        assert_eq!(log.events[6].agent, None);
        assert_eq!(kinds[7], &LogKind::Turn { to: None });
        assert_eq!(kinds[8], &LogKind::Other { tag: "ERROR".into() });
        assert_eq!(log.status_history(), ["working", "waiting", "completed"]);
        let v: Vec<ViolationKind> = log.violations().map(|(_, k)| k).collect();
        assert_eq!(v, [ViolationKind::TurnViolation]);
        assert_eq!(
            log.unparsed,
            [
                UnparsedLine { line: 8, text: "a continuation line".into() },
                UnparsedLine { line: 12, text: "2025-13-29 10:31:22 | [ERROR] not a time".into() }
            ]
        );
        assert!(log.warning().unwrap().starts_with("2 lines of quest_7.log did not parse (line 8, 12)"));
        assert_eq!(log.events[0].at.epoch_seconds(), 1_759_136_978);
    }

    fn quest(name: &str, created: &str) -> crate::quests::QuestCard {
        crate::quests::QuestCard {
            id: 7,
            sort_key: crate::Value::Null,
            name: name.into(),
            phase: None,
            mission_first_line: String::new(),
            recruited: Vec::new(),
            current_agent: None,
            status: "working".into(),
            created: (crate::Value::from(created), timestamp::read_str(created)),
            updated: (crate::Value::Null, None),
            messages: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_log_must_name_its_quest_and_not_start_before_it() {
        let log = parse_log("quest_7.log", SAMPLE).unwrap();
        // Same name, created at the first line: accepted without warning.
        assert_eq!(check_log(&log, Some(&quest("quest-20250929-090938", "2025-09-29 09:09:38"))), Ok(None));
        // Created a little later (an offset of the local clock): still accepted.
        assert_eq!(check_log(&log, Some(&quest("quest-20250929-090938", "2025-09-29 20:09:38"))), Ok(None));
        let other =
            check_log(&log, Some(&quest("quest-20251002-170021", "2025-10-02 17:00:21"))).unwrap_err();
        assert!(
            matches!(&other, LogMismatch::OtherQuest { log_name, .. } if log_name == "quest-20250929-090938")
        );
        let text = other.to_string();
        assert!(text.contains("quest-20250929-090938") && text.contains("quest-20251002-170021"), "{text}");
        assert_eq!(check_log(&log, None), Err(LogMismatch::NoSuchQuest { quest_id: 7 }));
        assert!(check_log(&log, None).unwrap_err().to_string().contains("there is no quest #7"));
        // No CREATE line: accepted with a warning, unless it starts before the quest.
        let tail: String = SAMPLE.lines().skip(2).collect::<Vec<_>>().join("\n");
        let truncated = parse_log("quest_7.log", &tail).unwrap();
        let warning = check_log(&truncated, Some(&quest("quest-20250929-090938", "2025-09-29 09:09:38")));
        assert!(warning.unwrap().unwrap().contains("no CREATE line"));
        assert!(matches!(
            check_log(&truncated, Some(&quest("quest-20250930-090938", "2025-09-30 09:09:38"))),
            Err(LogMismatch::StartsBeforeQuest { .. })
        ));
    }

    #[test]
    fn a_message_its_update_and_turn_pass_are_one_history_row() {
        let log = parse_log("quest_7.log", SAMPLE).unwrap();
        let rows = log.history_rows();
        let firsts: Vec<usize> = rows.iter().map(|r| r.event.line).collect();
        // CREATE, initial turn, message (+ update + turn), violation, update, turn, error.
        assert_eq!(firsts, [1, 2, 3, 7, 9, 10, 11]);
        assert_eq!(rows[2].update.map(|u| u.line), Some(4));
        assert_eq!(rows[2].turn.map(|t| t.line), Some(5));
        assert_eq!(rows[2].status_set(), Some("waiting"));
        assert!(matches!(rows[3].event.kind, LogKind::Violation { .. }));
        // Every line in one row; the statuses are the log's.
        let lines: usize =
            rows.iter().map(|r| 1 + r.update.is_some() as usize + r.turn.is_some() as usize).sum();
        assert_eq!(lines, log.events.len());
        let statuses: Vec<&str> = rows.iter().filter_map(HistoryRow::status_set).collect();
        assert_eq!(statuses, log.status_history());
        // A message whose next line is not its update stays alone.
        let alone = parse_log(
            "quest_7.log",
            &SAMPLE.lines().take(3).chain(SAMPLE.lines().skip(6)).collect::<Vec<_>>().join("\n"),
        )
        .unwrap();
        assert_eq!(alone.history_rows()[2].update, None);
    }

    #[test]
    fn only_quest_n_log_names_a_quest() {
        assert_eq!(quest_id_of("quest_12.log"), Ok(12));
        assert_eq!(quest_id_of("C:\\logs\\quest_3.log"), Ok(3));
        for bad in ["system.log", "quest_.log", "quest_1.txt", "quest_x.log", "quest_-1.log"] {
            assert!(parse_log(bad, "").is_err(), "{bad}");
        }
        assert_eq!(
            ViolationKind::of("Attempted to modify completed quest").label(),
            "modify completed quest"
        );
        assert_eq!(
            ViolationKind::of("Cannot send message to completed quest").label(),
            "message to completed quest"
        );
    }
}
