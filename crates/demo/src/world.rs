//! The time line every other table hangs on: jobs one after the other, and work sessions laid
//! end to end across the window, each closed by one `messages` row (the newest stays open).

use super::rng::Rng;
use super::sql::{json_array, Inserts, JsonObject};
use super::texts::{self, JOBS};
use super::time::{self, MINUTES_PER_DAY};

pub struct Job {
    pub id: String,
    pub spec: usize,
    pub start: i64,
    /// Start of the next job (or the window end for the last one).
    pub until: i64,
}

pub struct Session {
    pub id: String,
    pub job: usize,
    pub start: i64,
    /// `None` for the newest, still open session.
    pub end: Option<i64>,
}

pub struct World {
    pub start: i64,
    pub end: i64,
    /// Minute at which `init` ran (the first job and session begin here).
    pub init: i64,
    pub jobs: Vec<Job>,
    pub sessions: Vec<Session>,
    starts: Vec<i64>,
}

impl World {
    pub fn build(rng: &mut Rng) -> World {
        let (start, end) = time::window_minutes();
        let init = start + 8 * 60 + rng.range(20, 50);

        // Job boundaries (in days from the window start) with a little jitter, at about 10:00.
        let mut jobs = Vec::new();
        let bounds = [0i64, 2, 23, 45, 66];
        for (spec, day) in bounds.iter().enumerate() {
            let begin = if spec == 0 {
                init
            } else {
                start + (day + rng.range(-1, 1)) * MINUTES_PER_DAY + 10 * 60 + rng.range(-40, 40)
            };
            jobs.push(Job { id: format!("job_{}", rng.hex(12)), spec, start: begin, until: end });
        }
        for i in 0..jobs.len() - 1 {
            jobs[i].until = jobs[i + 1].start;
        }

        let mut sessions = Vec::new();
        let mut at = init;
        loop {
            let len = (rng.log_normal(15.0 * 60.0, 0.6) as i64).clamp(90, 60 * 60);
            let next = at + len;
            let job = jobs.iter().rposition(|j| j.start <= at).unwrap_or(0);
            let id = format!("session_{}", rng.hex(12));
            if next >= end - 5 * 60 {
                sessions.push(Session { id, job, start: at, end: None });
                break;
            }
            sessions.push(Session { id, job, start: at, end: Some(next) });
            at = next;
        }
        let starts = sessions.iter().map(|s| s.start).collect();
        World { start, end, init, jobs, sessions, starts }
    }

    /// First minute at which flags and tool calls may happen (after init and agent creation).
    pub fn first_event(&self) -> i64 {
        self.init + 30
    }

    /// Index of the session a minute falls in.
    pub fn session_index(&self, minute: i64) -> usize {
        self.starts.partition_point(|s| *s <= minute).saturating_sub(1)
    }

    pub fn session_at(&self, minute: i64) -> &str {
        &self.sessions[self.session_index(minute)].id
    }

    pub fn write_jobs(&self, out: &mut String) {
        let cols = [
            "id",
            "title",
            "description",
            "status",
            "created_at",
            "paused_at",
            "resumed_at",
            "completed_at",
            "pause_reason",
        ];
        let mut ins = Inserts::new(out, "jobs", &cols, 100);
        let last = self.jobs.len() - 1;
        for (i, job) in self.jobs.iter().enumerate() {
            let spec = &JOBS[job.spec];
            let mut description = JsonObject::new()
                .str("summary", spec.summary)
                .raw("goals", &json_array(spec.goals))
                .str("priority", spec.priority)
                .int("estimated_hours", spec.hours)
                .raw("required_skills", &json_array(spec.skills))
                .str("job_type", spec.job_type)
                .str("phase", spec.phase);
            if i > 0 {
                description = description.raw("dependencies", "[]").str("created_by", "plan.strategy");
            }
            let description = description.finish();
            // The job before the last one was paused when the last one was activated; the
            // others ran to completion; the last one is the single active job.
            let status = if i == last {
                "active"
            } else if i == last - 1 {
                "paused"
            } else {
                "completed"
            };
            ins.row(|r| {
                r.text(&job.id).text(spec.title).text(&description).text(status);
                if i == 0 {
                    // written by `init`, with seconds
                    r.second(job.start * 60).null().null();
                } else {
                    // created paused while another job was active, activated a few minutes
                    // later (`--job --activate` writes times with seconds); the paused job
                    // was stamped again when the newest one replaced it
                    r.minute(job.start);
                    if status == "paused" {
                        r.second(self.jobs[last].start * 60);
                    } else {
                        r.minute(job.start);
                    }
                    r.second((job.start + 4) * 60);
                }
                match status {
                    "completed" => r.minute(job.until).null(),
                    "paused" => {
                        let reason = format!("Switched to job {}", self.jobs[last].id);
                        r.null().text(&reason)
                    }
                    _ => r.null().null(),
                };
            });
        }
        ins.finish();
    }

