//! The `#quest/ID` page: the mission, the status change, every warning, the conversation as a
//! thread with its file chips, context and result as readable key/value views (raw with a
//! warning when malformed), the turn timeline, and the history from the quest's log.

use futures::future::{FutureExt, LocalBoxFuture, Shared as SharedFuture};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value as Json;

use crate::web::dashboard::DashboardSettings;
use crate::web::files::loader::Shared;
use crate::web::platform::browser::{date_now, local_minute};
use crate::web::quests::address::QuestsView;
use crate::web::quests::cards::team;
use crate::web::quests::logs::{AddLogs, LogHistory};
use crate::web::quests::page::status_label;
use crate::web::quests::timeline::Timeline;
use crate::web::state::{use_latest, with_writes_off, AppState, Nav, OpenDb};
use crate::web::widgets::html::Html;
use crate::web::widgets::time::time_html;
use flagdeck_core::dashboard::{as_of_minute, AsOf};
use flagdeck_core::quests::edit::plan_status_change;
use flagdeck_core::quests::raw::broadcast_raw;
use flagdeck_core::quests::{quest_detail, Parsed, QuestDetail, QuestMessage, QuestStatus};
use flagdeck_core::timestamp;
use flagdeck_core::Value;

/// One quest; read again after every change (the previous reading stays shown meanwhile, an
/// older reading never replaces a newer one).
#[component]
pub fn QuestPage(id: i64) -> impl IntoView {
    let db = expect_context::<OpenDb>();
    let (nav, view) = (expect_context::<Nav>(), expect_context::<QuestsView>());
    let version = db.data_version();
    let settings = expect_context::<DashboardSettings>();
    let latest = expect_context::<LatestActivity>();
    // Only the "as of" setting is read again: the stall threshold changes the drawing, not the
    // reading (tracking every setting replaced the page, and its threshold input, on each edit).
    let as_of = Memo::new(move |_| settings.with(|s| s.as_of));
    let detail = use_latest(move |_| {
        version.track();
        let as_of = as_of.get();
        let open = db.get()?;
        let key = db.data_key();
        Some(async move {
            let detail = quest_detail(&open.db, id).await.map_err(|e| e.to_string())?;
            let as_of = AsOfInstant::read(&open, as_of, latest, Some(key)).await?;
            // The stored text, shown when the conversation cannot be read from it.
            let raw = match &detail {
                Some(d) if d.thread.messages.is_empty() && d.card.messages.is_none() => {
                    broadcast_raw(&open.db, id).await.map_err(|e| e.to_string())?
                }
                _ => None,
            };
            Ok::<_, String>(detail.map(|d| (d, raw, as_of)))
        })
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
                Some(Ok(Some((d, raw, as_of)))) => view! { <QuestBody detail=d raw_broadcast=raw as_of=as_of /> }.into_any(),
            }}
        </section>
    }
}

/// The instant the quest page measures waits from: the dashboard's "as of" setting
/// ([`AsOf::Latest`]: the file's latest activity, read by the dashboard's own
/// [`as_of_minute`], to the end of that minute; [`AsOf::Now`]: the clock).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AsOfInstant {
    /// Milliseconds since the epoch.
    pub ms: i64,
    /// Which one, in words, for the page.
    pub words: String,
}

/// A read of the file's latest activity minute ([`as_of_minute`] with [`AsOf::Latest`],
/// `YYYY-MM-DD HH:MM`, and whether it is the clock's: no readable activity, or some this very
/// minute), shared by those who ask for the same data; `Err` in the database's words.
type MinuteRead = SharedFuture<LocalBoxFuture<'static, Result<(String, bool), String>>>;

/// A [`MinuteRead`] with the data it reads ([`OpenDb::data_key`]).
type HeldRead = ((u64, u64), MinuteRead);

/// The file's latest activity minute as last read, with the data it was read from
/// ([`OpenDb::data_key`]): an app context. The quest page and the quests list both measure
/// from it and read it again after every change, each read a pass over every quest's two times
/// (~1.3 s of the worker at 100k quests, in steps: `ACTIVITY_STEP`); a page that asks while
/// another's read of the same data is under way shares it, and one that asks again for
/// unchanged data reads nothing. A failed read is not kept, nor one that gave the clock's
/// minute (with no readable activity, `as_of_minute` gives the clock's: kept, it would stop).
/// The key names the database made current and its change count, not the open attempt: a
/// file being opened does not change it while the one before is on screen.
#[derive(Clone, Copy)]
pub struct LatestActivity(StoredValue<Option<HeldRead>, LocalStorage>);

