//! The quest log files (`.claude/logs/quests/quest_N.log`) added beside the open database: they
//! are read in the browser and never written to the database; each quest page then shows its
//! history (status changes, turn passes, refused commands). The names and texts are kept with
//! the working copy, so a resumed copy shows them again.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::web::files::loader::Shared;
use crate::web::platform::dropped::{file_text, take_input_files};
use crate::web::quests::cards::counted;
use crate::web::quests::has_quests;
use crate::web::state::AppState;
use crate::web::widgets::html::Html;
use crate::web::widgets::time::time_html;
use flagdeck_core::quests::log::quest_id_of;
use flagdeck_core::quests::{check_log_in, parse_log, HistoryRow, LogKind, QuestLog};
use flagdeck_core::Value;

/// One added log file, as kept with the working copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogFile {
    pub name: String,
    pub text: String,
}

/// The log files added to the open database and what was read from them.
#[derive(Clone, Copy)]
pub struct QuestLogs {
    /// Every file added, by quest id (adding a quest's log again replaces it).
    files: RwSignal<BTreeMap<i64, LogFile>>,
    /// The same, parsed.
    parsed: RwSignal<BTreeMap<i64, QuestLog>>,
    /// What the last addition did, in words (shown on the quest pages).
    report: RwSignal<Option<String>>,
    /// Log files dropped together with a database: added once it has opened.
    pending: StoredValue<Option<Vec<LogFile>>>,
}

impl QuestLogs {
    pub fn new() -> Self {
        QuestLogs {
            files: RwSignal::new(BTreeMap::new()),
            parsed: RwSignal::new(BTreeMap::new()),
            report: RwSignal::new(None),
            pending: StoredValue::new(None),
        }
    }

    /// The parsed log of quest `id`, if one was added (tracked).
    pub fn log(self, id: i64) -> Option<QuestLog> {
        self.parsed.with(|p| p.get(&id).cloned())
    }

    /// How many logs are added (tracked).
    pub fn count(self) -> usize {
        self.files.with(BTreeMap::len)
    }

    /// What the last addition did (tracked).
    pub fn report(self) -> Option<String> {
        self.report.get()
    }

    /// Holds `files` until the database being opened is open (see [`AppState::quest_logs_opened`]).
    pub fn set_pending(self, files: Vec<LogFile>) {
        self.pending.set_value(Some(files));
    }

    /// Forgets files held for an open that failed.
    pub fn drop_pending(self) {
        self.pending.set_value(None);
    }

    /// Adds `files` (replacing a quest's earlier log) after checking each against its quest in
    /// `open` ([`check_log_in`]: a log of no quest here, or of another quest, is refused);
    /// `skipped` are names that were not quest logs. Returns the report, also kept for the pages.
    async fn add(self, open: &Shared, files: Vec<LogFile>, skipped: &[String]) -> String {
        let mut added = Vec::new();
        let mut unparsed = 0;
        let mut refused: Vec<String> = Vec::new();
        let mut warnings: Vec<String> = Vec::new();
        let mut not_logs: Vec<String> = skipped.to_vec();
        for file in files {
            let log = match parse_log(&file.name, &file.text) {
                Ok(log) => log,
                Err(e) => {
                    not_logs.push(e.file_name);
                    continue;
                }
            };
            match check_log_in(&open.db, &log).await {
                Err(e) => refused.push(format!("{}: could not be checked ({e}); not added.", file.name)),
                Ok(Err(mismatch)) => refused.push(mismatch.to_string()),
                Ok(Ok(warning)) => {
                    warnings.extend(warning);
                    unparsed += log.unparsed.len();
                    added.push(log.quest_id);
                    let id = log.quest_id;
                    self.parsed.update(|p| {
                        p.insert(id, log);
                    });
                    self.files.update(|f| {
                        f.insert(id, file);
                    });
                }
            }
        }
        let mut report = match (added.iter().min(), added.iter().max()) {
            (Some(first), Some(last)) if added.len() > 1 => {
                format!("Added {} quest logs (quests {first}–{last}).", added.len())
            }
            (Some(first), _) => format!("Added the quest log of quest {first}."),
            _ => "No quest log was added.".to_owned(),
        };
        for r in refused.iter().take(8) {
            report.push_str(&format!(" ⚠ {r}"));
        }
        if refused.len() > 8 {
            report.push_str(&format!(" ({} more refused.)", refused.len() - 8));
        }
        for w in warnings.iter().take(8) {
            report.push_str(&format!(" ⚠ {w}"));
        }
        if unparsed > 0 {
            report.push_str(&format!(
                " {unparsed} lines did not parse: each quest page shows them as written."
            ));
        }
        if !not_logs.is_empty() {
            report.push_str(&format!(
                " Not quest logs (quest_N.log), left out: {}.",
                flagdeck_core::listing::some_of(&not_logs, 8, ", ")
            ));
        }
        self.report.set(Some(report.clone()));
        report
    }

    /// Every file added, as kept with the working copy (JSON array of `{name, text}`).
    fn json(self) -> String {
        self.files
            .with_untracked(|f| serde_json::to_string(&f.values().collect::<Vec<_>>()).unwrap_or_default())
    }

