//! The detail panel of one flag: every field, the actions (complete, reopen, lock, follow up,
//! ask for information, edit), the fix of rows older than the triggers, and the chain.

use leptos::prelude::*;

use crate::web::flags::form::{FollowUp, FormRequest, FORM_INLINE_CHARS};
use crate::web::platform::browser::local_minute;
use crate::web::state::AppState;
use crate::web::state::{use_latest, OpenDb, View};
use crate::web::widgets::long_text::{LongText, Whole};
use crate::web::widgets::time::{Time, TimeText};
use flagdeck_core::edits;
use flagdeck_core::flags::{flag_detail_preview, FlagDetail, MIN_ACTION_REQUIRED, MIN_CHANGE_DESCRIPTION};
use flagdeck_core::long_text::{DETAIL_PREFIX_CHARS, PRETTY_JSON_MAX_CHARS};
use flagdeck_core::vocabulary::{FlagAction, Status};
use flagdeck_core::Value;

/// Every field of one flag and its chain. Long texts arrive as their first
/// [`DETAIL_PREFIX_CHARS`] characters ([`flag_detail_preview`]); the rest on demand.
#[component]
pub(super) fn FlagDetailPanel(id: i64) -> impl IntoView {
    let app = expect_context::<AppState>();
    let db = expect_context::<OpenDb>();
    let version = db.data_version();
    // Read again after every change; the latest read wins, the previous stays shown meanwhile.
    let detail = use_latest(move |_| {
        version.track();
        let open = db.get();
        Some(async move {
            match open {
                Some(open) => {
                    flag_detail_preview(&open.db, id, DETAIL_PREFIX_CHARS).await.map_err(|e| e.to_string())
                }
                None => Ok(None),
            }
        })
    });
    view! {
        <aside class="flag-detail" data-testid="flag-detail" data-flag-id=id>
            <button class="link" on:click=move |_| app.go(View::Flags)>"close"</button>
            {move || match detail.get() {
                None => view! { <p class="muted">"Reading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert" role="alert">{e}</p> }.into_any(),
                Some(Ok(None)) => view! { <p class="warning">{format!("There is no flag #{id} in this file.")}</p> }.into_any(),
                Some(Ok(Some(d))) => view! { <DetailBody detail=d /> }.into_any(),
            }}
        </aside>
    }
}

/// A refused completion whose text must be lengthened first: (column, the completion values).
type Fix = Option<(&'static str, Vec<(&'static str, Value)>)>;

/// The text of column `c` of the flag, as shown.
fn text(detail: &FlagDetail, c: &str) -> String {
    detail.get(c).map(Value::display).unwrap_or_default()
}

/// The flag: its actions, the fix of a text older than the rules, its fields and its chain.
#[component]
fn DetailBody(detail: FlagDetail) -> impl IntoView {
    let fix = RwSignal::new(None);
    let current_texts = (text(&detail, "action_required"), text(&detail, "change_description"));
    view! {
        <h2>{format!("Flag #{}", detail.id)}</h2>
        <FlagActions detail=detail.clone() fix=fix />
        <FixBox id=detail.id fix=fix current_texts=current_texts />
        <FlagFields detail=detail.clone() />
        <FlagChain detail=detail />
    }
}

