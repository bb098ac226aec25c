//! The parts of a quest that the board, the list and the quest page show alike: the team with
//! its leader, whose turn it is, times with the stored value on hover, the warning badge.

use leptos::prelude::*;

use crate::web::platform::browser::date_now;
use crate::web::state::{AppState, View};
use flagdeck_core::quests::QuestCard;
use flagdeck_core::timestamp::{duration_text, Timestamp};
use flagdeck_core::Value;

/// The hover text of a stored time: what was stored and how it was read.
pub(super) fn time_title(raw: &Value, read: Option<&Timestamp>) -> String {
    let stored = match raw {
        Value::Null => return "not stored (NULL)".to_owned(),
        Value::Text(t) => format!("{t:?}"),
        other => format!(
            "{} ({})",
            other.display(),
            if matches!(other, Value::Integer(_)) { "INTEGER" } else { "REAL" }
        ),
    };
    match read {
        Some(t) => t.explain(&stored),
        None => format!("stored: {stored} (in no known time format)"),
    }
}

/// A stored time as the UI shows it, the stored value on hover.
#[component]
pub(super) fn StoredTime(raw: Value, read: Option<Timestamp>) -> impl IntoView {
    let title = time_title(&raw, read.as_ref());
    let text = match (&read, &raw) {
        (Some(t), _) => t.display(),
        (None, Value::Null) => "—".to_owned(),
        (None, other) => other.display(),
    };
    view! { <time title=title>{text}</time> }
}

/// "3.4 h ago" for a time (a time in the future says "in …"); the stored value on hover.
#[component]
pub(super) fn Since(raw: Value, read: Option<Timestamp>) -> impl IntoView {
    let title = time_title(&raw, read.as_ref());
    let text = match read {
        Some(t) => {
            let ms = date_now() as i64 - t.epoch_ms;
            if ms >= 0 {
                format!("{} ago", duration_text(ms))
            } else {
                format!("in {}", duration_text(-ms))
            }
        }
        None => "—".to_owned(),
    };
    view! { <time class="since" title=title>{text}</time> }
}

/// The recruited agents, the leader (first) marked.
#[component]
pub(super) fn Team(recruited: Vec<String>) -> impl IntoView {
    if recruited.is_empty() {
        return view! { <span class="muted">"no team"</span> }.into_any();
    }
    view! {
        <ul class="team">
            {recruited.into_iter().enumerate().map(|(i, agent)| {
                let leader = i == 0;
                let name = agent.clone();
                view! {
                    <li class:leader=leader data-testid="quest-agent" data-agent=name data-leader=leader.to_string()>
                        {agent}
                        {leader.then(|| view! { <span class="lead" title="leader (first recruited)">" ★"</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A badge saying the quest has odd data, the sentences on hover.
#[component]
pub(super) fn WarningBadge(warnings: Vec<String>) -> impl IntoView {
    (!warnings.is_empty()).then(|| {
        let title = warnings.join("\n");
        let n = warnings.len();
        view! {
            <span class="badge warn" data-testid="quest-card-warning" title=title aria-label=format!("{n} warnings")>
                {format!("⚠ {n}")}
            </span>
        }
    })
}

/// One board card: name, phase, mission's first line, team, whose turn, last update, message
/// count, warning badge; opens the quest.
#[component]
pub(super) fn Card(card: QuestCard) -> impl IntoView {
    let app = expect_context::<AppState>();
    let id = card.id;
    let turn = card.current_agent.clone().unwrap_or_default();
    let messages = match card.messages {
        Some(n) => format!("{n} messages"),
        None => "messages: ?".to_owned(),
    };
    view! {
        <article class="quest-card" data-testid="quest-card" data-quest-id=id data-status=card.status.clone() data-turn=turn.clone()>
            <header>
                <a class="quest-name" href=View::Quest(id).to_hash() on:click=move |e| {
                    e.prevent_default();
                    app.go(View::Quest(id));
                }>{format!("#{id} {}", card.name)}</a>
                {card.phase.clone().map(|p| view! { <span class="phase" title="phase">{p}</span> })}
                <WarningBadge warnings=card.warnings.clone() />
            </header>
            <p class="mission" title=card.mission_first_line.clone()>{card.mission_first_line.clone()}</p>
            <Team recruited=card.recruited.clone() />
            <p class="card-foot muted">
                {if turn.is_empty() { "no one's turn".to_owned() } else { format!("turn: {turn}") }}
                " · " {messages} " · updated "
                <Since raw=card.updated.0.clone() read=card.updated.1 />
            </p>
        </article>
    }
}