impl Default for LatestActivity {
    fn default() -> Self {
        LatestActivity(StoredValue::new_local(None))
    }
}

impl LatestActivity {
    /// The minute of `open`'s data: the read held for `key`, else a new one (held when `key`
    /// is given: `None` for a file that is not the one on screen).
    async fn minute(self, open: &Shared, key: Option<(u64, u64)>) -> Result<String, String> {
        let held = key.and_then(|k| {
            self.0
                .try_with_value(|h| h.as_ref().filter(|(held, _)| *held == k).map(|(_, r)| r.clone()))
                .flatten()
        });
        let read = held.unwrap_or_else(|| {
            let open = open.clone();
            let read: MinuteRead = async move {
                let now = local_minute();
                let minute = as_of_minute(&open.db, &open.facts, AsOf::Latest, &now).await;
                minute.map(|m| (m.clone(), m == now)).map_err(|e| e.to_string())
            }
            .boxed_local()
            .shared();
            if let Some(k) = key {
                self.0.try_set_value(Some((k, read.clone())));
            }
            read
        });
        let minute = read.clone().await;
        if !matches!(minute, Ok((_, false))) {
            // Not kept (a failure, or the clock's minute): the next page asks again.
            self.0.try_update_value(|h| {
                if h.as_ref().is_some_and(|(_, held)| held.ptr_eq(&read)) {
                    *h = None;
                }
            });
        }
        minute.map(|(m, _)| m)
    }
}

impl AsOfInstant {
    /// The instant for the setting `as_of` and `open`'s data (`key`, [`LatestActivity`]).
    /// Errors: the database's, in words.
    pub(crate) async fn read(
        open: &Shared,
        as_of: AsOf,
        latest: LatestActivity,
        key: Option<(u64, u64)>,
    ) -> Result<AsOfInstant, String> {
        if as_of == AsOf::Now {
            return Ok(AsOfInstant { ms: date_now() as i64, words: "now (the computer clock)".into() });
        }
        let minute = latest.minute(open, key).await?;
        Ok(match timestamp::read_str(&minute) {
            Some(t) => AsOfInstant {
                ms: t.epoch_ms + 59_999,
                words: format!("{minute}, the file's latest activity"),
            },
            None => AsOfInstant { ms: date_now() as i64, words: "now (the computer clock)".into() },
        })
    }
}

/// The quest's header, warnings, mission and team, as HTML text (see `html`).
fn head_html(detail: &QuestDetail) -> String {
    let card = &detail.card;
    let mut h = Html::new();
    h.open("header", &[("class", Some("quest-title"))]);
    h.elem("h1", &[], &format!("Quest #{} · {}", card.id, card.name));
    h.elem(
        "span",
        &[
            ("class", Some(&format!("badge status {}", card.status))),
            ("data-testid", Some("quest-status")),
            ("data-status", Some(&card.status)),
        ],
        &status_label(&card.status),
    );
    if let Some(phase) = &card.phase {
        h.elem("span", &[("class", Some("phase"))], &format!("phase {phase}"));
    }
    h.close("header");
    let turn = card.current_agent.as_deref().unwrap_or("");
    h.open("p", &[("class", Some("muted"))]).text("created ");
    time_html(&mut h, &card.created.0, card.created.1.as_ref(), None);
    h.text(" · updated ");
    time_html(&mut h, &card.updated.0, card.updated.1.as_ref(), None);
    h.text(&match card.messages {
        Some(n) => format!(" · {n} messages · turn: "),
        None => " · messages: ? · turn: ".to_owned(),
    });
    // `quest_status.py --status completed` sets the status only: the turn stays where it was.
    let leftover = !turn.is_empty() && card.known_status() == Some(QuestStatus::Completed);
    h.elem(
        "span",
        &[
            ("data-testid", Some("quest-turn")),
            ("data-turn", Some(turn)),
            ("data-leftover", leftover.then_some("true")),
        ],
        if turn.is_empty() || leftover { "no one" } else { turn },
    );
    h.close("p");
    if leftover {
        h.elem(
            "p",
            &[("class", Some("note")), ("data-testid", Some("quest-turn-leftover"))],
            &format!(
                "current_agent still says {turn}: a leftover of quest_status.py --status completed, which sets \
                 the status only (quest_complete.py clears the turn). It is no one's turn."
            ),
        );
    }
    let warnings = detail.warnings();
    if !warnings.is_empty() {
        h.open("ul", &[("class", Some("warnings"))]);
        for w in &warnings {
            h.elem(
                "li",
                &[("class", Some("warning")), ("data-testid", Some("quest-warning"))],
                &format!("⚠ {w}"),
            );
        }
        h.close("ul");
    }
    h.elem("h2", &[], "Mission");
    h.elem("p", &[("class", Some("prose mission")), ("data-testid", Some("quest-mission"))], &detail.mission);
    h.elem("h2", &[], "Team");
    team(&mut h, &card.recruited);
    h.finish()
}