    /// A new database is open: the previous one's logs go.
    fn clear(self) {
        self.files.set(BTreeMap::new());
        self.parsed.set(BTreeMap::new());
        self.report.set(None);
    }
}

impl Default for QuestLogs {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads the text of each file; the ones that cannot be read are named in the second list.
pub async fn read_files(files: Vec<web_sys::File>) -> (Vec<LogFile>, Vec<String>) {
    let mut read = Vec::new();
    let mut failed = Vec::new();
    for file in files {
        match file_text(&file).await {
            Ok(text) => read.push(LogFile { name: file.name(), text }),
            Err(e) => failed.push(e.to_string()),
        }
    }
    (read, failed)
}

/// Whether a file name is a quest log's (`quest_N.log`).
pub fn is_quest_log(name: &str) -> bool {
    quest_id_of(name).is_ok()
}

impl AppState {
    /// Adds log files to the open database (from the input, or a drop without a database). A
    /// database without quests gets none, with an alert saying why.
    pub fn add_quest_logs(self, files: Vec<LogFile>, skipped: Vec<String>) {
        let Some(open) = self.db().get() else {
            self.alert(
                "Quest logs go with the database they belong to: open it first (or drop both together)."
                    .into(),
            );
            return;
        };
        if !has_quests(&open) {
            self.alert(format!(
                "{} has no quests (no acolyte_quests table): the quest logs were not added. They belong to an \
                 Acolytes 2.x or upgraded database.",
                open.name
            ));
            return;
        }
        let logs = self.quest_logs();
        spawn_local(async move {
            logs.add(&open, files, &skipped).await;
            self.keep_quest_logs(logs.json());
        });
    }

