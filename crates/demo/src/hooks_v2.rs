//! Rows the Acolytes 2.x hooks and `save_session.py` write (upstream `acolytes/data/hooks/*.py`
//! and `scripts/save_session.py` at commit ba01856; the fixture README describes what they
//! store): `tool_logs` in the 2.x hook shape, `code_changes`, the last TodoWrite list in
//! `todos`, and the 2.x `sessions` / `messages` rows.
//!
//! The 2.x hooks record less than the 1.x ones the v1 demo imitates: `post_tool_use.py` reads
//! fields Claude Code never sends, so every row has `success` 1 and NULL error, summary, line and
//! byte counts; no hook writes `duration_ms` or `agent_name`; the block rules of
//! `pre_tool_use.py` are commented out (`blocked_by_hook` 0, `hook_message` NULL); `session_id`
//! is the open Acolytes session. Parameters are `json.dumps(tool_input)`.

use std::fmt::Write as _;

use super::quests::{creation_times, QuestPeriod, QuestStamp};
use super::rng::{Rng, WeightedTable};
use super::sql::{json_array, push_py_json_str, Inserts};
use super::texts::{self, AREAS};
use super::time;
use super::world::World;

const ROOT: &str = "/workspace/parcelhub";

/// (tool, category, share of calls): the mix of the v2 fixture's hook rows.
const TOOLS: &[(&str, &str, f64)] = &[
    ("Bash", "execution", 35.0),
    ("Read", "file", 23.0),
    ("Edit", "file", 9.7),
    ("Grep", "search", 7.8),
    ("Glob", "search", 4.8),
    ("TodoWrite", "ai", 3.6),
    ("Write", "file", 3.6),
    ("Task", "ai", 2.4),
    ("MultiEdit", "file", 2.3),
    ("WebFetch", "ai", 1.6),
    ("LS", "search", 1.4),
    ("mcp__code-index__search_code_advanced", "mcp", 1.1),
    ("BashOutput", "execution", 0.9),
    ("WebSearch", "ai", 0.9),
    ("mcp__sqlite__read_query", "mcp", 0.7),
    ("ExitPlanMode", "unknown", 0.4),
    ("mcp__server-git__git_add", "mcp", 0.3),
    ("KillBash", "execution", 0.25),
];

const COMMANDS: &[(&str, &str)] = &[
    ("npm run build", "Run npm"),
    ("git diff --stat", "Run git"),
    ("docker compose up -d postgres redis", "Run docker"),
    ("npx tsc --noEmit", "Run npx"),
    ("git status", "Run git"),
    ("npm test -- --run", "Run npm"),
    ("go test ./services/tracking/...", "Run go"),
    ("npm run migrate --workspace api", "Run npm"),
    ("git log --oneline -10", "Run git"),
    ("npx playwright test tests/e2e/label-purchase.spec.ts", "Run npx"),
    ("curl -s localhost:3000/healthz", "Run curl"),
    ("ls -la", "Run ls"),
];

const EDITS: &[(&str, &str)] = &[
    ("return res.json(rows)", "return res.json(paginate(rows, cursor))"),
    ("amount: total", "amount_cents: toMinorUnits(total)"),
    ("HS256", "RS256"),
    ("limit = 50", "limit = Math.min(Number(req.query.limit) || 20, 100)"),
    ("new Date().toString()", "new Date().toISOString()"),
];

const TODOS: &[(&str, &str)] = &[
    ("Read the relevant files", "Reading the relevant files"),
    ("Run lint and tests", "Running lint and tests"),
    ("Answer the leader in the quest", "Answering the leader in the quest"),
    ("Add regression tests", "Adding regression tests"),
    ("Update the docs", "Updating the docs"),
];

const URLS: &[&str] = &[
    "https://www.rfc-editor.org/rfc/rfc9457",
    "https://docs.stripe.com/payments/payment-intents",
    "https://www.postgresql.org/docs/current/sql-createindex.html",
];

const SEARCHES: &[&str] =
    &["stripe paymentintent idempotency key replay", "postgres create index concurrently lock timeout"];

const GLOBS: &[&str] = &["services/**/*.ts", "**/*.go", "web/src/**/*.tsx", "db/migrations/*.sql"];

const PATTERNS: &[&str] = &["listShipments", "X-Request-Id", "amount_cents", "eta_at", "tenant_id"];

/// How the quest scripts are called (the `/quest` prompt's command lines).
const QUEST_SCRIPT: &str = "uv run python .claude/scripts/acolytes_quest/";

