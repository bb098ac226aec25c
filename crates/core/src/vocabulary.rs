//! The flag vocabulary, said once: the columns of `flags`, the impact levels and their rankings,
//! the statuses, and what a person can do to a flag (with its keys and help text). Column lists,
//! `CASE` rankings, labels and the keyboard help are all derived from these tables.

use std::sync::OnceLock;

/// One column of the `flags` table (agent_db.py's v1 `CREATE TABLE flags`, which the v0
/// ClaudeSquad table is a subset of), in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagColumn {
    Id,
    ChainOriginId,
    SessionId,
    FlagType,
    SourceAgent,
    TargetAgent,
    ChangeDescription,
    ActionRequired,
    ImpactLevel,
    Status,
    Locked,
    RelatedFiles,
    CodeLocation,
    ExampleUsage,
    Context,
    CreatedAt,
    AcknowledgedAt,
    CompletedAt,
    CompletedBy,
    Notes,
}

impl FlagColumn {
    /// Every column, in the v1 table's order.
    pub const ALL: [FlagColumn; 20] = [
        FlagColumn::Id,
        FlagColumn::ChainOriginId,
        FlagColumn::SessionId,
        FlagColumn::FlagType,
        FlagColumn::SourceAgent,
        FlagColumn::TargetAgent,
        FlagColumn::ChangeDescription,
        FlagColumn::ActionRequired,
        FlagColumn::ImpactLevel,
        FlagColumn::Status,
        FlagColumn::Locked,
        FlagColumn::RelatedFiles,
        FlagColumn::CodeLocation,
        FlagColumn::ExampleUsage,
        FlagColumn::Context,
        FlagColumn::CreatedAt,
        FlagColumn::AcknowledgedAt,
        FlagColumn::CompletedAt,
        FlagColumn::CompletedBy,
        FlagColumn::Notes,
    ];

    /// The column's name in SQL (also its name in CSV/JSON exports and stored edits).
    pub const fn sql(self) -> &'static str {
        match self {
            FlagColumn::Id => "id",
            FlagColumn::ChainOriginId => "chain_origin_id",
            FlagColumn::SessionId => "session_id",
            FlagColumn::FlagType => "flag_type",
            FlagColumn::SourceAgent => "source_agent",
            FlagColumn::TargetAgent => "target_agent",
            FlagColumn::ChangeDescription => "change_description",
            FlagColumn::ActionRequired => "action_required",
            FlagColumn::ImpactLevel => "impact_level",
            FlagColumn::Status => "status",
            FlagColumn::Locked => "locked",
            FlagColumn::RelatedFiles => "related_files",
            FlagColumn::CodeLocation => "code_location",
            FlagColumn::ExampleUsage => "example_usage",
            FlagColumn::Context => "context",
            FlagColumn::CreatedAt => "created_at",
            FlagColumn::AcknowledgedAt => "acknowledged_at",
            FlagColumn::CompletedAt => "completed_at",
            FlagColumn::CompletedBy => "completed_by",
            FlagColumn::Notes => "notes",
        }
    }

    /// What a person reads as the column's heading.
    pub const fn label(self) -> &'static str {
        match self {
            FlagColumn::Id => "#",
            FlagColumn::ChainOriginId => "Chain origin",
            FlagColumn::SessionId => "Session",
            FlagColumn::FlagType => "Type",
            FlagColumn::SourceAgent => "From",
            FlagColumn::TargetAgent => "To",
            FlagColumn::ChangeDescription => "Change",
            FlagColumn::ActionRequired => "Action required",
            FlagColumn::ImpactLevel => "Impact",
            FlagColumn::Status => "Status",
            FlagColumn::Locked => "Locked",
            FlagColumn::RelatedFiles => "Related files",
            FlagColumn::CodeLocation => "Code location",
            FlagColumn::ExampleUsage => "Example usage",
            FlagColumn::Context => "Context",
            FlagColumn::CreatedAt => "Created",
            FlagColumn::AcknowledgedAt => "Acknowledged",
            FlagColumn::CompletedAt => "Completed",
            FlagColumn::CompletedBy => "Completed by",
            FlagColumn::Notes => "Notes",
        }
    }

    /// Whether flagdeck's edits may change it: every column but `id` (the row's identity) and
    /// `acknowledged_at` (which agent_db.py never writes).
    pub const fn editable(self) -> bool {
        !matches!(self, FlagColumn::Id | FlagColumn::AcknowledgedAt)
    }

    /// Whether every reader of a flag database relies on it (both generations have it).
    pub const fn required(self) -> bool {
        matches!(
            self,
            FlagColumn::Id
                | FlagColumn::ChainOriginId
                | FlagColumn::FlagType
                | FlagColumn::SourceAgent
                | FlagColumn::TargetAgent
                | FlagColumn::ChangeDescription
                | FlagColumn::ActionRequired
                | FlagColumn::ImpactLevel
                | FlagColumn::Status
                | FlagColumn::Locked
                | FlagColumn::CreatedAt
                | FlagColumn::CompletedAt
                | FlagColumn::CompletedBy
        )
    }

    /// The column of that SQL name, if `flags` has one.
    pub fn from_sql(name: &str) -> Option<FlagColumn> {
        FlagColumn::ALL.into_iter().find(|c| c.sql() == name)
    }

    /// `a, b, c`: a SELECT list of the given columns.
    pub fn select_list(columns: &[FlagColumn]) -> String {
        columns.iter().map(|c| c.sql()).collect::<Vec<_>>().join(", ")
    }
}

