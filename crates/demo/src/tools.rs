//! Demo `tool_logs`: the editor hooks' record of every tool call. Durations are log-normal per
//! tool, failure rates differ per tool (shell commands fail most), a few shell commands are
//! blocked by a hook, and the weekly volume grows about 5 % a week.

use std::fmt::Write as _;

use super::rng::{powi, Rng, WeightedTable};
use super::sql::{push_json_str, Inserts};
use super::texts::AREAS;
use super::time::{self, MINUTES_PER_DAY};
use super::world::World;

struct Tool {
    name: &'static str,
    category: &'static str,
    share: f64,
    median_ms: f64,
    sigma: f64,
    failure: f64,
    max_ms: i64,
}

const TOOLS: &[Tool] = &[
    Tool {
        name: "Read",
        category: "file",
        share: 31.0,
        median_ms: 45.0,
        sigma: 0.70,
        failure: 0.016,
        max_ms: 2_000,
    },
    Tool {
        name: "Bash",
        category: "execution",
        share: 14.1,
        median_ms: 1_300.0,
        sigma: 1.45,
        failure: 0.115,
        max_ms: 600_000,
    },
    Tool {
        name: "Edit",
        category: "file",
        share: 13.7,
        median_ms: 79.0,
        sigma: 0.78,
        failure: 0.064,
        max_ms: 5_000,
    },
    Tool {
        name: "Grep",
        category: "search",
        share: 10.3,
        median_ms: 153.0,
        sigma: 0.86,
        failure: 0.006,
        max_ms: 20_000,
    },
    Tool {
        name: "Glob",
        category: "search",
        share: 5.6,
        median_ms: 66.0,
        sigma: 0.76,
        failure: 0.004,
        max_ms: 5_000,
    },
    Tool {
        name: "TodoWrite",
        category: "ai",
        share: 5.4,
        median_ms: 25.0,
        sigma: 0.48,
        failure: 0.0,
        max_ms: 1_000,
    },
    Tool {
        name: "Task",
        category: "ai",
        share: 5.0,
        median_ms: 39_000.0,
        sigma: 0.85,
        failure: 0.045,
        max_ms: 1_800_000,
    },
    Tool {
        name: "Write",
        category: "file",
        share: 4.7,
        median_ms: 60.0,
        sigma: 0.61,
        failure: 0.009,
        max_ms: 3_000,
    },
    Tool {
        name: "MultiEdit",
        category: "file",
        share: 4.1,
        median_ms: 134.0,
        sigma: 0.63,
        failure: 0.088,
        max_ms: 5_000,
    },
    Tool {
        name: "LS",
        category: "search",
        share: 2.0,
        median_ms: 28.0,
        sigma: 0.57,
        failure: 0.0,
        max_ms: 1_000,
    },
    Tool {
        name: "WebFetch",
        category: "ai",
        share: 1.8,
        median_ms: 2_500.0,
        sigma: 1.5,
        failure: 0.077,
        max_ms: 29_900,
    },
    Tool {
        name: "WebSearch",
        category: "ai",
        share: 1.1,
        median_ms: 3_100.0,
        sigma: 0.46,
        failure: 0.054,
        max_ms: 20_000,
    },
    Tool {
        name: "mcp__server-git__git_status",
        category: "mcp",
        share: 1.1,
        median_ms: 267.0,
        sigma: 0.57,
        failure: 0.058,
        max_ms: 5_000,
    },
];

/// Share of shell commands stopped by the pre-tool hook.
const BASH_BLOCKED: f64 = 0.023;

const ROOT: &str = "/workspace/parcelhub";

const COMMANDS: &[&str] = &[
    "npm test -- --run",
    "npm run lint",
    "npm run build --workspace api",
    "npx playwright test tests/e2e/label-purchase.spec.ts",
    "go test ./services/tracking/...",
    "pytest services/planner -q",
    "docker compose up -d postgres redis",
    "npm run migrate --workspace api",
    "git status --short",
    "git diff --stat",
    "kubectl -n parcelhub get pods",
    "terraform -chdir=infra/terraform plan",
];