/// What the hook rows of one period belong to.
pub struct HookPeriod<'a> {
    pub period: QuestPeriod,
    /// The open Acolytes session at an epoch second.
    pub session_at: &'a dyn Fn(i64) -> &'a str,
}

/// Epoch second and microseconds of the newest TodoWrite call, if any.
pub type LastTodo = Option<(i64, u32)>;

fn json_param(out: &mut String, key: &str, value: &str) {
    out.push_str(if out.len() > 1 { ", " } else { "" });
    push_py_json_str(out, key);
    out.push_str(": ");
    push_py_json_str(out, value);
}

/// A Bash command line running a quest script on a quest created before the call.
fn quest_command(rng: &mut Rng, quests: &[QuestStamp], before: i64, out: &mut String) -> &'static str {
    let known = quests.partition_point(|q| q.created <= before);
    let pick = known - 1 - rng.index(known.min(20));
    let q = &quests[pick];
    let id = pick + 1;
    let kind = rng.weighted(&[22.0, 17.0, 16.0, 15.0, 8.0, 7.0, 5.0]);
    out.push_str(QUEST_SCRIPT);
    match kind {
        0 => {
            if rng.chance(0.5) {
                let _ = write!(out, "quest_monitor.py --role leader --quest {id} --agent {}", q.leader);
                "Monitor quest (leader)"
            } else {
                let _ = write!(out, "quest_monitor.py --role worker --agent {}", q.worker);
                "Monitor quest (worker)"
            }
        }
        1 => {
            let _ = write!(out, "quest_conversation.py --quest {id}");
            "Read quest conversation"
        }
        2 => {
            let _ = write!(out, "quest_message.py --quest {id} --to {} --msg \"Please review the change and reply with the files you touched.\"", q.worker);
            "Send message to worker"
        }
        3 => {
            let _ = write!(
                out,
                "quest_respond.py --quest {id} --msg \"Done, tests green.\" --files src/index.ts"
            );
            "Respond to leader"
        }
        4 => {
            let _ = write!(out, "quest_review.py --quest {id}");
            "Review worker output"
        }
        5 => {
            let _ = write!(out, "quest_complete.py --quest {id} --summary \"Completed\"");
            "Complete quest"
        }
        _ => {
            let _ = write!(out, "quest_status.py --quest {id} --status reviewing");
            "Change quest status"
        }
    }
}

