//! The verdict first: the attention strip at the top of the dashboard (failing budgets, the
//! oldest critical flag, stalled quests; [`flagdeck_core::dashboard::attention`]), each item a
//! link to what explains it; and the foldable sections the rest of the dashboard is laid out in,
//! each reachable at `#dashboard/<section>`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::web::quests::{Layout, QuestQuery};
use crate::web::state::View;
use flagdeck_core::dashboard::attention::{attention, section_of_hash, AttentionLink};
use flagdeck_core::dashboard::Dashboard;
use flagdeck_core::quests::{QuestFilter, QuestSort, QuestStatus};

/// The element id of a dashboard section (one of `attention::SECTIONS`).
fn section_id(section: &str) -> String {
    format!("dashboard-section-{section}")
}

/// The address of an item's link.
fn href(link: &AttentionLink) -> String {
    match link {
        AttentionLink::Flag(id) => View::Flag(*id).to_hash(),
        AttentionLink::Quest(id) => View::Quest(*id).to_hash(),
        // As the summary's "idle" count: the open quests in the list, least recently updated first.
        AttentionLink::StalledQuests => QuestQuery {
            filter: QuestFilter {
                statuses: QuestStatus::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.sql().to_owned())
                    .collect(),
                ..QuestFilter::default()
            },
            layout: Layout::List,
            sort: (QuestSort::Updated, false),
        }
        .href(),
        AttentionLink::Section(s) => format!("#dashboard/{s}"),
    }
}

/// Opens the section (if folded) and scrolls to it; false when it is not on the page yet.
fn scroll_to(section: &str) -> bool {
    let Some(el) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&section_id(section)))
    else {
        return false;
    };
    if let Some(details) = el.dyn_ref::<web_sys::HtmlDetailsElement>() {
        details.set_open(true);
    }
    el.scroll_into_view();
    true
}

/// `#dashboard/<section>` in the address (a link of the strip, a reload, back/forward): scroll
/// to that section once the dashboard shows it (it is computed in the worker: tried every
/// 100 ms for up to 15 s). Any other address: nothing.
pub fn follow_section(hash: &str) {
    let Some(section) = section_of_hash(hash) else { return };
    fn attempt(section: &'static str, left: u32) {
        if !scroll_to(section) && left > 0 {
            set_timeout(move || attempt(section, left - 1), std::time::Duration::from_millis(100));
        }
    }
    attempt(section, 150);
}

/// The strip: `data-testid="attention"`, one `data-testid="attention-item"` per item with its
/// `data-kind` and `data-name`; one line when nothing needs attention.
#[component]
pub(super) fn AttentionStrip(dashboard: Dashboard) -> impl IntoView {
    let items = attention(&dashboard);
    let count = items.len();
    let body = if items.is_empty() {
        view! { <p class="attention-none" data-testid="attention-none">"✓ Nothing needs attention"</p> }
            .into_any()
    } else {
        let rows = items
            .into_iter()
            .map(|i| {
                let section = match i.link {
                    AttentionLink::Section(s) => Some(s),
                    _ => None,
                };
                view! {
                    <li class=format!("attention-item kind-{}", i.kind.attr()) data-testid="attention-item"
                        data-kind=i.kind.attr() data-name=i.name.clone()>
                        // Following a section link when the address is already that link fires no
                        // hashchange: scroll on the click too.
                        <a href=href(&i.link) on:click=move |_| {
                            if let Some(s) = section {
                                scroll_to(s);
                            }
                        }>{i.text}</a>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="attention-items">{rows}</ul> }.into_any()
    };
    view! {
        <section class="attention" class:calm=count == 0 data-testid="attention" data-count=count.to_string()
            aria-label="Needs attention">
            <h2 class="attention-title">"Needs attention"</h2>
            {body}
        </section>
    }
}

/// One foldable dashboard section: `<details open>` with the heading as its `<summary>`, id
/// `dashboard-section-<section>`. `testid`: a `data-testid` for the heading; `wide`: spans the
/// grid's columns.
#[component]
pub(super) fn Fold(
    section: &'static str,
    title: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
    /// Across both columns of the grid (a section of many tables).
    #[prop(optional)]
    wide: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <details open class="dash-section" class:wide=wide id=section_id(section) data-section=section>
            <summary><h2 data-testid=testid>{title}</h2></summary>
            {children()}
        </details>
    }
}
