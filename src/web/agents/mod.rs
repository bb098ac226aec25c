//! The agent catalog, agent search, agent pages and the routing check.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture, Shared as SharedFuture};

use leptos::prelude::*;

use crate::web::files::loader::{CatalogData, Shared};
use crate::web::flags::change_title;
use crate::web::flags::paged::{
    rows_in_view_below, use_paged_flags, PagedFlags, PagedFooter, PagedRow, Paging, Unplaced, LIST_PAGE,
    ROWS_PER_FRAME,
};
use crate::web::flags::read::{agent_chains, count_flags};
use crate::web::platform::browser::{idle_period, target_data, warn, NearView};
use crate::web::platform::perf::{after_paint, mark, measure, measure_since, next_paint, perf_now};
use crate::web::platform::sqljs::BackgroundJob;
use crate::web::state::{
    use_latest, use_latest_from, AppState, CatalogState, ForData, Nav, PageTasks, View, READS_AHEAD_KEPT,
};
use crate::web::widgets::html::Html;
use crate::web::widgets::table_parts::TableParts;
use crate::web::widgets::time::{time_html, TimeText};
use crate::web::widgets::{group_digits, showing_of};
use flagdeck_core::agents::{
    agent_quests, known_targets, latest_health, latest_health_of, layer_agent_quests, lists, AgentQuest,
    AgentQuests, ChainSummary, Connection, Health, JsonList, AGENT_LIST_ORDER, AGENT_QUESTS_PAGE,
};
use flagdeck_core::catalog::{catalog_rows, search_of_type, suggest_target, CatalogAgent, CatalogOrder};
use flagdeck_core::flag_index::Request;
use flagdeck_core::flags::{FlagFilter, FlagPageQuery, FlagRow};
use flagdeck_core::quests::keys::Ensured;
use flagdeck_core::quests::members;
use flagdeck_core::schema::{CatalogShape, Generation};
use flagdeck_core::search::{Field, Hit, Query, Reason, DEFAULT_LIMIT};
use flagdeck_core::{timestamp, Value};
use leptos::task::spawn_local;

/// The handlers of a list of links to agent pages, spread onto the list (`<ol
/// {..agent_links()}>`), each link (any element: a row, a line, a button) marked
/// `data-agent-link` with the agent's name: a click opens the agent's page ([`Nav::go`]), and
/// its reads start before: when the pointer rests on a link or the keyboard focuses it
/// ([`Nav::intent`]), at once when it is pressed ([`Nav::preload`]); leaving the link first
/// starts nothing. One set of handlers per list, read from the events that bubble to it.
fn agent_links() -> impl leptos::attr::Attribute {
    let nav = expect_context::<Nav>();
    // The page of the link the event is on, if it is on one.
    let link = |e: &web_sys::Event| target_data(e, "agent-link").map(View::Agent);
    view! {
        <{..}
            on:pointerover=move |e| match link(&e) {
                Some(page) => nav.intent(page),
                None => nav.stop_intent(),
            }
            on:focusin=move |e| if let Some(page) = link(&e) { nav.intent(page) }
            on:pointerleave=move |_| nav.stop_intent()
            on:pointerdown=move |e| if let Some(page) = link(&e) { nav.preload(page) }
            on:click=move |e| if let Some(page) = link(&e) { nav.go(page) }
        />
    }
}

/// Shows the catalog once it is loaded.
fn with_catalog<V: IntoView + 'static>(
    state: AppState,
    ready: impl Fn(Rc<CatalogData>) -> V + Send + Sync + 'static,
) -> impl IntoView {
    move || match state.db().catalog().get() {
        CatalogState::Loading => view! { <p class="muted">"Reading the agent catalog…"</p> }.into_any(),
        CatalogState::Failed(e) => {
            view! { <p class="alert" role="alert">{format!("The agent catalog could not be read: {e}")}</p> }
                .into_any()
        }
        CatalogState::Ready(data) => ready(data).into_any(),
    }
}

/// Whether a catalog has the ClaudeSquad (v0) shape: description text instead of JSON role,
/// routing_keywords and capabilities instead of tags and tech_stack.
fn claudesquad(generation: Generation) -> bool {
    generation.catalog_shape() == Some(CatalogShape::ClaudeSquad)
}

/// Catalog rows laid out before "show all".
const CATALOG_ROWS: usize = 300;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Name,
    Pending,
}

/// Catalog list and search as you type.
#[component]
pub fn AgentsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    let type_filter = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Name);
    let limit = RwSignal::new(DEFAULT_LIMIT);
    let show_all = RwSignal::new(false);
    let has_flags =
        move || state.db().current().with(|o| o.as_ref().is_some_and(|o| o.report.generation.has_flags()));
    view! {
        <section class="page agents">
            <div class="page-head">
                <h1>"Agents"</h1>
                <p class="muted">
                    "Search scores agents exactly like " <code>"agent_db.py search-agents"</code>
                    ": tags, tech stack, role, scenarios and module words."
                </p>
            </div>
            <div class="controls">
                <input
                    type="search"
                    class="search"
                    placeholder="Describe the work, e.g. JWT authentication implementation"
                    aria-label="Search agents"
                    data-testid="agent-search"
                    prop:value=move || query.get()
                    on:input=move |e| {
                        mark("flagdeck:search-start");
                        query.set(event_target_value(&e));
                        // Measured after the frame that shows the results has been painted.
                        after_paint(|| measure("flagdeck:search", "flagdeck:search-start"));
                    }
                />
                <label>
                    "Type "
                    <select
                        data-testid="type-filter"
                        on:change=move |e| type_filter.set(event_target_value(&e))
                        prop:value=move || type_filter.get()
                    >
                        <option value="">"all"</option>
                        {with_catalog(state, move |data| {
                            let mut types: Vec<String> = data.agents.iter().map(|a| a.agent_type.clone()).collect();
                            flagdeck_core::order::sort_by(&mut types, |a, b| a.cmp(b));
                            types.dedup();
                            types.into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()
                        })}
                    </select>
                </label>
                <label>
                    "Sort "
                    <select on:change=move |e| {
                        sort.set(if event_target_value(&e) == "pending" { SortBy::Pending } else { SortBy::Name })
                    }>
                        <option value="name">"by name"</option>
                        {move || has_flags().then(|| view! { <option value="pending">"by pending flags"</option> })}
                    </select>
                </label>
                <label>
                    "Show "
                    <select on:change=move |e| limit.set(event_target_value(&e).parse().unwrap_or(DEFAULT_LIMIT))>
                        <option value="5">"top 5 (like the tool)"</option>
                        <option value="10">"top 10"</option>
                        <option value="50">"top 50"</option>
                    </select>
                </label>
            </div>
            {with_catalog(state, move |data| match Query::new(&query.get()) {
                Some(q) => {
                    view! { <SearchResults data=data query=q type_filter=type_filter.get() limit=limit.get() /> }
                        .into_any()
                }
                None => view! {
                    <CatalogTable
                        data=data
                        type_filter=type_filter.get()
                        sort=sort.get()
                        show_all=show_all.get()
                        show_all_signal=show_all
                    />
                }
                .into_any(),
            })}
        </section>
    }
}

