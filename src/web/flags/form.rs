//! The flag form: a new flag, a follow-up in a chain, or an edit of any field of an existing
//! flag, checked live against the tool's rules before it can be saved.

use leptos::prelude::*;

use crate::web::platform::browser::local_minute;
use crate::web::platform::perf::mark;
use crate::web::state::AppState;
use crate::web::state::{CatalogState, OpenDb, View};
use flagdeck_core::edit_form::{read_edit_form, EDIT_FIELDS};
use flagdeck_core::flags::{validate, with_at, FlagDetail, FlagDraft, CRITICAL_TYPES};
use flagdeck_core::flags::{MIN_ACTION_REQUIRED, MIN_CHANGE_DESCRIPTION};
use flagdeck_core::long_text::{flag_cell_pieces, READ_PIECE_CHARS};
use flagdeck_core::vocabulary::Impact;
use flagdeck_core::Value;
use leptos::task::spawn_local;

/// Which form is open: shared by the list (the `n` and `e` keys), the detail panel's buttons and
/// the form itself. `Copy`; read with [`is_open`](Self::is_open), change with the named actions.
#[derive(Clone, Copy)]
pub(super) struct FormRequest {
    creating: RwSignal<bool>,
    follow: RwSignal<Option<FollowUp>>,
    editing: RwSignal<Option<FlagDetail>>,
}

impl FormRequest {
    pub fn new() -> Self {
        FormRequest {
            creating: RwSignal::new(false),
            follow: RwSignal::new(None),
            editing: RwSignal::new(None),
        }
    }

    /// A new flag, or a follow-up in a chain.
    pub fn create(self, follow: Option<FollowUp>) {
        self.editing.set(None);
        self.follow.set(follow);
        self.creating.set(true);
    }

    /// Every field of an existing flag.
    pub fn edit(self, detail: FlagDetail) {
        self.follow.set(None);
        self.editing.set(Some(detail));
        self.creating.set(true);
    }

    pub fn close(self) {
        self.creating.set(false);
    }

    /// The form is shown (tracked).
    pub fn is_open(self) -> bool {
        self.creating.get()
    }
}

/// A follow-up to write: its chain, the agents to prefill, and for "ask for information" the
/// flag to lock while it waits for the answer.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct FollowUp {
    pub origin: i64,
    pub source: String,
    pub target: String,
    pub ask_about: Option<i64>,
}

/// The flag types agent_db.py's users write.
const FLAG_TYPES: &[&str] = &[
    "change",
    "new_feature",
    "refactor",
    "enhancement",
    "deprecation",
    "breaking_change",
    "security",
    "data_loss",
];
const IMPACTS: &[&str] = &Impact::LEAST_FIRST;