/// Complete (or reopen), edit, follow up, ask for information, lock or unlock.
#[component]
fn FlagActions(detail: FlagDetail, fix: RwSignal<Fix>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let id = detail.id;
    let pending = Status::parse(&text(&detail, "status")) == Status::Pending;
    let locked = detail.get("locked").and_then(Value::as_i64).unwrap_or(0) != 0;
    let form = expect_context::<FormRequest>();
    let origin = detail.get("chain_origin_id").and_then(Value::as_i64).unwrap_or(detail.id);
    let responder = text(&detail, "target_agent");
    let asker = responder.clone();
    let source_agent = text(&detail, "source_agent");
    // A locked flag whose information request (a follow-up its target raised in this chain)
    // has been completed: offer to unlock it.
    let answered = detail
        .chain
        .iter()
        .find(|l| {
            !l.is_origin
                && l.id != detail.id
                && l.source_agent == responder
                && Status::parse(&l.status) == Status::Completed
        })
        .map(|l| l.id);
    let off = super::flag_edit_off(expect_context::<OpenDb>());
    let db = expect_context::<OpenDb>();
    // Read the flag again for the form: it starts from what is stored (texts too long for a
    // text box as their start, see `FORM_INLINE_CHARS`).
    let edit = move |_| {
        let Some(open) = db.get() else { return };
        leptos::task::spawn_local(async move {
            match flag_detail_preview(&open.db, id, FORM_INLINE_CHARS).await {
                Ok(Some(whole)) => form.edit(whole),
                Ok(None) => app.alert(format!("There is no flag #{id} in this file.")),
                Err(e) => app.alert(format!("Flag #{id} could not be read: {e}")),
            }
        });
    };
    view! {
        {off.clone().map(|why| view! { <p class="warning" data-testid="edit-off" role="note">"⚠ " {why}</p> })}
        // A disabled fieldset disables every control in it.
        <fieldset class="bare" disabled=off.is_some() title=off.clone()>
        <div class="flag-actions">
            {if pending {
                view! { <CompleteControls id=id fix=fix /> }.into_any()
            } else {
                view! {
                    <button class="button" data-testid="flag-reopen" on:click=move |_| app.edit_flag(id, FlagAction::Reopen.label(), edits::reopen_values())>
                        "Reopen"
                    </button>
                }.into_any()
            }}
            <button class="button" data-testid="flag-edit" title="Edit every field (e)" on:click=edit>
                "Edit"
            </button>
            <button class="button" data-testid="flag-follow-up" title="A new flag in this flag's chain" on:click=move |_| {
                app.go(View::Flags);
                form.create(Some(FollowUp { origin, source: responder.clone(), target: String::new(), ask_about: None }));
            }>"Follow up"</button>
            {(pending && !locked).then(|| {
                let asker = asker.clone();
                let source_agent = source_agent.clone();
                view! {
                    <button class="button" data-testid="flag-ask" title="Lock this flag and ask another agent for what is missing, in one step" on:click=move |_| {
                        app.go(View::Flags);
                        form.create(Some(FollowUp { origin, source: asker.clone(), target: source_agent.clone(), ask_about: Some(id) }));
                    }>"Ask for information"</button>
                }
            })}
            {(locked && pending).then(|| answered.map(|answer| view! {
                <p class="notice" data-testid="answered">
                    {format!("The information request #{answer} is completed. ")}
                    <button class="button" data-testid="unlock-answered" on:click=move |_| app.edit_flag(id, FlagAction::Unlock.label(), edits::lock_values(false))>"Unlock"</button>
                </p>
            }))}
            {if locked {
                view! { <button class="button" data-testid="flag-unlock" on:click=move |_| app.edit_flag(id, FlagAction::Unlock.label(), edits::lock_values(false))>"Unlock"</button> }.into_any()
            } else {
                view! { <button class="button" data-testid="flag-lock" on:click=move |_| app.edit_flag(id, FlagAction::Lock.label(), edits::lock_values(true))>"Lock"</button> }.into_any()
            }}
        </div>
        </fieldset>
    }
}

/// Completes a pending flag, with who and notes; a refusal over a text older than the rules
/// opens the fix.
#[component]
fn CompleteControls(id: i64, fix: RwSignal<Fix>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let completed_by = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let complete = move |_| {
        let values = edits::complete_values(
            &local_minute(),
            Some(&completed_by.get_untracked()),
            Some(&notes.get_untracked()),
        );
        let retry = values.clone();
        app.edit_flag_then(id, FlagAction::Complete.label(), values, move |outcome| {
            let Err(message) = outcome else { return };
            // A row older than the triggers: offer to fix the short text and complete in the
            // same step, as the tool cannot.
            let column = if message.starts_with("action_required") {
                Some("action_required")
            } else if message.starts_with("change_description") {
                Some("change_description")
            } else {
                None
            };
            if let Some(column) = column {
                fix.set(Some((column, retry.clone())));
            }
        });
    };
    view! {
        <input class="small" placeholder="completed by (optional)" data-testid="complete-by"
            on:input=move |e| completed_by.set(event_target_value(&e)) />
        <input class="small" placeholder="notes (optional)" data-testid="complete-notes"
            on:input=move |e| notes.set(event_target_value(&e)) />
        <button class="button primary" data-testid="flag-complete" on:click=complete>"Complete"</button>
    }
}

