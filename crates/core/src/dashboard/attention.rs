//! The verdict first: what on the dashboard needs someone's attention now, read from the
//! computed [`Dashboard`] (no SQL of its own). Three kinds of items, in this order:
//!
//! - `budget`: every performance budget whose verdict is [`Verdict::Fail`] (a budget with no data
//!   is neither pass nor fail, and is not listed), with its figure now in its unit;
//! - `critical`: the oldest pending critical flag, with its age, and how many critical flags are
//!   pending (`FlagKpis::critical_pending_ids`, oldest first);
//! - `stalled`: the open quests stalled past the dashboard's threshold (how many, linked to the
//!   quests list), then the longest-stalled of them, each linked to its page.
//!
//! Each item carries an [`AttentionLink`]; the shell turns it into an address (a flag →
//! `#flag/ID`, a quest → `#quest/ID`, the stalled quests → the quests list, a section →
//! `#dashboard/<section>`, see [`section_of_hash`]).

use super::{Dashboard, Verdict};
use crate::units::{figure, Unit};

/// How many of the longest-stalled quests get an item of their own.
pub const STALLED_SHOWN: usize = 3;

/// The dashboard's sections, by the id the shell gives them (`dashboard-section-<id>`) and the
/// name after `#dashboard/` that scrolls to them.
pub const SECTIONS: &[&str] = &["flags", "quests", "tools", "health", "capacity", "budgets", "hooks"];

/// The section named by an address: `#dashboard/tools` → `Some("tools")`. `None` for any other
/// address, including `#dashboard/<settings>` (a shared link: base64url of a JSON object, which
/// starts `ey`, never a section name).
pub fn section_of_hash(hash: &str) -> Option<&'static str> {
    let name = hash.trim_start_matches('#').strip_prefix("dashboard/")?;
    SECTIONS.iter().copied().find(|s| *s == name)
}

/// What an item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttentionKind {
    /// A failing performance budget.
    Budget,
    /// Critical flags waiting.
    Critical,
    /// Quests stalled on someone's turn.
    Stalled,
}

impl AttentionKind {
    /// The shell's `data-kind`: `budget`, `critical`, `stalled`.
    pub fn attr(self) -> &'static str {
        match self {
            AttentionKind::Budget => "budget",
            AttentionKind::Critical => "critical",
            AttentionKind::Stalled => "stalled",
        }
    }
}

/// Where an item leads: the list or page that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttentionLink {
    /// A flag's page (`#flag/ID`).
    Flag(i64),
    /// A quest's page (`#quest/ID`).
    Quest(i64),
    /// The quests list of open quests, least recently updated first (as the summary's "idle"
    /// count links).
    StalledQuests,
    /// A section of the dashboard, one of [`SECTIONS`] (`#dashboard/<section>`).
    Section(&'static str),
}

/// One line of the attention strip.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionItem {
    pub kind: AttentionKind,
    /// Stable: the budget's name (`tool-p95`, `error-rate`, `critical-pending`, `lead-time-p90`,
    /// `utilisation`), `oldest-critical`, `stalled-quests`, or `quest-<ID>` for one stalled quest.
    pub name: String,
    /// What a person reads, figures in their units ([`figure`]).
    pub text: String,
    pub link: AttentionLink,
}

/// The section that explains a budget: the tool gates → `tools`, the flag gates → `flags`,
/// utilisation → `capacity`, anything else → `budgets`.
fn budget_section(name: &str) -> &'static str {
    match name {
        "tool-p95" | "error-rate" => "tools",
        "critical-pending" | "lead-time-p90" => "flags",
        "utilisation" => "capacity",
        _ => "budgets",
    }
}

