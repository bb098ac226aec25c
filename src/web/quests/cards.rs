//! The parts of a quest that the board, the list and the quest page show alike, as HTML text
//! (see [`super::html`]): the team with its leader, whose turn it is, times with the stored
//! value on hover, the warning badge, a board card and a list row.

use crate::web::quests::page::status_label;
use crate::web::state::View;
use crate::web::widgets::html::Html;
use crate::web::widgets::time::time_title;
use flagdeck_core::paging::css_px;
use flagdeck_core::quests::QuestCard;
use flagdeck_core::timestamp::{duration_text, Timestamp};
use flagdeck_core::Value;

/// The hover text of a stored time: what was stored and how it was read (the app's one
/// wording, `widgets::time::time_title`).
fn title_of(raw: &Value, read: Option<&Timestamp>) -> String {
    let stored = raw.display();
    match read {
        Some(t) => time_title(t, &stored),
        None if matches!(raw, Value::Null) => "not stored (NULL)".to_owned(),
        None => "not a date flagdeck can read: shown as stored".to_owned(),
    }
}

/// "3.4 h ago" for a time before `now_ms` ("in …" after it), the stored value on hover;
/// `data-ago-ms` carries the difference in milliseconds.
pub(super) fn since(h: &mut Html, raw: &Value, read: Option<&Timestamp>, now_ms: i64) {
    let text = match read {
        Some(t) if now_ms >= t.epoch_ms => format!("{} ago", duration_text(now_ms - t.epoch_ms)),
        Some(t) => format!("in {}", duration_text(t.epoch_ms - now_ms)),
        None => "—".to_owned(),
    };
    let ago = read.map(|t| (now_ms - t.epoch_ms).to_string());
    h.elem(
        "time",
        &[("class", Some("since")), ("title", Some(&title_of(raw, read))), ("data-ago-ms", ago.as_deref())],
        &text,
    );
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

/// `n` and its noun, singular for 1 ("1 message", "3 messages"); `?` when unknown.
pub(super) fn counted(n: Option<i64>, one: &str, many: &str) -> String {
    match n {
        Some(1) => format!("1 {one}"),
        Some(n) => format!("{n} {many}"),
        None => format!("? {many}"),
    }
}

/// One board card, a link to the quest as a whole (click or Enter anywhere on it): the
/// mission's first line as its title (the name when there is no mission), then `#id name`,
/// phase and warning badge, team, whose turn, message count, last update.
pub(super) fn card(h: &mut Html, card: &QuestCard, now_ms: i64) {
    let id = card.id.to_string();
    let turn = card.current_agent.as_deref().unwrap_or("");
    let title = if card.mission_first_line.trim().is_empty() { &card.name } else { &card.mission_first_line };
    h.open(
        "a",
        &[
            ("class", Some("quest-card")),
            ("data-testid", Some("quest-card")),
            ("data-quest-id", Some(&id)),
            ("data-status", Some(&card.status)),
            ("data-turn", Some(turn)),
            ("href", Some(&View::Quest(card.id).to_hash())),
        ],
    );
    h.elem("span", &[("class", Some("quest-card-title")), ("title", Some(title))], title);
    h.open("span", &[("class", Some("quest-card-meta"))]);
    h.elem("span", &[("class", Some("quest-name"))], &format!("#{id} {}", card.name));
    if let Some(phase) = &card.phase {
        h.elem("span", &[("class", Some("phase")), ("title", Some("phase"))], phase);
    }
    warning_badge(h, &card.warnings);
    h.close("span");
    team(h, &card.recruited);
    h.open("span", &[("class", Some("card-foot muted"))]);
    h.text(&if turn.is_empty() { "no one's turn".to_owned() } else { format!("turn: {turn}") });
    h.text(&format!(" · {} · updated ", counted(card.messages, "message", "messages")));
    since(h, &card.updated.0, card.updated.1.as_ref(), now_ms);
    h.close("span");
    h.close("a");
}

/// One row of the list, row `index` (`data-index`) drawn at `top` pixels: one link to the quest
/// (the whole row, focusable), its cells in the list's column order (#, mission, name, status,
/// phase, turn, team, messages, updated; `c-phase` and `c-team` are left out on narrow screens).
pub(super) fn row(h: &mut Html, card: &QuestCard, index: usize, top: f64, now_ms: i64) {
    let id = card.id.to_string();
    let index = index.to_string();
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
            ("data-index", Some(&index)),
            ("data-status", Some(&card.status)),
            ("data-turn", Some(turn)),
            ("style", Some(&format!("top:{}", css_px(top)))),
            ("href", Some(&View::Quest(card.id).to_hash())),
        ],
    );
    h.elem("span", &[("class", Some("td num"))], &format!("#{id}"));
    h.elem(
        "span",
        &[("class", Some("td mission-col")), ("title", Some(&card.mission_first_line))],
        &card.mission_first_line,
    );
    h.open("span", &[("class", Some("td muted")), ("title", Some(&card.name))]).text(&card.name);
    warning_badge(h, &card.warnings);
    h.close("span");
    h.elem("span", &[("class", Some("td"))], &status_label(&card.status));
    h.elem("span", &[("class", Some("td c-phase"))], card.phase.as_deref().unwrap_or(""));
    h.elem("span", &[("class", Some("td"))], turn);
    h.elem("span", &[("class", Some("td c-team")), ("title", Some(&team))], &team);
    h.elem("span", &[("class", Some("td num"))], &messages(card));
    h.open("span", &[("class", Some("td muted"))]);
    since(h, &card.updated.0, card.updated.1.as_ref(), now_ms);
    h.close("span");
    h.close("a");
}
