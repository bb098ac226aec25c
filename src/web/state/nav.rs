//! Navigation: which page is shown, mirrored in the address fragment.

use leptos::prelude::*;

use crate::web::platform::browser::{decode_uri_component, encode_uri_component, set_location_hash};

/// Which page is shown. Mirrored in the address fragment (`#agents`, `#agent/@backend.api`,
/// `#routing`) so that back/forward and links work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    Summary,
    Agents,
    Agent(String),
    Routing,
    Flags,
    Flag(i64),
    Dashboard,
    /// The quests of a v2/hybrid file: `#quests`, optionally followed by `?` and the board's
    /// filters (see `quests::QuestQuery`), which the quests page reads from the address itself.
    Quests,
    /// One quest: `#quest/ID`.
    Quest(i64),
    /// A snapshot link: the dashboard carried by the link, no file needed.
    Snapshot(String),
}

impl View {
    /// The page an address fragment names (the summary for anything else).
    pub fn from_hash(hash: &str) -> View {
        let hash = hash.trim_start_matches('#');
        // Snapshot payloads are base64url: taken as they are, never URI-decoded.
        if let Some(payload) = hash.strip_prefix("snapshot/") {
            return View::Snapshot(payload.to_owned());
        }
        // The quests page's filters follow a `?`, each value encoded on its own: not decoded here.
        if hash == "quests" || hash.starts_with("quests?") {
            return View::Quests;
        }
        let decoded = decode_uri_component(hash).unwrap_or_default();
        match decoded.split_once('/') {
            Some(("dashboard", _)) => View::Dashboard,
            Some(("agent", name)) if !name.is_empty() => View::Agent(name.to_owned()),
            Some(("flag", id)) if id.parse::<i64>().is_ok() => View::Flag(id.parse().unwrap_or_default()),
            Some(("quest", id)) if id.parse::<i64>().is_ok() => View::Quest(id.parse().unwrap_or_default()),
            _ => match decoded.as_str() {
                "agents" => View::Agents,
                "routing" => View::Routing,
                "flags" => View::Flags,
                "dashboard" => View::Dashboard,
                _ => View::Summary,
            },
        }
    }

    /// The address fragment of the page.
    pub fn to_hash(&self) -> String {
        match self {
            View::Summary => "#summary".into(),
            View::Agents => "#agents".into(),
            View::Agent(name) => format!("#agent/{}", encode_uri_component(name)),
            View::Routing => "#routing".into(),
            View::Flags => "#flags".into(),
            View::Flag(id) => format!("#flag/{id}"),
            View::Dashboard => "#dashboard".into(),
            View::Quests => "#quests".into(),
            View::Quest(id) => format!("#quest/{id}"),
            View::Snapshot(payload) => format!("#snapshot/{payload}"),
        }
    }
}

/// The page shown, and the actions that change it.
#[derive(Clone, Copy)]
pub struct Nav {
    view: RwSignal<View>,
}

impl Nav {
    pub(super) fn new() -> Self {
        Nav { view: RwSignal::new(View::Summary) }
    }

    /// The page shown.
    pub fn view(&self) -> ReadSignal<View> {
        self.view.read_only()
    }

    /// The flag whose detail is shown, if any.
    pub fn selected_flag(&self) -> Signal<Option<i64>> {
        let view = self.view;
        Signal::derive(move || match view.get() {
            View::Flag(id) => Some(id),
            _ => None,
        })
    }

    /// Shows a page and records it in the address fragment.
    pub fn go(&self, view: View) {
        set_location_hash(&view.to_hash());
        self.view.set(view);
    }

    /// As [`Nav::go`] for a page tab's click: the address now, the page built in a task of its
    /// own. Built inside the click, the browser's hover update at the mouse release would lay
    /// the new page out in the same task (a dashboard: one UI task of ~80 ms instead of two
    /// under 50).
    pub fn go_after_click(&self, view: View) {
        set_location_hash(&view.to_hash());
        let page = self.view;
        leptos::task::spawn_local(async move {
            crate::web::platform::browser::yield_to_browser().await;
            if page.get_untracked() != view {
                page.set(view);
            }
        });
    }

    /// Shows a page whose address carries a query after its fragment (`#quests?status=working`):
    /// a new history entry, so back/forward return to the previous query. `query` is already
    /// encoded; empty gives the plain address.
    pub fn go_with_query(&self, view: View, query: &str) {
        let hash = if query.is_empty() { view.to_hash() } else { format!("{}?{query}", view.to_hash()) };
        set_location_hash(&hash);
        if self.view.get_untracked() != view {
            self.view.set(view);
        }
    }

    /// Shows the page the address fragment names (at start, after back/forward or an edited
    /// fragment); nothing changes when it is the page shown.
    pub fn follow(&self, view: View) {
        if self.view.get_untracked() != view {
            self.view.set(view);
        }
    }
}
