//! The `#quest/ID` page: the mission, the status change, every warning, the conversation as a
//! thread with its file chips, context and result as readable key/value views (raw with a
//! warning when malformed), the turn timeline, and the history from the quest's log.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value as Json;

use crate::web::quests::address::QuestsView;
use crate::web::quests::cards::{StoredTime, Team};
use crate::web::quests::logs::{AddLogs, LogHistory};
use crate::web::quests::page::status_label;
use crate::web::quests::timeline::Timeline;
use crate::web::state::{AppState, Nav, OpenDb};
use flagdeck_core::quests::edit::plan_status_change;
use flagdeck_core::quests::raw::broadcast_raw;
use flagdeck_core::quests::{quest_detail, Parsed, QuestDetail, QuestMessage, QuestStatus};
use flagdeck_core::timestamp;
use flagdeck_core::Value;

/// One quest; read again after every change (the previous reading stays shown meanwhile).
#[component]
pub fn QuestPage(id: i64) -> impl IntoView {
    let db = expect_context::<OpenDb>();
    let (nav, view) = (expect_context::<Nav>(), expect_context::<QuestsView>());
    let version = db.data_version();
    let detail = LocalResource::new(move || {
        version.track();
        let open = db.get();
        async move {
            let Some(open) = open else { return Ok(None) };
            let detail = quest_detail(&open.db, id).await.map_err(|e| e.to_string())?;
            // The stored text, shown when the conversation cannot be read from it.
            let raw = match &detail {
                Some(d) if d.thread.messages.is_empty() && d.card.messages.is_none() => {
                    broadcast_raw(&open.db, id).await.map_err(|e| e.to_string())?
                }
                _ => None,
            };
            Ok::<_, String>(detail.map(|d| (d, raw)))
        }
    });
    let back = move || view.query().with(|q| q.href());
    view! {
        <section class="page quest-page" data-testid="quest-page" data-quest-id=id>
            <a class="link" data-testid="quest-back" href=back on:click=move |e| {
                e.prevent_default();
                view.open(nav, view.query().get_untracked());
            }>"← Quests"</a>
            {move || match detail.get() {
                None => view! { <p class="muted">"Reading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert" role="alert">{format!("Quest #{id} could not be read: {e}")}</p> }.into_any(),
                Some(Ok(None)) => view! { <p class="warning" data-testid="quest-warning">{format!("There is no quest #{id} in this file.")}</p> }.into_any(),
                Some(Ok(Some((d, raw)))) => view! { <QuestBody detail=d raw_broadcast=raw /> }.into_any(),
            }}
        </section>
    }
}

/// Everything about one quest.
#[component]
fn QuestBody(detail: QuestDetail, raw_broadcast: Option<String>) -> impl IntoView {
    let card = &detail.card;
    let id = card.id;
    let warnings = detail.warnings();
    let turn = card.current_agent.clone().unwrap_or_default();
    view! {
        <header class="quest-title">
            <h1>{format!("Quest #{id} · {}", card.name)}</h1>
            <span class=format!("badge status {}", card.status) data-testid="quest-status" data-status=card.status.clone()>
                {status_label(&card.status)}
            </span>
            {card.phase.clone().map(|p| view! { <span class="phase" title="phase">{format!("phase {p}")}</span> })}
        </header>
        <p class="muted">
            "created " <StoredTime raw=card.created.0.clone() read=card.created.1 />
            " · updated " <StoredTime raw=card.updated.0.clone() read=card.updated.1 />
            " · " {match card.messages { Some(n) => format!("{n} messages"), None => "messages: ?".to_owned() }}
            " · turn: " <span data-testid="quest-turn" data-turn=turn.clone()>{if turn.is_empty() { "no one".to_owned() } else { turn.clone() }}</span>
        </p>
        {(!warnings.is_empty()).then(|| view! {
            <ul class="warnings">
                {warnings.into_iter().map(|w| view! { <li class="warning" data-testid="quest-warning">{format!("⚠ {w}")}</li> }).collect_view()}
            </ul>
        })}
        <StatusChange id=id status=card.status.clone() />
        <h2>"Mission"</h2>
        <p class="prose mission" data-testid="quest-mission">{detail.mission.clone()}</p>
        <h2>"Team"</h2>
        <Team recruited=card.recruited.clone() />
        <h2>{format!("Conversation ({})", detail.thread.messages.len())}</h2>
        <ThreadView messages=detail.thread.messages.clone() raw=raw_broadcast />
        <Timeline detail=detail.clone() />
        <h2>"Context"</h2>
        <JsonColumn value=detail.context.clone() column="context" />
        <h2>"Result"</h2>
        <ResultView value=detail.result.clone() />
        <h2>"History from the quest log"</h2>
        <AddLogs />
        <LogHistory id=id />
    }
}

