//! The statuses the quest scripts write, in life-cycle order.

use serde::Serialize;

/// A quest status the Acolytes 2.x scripts write (`quest_status.py` `choices`,
/// `acolyte_quest_core.change_status` `valid_statuses`). Any other stored text is kept as it is
/// (a `String` beside this enum) and shown as unknown, never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum QuestStatus {
    /// Someone holds the turn and works (`quest_create.py`, or `quest_conversation.py` read by
    /// the addressee of a waiting quest).
    Working,
    /// A message was sent; the addressee has not read it yet (`send_message`).
    Waiting,
    /// The leader reviews the answers (`quest_review.py`).
    Reviewing,
    /// Final: `quest_complete.py` (with a `result`) or `quest_status.py --status completed`.
    Completed,
    /// Closed by `quest_status.py --status failed`; can still be answered and completed.
    Failed,
    /// Closed by `quest_status.py --status timeout`; can still be answered and completed.
    Timeout,
}

impl QuestStatus {
    /// Every status, in life-cycle order (the board's columns).
    pub const ALL: [QuestStatus; 6] = [
        QuestStatus::Working,
        QuestStatus::Waiting,
        QuestStatus::Reviewing,
        QuestStatus::Completed,
        QuestStatus::Failed,
        QuestStatus::Timeout,
    ];

    /// The stored text exactly (`"working"`, …); anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.sql() == text)
    }

    /// The text the scripts store.
    pub fn sql(self) -> &'static str {
        match self {
            QuestStatus::Working => "working",
            QuestStatus::Waiting => "waiting",
            QuestStatus::Reviewing => "reviewing",
            QuestStatus::Completed => "completed",
            QuestStatus::Failed => "failed",
            QuestStatus::Timeout => "timeout",
        }
    }

    /// What a person reads on the board.
    pub fn label(self) -> &'static str {
        match self {
            QuestStatus::Working => "Working",
            QuestStatus::Waiting => "Waiting",
            QuestStatus::Reviewing => "Reviewing",
            QuestStatus::Completed => "Completed",
            QuestStatus::Failed => "Failed",
            QuestStatus::Timeout => "Timed out",
        }
    }

    /// Open = not completed, failed or timeout: what `acolyte_quest_core.get_all_active_quests`
    /// lists (`status NOT IN ('completed', 'failed', 'timeout')`).
    pub fn is_open(self) -> bool {
        !matches!(self, QuestStatus::Completed | QuestStatus::Failed | QuestStatus::Timeout)
    }

    /// Position in [`QuestStatus::ALL`] (0 = working).
    pub fn rank(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(Self::ALL.len())
    }

    /// An SQL expression ranking `column` in life-cycle order as one TEXT key: `"0"` … `"5"`
    /// for the known statuses, then `"6"` followed by the stored text for any other (NULL as
    /// `""`), so unknown statuses sort after the known ones, by name.
    pub fn rank_sql(column: &str) -> String {
        let arms: String =
            Self::ALL.iter().map(|s| format!(" WHEN '{}' THEN '{}'", s.sql(), s.rank())).collect();
        format!("(CASE {column}{arms} ELSE '{}' || IFNULL({column}, '') END)", Self::ALL.len())
    }
}

/// Whether a stored status is open, the way `get_all_active_quests` counts: anything but
/// `completed`, `failed` and `timeout` (unknown statuses included) is open.
pub fn stored_is_open(status: &str) -> bool {
    QuestStatus::parse(status).is_none_or(QuestStatus::is_open)
}

/// The warning shown for a status the scripts never write (`None` for a known one).
pub fn unknown_status_warning(status: &str) -> Option<String> {
    QuestStatus::parse(status).is_none().then(|| {
        let known: Vec<&str> = QuestStatus::ALL.iter().map(|s| s.sql()).collect();
        format!("Unknown status {status:?} (the quest scripts write {}).", known.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_exactly_and_rank_in_life_cycle_order() {
        for (i, s) in QuestStatus::ALL.iter().enumerate() {
            assert_eq!(QuestStatus::parse(s.sql()), Some(*s));
            assert_eq!(s.rank(), i);
        }
        assert_eq!(QuestStatus::parse("Working"), None);
        assert_eq!(QuestStatus::parse(" working"), None);
        let open: Vec<_> = QuestStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [QuestStatus::Working, QuestStatus::Waiting, QuestStatus::Reviewing]);
        assert!(stored_is_open("paused") && !stored_is_open("timeout"));
        assert!(unknown_status_warning("paused").unwrap().contains("\"paused\""));
        assert_eq!(unknown_status_warning("failed"), None);
    }
}