/// The conversation, oldest first, as HTML text: each message with sender → addressee, time
/// (stored value on hover), text, file chips and warnings; before them the stored text when it
/// cannot be read as messages.
fn thread_html(messages: &[QuestMessage], recruited: &[String], raw: Option<&str>) -> String {
    let mut h = Html::new();
    h.elem("h2", &[], &format!("Conversation ({})", messages.len()));
    if let Some(raw) = raw {
        h.elem("pre", &[("class", Some("code raw")), ("data-testid", Some("quest-broadcast-raw"))], raw);
    }
    h.open("ol", &[("class", Some("thread")), ("data-testid", Some("quest-thread"))]);
    for m in messages {
        let (from, to) = (m.from.as_deref().unwrap_or(""), m.to.as_deref().unwrap_or(""));
        h.open(
            "li",
            &[
                ("class", Some("message")),
                ("data-testid", Some("quest-message")),
                ("data-from", Some(from)),
                ("data-to", Some(to)),
            ],
        );
        h.open("header", &[]);
        h.elem("strong", &[("class", Some("from"))], if from.is_empty() { "(no sender)" } else { from });
        h.text(" → ");
        h.elem("span", &[("class", Some("to"))], if to.is_empty() { "(no addressee)" } else { to });
        h.text(" · ");
        let raw_at = m.at_raw.as_deref().map(Value::from).unwrap_or(Value::Null);
        time_html(&mut h, &raw_at, m.at.as_ref(), None);
        h.close("header");
        h.elem("p", &[("class", Some("prose")), ("data-testid", Some("quest-message-text"))], &m.text);
        if !m.files.is_empty() {
            h.open("div", &[("class", Some("files-modified"))]);
            h.elem("span", &[("class", Some("muted"))], "Files modified: ");
            h.open("ul", &[("class", Some("file-chips"))]);
            for f in &m.files {
                h.open("li", &[("class", Some("chip")), ("data-testid", Some("quest-file"))]);
                h.elem("code", &[], f).close("li");
            }
            h.close("ul").close("div");
        }
        for w in &m.warnings {
            h.elem(
                "p",
                &[("class", Some("warning")), ("data-testid", Some("quest-warning"))],
                &format!("⚠ {w}"),
            );
        }
        if !to.is_empty() && !recruited.is_empty() && !recruited.iter().any(|a| a == to) {
            h.elem(
                "p",
                &[
                    ("class", Some("note")),
                    ("data-testid", Some("quest-note-unrecruited")),
                    ("data-agent", Some(to)),
                ],
                &format!("{to} is not recruited in this quest."),
            );
        }
        h.close("li");
    }
    h.close("ol");
    h.finish()
}

/// A JSON value as a readable key/value view: objects as term lists, arrays as lists, other
/// values as text.
fn json_html(h: &mut Html, value: &Json) {
    match value {
        Json::Object(map) if map.is_empty() => {
            h.elem("span", &[("class", Some("muted"))], "{}");
        }
        Json::Object(map) => {
            h.open("dl", &[("class", Some("fields kv"))]);
            for (k, v) in map {
                h.elem("dt", &[], k).open("dd", &[]);
                json_html(h, v);
                h.close("dd");
            }
            h.close("dl");
        }
        Json::Array(items) if items.is_empty() => {
            h.elem("span", &[("class", Some("muted"))], "(none)");
        }
        Json::Array(items) => {
            h.open("ul", &[("class", Some("kv-list"))]);
            for v in items {
                h.open("li", &[]);
                json_html(h, v);
                h.close("li");
            }
            h.close("ul");
        }
        Json::String(s) => {
            h.elem("span", &[("class", Some("prose"))], s);
        }
        Json::Null => {
            h.elem("span", &[("class", Some("muted"))], "null");
        }
        other => {
            h.elem("code", &[], &other.to_string());
        }
    }
}

