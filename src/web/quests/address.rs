//! What the quests page shows, kept in the address (`#quests?status=working&agent=@x&text=y&view=list`)
//! so that back/forward, reloads and links (a board column's "all in the list") work, and kept
//! in a context while moving between pages.

use leptos::prelude::*;

use crate::web::platform::browser::{query_pairs, query_string};
use crate::web::state::{Nav, View};
use flagdeck_core::quests::QuestFilter;

/// How the quests are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One column per status, the first cards of each.
    #[default]
    Board,
    /// One virtual list of every quest the filter keeps.
    List,
}

/// The filter and layout of the quests page: what the address after `#quests?` says.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestQuery {
    pub filter: QuestFilter,
    pub layout: Layout,
}

impl Default for QuestQuery {
    fn default() -> Self {
        QuestQuery { filter: empty_filter(), layout: Layout::Board }
    }
}

/// The filter that keeps every quest.
pub fn empty_filter() -> QuestFilter {
    QuestFilter { statuses: Vec::new(), agent: None, text: String::new() }
}

impl QuestQuery {
    /// Reads the query part of the address (after `?`, encoded): `status` (repeated or
    /// comma-separated, stored texts), `agent`, `text`, `view=list`. Unknown keys are ignored.
    pub fn from_query(query: &str) -> QuestQuery {
        let mut out = QuestQuery::default();
        for (key, value) in query_pairs(query) {
            match key.as_str() {
                "status" => {
                    out.filter.statuses.extend(value.split(',').filter(|s| !s.is_empty()).map(str::to_owned))
                }
                "agent" if !value.trim().is_empty() => out.filter.agent = Some(value.trim().to_owned()),
                "text" => out.filter.text = value,
                "view" if value == "list" => out.layout = Layout::List,
                _ => {}
            }
        }
        out
    }

    /// The query part of the address (encoded, no `?`); empty for the default.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> =
            self.filter.statuses.iter().map(|s| ("status", s.as_str())).collect();
        if let Some(agent) = &self.filter.agent {
            pairs.push(("agent", agent));
        }
        if !self.filter.text.is_empty() {
            pairs.push(("text", &self.filter.text));
        }
        if self.layout == Layout::List {
            pairs.push(("view", "list"));
        }
        query_string(&pairs)
    }

    /// The address of this query (`#quests?…`), for links.
    pub fn href(&self) -> String {
        let query = self.to_query();
        if query.is_empty() {
            View::Quests.to_hash()
        } else {
            format!("{}?{query}", View::Quests.to_hash())
        }
    }
}

/// The query part of a `#quests?…` fragment (empty for `#quests` or another page).
fn query_of(hash: &str) -> &str {
    hash.trim_start_matches('#').strip_prefix("quests?").unwrap_or_default()
}

/// The quests page's query, and the settings of the quest pages, kept while moving between pages.
#[derive(Clone, Copy)]
pub struct QuestsView {
    query: RwSignal<QuestQuery>,
    /// A quest waiting this long on its turn holder is marked stalled (hours; `quest-stall-hours`).
    stall_hours: RwSignal<f64>,
}

/// The stall threshold before the user sets one: a working day.
pub const DEFAULT_STALL_HOURS: f64 = 24.0;

impl QuestsView {
    pub fn new() -> Self {
        QuestsView {
            query: RwSignal::new(QuestQuery::default()),
            stall_hours: RwSignal::new(DEFAULT_STALL_HOURS),
        }
    }

    /// The query shown, tracked.
    pub fn query(self) -> ReadSignal<QuestQuery> {
        self.query.read_only()
    }

    /// The address changed (start, back/forward, a link): a `#quests` address sets the query.
    pub fn follow_address(self, hash: &str) {
        if View::from_hash(hash) != View::Quests {
            return;
        }
        let query = QuestQuery::from_query(query_of(hash));
        if self.query.with_untracked(|q| *q != query) {
            self.query.set(query);
        }
    }

    /// Changes the query and records it in the address (a new history entry).
    pub fn change(self, nav: Nav, edit: impl FnOnce(&mut QuestQuery)) {
        let mut query = self.query.get_untracked();
        edit(&mut query);
        if self.query.with_untracked(|q| *q == query) {
            return;
        }
        nav.go_with_query(View::Quests, &query.to_query());
        self.query.set(query);
    }

    /// Shows the quests page with `query`.
    pub fn open(self, nav: Nav, query: QuestQuery) {
        nav.go_with_query(View::Quests, &query.to_query());
        self.query.set(query);
    }

    /// The stall threshold in hours, tracked.
    pub fn stall_hours(self) -> ReadSignal<f64> {
        self.stall_hours.read_only()
    }

    /// Sets the stall threshold (hours; negative or not finite values are ignored).
    pub fn set_stall_hours(self, hours: f64) {
        if hours.is_finite() && hours >= 0.0 {
            self.stall_hours.set(hours);
        }
    }
}

impl Default for QuestsView {
    fn default() -> Self {
        Self::new()
    }
}