const BLOCKED: &[(&str, &str)] = &[
    (
        "rm -rf build/ node_modules/ .cache/",
        "Blocked by pre-tool hook: recursive delete outside a scratch folder",
    ),
    ("git push --force origin main", "Blocked by pre-tool hook: force push to a protected branch"),
    ("git add -A", "Blocked by pre-tool hook: staging the whole tree may include secrets"),
];

const SEARCHES: &[&str] = &[
    "stripe paymentintent idempotency key replay",
    "postgres create index concurrently lock timeout",
    "rfc 9457 problem details example",
    "expo background location battery",
    "mjml outlook dark mode",
    "go errgroup bounded concurrency",
];

const URLS: &[&str] = &[
    "https://www.rfc-editor.org/rfc/rfc9457",
    "https://docs.stripe.com/payments/payment-intents",
    "https://www.postgresql.org/docs/current/sql-createindex.html",
    "https://docs.expo.dev/versions/latest/sdk/location/",
    "https://opentelemetry.io/docs/concepts/signals/traces/",
];

const PATTERNS: &[&str] = &[
    "listShipments",
    "X-Request-Id",
    "amount_cents",
    "TODO\\(tracking\\)",
    "eta_at",
    "issueAccessToken",
    "tenant_id",
];

const GLOBS: &[&str] = &["services/**/*.ts", "**/*.go", "web/src/**/*.tsx", "db/migrations/*.sql", "**/*.py"];

const TODOS: &[&str] = &[
    "Close flag for the shipments list",
    "Run the migration on staging",
    "Answer the payments follow-up",
    "Update the changelog",
];

const EDITS: &[(&str, &str)] = &[
    ("return res.json(rows)", "return res.json(paginate(rows, cursor))"),
    ("amount: total", "amount_cents: toMinorUnits(total)"),
    ("HS256", "RS256"),
    ("limit = 50", "limit = 25"),
    ("new Date().toString()", "new Date().toISOString()"),
];

/// How many tool calls a demo with `flags` flags gets: about 16 per flag (≈ 5,000 for the
/// 300-flag demo), growing only with the square root beyond 2,000 flags so that benchmark files
/// stay a manageable size (10k flags → ≈ 73k calls, 100k flags → ≈ 232k calls).
pub fn tool_log_count(flags: usize) -> usize {
    const KNEE: usize = 2_000;
    const PER_FLAG: f64 = 16.4;
    if flags <= KNEE {
        (flags as f64 * PER_FLAG).round() as usize
    } else {
        (KNEE as f64 * PER_FLAG * (flags as f64 / KNEE as f64).sqrt()).round() as usize
    }
}

/// Agents that show up in tool calls (about 40 % of calls name one).
const CALLERS: &[(&str, f64)] = &[
    ("@acolyte.api", 8.0),
    ("@acolyte.auth", 6.0),
    ("@acolyte.payments", 6.0),
    ("@acolyte.tracking", 5.0),
    ("@acolyte.api-shipments", 5.0),
    ("@acolyte.notifications", 4.0),
    ("@acolyte.dashboard", 4.0),
    ("@backend.api", 6.0),
    ("@database.postgres", 5.0),
    ("@service.auth", 4.0),
    ("@backend.nodejs", 4.0),
    ("@test.quality", 4.0),
    ("@ops.cicd", 3.0),
    ("@audit.security", 3.0),
    ("@coordinator.backend", 3.0),
    ("@frontend.react", 3.0),
    ("@business.payment", 3.0),
    ("@ops.containers", 2.0),
    ("@database.redis", 2.0),
    ("@docs.specialist", 2.0),
];