/// Everything on `d` that needs attention, failing budgets first (see the module). Empty when
/// nothing does: the shell then says so in one line.
pub fn attention(d: &Dashboard) -> Vec<AttentionItem> {
    let mut out = Vec::new();
    for b in d.budgets.iter().filter(|b| b.verdict == Verdict::Fail) {
        let mut text = format!("{}: now {}", b.label, b.now());
        if !b.offenders.is_empty() {
            let shown: Vec<&str> = b.offenders.iter().take(3).map(String::as_str).collect();
            let more = b.offenders.len() - shown.len();
            text.push_str(&format!(
                " ({}{})",
                shown.join(", "),
                if more > 0 { format!(", {more} more") } else { String::new() }
            ));
        }
        out.push(AttentionItem {
            kind: AttentionKind::Budget,
            name: b.name.clone(),
            text,
            link: AttentionLink::Section(budget_section(&b.name)),
        });
    }
    if let Some(flags) = &d.aggregates.flags {
        if let Some(&oldest) = flags.critical_pending_ids.first() {
            let pending = flags
                .pending_by_impact
                .iter()
                .find(|(level, _)| level == "critical")
                .map(|(_, n)| *n)
                .unwrap_or(flags.critical_pending_ids.len() as i64);
            let age = flags
                .oldest_critical_hours
                .map(|h| format!(", waiting {}", figure(h, Unit::Hours)))
                .unwrap_or_default();
            out.push(AttentionItem {
                kind: AttentionKind::Critical,
                name: "oldest-critical".into(),
                text: format!(
                    "Oldest critical flag #{oldest}{age} (critical pending: {})",
                    figure(pending as f64, Unit::Flags)
                ),
                link: AttentionLink::Flag(oldest),
            });
        }
    }
    if let Some(q) = d.aggregates.quests.as_ref().filter(|q| q.stalled > 0) {
        let noun = if q.stalled == 1 { "quest" } else { "quests" };
        out.push(AttentionItem {
            kind: AttentionKind::Stalled,
            name: "stalled-quests".into(),
            text: format!(
                "{} {noun} stalled: one agent's turn for over {} (the link lists every open quest, least \
                 recently updated first; the stalled ones follow here)",
                figure(q.stalled as f64, Unit::Count),
                figure(q.stall_after_hours, Unit::Hours)
            ),
            link: AttentionLink::StalledQuests,
        });
        for s in q.stalled_longest.iter().take(STALLED_SHOWN) {
            out.push(AttentionItem {
                kind: AttentionKind::Stalled,
                name: format!("quest-{}", s.id),
                text: format!(
                    "Quest #{} {}: {}'s turn for {}",
                    s.id,
                    s.name,
                    s.holder,
                    figure(s.held_seconds, Unit::Seconds)
                ),
                link: AttentionLink::Quest(s.id),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::quests::{QuestKpis, StalledQuest};
    use super::super::{Aggregates, BudgetResult, FlagKpis};
    use super::*;

    fn budget(name: &str, verdict: Verdict, actual: Option<f64>, unit: Unit) -> BudgetResult {
        BudgetResult {
            name: name.into(),
            label: format!("{name} ≤ limit"),
            limit: 1.0,
            actual,
            unit,
            verdict,
            offenders: Vec::new(),
        }
    }

    fn names(items: &[AttentionItem]) -> Vec<&str> {
        items.iter().map(|i| i.name.as_str()).collect()
    }

    #[test]
    fn nothing_failing_nothing_waiting_is_an_empty_strip() {
        let d = Dashboard {
            budgets: vec![
                budget("error-rate", Verdict::Pass, Some(0.5), Unit::Percent),
                budget("tool-p95", Verdict::NoData, None, Unit::Millis),
            ],
            ..Default::default()
        };
        assert!(attention(&d).is_empty());
    }

    #[test]
    fn the_strip_lists_exactly_the_failing_budgets() {
        let mut p95 = budget("tool-p95", Verdict::Fail, Some(140_520.0), Unit::Millis);
        p95.offenders = vec!["Task p95 2.3 min".into()];
        let d = Dashboard {
            budgets: vec![
                p95,
                budget("error-rate", Verdict::Pass, Some(1.0), Unit::Percent),
                budget("critical-pending", Verdict::Fail, Some(4.0), Unit::Flags),
                budget("lead-time-p90", Verdict::NoData, None, Unit::Hours),
                budget("utilisation", Verdict::Fail, Some(1.25), Unit::Ratio),
            ],
            ..Default::default()
        };
        let items = attention(&d);
        assert_eq!(names(&items), vec!["tool-p95", "critical-pending", "utilisation"]);
        assert!(items.iter().all(|i| i.kind == AttentionKind::Budget && i.kind.attr() == "budget"));
        // The figure now, in its unit, and what breaks it.
        assert_eq!(items[0].text, "tool-p95 ≤ limit: now 2.3 min (Task p95 2.3 min)");
        assert_eq!(items[1].text, "critical-pending ≤ limit: now 4 flags");
        assert_eq!(items[0].link, AttentionLink::Section("tools"));
        assert_eq!(items[1].link, AttentionLink::Section("flags"));
        assert_eq!(items[2].link, AttentionLink::Section("capacity"));
        // Every section linked is one the shell has.
        for i in &items {
            if let AttentionLink::Section(s) = i.link {
                assert!(SECTIONS.contains(&s));
            }
        }
    }

    #[test]
    fn the_oldest_critical_flag_with_its_age_links_to_its_page() {
        let d = Dashboard {
            aggregates: Aggregates {
                flags: Some(FlagKpis {
                    pending_by_impact: vec![("critical".into(), 25), ("high".into(), 3)],
                    critical_pending_ids: vec![42, 7, 9],
                    oldest_critical_hours: Some(50.0),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let items = attention(&d);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, AttentionKind::Critical);
        assert_eq!(items[0].name, "oldest-critical");
        assert_eq!(items[0].link, AttentionLink::Flag(42));
        // 25 pending although only the first 20 ids are kept.
        assert_eq!(
            items[0].text,
            format!(
                "Oldest critical flag #42, waiting {} (critical pending: 25 flags)",
                figure(50.0, Unit::Hours)
            )
        );

        // No critical flag pending: no item.
        let calm = Dashboard {
            aggregates: Aggregates {
                flags: Some(FlagKpis { pending_by_impact: vec![("high".into(), 3)], ..Default::default() }),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(attention(&calm).is_empty());
    }

    #[test]
    fn stalled_quests_a_count_for_the_list_then_the_longest_waiting() {
        let stalled = |id: i64, hours: f64| StalledQuest {
            id,
            name: format!("q{id}"),
            holder: "@backend".into(),
            held_seconds: hours * 3600.0,
        };
        let d = Dashboard {
            aggregates: Aggregates {
                quests: Some(QuestKpis {
                    stall_after_hours: 24.0,
                    stalled: 12,
                    stalled_longest: vec![
                        stalled(5, 90.0),
                        stalled(3, 60.0),
                        stalled(8, 30.0),
                        stalled(1, 25.0),
                    ],
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let items = attention(&d);
        assert_eq!(names(&items), vec!["stalled-quests", "quest-5", "quest-3", "quest-8"]);
        assert!(items.iter().all(|i| i.kind == AttentionKind::Stalled));
        assert_eq!(items[0].link, AttentionLink::StalledQuests);
        assert_eq!(
            items[0].text,
            format!(
                "12 quests stalled: one agent's turn for over {} (the link lists every open quest, least \
                 recently updated first; the stalled ones follow here)",
                figure(24.0, Unit::Hours)
            )
        );
        assert_eq!(items[1].link, AttentionLink::Quest(5));
        assert_eq!(
            items[1].text,
            format!("Quest #5 q5: @backend's turn for {}", figure(90.0 * 3600.0, Unit::Seconds))
        );

        // Open quests but none stalled: nothing.
        let fine = Dashboard {
            aggregates: Aggregates {
                quests: Some(QuestKpis { open: 4, stall_after_hours: 24.0, ..Default::default() }),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(attention(&fine).is_empty());
    }

    #[test]
    fn budgets_come_first_then_critical_then_stalled() {
        let d = Dashboard {
            aggregates: Aggregates {
                flags: Some(FlagKpis { critical_pending_ids: vec![1], ..Default::default() }),
                quests: Some(QuestKpis { stalled: 1, stall_after_hours: 24.0, ..Default::default() }),
                ..Default::default()
            },
            budgets: vec![budget("error-rate", Verdict::Fail, Some(9.0), Unit::Percent)],
            ..Default::default()
        };
        let kinds: Vec<&str> = attention(&d).iter().map(|i| i.kind.attr()).collect();
        assert_eq!(kinds, vec!["budget", "critical", "stalled"]);
        assert_eq!(
            attention(&d)[2].text,
            format!(
                "1 quest stalled: one agent's turn for over {} (the link lists every open quest, least \
                 recently updated first; the stalled ones follow here)",
                figure(24.0, Unit::Hours)
            )
        );
    }

    #[test]
    fn section_addresses_are_not_shared_settings() {
        assert_eq!(section_of_hash("#dashboard/tools"), Some("tools"));
        assert_eq!(section_of_hash("dashboard/budgets"), Some("budgets"));
        assert_eq!(section_of_hash("#dashboard"), None);
        assert_eq!(section_of_hash("#dashboard/eyJyYW5nZSI6"), None);
        assert_eq!(section_of_hash("#flags"), None);
    }
}