/// Writes `n` hook rows into `tool_logs` and, after them, one `code_changes` row for most
/// Edit/Write/MultiEdit calls (the capture hook runs on PostToolUse, which a failed call never
/// gets). Bash calls run the quest scripts on `quests` (sorted by creation) about half the time.
/// Returns (tool_logs rows, code_changes rows, the newest TodoWrite call).
pub fn write_hook_tool_logs(
    out: &mut String,
    rng: &mut Rng,
    n: usize,
    hooks: &HookPeriod<'_>,
    quests: &[QuestStamp],
) -> (usize, usize, LastTodo) {
    let cols = [
        "session_id",
        "tool_name",
        "tool_category",
        "parameters",
        "file_affected",
        "success",
        "blocked_by_hook",
        "timestamp",
    ];
    let times = creation_times(rng, n, hooks.period);
    let tool_table = WeightedTable::new(TOOLS.iter().map(|t| t.2));
    let mut changes = String::new();
    let mut change_rows = Inserts::new(
        &mut changes,
        "code_changes",
        &["timestamp", "session_id", "tool", "file_path", "change_type", "diff_preview", "created_at"],
        300,
    );
    let mut last_todo = None;
    let mut ins = Inserts::new(out, "tool_logs", &cols, 400);
    let mut params = String::new();
    let mut path = String::new();
    let mut command = String::new();
    for &ts in &times {
        let (tool, category, _) = TOOLS[tool_table.sample(rng)];
        let area = &AREAS[rng.index(AREAS.len())];
        path.clear();
        path.push_str(ROOT);
        path.push('/');
        path.push_str(rng.choose(area.files));
        params.clear();
        params.push('{');
        let mut file_affected = false;
        let session = (hooks.session_at)(ts);
        match tool {
            "Bash" => {
                command.clear();
                let description = if !quests.is_empty() && quests[0].created <= ts && rng.chance(0.5) {
                    quest_command(rng, quests, ts, &mut command)
                } else {
                    let (c, d) = rng.choose(COMMANDS);
                    command.push_str(c);
                    d
                };
                json_param(&mut params, "command", &command);
                json_param(&mut params, "description", description);
            }
            "Read" => {
                json_param(&mut params, "file_path", &path);
                file_affected = true;
            }
            "Edit" | "MultiEdit" | "Write" => {
                json_param(&mut params, "file_path", &path);
                let (old, new) = rng.choose(EDITS);
                let (change_type, diff) = match tool {
                    "Edit" => {
                        json_param(&mut params, "old_string", old);
                        json_param(&mut params, "new_string", new);
                        ("edit", format!("--- {path} (before)+++ {path} (after)@@ -1 +1 @@-{old}+{new}"))
                    }
                    "MultiEdit" => {
                        params.push_str(", \"edits\": [{\"old_string\": ");
                        push_py_json_str(&mut params, old);
                        params.push_str(", \"new_string\": ");
                        push_py_json_str(&mut params, new);
                        params.push_str("}, {\"old_string\": \"v1\", \"new_string\": \"v2\"}]");
                        (
                            "multi_edit",
                            format!(
                                "--- Edit 1 (before)+++ Edit 1 (after)@@ -1 +1 @@-{old}+{new}\n--- Edit 2 (before)+++ Edit 2 (after)@@ -1 +1 @@-v1+v2"
                            ),
                        )
                    }
                    _ => {
                        let content = "export const PAGE_SIZE = 25;\n";
                        json_param(&mut params, "content", content);
                        ("write", format!("NEW FILE: {path}\n{content}..."))
                    }
                };
                file_affected = true;
                if rng.chance(0.94) {
                    let micros = rng.range(1, 999_999) as u32;
                    change_rows.row(|r| {
                        r.text(&time::iso_micros(ts, micros)).text(session).text(tool).text(&path);
                        r.text(change_type).text(&diff).second(ts);
                    });
                }
            }
            "Grep" => {
                json_param(&mut params, "pattern", rng.choose(PATTERNS));
                path.clear();
                path.push_str(ROOT);
                path.push_str("/services");
                json_param(&mut params, "path", &path);
                json_param(&mut params, "output_mode", "files_with_matches");
                file_affected = true;
            }
            "Glob" => {
                json_param(&mut params, "pattern", rng.choose(GLOBS));
                if rng.chance(0.3) {
                    path.clear();
                    path.push_str(ROOT);
                    path.push_str("/services");
                    json_param(&mut params, "path", &path);
                    file_affected = true;
                }
            }
            "LS" => {
                let dir = path.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default();
                path.clear();
                path.push_str(&dir);
                json_param(&mut params, "path", &path);
                file_affected = true;
            }
            "TodoWrite" => {
                params.push_str("\"todos\": [");
                for (i, (content, active)) in TODOS.iter().take(2 + rng.index(2)).enumerate() {
                    let status = if i == 0 { "completed" } else { "pending" };
                    let _ = write!(params, "{}{{\"content\": \"{content}\", \"status\": \"{status}\", \"activeForm\": \"{active}\"}}", if i > 0 { ", " } else { "" });
                }
                params.push(']');
                last_todo = Some((ts, rng.range(1, 999_999) as u32));
            }
            "Task" => {
                json_param(&mut params, "description", "Write missing tests");
                json_param(&mut params, "prompt", &format!("Look at {path} and report what needs to change"));
                json_param(&mut params, "subagent_type", "backend.nodejs");
            }
            "WebFetch" => {
                json_param(&mut params, "url", rng.choose(URLS));
                json_param(&mut params, "prompt", "Summarise the parts relevant to our change");
            }
            "WebSearch" => json_param(&mut params, "query", rng.choose(SEARCHES)),
            "mcp__code-index__search_code_advanced" => {
                json_param(&mut params, "pattern", rng.choose(PATTERNS));
                json_param(&mut params, "file_pattern", "*.ts");
                params.push_str(", \"max_results\": 20");
            }
            "mcp__sqlite__read_query" => {
                json_param(&mut params, "query", "SELECT COUNT(*) FROM acolyte_quests")
            }
            "ExitPlanMode" => json_param(
                &mut params,
                "plan",
                "1. Read the module\n2. Change it\n3. Add tests\n4. Run lint and tests",
            ),
            "mcp__server-git__git_add" => {
                json_param(&mut params, "repo_path", ROOT);
                params.push_str(", \"files\": ");
                params.push_str(&json_array(&[rng.choose(area.files)]));
            }
            "BashOutput" => {
                let _ = write!(params, "\"bash_id\": \"bash_{}\"", rng.range(1, 9));
            }
            _ => {
                let _ = write!(params, "\"shell_id\": \"bash_{}\"", rng.range(1, 9));
            }
        }
        params.push('}');
        ins.row(|r| {
            r.text(session).text(tool).text(category).text(&params);
            r.opt_text(file_affected.then_some(path.as_str())).int(1).int(0).second(ts);
        });
    }
    let logs = ins.finish();
    let change_count = change_rows.finish();
    out.push_str(&changes);
    (logs, change_count, last_todo)
}

