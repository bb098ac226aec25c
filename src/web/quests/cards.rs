//! The parts of a quest that the board, the list and the quest page show alike, as HTML text
//! (see [`super::html`]): the team with its leader, whose turn it is, times with the stored
//! value on hover, the warning badge, a board card and a list row.

use crate::web::quests::html::Html;
use crate::web::quests::page::status_label;
use crate::web::state::View;
use flagdeck_core::quests::QuestCard;
use flagdeck_core::timestamp::{duration_text, Timestamp};
use flagdeck_core::Value;

/// The hover text of a stored time: what was stored and how it was read.
pub(super) fn time_title(raw: &Value, read: Option<&Timestamp>) -> String {
    let stored = match raw {
        Value::Null => return "not stored (NULL)".to_owned(),
        Value::Text(t) => format!("{t:?}"),
        Value::Integer(i) => format!("{i} (INTEGER)"),
        other => other.display(),
    };
    match read {
        Some(t) => t.explain(&stored),
        None => format!("stored: {stored} (in no known time format)"),
    }
}

/// A stored time as the UI shows it (`YYYY-MM-DD HH:MM`), the stored value on hover.
pub(super) fn time(h: &mut Html, raw: &Value, read: Option<&Timestamp>) {
    let text = match (read, raw) {
        (Some(t), _) => t.display(),
        (None, Value::Null) => "—".to_owned(),
        (None, other) => other.display(),
    };
    h.elem("time", &[("title", Some(&time_title(raw, read)))], &text);
}

/// "3.4 h ago" for a time before `now_ms` ("in …" after it), the stored value on hover.
pub(super) fn since(h: &mut Html, raw: &Value, read: Option<&Timestamp>, now_ms: i64) {
    let text = match read {
        Some(t) if now_ms >= t.epoch_ms => format!("{} ago", duration_text(now_ms - t.epoch_ms)),
        Some(t) => format!("in {}", duration_text(t.epoch_ms - now_ms)),
        None => "—".to_owned(),
    };
    h.elem("time", &[("class", Some("since")), ("title", Some(&time_title(raw, read)))], &text);
}

/// The recruited agents, the leader (first) marked.
pub(super) fn team(h: &mut Html, recruited: &[String]) {
    if recruited.is_empty() {
        h.elem("span", &[("class", Some("muted"))], "no team");
        return;
    }
    h.open("ul", &[("class", Some("team"))]);
    for (i, agent) in recruited.iter().enumerate() {
        let leader = i == 0;
        h.open(
            "li",
            &[
                ("class", leader.then_some("leader")),
                ("data-testid", Some("quest-agent")),
                ("data-agent", Some(agent)),
                ("data-leader", Some(if leader { "true" } else { "false" })),
            ],
        )
        .text(agent);
        if leader {
            h.elem("span", &[("class", Some("lead")), ("title", Some("leader (first recruited)"))], " ★");
        }
        h.close("li");
    }
    h.close("ul");
}

/// A badge saying the quest has odd data, the sentences on hover (nothing without warnings).
pub(super) fn warning_badge(h: &mut Html, warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    let n = warnings.len();
    h.elem(
        "span",
        &[
            ("class", Some("badge warn")),
            ("data-testid", Some("quest-card-warning")),
            ("title", Some(&warnings.join("\n"))),
            ("aria-label", Some(&format!("{n} warnings"))),
        ],
        &format!("⚠ {n}"),
    );
}

/// The message count as shown ("?" when `broadcast` is not an array).
fn messages(card: &QuestCard) -> String {
    card.messages.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
}

/// One board card: name, phase, mission's first line, team, whose turn, last update, message
/// count, warning badge; its name links to the quest.
pub(super) fn card(h: &mut Html, card: &QuestCard, now_ms: i64) {
    let id = card.id.to_string();
    let turn = card.current_agent.as_deref().unwrap_or("");
    h.open(
        "article",
        &[
            ("class", Some("quest-card")),
            ("data-testid", Some("quest-card")),
            ("data-quest-id", Some(&id)),
            ("data-status", Some(&card.status)),
            ("data-turn", Some(turn)),
        ],
    );
    h.open("header", &[]);
    h.elem(
        "a",
        &[("class", Some("quest-name")), ("href", Some(&View::Quest(card.id).to_hash()))],
        &format!("#{id} {}", card.name),
    );
    if let Some(phase) = &card.phase {
        h.elem("span", &[("class", Some("phase")), ("title", Some("phase"))], phase);
    }
    warning_badge(h, &card.warnings);
    h.close("header");
    h.elem(
        "p",
        &[("class", Some("mission")), ("title", Some(&card.mission_first_line))],
        &card.mission_first_line,
    );
    team(h, &card.recruited);
    h.open("p", &[("class", Some("card-foot muted"))]);
    h.text(&if turn.is_empty() { "no one's turn".to_owned() } else { format!("turn: {turn}") });
    h.text(&format!(" · {} messages · updated ", messages(card)));
    since(h, &card.updated.0, card.updated.1.as_ref(), now_ms);
    h.close("p");
    h.close("article");
}

/// One row of the list at `top` pixels, a link to the quest.
pub(super) fn row(h: &mut Html, card: &QuestCard, top: f64, now_ms: i64) {
    let id = card.id.to_string();
    let turn = card.current_agent.as_deref().unwrap_or("");
    let team = match card.recruited.split_first() {
        Some((leader, [])) => format!("{leader} ★"),
        Some((leader, rest)) => format!("{leader} ★, {}", rest.join(", ")),
        None => String::new(),
    };
    h.open(
        "a",
        &[
            ("class", Some("quest-row")),
            ("data-testid", Some("quest-row")),
            ("data-quest-id", Some(&id)),
            ("data-status", Some(&card.status)),
            ("data-turn", Some(turn)),
            ("style", Some(&format!("top:{top}px"))),
            ("href", Some(&View::Quest(card.id).to_hash())),
        ],
    );
    h.elem("span", &[("class", Some("td num"))], &format!("#{id}"));
    h.open("span", &[("class", Some("td")), ("title", Some(&card.name))]).text(&card.name);
    warning_badge(h, &card.warnings);
    h.close("span");
    h.elem("span", &[("class", Some("td"))], &status_label(&card.status));
    h.elem("span", &[("class", Some("td"))], card.phase.as_deref().unwrap_or(""));
    h.elem("span", &[("class", Some("td"))], turn);
    h.elem("span", &[("class", Some("td")), ("title", Some(&team))], &team);
    h.elem("span", &[("class", Some("td num"))], &messages(card));
    h.open("span", &[("class", Some("td muted"))]);
    since(h, &card.updated.0, card.updated.1.as_ref(), now_ms);
    h.close("span");
    h.elem(
        "span",
        &[("class", Some("td mission-col")), ("title", Some(&card.mission_first_line))],
        &card.mission_first_line,
    );
    h.close("a");
}

/// A row whose page has not arrived yet.
pub(super) fn placeholder(h: &mut Html, top: f64) {
    h.open(
        "div",
        &[
            ("class", Some("quest-row placeholder")),
            ("data-testid", Some("quest-placeholder")),
            ("aria-hidden", Some("true")),
            ("style", Some(&format!("top:{top}px"))),
        ],
    );
    h.elem("span", &[("class", Some("td num muted"))], "…");
    h.close("div");
}
