//! The summary page: what is open (file, generation, counts) and the changes since opening.
//! Flag counts show only for files with flags, the quest count only for files with quests.

use leptos::prelude::*;

use crate::web::files::loader::{Shared, Source, WalOutcome};
use crate::web::platform::sqljs::BackgroundJob;
use crate::web::quests::{Layout, QuestQuery};
use crate::web::state::{AppState, Changes, ForData};
use crate::web::widgets::human_size;
use flagdeck_core::dashboard::quests::DEFAULT_STALL_AFTER_HOURS;
use flagdeck_core::edits::EditTable;
use flagdeck_core::quests::{self, QuestFilter, QuestSort, QuestStatus, QuestSummary};
use flagdeck_core::unusable::EngineLimits;
use flagdeck_core::wal::WalReport;
use leptos::task::spawn_local;

/// The summary's quest figures as last counted, with the data they were counted from
/// ([`ForData`]): a context kept across visits. Shown again at once while the data is the
/// same, they spare the worker a pass over every quest (~250 ms at 100k quests in sql.js, read
/// in steps as a background job); any change to the data gives another key, so they are
/// counted again.
pub type QuestFiguresCache = ForData<QuestSummary>;

/// One headline number with its hook for tests.
#[component]
fn Count(
    label: &'static str,
    testid: &'static str,
    value: Option<i64>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let text = value.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    view! {
        <div class="count" title=hint>
            <div class="count-value" data-testid=testid>{text}</div>
            <div class="count-label">{label}</div>
        </div>
    }
}

/// The line saying what the `-wal` opened with the database added: frames and transactions
/// applied, and what was left out and why.
fn wal_line(name: &str, report: &WalReport) -> impl IntoView {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut text = if report.commits_applied == 0 {
        format!("Read with {name}: it holds no committed changes, so the database is shown as its file stores it.")
    } else {
        format!(
            "Read with {name}, as SQLite reads it: {} in {} applied (the newest changes, not yet checkpointed \
             into the file).",
            plural(report.frames_applied, "page frame", "page frames"),
            plural(report.commits_applied, "committed transaction", "committed transactions"),
        )
    };
    let left_out: Vec<String> = report
        .why
        .iter()
        .filter(|w| !matches!(w, flagdeck_core::wal::Ignored::NoFrames))
        .map(ToString::to_string)
        .collect();
    if !left_out.is_empty() {
        text.push_str(&format!(" Left out, as SQLite leaves them out: {}.", left_out.join("; ")));
    }
    view! {
        <p class="file-meta" data-testid="wal-applied" data-frames=report.frames_applied data-commits=report.commits_applied>
            {text}
        </p>
    }
}

