//! Sharing the dashboard: a link with its settings, a snapshot link that carries its aggregates
//! (the snapshot view opens it without any file), a standalone HTML report, and dashboards saved
//! inside the database.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::dashboard::{use_drawn, DashboardBody, DashboardSettings};
use crate::web::files::loader::download_text;
use crate::web::platform::browser::{
    element_html_without, local_minute, location_without_hash, page_css, select_input_text,
};
use crate::web::state::{use_latest, AppState, View};
use flagdeck_core::dashboard::attention::section_of_hash;
use flagdeck_core::dashboard::saved::{self, SavedDashboard};
use flagdeck_core::dashboard::share::{
    decode_snapshot, decode_state, encode_snapshot, encode_state, redact, Snapshot,
};
use flagdeck_core::dashboard::{derive, Aggregates};

/// The page's address without its fragment.
fn base_url() -> String {
    location_without_hash()
}

/// `#dashboard/<settings>` in the address: take those settings (a shared link). A section's
/// address (`#dashboard/tools`, [`section_of_hash`]) is no settings: left alone.
pub fn apply_shared_state(app: AppState, hash: &str) {
    let Some(encoded) = hash.strip_prefix("#dashboard/").filter(|s| !s.is_empty()) else { return };
    if section_of_hash(hash).is_some() {
        return;
    }
    match decode_state(encoded) {
        Ok(state) => expect_context::<DashboardSettings>().replace(state),
        Err(e) => {
            app.alert(format!("The dashboard link could not be used: {e} The default dashboard is shown."))
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The shown dashboard as one self-contained HTML file: inline SVG charts, tables, budgets; the
/// controls are left out and there is no script.
fn report_html(title: &str, subtitle: &str) -> Option<String> {
    const CONTROLS: &str = "input, select, button, datalist, label.control, .what-if, .budget-inputs";
    let body = element_html_without(".dashboard-body", CONTROLS)?;
    // The page's stylesheet, inlined so the report needs nothing else.
    let css = page_css();
    Some(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{css}</style></head><body><main class=\"content report\"><h1>{}</h1><p class=\"muted\">{}</p>{}\
         <p class=\"muted\">Made with flagdeck. Hover a chart for its values; each chart's data table is under it.</p></main></body></html>\n",
        escape(title),
        escape(title),
        escape(subtitle),
        body
    ))
}

fn download_report(app: AppState, file: &str, subtitle: &str) {
    let title = format!("Dashboard — {file}");
    match report_html(&title, subtitle) {
        Some(html) => {
            let name = format!("flagdeck-report-{}.html", file.trim_end_matches(".db"));
            if let Err(e) = download_text(&name, &html, "text/html") {
                app.alert(format!("The report could not be downloaded: {e}"));
            }
        }
        None => app.alert("The report could not be made: the dashboard is not shown yet.".to_owned()),
    }
}

/// Share link, snapshot link, report and saved dashboards, under the live dashboard.
#[component]
pub fn SharePanel(state: DashboardSettings, aggregated: Signal<Option<Aggregates>>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let file = move || app.db().current().with(|c| c.as_ref().map(|o| o.name.clone()).unwrap_or_default());
    let share_link = move || format!("{}#dashboard/{}", base_url(), state.with(encode_state));
    let redacted = RwSignal::new(false);
    let snapshot = Memo::new(move |_| {
        let aggregates = aggregated.get()?;
        let mut s = Snapshot {
            file: Some(file()),
            made_at: local_minute(),
            redacted: false,
            state: state.get(),
            aggregates,
        };
        if redacted.get() {
            redact(&mut s);
        }
        Some(format!("{}#snapshot/{}", base_url(), encode_snapshot(&s)))
    });
    let select_all = |e: leptos::ev::FocusEvent| select_input_text(&e);
    view! {
        <h2>"Share"</h2>
        <div class="share">
            <label class="form-field">
                <span>"Link to these settings (whoever opens it with the same file sees this view)"</span>
                <input readonly data-testid="share-link" prop:value=share_link on:focus=select_all />
            </label>
            <label class="form-field">
                <span>
                    "Snapshot link: the figures travel in the link itself, nothing is sent to a server "
                    <em class="muted" data-testid="snapshot-length">{move || snapshot.with(|s| s.as_ref().map(|s| format!("({:.1} KB, {} characters)", s.len() as f64 / 1024.0, s.len())).unwrap_or_default())}</em>
                </span>
                <input readonly data-testid="snapshot-link" prop:value=move || snapshot.get().unwrap_or_default() on:focus=select_all />
            </label>
            <label class="control">
                <input type="checkbox" data-testid="snapshot-redact" prop:checked=move || redacted.get()
                    on:change=move |e| redacted.set(event_target_checked(&e)) />
                " replace agent names with “agent 1”, “agent 2”… (and leave the file name out)"
            </label>
            <div>
                <button class="button" data-testid="download-report" on:click=move |_| {
                    let subtitle = aggregated.with_untracked(|a| a.as_ref().map(|a| format!("{} → {} (as of {}), made {}", a.window.start, a.window.end, a.window.as_of, local_minute())).unwrap_or_default());
                    download_report(app, &file(), &subtitle);
                }>"Download report (HTML)"</button>
            </div>
        </div>
        <SavedDashboards state=state />
    }
}

/// The dashboards saved in the file: save the settings shown under a name, show or delete one.
#[component]
fn SavedDashboards(state: DashboardSettings) -> impl IntoView {
    let app = expect_context::<AppState>();
    // Read again after every change to the data, and after a dashboard is saved or deleted.
    let reload = Trigger::new();
    let saved_list = use_latest(move |_| {
        app.db().data_version().track();
        reload.track();
        let open = app.db().get();
        Some(async move {
            match saved::list(&open?.db).await {
                Ok(list) => Some(list),
                Err(e) => {
                    app.alert(format!("Saved dashboards could not be read: {e}"));
                    None
                }
            }
        })
    });
    // A failed read keeps the list shown before it.
    let shown_list = Memo::new(move |previous: Option<&Vec<SavedDashboard>>| {
        saved_list.get().flatten().or_else(|| previous.cloned()).unwrap_or_default()
    });
    let reload_saved = move || reload.notify();
    let name = RwSignal::new(String::new());
    let save = move |_| {
        let Some(open) = app.db().get() else { return };
        let title = name.get_untracked().trim().to_owned();
        if title.is_empty() {
            app.alert("Give the dashboard a name to save it.".to_owned());
            return;
        }
        let settings = state.get_untracked();
        spawn_local(async move {
            match saved::save(&open.db, &title, &settings, &local_minute()).await {
                Ok(()) => {
                    app.changes().note(format!("saved dashboard “{title}” (table {})", saved::TABLE));
                    name.try_set(String::new());
                    reload_saved();
                }
                Err(e) => app.alert(format!("The dashboard could not be saved in the file: {e}")),
            }
        });
    };
    view! {
        <h3>"Saved in this file"</h3>
        <p class="muted">{format!("Saved dashboards go into a table of their own ({}) created with the first one; export the file to keep them. agent_db.py ignores it.", saved::TABLE)}</p>
        <div class="control">
            <input class="small" placeholder="name" data-testid="dashboard-name" prop:value=move || name.get()
                on:input=move |e| name.set(event_target_value(&e)) />
            <button class="button" data-testid="dashboard-save" on:click=save>"Save dashboard"</button>
        </div>
        <ul class="saved-dashboards">
            {move || shown_list.get().into_iter().map(|s| {
                let SavedDashboard { name: title, state: stored, saved_at } = s;
                let remove = title.clone();
                view! {
                    <li data-testid="saved-dashboard" data-name=title.clone()>
                        <strong>{title.clone()}</strong>
                        <span class="muted">{format!(" saved {saved_at} ")}</span>
                        {match stored {
                            Ok(settings) => view! {
                                <button class="link" data-testid="saved-dashboard-load" on:click=move |_| state.replace(settings.clone())>"show"</button>
                            }.into_any(),
                            Err(e) => view! { <span class="warning">{format!("cannot be read: {e}")}</span> }.into_any(),
                        }}
                        " "
                        <button class="link" data-testid="saved-dashboard-delete" on:click=move |_| {
                            let Some(open) = app.db().get() else { return };
                            let title = remove.clone();
                            spawn_local(async move {
                                match saved::delete(&open.db, &title).await {
                                    Ok(()) => {
                                        app.changes().note(format!("deleted saved dashboard “{title}”"));
                                        reload_saved();
                                    }
                                    Err(e) => app.alert(format!("The saved dashboard could not be deleted: {e}")),
                                }
                            });
                        }>"delete"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A snapshot link opened: the dashboard from the figures in the link, without any database.
#[component]
pub fn SnapshotView(payload: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    match decode_snapshot(&payload) {
        Err(e) => view! {
            <section class="page" data-testid="snapshot-view" data-ok="false">
                <p class="alert" role="alert" data-testid="snapshot-error">{e.to_string()}</p>
                <button class="button" on:click=move |_| app.go(View::Summary)>"Open flagdeck"</button>
            </section>
        }
        .into_any(),
        Ok(snapshot) => {
            let Snapshot { file, made_at, redacted, state, aggregates } = snapshot;
            let state = DashboardSettings::starting_from(state);
            let shown = Memo::new(move |_| Some(state.with(|s| derive(aggregates.clone(), s))));
            let drawn = use_drawn(shown.into(), Signal::stored(0), || {});
            let file = file.unwrap_or_else(|| "a flag database".to_owned());
            let heading = format!(
                "Snapshot of {file}, made {made_at}{}: read-only figures carried by the link; no database is open.",
                if redacted { ", agent names replaced" } else { "" }
            );
            let subtitle = heading.clone();
            view! {
                <section class="page dashboard" data-testid="snapshot-view" data-ok="true">
                    <p class="notice">{heading}</p>
                    <button class="button" data-testid="download-report" on:click=move |_| download_report(app, &file, &subtitle)>
                        "Download report (HTML)"
                    </button>
                    <div class="dashboard-body" data-testid="dashboard-body">
                        <DashboardBody drawn=drawn state=state snapshot=true />
                    </div>
                </section>
            }
            .into_any()
        }
    }
}