/// A stored JSON column: the key/value view, a line when missing, or the stored text with the
/// warning when malformed.
fn column_html(h: &mut Html, value: &Parsed, column: &str) {
    match value {
        Parsed::Missing => {
            h.elem("p", &[("class", Some("muted"))], &format!("No {column} (NULL)."));
        }
        Parsed::Json(json) => json_html(h, json),
        Parsed::Malformed { raw, error } => {
            h.elem(
                "p",
                &[("class", Some("json-warning")), ("data-testid", Some("quest-warning"))],
                &format!("⚠ {column} is not valid ({error}); shown as stored"),
            );
            h.elem("pre", &[("class", Some("code raw"))], raw);
        }
    }
}

/// Whether a key of `result` repeats what the page shows at the top (`quest_complete.py`
/// copies quest_id, quest_name, mission, phase and the team into it).
fn repeated(detail: &QuestDetail, key: &str, value: &Json) -> bool {
    let card = &detail.card;
    match key {
        "quest_id" => value.as_i64() == Some(card.id),
        "quest_name" => value.as_str() == Some(card.name.as_str()),
        "mission" => value.as_str() == Some(detail.mission.as_str()),
        "phase" => value.as_str() == card.phase.as_deref(),
        "team" => value.as_array().is_some_and(|team| {
            team.len() == card.recruited.len()
                && team.iter().zip(&card.recruited).all(|(a, b)| a.as_str() == Some(b))
        }),
        _ => false,
    }
}

/// Context, then the result of `quest_complete.py`: only what the top of the page does not
/// already show: the summary, when it was completed (stored value on hover), the details as
/// key/value, then any other key (a copied field that differs from the row included).
fn context_result_html(detail: &QuestDetail) -> String {
    let mut h = Html::new();
    h.elem("h2", &[], "Context");
    column_html(&mut h, &detail.context, "context");
    h.elem("h2", &[], "Result");
    let Parsed::Json(Json::Object(map)) = &detail.result else {
        match &detail.result {
            Parsed::Missing => {
                h.elem(
                    "p",
                    &[("class", Some("muted"))],
                    "No result: the quest was not completed with quest_complete.py.",
                );
            }
            other => column_html(&mut h, other, "result"),
        }
        return h.finish();
    };
    h.open("div", &[("class", Some("result")), ("data-testid", Some("quest-result"))]);
    if let Some(summary) = map.get("summary").and_then(Json::as_str) {
        h.elem("p", &[("class", Some("summary")), ("data-testid", Some("quest-result-summary"))], summary);
    }
    if let Some(completed) = map.get("completed_at").and_then(Json::as_str) {
        h.open("p", &[("class", Some("muted"))]).text("completed ");
        time_html(&mut h, &Value::from(completed), timestamp::read_str(completed).as_ref(), None);
        h.close("p");
    }
    if let Some(details) = map.get("details") {
        h.elem("h3", &[("class", Some("subhead"))], "Details")
            .open("div", &[("data-testid", Some("quest-result-details"))]);
        json_html(&mut h, details);
        h.close("div");
    }
    let rest: serde_json::Map<String, Json> = map
        .iter()
        .filter(|(k, v)| {
            !["summary", "completed_at", "details"].contains(&k.as_str()) && !repeated(detail, k, v)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !rest.is_empty() {
        h.open("div", &[("data-testid", Some("quest-result-other"))]);
        json_html(&mut h, &Json::Object(rest));
        h.close("div");
    }
    h.close("div");
    h.finish()
}

/// Everything about one quest: the read-only parts as HTML text, the controls as views.
#[component]
fn QuestBody(detail: QuestDetail, raw_broadcast: Option<String>, as_of: AsOfInstant) -> impl IntoView {
    let id = detail.card.id;
    let status = detail.card.status.clone();
    view! {
        <div inner_html=head_html(&detail)></div>
        <StatusChange id=id status=status />
        <div inner_html=thread_html(&detail.thread.messages, &detail.card.recruited, raw_broadcast.as_deref())></div>
        <Timeline detail=detail.clone() as_of=as_of />
        <div inner_html=context_result_html(&detail)></div>
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
    // Writes to the quests table may fire triggers this SQLite cannot compile (`EngineLimits`):
    // then the control is disabled with the reason.
    let off = app.db().get().and_then(|o| o.report.limits.edit_off("acolyte_quests", "quests"));
    view! {
        {off.clone().map(|why| view! { <p class="warning" data-testid="edit-off" role="note">"⚠ " {why}</p> })}
        <div class="status-change"><fieldset class="bare" disabled=off.is_some()>
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
        </fieldset></div>
    }
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
                self.alert(with_writes_off(
                    &open,
                    "acolyte_quests",
                    "quests",
                    format!("Quest #{quest_id}: {e}"),
                ));
            }
        });
    }
}