/// What the person has typed, column by column.
#[derive(Clone, Copy)]
struct Typed(RwSignal<Vec<(&'static str, String)>>);

impl Typed {
    fn get(self, column: &str) -> String {
        self.0.with(|t| t.iter().find(|(c, _)| *c == column).map(|(_, v)| v.clone()).unwrap_or_default())
    }

    fn set(self, column: &'static str, text: String) {
        self.0.update(|t| match t.iter_mut().find(|(c, _)| *c == column) {
            Some(entry) => entry.1 = text,
            None => t.push((column, text)),
        })
    }

    fn peek(self, column: &str) -> String {
        self.0.with_untracked(|t| {
            t.iter().find(|(c, _)| *c == column).map(|(_, v)| v.clone()).unwrap_or_default()
        })
    }

    /// The text of one column, changing only when that text changes: a field bound to it is not
    /// set again (a whole huge text handed to the page) when another field is typed in.
    fn memo(self, column: &'static str) -> Memo<String> {
        Memo::new(move |_| self.get(column))
    }

    fn has(self, column: &str) -> bool {
        self.0.with_untracked(|t| t.iter().any(|(c, _)| *c == column))
    }
}

/// The form's state, shared by its parts.
#[derive(Clone, Copy)]
struct Form {
    app: AppState,
    request: FormRequest,
    typed: Typed,
    /// The flag edited, `None` for a new flag,
    editing_id: Option<i64>,
    /// and its columns as stored.
    stored: StoredValue<Option<Vec<(String, Value)>>>,
    /// The chain a follow-up joins.
    origin: Option<i64>,
    /// The flag an "ask for information" locks.
    ask_about: Option<i64>,
    /// Columns of the edited flag whose text is too long for a text box at once, with their
    /// whole length: the form was given their first [`FORM_INLINE_CHARS`] characters only
    /// ([`FlagDetail::cut`], `stored` holds that start). They stay out of `typed` and out of
    /// what is saved (so unchanged) until a person asks to edit one, which reads it whole.
    big: StoredValue<Vec<(&'static str, usize)>>,
    /// Whether the file has the consistency trigger (ClaudeSquad files may not).
    consistency: bool,
    saving: RwSignal<bool>,
    /// What the tool's rules say about the text typed.
    problems: Memo<Vec<String>>,
}

impl Form {
    /// The form the request asks for: every stored field of the flag edited, or a new flag
    /// (prefilled for a follow-up).
    fn new(app: AppState, db: OpenDb, request: FormRequest) -> Self {
        let editing = request.editing.get_untracked();
        let follow_up = if editing.is_some() { None } else { request.follow.get_untracked() };
        let consistency =
            db.get().is_some_and(|o| o.facts.triggers.iter().any(|t| t == "validate_flag_consistency"));
        let big: Vec<(&'static str, usize)> = match &editing {
            Some(detail) => {
                EDIT_FIELDS.iter().filter_map(|(c, _)| detail.cut_length(c).map(|n| (*c, n))).collect()
            }
            None => Vec::new(),
        };
        let typed = Typed(RwSignal::new(match &editing {
            // Each column the row has, as stored (a text too long for a box: only when asked).
            Some(detail) => EDIT_FIELDS
                .iter()
                .filter(|(c, _)| !big.iter().any(|(b, _)| b == c))
                .filter_map(|(c, _)| detail.get(c).map(|v| (*c, v.display())))
                .collect(),
            None => vec![
                ("flag_type", "change".to_owned()),
                ("impact_level", "medium".to_owned()),
                ("source_agent", follow_up.as_ref().map(|f| f.source.clone()).unwrap_or_default()),
                ("target_agent", follow_up.as_ref().map(|f| f.target.clone()).unwrap_or_default()),
            ],
        }));
        let stored = StoredValue::new(editing.as_ref().map(|d| d.columns.clone()));
        Form {
            app,
            request,
            typed,
            editing_id: editing.as_ref().map(|d| d.id),
            stored,
            origin: follow_up.as_ref().map(|f| f.origin),
            ask_about: follow_up.as_ref().and_then(|f| f.ask_about),
            big: StoredValue::new(big),
            consistency,
            saving: RwSignal::new(false),
            // `stored` is read at each run: a long text read whole replaces its start there
            // before it joins `typed` (which reruns this).
            problems: Memo::new(move |_| stored.with_value(|s| problems(typed, s.as_deref(), consistency))),
        }
    }

    /// The form's heading.
    fn title(&self) -> String {
        match (self.editing_id, self.ask_about, self.origin) {
            (Some(id), _, _) => format!("Edit flag #{id}"),
            (None, Some(asked), _) => {
                format!("Ask for information about flag #{asked} (it is locked until answered)")
            }
            (None, None, Some(origin)) => format!("Follow-up in the chain of flag #{origin}"),
            (None, None, None) => "New flag".to_owned(),
        }
    }

    /// In an edit, only the columns the row has are offered (v0 files lack some).
    fn offered(&self, column: &str) -> bool {
        self.editing_id.is_none() || self.typed.has(column) || self.is_big(column)
    }

    /// A column whose stored text is not in a text box yet (see [`Form::big`]).
    fn is_big(&self, column: &str) -> bool {
        !self.typed.has(column) && self.big_length(column).is_some()
    }

    /// The whole length of a column given as its start only.
    fn big_length(&self, column: &str) -> Option<usize> {
        self.big.with_value(|b| b.iter().find(|(c, _)| *c == column).map(|(_, n)| *n))
    }

    /// The stored text of `column` (empty when the flag has none).
    fn stored_text(&self, column: &str) -> String {
        self.stored.with_value(|s| {
            s.as_ref()
                .and_then(|s| s.iter().find(|(c, _)| c == column))
                .map(|(_, v)| v.display())
                .unwrap_or_default()
        })
    }

    /// Saves the edit or the new flag, unless the rules object or it is being saved; a refusal
    /// keeps everything typed.
    fn save(self) {
        let (app, request, saving) = (self.app, self.request, self.saving);
        if !self.problems.get_untracked().is_empty() || saving.get_untracked() {
            return;
        }
        saving.set(true);
        if let (Some(id), Some(stored)) = (self.editing_id, self.stored.get_value()) {
            let mut values =
                self.typed.0.with_untracked(|t| read_edit_form(&stored, t, self.consistency)).values;
            // A long text not asked for is only its start here: it is left as stored.
            values.retain(|(c, _)| !self.is_big(c));
            // The flag is shown after the save unless the person went elsewhere meanwhile.
            let from = app.shown();
            app.edit_flag_then(id, "edit", values, move |outcome| {
                saving.set(false);
                if outcome.is_ok() {
                    request.close();
                    app.go_unless_moved(&from, View::Flag(id));
                    mark("flagdeck:flag-saved");
                }
            });
            return;
        }
        app.create_flag(new_flag_values(self.typed, self.origin), self.ask_about, move |ok| {
            saving.set(false);
            if ok {
                request.close();
            }
        });
    }

    /// Closes the form; an edit goes back to its flag.
    fn cancel(self) {
        self.request.close();
        if let Some(id) = self.editing_id {
            self.app.go(View::Flag(id));
        }
    }
}

/// What the tool's rules say about the text typed: of the edit (against the stored row) or of
/// the new flag.
fn problems(typed: Typed, stored: Option<&[(String, Value)]>, consistency: bool) -> Vec<String> {
    match stored {
        Some(stored) => typed
            .0
            .with(|t| read_edit_form(stored, t, consistency))
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        None => {
            let draft = FlagDraft {
                flag_type: typed.get("flag_type"),
                source_agent: with_at(&typed.get("source_agent")),
                target_agent: with_at(&typed.get("target_agent")),
                change_description: typed.get("change_description"),
                action_required: typed.get("action_required"),
                impact_level: typed.get("impact_level"),
            };
            validate(&draft, consistency).iter().map(ToString::to_string).collect()
        }
    }
}

/// The columns of a new flag from what was typed, pending and unlocked, created now; a
/// follow-up names its chain's origin.
fn new_flag_values(typed: Typed, origin: Option<i64>) -> Vec<(&'static str, Value)> {
    let text = |c: &str| typed.peek(c);
    let opt = |s: String| if s.trim().is_empty() { Value::Null } else { Value::from(s.trim()) };
    let mut values = vec![
        ("flag_type", Value::from(text("flag_type"))),
        ("source_agent", Value::from(with_at(&text("source_agent")))),
        ("target_agent", Value::from(with_at(&text("target_agent")))),
        ("change_description", Value::from(text("change_description"))),
        ("action_required", Value::from(text("action_required"))),
        ("impact_level", Value::from(text("impact_level"))),
        ("status", Value::from("pending")),
        ("locked", Value::Integer(0)),
        ("related_files", opt(text("related_files"))),
        ("code_location", opt(text("code_location"))),
        ("example_usage", opt(text("example_usage"))),
        ("created_at", Value::from(local_minute())),
    ];
    if let Some(origin) = origin {
        // chain_origin_id always names the first flag of the chain, as the tool writes it.
        values.push(("chain_origin_id", Value::Integer(origin)));
    }
    values
}

/// The form: a new flag, a follow-up, or an edit of every field of a flag. The tool's rules are
/// checked while typing; a refusal by SQLite keeps everything typed.
#[component]
pub(super) fn FlagForm() -> impl IntoView {
    let form =
        Form::new(expect_context::<AppState>(), expect_context::<OpenDb>(), expect_context::<FormRequest>());
    let (typed, problems, saving, editing_id) = (form.typed, form.problems, form.saving, form.editing_id);
    view! {
        <aside class="flag-detail" data-testid="flag-form" data-editing=editing_id>
            <button class="link" on:click=move |_| form.cancel()>"cancel"</button>
            <h2 data-testid="form-title">{form.title()}</h2>
            <div class="form-row">
                <label class="form-field">
                    <span>"Type"</span>
                    <select data-testid="form-type" on:change=move |e| typed.set("flag_type", event_target_value(&e))>
                        {choices(typed, "flag_type", FLAG_TYPES)}
                    </select>
                </label>
                <label class="form-field">
                    <span>"Impact"</span>
                    <select data-testid="form-impact" on:change=move |e| typed.set("impact_level", event_target_value(&e))>
                        {choices(typed, "impact_level", IMPACTS)}
                    </select>
                </label>
            </div>
            {line(form, "From (source agent)", "source_agent", "form-source")}
            {line(form, "To (target agent; empty = broadcast)", "target_agent", "form-target")}
            <TargetHelp typed=typed />
            {counted(form, "What changed (change_description)", "change_description", "form-change", MIN_CHANGE_DESCRIPTION)}
            {blob_note(form, "change_description")}
            {counted(form, "What others must do (action_required)", "action_required", "form-action", MIN_ACTION_REQUIRED)}
            {blob_note(form, "action_required")}
            {line(form, "Related files (comma-separated)", "related_files", "form-files")}
            {line(form, "Code location (file:line)", "code_location", "form-location")}
            {line(form, "Example usage", "example_usage", "form-example")}
            {editing_id.map(|_| view! { <EditOnlyFields form=form /> })}
            <ul class="form-errors">
                {move || problems.get().into_iter().map(|v| view! { <li data-testid="flag-error">{v}</li> }).collect_view()}
            </ul>
            <p class="muted">
                {format!("Critical is only for {}. ", CRITICAL_TYPES.join(", "))}
                {(!form.consistency).then_some("This ClaudeSquad file has no consistency trigger; the tool's own checks still apply.")}
            </p>
            <button class="button primary" data-testid="flag-save"
                disabled=move || !problems.get().is_empty() || saving.get()
                on:click=move |_| form.save()>{if editing_id.is_some() { "Save changes" } else { "Save flag" }}</button>
        </aside>
    }
}

/// The fields only an edit has: context, notes, and times, completion, session and chain.
#[component]
fn EditOnlyFields(form: Form) -> impl IntoView {
    view! {
        {area(form, "Context (JSON)", "context", "form-context")}
        {area(form, "Notes", "notes", "form-notes")}
        <details class="advanced">
            <summary>"Times, completion, session and chain"</summary>
            {line(form, "Created (YYYY-MM-DD HH:MM)", "created_at", "form-created_at")}
            {line(form, "Completed (YYYY-MM-DD HH:MM, empty if pending)", "completed_at", "form-completed_at")}
            {line(form, "Completed by", "completed_by", "form-completed_by")}
            {line(form, "Session id", "session_id", "form-session_id")}
            {line(form, "Chain origin (flag id)", "chain_origin_id", "form-chain_origin_id")}
            <p class="muted">"Status and lock have their own buttons: complete, reopen, lock, unlock."</p>
        </details>
    }
}

/// Characters of change_description the target suggestions search.
const SUGGEST_CHARS: usize = 5_000;

/// The catalog's help with the target: the agents whose search best matches the change, and a
/// warning when the target typed is no agent of the catalog.
#[component]
fn TargetHelp(typed: Typed) -> impl IntoView {
    let catalog = expect_context::<OpenDb>().catalog();
    let known_target = move || {
        let name = with_at(&typed.get("target_agent"));
        if name.is_empty() {
            return true;
        }
        match catalog.get() {
            CatalogState::Ready(data) => {
                data.agent(&name).is_some() || data.dynamic.iter().any(|d| d.flag_name() == name)
            }
            _ => true,
        }
    };
    // The start of the text is what the search reads: its words decide the agents, and a
    // huge text would make every key typed anywhere in the form search it all again.
    let start = Memo::new(move |_| {
        typed.0.with(|t| {
            let text = t.iter().find(|(c, _)| *c == "change_description").map_or("", |(_, v)| v.as_str());
            flagdeck_core::long_text::cut(text, SUGGEST_CHARS).0.to_owned()
        })
    });
    let suggestions = move || {
        let text = start.get();
        match catalog.get() {
            CatalogState::Ready(data) => data
                .index
                .search_text(&text)
                .into_iter()
                .take(3)
                .map(|h| (data.agents[h.index].name.clone(), h.score))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        }
    };
    view! {
        <div class="suggestions">
            {move || suggestions().into_iter().map(|(name, score)| {
                let pick = name.clone();
                view! {
                    <button class="chip" data-testid="target-suggestion" title=format!("search score {score}")
                        on:click=move |_| typed.set("target_agent", pick.clone())>{name}</button>
                }
            }).collect_view()}
        </div>
        {move || (!known_target()).then(|| view! {
            <p class="warning" data-testid="target-warning">
                {format!("{} is not an agent of the catalog: nobody may pick this flag up.", with_at(&typed.get("target_agent")))}
            </p>
        })}
    }
}

/// A one-line field, when the row has its column.
fn line(form: Form, label: &'static str, column: &'static str, testid: &'static str) -> impl IntoView {
    let typed = form.typed;
    form.offered(column).then(|| {
        let value = typed.memo(column);
        view! {
            <label class="form-field">
                <span>{label}</span>
                <input data-testid=testid prop:value=value
                    on:input=move |e| typed.set(column, event_target_value(&e)) />
            </label>
            {blob_note(form, column)}
        }
    })
}

/// What the form says under a field whose stored value is a BLOB ([`Value::blob_note`]): kept
/// as stored when left as shown, written as text when changed.
fn blob_note(form: Form, column: &'static str) -> Option<impl IntoView> {
    let value =
        form.stored.with_value(|s| s.as_ref()?.iter().find(|(c, _)| c == column).map(|(_, v)| v.clone()))?;
    let note = value.blob_note()?;
    let then = if value.is_binary() {
        "left as shown, the bytes are kept; anything typed here replaces them with text"
    } else {
        "left as it is, it stays a BLOB; changed, it is written as text"
    };
    Some(
        view! { <p class="blob-note muted" data-testid="form-blob-note" data-column=column>{format!("{column} is {note}: {then}.")}</p> },
    )
}

/// A text with its length counted against the rule's minimum.
fn counted(
    form: Form,
    label: &'static str,
    column: &'static str,
    testid: &'static str,
    min: usize,
) -> impl IntoView {
    let typed = form.typed;
    if form.is_big(column) {
        return view! {
            <label class="form-field">
                <span>{label}</span>
                <BigText form=form column=column testid=testid class="" min=min />
            </label>
        }
        .into_any();
    }
    let value = typed.memo(column);
    let count = move || format!("{}/{min}", value.with(|v| v.chars().count()));
    view! {
        <label class="form-field">
            <span>{label} " " <em class="muted">{count}</em></span>
            <textarea data-testid=testid rows="4" prop:value=value
                on:input=move |e| typed.set(column, event_target_value(&e))></textarea>
        </label>
    }
    .into_any()
}

/// Characters of text above which an edited column is not put in a text box at once: a text
/// box lays out all of its text in one task (seconds for a million characters), so the form is
/// given the start of such a text ([`flag_detail_preview`]) and shows it, and reads the whole
/// text into a text box only when asked for. Until then the column is unchanged. The tool's
/// rules on it are minimum lengths, which its start already meets.
pub(super) const FORM_INLINE_CHARS: usize = flagdeck_core::long_text::DETAIL_PREFIX_CHARS;

/// Characters of a long text the form shows before its text box is asked for.
const FORM_PREVIEW_CHARS: usize = 2_000;

/// A stored text too long for a text box at once: its start, its length (against `min` when
/// the rule has one) and "Edit the whole text", which reads it whole into a text box.
#[component]
fn BigText(
    form: Form,
    column: &'static str,
    testid: &'static str,
    class: &'static str,
    min: usize,
) -> impl IntoView {
    let typed = form.typed;
    let open = RwSignal::new(false);
    let reading = RwSignal::new(false);
    let length = form.big_length(column).unwrap_or_default();
    let preview = flagdeck_core::long_text::ellipsis(&form.stored_text(column), FORM_PREVIEW_CHARS);
    let db = expect_context::<OpenDb>();
    let edit_whole = move |_| {
        let (Some(id), Some(open_db)) = (form.editing_id, db.get()) else { return };
        reading.set(true);
        spawn_local(async move {
            match flag_cell_pieces(&open_db.db, id, column, READ_PIECE_CHARS).await {
                Ok(Some(pieces)) => {
                    let whole = match pieces.as_slice() {
                        [] => Value::from(""),
                        [one] => one.clone(),
                        many => Value::from(many.iter().map(Value::display).collect::<String>()),
                    };
                    let text = whole.display();
                    // The stored value first, then the text box's: the rules compare the two.
                    form.stored.update_value(|s| {
                        if let Some(v) = s.as_mut().and_then(|s| s.iter_mut().find(|(c, _)| c == column)) {
                            v.1 = whole;
                        }
                    });
                    typed.set(column, text);
                    open.set(true);
                }
                Ok(None) => form.app.alert(format!("Flag #{id} is no longer in this file.")),
                Err(e) => form.app.alert(format!("The whole {column} could not be read: {e}")),
            }
            reading.set(false);
        });
    };
    move || {
        if open.get() {
            let value = typed.memo(column);
            let count = move || value.with(|v| v.chars().count());
            view! {
                <em class="muted">{move || if min > 0 { format!("{}/{min}", count()) } else { format!("{} characters", count()) }}</em>
                <textarea class=class data-testid=testid rows="12" prop:value=value
                    on:input=move |e| typed.set(column, event_target_value(&e))></textarea>
            }
            .into_any()
        } else {
            let counted = if min > 0 { format!("{length}/{min}") } else { format!("{length} characters") };
            view! {
                <em class="muted" data-testid="form-big-count">{counted}</em>
                <div class="code long-text long-box" data-testid="form-big-preview" data-column=column>{preview.clone()}</div>
                <p class="muted">
                    {format!(
                        "{} characters: kept as stored unless you edit it. A text box lays out all of it at once, which can hold the page for seconds. ",
                        crate::web::widgets::group_digits(length as i64)
                    )}
                    <button class="link" data-testid="form-big-edit" disabled=move || reading.get() on:click=edit_whole>
                        "Edit the whole text"
                    </button>
                </p>
            }
            .into_any()
        }
    }
}

/// A code-like text area, when the row has its column.
fn area(form: Form, label: &'static str, column: &'static str, testid: &'static str) -> impl IntoView {
    let typed = form.typed;
    form.offered(column).then(|| {
        if form.is_big(column) {
            return view! {
                <label class="form-field">
                    <span>{label}</span>
                    <BigText form=form column=column testid=testid class="code" min=0 />
                </label>
            }
            .into_any();
        }
        let value = typed.memo(column);
        view! {
            <label class="form-field">
                <span>{label}</span>
                <textarea class="code" data-testid=testid rows="4" prop:value=value
                    on:input=move |e| typed.set(column, event_target_value(&e))></textarea>
            </label>
            {blob_note(form, column)}
        }
        .into_any()
    })
}

/// The choices, plus the stored value when a file uses one outside them.
fn choices(typed: Typed, column: &'static str, known: &'static [&'static str]) -> impl IntoView {
    let current = typed.peek(column);
    let mut options: Vec<String> = known.iter().map(|s| (*s).to_owned()).collect();
    if !current.is_empty() && !options.contains(&current) {
        options.push(current.clone());
    }
    options
        .into_iter()
        .map(|o| view! { <option value=o.clone() selected=o == current>{o.clone()}</option> })
        .collect_view()
}
