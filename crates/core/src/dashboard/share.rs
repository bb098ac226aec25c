//! Sharing a dashboard without a server: its settings in a link (for someone who has the same
//! file), or a snapshot of its aggregates (never rows) deflated into the link's fragment, which
//! the browser never sends anywhere.
//!
//! Snapshot format: `s1.` + base64url (no padding) of `[CRC-32 of the JSON, 4 bytes big-endian]`
//! followed by the raw-deflated JSON of a [`Snapshot`]. The checksum tells a damaged or cut
//! link apart from a good one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{Aggregates, DashboardState};

const SNAPSHOT_PREFIX: &str = "s1.";
/// A snapshot larger than this when inflated is refused (a hostile link could otherwise ask
/// for a huge allocation).
const MAX_JSON: usize = 4 << 20;

/// Why a shared link could not be read. Every variant says it in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    NotASnapshot,
    NotBase64,
    Truncated,
    Damaged,
    NotADashboard(String),
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShareError::NotASnapshot => write!(f, "This link does not hold a flagdeck snapshot (it should start with #snapshot/s1.)."),
            ShareError::NotBase64 => write!(f, "This snapshot link contains characters a snapshot never has: it was changed after it was made."),
            ShareError::Truncated => write!(f, "This snapshot link is incomplete: it was cut short when it was copied. Ask for the whole link."),
            ShareError::Damaged => write!(f, "This snapshot link is damaged: its content does not match its checksum. Ask for the link again."),
            ShareError::NotADashboard(e) => write!(f, "This snapshot link could not be read as a dashboard ({e})."),
        }
    }
}

/// A dashboard that travels without its database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The file it was made from (left out when agent names are redacted).
    pub file: Option<String>,
    /// When it was made, in the tool's `YYYY-MM-DD HH:MM`.
    pub made_at: String,
    pub redacted: bool,
    pub state: DashboardState,
    pub aggregates: Aggregates,
}

/// The settings as a fragment parameter: base64url of their JSON.
pub fn encode_state(state: &DashboardState) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).unwrap_or_default())
}

pub fn decode_state(text: &str) -> Result<DashboardState, ShareError> {
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| ShareError::NotBase64)?;
    from_json(&bytes)
}

/// Parses JSON bytes through `serde_json::from_str`, as saved dashboards are: one JSON reader
/// in the wasm instead of a second copy of every deserialiser for `from_slice` (2.4 KiB brotli).
fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ShareError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ShareError::NotADashboard(e.to_string()))?;
    serde_json::from_str(text).map_err(|e| ShareError::NotADashboard(e.to_string()))
}

/// CRC-32 (IEEE), bit by bit: snapshots are a few kilobytes.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub fn encode_snapshot(snapshot: &Snapshot) -> String {
    let json = serde_json::to_vec(snapshot).unwrap_or_default();
    let mut bytes = crc32(&json).to_be_bytes().to_vec();
    bytes.extend(miniz_oxide::deflate::compress_to_vec(&json, 10));
    format!("{SNAPSHOT_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn decode_snapshot(text: &str) -> Result<Snapshot, ShareError> {
    let body = text.trim().strip_prefix(SNAPSHOT_PREFIX).ok_or(ShareError::NotASnapshot)?;
    let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|e| match e {
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidLastSymbol(_, _) => {
            ShareError::Truncated
        }
        _ => ShareError::NotBase64,
    })?;
    if bytes.len() < 5 {
        return Err(ShareError::Truncated);
    }
    let want = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let json =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes[4..], MAX_JSON).map_err(|e| {
            match e.status {
                miniz_oxide::inflate::TINFLStatus::FailedCannotMakeProgress => ShareError::Truncated,
                _ => ShareError::Damaged,
            }
        })?;
    if crc32(&json) != want {
        return Err(ShareError::Damaged);
    }
    let mut snapshot: Snapshot = from_json(&json)?;
    snapshot.aggregates.rebuild_daily();
    Ok(snapshot)
}