    /// A database opened: the previous logs go; the logs kept with a resumed working copy
    /// (`kept`, JSON) come back; logs dropped with the database are added. Called by `run_open`.
    pub(in crate::web) fn quest_logs_opened(self, open: &Shared, kept: Option<String>) {
        let logs = self.quest_logs();
        logs.clear();
        let kept = match kept.map(|json| serde_json::from_str::<Vec<LogFile>>(&json)) {
            Some(Ok(files)) => Some(files),
            Some(Err(e)) => {
                self.alert(format!("The quest logs kept with the working copy could not be read ({e})."));
                None
            }
            None => None,
        };
        let pending = logs.pending.try_update_value(Option::take).flatten();
        if kept.is_none() && pending.is_none() {
            return;
        }
        let open = open.clone();
        spawn_local(async move {
            if let Some(files) = kept {
                logs.add(&open, files, &[]).await;
            }
            if let Some(files) = pending {
                let n = files.len();
                if has_quests(&open) {
                    let report = logs.add(&open, files, &[]).await;
                    self.keep_quest_logs(logs.json());
                    logs.report.set(Some(format!(
                        "Opened {} and read the quest logs dropped with it. {report}",
                        open.name
                    )));
                } else {
                    self.alert(format!(
                        "Opened {}; the {n} quest logs dropped with it were not added: it has no quests (no \
                         acolyte_quests table).",
                        open.name
                    ));
                }
            }
        });
    }
}

/// The "Add quest logs…" inputs: files (several at once) or a whole folder.
#[component]
pub fn AddLogs() -> impl IntoView {
    let app = expect_context::<AppState>();
    let logs = app.quest_logs();
    let pick = move |e: leptos::ev::Event| {
        let files = take_input_files(&e);
        spawn_local(async move {
            let (logs, skipped): (Vec<_>, Vec<_>) = files.into_iter().partition(|f| is_quest_log(&f.name()));
            let (read, failed) = read_files(logs).await;
            let mut skipped: Vec<String> = skipped.iter().map(web_sys::File::name).collect();
            skipped.extend(failed);
            app.add_quest_logs(read, skipped);
        });
    };
    view! {
        <div class="add-logs">
            <label class="button" title="quest_N.log files from .claude/logs/quests/: read here, never written to the database">
                "Add quest logs…"
                <input type="file" multiple accept=".log,text/plain" class="visually-hidden"
                    data-testid="quest-logs-input" on:change=pick />
            </label>
            <label class="button" title="The whole .claude/logs/quests folder">
                "Add a log folder…"
                <input type="file" multiple prop:webkitdirectory=true class="visually-hidden"
                    data-testid="quest-logs-folder" on:change=pick />
            </label>
            {move || {
                let n = logs.count();
                (n > 0).then(|| view! { <span class="muted" data-testid="quest-logs-count">{counted(Some(n as i64), "log", "logs") + " added"}</span> })
            }}
            {move || logs.report().map(|r| view! { <p class="notice" role="status" data-testid="quest-logs-report">{r}</p> })}
        </div>
    }
}

/// The `data-kind` of a history row: `message` for a message (with the update and turn pass it
/// caused), `status` for another line that sets the status (an update, the initial turn), else
/// the line's kind.
fn kind_of(row: &HistoryRow<'_>) -> &'static str {
    match &row.event.kind {
        LogKind::Message { .. } => "message",
        _ if row.event.status_set().is_some() => "status",
        LogKind::Create => "create",
        LogKind::InitialTurn | LogKind::Turn { .. } => "turn",
        LogKind::Update { .. } => "update",
        LogKind::Violation { .. } => "violation",
        LogKind::Other { .. } => "other",
    }
}

/// What a history row says, in a line: `@a → @b: "preview…", status waiting` for a message.
fn row_text(row: &HistoryRow<'_>) -> String {
    let event = row.event;
    match &event.kind {
        LogKind::Message { to } => {
            let from = event.agent.as_deref().unwrap_or("(no sender)");
            let preview = event
                .data
                .as_ref()
                .and_then(|d| d.get("message_preview"))
                .and_then(|p| p.as_str())
                .map(|p| {
                    let short: String = p.chars().take(90).collect();
                    format!(": \u{201c}{short}{}\u{201d}", if p.chars().count() > 90 { "…" } else { "" })
                })
                .unwrap_or_default();
            let status = row.status_set().map(|s| format!(", status {s}")).unwrap_or_default();
            format!("{from} → {to}{preview}{status}")
        }
        LogKind::Update { status: Some(status), current_agent, .. } => match current_agent {
            Some(Some(agent)) => format!("status → {status}, turn → {agent}"),
            Some(None) => format!("status → {status}, turn → none"),
            None => format!("status → {status}"),
        },
        LogKind::InitialTurn => format!("{} (status → {})", event.text, event.status_set().unwrap_or("?")),
        LogKind::Turn { to: Some(to) } => format!("turn passed to {to}"),
        LogKind::Turn { to: None } => "turn passed to no one (completed)".to_owned(),
        LogKind::Violation { text } => format!("Refused: {text}"),
        _ => event.text.clone(),
    }
}

/// The history of one quest from its log, as HTML text: a numbered list, one row per line or
/// per message (its update and turn pass folded in), time first; refused commands stand out;
/// the lines that did not parse as written. Classes are the history's own (`qlog-…`).
fn history_html(id: i64, log: Option<&QuestLog>) -> String {
    let mut h = Html::new();
    let Some(log) = log else {
        h.elem(
            "p",
            &[("class", Some("muted")), ("data-testid", Some("quest-log-none"))],
            &format!(
                "No log added for this quest: add quest_{id}.log (\"Add quest logs…\", or drop it or its folder on \
                 the page) to see its status changes, turn passes and refused commands."
            ),
        );
        return h.finish();
    };
    let statuses = log.status_history().len();
    let violations = log.violations().count();
    let unparsed = if log.unparsed.is_empty() {
        String::new()
    } else {
        format!(", {} that did not parse", counted(Some(log.unparsed.len() as i64), "line", "lines"))
    };
    h.elem(
        "p",
        &[("class", Some("muted")), ("data-testid", Some("quest-log-summary"))],
        &format!(
            "{} read from quest_{id}.log: {}, {}{unparsed}.",
            counted(Some(log.events.len() as i64), "line", "lines"),
            counted(Some(statuses as i64), "status change", "status changes"),
            counted(Some(violations as i64), "refused command", "refused commands"),
        ),
    );
    if let Some(w) = log.warning() {
        h.elem("p", &[("class", Some("warning")), ("data-testid", Some("quest-warning"))], &w);
    }
    h.open("ol", &[("class", Some("qlog")), ("data-testid", Some("quest-log"))]);
    for row in log.history_rows() {
        let e = row.event;
        let kind = kind_of(&row);
        let line = e.line.to_string();
        h.open(
            "li",
            &[
                ("class", Some(&format!("qlog-row qlog-{kind}"))),
                ("data-testid", Some("quest-log-event")),
                ("data-kind", Some(kind)),
                ("data-status", row.status_set()),
                ("data-line", Some(&line)),
            ],
        );
        h.open("span", &[("class", Some("qlog-time"))]);
        time_html(&mut h, &Value::from(e.at_raw.as_str()), Some(&e.at), None);
        h.close("span");
        let who = match &e.kind {
            LogKind::Message { .. } => None,
            _ => e.agent.as_deref(),
        };
        h.open("span", &[("class", Some("qlog-what"))]);
        if let Some(agent) = who {
            h.elem("span", &[("class", Some("qlog-agent"))], agent).text(" ");
        }
        h.text(&row_text(&row));
        h.close("span");
        h.close("li");
    }
    h.close("ol");
    if !log.unparsed.is_empty() {
        h.elem("h3", &[], &format!("Lines that did not parse ({})", log.unparsed.len()));
        h.open("ol", &[("class", Some("qlog-unparsed"))]);
        for u in &log.unparsed {
            let line = u.line.to_string();
            h.open("li", &[("data-testid", Some("quest-log-unparsed")), ("data-line", Some(&line))]);
            h.elem("code", &[], &format!("{}: {}", u.line, u.text)).close("li");
        }
        h.close("ol");
    }
    h.finish()
}

/// The history of quest `id` from its log, if one was added.
#[component]
pub fn LogHistory(id: i64) -> impl IntoView {
    let logs = expect_context::<AppState>().quest_logs();
    view! { <div inner_html=move || history_html(id, logs.log(id).as_ref())></div> }
}
