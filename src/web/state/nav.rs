//! Navigation: which page is shown, mirrored in the address fragment.

use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;

use crate::web::platform::browser::{
    decode_uri_component, encode_uri_component, location_hash, set_location_hash, Intent,
};
use crate::web::platform::perf::{after_paint, mark, mark_detail};

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

/// What a page's route reads before the page is built ([`Nav::set_loader`]): `None` when the
/// page is shown at once, else what resolves once its first reads are in.
type Loader = Rc<dyn Fn(&View) -> Option<LocalBoxFuture<'static, ()>>>;

/// The longest the page shown stays after the address named another whose route is reading
/// (ms): past it the new page is shown with its placeholders. Under the 100 ms within which a
/// response reads as instant.
pub const ROUTE_WAIT_MS: u32 = 100;

/// A route's reads started before its page was asked for ([`Nav::preload`]): what resolves once
/// they are in.
pub type RouteReadAhead = futures::future::Shared<LocalBoxFuture<'static, ()>>;

/// A page and its route's reads started ahead ([`Nav::read_ahead`]).
type Preloaded = (View, RouteReadAhead);

/// The most pages whose route reads are kept started ahead ([`Nav::read_ahead`]; the oldest
/// goes first): the catalog's rows in view ([`READ_AHEAD_IN_VIEW`] of them) and a link or two
/// the pointer rests on. Each keeps its page's first answers (a few KB).
///
/// [`READ_AHEAD_IN_VIEW`]: crate::web::agents::READ_AHEAD_IN_VIEW
pub const READS_AHEAD_KEPT: usize = 16;

/// The page shown, and the actions that change it.
#[derive(Clone, Copy)]
pub struct Nav {
    view: RwSignal<View>,
    loader: StoredValue<Option<Loader>, LocalStorage>,
    /// The page whose route is reading, and the number of the latest page asked for (a later
    /// one drops an earlier that is still reading).
    pending: StoredValue<Option<View>>,
    asked: StoredValue<u64>,
    /// The pages whose routes started reading ahead ([`Nav::read_ahead`]), oldest first, at
    /// most [`READS_AHEAD_KEPT`]: each taken by the [`Nav::show`] of its page; and the
    /// pointer's rest that will start one ([`Nav::intent`]).
    preloaded: StoredValue<Vec<Preloaded>, LocalStorage>,
    resting: Intent,
    /// The address [`Nav::go`] will set after the next paint if nothing changes meanwhile,
    /// while it waits.
    addressing: StoredValue<Option<Addressing>>,
    /// The addresses flagdeck set whose `hashchange` has not come yet, oldest first, as the
    /// browser wrote them ([`Nav::follow`]).
    addressed: StoredValue<Vec<String>>,
    /// Whether [`Nav::set_address`] is setting the fragment now: a `popstate` then is for
    /// flagdeck's own address.
    setting: StoredValue<bool>,
    /// The fragments followed at their `popstate` whose `hashchange` has not come yet, oldest
    /// first, at most [`FOLLOWED_KEPT`] ([`Nav::at_popstate`]), and the fragment last seen (at
    /// a `popstate`, a `hashchange` or set by flagdeck): a `popstate` that leaves the fragment
    /// as it was has no `hashchange` and is not recorded.
    followed: StoredValue<Vec<String>>,
    seen: StoredValue<String>,
}

/// How many fragments followed at their `popstate` are kept to know their `hashchange` (a
/// bound: each is taken out by its own `hashchange`).
const FOLLOWED_KEPT: usize = 32;

/// The address [`Nav::go`] sets after the next paint unless another page was asked for or the
/// address changed (`hash`), and the address there when it was called (`before`).
struct Addressing {
    hash: String,
    before: String,
}