/// Lengthens the text SQLite refused and completes, in one step.
#[component]
fn FixBox(id: i64, fix: RwSignal<Fix>, current_texts: (String, String)) -> impl IntoView {
    let app = expect_context::<AppState>();
    let fix_text = RwSignal::new(String::new());
    move || {
        fix.get().map(|(column, values)| {
            let (minimum, current) = if column == "action_required" {
                (MIN_ACTION_REQUIRED, current_texts.0.clone())
            } else {
                (MIN_CHANGE_DESCRIPTION, current_texts.1.clone())
            };
            if fix_text.get_untracked().is_empty() {
                fix_text.set(current.clone());
            }
            view! {
                <div class="fix-box" data-testid="fix-box">
                    <p class="warning">
                        {format!(
                            "This flag is older than the database's rules: its {column} is shorter than {minimum} characters, so SQLite refuses any change to it (agent_db.py complete-flag fails on it too). Lengthen it and complete in one step:"
                        )}
                    </p>
                    <textarea data-testid="fix-text" rows="4" prop:value=move || fix_text.get()
                        on:input=move |e| fix_text.set(event_target_value(&e))></textarea>
                    <p class="muted">{move || format!("{}/{minimum}", fix_text.with(|t| t.chars().count()))}</p>
                    <button class="button primary" data-testid="fix-and-apply"
                        disabled=move || fix_text.with(|t| t.chars().count()) < minimum
                        on:click=move |_| {
                            let mut values = values.clone();
                            values.push((column, Value::from(fix_text.get_untracked())));
                            fix.set(None);
                            app.edit_flag(id, "complete (text fixed)", values);
                        }>"Fix and complete"</button>
                </div>
            }
        })
    }
}

/// "stored as BLOB" (text) or "binary BLOB, N bytes, shown as hex" next to a column's name,
/// when the column holds a BLOB ([`Value::blob_note`]).
fn blob_mark(detail: &FlagDetail, c: &'static str) -> Option<impl IntoView> {
    detail.get(c).and_then(Value::blob_note).map(|note| {
        view! { <span class="blob-note muted" data-testid="blob-note" data-column=c>{format!(" ({note})")}</span> }
    })
}

/// The flag columns shown as dates ([`Time`]).
const DATES: [&str; 3] = ["created_at", "completed_at", "acknowledged_at"];

/// Every field of the flag; dates in the one UI format (stored value on hover); context JSON
/// pretty-printed, or as stored with a warning.
#[component]
fn FlagFields(detail: FlagDetail) -> impl IntoView {
    let text = |c: &str| text(&detail, c);
    let files: Vec<String> = text("related_files")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let context = context_view(&detail);
    let long = |c: &'static str, class: &'static str| long_text(&detail, c, class);
    let plain = [
        "flag_type",
        "impact_level",
        "status",
        "locked",
        "source_agent",
        "target_agent",
        "created_at",
        "completed_at",
        "completed_by",
        "session_id",
        "acknowledged_at",
    ];
    view! {
        <dl class="fields">
            {plain.iter().map(|c| {
                let value = if DATES.contains(c) {
                    let stored = detail.get(c).cloned().unwrap_or(Value::Null);
                    view! { <Time value=stored testid="flag-date" /> }.into_any()
                } else {
                    text(c).into_any()
                };
                view! { <dt>{*c}{blob_mark(&detail, c)}</dt> <dd data-column=*c>{value}</dd> }
            }).collect_view()}
            <dt>"change_description"{blob_mark(&detail, "change_description")}</dt><dd data-column="change_description">{long("change_description", "prose")}</dd>
            <dt>"action_required"{blob_mark(&detail, "action_required")}</dt><dd data-column="action_required">{long("action_required", "prose")}</dd>
            <dt>"related_files"</dt>
            <dd><ul class="files">{files.into_iter().map(|f| view! { <li><code>{f}</code></li> }).collect_view()}</ul></dd>
            <dt>"code_location"{blob_mark(&detail, "code_location")}</dt><dd><code>{text("code_location")}</code></dd>
            <dt>"example_usage"{blob_mark(&detail, "example_usage")}</dt><dd data-column="example_usage">{long("example_usage", "code")}</dd>
            <dt>"context"{blob_mark(&detail, "context")}</dt><dd data-column="context">{context}</dd>
            <dt>"notes"{blob_mark(&detail, "notes")}</dt><dd data-column="notes">{long("notes", "prose")}</dd>
        </dl>
    }
}