/// The status change: the six statuses the scripts write and apply, as `quest_status.py` does
/// (one undoable step; refused on a completed quest, in the tool's words).
#[component]
fn StatusChange(id: i64, status: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let chosen = RwSignal::new(QuestStatus::parse(&status).unwrap_or(QuestStatus::Working));
    view! {
        <div class="status-change">
            <label>
                "Status "
                <select data-testid="quest-status-select" on:change=move |e| {
                    if let Some(s) = QuestStatus::parse(&event_target_value(&e)) {
                        chosen.set(s);
                    }
                }>
                    {QuestStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.sql() selected=s.sql() == status>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button class="button" data-testid="quest-status-apply"
                title="As quest_status.py --status does: the status and updated_at change, nothing else"
                on:click=move |_| app.change_quest_status(id, chosen.get_untracked())>"Apply"</button>
        </div>
    }
}

/// The conversation, oldest first; the stored text with the warning when it cannot be read.
#[component]
fn ThreadView(messages: Vec<QuestMessage>, raw: Option<String>) -> impl IntoView {
    view! {
        {raw.map(|raw| view! {
            <pre class="code raw" data-testid="quest-broadcast-raw">{raw}</pre>
        })}
        <ol class="thread" data-testid="quest-thread">
            {messages.into_iter().map(|m| view! { <Message message=m /> }).collect_view()}
        </ol>
    }
}

/// One message: sender → addressee, time (stored value on hover), text, file chips.
#[component]
fn Message(message: QuestMessage) -> impl IntoView {
    let from = message.from.clone().unwrap_or_default();
    let to = message.to.clone().unwrap_or_default();
    let raw = message.at_raw.clone().map(Value::from).unwrap_or(Value::Null);
    let (from_attr, to_attr) = (from.clone(), to.clone());
    view! {
        <li class="message" data-testid="quest-message" data-from=from_attr data-to=to_attr>
            <header>
                <strong class="from">{if from.is_empty() { "(no sender)".to_owned() } else { from }}</strong>
                " → "
                <span class="to">{if to.is_empty() { "(no addressee)".to_owned() } else { to }}</span>
                " · "
                <StoredTime raw=raw read=message.at />
            </header>
            <p class="prose" data-testid="quest-message-text">{message.text.clone()}</p>
            {(!message.files.is_empty()).then(|| view! {
                <div class="files-modified">
                    <span class="muted">"Files modified: "</span>
                    <ul class="file-chips">
                        {message.files.iter().map(|f| view! { <li class="chip" data-testid="quest-file"><code>{f.clone()}</code></li> }).collect_view()}
                    </ul>
                </div>
            })}
            {message.warnings.iter().map(|w| view! { <p class="warning" data-testid="quest-warning">{format!("⚠ {w}")}</p> }).collect_view()}
        </li>
    }
}

/// A JSON value as a readable key/value view: objects as term lists, arrays of text as one
/// line each, other values as text.
fn json_view(value: &Json) -> AnyView {
    match value {
        Json::Object(map) if map.is_empty() => view! { <span class="muted">"{}"</span> }.into_any(),
        Json::Object(map) => view! {
            <dl class="fields kv">
                {map.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt> <dd>{json_view(v)}</dd> }).collect_view()}
            </dl>
        }
        .into_any(),
        Json::Array(items) if items.is_empty() => view! { <span class="muted">"(none)"</span> }.into_any(),
        Json::Array(items) => view! {
            <ul class="kv-list">{items.iter().map(|v| view! { <li>{json_view(v)}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Json::String(s) => view! { <span class="prose">{s.clone()}</span> }.into_any(),
        Json::Null => view! { <span class="muted">"null"</span> }.into_any(),
        other => view! { <code>{other.to_string()}</code> }.into_any(),
    }
}

/// A stored JSON column: the key/value view, nothing when missing, or the stored text with
/// the warning when malformed.
#[component]
fn JsonColumn(value: Parsed, column: &'static str) -> impl IntoView {
    match value {
        Parsed::Missing => view! { <p class="muted">{format!("No {column} (NULL).")}</p> }.into_any(),
        Parsed::Json(json) => json_view(&json),
        Parsed::Malformed { raw, error } => view! {
            <p class="json-warning" data-testid="quest-warning">{format!("⚠ {column} is not valid ({error}); shown as stored")}</p>
            <pre class="code raw">{raw}</pre>
        }
        .into_any(),
    }
}

/// The result of `quest_complete.py`: the summary first, when it was completed (stored value
/// on hover), the details as key/value, the team; the other keys after.
#[component]
fn ResultView(value: Parsed) -> impl IntoView {
    let Parsed::Json(Json::Object(map)) = &value else {
        let missing = matches!(value, Parsed::Missing);
        return view! {
            {missing.then(|| view! { <p class="muted">"No result: the quest was not completed with quest_complete.py."</p> })}
            {(!missing).then(|| view! { <JsonColumn value=value.clone() column="result" /> })}
        }
        .into_any();
    };
    let summary = map.get("summary").and_then(Json::as_str).map(str::to_owned);
    let completed = map.get("completed_at").and_then(Json::as_str).map(str::to_owned);
    let details = map.get("details").cloned();
    let team: Option<Vec<String>> = map
        .get("team")
        .and_then(Json::as_array)
        .map(|t| t.iter().map(|a| a.as_str().map(str::to_owned).unwrap_or_else(|| a.to_string())).collect());
    let mut rest = map.clone();
    for key in ["summary", "completed_at", "details", "team"] {
        rest.remove(key);
    }
    view! {
        <div class="result" data-testid="quest-result">
            {summary.map(|s| view! { <p class="summary" data-testid="quest-result-summary">{s}</p> })}
            {completed.map(|c| {
                let read = timestamp::read_str(&c);
                view! { <p class="muted">"completed " <StoredTime raw=Value::from(c) read=read /></p> }
            })}
            {details.map(|d| view! { <h3>"Details"</h3> <div data-testid="quest-result-details">{json_view(&d)}</div> })}
            {team.map(|t| view! { <h3>"Team"</h3> <Team recruited=t /> })}
            {(!rest.is_empty()).then(|| json_view(&Json::Object(rest)))}
        </div>
    }
    .into_any()
}

impl AppState {
    /// Changes a quest's status as `quest_status.py --status` does, through the same history
    /// (undo, redo, export, working copy) as flag edits. A refusal (completed quest) is an alert
    /// in the tool's words; nothing changes.
    pub fn change_quest_status(self, quest_id: i64, status: QuestStatus) {
        let Some(open) = self.db().get() else { return };
        spawn_local(async move {
            let result = match plan_status_change(&open.db, quest_id, status, None).await {
                Ok(planned) => self.apply_edit(&open, planned).await,
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                self.alert(format!("Quest #{quest_id}: {e}"));
            }
        });
    }
}