/// Ranked search results, each with "why this score".
#[component]
fn SearchResults(data: Rc<CatalogData>, query: Query, type_filter: String, limit: usize) -> impl IntoView {
    let hits: Vec<Hit> = search_of_type(&data.index, &data.agents, &query, &type_filter, limit);
    if hits.is_empty() {
        return view! { <p class="muted">"No agent scores above zero for this query."</p> }.into_any();
    }
    view! {
        <ol class="results" {..agent_links()}>
            {hits
                .into_iter()
                .map(|hit| {
                    let agent = data.agents[hit.index].clone();
                    let score = hit.score;
                    let expanded = RwSignal::new(false);
                    let name = agent.name.clone();
                    view! {
                        <li class="result" data-testid="agent-result" data-agent=name.clone() data-score=score>
                            // The whole line opens the agent; the name is the keyboard target.
                            <div class="result-line clickable" data-agent-link=name.clone()>
                                <span class="rank">{hit.rank}</span>
                                <button class="link agent-name">
                                    {name.clone()}
                                </button>
                                <span class="type">{agent.agent_type.clone()}</span>
                                <span class="score" title="search-agents score">{score}</span>
                            </div>
                            // The explanation is built only when opened: typing stays within a frame.
                            <details
                                class="why"
                                on:toggle=move |e| {
                                    let open = event_target::<web_sys::HtmlDetailsElement>(&e).open();
                                    expanded.set(open);
                                }
                            >
                                <summary>"why this score"</summary>
                                {move || expanded.get().then(|| view! { <WhyScore agent=agent.clone() hit=hit.clone() /> })}
                            </details>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

/// Every reason with its points, and the agent's fields with the matched words marked.
#[component]
fn WhyScore(agent: CatalogAgent, hit: Hit) -> impl IntoView {
    let words_of = |field: Field| -> HashSet<String> {
        hit.reasons
            .iter()
            .filter_map(|r| match r {
                Reason::Word { field: f, word } if *f == field => Some(word.clone()),
                _ => None,
            })
            .collect()
    };
    let exact: HashSet<String> = hit
        .reasons
        .iter()
        .filter_map(|r| match r {
            Reason::ExactTag(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let v0 = claudesquad(agent.generation);
    let module = format!(
        "{} {}",
        agent.module.clone().unwrap_or_default(),
        agent.sub_module.clone().unwrap_or_default()
    );
    let reasons = hit.reasons.clone();
    view! {
        <ul class="reasons">
            {reasons
                .into_iter()
                .map(|r| view! { <li><span class="points">{format!("+{}", r.points())}</span> {r.to_string()}</li> })
                .collect_view()}
        </ul>
        <dl class="fields">
            <FieldChips label=if v0 { "routing_keywords (tags)" } else { "tags" } raw=agent.tags.clone() marked=words_of(Field::Tags) whole=exact />
            <FieldChips label=if v0 { "capabilities (tech_stack)" } else { "tech_stack" } raw=agent.tech_stack.clone() marked=words_of(Field::TechStack) />
            {if v0 {
                view! { <dt>"description (role)"</dt> <dd>{highlight(agent.role.as_deref().unwrap_or(""), &words_of(Field::Role))}</dd> }.into_any()
            } else {
                view! { <FieldChips label="role" raw=agent.role.clone() marked=words_of(Field::Role) /> }.into_any()
            }}
            {(!v0).then(|| view! { <FieldChips label="scenarios" raw=agent.scenarios.clone() marked=words_of(Field::Scenarios) /> })}
            <dt>"module"</dt>
            <dd>{highlight(module.trim(), &words_of(Field::Module))}</dd>
        </dl>
    }
}

/// Text with the words of `marked` (compared lower-cased) wrapped in `<mark>`; the text between
/// them as one text node each (a chip without a marked word is one text node).
fn highlight(text: &str, marked: &HashSet<String>) -> impl IntoView {
    let mut parts = Vec::new();
    if marked.is_empty() {
        parts.push(text.to_owned().into_any());
        return parts;
    }
    // The text since the last marked word.
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let space_end = rest.find(|c: char| !c.is_whitespace()).unwrap_or(rest.len());
        let (space, after) = rest.split_at(space_end);
        let word_end = after.find(char::is_whitespace).unwrap_or(after.len());
        let (word, tail) = after.split_at(word_end);
        plain.push_str(space);
        if !word.is_empty() && marked.contains(&word.to_lowercase()) {
            if !plain.is_empty() {
                parts.push(std::mem::take(&mut plain).into_any());
            }
            parts.push(view! { <mark>{word.to_owned()}</mark> }.into_any());
        } else {
            plain.push_str(word);
        }
        rest = tail;
    }
    if !plain.is_empty() {
        parts.push(plain.into_any());
    }
    parts
}

/// A JSON list column as chips, or its raw text with a warning when it is not a JSON list.
#[component]
fn FieldChips(
    label: &'static str,
    raw: Option<String>,
    #[prop(optional)] marked: HashSet<String>,
    #[prop(optional)] whole: HashSet<String>,
) -> impl IntoView {
    let list = JsonList::parse(raw.as_deref());
    let body = match &list {
        JsonList::Missing => view! { <span class="muted">"—"</span> }.into_any(),
        JsonList::Items(items) => view! {
            <span class="chips">
                {items
                    .iter()
                    .map(|item| {
                        let exact = whole.contains(item);
                        view! { <span class="chip" class:exact=exact>{highlight(item, &marked)}</span> }
                    })
                    .collect_view()}
            </span>
        }
        .into_any(),
        JsonList::Invalid { raw, .. } | JsonList::NotAList { raw } => view! {
            <span class="json-warning" data-testid="json-warning" role="note">
                "⚠ " {list.warning().unwrap_or_default()}
            </span>
            <code class="raw">{raw.clone()}</code>
        }
        .into_any(),
    };
    view! {
        <dt>{label}</dt>
        <dd>{body}</dd>
    }
}

/// True when any JSON list column of the agent is not a valid list.
fn has_json_problem(agent: &CatalogAgent) -> bool {
    let mut fields = vec![&agent.tags, &agent.tech_stack];
    if agent.generation.catalog_shape() == Some(CatalogShape::Acolytes) {
        fields.extend([&agent.role, &agent.scenarios, &agent.connections]);
    }
    fields.into_iter().any(|f| JsonList::parse(f.as_deref()).warning().is_some())
}

/// The whole catalog (no query), filtered and sorted.
#[component]
fn CatalogTable(
    data: Rc<CatalogData>,
    type_filter: String,
    sort: SortBy,
    show_all: bool,
    show_all_signal: RwSignal<bool>,
) -> impl IntoView {
    let order = match sort {
        SortBy::Name => CatalogOrder::Name,
        SortBy::Pending => CatalogOrder::Pending,
    };
    let agents = catalog_rows(&data.agents, &type_filter, order, |name| data.pending_for(name));
    let v0 = claudesquad(data.generation);
    let flags = data.generation.has_flags();
    // A catalog of thousands would cost seconds to lay out; the first rows and a count suffice
    // (search reaches every agent).
    let total = agents.len();
    let shown = if show_all { total } else { total.min(CATALOG_ROWS) };
    let tbody = NodeRef::<leptos::html::Tbody>::new();
    read_ahead_in_view(tbody);
    let rows = agents
        .into_iter()
        .take(shown)
        .map(|agent| {
            let name = agent.name.clone();
            let summary = if v0 { agent.role.clone().unwrap_or_default() } else { first_item(&agent.role) };
            let problem = has_json_problem(agent);
            view! {
                <tr data-testid="catalog-row" data-agent=name.clone() class="clickable" data-agent-link=name.clone()>
                    <td>
                        <button class="link agent-name">
                            {name.clone()}
                        </button>
                        {problem.then(|| view! {
                            <span class="json-warning" data-testid="json-warning" title="a JSON field of this agent is not a valid list">
                                "⚠ invalid JSON"
                            </span>
                        })}
                    </td>
                    <td>{agent.agent_type.clone()}</td>
                    <td>{[agent.module.clone(), agent.sub_module.clone()].into_iter().flatten().collect::<Vec<_>>().join(" / ")}</td>
                    {flags.then(|| view! { <td class="num">{data.pending_for(&agent.name)}</td> })}
                    <td class="summary-cell">{summary}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="catalog">
            <thead>
                <tr>
                    <th>"Agent"</th>
                    <th>"Type"</th>
                    <th>"Module"</th>
                    {flags.then(|| view! { <th class="num">"Pending"</th> })}
                    <th>{if v0 { "Description" } else { "Role" }}</th>
                </tr>
            </thead>
            <tbody node_ref={tbody} {..agent_links()}>{rows}</tbody>
        </table>
        {(shown < total).then(|| view! {
            <p class="muted" data-testid="catalog-truncated">
                {format!("Showing {shown} of {total} agents. Search or filter by type to find the others, or ")}
                <button class="link" on:click=move |_| show_all_signal.set(true)>{format!("show all {total}")}</button>
                "."
            </p>
        })}
        {(!data.dynamic.is_empty()).then(|| view! {
            <h2>"Project agents (agents_dynamic)"</h2>
            <p class="muted">"Stored without the @ that flags use to address them."</p>
            <ul class="dynamic" {..agent_links()}>
                {data.dynamic.iter().map(|d| {
                    let flag_name = d.flag_name();
                    view! {
                        <li data-testid="dynamic-agent" data-agent=flag_name.clone()>
                            <button class="link" data-agent-link=flag_name.clone()>{d.name.clone()}</button>
                            <span class="muted">{format!(" module {} · {} pending", d.module.clone().unwrap_or_default(), data.pending_for(&flag_name))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
    }
}

/// The most agent pages whose reads the catalog starts for its rows in view
/// ([`read_ahead_in_view`]): about the rows a 1080-pixel-high window shows.
pub const READ_AHEAD_IN_VIEW: usize = 12;

/// Starts the route reads of the agent pages whose links are in view in `list`, top first, at
/// most [`READ_AHEAD_IN_VIEW`], as a router prefetches the links in view ([`Nav::read_ahead`]):
/// one after another, each in an idle period of the browser's after the list is painted, while
/// the list is on the page; none for a file with quests whose quest layer is not kept (each
/// page's quests would be a pass over every quest), and none while the flag layer is being
/// built (the route then reads nothing ahead). A click on one of them then builds its page
/// inside its own task, painted in the frame after the click even when pressed as the pointer
/// arrives (reads started at the press would be answered only after that frame). Rows scrolled
/// into view later start theirs when the pointer rests on them ([`Nav::intent`]). Marks
/// `flagdeck:catalog-read-ahead` once the last read is in (a test hook).
fn read_ahead_in_view(list: NodeRef<leptos::html::Tbody>) {
    let (nav, state, quest_layer) =
        (expect_context::<Nav>(), expect_context::<AppState>(), expect_context::<QuestLayerBuild>());
    // Stops with the list: each read runs to its end in a task of its own (`run_to_end`).
    PageTasks::new().spawn(async move {
        next_paint().await;
        let Some(list) = list.get_untracked() else { return };
        // Without its quest layer, each page's quests would be a pass over every quest.
        let open = state.db().current().get_untracked();
        if open.is_some_and(|o| o.report.generation.has_quests() && !quest_layer.kept_for(&o)) {
            return;
        }
        for name in links_in_view(&list).into_iter().take(READ_AHEAD_IN_VIEW) {
            // Each in an idle period of its own: a person's input and the frames come first.
            idle_period().await;
            if let Some(read) = nav.read_ahead(View::Agent(name)) {
                read.await;
            }
        }
        mark("flagdeck:catalog-read-ahead");
    });
}

/// The agent names of the links (`data-agent-link`) in `list` that are in the window, top
/// first (the links lie in the list top to bottom: those below the window are not looked at).
fn links_in_view(list: &web_sys::Element) -> Vec<String> {
    let Ok(links) = list.query_selector_all("[data-agent-link]") else { return Vec::new() };
    let bottom = crate::web::platform::browser::viewport_height();
    (0..links.length())
        .filter_map(|i| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(links.item(i)?).ok())
        .map(|link| (link.get_bounding_client_rect(), link))
        .skip_while(|(rect, _)| rect.bottom() <= 0.0)
        .take_while(|(rect, _)| rect.top() < bottom)
        .filter_map(|(_, link)| link.get_attribute("data-agent-link"))
        .collect()
}

fn first_item(raw: &Option<String>) -> String {
    match JsonList::parse(raw.as_deref()) {
        JsonList::Items(items) => items.into_iter().next().unwrap_or_default(),
        JsonList::Missing => String::new(),
        JsonList::Invalid { raw, .. } | JsonList::NotAList { raw } => raw,
    }
}

/// The agent's pending flags split by lock: workable (unlocked) and locked.
#[derive(Clone)]
pub struct LockCounts {
    workable: Option<i64>,
    locked: Option<i64>,
}

/// What the agent page loads from the database besides its flag lists: the lock counts of its
/// pending flags when the file has flags (v0, v1, hybrid), quests when it has them (v2,
/// hybrid), the latest health check in every generation.
#[derive(Clone)]
pub struct AgentDetail {
    flags: Option<LockCounts>,
    quests: Option<AgentQuests>,
    health: Option<Health>,
}

/// The agent page's two lists: the pending flags to the agent and from it.
fn list_filters(name: &str) -> [FlagFilter; 2] {
    [lists::pending_to(name), lists::pending_from(name)]
}

/// The agent page's first questions to the derived layer, in the order the page asks them:
/// its two lock counts, then each list's count and first page.
fn first_questions(name: &str) -> Vec<Request> {
    let mut questions: Vec<Request> =
        lists::pending_to_by_lock(name).into_iter().map(Request::Count).collect();
    for filter in list_filters(name) {
        let first = FlagPageQuery::first(filter.clone(), AGENT_LIST_ORDER, LIST_PAGE);
        questions.extend([Request::Count(filter), Request::Page(first)]);
    }
    questions
}

/// The routing page's first questions to the derived layer, for the names a target may carry
/// (`known`, [`read_known`]): the unrouted list's count and first page.
fn routing_questions(known: Vec<Value>) -> Vec<Request> {
    let filter = lists::unrouted(known);
    let first = FlagPageQuery::first(filter.clone(), AGENT_LIST_ORDER, LIST_PAGE);
    vec![Request::Count(filter), Request::Page(first)]
}

/// A read running to its end in a task of its own ([`run_to_end`]), shared with whoever awaits
/// it: a route's read for its page (which may arrive before it ends), a page read ahead.
type RouteRead<T> = SharedFuture<LocalBoxFuture<'static, T>>;

/// Runs `read` to its end in a task of its own, whether or not anyone awaits it.
fn run_to_end<T: Clone + 'static>(read: LocalBoxFuture<'static, T>) -> RouteRead<T> {
    let read = read.shared();
    spawn_local(read.clone().map(drop));
    read
}

/// A page's read started by its route: the page it is for (the agent's name; empty for the
/// routing page), the data it reads ([`OpenDb::data_key`](crate::web::state::OpenDb::data_key))
/// and the read.
struct Preload<T: Clone + 'static> {
    page: String,
    key: (u64, u64),
    read: RouteRead<T>,
}

/// Where routes leave the reads they started for their pages (a context), the last
/// [`READS_AHEAD_KEPT`] of them: a page takes the one for it when the data is the same, else
/// reads its own.
pub struct RoutePreload<T: Clone + 'static>(StoredValue<Vec<Preload<T>>, LocalStorage>);

impl<T: Clone + 'static> Clone for RoutePreload<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Clone + 'static> Copy for RoutePreload<T> {}

impl<T: Clone + 'static> Default for RoutePreload<T> {
    fn default() -> Self {
        RoutePreload(StoredValue::new_local(Vec::new()))
    }
}

impl<T: Clone + 'static> RoutePreload<T> {
    /// Leaves `read` for `page`, read from the data `key` names: it replaces a read left for
    /// the same page, and the reads left from other data go (the oldest too, past
    /// [`READS_AHEAD_KEPT`]).
    fn put(&self, page: &str, key: (u64, u64), read: RouteRead<T>) {
        self.0.update_value(|left| {
            left.retain(|p| p.page != page && p.key == key);
            if left.len() >= READS_AHEAD_KEPT {
                left.remove(0);
            }
            left.push(Preload { page: page.to_owned(), key, read });
        });
    }

    /// The read left for `page` from the data `key` names, taken out by the page as it is
    /// built (used once; the reads left for other pages stay): its answer when the read has
    /// ended (as it has when the route waited for it: the page is built with it), and what the
    /// page's load then asks ([`RouteTaken::next`]).
    fn take_ended(&self, page: &str, key: (u64, u64)) -> (Option<T>, RouteTaken<T>) {
        let read = self
            .0
            .try_update_value(|left| {
                let i = left.iter().position(|p| p.page == page && p.key == key)?;
                Some(left.remove(i).read)
            })
            .flatten();
        let ended = read.as_ref().and_then(|r| r.peek().cloned());
        let taken = RouteTaken {
            built_with: StoredValue::new(ended.as_ref().map(|_| key)),
            pending: StoredValue::new_local(read.filter(|_| ended.is_none())),
        };
        (ended, taken)
    }

    /// Drops the reads left (another file is open: they hold the one before).
    pub fn clear(&self) {
        self.0.try_update_value(Vec::clear);
    }
}

/// A route's read as its page took it ([`RoutePreload::take_ended`]).
struct RouteTaken<T: Clone + 'static> {
    /// The data the page was built from (the read's answer), until its load first runs.
    built_with: StoredValue<Option<(u64, u64)>>,
    /// The read, still running, not yet awaited by the page's load.
    pending: StoredValue<Option<RouteRead<T>>, LocalStorage>,
}

impl<T: Clone + 'static> Clone for RouteTaken<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Clone + 'static> Copy for RouteTaken<T> {}

impl<T: Clone + 'static> RouteTaken<T> {
    /// What the page's load does at a run for the data `key` names: `None` at the first when
    /// the page was built with the answer for that data (nothing to read; a change between
    /// the build and this run is read); else the route's read to await, at the first run only
    /// (`Some(None)`: read for itself).
    fn next(&self, key: (u64, u64)) -> Option<Option<RouteRead<T>>> {
        if self.built_with.try_update_value(Option::take).flatten() == Some(key) {
            return None;
        }
        Some(self.pending.try_update_value(Option::take).flatten())
    }
}

/// Runs a route's `read` to its end in a task of its own and leaves it for `page` in `preload`;
/// what the route waits for. The route stops waiting after `ROUTE_WAIT_MS` and the page may
/// never come for it, but a read stopped half-way could leave the change log's turn held or a
/// take of the log not applied: it always runs to its end.
fn run_for_page<T: Clone + 'static>(
    preload: RoutePreload<T>,
    page: &str,
    key: (u64, u64),
    read: LocalBoxFuture<'static, T>,
) -> LocalBoxFuture<'static, ()> {
    let read = run_to_end(read);
    preload.put(page, key, read.clone());
    read.map(drop).boxed_local()
}

/// The agent page's detail as its route reads it ([`load`]).
pub type AgentPreload = RoutePreload<Result<AgentDetail, String>>;

/// The routing page's known targets (with the file they were read from) as its route reads
/// them ([`load_routing`]).
pub type RoutingPreload = RoutePreload<KnownRead>;

/// The routing page's read of the names a target may carry, with the file they were read from
/// (`None` for a file without flags, when the page reads them itself).
pub type KnownRead = Result<Option<(Shared, Vec<Value>)>, String>;

/// Whether a route can ask the derived layer ahead for `open`: a file with flags whose layer
/// is answering (not being built, not turned off).
fn answering(open: &Shared) -> bool {
    open.report.generation.has_flags() && open.layer.as_ref().is_some_and(|l| l.answering())
}

/// The agent page's route loader (see `Nav::set_loader`): asks the derived layer the page's
/// first questions as one batch ([`FlagLayer::prefetch`]) and reads the page's detail (lock
/// counts from those answers, health, quests) for it ([`AgentPreload`]); resolves once both
/// are in. A file with quests and no flags (2.x) has only the detail to read, once its quests'
/// layer is kept (`layer`; through it ~10 ms at 100k quests, without it a pass over every
/// quest). `None` (the page is shown at once and reads for itself) when there is no file, or
/// its layer is not answering now (none, or one still being built).
///
/// [`FlagLayer::prefetch`]: crate::web::flags::layer::FlagLayer::prefetch
pub fn load(
    state: AppState,
    preload: AgentPreload,
    layer: QuestLayerBuild,
    health: HeldHealth,
    name: &str,
) -> Option<LocalBoxFuture<'static, ()>> {
    let quests_only = |o: &Shared| {
        !o.report.generation.has_flags() && o.report.generation.has_quests() && layer.kept_for(o)
    };
    let open = state.db().current().get_untracked().filter(|o| answering(o) || quests_only(o))?;
    let (questions, owned) = (first_questions(name), name.to_owned());
    let held = health.of(state.db().data_key(), name);
    let asked = {
        let open = open.clone();
        async move {
            if let Some(layer) = &open.layer {
                layer.prefetch(&open.db, questions).await;
            }
        }
        .boxed_local()
        .shared()
    };
    let detail =
        async move { load_detail(&open, &owned, asked, held, AGENT_QUESTS_PAGE).await }.boxed_local();
    Some(run_for_page(preload, name, state.db().data_key(), detail))
}

/// The routing page's route loader (see `Nav::set_loader`): takes the names a target may carry
/// ([`read_known`]: held with the catalog once it is read, so the engine is not asked), then
/// asks the derived layer the unrouted list's count and first page as one batch, and leaves the
/// names for the page ([`RoutingPreload`]); resolves once both are in. `None` (the page reads
/// for itself) when the layer is not answering now.
pub fn load_routing(state: AppState, preload: RoutingPreload) -> Option<LocalBoxFuture<'static, ()>> {
    let open = state.db().current().get_untracked().filter(answering)?;
    let read = async move {
        let known = read_known(state, Some(open)).await.unwrap_or(Ok(None));
        if let Ok(Some((open, names))) = &known {
            if let Some(layer) = &open.layer {
                layer.prefetch(&open.db, routing_questions(names.clone())).await;
            }
        }
        known
    }
    .boxed_local();
    Some(run_for_page(preload, "", state.db().data_key(), read))
}

/// The page's detail; its lock counts are asked once `asked` resolves (the route's batch, whose
/// answers they then take); its first `quests` quests; its health `held` when it was read for
/// the data as it is ([`HeldHealth`]), else read here.
async fn load_detail(
    open: &Shared,
    name: &str,
    asked: impl Future<Output = ()>,
    held: Option<Option<Health>>,
    quests: usize,
) -> Result<AgentDetail, String> {
    let (db, generation) = (&open.db, open.report.generation);
    // Asked together: each read is a question to the layer's worker or the engine, which
    // answer in the order asked (the agent's lists wait for these counts).
    let flags = async {
        if !generation.has_flags() {
            return Ok::<_, String>(None);
        }
        asked.await;
        let [workable, locked] = lists::pending_to_by_lock(name);
        let (workable, locked) = futures::join!(count_flags(open, &workable), count_flags(open, &locked));
        Ok(Some(LockCounts { workable: workable?, locked: locked? }))
    };
    let quests = async {
        if !generation.has_quests() {
            return Ok::<_, String>(None);
        }
        let page = agent_quests(db, generation, name, 0, quests).await.map_err(|e| e.to_string())?;
        warn_layer_error(&page);
        Ok(Some(page))
    };
    let health = async {
        match held {
            Some(health) => Ok(health),
            None => latest_health(db, &open.facts, generation, name).await.map_err(|e| e.to_string()),
        }
    };
    let (flags, quests, health) = futures::join!(flags, quests, health);
    Ok(AgentDetail { flags: flags?, quests: quests?, health: health? })
}

/// The open file when it has flags; tracked, with every change to its data, so the lists
/// that read it read again after an edit or a follow-mode swap.
fn with_flags(state: AppState) -> Option<Shared> {
    state.db().data_version().track();
    state.db().current().get().filter(|o| o.report.generation.has_flags())
}

/// One agent: its catalog fields, its pending flags (a page at a time), chains and health.
#[component]
pub fn AgentPage(name: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let preload = expect_context::<AgentPreload>();
    let held_health = expect_context::<HeldHealth>();
    // The route's read, when it read this agent from the same data.
    let (ended, route_read) = preload.take_ended(&name, state.db().data_key());
    // How many of its quests were shown: a change to the data reads as many again.
    let quests_shown = StoredValue::new(AGENT_QUESTS_PAGE);
    // Whether its quests are yet to be drawn: the first time in parts, after a change whole.
    let quests_first = StoredValue::new(true);
    let detail = {
        let name = name.clone();
        use_latest_from(ended.map(Some), move |_| {
            // Read again with every change, as the lists are (`with_flags`).
            state.db().data_version().track();
            let (open, name) = (state.db().current().get(), name.clone());
            let read = route_read.next(state.db().data_key())?;
            let held = held_health.of(state.db().data_key(), &name);
            Some(async move {
                match (read, open) {
                    (Some(read), _) => Some(read.await),
                    (None, Some(open)) => {
                        Some(load_detail(&open, &name, async {}, held, quests_shown.get_value()).await)
                    }
                    (None, None) => None,
                }
            })
        })
    };
    // The flags to it stand under the agent's details, those from it under them.
    let lists =
        [(0, "flagdeck:agent-to", Unplaced::BelowFold), (1, "flagdeck:agent-from", Unplaced::BelowList)];
    let [to, from] = lists.map(|(i, measure, unplaced)| {
        let name = name.clone();
        use_paged_flags(
            move || with_flags(state).map(|o| (o, list_filters(&name)[i].clone(), AGENT_LIST_ORDER)),
            measure,
            unplaced,
        )
    });
    // Chains come from the layer, or where it cannot answer from a scan of the table: read
    // once both lists are shown (the engine answers in order, so a scan asked earlier would hold
    // their rows up) and the chains' place, below both lists, comes within a window's height of
    // the window (`chains_near`). At a million flags an agent's chains cost the layer's worker
    // ~60 ms, which the next page's questions would wait behind (it answers in order): read
    // only for a person who scrolls down to them.
    let lists_read = Memo::new(move |_| to.settled.get() > 0 && from.settled.get() > 0);
    let chains_near = RwSignal::new(false);
    let chains = {
        let name = name.clone();
        use_latest(move |_| {
            if !lists_read.get() || !chains_near.get() {
                return None;
            }
            let (open, name) = (with_flags(state), name.clone());
            Some(async move {
                // Once the lists' first rows are painted: the chains are below them, and their
                // read would run beside that frame.
                next_paint().await;
                match open {
                    Some(open) => Some(agent_chains(&open, &name).await),
                    None => None,
                }
            })
        })
    };
    let header_name = name.clone();
    let fields_name = name.clone();
    let quests_name = name.clone();
    view! {
        <section class="page agent" data-testid="agent-page" data-agent=name.clone()>
            <button class="link back" on:click=move |_| state.go(View::Agents)>"← all agents"</button>
            <h1>{header_name}</h1>
            {with_catalog(state, move |data| view! { <AgentFields data=data name=fields_name.clone() /> })}
            {move || match detail.get().flatten() {
                None => view! { <p class="muted">"Reading this agent's work…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert" role="alert">{format!("Could not read this agent's work: {e}")}</p> }.into_any(),
                Some(Ok(d)) => view! {
                    {d.flags.clone().map(|counts| view! { <AgentFlagCounts counts=counts to=to from=from /> })}
                    {d.health.map(|h| view! { <AgentHealth health=h /> })}
                    {d.quests.map(|q| {
                        let in_parts = quests_first.get_value();
                        quests_first.set_value(false);
                        view! { <AgentQuestList quests=q name=quests_name.clone() shown_count=quests_shown in_parts=in_parts /> }
                    })}
                    {d.flags.map(|_| view! { <AgentFlags to=to from=from chains=chains chains_near=chains_near /> })}
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn AgentFields(data: Rc<CatalogData>, name: String) -> impl IntoView {
    let Some(agent) = data.agent(&name).cloned() else {
        let dynamic = data.dynamic.iter().find(|d| d.flag_name() == name).cloned();
        return match dynamic {
            Some(d) => view! {
                <p class="muted">
                    {format!("Project agent from agents_dynamic (stored as \"{}\", module {}).", d.name, d.module.unwrap_or_default())}
                </p>
            }
            .into_any(),
            None => view! { <p class="warning">"This agent is not in the catalog: flags addressed to it are routing errors."</p> }.into_any(),
        };
    };
    let v0 = claudesquad(agent.generation);
    // How search treats this agent when a field is broken (as agent_db.py does).
    let search_warning = data.index.agents.iter().find(|a| a.name == name).and_then(|a| a.warning.clone());
    let connections = match JsonList::parse(agent.connections.as_deref()) {
        JsonList::Items(items) => {
            let links = items
                .iter()
                .map(|entry| {
                    let c = Connection::parse(entry);
                    let known = data.agent(&c.agent).is_some();
                    let detail = [
                        c.required.map(|r| if r { "required".to_owned() } else { "optional".to_owned() }),
                        c.sequence.map(|s| format!("step {s}")),
                        c.note.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                    view! {
                        <li>
                            {if known {
                                view! { <button class="link" data-agent-link=c.agent.clone()>{c.agent.clone()}</button> }.into_any()
                            } else {
                                view! { <span title="not in the catalog">{c.agent.clone()}</span> }.into_any()
                            }}
                            <span class="muted">{if detail.is_empty() { String::new() } else { format!(" ({detail})") }}</span>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="connections" {..agent_links()}>{links}</ul> }.into_any()
        }
        _ => view! { <FieldChips label="connections" raw=agent.connections.clone() /> }.into_any(),
    };
    view! {
        <p class="muted">
            {format!(
                "{} agent{}",
                agent.agent_type,
                [agent.module.clone(), agent.sub_module.clone()]
                    .into_iter()
                    .flatten()
                    .map(|m| format!(" · module {m}"))
                    .collect::<String>()
            )}
            {agent.status.clone().map(|s| format!(" · status {s}"))}
        </p>
        {search_warning.map(|w| view! { <p class="json-warning search-warning">"⚠ Search: " {w.to_string()}</p> })}
        <dl class="fields">
            {if v0 {
                view! {
                    <dt>"description"</dt>
                    <dd>{agent.role.clone().unwrap_or_default()}</dd>
                    <FieldChips label="capabilities" raw=agent.tech_stack.clone() />
                    <FieldChips label="routing_keywords" raw=agent.tags.clone() />
                }
                .into_any()
            } else {
                view! {
                    <FieldChips label="role" raw=agent.role.clone() />
                    <FieldChips label="tech_stack" raw=agent.tech_stack.clone() />
                    <FieldChips label="scenarios" raw=agent.scenarios.clone() />
                    <FieldChips label="tags" raw=agent.tags.clone() />
                    <dt>"connections"</dt>
                    <dd>{connections}</dd>
                }
                .into_any()
            }}
        </dl>
    }
    .into_any()
}

#[component]
fn AgentFlagCounts(counts: LockCounts, to: PagedFlags, from: PagedFlags) -> impl IntoView {
    let shown = |n: Option<i64>| n.map(group_digits).unwrap_or_else(|| "…".into());
    view! {
        <div class="counts">
            <div class="count"><div class="count-value" data-testid="agent-pending">{move || shown(to.total.get())}</div><div class="count-label">"pending to it"</div></div>
            <div class="count" title="pending and unlocked"><div class="count-value" data-testid="agent-workable">{shown(counts.workable)}</div><div class="count-label">"workable"</div></div>
            <div class="count" title="pending and locked (waiting for an answer)"><div class="count-value" data-testid="agent-locked">{shown(counts.locked)}</div><div class="count-label">"locked"</div></div>
            <div class="count"><div class="count-value" data-testid="agent-raised">{move || shown(from.total.get())}</div><div class="count-label">"pending from it"</div></div>
        </div>
    }
}

#[component]
fn AgentHealth(health: Health) -> impl IntoView {
    let h = health;
    view! {
        <h2>"Latest health check"</h2>
        <p data-testid="agent-health">
            <span class=format!("health {}", h.status)>{h.status.clone()}</span>
            {format!(
                " · drift {} · confidence {} · {} · checked ",
                h.drift_score.clone().unwrap_or_else(|| "—".into()),
                h.confidence_score.clone().unwrap_or_else(|| "—".into()),
                if h.needs_compaction { "needs compaction" } else { "no compaction needed" },
            )}
            <TimeText text=h.checked_at.clone() testid="agent-health-checked" />
        </p>
    }
}

/// One quest of the agent page's list, as HTML text: its link and name, status, whose turn,
/// the agent's role, the mission's first line, its times.
fn agent_quest_row(h: &mut Html, q: &AgentQuest) {
    let mission = q.mission.lines().next().unwrap_or_default();
    let role = match (q.leader, q.recruited) {
        (true, _) => "leader",
        (false, true) => "recruited",
        (false, false) => "not recruited",
    };
    let turn = match (&q.current_agent, q.turn) {
        (_, true) => "its turn",
        (Some(holder), false) => holder.as_str(),
        (None, false) => "—",
    };
    let id = q.id.to_string();
    h.open(
        "tr",
        &[
            ("data-testid", Some("agent-quest")),
            ("data-quest-id", Some(&id)),
            ("data-turn", Some(if q.turn { "true" } else { "false" })),
            ("data-status", Some(&q.status)),
            ("class", q.turn.then_some("turn")),
        ],
    );
    h.open("td", &[("class", Some("num"))]);
    h.elem(
        "a",
        &[("href", Some(&format!("#quest/{id}"))), ("data-testid", Some("agent-quest-link"))],
        &format!("#{id}"),
    );
    h.text(" ").elem("span", &[("class", Some("muted"))], &q.name);
    if let Some(p) = &q.phase {
        h.elem("span", &[("class", Some("muted"))], &format!(" · phase {p}"));
    }
    h.close("td").open("td", &[]);
    h.elem("span", &[("class", Some(&format!("quest-status {}", q.status)))], &q.status);
    h.close("td").open("td", &[]);
    h.elem(if q.turn { "strong" } else { "span" }, &[("class", (!q.turn).then_some("muted"))], turn);
    h.close("td");
    h.elem("td", &[], role).elem("td", &[("class", Some("desc"))], mission);
    for (value, testid) in [(&q.created_at, "agent-quest-created"), (&q.updated_at, "agent-quest-updated")] {
        h.open("td", &[("class", Some("muted"))]);
        time_html(h, value, timestamp::read(value).as_ref(), Some(testid));
        h.close("td");
    }
    h.close("tr");
}

/// The latest health check of each catalog agent, read in one statement per data
/// ([`latest_health_of`], by [`hold_first_reads`]), by agent name (`None`: no check), held for
/// the data read ([`ForData`]). An agent page takes its agent's check from here when the data
/// is the same, and reads its own otherwise. Provided by the app.
#[derive(Clone, Copy, Default)]
pub struct HeldHealth(ForData<Rc<HashMap<String, Option<Health>>>>);

impl HeldHealth {
    /// `agent`'s latest check when it was read from the data `key` names (`Some(None)`: it has
    /// none); `None` when it was not.
    fn of(&self, key: (u64, u64), agent: &str) -> Option<Option<Health>> {
        self.0.get(key).and_then(|checks| checks.get(agent).cloned())
    }
}

/// Holds, in idle time, what every catalog agent's page and the routing page begin with, so a
/// page followed from its address (a link, Back, a typed address) is built in the task that
/// follows the address, without waiting for a worker: each catalog agent's latest health
/// check, read in one statement ([`HeldHealth`]), and the first questions of every catalog
/// agent's page ([`first_questions`]) and of the routing page, held by the flag layer until
/// the table moves ([`FlagLayer::hold`]: ~3–7 ms of its worker for each agent at 100k flags,
/// where a page asking them waited as long). Begun again at every change of the data, a second
/// after it ([`HOLD_AFTER_CHANGE_MS`]: an edit moves the table, whose held answers go at the
/// layer's next take), once the layer is built (the file is not kept alive meanwhile); one agent
/// at a time, each in an idle period of its own, so a read a person asks for waits at most one
/// agent's questions. A round stops when the data changes, another file is on screen or the
/// layer stops answering. Marks `flagdeck:first-reads-held` at the end of a round that asked
/// every batch (a test hook; a batch asked while a transaction was open holds nothing, and the
/// page then asks the layer itself). Called once by the app.
///
/// [`FlagLayer::hold`]: crate::web::flags::layer::FlagLayer::hold
pub fn hold_first_reads(state: AppState, health: HeldHealth) {
    let db = state.db();
    let runs = StoredValue::new(0u64);
    // The file the last round was for: a round for the same file after a change waits first.
    let last = StoredValue::new_local(None::<std::rc::Weak<crate::web::files::loader::OpenDb>>);
    Effect::new(move |_| {
        db.data_version().track();
        let (open, catalog) = (db.current().get(), db.catalog().get());
        let run = runs.get_value() + 1;
        runs.set_value(run);
        let (Some(open), CatalogState::Ready(data)) = (open, catalog) else { return };
        let again =
            last.with_value(|l| l.as_ref().and_then(|l| l.upgrade()).is_some_and(|l| Rc::ptr_eq(&l, &open)));
        last.set_value(Some(Rc::downgrade(&open)));
        let key = db.data_key();
        spawn_local(async move {
            // After a change, once edits have paused: each change drops what is held.
            if again {
                gloo_timers::future::TimeoutFuture::new(HOLD_AFTER_CHANGE_MS).await;
            }
            let names: Vec<String> = data.agents.iter().map(|a| a.name.clone()).collect();
            let open = Rc::downgrade(&open);
            // The file, while this round is the latest and the file is on screen.
            let current = || {
                let open = open.upgrade()?;
                (runs.try_get_value() == Some(run) && db.is_current(&open)).then_some(open)
            };
            idle_period().await;
            let Some(file) = current() else { return };
            let (generation, facts) = (file.report.generation, &file.facts);
            if let Ok(checks) = latest_health_of(&file.db, facts, generation, &names).await {
                if current().is_some() {
                    health.0.put(key, Rc::new(checks));
                }
            }
            let Some(layer) = file.layer.clone().filter(|_| generation.has_flags()) else {
                if current().is_some() {
                    mark("flagdeck:first-reads-held");
                }
                return;
            };
            // While the layer is being built, nothing of the file is held here.
            let built = layer.built();
            drop((file, layer));
            built.await;
            for name in &names {
                idle_period().await;
                let Some(file) = current() else { return };
                let Some(layer) = file.layer.clone().filter(|l| l.answering()) else { return };
                layer.hold(&file.db, first_questions(name)).await;
            }
            idle_period().await;
            let Some(file) = current() else { return };
            let Some(layer) = file.layer.clone().filter(|l| l.answering()) else { return };
            if let Some(Ok(Some((file, known)))) = read_known(state, Some(file)).await {
                layer.hold(&file.db, routing_questions(known)).await;
            }
            if current().is_some() {
                mark("flagdeck:first-reads-held");
            }
        });
    });
}

/// How long [`hold_first_reads`] waits after a change of the data before holding again, ms:
/// each change drops what the layer held, so while a person edits nothing is asked.
const HOLD_AFTER_CHANGE_MS: u32 = 1000;

/// The agent page's quest layer, as far as the page knows: the open file whose layer is being
/// built, if any (one build at a time: a second one's first statement would drop the first's
/// table, which would then mark it complete half filled), and the file whose layer was last
/// found kept (built, or there already). Provided by the app.
#[derive(Clone, Copy)]
pub struct QuestLayerBuild {
    building: StoredValue<Option<Shared>, LocalStorage>,
    kept: StoredValue<Option<std::rc::Weak<crate::web::files::loader::OpenDb>>, LocalStorage>,
}

impl Default for QuestLayerBuild {
    fn default() -> Self {
        QuestLayerBuild { building: StoredValue::new_local(None), kept: StoredValue::new_local(None) }
    }
}

impl QuestLayerBuild {
    /// Whether `open`'s layer was found kept by its last build or check (a hint: the page's
    /// read still checks, and reads by SQL without it).
    fn kept_for(&self, open: &Shared) -> bool {
        self.kept
            .try_with_value(|k| k.as_ref().and_then(|k| k.upgrade()).is_some_and(|k| Rc::ptr_eq(&k, open)))
            == Some(true)
    }
}

/// Builds the agent page's quest layer ([`members::ensure`], in steps) behind the next paint,
/// unless it is there, being built, or an edit's transaction is open; a build stops when another
/// file is on screen. Later visits and *Show more* then walk its key instead of parsing every
/// quest's `recruited` (`flagdeck:quest-members` measures a build; a build that fails leaves the
/// page to its SQL and says why in the console).
fn build_quest_layer(state: AppState) {
    let Some(open) = state.db().current().get_untracked() else { return };
    let Some(QuestLayerBuild { building, kept }) = use_context::<QuestLayerBuild>() else { return };
    spawn_local(async move {
        next_paint().await;
        if building.with_value(|b| b.as_ref().is_some_and(|b| Rc::ptr_eq(b, &open))) {
            return;
        }
        building.set_value(Some(open.clone()));
        let started = perf_now();
        let db = &open.db;
        let may_build = || !db.in_transaction() && state.db().is_current(&open);
        // Its steps let the reads a person asks for meanwhile go first.
        let ensured = members::ensure(&BackgroundJob(db), may_build).await;
        if matches!(ensured, Ok(Ensured::Built | Ensured::Present)) {
            kept.try_set_value(Some(Rc::downgrade(&open)));
        }
        match ensured {
            Ok(Ensured::Built) => measure_since("flagdeck:quest-members", started),
            Ok(_) => {}
            Err(e) => {
                warn(&format!("The agent page reads its quests by SQL: its layer could not be built ({e})."))
            }
        }
        building.try_update_value(|b| {
            if b.as_ref().is_some_and(|b| Rc::ptr_eq(b, &open)) {
                *b = None;
            }
        });
    });
}

/// Builds the agent page's quest layer ([`build_quest_layer`]) whenever another file with
/// quests is on screen (its `lineage`: not at a follow-mode swap of the same file, whose pages
/// build it again when they need it), so that an agent's first visit reads its quests through
/// it rather than by one pass over every quest (~0.7–1.1 s at 100k). Built in steps, so a read
/// asked meanwhile waits at most one step. Called once by the app.
pub fn build_quest_layer_on_open(state: AppState) {
    let db = state.db();
    Effect::new(move |_| {
        db.lineage().track();
        if db.get().is_some_and(|o| o.report.generation.has_quests()) {
            build_quest_layer(state);
        }
    });
}

/// Says in the console why the agent page's layer could not give `page` (which its SQL gave).
fn warn_layer_error(page: &AgentQuests) {
    if let Some(e) = &page.layer_error {
        warn(&format!("The agent page read its quests by SQL: its layer's read failed ({e})."));
    }
}

/// The quests an agent is recruited to, its turn marked, each linking to `#quest/ID`,
/// [`AGENT_QUESTS_PAGE`] at a time: the first pages come with the page's detail (as many as
/// were shown, `shown_count`, after a change to the data); *Show more*
/// (`data-testid="agent-quests-more"`) reads the next by offset from the same data and adds
/// it (a file of 100k quests gives one agent ~18k, which drawn at once would take seconds).
/// Once the data changes it reads nothing more: the page's detail is being read again.
///
/// The next page is read ahead once the rows are painted ([`read_ahead`], through the page's
/// layer), so Show more draws it in its click's own task, with no read to wait for
/// (`data-ahead="held"` on the count while it is held; `flagdeck:agent-quests-ahead` marks each
/// use); without it Show more reads the page itself.
///
/// Drawn in parts, as the flag lists' pages are: when `in_parts` (the page's first read), the
/// first rows of [`Unplaced::BelowFold`] in the frame that shows them (the list stands under
/// the agent's details: its first row at 642 px in a 1280×720 view, rows ~45 px tall), and
/// after *Show more* as many of the new ones as can be in view under its footer
/// ([`rows_in_view_below`]), then [`ROWS_PER_FRAME`] more after each paint; read again after a
/// change, the rows are drawn whole, so the page keeps its height and scroll position.
///
/// Every [`AGENT_QUESTS_PAGE`] rows are a table of their own ([`TableParts`]): new rows lay out
/// their own table only, where one table was laid out whole in every frame that added to it.
#[component]
fn AgentQuestList(
    quests: AgentQuests,
    name: String,
    shown_count: StoredValue<usize>,
    in_parts: bool,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    // The data these rows were read from.
    let key = state.db().data_key();
    let (total, turns) = (quests.total.max(0) as usize, quests.open_turns);
    // Only worth its build (~1 s at 100k quests) for an agent with more than a page, and not on
    // every read again after a change (a follow-mode swap loses it): the first read, or at Show more.
    if in_parts && total > AGENT_QUESTS_PAGE {
        build_quest_layer(state);
    }
    // The rows read, in order; only ever added to at the end (Show more): read again after a
    // change, the list is new.
    let shown = RwSignal::new(quests.quests);
    // How many of the rows read are drawn.
    let drawn = RwSignal::new(if in_parts { Unplaced::BelowFold.first_rows() } else { usize::MAX });
    // Under the rows drawn: where Show more's rows appear.
    let footer = NodeRef::<leptos::html::Div>::new();
    // Draws on from what is drawn now, a frame at a time; a later call (after Show more) sets
    // `drawn` itself and takes over, so this one leaves (one loop, ROWS_PER_FRAME per frame).
    let draw_rest = move || {
        let Some(mut now) = drawn.try_get_untracked() else { return };
        spawn_local(async move {
            loop {
                next_paint().await;
                let (Some(at), Some(len)) = (drawn.try_get_untracked(), shown.try_with_untracked(Vec::len))
                else {
                    return;
                };
                if at != now || at >= len {
                    return;
                }
                now = (at + ROWS_PER_FRAME).min(len);
                drawn.set(now);
            }
        });
    };
    if in_parts {
        draw_rest();
    }
    let reading = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let name = StoredValue::new(name);
    // The page after the rows read, read ahead once they are painted ([`read_ahead`]), with the
    // number of rows it follows: Show more takes it when that is still the number read.
    let ahead = StoredValue::new_local(None::<(usize, ReadAhead)>);
    // The number of rows the page read ahead follows once it has arrived (`data-ahead="held"`
    // on the count while that is the number read).
    let ahead_held = RwSignal::new(None::<usize>);
    let ask_ahead = move || {
        let (Some(open), Some(offset)) =
            (state.db().current().get_untracked(), shown.try_with_untracked(Vec::len))
        else {
            return;
        };
        if offset < total && state.db().data_key() == key {
            let read = read_ahead(open, name.get_value(), offset);
            ahead.try_set_value(Some((offset, read.clone())));
            spawn_local(async move {
                if read.await.is_some() {
                    ahead_held.try_set(Some(offset));
                }
            });
        }
    };
    ask_ahead();
    let more = move |_| {
        let Some(open) = state.db().current().get_untracked() else { return };
        if reading.get_untracked() || state.db().data_key() != key {
            return;
        }
        reading.set(true);
        failed.set(None);
        let (offset, name) = (shown.with_untracked(Vec::len), name.get_value());
        let ready = ahead.try_update_value(|a| a.take().filter(|(after, _)| *after == offset)).flatten();
        spawn_local(async move {
            // The page read ahead when there is one for these rows (its read may still be under
            // way: it is the same statement), else read now.
            let held = match ready {
                Some((_, read)) => read.await,
                None => None,
            };
            let from_ahead = held.is_some();
            let page = match held {
                Some(quests) => Ok(quests),
                None => {
                    let page =
                        agent_quests(&open.db, open.report.generation, &name, offset, AGENT_QUESTS_PAGE)
                            .await;
                    if let Ok(page) = &page {
                        warn_layer_error(page);
                    }
                    page.map(|p| p.quests)
                }
            };
            match page {
                // Still the rows and the data it was read for (after a change the detail is
                // read again from its start).
                Ok(quests)
                    if shown.try_with_untracked(Vec::len) == Some(offset) && state.db().data_key() == key =>
                {
                    if from_ahead {
                        mark("flagdeck:agent-quests-ahead");
                    }
                    // The new rows under those drawn: those that can be in view in this frame.
                    let top = footer.get_untracked().map(|f| f.get_bounding_client_rect().top());
                    let first = top.map_or(Unplaced::BelowFold.first_rows(), rows_in_view_below);
                    drawn.set(drawn.get_untracked().min(offset) + first);
                    shown.update(|rows| {
                        let held: HashSet<i64> = rows.iter().map(|q| q.id).collect();
                        rows.extend(quests.into_iter().filter(|q| !held.contains(&q.id)));
                    });
                    draw_rest();
                    build_quest_layer(state);
                    shown_count.try_set_value(shown.with_untracked(Vec::len).max(AGENT_QUESTS_PAGE));
                    ask_ahead();
                }
                Ok(_) => {}
                Err(e) => {
                    failed.try_set(Some(e.to_string()));
                }
            }
            reading.try_set(false);
        });
    };
    let note = (quests.unreadable_recruited > 0).then(|| {
        view! {
            <p class="json-warning" data-testid="agent-quests-warning" role="note">
                {format!(
                    "⚠ {} quest{} of this file have a recruited value that is not a JSON list: they are listed here only when it is this agent's turn.",
                    quests.unreadable_recruited,
                    if quests.unreadable_recruited == 1 { "" } else { "s" }
                )}
            </p>
        }
    });
    let count = move || shown.with(Vec::len);
    let body = if total == 0 {
        view! { <p class="muted">"Recruited to no quest."</p> }.into_any()
    } else {
        view! {
            <TableParts
                len=Signal::derive(move || shown.with(|rows| drawn.get().min(rows.len())))
                per=AGENT_QUESTS_PAGE
                class="flags quests agent-quests"
                cols={&["col-quest", "col-status", "col-turn", "col-role", "col-mission", "col-time", "col-time"]}
                head={&["Quest", "Status", "Turn", "Role", "Mission", "Created", "Updated"]}
                rows={move |range: std::ops::Range<usize>| {
                    shown.with(|rows| rows.get(range).map(<[_]>::to_vec).unwrap_or_default())
                }}
                row=agent_quest_row
                keys=&["href"]
            />
            <div class="paged-footer" data-testid="agent-quests-footer" node_ref=footer>
                <span class="muted" aria-live="polite" data-testid="agent-quests-shown" data-shown=count data-total=total
                    data-ahead=move || (ahead_held.get() == Some(count())).then_some("held")>
                    {move || (total > AGENT_QUESTS_PAGE).then(|| {
                        showing_of(count(), total)
                    })}
                </span>
                <Show when=move || count() < total>
                    <button data-testid="agent-quests-more" aria-disabled=move || reading.get().to_string() on:click=more>
                        {move || format!("Show {} more", total.saturating_sub(count()).min(AGENT_QUESTS_PAGE))}
                    </button>
                </Show>
                {move || reading.get().then(|| view! { <span class="muted">"Reading…"</span> })}
                {move || failed.get().map(|e| view! {
                    <p class="alert" role="alert">{format!("Could not read more of this agent's quests: {e}. The rows above are from before.")}</p>
                })}
            </div>
        }
        .into_any()
    };
    view! {
        <h2>"Quests"</h2>
        <p class="muted" data-testid="agent-quest-turns" data-value=turns>
            {format!(
                "Quests this agent is recruited to (acolyte_quests.recruited), its turn first. Open quests waiting on it: {turns}."
            )}
        </p>
        {note}
        {body}
    }
}

/// A page of an agent's quests read ahead ([`read_ahead`]): its rows, or `None` when it could
/// not be read that way.
type ReadAhead = RouteRead<Option<Vec<AgentQuest>>>;

/// Reads `name`'s quests after the first `offset` (a page, [`AGENT_QUESTS_PAGE`]) once the next
/// frame is painted, through the agent page's layer only ([`layer_agent_quests`]: one statement
/// of a few ms at 100k quests; never the pass over every quest that reading without it is), so
/// that *Show more* draws them in its click's own task. `None` when the layer is not kept or
/// its read fails: Show more then reads the page itself, and says why it fails. Runs to its end
/// whether or not the page is taken.
fn read_ahead(open: Shared, name: String, offset: usize) -> ReadAhead {
    run_to_end(
        async move {
            next_paint().await;
            match layer_agent_quests(&open.db, &name, offset, AGENT_QUESTS_PAGE).await {
                Ok(Some(page)) => Some(page.quests),
                _ => None,
            }
        }
        .boxed_local(),
    )
}

/// The agent's chains as read (`None` while there is no file to read them from).
type ChainsRead = Option<Result<Vec<ChainSummary>, String>>;

#[component]
fn AgentFlags(
    to: PagedFlags,
    from: PagedFlags,
    chains: ReadSignal<Option<ChainsRead>, LocalStorage>,
    /// Set once the chains' heading comes within a window's height of the window (mark
    /// `flagdeck:agent-chains-near`).
    chains_near: RwSignal<bool>,
) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    // Dropped with the page, which stops the watch.
    let watching = StoredValue::new_local(None::<NearView>);
    // Watched once both lists stand at their full height (drawn in parts, they are short at
    // first), from the frame after.
    let lists_whole = Memo::new(move |_| to.drawn_whole() && from.drawn_whole());
    Effect::new(move |_| {
        if !lists_whole.get() || watching.with_value(Option::is_some) {
            return;
        }
        let Some(h) = heading.get() else { return };
        let near = NearView::watch(&h, move || {
            // A test hook: the chains are read from here on.
            mark("flagdeck:agent-chains-near");
            chains_near.set(true);
        });
        watching.set_value(Some(near));
    });
    view! {
        <h2>"Pending flags to this agent"</h2>
        <p class="muted">"In get-pending-flags order: critical, high, medium, then the rest; oldest first."</p>
        <FlagList list=to testid="agent-pending-flag" />
        <h2>"Pending flags from this agent"</h2>
        <FlagList list=from testid="agent-raised-flag" />
        <h2 node_ref=heading>"Chains"</h2>
        {move || match chains.get().flatten() {
            None => view! { <p class="muted">"Finding the chains…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="alert" role="alert">{format!("Could not read the chains: {e}")}</p> }.into_any(),
            Some(Ok(chains)) if chains.is_empty() => view! { <p class="muted">"Part of no chain."</p> }.into_any(),
            Some(Ok(chains)) => view! { <ChainList chains=chains /> }.into_any(),
        }}
    }
}

/// The chains an agent takes part in: their number, then [`LIST_PAGE`] at a time by origin
/// (*Show N more*, `data-testid="agent-chains-more"`): an agent of a big file takes part in
/// tens of thousands (25k at 1M flags), too many to lay out at once.
#[component]
fn ChainList(chains: Vec<ChainSummary>) -> impl IntoView {
    let total = chains.len();
    let chains = StoredValue::new(chains);
    let shown = RwSignal::new(LIST_PAGE.min(total));
    view! {
        <p class="muted" data-testid="agent-chains" data-value=total>
            {format!("Part of {} chain{} (by their first flag).", group_digits(total as i64), if total == 1 { "" } else { "s" })}
        </p>
        <ul class="chains">
            <For each=move || 0..shown.get() key=|i| *i let(i)>
                {chains.with_value(|c| {
                    let c = &c[i];
                    view! {
                        <li data-testid="agent-chain" data-origin=c.origin>
                            {format!("chain from flag #{}: {} flags, {} pending", c.origin, c.flags, c.pending)}
                        </li>
                    }
                })}
            </For>
        </ul>
        <Show when=move || { shown.get() < total }>
            <div class="paged-footer">
                <span class="muted" aria-live="polite">{move || showing_of(shown.get(), total)}</span>
                <button data-testid="agent-chains-more" on:click=move |_| shown.update(|n| *n = (*n + LIST_PAGE).min(total))>
                    {move || format!("Show {} more", (total - shown.get()).min(LIST_PAGE))}
                </button>
            </div>
        </Show>
    }
}

/// A paged flag list as a compact table, a page at a time (a cut change whole on hover): every
/// [`LIST_PAGE`] rows a table of their own ([`TableParts`]), so a frame adding rows lays out the
/// last table only.
#[component]
fn FlagList(list: PagedFlags, testid: &'static str) -> impl IntoView {
    list.drawn_here();
    let empty = move || list.total.get() == Some(0) && list.rows.with(Vec::is_empty);
    view! {
        <Show when=move || !empty() fallback=|| view! { <p class="muted">"None."</p> }>
            <div class="flag-parts">
            <TableParts
                len=Signal::derive(move || list.shown_len())
                per=LIST_PAGE
                class="flags flag-part"
                cols={&["col-flag", "col-impact", "col-type", "col-route", "col-change", "col-lock", "col-time"]}
                head={&["Flag", "Impact", "Type", "From → to", "Change", "Lock", "Created"]}
                rows={move |range: std::ops::Range<usize>| list.rows_in(range)}
                row={move |h: &mut Html, (_, f): &PagedRow| flag_row_html(h, f, testid)}
                keys=&["href"]
            />
            </div>
            <PagedFooter list=list testid=testid />
        </Show>
    }
}

/// The start of a row of a list of flags and its first two cells, as HTML text: the row
/// (`data-testid` `testid`, `data-flag-id`), the flag's number as a link to its detail
/// (`#flag/ID`, `data-testid="flag-link"`: a click opens it, Back returns here, a middle click
/// opens it in a new tab) and its impact level.
fn flag_row_start(h: &mut Html, f: &FlagRow, testid: &str) {
    let (id, level) = (f.id.to_string(), f.impact_level.clone().unwrap_or_default());
    h.open("tr", &[("data-testid", Some(testid)), ("data-flag-id", Some(&id))]);
    h.open("td", &[("class", Some("num"))]);
    let href = View::Flag(f.id).to_hash();
    h.elem(
        "a",
        &[("class", Some("flag-link")), ("href", Some(href.as_str())), ("data-testid", Some("flag-link"))],
        &format!("#{id}"),
    );
    h.close("td").open("td", &[]);
    h.elem("span", &[("class", Some(format!("impact {level}").as_str()))], &level);
    h.close("td");
}

/// A flag's change description cell, as HTML text: its text (cut ones end with "…") with the
/// whole text's start and length on hover ([`change_title`]).
fn change_cell(h: &mut Html, f: &FlagRow) {
    h.open("td", &[("class", Some("desc")), ("title", Some(&change_title(f)))]);
    h.text(&f.change_description);
    if f.change_description_is_cut() {
        h.text("…");
    }
    h.close("td");
}

/// One row of a [`FlagList`], as HTML text: number, impact, type, from → to, change, lock,
/// created.
fn flag_row_html(h: &mut Html, f: &FlagRow, testid: &str) {
    flag_row_start(h, f, testid);
    h.elem("td", &[], &f.flag_type);
    let target = f.target_agent.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "(nobody)".into());
    h.elem("td", &[("class", Some("muted"))], &format!("{} → {target}", f.source_agent));
    change_cell(h, f);
    h.elem("td", &[], if f.locked { "locked" } else { "" });
    h.open("td", &[("class", Some("muted"))]);
    let created = Value::Text(f.created_at.clone());
    time_html(h, &created, timestamp::read(&created).as_ref(), None);
    h.close("td").close("tr");
}

/// Time left in an idle period below which no further target suggestion (one agent search,
/// ~1 ms in the browser) is worked out in it, ms.
const SUGGESTION_MS: f64 = 2.0;

/// The longest the target suggestions run at a time, ms: an idle period with no frame due
/// lasts up to 50 ms, and a click in it waits for the work under way.
const SUGGESTIONS_AT_A_TIME_MS: f64 = 4.0;

/// What the routing page shows above (or instead of) its rows.
#[derive(Debug, Clone, PartialEq)]
enum Routing {
    Checking,
    Failed(String),
    /// An Acolytes 2.x file: no flags to route.
    NoFlags,
    AllRouted,
    /// Some flags have no known target: the table.
    Listed,
}

/// One row of the routing page's table, as HTML text: number, impact, from, target, change,
/// and the suggested target (`data-testid="routing-suggestion"`, `data-suggested`): "…" while
/// it is searched for (`suggestion` `None`), the agent as a link to its page with its score,
/// or nothing when the search found none ([`suggestion_html`]).
fn routing_row_html(h: &mut Html, f: &FlagRow, suggestion: Option<&Option<(String, u32)>>) {
    flag_row_start(h, f, "routing-error");
    h.elem("td", &[], &f.source_agent);
    let target = match f.target_agent.as_deref() {
        None => "NULL".to_owned(),
        Some("") => "(empty: broadcast)".to_owned(),
        Some(t) => format!("{t} (unknown)"),
    };
    h.elem("td", &[], &target);
    change_cell(h, f);
    let found = suggestion.is_some().to_string();
    h.open("td", &[("data-testid", Some("routing-suggestion")), ("data-suggested", Some(&found))]);
    suggestion_html(h, f.id, suggestion);
    h.close("td").close("tr");
}

/// The inside of the suggestion cell of flag `id`'s routing row, as HTML text (see
/// [`routing_row_html`]); the link carries the flag's id (`data-for-flag`), so that the focus
/// on it stays on that row's when the table is written again.
fn suggestion_html(h: &mut Html, id: i64, suggestion: Option<&Option<(String, u32)>>) {
    match suggestion {
        None => {
            h.elem("span", &[("class", Some("muted")), ("title", Some("searching the catalog"))], "…");
        }
        Some(None) => {}
        Some(Some((name, score))) => {
            let id = id.to_string();
            h.elem(
                "button",
                &[("class", Some("link")), ("data-agent-link", Some(name)), ("data-for-flag", Some(&id))],
                name,
            );
            h.elem("span", &[("class", Some("muted"))], &format!(" score {score}"));
        }
    }
}

/// Writes the suggestions `found` into the routing table's cells under `list` that still wait
/// for theirs (`data-suggested="false"`): the cell of a row whose flag id and change text are a
/// key of `found` (its text as `rows` holds it). A cell written once is left alone.
fn fill_suggestions(
    list: &web_sys::Element,
    rows: &[PagedRow],
    found: &HashMap<(i64, String), Option<(String, u32)>>,
) {
    let Ok(cells) =
        list.query_selector_all(r#"td[data-testid="routing-suggestion"][data-suggested="false"]"#)
    else {
        return;
    };
    let waiting: Vec<(web_sys::Element, i64)> = (0..cells.length())
        .filter_map(|i| {
            cells.item(i).and_then(|c| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(c).ok())
        })
        .filter_map(|cell| {
            let id = cell.parent_element()?.get_attribute("data-flag-id")?.parse().ok()?;
            Some((cell, id))
        })
        .collect();
    if waiting.is_empty() {
        return;
    }
    // The change texts of the waiting rows' flags only.
    let ids: HashSet<i64> = waiting.iter().map(|(_, id)| *id).collect();
    let texts: HashMap<i64, &str> = rows
        .iter()
        .filter(|(_, f)| ids.contains(&f.id))
        .map(|(_, f)| (f.id, f.change_description.as_str()))
        .collect();
    for (cell, id) in waiting {
        let Some(text) = texts.get(&id) else { continue };
        let Some(suggestion) = found.get(&(id, (*text).to_owned())) else { continue };
        let mut h = Html::new();
        suggestion_html(&mut h, id, Some(suggestion));
        cell.set_inner_html(&h.finish());
        let _ = cell.set_attribute("data-suggested", "true");
    }
}

/// The names a target may carry in `open`: those read with its catalog ([`CatalogData::known`])
/// when `open` is on screen and its catalog is read, else a small read of the catalog (one
/// question to the engine, which may be answering others). `None` while there is no file,
/// `Some(Ok(None))` for a file without flags.
async fn read_known(state: AppState, open: Option<Shared>) -> Option<KnownRead> {
    match open {
        Some(open) if !open.report.generation.has_flags() => Some(Ok(None)),
        Some(open) => {
            let held = match state.db().catalog().get_untracked() {
                CatalogState::Ready(data) if state.db().is_current(&open) => data.known.clone(),
                _ => None,
            };
            let names = match held {
                Some(names) => Ok(names),
                None => known_targets(&open.db, &open.facts).await.map_err(|e| e.to_string()),
            };
            Some(names.map(|names| Some((open, names))))
        }
        None => None,
    }
}

/// Pending flags that no known agent will pick up, each with the agent search's suggestion, a
/// page at a time (a flag-list query: the derived layer pages it). A file without flags
/// (Acolytes 2.x) has nothing to route: the page says so.
#[component]
pub fn RoutingPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The names a target may carry ([`read_known`]), then the list of the others.
    let preload = expect_context::<RoutingPreload>();
    // The route's read, when it read the same data.
    let (ended, route_read) = preload.take_ended("", state.db().data_key());
    let known = use_latest_from(ended.map(Some), move |_| {
        state.db().data_version().track();
        let open = state.db().current().get();
        let read = route_read.next(state.db().data_key())?;
        Some(async move {
            match (read, open) {
                (Some(read), _) => Some(read.await),
                (None, open) => read_known(state, open).await,
            }
        })
    });
    let unrouted = use_paged_flags(
        move || match known.get().flatten() {
            Some(Ok(Some((open, names)))) => Some((open, lists::unrouted(names), AGENT_LIST_ORDER)),
            _ => None,
        },
        "flagdeck:routing",
        Unplaced::NearTop,
    );
    // What the page shows, apart from the rows: the table is built once per list, and rows
    // read later ("show more") are added to it.
    let phase = Memo::new(move |_| {
        known.with(|k| match k.as_ref().and_then(Option::as_ref) {
            None => Routing::Checking,
            Some(Err(e)) => Routing::Failed(e.clone()),
            Some(Ok(None)) => Routing::NoFlags,
            Some(Ok(Some(_))) => match (unrouted.paging.get(), unrouted.total.get()) {
                (Paging::Failed(e), None) => Routing::Failed(e),
                (_, None) => Routing::Checking,
                (_, Some(0)) => Routing::AllRouted,
                (_, Some(_)) => Routing::Listed,
            },
        })
    });
    view! {
        <section class="page routing">
            <h1>"Routing"</h1>
            <p class="muted">
                "Pending flags whose target is empty or is not an agent of the catalog"
                " (ClaudeSquad: nor a project agent). The suggestion is the top agent search result for the flag's change description."
            </p>
            {move || match phase.get() {
                Routing::Checking => view! { <p class="muted">"Checking targets…"</p> }.into_any(),
                Routing::Failed(e) => view! { <p class="alert" role="alert">{format!("Could not check routing: {e}")}</p> }.into_any(),
                Routing::NoFlags => view! {
                    <p class="generation-notice" data-testid="routing-no-flags" role="note">
                        "This Acolytes 2.x file has no flags, so nothing is routed: agents are recruited to quests by name (see each agent's page)."
                    </p>
                }.into_any(),
                Routing::AllRouted => view! { <p data-testid="routing-ok">"Every pending flag is addressed to a known agent."</p> }.into_any(),
                Routing::Listed => with_catalog(state, move |data| {
                    // Each row gets its suggestion once it is painted: the catalog is held here
                    // for the searches.
                    let catalog = StoredValue::new_local(data);
                    // One agent search per row (~1 ms each in the browser): worked out in the
                    // browser's idle periods once the rows are painted, so they show at once
                    // and the searches delay neither a frame nor a click (a Show more clicked
                    // just after the page showed: 20–24 ms to its first rows with 8 searches
                    // right after each paint, 15–16 ms so); each cell fills in as its period's
                    // searches are done.
                    // Keyed by the row's id and text (an edited text gets its own search);
                    // `queued`: asked for, so a page arriving meanwhile does not ask again.
                    type Key = (i64, String);
                    let suggested = RwSignal::new(HashMap::<Key, Option<(String, u32)>>::new());
                    let queued = StoredValue::new(HashSet::<Key>::new());
                    Effect::new(move |_| {
                        let wanted: Vec<Key> = unrouted.rows.with(|rows| {
                            rows.iter()
                                .map(|(_, f)| (f.id, f.change_description.clone()))
                                .filter(|k| queued.try_update_value(|q| q.insert(k.clone())).unwrap_or(false))
                                .collect()
                        });
                        if wanted.is_empty() {
                            return;
                        }
                        spawn_local(async move {
                            let mut left = wanted.into_iter().peekable();
                            while left.peek().is_some() {
                                let (idle, began) = (idle_period().await, perf_now());
                                // One search at least per period, then while it has room.
                                let mut found = Vec::new();
                                let room = |found: &Vec<_>| {
                                    found.is_empty()
                                        || (idle.time_remaining() > SUGGESTION_MS
                                            && perf_now() - began < SUGGESTIONS_AT_A_TIME_MS)
                                };
                                while let Some(k) = left.next_if(|_| room(&found)) {
                                    let s = catalog.try_with_value(|d| suggest_target(&d.index, &d.agents, &k.1));
                                    found.push((k, s.flatten()));
                                }
                                if suggested.try_update(|done| done.extend(found)).is_none() {
                                    return;
                                }
                            }
                        });
                    });
                    // Suggestions found after their rows were drawn go into their cells.
                    let suggestion_cells = NodeRef::<leptos::html::Div>::new();
                    Effect::new(move |_| {
                        suggested.with(|found| {
                            if let Some(list) = suggestion_cells.get() {
                                unrouted.rows.with_untracked(|rows| fill_suggestions(&list, rows, found));
                            }
                        });
                    });
                    unrouted.drawn_here();
                    let count = move || unrouted.total.get().unwrap_or(0);
                    view! {
                        <p data-testid="routing-count" data-value=count>{move || {
                            let n = count();
                            format!("{} pending flag{} without a known target.", group_digits(n), if n == 1 { "" } else { "s" })
                        }}</p>
                        <div class="flag-parts" node_ref={suggestion_cells} {..agent_links()}>
                        <TableParts
                            len=Signal::derive(move || unrouted.shown_len())
                            per=LIST_PAGE
                            class="flags routing-part"
                            cols={&["col-flag", "col-impact", "col-agent", "col-agent", "col-change", "col-suggested"]}
                            head={&["Flag", "Impact", "From", "Target", "Change", "Suggested target"]}
                            rows={move |range: std::ops::Range<usize>| unrouted.rows_in(range)}
                            // With the suggestions found so far; those found later are written
                            // into their cells (above), not the part again.
                            row={move |h: &mut Html, (_, f): &PagedRow| suggested.with_untracked(|found| {
                                routing_row_html(h, f, found.get(&(f.id, f.change_description.clone())))
                            })}
                            keys=&["href", "data-agent-link", "data-for-flag"]
                        />
                        </div>
                        <PagedFooter list=unrouted testid="routing" />
                    }
                })
                .into_any(),
            }}
        </section>
    }
}