/// Call times in seconds, sorted: weekly volume × 1.05 per week, weekdays busier, working
/// hours busiest.
fn call_times(world: &World, rng: &mut Rng, n: usize) -> Vec<i64> {
    let days = ((world.end - world.start) / MINUTES_PER_DAY) as usize;
    let day_table = WeightedTable::new((0..days).map(|d| {
        let weekend = time::weekday(world.start / MINUTES_PER_DAY + d as i64) >= 5;
        let week = (d / 7) as u32;
        (if weekend { 0.35 } else { 1.0 }) * powi(1.05, week)
    }));
    let hour_table = WeightedTable::new(super::flags::HOUR_WEIGHTS.iter().copied());
    let first = world.first_event() * 60;
    let end = world.end * 60;
    let mut times: Vec<i64> = (0..n)
        .map(|_| loop {
            let d = day_table.sample(rng) as i64;
            let h = hour_table.sample(rng) as i64;
            let t = (world.start + d * MINUTES_PER_DAY + h * 60) * 60 + rng.range(0, 3_599);
            if t >= first && t < end {
                break t;
            }
        })
        .collect();
    times.sort_unstable();
    times
}

/// Writes the tool calls; returns how many.
pub fn write_tool_logs(out: &mut String, world: &World, rng: &mut Rng, n: usize) -> usize {
    let cols = [
        "session_id",
        "agent_name",
        "tool_name",
        "tool_category",
        "parameters",
        "file_affected",
        "lines_changed",
        "bytes_processed",
        "result_summary",
        "success",
        "error_message",
        "blocked_by_hook",
        "hook_message",
        "duration_ms",
        "timestamp",
    ];
    let times = call_times(world, rng, n);
    let tool_table = WeightedTable::new(TOOLS.iter().map(|t| t.share));
    let caller_table = WeightedTable::new(CALLERS.iter().map(|c| c.1));
    let mut ins = Inserts::new(out, "tool_logs", &cols, 400);
    let mut params = String::new();
    let mut path = String::new();
    let mut summary = String::new();

    for &ts in &times {
        let tool = &TOOLS[tool_table.sample(rng)];
        let agent = rng.chance(0.4).then(|| CALLERS[caller_table.sample(rng)].0);
        let area = &AREAS[rng.index(AREAS.len())];
        path.clear();
        path.push_str(ROOT);
        path.push('/');
        path.push_str(rng.choose(area.files));
        params.clear();
        summary.clear();

        let mut failed = rng.chance(tool.failure);
        let mut blocked: Option<&str> = None;
        let mut error: Option<&str> = None;
        let mut file_affected = false;
        let mut lines: Option<i64> = None;
        let mut bytes: Option<i64> = None;
        let mut duration = (rng.log_normal(tool.median_ms, tool.sigma) as i64).clamp(1, tool.max_ms);

        match tool.name {
            "Read" => {
                params.push_str("{\"file_path\": ");
                push_json_str(&mut params, &path);
                params.push('}');
                file_affected = true;
                if failed {
                    error = Some("File does not exist.");
                } else {
                    let n = rng.range(12, 900);
                    lines = Some(n);
                    bytes = Some(n * rng.range(28, 52));
                    let _ = write!(summary, "Read {n} lines");
                }
            }
            "Edit" | "MultiEdit" | "Write" => {
                let (old, new) = rng.choose(EDITS);
                params.push_str("{\"file_path\": ");
                push_json_str(&mut params, &path);
                match tool.name {
                    "Edit" => {
                        params.push_str(", \"old_string\": ");
                        push_json_str(&mut params, old);
                        params.push_str(", \"new_string\": ");
                        push_json_str(&mut params, new);
                    }
                    "MultiEdit" => {
                        params.push_str(", \"edits\": [{\"old_string\": ");
                        push_json_str(&mut params, old);
                        params.push_str(", \"new_string\": ");
                        push_json_str(&mut params, new);
                        params.push_str("}, {\"old_string\": \"v1\", \"new_string\": \"v2\"}]");
                    }
                    _ => {
                        params.push_str(", \"content\": ");
                        push_json_str(&mut params, "export const PAGE_SIZE = 25;\n");
                    }
                }
                params.push('}');
                file_affected = true;
                if failed {
                    error = Some(match tool.name {
                        "Edit" => {
                            if rng.chance(0.7) {
                                "String to replace not found in file."
                            } else {
                                "Found 2 matches of the string to replace; make it unique."
                            }
                        }
                        "MultiEdit" => "Edit 2 of 2 failed: string to replace not found in file.",
                        _ => "EACCES: permission denied",
                    });
                } else {
                    lines = Some(if tool.name == "Write" { rng.range(5, 220) } else { rng.range(1, 80) });
                    summary.push_str("File modified successfully");
                }
            }
            "Bash" => {
                let (command, hook) = if rng.chance(BASH_BLOCKED) {
                    let (c, h) = rng.choose(BLOCKED);
                    (c, Some(h))
                } else {
                    (rng.choose(COMMANDS), None)
                };
                params.push_str("{\"command\": ");
                push_json_str(&mut params, command);
                params.push_str(", \"description\": \"Run project command\"}");
                if let Some(h) = hook {
                    blocked = Some(h);
                    failed = true;
                    duration = rng.range(1, 4);
                } else if failed {
                    error = Some(if rng.chance(0.85) {
                        "Command exited with code 1"
                    } else {
                        "Command timed out after 120000 ms"
                    });
                } else {
                    let b = rng.range(40, 60_000);
                    bytes = Some(b);
                    let _ = write!(summary, "Command executed ({b} bytes output)");
                }
            }
            "Grep" => {
                params.push_str("{\"pattern\": ");
                push_json_str(&mut params, rng.choose(PATTERNS));
                params.push_str(", \"path\": ");
                let _ = write!(params, "\"{ROOT}/services\", \"output_mode\": \"files_with_matches\"}}");
                path.clear();
                path.push_str(ROOT);
                path.push_str("/services");
                file_affected = true;
                if failed {
                    error = Some("rg: regex parse error");
                } else {
                    let _ = write!(summary, "Found {} matches", rng.range(0, 60));
                }
            }
            "Glob" => {
                params.push_str("{\"pattern\": ");
                push_json_str(&mut params, rng.choose(GLOBS));
                params.push('}');
                if failed {
                    error = Some("Path does not exist");
                } else {
                    let _ = write!(summary, "Found {} files", rng.range(1, 140));
                }
            }
            "LS" => {
                let dir = path.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default();
                path.clear();
                path.push_str(&dir);
                params.push_str("{\"path\": ");
                push_json_str(&mut params, &path);
                params.push('}');
                file_affected = true;
            }
            "TodoWrite" => {
                params.push_str("{\"todos\": [{\"content\": ");
                push_json_str(&mut params, rng.choose(TODOS));
                params.push_str(", \"status\": \"in_progress\", \"id\": \"1\"}]}");
            }
            "Task" => {
                let who = agent.unwrap_or("@backend.api").trim_start_matches('@');
                params.push_str("{\"subagent_type\": ");
                push_json_str(&mut params, who);
                params.push_str(", \"description\": \"Work through pending flags\", \"prompt\": \"Read your pending flags and fix the most severe one\"}");
                if failed {
                    error = Some("Subagent stopped before finishing");
                } else {
                    summary.push_str("Subagent finished");
                }
            }
            "WebFetch" => {
                params.push_str("{\"url\": ");
                push_json_str(&mut params, rng.choose(URLS));
                params.push_str(", \"prompt\": \"Summarise the relevant rules\"}");
                if failed {
                    error = Some("Request timed out after 30000 ms");
                    duration = 30_000 + rng.range(0, 300);
                }
            }
            "WebSearch" => {
                params.push_str("{\"query\": ");
                push_json_str(&mut params, rng.choose(SEARCHES));
                params.push('}');
                if failed {
                    error = Some("Search service unavailable (503)");
                }
            }
            _ => {
                let _ = write!(params, "{{\"repo_path\": \"{ROOT}\"}}");
                if failed {
                    error = Some("MCP server not responding");
                }
            }
        }

        let session = world.session_at(ts.div_euclid(60));
        ins.row(|r| {
            r.text(session).opt_text(agent).text(tool.name).text(tool.category).text(&params);
            r.opt_text(file_affected.then_some(path.as_str())).opt_int(lines).opt_int(bytes);
            r.opt_text((!summary.is_empty()).then_some(summary.as_str()));
            r.int(!failed as i64).opt_text(error).int(blocked.is_some() as i64).opt_text(blocked);
            r.int(duration).second(ts);
        });
    }
    ins.finish()
}