impl Nav {
    pub(super) fn new() -> Self {
        Nav {
            view: RwSignal::new(View::Summary),
            loader: StoredValue::new_local(None),
            pending: StoredValue::new(None),
            asked: StoredValue::new(0),
            preloaded: StoredValue::new_local(Vec::new()),
            resting: Intent::new(),
            addressing: StoredValue::new(None),
            addressed: StoredValue::new(Vec::new()),
            setting: StoredValue::new(false),
            followed: StoredValue::new(Vec::new()),
            seen: StoredValue::new(location_hash()),
        }
    }

    /// Sets the route loader, as a router's loaders are: called with a page about to be shown
    /// (another than the one shown) before it is built, it starts the reads the page begins
    /// with. When it returns a future, the page shown stays until that resolves, so the new
    /// page is built with its first reads in hand and painted whole in one frame (the agent
    /// page: `agents::load`); after [`ROUTE_WAIT_MS`] the future is dropped and the page shown
    /// (the loader keeps its reads running to their end itself).
    pub fn set_loader(&self, loader: impl Fn(&View) -> Option<LocalBoxFuture<'static, ()>> + 'static) {
        self.loader.set_value(Some(Rc::new(loader)));
    }

    /// Shows `view` when it is not the page shown, after its route's reads (see
    /// [`Nav::set_loader`]); a page asked for again while its route reads waits for the same.
    fn show(&self, view: View) {
        if self.pending.with_value(|p| p.as_ref() == Some(&view)) {
            return;
        }
        let asked = self.ask();
        self.pending.set_value(None);
        if self.view.get_untracked() == view {
            return;
        }
        // A read started ahead serves only the page it was started for, and only once.
        let ahead = self
            .preloaded
            .try_update_value(|p| p.iter().position(|(page, _)| *page == view).map(|i| p.remove(i).1))
            .flatten();
        self.stop_intent();
        let reading = match ahead {
            Some(read) => Some(read.boxed_local()),
            None => self.loader.get_value().and_then(|load| load(&view)),
        };
        let Some(reading) = reading else {
            self.view.set(view);
            return;
        };
        self.pending.set_value(Some(view.clone()));
        let nav = *self;
        leptos::task::spawn_local(async move {
            let waited = gloo_timers::future::TimeoutFuture::new(ROUTE_WAIT_MS);
            futures::future::select(reading, waited).await;
            if nav.asked.try_get_value() == Some(asked) {
                nav.pending.set_value(None);
                nav.view.set(view);
            }
        });
    }

    /// Counts a page asked for and returns its number: a page asked for earlier and still
    /// waiting (for its route's reads, or its task) is not shown, and the address a
    /// [`Nav::go`] waits to set after the paint is not set.
    fn ask(&self) -> u64 {
        let asked = self.asked.get_value() + 1;
        self.asked.set_value(asked);
        self.addressing.set_value(None);
        asked
    }

    /// Starts `view`'s route reading now, before the page is asked for (a link the person is
    /// about to follow: [`Nav::intent`], or pressed): see [`Nav::read_ahead`].
    pub fn preload(&self, view: View) {
        let _ = self.read_ahead(view);
    }

    /// Starts `view`'s route reading now, before the page is asked for (a link the person is
    /// about to follow, or in view: `agents::read_ahead_in_view`), and returns what resolves
    /// once its reads are in: the next [`Nav::show`] of `view` waits for that read instead of
    /// starting its own, so a click whose reads are in builds the page inside its own task and
    /// the page is painted in the frame after the click. (After a click, Chromium defers every
    /// task but input and rendering until the next frame (`DeferRendererTasksAfterInput`, on by
    /// default), so a worker's answer asked in the click arrives only after that frame and the
    /// page is painted a frame later.) A page already reading ahead gives its read; `None` when
    /// `view` is shown, a route is reading for a page asked for, or its route reads nothing.
    /// Keeps the reads of [`READS_AHEAD_KEPT`] pages (the route leaves each read for the page it
    /// is for; a page that finds none reads its own, see `agents::RoutePreload`). Marks
    /// `flagdeck:route-read-ahead` (its detail the page's address) once the read has ended
    /// (whatever it kept).
    pub fn read_ahead(&self, view: View) -> Option<RouteReadAhead> {
        let started =
            self.preloaded.with_value(|p| p.iter().find(|(v, _)| *v == view).map(|(_, r)| r.clone()));
        if started.is_some() {
            return started;
        }
        if self.view.get_untracked() == view || self.pending.with_value(|p| p.is_some()) {
            return None;
        }
        let read = self.loader.get_value().and_then(|load| load(&view))?.shared();
        // The mark `flagdeck:route-read-ahead` once the read is in, its detail the page's
        // address (a test hook).
        let hash = view.to_hash();
        leptos::task::spawn_local(
            read.clone().map(move |()| mark_detail("flagdeck:route-read-ahead", &hash)),
        );
        self.preloaded.update_value(|p| {
            if p.len() >= READS_AHEAD_KEPT {
                drop(p.remove(0));
            }
            p.push((view, read.clone()));
        });
        Some(read)
    }

