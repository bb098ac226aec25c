//! What the quests page shows, kept in the address (`#quests?status=working&agent=@x&text=y&view=list`)
//! so that back/forward, reloads and links (a board column's "all in the list") work, and kept
//! in a context while moving between pages.

use leptos::prelude::*;

use crate::web::platform::browser::{query_pairs, query_string};
use crate::web::state::{Nav, View};
use flagdeck_core::quests::{QuestFilter, QuestSort};

/// How the quests are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One column per status, the first cards of each.
    #[default]
    Board,
    /// One virtual list of every quest the filter keeps.
    List,
}

/// The filter, layout and list sort of the quests page: what the address after `#quests?` says.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestQuery {
    pub filter: QuestFilter,
    pub layout: Layout,
    /// The list's sort and whether it is descending ([`QuestSort::DEFAULT`] unless the address
    /// says `sort=KEY` and `desc=1`).
    pub sort: (QuestSort, bool),
}

impl Default for QuestQuery {
    fn default() -> Self {
        QuestQuery { filter: empty_filter(), layout: Layout::Board, sort: QuestSort::DEFAULT }
    }
}

/// The filter that keeps every quest.
pub fn empty_filter() -> QuestFilter {
    QuestFilter { statuses: Vec::new(), agent: None, text: String::new() }
}

impl QuestQuery {
    /// Reads the query part of the address (after `?`, encoded): `status` (repeated or
    /// comma-separated, stored texts), `agent`, `text`, `view=list`, `sort` ([`QuestSort::key`])
    /// with `desc=1` or `desc=0`. Unknown keys and values are ignored.
    pub fn from_query(query: &str) -> QuestQuery {
        let mut out = QuestQuery::default();
        let (mut sort, mut desc) = (None, None);
        for (key, value) in query_pairs(query) {
            match key.as_str() {
                "status" => {
                    out.filter.statuses.extend(value.split(',').filter(|s| !s.is_empty()).map(str::to_owned))
                }
                "agent" if !value.trim().is_empty() => out.filter.agent = Some(value.trim().to_owned()),
                "text" => out.filter.text = value,
                "view" if value == "list" => out.layout = Layout::List,
                "sort" => sort = QuestSort::from_key(&value),
                "desc" => desc = Some(value == "1"),
                _ => {}
            }
        }
        if let Some(sort) = sort {
            out.sort = (sort, desc.unwrap_or(false));
        } else if let Some(desc) = desc {
            out.sort.1 = desc;
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
        if self.sort != QuestSort::DEFAULT {
            pairs.push(("sort", self.sort.0.key()));
            pairs.push(("desc", if self.sort.1 { "1" } else { "0" }));
        }
        query_string(&pairs)
    }

    /// Whether a filter (status, agent or text) is set; layout and sort are no filters.
    pub fn filtered(&self) -> bool {
        self.filter != empty_filter()
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

/// The quests page's query, kept while moving between pages. (The stall threshold of the quest
/// pages is the dashboard's setting, `DashboardState::stall_after_hours`.)
#[derive(Clone, Copy)]
pub struct QuestsView {
    query: RwSignal<QuestQuery>,
    /// Addresses followed that changed the query (back/forward, a link, an address typed in),
    /// not the page's own writes ([`QuestsView::followed`]).
    followed: StoredValue<u64>,
}

impl QuestsView {
    pub fn new() -> Self {
        QuestsView { query: RwSignal::new(QuestQuery::default()), followed: StoredValue::new(0) }
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
            self.followed.update_value(|n| *n += 1);
            self.query.set(query);
        }
    }

    /// How many times an address from outside the page changed the query: a filter typed
    /// before one and applied after it would be applied to another query than the one it was
    /// typed on. (The page's own writes set the query before their address is followed, so
    /// following them changes nothing.)
    pub fn followed(self) -> u64 {
        self.followed.get_value()
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
}

impl Default for QuestsView {
    fn default() -> Self {
        Self::new()
    }
}
