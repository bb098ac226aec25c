//! Who held a quest's turn when: one lane per agent with the spans it held the turn, the holder
//! now, how long the quest has waited on them, and whether that is a stall.
//!
//! The turn rules are the scripts': `quest_create.py` gives the first turn to the leader,
//! every message (`send_message`) passes it to its addressee, `quest_complete.py` sets it to
//! nobody. The database gives the creation time and each message's time; the quest log, when
//! there is one, gives every turn change, status change and refused command with its second.

use serde::Serialize;

use super::detail::QuestDetail;
use super::log::{LogKind, QuestLog, ViolationKind};
use super::status::stored_is_open;

/// One stretch of time an agent held the turn. Milliseconds since 1970 (local-time texts read
/// as UTC, as [`crate::timestamp`] reads them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TurnSpan {
    pub from_ms: i64,
    /// `None`: still holding it now.
    pub to_ms: Option<i64>,
}

impl TurnSpan {
    /// The span's length, up to `now_ms` when still open.
    pub fn length_ms(&self, now_ms: i64) -> i64 {
        self.to_ms.unwrap_or(now_ms) - self.from_ms
    }
}

/// One agent's row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lane {
    pub agent: String,
    /// Oldest first, never overlapping.
    pub spans: Vec<TurnSpan>,
}

/// A point on the timeline that is not a turn change (only read from a quest log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MarkerKind {
    /// The status was set (`[UPDATE]` with a `status`).
    Status(String),
    /// A command was refused (`[VIOLATION]`): its text and kind.
    Refused { text: String, kind: ViolationKind },
}

/// A marker: when, by whom (the log line's agent), what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marker {
    pub at_ms: i64,
    pub agent: Option<String>,
    pub kind: MarkerKind,
}

/// Where the timeline was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimelineSource {
    /// `created_at`, each message's `timestamp`, and `updated_at` for a closed quest.
    Database,
    /// The quest log's `[TURN]`/`[UPDATE]` lines (status changes and refusals as markers).
    Log,
}

/// The turn timeline of one quest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnTimeline {
    /// Recruited agents first (leader first, in `recruited` order, even those that never held
    /// the turn), then any other agent that held it, in order of first turn.
    pub lanes: Vec<Lane>,
    pub markers: Vec<Marker>,
    /// Start (creation) and end (the quest closed: completed, failed or timeout) in ms.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// Whose turn it is now: `current_agent` of an open quest (`None` for a closed one).
    pub holder: Option<String>,
    /// How long the quest has waited on the holder: `now_ms` minus the start of their current
    /// span (or `updated_at` if the timeline does not show them holding it); `None` when closed.
    pub waiting_ms: Option<i64>,
    /// `waiting_ms > stall_after_ms`.
    pub stalled: bool,
    pub source: TimelineSource,
    pub warnings: Vec<String>,
}

/// A turn change in time order.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Hold(i64, String),
    Release(i64),
}

/// Completed, failed and timeout close the quest (unknown statuses count as open, as
/// `get_all_active_quests` counts them).
fn is_closing(status: &str) -> bool {
    !stored_is_open(status)
}

/// Turn changes from the database: the leader from `created_at`, each message's addressee from
/// its time, and nobody from `updated_at` once the quest is closed.
fn steps_from_database(detail: &QuestDetail, warnings: &mut Vec<String>) -> (Option<i64>, Vec<Step>) {
    let mut steps = Vec::new();
    let created = detail.card.created.1.map(|t| t.epoch_ms);
    match (created, detail.leader()) {
        (Some(at), Some(leader)) => steps.push(Step::Hold(at, leader.to_owned())),
        (None, _) => warnings.push("created_at is not a time: the first turn is left out.".into()),
        (_, None) => warnings.push("The quest has no leader: the first turn is left out.".into()),
    }
    for (i, m) in detail.thread.messages.iter().enumerate() {
        match (m.at, &m.to) {
            (Some(at), Some(to)) => steps.push(Step::Hold(at.epoch_ms, to.clone())),
            _ => warnings
                .push(format!("Message {} has no time or no addressee: left out of the timeline.", i + 1)),
        }
    }
    let closed = is_closing(&detail.card.status);
    if closed {
        match detail.card.updated.1 {
            Some(at) => steps.push(Step::Release(at.epoch_ms)),
            None => warnings.push("updated_at is not a time: when the quest closed is unknown.".into()),
        }
    }
    (created, steps)
}