/// Column `column` of the flag as a [`LongText`]: what the preview holds, and when SQL cut it,
/// the whole value on demand.
fn long_text(detail: &FlagDetail, column: &'static str, class: &'static str) -> impl IntoView {
    let shown = text(detail, column);
    let (length, whole) = match detail.cut_length(column) {
        Some(n) => (n, Whole::FlagCell { id: detail.id, column }),
        None => (shown.chars().count(), Whole::Shown),
    };
    let file_name = format!("flag-{}-{column}.txt", detail.id);
    view! { <LongText prefix=shown length=length whole=whole file_name=file_name class=class testid="long-text" /> }
        .into_any()
}

/// The context: JSON pretty-printed up to [`PRETTY_JSON_MAX_CHARS`] characters; longer (or cut
/// by the preview) shown as stored with a note; not JSON shown as stored with a warning.
fn context_view(detail: &FlagDetail) -> AnyView {
    let file_name = format!("flag-{}-context.json", detail.id);
    match (detail.get("context"), detail.cut_length("context")) {
        // A binary BLOB is shown as hex (with its size).
        (Some(v), _) if v.is_binary() => view! { <pre class="code">{v.display()}</pre> }.into_any(),
        // Text, or a BLOB holding text, is read as JSON.
        (Some(v), cut) if v.as_str().is_some_and(|raw| !raw.is_empty()) => {
            let raw = v.as_str().unwrap_or_default().to_owned();
            let length = cut.unwrap_or_else(|| raw.chars().count());
            if length > PRETTY_JSON_MAX_CHARS {
                let whole = if cut.is_some() {
                    Whole::FlagCell { id: detail.id, column: "context" }
                } else {
                    Whole::Shown
                };
                return view! {
                    <span class="muted" data-testid="json-raw-note">
                        {format!(
                            "Shown as stored: {} characters is more than the {} this page pretty-prints.",
                            crate::web::widgets::group_digits(length as i64),
                            crate::web::widgets::group_digits(PRETTY_JSON_MAX_CHARS as i64)
                        )}
                    </span>
                    <LongText prefix=raw.clone() length=length whole=whole file_name=file_name class="code" testid="long-text" />
                }
                .into_any();
            }
            // Indented with every number and string as stored (a 30-digit number stays 30 digits).
            match flagdeck_core::json_text::pretty(&raw) {
                Ok(pretty) => {
                    let start = flagdeck_core::long_text::TextPrefix::of(&pretty, DETAIL_PREFIX_CHARS);
                    let whole = if start.is_cut() { Whole::Held(pretty.into()) } else { Whole::Shown };
                    view! {
                        <LongText prefix=start.text length=start.length whole=whole file_name=file_name class="code" testid="long-text" />
                    }
                    .into_any()
                }
                Err(e) => view! {
                    <span class="json-warning" data-testid="json-warning">{format!("⚠ not valid JSON ({e}); shown as stored")}</span>
                    <pre class="code">{raw}</pre>
                }
                .into_any(),
            }
        }
        _ => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

/// The flag's chain, each link a way to its flag.
#[component]
fn FlagChain(detail: FlagDetail) -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <h2>"Chain"</h2>
        {detail.missing_origin.map(|o| view! { <p class="warning">{format!("The chain's origin, flag #{o}, is not in this file.")}</p> })}
        {if detail.chain.is_empty() {
            view! { <p class="muted">"Not part of a chain."</p> }.into_any()
        } else {
            view! {
                <ol class="chain" data-testid="flag-chain">
                    {detail.chain.iter().map(|l| {
                        let id = l.id;
                        view! {
                            <li class:current=l.id == detail.id data-flag-id=id>
                                <button class="link" on:click=move |_| app.go(View::Flag(id))>{format!("#{}", l.id)}</button>
                                {format!(" {} {} → {} · {} · ", if l.is_origin { "origin ·" } else { "" }, l.source_agent, if l.target_agent.is_empty() { "(broadcast)" } else { &l.target_agent }, l.status)}
                                <TimeText text=l.created_at.clone() />
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}