/// How many columns pass `editable` (or `required`): the lengths of the derived lists.
const fn count(required: bool) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < FlagColumn::ALL.len() {
        let c = FlagColumn::ALL[i];
        if (required && c.required()) || (!required && c.editable()) {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn names<const N: usize>(required: bool) -> [&'static str; N] {
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < FlagColumn::ALL.len() {
        let c = FlagColumn::ALL[i];
        if (required && c.required()) || (!required && c.editable()) {
            out[n] = c.sql();
            n += 1;
        }
        i += 1;
    }
    out
}

const EDITABLE_NAMES: [&str; count(false)] = names(false);
const REQUIRED_NAMES: [&str; count(true)] = names(true);

/// SQL names of the [`FlagColumn::editable`] columns, in table order.
pub const EDITABLE_COLUMNS: &[&str] = &EDITABLE_NAMES;
/// SQL names of the [`FlagColumn::required`] columns, in table order.
pub const REQUIRED_COLUMNS: &[&str] = &REQUIRED_NAMES;

/// An `impact_level` agent_db.py knows (its `choices=['low', 'medium', 'high', 'critical']`).
/// Files may hold other text; code that meets it keeps it as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Impact {
    Critical,
    High,
    Medium,
    Low,
}

/// Which ranking of impact levels a `CASE` expression gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranking {
    /// `get-pending-flags` (agent_db.py): critical 1, high 2, medium 3, anything else (low
    /// included) 4.
    Tool,
    /// Severity: critical 1, high 2, medium 3, low 4, anything else 5 (low kept apart from
    /// unknown levels).
    Severity,
}

impl Impact {
    /// Most severe first.
    pub const ALL: [Impact; 4] = [Impact::Critical, Impact::High, Impact::Medium, Impact::Low];

    /// The stored names, least severe first (the form's choices, agent_db.py's `choices` order).
    pub const LEAST_FIRST: [&'static str; 4] = {
        let mut out = [""; 4];
        let mut i = 0;
        while i < 4 {
            out[i] = Impact::ALL[3 - i].sql();
            i += 1;
        }
        out
    };

    /// As stored in `impact_level`.
    pub const fn sql(self) -> &'static str {
        match self {
            Impact::Critical => "critical",
            Impact::High => "high",
            Impact::Medium => "medium",
            Impact::Low => "low",
        }
    }

    /// What a person reads.
    pub const fn label(self) -> &'static str {
        match self {
            Impact::Critical => "Critical",
            Impact::High => "High",
            Impact::Medium => "Medium",
            Impact::Low => "Low",
        }
    }

    /// The level stored as `stored`; `None` for text that is not one of the four levels.
    pub fn parse(stored: &str) -> Option<Impact> {
        Impact::ALL.into_iter().find(|i| i.sql() == stored)
    }

    /// The level's rank (1 = most severe) under `ranking`; `None` where the ranking lumps it with
    /// unknown levels (low, for the tool).
    pub const fn rank(self, ranking: Ranking) -> Option<u8> {
        match (self, ranking) {
            (Impact::Low, Ranking::Tool) => None,
            (i, _) => Some(i as u8 + 1),
        }
    }

    /// The rank of every level the ranking does not name.
    pub const fn other_rank(ranking: Ranking) -> u8 {
        match ranking {
            Ranking::Tool => 4,
            Ranking::Severity => 5,
        }
    }

    /// The level of a severity rank (1..=4).
    pub fn from_severity_rank(rank: i64) -> Option<Impact> {
        Impact::ALL.into_iter().find(|i| i.rank(Ranking::Severity).map(i64::from) == Some(rank))
    }

    /// The one SQL expression ranking `impact_level` under `ranking`, e.g.
    /// `CASE impact_level WHEN 'critical' THEN 1 … ELSE 4 END`.
    pub fn rank_sql(ranking: Ranking) -> &'static str {
        static TOOL: OnceLock<String> = OnceLock::new();
        static SEVERITY: OnceLock<String> = OnceLock::new();
        let cell = match ranking {
            Ranking::Tool => &TOOL,
            Ranking::Severity => &SEVERITY,
        };
        cell.get_or_init(|| {
            let whens: String = Impact::ALL
                .into_iter()
                .filter_map(|i| i.rank(ranking).map(|r| format!(" WHEN '{}' THEN {r}", i.sql())))
                .collect();
            format!("CASE impact_level{whens} ELSE {} END", Impact::other_rank(ranking))
        })
    }
}