    pub fn write_sessions(&self, out: &mut String, rng: &mut Rng) {
        let cols = [
            "id",
            "job_id",
            "claude_session_id",
            "accomplishments",
            "decisions",
            "bugs_fixed",
            "errors_encountered",
            "breakthrough_moment",
            "next_session_priority",
            "quality_score",
            "created_at",
            "ended_at",
        ];
        let mut ins = Inserts::new(out, "sessions", &cols, 200);
        for (i, s) in self.sessions.iter().enumerate() {
            let uuid = rng.uuid();
            let job_id = &self.jobs[s.job].id;
            match s.end {
                None => ins.row(|r| {
                    r.text(&s.id).text(job_id).text(&uuid);
                    r.null().null().null().null().null().null().null();
                    r.minute(s.start).null();
                }),
                Some(end) => {
                    let pick = |rng: &mut Rng, list: &[&str], max: usize| {
                        let n = rng.range(0, max as i64) as usize;
                        let mut items: Vec<&str> = Vec::new();
                        for _ in 0..n {
                            let item = rng.choose(list);
                            if !items.contains(&item) {
                                items.push(item);
                            }
                        }
                        json_array(&items)
                    };
                    let mut acc = pick(rng, texts::ACCOMPLISHMENTS, 2);
                    if acc == "[]" {
                        acc = json_array(&[rng.choose(texts::ACCOMPLISHMENTS)]);
                    }
                    let decisions = pick(rng, texts::DECISIONS, 1);
                    let bugs = pick(rng, texts::BUGS_FIXED, 1);
                    let errors = pick(rng, texts::ERRORS_SEEN, 1);
                    let breakthrough = rng.chance(0.25).then(|| rng.choose(texts::BREAKTHROUGHS));
                    let next = rng.chance(0.8).then(|| rng.choose(texts::NEXT_PRIORITIES));
                    let quality = rng.range(5, 10);
                    ins.row(|r| {
                        r.text(&s.id).text(job_id).text(&uuid);
                        r.text(&acc).text(&decisions).text(&bugs).text(&errors);
                        r.opt_text(breakthrough).opt_text(next).int(quality);
                        if i == 0 {
                            r.second(s.start * 60);
                        } else {
                            r.minute(s.start);
                        }
                        r.minute(end);
                    });
                }
            }
        }
        ins.finish();
    }

    /// One message per finished session. Returns how many were written.
    pub fn write_messages(&self, out: &mut String, rng: &mut Rng) -> usize {
        let cols = ["session_id", "conversation_flow", "total_exchanges", "duration_minutes", "created_at"];
        let mut ins = Inserts::new(out, "messages", &cols, 200);
        for s in &self.sessions {
            let Some(end) = s.end else { continue };
            let mut flow = String::new();
            let first = rng.index(texts::QUESTIONS.len());
            let pairs = rng.range(1, 3) as usize;
            for k in 0..pairs {
                let (q, a) = texts::QUESTIONS[(first + k * 2) % texts::QUESTIONS.len()];
                if k > 0 {
                    flow.push('\n');
                }
                flow.push_str("Q: ");
                flow.push_str(q);
                flow.push_str("\nA: ");
                flow.push_str(a);
            }
            let exchanges = rng.range(4, 40);
            ins.row(|r| {
                r.text(&s.id).text(&flow).int(exchanges).int(end - s.start).minute(end);
            });
        }
        ins.finish()
    }
}