/// What was opened: file, schema generation, counts.
#[component]
pub fn SummaryPanel(open: Shared) -> impl IntoView {
    let changes = expect_context::<Changes>();
    let r = &open.report;
    let live = changes.live_counts().get_untracked();
    let c = live.as_ref().unwrap_or(&r.counts);
    let source = match &open.source {
        Source::File => "opened from this computer".to_owned(),
        Source::Url(url) => format!("downloaded from {url}"),
        Source::Demo => "flagdeck's demo database (made by its demo generator)".to_owned(),
    };
    let generation_class = format!("badge {}", r.generation.code());
    let wal_applied = match &open.wal {
        Some(WalOutcome::Applied { name, report }) => Some(wal_line(name, report)),
        _ => None,
    };
    let flags = c.flags.clone().map(|f| {
        view! {
            <h2>"Flags"</h2>
            <div class="counts">
                <Count label="flags" testid="count-flags" value=Some(f.total) />
                <Count label="pending" testid="count-pending" value=Some(f.pending) hint="status = 'pending'" />
                <Count label="completed" testid="count-completed" value=Some(f.completed) hint="status = 'completed'" />
                <Count
                    label="locked"
                    testid="count-locked"
                    value=Some(f.locked)
                    hint="locked = 1, any status (completing a flag does not unlock it)"
                />
                <Count
                    label="workable"
                    testid="count-workable"
                    value=Some(f.workable)
                    hint="pending, unlocked, with a target (the empty broadcast target counts), as get-workable-flags lists them"
                />
            </div>
            <p class="detail">{format!("{} of the locked flags are pending.", f.locked_pending)}</p>
        }
    });
    let quests = c.quests.map(|n| {
        // Open, waiting and stalled quests (`quests::summary`, in keyset steps), each a link
        // to the quests page showing them; counted again only when the data changed.
        let (state, cache) = (expect_context::<AppState>(), expect_context::<QuestFiguresCache>());
        // The key of the data read, when this panel shows the file on screen.
        let key = state.db().is_current(&open).then(|| state.db().data_key());
        let figures = RwSignal::new(key.and_then(|k| cache.get(k)));
        if figures.get_untracked().is_none() {
            let db = open.clone();
            spawn_local(async move {
                // Read in the background: a page opened meanwhile reads first.
                if let Ok(s) = quests::summary(&BackgroundJob(&db.db), DEFAULT_STALL_AFTER_HOURS).await {
                    if let Some(k) = key {
                        cache.put(k, s);
                    }
                    figures.try_set(Some(s));
                }
            });
        }
        let open_statuses: Vec<String> =
            QuestStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.sql().to_owned()).collect();
        let open_query = QuestQuery {
            filter: QuestFilter { statuses: open_statuses, ..QuestFilter::default() },
            ..QuestQuery::default()
        };
        let waiting = QuestQuery {
            filter: QuestFilter { statuses: vec![QuestStatus::Waiting.sql().to_owned()], ..QuestFilter::default() },
            ..QuestQuery::default()
        };
        // Stalled: the open quests in the list, least recently updated first.
        let stalled = QuestQuery { layout: Layout::List, sort: (QuestSort::Updated, false), ..open_query.clone() };
        let link = move |label: &'static str, testid: &'static str, hint: &'static str, q: QuestQuery, pick: fn(&QuestSummary) -> i64| {
            view! {
                <a class="count" title=hint href=q.href()>
                    <div class="count-value" data-testid=testid>
                        {move || figures.get().map(|f| pick(&f).to_string()).unwrap_or_else(|| "…".into())}
                    </div>
                    <div class="count-label">{label}</div>
                </a>
            }
        };
        view! {
            <h2>"Quests"</h2>
            <div class="counts">
                <Count label="quests" testid="count-quests" value=Some(n) hint="rows of acolyte_quests" />
                {link("open", "count-quests-open", "working, waiting or reviewing (any status but completed, failed, timed out)", open_query, |f| f.open)}
                {link("waiting on someone", "count-quests-waiting", "status waiting: a message waits for the agent whose turn it is", waiting, |f| f.waiting)}
                {link("idle 24 h+", "count-quests-stalled", "open, someone's turn, no update for 24 h before the file's latest update (the dashboard's 'stalled' counts from turn timelines and its own threshold)", stalled, |f| f.stalled)}
            </div>
        }
    });
    let warnings = r.warnings.clone();
    let limits = (!r.limits.is_empty()).then(|| view! { <EngineLimitsNote limits=r.limits.clone() /> });
    let unusable = match r.limits.objects.len() {
        0 => String::new(),
        n => format!(" {n} of these objects cannot be used here (listed above)."),
    };
    view! {
        <section class="summary" aria-label="Database summary">
            <div class="file-line">
                <h1 data-testid="file-name">{open.name.clone()}</h1>
                <span class=generation_class title=r.generation.label()>
                    <span data-testid="schema-generation">{r.generation.code()}</span>
                    " · " {r.generation.label()}
                </span>
            </div>
            <p class="file-meta">
                {human_size(r.file_bytes)} " · " {source} " · user_version " {r.user_version} " · page size "
                {r.page_size} {if r.wal { " · WAL journal" } else { " · rollback journal" }}
            </p>
            {wal_applied}
            {warnings
                .into_iter()
                .map(|w| view! { <p class="warning" data-testid="schema-warning" role="note">"⚠ " {w}</p> })
                .collect_view()}
            {limits}
            {flags}
            {quests}
            <h2>"Agents and activity"</h2>
            <div class="counts">
                <Count label="agents in the catalog" testid="count-agents" value=Some(c.agents) />
                <Count label="tool_logs rows" testid="count-tool-logs" value=c.tool_logs />
                <Count label="agent_health rows" testid="count-agent-health" value=c.agent_health />
            </div>
            <ChangesList />
            <p class="detail">
                {format!(
                    "Schema: {} tables, {} indexes, {} triggers, {} views.{unusable} Integrity quick check: ok.",
                    r.tables, r.indexes, r.triggers, r.views
                )}
            </p>
        </section>
    }
}