/// A flag's `status`. agent_db.py writes `pending` and `completed`; any other stored text is
/// kept as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Completed,
    Other(String),
}

impl Status {
    /// The status stored as `stored`: anything but `pending` or `completed` is kept as `Other`.
    pub fn parse(stored: &str) -> Status {
        match stored {
            "pending" => Status::Pending,
            "completed" => Status::Completed,
            other => Status::Other(other.to_owned()),
        }
    }

    /// As stored.
    pub fn sql(&self) -> &str {
        match self {
            Status::Pending => "pending",
            Status::Completed => "completed",
            Status::Other(s) => s,
        }
    }
}

/// Something a person does to flags on the flag page: its keys on the keyboard (as
/// `KeyboardEvent.key` names them; none for buttons only), its line of help, and the label its
/// step gets in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagAction {
    Next,
    Previous,
    Complete,
    /// Lock an unlocked flag, unlock a locked one (one key).
    ToggleLock,
    Lock,
    Unlock,
    Reopen,
    FollowUp,
    /// Ask for information: a follow-up to the flag's source, the flag locked until answered.
    Ask,
    Choose,
    Undo,
    Redo,
    New,
    Edit,
    Search,
    Close,
    Help,
}

impl FlagAction {
    pub const ALL: [FlagAction; 17] = [
        FlagAction::Next,
        FlagAction::Previous,
        FlagAction::Complete,
        FlagAction::ToggleLock,
        FlagAction::Lock,
        FlagAction::Unlock,
        FlagAction::Reopen,
        FlagAction::FollowUp,
        FlagAction::Ask,
        FlagAction::Choose,
        FlagAction::Undo,
        FlagAction::Redo,
        FlagAction::New,
        FlagAction::Edit,
        FlagAction::Search,
        FlagAction::Close,
        FlagAction::Help,
    ];

