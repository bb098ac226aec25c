//! The board: one column per status (known ones in life-cycle order, unknown ones as stored),
//! each with its count and its first [`BOARD_CARDS`] cards; "show more" adds the next cards
//! (keyset after the last one) and a link opens the whole column as the filtered list, so the
//! board stays as fast at 100k quests as at 40. Written as HTML text (see [`super::html`]) with
//! one click listener for the "show more" buttons.

use leptos::prelude::*;

use crate::web::platform::browser::target_data;
use crate::web::platform::perf::{clear_mark, mark, measure_when_painted};
use crate::web::quests::address::{Layout, QuestQuery};
use crate::web::quests::cards::card;
use crate::web::quests::page::{
    answer, ask, cards, only_status, status_label, Generation, QuestsState, BOARD_CARDS,
};
use crate::web::widgets::html::{bind_html_keeping_focus, Html};
use flagdeck_core::quests::{QuestFilter, QuestStatus};

impl QuestsState {
    /// Adds the next cards of column `status` (after its last card) to the shown generation.
    fn more(self, status: String) {
        let Some(open) = self.db.get() else { return };
        let epoch = self.asked.get_value();
        let Some(last) = self.shown.with_untracked(|g| {
            (g.epoch == epoch)
                .then(|| g.columns.iter().find(|c| c.status == status)?.cards.last().map(|c| c.cursor()))?
        }) else {
            return;
        };
        let filter = self.view.query().with_untracked(|q| only_status(&q.filter, &status));
        let keyed = self.shown.with_untracked(|g| self.keys_for(&filter, &g.counts));
        let query = self.query_of(filter, BOARD_CARDS).with_keys(keyed).at_page(1, Some(last));
        let start = format!("flagdeck:quest-page-start:{epoch}:{status}");
        mark(&start);
        let rx = ask(&open, query.sql());
        self.tasks.spawn(async move {
            let result = answer(rx).await.and_then(|rs| cards(&rs));
            if self.asked.try_get_value() != Some(epoch) {
                clear_mark(&start);
                return;
            }
            match result {
                Ok(more) => self.shown.update(|g| {
                    if let Some(column) = g.columns.iter_mut().find(|c| c.status == status) {
                        column.cards.extend(more);
                    }
                }),
                Err(e) => {
                    clear_mark(&start);
                    self.read_failed(open, e, query.walks_keys());
                    return;
                }
            }
            measure_when_painted("flagdeck:quest-page", start);
        });
    }
}

/// The board's columns as HTML text.
fn board_html(g: &Generation, filter: &QuestFilter, now_ms: i64) -> String {
    let mut h = Html::new();
    for column in &g.columns {
        let status = column.status.as_str();
        let parsed = QuestStatus::parse(status);
        let known = parsed.is_some();
        let count = column.count.to_string();
        // Ended statuses take narrower columns with compact cards (see style/main.css).
        let class = match parsed {
            None => "quest-column unknown",
            Some(s) if s.is_open() => "quest-column",
            Some(_) => "quest-column ended",
        };
        h.open("section", &[("class", Some(class)), ("data-status", Some(status))]);
        let title =
            (!known).then(|| format!("A status the quest scripts never write, as stored: {status:?}"));
        h.open(
            "h2",
            &[
                ("class", Some("column-head")),
                ("data-testid", Some("quest-status-count")),
                ("data-status", Some(status)),
                ("data-value", Some(&count)),
                ("title", title.as_deref()),
            ],
        );
        h.text(&status_label(status))
            .text(" ")
            .elem("span", &[("class", Some("col-count"))], &count)
            .close("h2");
        h.open("div", &[("class", Some("column-cards"))]);
        for c in &column.cards {
            card(&mut h, c, now_ms);
        }
        h.close("div");
        let (shown, total) = (column.cards.len(), column.count.max(0) as usize);
        if shown < total {
            let list = QuestQuery {
                filter: only_status(filter, status),
                layout: Layout::List,
                ..QuestQuery::default()
            };
            h.open("div", &[("class", Some("column-more"))]);
            h.elem(
                "button",
                &[
                    ("class", Some("button")),
                    ("data-testid", Some("quest-show-more")),
                    ("data-more", Some(status)),
                ],
                &format!("Show {} more", BOARD_CARDS.min(total - shown)),
            );
            h.elem(
                "a",
                &[
                    ("class", Some("link")),
                    ("data-testid", Some("quest-column-list")),
                    ("href", Some(&list.href())),
                ],
                &format!("all {total} in the list"),
            );
            h.close("div");
        }
        h.close("section");
    }
    h.finish()
}

/// The board.
#[component]
pub(super) fn Board(state: QuestsState) -> impl IntoView {
    let html = Memo::new(move |_| {
        let filter = state.view.query().with(|q| q.filter.clone());
        state.shown.with(|g| board_html(g, &filter, state.as_of_ms()))
    });
    let board = NodeRef::<leptos::html::Div>::new();
    // Redrawn whole (the "as of" instant arriving, more cards): a focused card, "show more"
    // button or column link keeps the focus.
    bind_html_keeping_focus(board, html, &["data-quest-id", "data-more", "href"]);
    view! {
        <div class="quest-board" data-testid="quest-board" node_ref=board on:click=move |e| {
            if let Some(status) = target_data(&e, "more") {
                state.more(status);
            }
        }></div>
    }
}
