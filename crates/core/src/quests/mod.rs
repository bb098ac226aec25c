//! Acolytes 2.x quests (`acolyte_quests`): the turn-based conversations the quest scripts
//! (`acolytes/data/scripts/acolytes_quest/`, `acolyte_quest_core.py`) keep between a leader and
//! the agents it recruited.
//!
//! A row: `quest_id` (key), `quest_name`, `quest_phase`, `mission`, `recruited` (JSON array,
//! leader first), `current_agent` (whose turn), `status` ([`QuestStatus`]), `broadcast` (JSON
//! array of `{from, to, message, timestamp}`), `context` (`{mission, leader, phase}`), `result`
//! (`{quest_id, quest_name, mission, phase, completed_at, summary, details, team}`),
//! `created_at` and `updated_at` (TEXT in v2, INTEGER epoch seconds in the hybrid).
//!
//! * [`status`]: the statuses in life-cycle order.
//! * [`card`] and [`query`]: board cards and list rows, filter, count, status counts, keyset
//!   pages.
//! * [`detail`] and [`thread`]: one quest, its JSON columns and its conversation.
//! * [`log`]: the quest log files (`.claude/logs/quests/quest_N.log`).
//! * [`timeline`]: who held the turn when.
//! * [`edit`]: `quest_status.py` as an undoable [`Edit`](crate::edits::Edit).
//! * [`keys`]: the list's derived layer, a TEMP sort-key table per order.
//! * [`index`]: the list's filter index, each quest's status and agent names held in memory.
//! * [`members`]: the agent page's derived layer, the agents each quest lists.
//!
//! Odd data never panics: each oddity is a warning sentence on the card, the message or the
//! thread, and the stored text is kept.

pub mod card;
pub mod detail;
pub mod edit;
pub mod index;
pub mod keys;
pub mod log;
pub mod members;
pub mod query;
pub mod raw;
pub mod status;
pub mod thread;
pub mod timeline;

pub use card::{read_recruited, QuestCard, MESSAGES_SQL};
pub use detail::{quest_detail, Parsed, QuestDetail};
pub use edit::{change_status, plan_status_change};
pub use log::{
    check_log, check_log_in, parse_log, HistoryRow, LogEvent, LogKind, LogMismatch, LogNameError, QuestLog,
    ViolationKind,
};
pub use query::{
    agents, agents_sql, count, page, status_counts, summary, summary_in_steps, summary_sql, QuestFilter,
    QuestPageQuery, QuestSort, QuestSummary, StatusCount, TimeOrder, SUMMARY_STEP,
};
pub use status::QuestStatus;
pub use thread::{split_files, QuestMessage, Thread};
pub use timeline::{turn_timeline, Lane, Marker, MarkerKind, TimelineSource, TurnSpan, TurnTimeline};

/// The table the quest scripts write (`TABLE_NAME` in `acolyte_quest_core.py`).
pub const TABLE: &str = crate::schema::QUEST_TABLE;