    /// Drops the reads started ahead (another file is open, or the data changed: they read
    /// them as they were).
    pub fn drop_preload(&self) {
        self.stop_intent();
        self.preloaded.try_update_value(Vec::clear);
    }

    /// The pointer came to rest on a link to `view` (or the keyboard focused it): its route
    /// starts reading after [`INTENT_MS`](crate::web::platform::browser::INTENT_MS) unless the
    /// pointer leaves first ([`Nav::stop_intent`]).
    pub fn intent(&self, view: View) {
        let nav = *self;
        self.resting.rest(&view.to_hash(), move || nav.preload(view));
    }

    /// The pointer left the link: the read [`Nav::intent`] would start is not started (one
    /// already started goes on, kept for its page as any read ahead).
    pub fn stop_intent(&self) {
        self.resting.leave();
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

    /// Records a page in the address fragment and shows it: at once, or once its route's
    /// reads are in ([`Nav::set_loader`]). Going to the page shown drops a route still reading.
    ///
    /// The address changes after the next paint (the page's, when it is built in this task):
    /// setting it is a navigation of the document that costs the task ~1 ms, at times 4–8 ms
    /// (probe: 10 sets on the agent catalog), which would hold back the page a click builds in
    /// its own task. It is not set when another page was asked for meanwhile or the address
    /// changed.
    pub fn go(&self, view: View) {
        let (hash, before) = (view.to_hash(), location_hash());
        self.show(view);
        self.addressing.set_value(Some(Addressing { hash: hash.clone(), before: before.clone() }));
        let (nav, asked) = (*self, self.asked.get_value());
        after_paint(move || {
            // A test hook: the address is set, or left, by now.
            mark("flagdeck:address-settled");
            // Not when another page was asked for, or the address changed (its `hashchange`
            // may not have come yet).
            if nav.asked.try_get_value() == Some(asked) {
                nav.addressing.set_value(None);
                if location_hash() == before {
                    nav.set_address(&hash);
                }
            }
        });
    }

    /// The address fragment as it is, or as [`Nav::go`] is about to set it after the next
    /// paint (while the fragment is still the one it replaces): the page the person went to
    /// last.
    pub fn address(&self) -> String {
        let now = location_hash();
        self.addressing
            .with_value(|a| a.as_ref().filter(|a| a.before == now).map(|a| a.hash.clone()))
            .unwrap_or(now)
    }

    /// As [`Nav::go`] for a page tab's click: the address now, the page built in a task of its
    /// own. Built inside the click, the browser's hover update at the mouse release would lay
    /// the new page out in the same task (a dashboard: one UI task of ~80 ms instead of two
    /// under 50). Not built when another page is asked for before that task (an address
    /// changed in the same task is followed instead).
    pub fn go_after_click(&self, view: View) {
        // Its callback sees the count move even when this address is the one already there.
        let asked = self.ask();
        self.set_address(&view.to_hash());
        let nav = *self;
        leptos::task::spawn_local(async move {
            crate::web::platform::browser::yield_to_browser().await;
            if nav.asked.try_get_value() == Some(asked) {
                nav.show(view);
            }
        });
    }

    /// Shows a page whose address carries a query after its fragment (`#quests?status=working`):
    /// a new history entry, so back/forward return to the previous query. `query` is already
    /// encoded; empty gives the plain address.
    pub fn go_with_query(&self, view: View, query: &str) {
        let hash = if query.is_empty() { view.to_hash() } else { format!("{}?{query}", view.to_hash()) };
        self.set_address(&hash);
        self.show(view);
    }

    /// Sets the address fragment to `hash` and, when that changed it (a `hashchange` will
    /// come), records it as the browser wrote it, so that [`Nav::follow`] knows that event
    /// for its own.
    fn set_address(&self, hash: &str) {
        let before = location_hash();
        self.setting.set_value(true);
        set_location_hash(hash);
        self.setting.set_value(false);
        let after = location_hash();
        self.seen.set_value(after.clone());
        if after != before {
            self.addressed.update_value(|a| a.push(after));
        }
    }

    /// The address fragment to follow at a `popstate` event, or `None` when the event is for
    /// flagdeck's own address ([`Nav::set_address`]; its `hashchange` is known by then). A
    /// change of fragment fires `popstate` before `hashchange` (the HTML standard's fragment
    /// navigation): in Chromium inside the setter of `location.hash`, where `hashchange` comes
    /// in a task of its own 1–14 ms later (3 ms median; probe: 21 agent pages from their
    /// address at 100k flags), so a page followed there is read and drawn that much sooner. A
    /// fragment that changed is kept until its `hashchange` ([`Nav::at_hashchange`]); one that
    /// did not (Back between two entries of one fragment, a link to the fragment there) has
    /// none and is followed as any.
    pub fn at_popstate(&self) -> Option<String> {
        if self.setting.get_value() {
            return None;
        }
        let hash = location_hash();
        if self.seen.with_value(|seen| *seen != hash) {
            self.seen.set_value(hash.clone());
            self.followed.update_value(|f| {
                if f.len() >= FOLLOWED_KEPT {
                    f.remove(0);
                }
                f.push(hash.clone());
            });
        }
        Some(hash)
    }

    /// Whether a `hashchange` event for `arrived` (the fragment of its `newURL`) was followed
    /// already at its `popstate` ([`Nav::at_popstate`]): then it changes nothing.
    pub fn at_hashchange(&self, arrived: Option<&str>) -> bool {
        self.seen.set_value(location_hash());
        let Some(hash) = arrived else { return false };
        self.followed
            .try_update_value(|f| f.iter().position(|h| h == hash).map(|i| f.drain(..=i).count()))
            .flatten()
            .is_some()
    }

    /// Shows the page the address fragment names, as [`Nav::go`] does: at start (`arrived`
    /// `None`) and at each change of fragment (`arrived`: the fragment, `#…` or empty, at its
    /// `popstate` or else its `hashchange`). The page shown stays when it is the one named (a
    /// route still reading for another is dropped). Changes nothing when
    /// - the event is for an address flagdeck set itself (matched by the fragment; the events
    ///   come in the order the addresses were set): a page asked for since stays;
    /// - a [`Nav::go`] waits for the paint to set its address and the address is still the one
    ///   there when it was called: the event is for an address set before it (a link's `href`
    ///   followed just before a key), and the page asked for last stays. (An address that
    ///   changed and came back to that one in the meantime is taken for the same.)
    ///
    /// Any other address (typed, Back) is followed, and the one [`Nav::go`] waits to set is
    /// then not set.
    pub fn follow(&self, arrived: Option<&str>) {
        let own = arrived.is_some_and(|hash| {
            self.addressed
                .try_update_value(|a| a.iter().position(|h| h == hash).map(|i| a.drain(..=i).count()))
                .flatten()
                .is_some()
        });
        let hash = location_hash();
        let replaced = self.addressing.with_value(|a| a.as_ref().is_some_and(|a| a.before == hash));
        if !own && !replaced {
            self.show(View::from_hash(&hash));
        }
    }
}