/// Replaces every agent name with "agent N" (the same name, the same N), in the figures and in
/// the settings, so a snapshot can leave the team.
pub fn redact(snapshot: &mut Snapshot) {
    let mut names: Vec<String> = Vec::new();
    let mut alias = |name: &mut String| {
        if name.is_empty() {
            return;
        }
        let i = match names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                names.push(name.clone());
                names.len() - 1
            }
        };
        *name = format!("agent {}", i + 1);
    };
    let a = &mut snapshot.aggregates;
    for b in a.flags.iter_mut().flat_map(|f| f.bottlenecks.iter_mut()) {
        alias(&mut b.target);
    }
    if let Some(h) = &mut a.health {
        for c in &mut h.latest {
            alias(&mut c.agent);
        }
        for n in &mut h.needing_compaction {
            alias(n);
        }
    }
    if let Some(q) = &mut a.quests {
        for t in &mut q.turn_holding {
            alias(&mut t.agent);
        }
        for s in &mut q.stalled_longest {
            alias(&mut s.holder);
        }
    }
    for (agent, _) in a.hooks.iter_mut().flat_map(|h| h.agents.iter_mut()) {
        alias(agent);
    }
    if let Some(t) = &mut snapshot.state.target {
        alias(t);
    }
    snapshot.file = None;
    snapshot.redacted = true;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{Bottleneck, FlagDay, FlagKpis};

    fn sample() -> Snapshot {
        let mut aggregates = Aggregates {
            flags: Some(FlagKpis {
                pending: 3,
                bottlenecks: vec![
                    Bottleneck { target: "@backend.api".into(), pending: 2, oldest_hours: Some(5.5) },
                    Bottleneck { target: "".into(), pending: 1, oldest_hours: None },
                ],
                daily: vec![
                    FlagDay { day: "2025-05-26".into(), created: 2, completed: 0, backlog: 2 },
                    FlagDay { day: "2025-05-27".into(), created: 1, completed: 1, backlog: 2 },
                ],
                ..Default::default()
            }),
            ..Default::default()
        };
        aggregates.rebuild_daily();
        Snapshot {
            file: Some("project.db".into()),
            made_at: "2026-11-30 12:00".into(),
            redacted: false,
            state: DashboardState { target: Some("@backend.api".into()), ..Default::default() },
            aggregates,
        }
    }

    #[test]
    fn a_snapshot_round_trips_with_its_daily_maps() {
        let s = sample();
        let link = encode_snapshot(&s);
        assert!(link.starts_with("s1."));
        assert!(link[3..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{link}");
        assert_eq!(decode_snapshot(&link), Ok(s));
    }

    #[test]
    fn damaged_cut_and_foreign_links_are_told_apart() {
        let link = encode_snapshot(&sample());
        assert_eq!(decode_snapshot("x1.abc"), Err(ShareError::NotASnapshot));
        assert_eq!(decode_snapshot(&format!("{link}*")), Err(ShareError::NotBase64));
        // Cut short anywhere: never accepted, and said to be incomplete or damaged.
        for cut in [link.len() - 1, link.len() - 7, link.len() / 2, 6] {
            let err = decode_snapshot(&link[..cut]).unwrap_err();
            assert!(matches!(err, ShareError::Truncated | ShareError::Damaged), "cut at {cut}: {err:?}");
        }
        // One character changed in the middle: the checksum or the inflater notices.
        let mut chars: Vec<char> = link.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert!(decode_snapshot(&tampered).is_err());
    }

    #[test]
    fn redaction_renames_every_agent_consistently() {
        let mut s = sample();
        redact(&mut s);
        let flags = s.aggregates.flags.as_ref().unwrap();
        assert_eq!(flags.bottlenecks[0].target, "agent 1");
        assert_eq!(flags.bottlenecks[1].target, "", "the broadcast target stays empty");
        assert_eq!(s.state.target.as_deref(), Some("agent 1"), "the same agent, the same alias");
        assert_eq!(s.file, None);
        assert!(!encode_snapshot(&s).is_empty());
    }

    #[test]
    fn quest_figures_travel_in_the_snapshot_and_their_agents_are_redacted() {
        use crate::dashboard::quests::{AgentTurns, QuestKpis, StalledQuest};
        let mut s = sample();
        s.aggregates.quests = Some(QuestKpis {
            total: 2,
            open_by_status: vec![("working".into(), 1)],
            turn_holding: vec![
                AgentTurns { agent: "@backend.api".into(), seconds: 90.5 },
                AgentTurns { agent: "@acolyte.auth".into(), seconds: 30.0 },
            ],
            stalled_longest: vec![StalledQuest {
                id: 7,
                name: "quest-20251107-155756".into(),
                holder: "@acolyte.auth".into(),
                held_seconds: 100_000.0,
            }],
            ..Default::default()
        });
        let link = encode_snapshot(&s);
        assert_eq!(decode_snapshot(&link).unwrap().aggregates.quests, s.aggregates.quests);
        redact(&mut s);
        let q = s.aggregates.quests.as_ref().unwrap();
        // @backend.api was aliased first (a flag bottleneck), @acolyte.auth next.
        assert_eq!(q.turn_holding[0].agent, "agent 1");
        assert_eq!(q.turn_holding[1].agent, "agent 2");
        assert_eq!(q.stalled_longest[0].holder, "agent 2", "the same agent, the same alias");
        // A file without quests keeps the JSON it had: no `quests` key at all.
        let none = serde_json::to_string(&sample().aggregates).unwrap();
        assert!(!none.contains("quests"), "{none}");
    }

    #[test]
    fn settings_from_before_the_stall_threshold_read_as_the_default() {
        let mut json = serde_json::to_value(DashboardState::default()).unwrap();
        json.as_object_mut().unwrap().remove("stall_after_hours");
        let old = URL_SAFE_NO_PAD.encode(json.to_string());
        assert_eq!(decode_state(&old).unwrap().stall_after_hours, 24.0);
    }

    #[test]
    fn settings_round_trip_and_bad_ones_are_refused() {
        let state = DashboardState { growth: 3.0, tool: Some("Bash".into()), ..Default::default() };
        assert_eq!(decode_state(&encode_state(&state)), Ok(state));
        assert_eq!(decode_state("!!"), Err(ShareError::NotBase64));
        assert!(matches!(decode_state(&URL_SAFE_NO_PAD.encode("{}")), Err(ShareError::NotADashboard(_))));
    }
}