    /// The keys that do it, as `KeyboardEvent.key` names them (empty: a button only).
    pub const fn keys(self) -> &'static [&'static str] {
        match self {
            FlagAction::Next => &["j", "ArrowDown"],
            FlagAction::Previous => &["k", "ArrowUp"],
            FlagAction::Complete => &["c"],
            FlagAction::ToggleLock => &["l"],
            FlagAction::Reopen => &["o"],
            FlagAction::Choose => &["x"],
            FlagAction::Undo => &["u"],
            FlagAction::Redo => &["U"],
            FlagAction::New => &["n"],
            FlagAction::Edit => &["e"],
            FlagAction::Search => &["/"],
            FlagAction::Close => &["Escape"],
            FlagAction::Help => &["?"],
            FlagAction::Lock | FlagAction::Unlock | FlagAction::FollowUp | FlagAction::Ask => &[],
        }
    }

    /// The keys as the help shows them.
    pub fn key_captions(self) -> Vec<&'static str> {
        self.keys()
            .iter()
            .map(|k| match *k {
                "ArrowDown" => "↓",
                "ArrowUp" => "↑",
                "Escape" => "Esc",
                other => other,
            })
            .collect()
    }

    /// The help's line for it.
    pub const fn help(self) -> &'static str {
        match self {
            FlagAction::Next => "next flag",
            FlagAction::Previous => "previous flag",
            FlagAction::Complete => "complete the selected flag",
            FlagAction::ToggleLock => "lock / unlock",
            FlagAction::Lock => "lock the flag",
            FlagAction::Unlock => "unlock the flag",
            FlagAction::Reopen => "reopen a completed flag",
            FlagAction::FollowUp => "answer with a follow-up flag in the same chain",
            FlagAction::Ask => "ask the source for information; the flag stays locked until answered",
            FlagAction::Choose => "choose for a bulk action",
            FlagAction::Undo => "undo",
            FlagAction::Redo => "redo",
            FlagAction::New => "new flag",
            FlagAction::Edit => "edit every field of the selected flag",
            FlagAction::Search => "search the text",
            FlagAction::Close => "close",
            FlagAction::Help => "this help",
        }
    }

    /// Its short name, which is also the label of the history step it makes (what the Changes
    /// panel shows: "complete", "lock", "ask for information", "create", …).
    pub const fn label(self) -> &'static str {
        match self {
            FlagAction::Next => "next",
            FlagAction::Previous => "previous",
            FlagAction::Complete => "complete",
            FlagAction::ToggleLock => "lock / unlock",
            FlagAction::Lock => "lock",
            FlagAction::Unlock => "unlock",
            FlagAction::Reopen => "reopen",
            FlagAction::FollowUp => "follow-up",
            FlagAction::Ask => "ask for information",
            FlagAction::Choose => "choose",
            FlagAction::Undo => "undo",
            FlagAction::Redo => "redo",
            FlagAction::New => "create",
            FlagAction::Edit => "edit",
            FlagAction::Search => "search",
            FlagAction::Close => "close",
            FlagAction::Help => "help",
        }
    }

    /// Whether it can be done to a flag of that status and lock: complete a pending flag, reopen a
    /// completed one, lock an unlocked one, unlock a locked one; the rest always.
    pub fn applies_to(self, status: &Status, locked: bool) -> bool {
        match self {
            FlagAction::Complete => *status == Status::Pending,
            FlagAction::Reopen => *status == Status::Completed,
            FlagAction::Lock => !locked,
            FlagAction::Unlock => locked,
            _ => true,
        }
    }

    /// What the lock key does to a flag: unlock it when locked, lock it otherwise.
    pub const fn lock_toggle(locked: bool) -> FlagAction {
        if locked {
            FlagAction::Unlock
        } else {
            FlagAction::Lock
        }
    }

    /// The action a key does, if any.
    pub fn from_key(key: &str) -> Option<FlagAction> {
        FlagAction::ALL.into_iter().find(|a| a.keys().contains(&key))
    }

    /// The actions with keys, in the order the keyboard help lists them.
    pub fn keyboard() -> impl Iterator<Item = FlagAction> {
        FlagAction::ALL.into_iter().filter(|a| !a.keys().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rankings_are_the_tools_case_expressions() {
        assert_eq!(
            Impact::rank_sql(Ranking::Tool),
            "CASE impact_level WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END"
        );
        assert_eq!(
            Impact::rank_sql(Ranking::Severity),
            "CASE impact_level WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 WHEN 'low' THEN 4 ELSE 5 END"
        );
        assert_eq!(Impact::from_severity_rank(4), Some(Impact::Low));
        assert_eq!(Impact::from_severity_rank(5), None);
    }

    #[test]
    fn column_lists_come_from_the_one_table() {
        assert_eq!(EDITABLE_COLUMNS.len(), 18);
        assert!(!EDITABLE_COLUMNS.contains(&"id") && !EDITABLE_COLUMNS.contains(&"acknowledged_at"));
        assert_eq!(
            REQUIRED_COLUMNS,
            [
                "id",
                "chain_origin_id",
                "flag_type",
                "source_agent",
                "target_agent",
                "change_description",
                "action_required",
                "impact_level",
                "status",
                "locked",
                "created_at",
                "completed_at",
                "completed_by"
            ]
        );
        for c in FlagColumn::ALL {
            assert_eq!(FlagColumn::from_sql(c.sql()), Some(c));
        }
    }

    #[test]
    fn every_key_does_one_action() {
        let mut seen = std::collections::HashSet::new();
        for a in FlagAction::keyboard() {
            for k in a.keys() {
                assert!(seen.insert(*k), "{k} bound twice");
                assert_eq!(FlagAction::from_key(k), Some(a));
            }
        }
        assert_eq!(FlagAction::from_key("q"), None);
        assert_eq!(FlagAction::Next.key_captions(), ["j", "↓"]);
        assert_eq!(Status::parse("done?"), Status::Other("done?".into()));
        assert_eq!(Status::parse("pending").sql(), "pending");
        assert!(FlagAction::Complete.applies_to(&Status::Pending, true));
        assert!(!FlagAction::Complete.applies_to(&Status::Completed, false));
        assert!(FlagAction::Reopen.applies_to(&Status::Completed, false));
        assert!(!FlagAction::Reopen.applies_to(&Status::Other("done".into()), false));
        assert_eq!(FlagAction::lock_toggle(true), FlagAction::Unlock);
    }
}