/// The last TodoWrite list (the hook deletes and re-inserts the whole list each time).
pub fn write_todos(out: &mut String, rng: &mut Rng, last: LastTodo, session: &str) -> usize {
    let Some((at, micros)) = last else { return 0 };
    let cols = ["task", "status", "created_at", "session_id", "created_by", "context"];
    let mut ins = Inserts::new(out, "todos", &cols, 50);
    let created = time::iso_micros(at, micros);
    let start = rng.index(TODOS.len() - 2);
    for (i, (task, active)) in TODOS[start..start + 3].iter().enumerate() {
        let status = ["completed", "in_progress", "pending"][i];
        let mut context = String::from("{\"activeForm\": ");
        push_py_json_str(&mut context, active);
        context.push_str(", \"source\": \"TodoWrite\"}");
        ins.row(|r| {
            r.text(task).text(status).text(&created).text(session).text("user").text(&context);
        });
    }
    ins.finish()
}

const CONCEPTS: &[&str] =
    &["cursor pagination", "idempotency keys", "SQLite WAL", "JWT", "Redis cache", "PostGIS", "SSE"];

const REQUESTS: &[&str] = &[
    "Look at the failing build on main",
    "Why does the label purchase e2e test time out on CI?",
    "Search for every caller of issueAccessToken",
    "Check the migrations folder and list what has not run on staging",
    "/quest rate limits for the public API",
    "revisa los tests que fallan y arréglalos",
];

const PENDING: &[&str] =
    &["Add regression tests", "Update the docs", "Answer the open quest", "Deploy to staging"];

/// 2.x `sessions` rows: the init session and every `/save` (which copies the job of the session
/// it closes, so every row keeps the first job); the newest stays open with only its id, job
/// and start. `claude_session_id` is never found, so it is NULL.
pub fn write_sessions(out: &mut String, world: &World, rng: &mut Rng) -> usize {
    let cols = [
        "id",
        "job_id",
        "claude_session_id",
        "primary_request",
        "technical_concepts",
        "files_and_code",
        "errors_and_fixes",
        "problem_solving",
        "user_messages",
        "pending_tasks",
        "current_work",
        "next_step",
        "accomplishments",
        "bugs_fixed",
        "decisions",
        "breakthrough_moment",
        "conversation_flow",
        "quality_score",
        "created_at",
        "ended_at",
    ];
    let job = &world.jobs[0].id;
    let mut ins = Inserts::new(out, "sessions", &cols, 200);
    for s in &world.sessions {
        let Some(end) = s.end else {
            ins.row(|r| {
                r.text(&s.id).text(job).null();
                for _ in 0..14 {
                    r.null();
                }
                r.null().second(s.start * 60).null();
            });
            continue;
        };
        let area = &AREAS[rng.index(AREAS.len())];
        let file = rng.choose(area.files);
        let func = rng.choose(area.fns);
        let request = rng.choose(REQUESTS);
        let concepts = json_array(&[rng.choose(CONCEPTS), rng.choose(CONCEPTS)]);
        let mut files = String::from("[{\"path\": ");
        push_py_json_str(&mut files, file);
        let _ = write!(
            files,
            ", \"importance\": \"core change\", \"changes\": \"Updated {func}()\", \"code\": \"\"}}]"
        );
        let bug = rng.choose(texts::BUGS_FIXED);
        let mut errors = String::from("[{\"error\": ");
        push_py_json_str(&mut errors, bug);
        errors.push_str(", \"fix\": ");
        push_py_json_str(&mut errors, &format!("Fixed in {file}"));
        errors.push_str(", \"user_feedback\": \"User: 'ok'\"}]");
        let user_messages = json_array(&[request, rng.choose(REQUESTS)]);
        let pending = json_array(&[rng.choose(PENDING)]);
        let accomplishments = json_array(&[rng.choose(texts::ACCOMPLISHMENTS)]);
        let bugs = json_array(&[bug]);
        let decisions =
            if rng.chance(0.4) { json_array(&[rng.choose(texts::DECISIONS)]) } else { "[]".to_owned() };
        let breakthrough = if rng.chance(0.25) { rng.choose(texts::BREAKTHROUGHS) } else { "" };
        let quality = (rng.chance(0.97)).then(|| rng.range(4, 8));
        ins.row(|r| {
            r.text(&s.id).text(job).null().text(request).text(&concepts).text(&files).text(&errors);
            r.text(&format!("Traced the issue to {func}() and covered it with tests."));
            r.text(&user_messages)
                .text(&pending)
                .text(&format!("Working on {file}"))
                .text("Finish pagination");
            r.text(&accomplishments).text(&bugs).text(&decisions).text(breakthrough);
            r.text("Q: What is pending? A: Reviewed the module and fixed the failing parts.");
            r.opt_int(quality).second(s.start * 60).second(end * 60);
        });
    }
    ins.finish()
}