/// How many unusable objects the summary lists before "… and N more".
const OBJECTS_SHOWN: usize = 12;

/// The schema objects this browser's SQLite cannot use (`EngineLimits`), one line each (a few,
/// then how many more), and what follows: which writes fail, and for flags that editing is off.
#[component]
fn EngineLimitsNote(limits: EngineLimits) -> impl IntoView {
    let more = limits.objects.len().saturating_sub(OBJECTS_SHOWN);
    let items = limits
        .objects
        .iter()
        .take(OBJECTS_SHOWN)
        .map(|o| {
            view! {
                <li data-testid="unusable-object" data-kind=o.kind.noun() data-name=o.name.clone()
                    data-module=o.module.clone()>
                    {o.describe()}
                </li>
            }
        })
        .collect_view();
    let edit_off = limits.edit_off("flags", "flags");
    let others: Vec<String> = limits
        .blocked
        .iter()
        .filter(|b| !b.table.eq_ignore_ascii_case("flags"))
        .map(|b| {
            let text = b.describe();
            let mut chars = text.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        })
        .collect();
    view! {
        <div class="notice engine-limits" data-testid="engine-limits" role="note">
            <p>{limits.headline()}</p>
            <ul class="warnings">
                {items}
                {(more > 0).then(|| view! { <li>{format!("… and {} more", flagdeck_core::listing::thousands(more))}</li> })}
            </ul>
            {edit_off.map(|why| view! { <p class="warning" data-testid="edit-off-summary">"⚠ " {why}</p> })}
            {others.into_iter().map(|t| view! { <p class="warning">"⚠ " {t} "."</p> }).collect_view()}
        </div>
    }
}

/// Every change since the file was opened (flag edits, quest status changes), before → after:
/// what export will write.
#[component]
fn ChangesList() -> impl IntoView {
    let changes = expect_context::<Changes>();
    let edits = move || {
        // Each edit in words, read in place: values are never copied whole (one can be huge).
        let done: Vec<(String, String, bool, i64)> = changes.history().with(|h| {
            h.edits()
                .map(|e| {
                    let parts: Vec<String> = e
                        .changes
                        .iter()
                        .map(|c| format!("{}: {} → {}", c.column, shown(&c.before), shown(&c.after)))
                        .collect();
                    // The row's key is `flag_id` for both tables (see `Edit::table`).
                    let quest = e.table == EditTable::Quests;
                    let (text, hover) = if quest {
                        flagdeck_core::quests::edit::change_words(e)
                    } else {
                        (format!("#{} {}: {}", e.flag_id, e.label, parts.join("; ")), String::new())
                    };
                    (text, hover, quest, e.flag_id)
                })
                .collect()
        });
        (!done.is_empty()).then(|| {
            view! {
                <h2>{format!("Changes since opening ({})", done.len())}</h2>
                <ol class="changes" data-testid="changes">
                    {done
                        .into_iter()
                        .map(|(text, hover, quest, id)| {
                            view! {
                                <li data-flag-id=(!quest).then_some(id) data-quest-id=quest.then_some(id)
                                    title=(!hover.is_empty()).then_some(hover)>
                                    {text}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            }
        })
    };
    let other = move || {
        let notes = changes.other().get();
        (!notes.is_empty()).then(|| {
            view! {
                <h3>"Other changes to the file (no undo)"</h3>
                <ul class="changes" data-testid="other-changes">
                    {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
            }
        })
    };
    view! { {edits} {other} }
}

/// A value as the Changes list shows it: at most 60 characters (then `…`), read from the start
/// only, so a huge text costs what a short one does.
fn shown(v: &flagdeck_core::Value) -> String {
    match v {
        flagdeck_core::Value::Null => "NULL".into(),
        flagdeck_core::Value::Text(t) => flagdeck_core::long_text::ellipsis(t, 60),
        other => flagdeck_core::long_text::ellipsis(&other.display(), 60),
    }
}