/// Turn changes and markers from a quest log.
fn steps_from_log(log: &QuestLog, detail: &QuestDetail) -> (Option<i64>, Vec<Step>, Vec<Marker>) {
    let mut steps = Vec::new();
    let mut markers = Vec::new();
    let mut start = None;
    let mut holder: Option<String> = None;
    let mut released = false;
    for e in &log.events {
        let at = e.at.epoch_ms;
        match &e.kind {
            LogKind::Create => {
                start.get_or_insert(at);
            }
            LogKind::InitialTurn => {
                start.get_or_insert(at);
                let agent = e.agent.clone().or_else(|| detail.leader().map(str::to_owned));
                if let Some(agent) = agent {
                    holder = Some(agent.clone());
                    released = false;
                    steps.push(Step::Hold(at, agent));
                }
            }
            LogKind::Turn { to: Some(to) } => {
                holder = Some(to.clone());
                released = false;
                steps.push(Step::Hold(at, to.clone()));
            }
            LogKind::Turn { to: None } => {
                released = true;
                steps.push(Step::Release(at));
            }
            LogKind::Update { status, current_agent, .. } => {
                if let Some(status) = status {
                    markers.push(Marker {
                        at_ms: at,
                        agent: e.agent.clone(),
                        kind: MarkerKind::Status(status.clone()),
                    });
                }
                match (current_agent, status) {
                    (Some(Some(to)), _) => {
                        holder = Some(to.clone());
                        released = false;
                        steps.push(Step::Hold(at, to.clone()));
                    }
                    (Some(None), _) => {
                        released = true;
                        steps.push(Step::Release(at));
                    }
                    (None, Some(status)) if is_closing(status) => {
                        released = true;
                        steps.push(Step::Release(at));
                    }
                    // A closed quest set open again (`quest_status.py`): back to whoever held it.
                    (None, Some(_)) if released => {
                        if let Some(h) = &holder {
                            released = false;
                            steps.push(Step::Hold(at, h.clone()));
                        }
                    }
                    _ => {}
                }
            }
            LogKind::Violation { text } => markers.push(Marker {
                at_ms: at,
                agent: e.agent.clone(),
                kind: MarkerKind::Refused { text: text.clone(), kind: ViolationKind::of(text) },
            }),
            LogKind::Message { .. } | LogKind::Other { .. } => {}
        }
    }
    (start, steps, markers)
}

/// Builds the timeline of `detail`, from `log` when given (and it is this quest's), else from
/// the database. `now_ms`: the present (ms since 1970); `stall_after_ms`: how long a wait is
/// still normal. Never fails: what cannot be placed is left out with a warning.
pub fn turn_timeline(
    detail: &QuestDetail,
    log: Option<&QuestLog>,
    now_ms: i64,
    stall_after_ms: i64,
) -> TurnTimeline {
    let mut warnings = Vec::new();
    let log = log.filter(|l| {
        let ours = l.quest_id == detail.card.id;
        if !ours {
            warnings.push(format!("quest_{}.log is not this quest's log: the database is used.", l.quest_id));
        }
        ours
    });
    let (start_ms, steps, markers, source) = match log {
        Some(log) => {
            let (start, steps, markers) = steps_from_log(log, detail);
            warnings.extend(log.warning());
            (start, steps, markers, TimelineSource::Log)
        }
        None => {
            let (start, steps) = steps_from_database(detail, &mut warnings);
            (start, steps, Vec::new(), TimelineSource::Database)
        }
    };

    let mut lanes: Vec<Lane> =
        detail.card.recruited.iter().map(|a| Lane { agent: a.clone(), spans: Vec::new() }).collect();
    let mut current: Option<(usize, i64)> = None;
    let mut last_at = i64::MIN;
    let mut end_ms = None;
    for step in &steps {
        let at = match step {
            Step::Hold(at, _) | Step::Release(at) => *at,
        };
        if at < last_at {
            warnings.push(
                "A turn change is earlier than the one before it: placed at the earlier one's time.".into(),
            );
        }
        let at = at.max(last_at);
        last_at = at;
        let close = |lanes: &mut Vec<Lane>, current: &mut Option<(usize, i64)>| {
            if let Some((lane, from)) = current.take() {
                lanes[lane].spans.push(TurnSpan { from_ms: from, to_ms: Some(at) });
            }
        };
        match step {
            Step::Hold(_, agent) => {
                if current.is_some_and(|(lane, _)| lanes[lane].agent == *agent) {
                    continue;
                }
                close(&mut lanes, &mut current);
                let lane = match lanes.iter().position(|l| l.agent == *agent) {
                    Some(i) => i,
                    None => {
                        lanes.push(Lane { agent: agent.clone(), spans: Vec::new() });
                        lanes.len() - 1
                    }
                };
                current = Some((lane, at));
                end_ms = None;
            }
            Step::Release(_) => {
                close(&mut lanes, &mut current);
                end_ms = Some(at);
            }
        }
    }

    let closed = is_closing(&detail.card.status);
    let updated_ms = detail.card.updated.1.map(|t| t.epoch_ms);
    if closed {
        if let Some((lane, from)) = current.take() {
            // The source never said when it closed (a log cut short): updated_at says.
            let to = updated_ms.unwrap_or(last_at).max(from);
            lanes[lane].spans.push(TurnSpan { from_ms: from, to_ms: Some(to) });
            end_ms = Some(to);
        }
    } else {
        if let Some((lane, from)) = current {
            lanes[lane].spans.push(TurnSpan { from_ms: from, to_ms: None });
        }
        end_ms = None;
    }
    let holder = if closed { None } else { detail.card.current_agent.clone() };
    let shown = current.map(|(lane, from)| (lanes[lane].agent.clone(), from));
    if !closed && holder.as_deref() != shown.as_ref().map(|(a, _)| a.as_str()) {
        warnings.push(format!(
            "The turn is with {} in the database but with {} by the {}.",
            holder.as_deref().unwrap_or("nobody"),
            shown.as_ref().map_or("nobody", |(a, _)| a.as_str()),
            if source == TimelineSource::Log { "log" } else { "messages" }
        ));
    }
    let waiting_since = match (&holder, &shown) {
        (Some(h), Some((a, from))) if h == a => Some(*from),
        (Some(_), _) => updated_ms,
        (None, _) => None,
    };
    let waiting_ms = waiting_since.map(|since| (now_ms - since).max(0));
    TurnTimeline {
        lanes,
        markers,
        start_ms,
        end_ms,
        holder,
        stalled: waiting_ms.is_some_and(|w| w > stall_after_ms),
        waiting_ms,
        source,
        warnings,
    }
}