/// One 2.x `messages` row per saved session: the chat file the prompt, stop and code-change
/// hooks keep (user prompts in local time with a `Z`, assistant replies with the transcript's
/// UTC milliseconds, code changes in local time) and the metrics `save_session.py` computes
/// from it.
pub fn write_messages(out: &mut String, world: &World, rng: &mut Rng) -> usize {
    let cols = [
        "session_id",
        "total_messages",
        "user_messages",
        "assistant_messages",
        "first_timestamp",
        "last_timestamp",
        "duration_minutes",
        "avg_message_length",
        "avg_response_time_seconds",
        "commands_used",
        "agents_mentioned",
        "errors_count",
        "code_blocks_count",
        "frustration_level",
        "keywords",
        "session_active",
        "productivity_ratio",
        "complexity_score",
        "interactions_per_hour",
        "conversation",
        "created_at",
    ];
    let mut ins = Inserts::new(out, "messages", &cols, 100);
    for s in &world.sessions {
        let Some(end) = s.end else { continue };
        let (start_s, end_s) = (s.start * 60, end * 60);
        let exchanges = rng.range(2, 5);
        let mut chat = String::from("[");
        let mut t = start_s + rng.range(30, 600);
        let (mut entries, mut code, mut chars) = (0i64, 0i64, 0i64);
        let mut first = String::new();
        let mut last = String::new();
        let step = ((end_s - t) / (exchanges * 3 + 1)).max(3);
        for _ in 0..exchanges {
            for kind in ["user", "code_change", "assistant"] {
                let (timestamp, content) = match kind {
                    "user" => {
                        let mut ts = time::iso_micros(t, rng.range(1, 999_999) as u32);
                        ts.push('Z');
                        (ts, rng.choose(REQUESTS).to_owned())
                    }
                    "code_change" => {
                        code += 1;
                        let area = &AREAS[rng.index(AREAS.len())];
                        (
                            time::iso_micros(t, rng.range(1, 999_999) as u32),
                            format!("Edit {ROOT}/{}", rng.choose(area.files)),
                        )
                    }
                    _ => {
                        let mut ts = time::iso_micros(t, 0);
                        ts.truncate(20);
                        let _ = write!(ts, "{:03}Z", rng.range(0, 999));
                        (ts, rng.choose(texts::ACCOMPLISHMENTS).to_owned())
                    }
                };
                if entries > 0 {
                    chat.push_str(", ");
                }
                chat.push_str("{\"session_id\": ");
                push_py_json_str(&mut chat, &s.id);
                chat.push_str(", \"timestamp\": ");
                push_py_json_str(&mut chat, &timestamp);
                chat.push_str(", \"content\": ");
                push_py_json_str(&mut chat, &content);
                let _ = write!(chat, ", \"type\": \"{kind}\", \"uuid\": \"{}\"}}", rng.uuid());
                chars += content.chars().count() as i64;
                entries += 1;
                if first.is_empty() {
                    first = timestamp.clone();
                }
                last = timestamp;
                t = (t + step).min(end_s - 1);
            }
        }
        chat.push(']');
        let minutes = end - s.start;
        let talk = entries - code;
        ins.row(|r| {
            r.text(&s.id).int(entries).int(exchanges).int(exchanges).text(&first).text(&last).int(minutes);
            r.int(chars / entries).int((end_s - start_s) / (exchanges * 2)).text("[\"/save\"]").text("[]");
            r.int(rng.range(0, 2)).int(code).int(rng.range(0, 5)).text("[\"api\", \"tests\"]").int(1);
            r.real(entries as f64 / talk as f64).int(rng.range(3, 10));
            r.real(talk as f64 * 60.0 / minutes.max(1) as f64).text(&chat).second(end_s);
        });
    }
    ins.finish()
}
