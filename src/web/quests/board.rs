//! The board: one column per status (known ones in life-cycle order, unknown ones as stored),
//! each with its count and its first [`BOARD_CARDS`] cards; "show more" adds the next cards
//! (keyset after the last one) and a link opens the whole column as the filtered list, so the
//! board stays as fast at 100k quests as at 40.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::platform::perf::{after_paint, clear_mark, mark, measure};
use crate::web::quests::address::{Layout, QuestQuery};
use crate::web::quests::cards::Card;
use crate::web::quests::page::{answer, ask, cards, only_status, status_label, QuestsState, BOARD_CARDS};
use flagdeck_core::quests::{QuestPageQuery, QuestStatus};

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
        let query =
            QuestPageQuery::first(filter, self.sort.get_untracked(), BOARD_CARDS).at_page(1, Some(last));
        let start = format!("flagdeck:quest-page-start:{epoch}:{status}");
        mark(&start);
        let rx = ask(&open, query.sql());
        spawn_local(async move {
            let result = answer(rx).await.and_then(|rs| cards(&rs));
            if self.asked.get_value() != epoch {
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
                    self.error.set(Some(e));
                    return;
                }
            }
            after_paint(move || {
                measure("flagdeck:quest-page", &start);
                clear_mark(&start);
            });
        });
    }
}

/// The board's columns.
#[component]
pub(super) fn Board(state: QuestsState) -> impl IntoView {
    let columns =
        move || state.shown.with(|g| g.columns.iter().map(|c| c.status.clone()).collect::<Vec<_>>());
    view! {
        <div class="quest-board" data-testid="quest-board">
            <For each=columns key=|s| s.clone() let:status>
                <BoardColumn state=state status=status />
            </For>
        </div>
    }
}

/// One column: its header with the count, its cards, and the ways to the rest.
#[component]
fn BoardColumn(state: QuestsState, status: String) -> impl IntoView {
    let column = {
        let status = status.clone();
        move || state.shown.with(|g| g.columns.iter().find(|c| c.status == status).cloned())
    };
    let count = {
        let column = column.clone();
        move || column().map(|c| c.count).unwrap_or(0)
    };
    let shown_cards = {
        let column = column.clone();
        move || column().map(|c| c.cards).unwrap_or_default()
    };
    let count_value = count.clone();
    let label = status_label(&status);
    let known = QuestStatus::parse(&status).is_some();
    let list_link = {
        let status = status.clone();
        move || {
            let filter = state.view.query().with(|q| only_status(&q.filter, &status));
            QuestQuery { filter, layout: Layout::List }
        }
    };
    let more_status = status.clone();
    let count_for_more = count.clone();
    let shown_len = {
        let column = column.clone();
        move || column().map(|c| c.cards.len()).unwrap_or(0)
    };
    view! {
        <section class="quest-column" class:unknown=!known data-status=status.clone()>
            <h2 class="column-head" data-testid="quest-status-count" data-status=status.clone() data-value=count_value
                title=if known { String::new() } else { format!("A status the quest scripts never write, as stored: {status:?}") }>
                {label} " " <span class="count">{count}</span>
            </h2>
            <div class="column-cards">
                <For each=shown_cards key=|c| (c.id, c.updated.0.display(), c.status.clone()) let:card>
                    <Card card=card />
                </For>
            </div>
            {move || {
                let (n, total) = (shown_len(), count_for_more() as usize);
                (n < total).then(|| {
                    let status = more_status.clone();
                    let link = list_link.clone()();
                    let href = link.href();
                    view! {
                        <div class="column-more">
                            <button class="button" data-testid="quest-show-more" on:click=move |_| state.more(status.clone())>
                                {format!("Show {} more", BOARD_CARDS.min(total - n))}
                            </button>
                            <a class="link" data-testid="quest-column-list" href=href on:click=move |e| {
                                e.prevent_default();
                                state.view.open(state.nav, link.clone());
                            }>{format!("all {total} in the list")}</a>
                        </div>
                    }
                })
            }}
        </section>
    }
}
