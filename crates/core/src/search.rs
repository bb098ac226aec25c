//! Agent search with the exact scoring of `agent_db.py search-agents`, as a pure function.
//!
//! The rules (see ../shared/fixtures/README.md, "How search-agents scores"), for a query that is
//! lower-cased, trimmed and split on whitespace:
//! * +50 for every tag whose lower-cased text occurs anywhere in the lower-cased query;
//! * for each distinct query word found among the words of a field: +40 tags, +30 tech_stack,
//!   +20 role, +20 scenarios, +15 module/sub_module;
//! * +25 once when two or more of those five word groups matched;
//! * a field that is not valid JSON empties tags, tech_stack, scenarios and role for that agent;
//! * zero scores are dropped, a stable sort by score keeps catalog order for ties, the list is
//!   cut to the limit and ranked from 1.
//!
//! The tool reads the JSON fields with Python semantics, which this module reproduces where
//! they matter for scores: a JSON string is iterated character by character, an object by its
//! keys, an empty string tag is "in" every query. Where the tool would stop with an exception
//! (a `null` tags list, a number, a list holding non-strings) flagdeck scores the agent as if its
//! four lists were empty and says so in [`AgentWarning`].

use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;

/// Points of each rule, as the real tool awards them.
pub const EXACT_TAG_POINTS: u32 = 50;
pub const TAG_WORD_POINTS: u32 = 40;
pub const STACK_WORD_POINTS: u32 = 30;
pub const ROLE_WORD_POINTS: u32 = 20;
pub const SCENARIO_WORD_POINTS: u32 = 20;
pub const MODULE_WORD_POINTS: u32 = 15;
pub const MULTI_CRITERIA_BONUS: u32 = 25;
/// `search-agents` returns five agents unless told otherwise.
pub const DEFAULT_LIMIT: usize = 5;

/// The searchable text of one catalog row, as stored. v1 rows fill the fields directly; v0
/// rows map routing_keywords → `tags`, capabilities → `tech_stack`, description → `role`
/// (plain text, see [`RoleField`]) and have no scenarios.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentText {
    pub name: String,
    pub module: Option<String>,
    pub sub_module: Option<String>,
    pub tags: Option<String>,
    pub tech_stack: Option<String>,
    pub scenarios: Option<String>,
    pub role: RoleField,
}

/// v1 stores the role as a JSON array; v0 stores a plain-text description.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleField {
    Json(Option<String>),
    Text(Option<String>),
}

impl Default for RoleField {
    fn default() -> Self {
        RoleField::Json(None)
    }
}

/// The field groups of the word rules, in the order the tool applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Tags,
    TechStack,
    Role,
    Scenarios,
    Module,
}

impl Field {
    pub const ALL: [Field; 5] = [Field::Tags, Field::TechStack, Field::Role, Field::Scenarios, Field::Module];

    pub fn points(self) -> u32 {
        match self {
            Field::Tags => TAG_WORD_POINTS,
            Field::TechStack => STACK_WORD_POINTS,
            Field::Role => ROLE_WORD_POINTS,
            Field::Scenarios => SCENARIO_WORD_POINTS,
            Field::Module => MODULE_WORD_POINTS,
        }
    }

    /// The label the tool uses in its reasons.
    fn reason_label(self) -> &'static str {
        match self {
            Field::Tags => "tag match",
            Field::TechStack => "tech_stack",
            Field::Role => "role",
            Field::Scenarios => "scenario",
            Field::Module => "module",
        }
    }
}

/// Why an agent got points. `Display` gives the tool's own wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A tag (as stored) found inside the query.
    ExactTag(String),
    /// A query word found among a field's words.
    Word {
        field: Field,
        word: String,
    },
    MultiCriteria,
}

impl Reason {
    pub fn points(&self) -> u32 {
        match self {
            Reason::ExactTag(_) => EXACT_TAG_POINTS,
            Reason::Word { field, .. } => field.points(),
            Reason::MultiCriteria => MULTI_CRITERIA_BONUS,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::ExactTag(tag) => write!(f, "exact tag: '{tag}'"),
            Reason::Word { field, word } => write!(f, "{}: '{word}'", field.reason_label()),
            Reason::MultiCriteria => write!(f, "multi-criteria match bonus"),
        }
    }
}

/// Something about an agent's stored text that changes how it is searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentWarning {
    /// The field is not valid JSON: the tool treats tags, tech_stack, scenarios and role as
    /// empty for this agent, and so does flagdeck.
    InvalidJson { field: &'static str, error: String },
    /// Valid JSON on which the tool's search stops with a Python exception; flagdeck scores the
    /// agent with the four lists empty instead.
    ToolWouldFail { field: &'static str, why: String },
}

impl std::fmt::Display for AgentWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentWarning::InvalidJson { field, error } => write!(
                f,
                "{field} is not valid JSON ({error}); like agent_db.py, search ignores this agent's tags, tech_stack, scenarios and role"
            ),
            AgentWarning::ToolWouldFail { field, why } => write!(
                f,
                "{field} holds {why}; agent_db.py search-agents stops with an error on this row, flagdeck searches it with tags, tech_stack, scenarios and role empty"
            ),
        }
    }
}

/// Python's `str.split()` separators: Unicode whitespace plus the four ASCII separators
/// U+001C..U+001F that Rust does not count as whitespace.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `text.split()` in Python.
pub fn py_split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_py_space).filter(|w| !w.is_empty())
}

/// A JSON list field read the way the tool reads it: `items` are what `for tag in tags`
/// visits, `text` is `' '.join(field).lower()`.
#[derive(Debug, Clone, Default, PartialEq)]
struct PyList {
    items: Vec<Option<String>>,
    text: String,
}

enum ListError {
    Invalid(String),
    WouldFail(String),
}

/// Reads one JSON list field. `iterated` is true for tags, whose elements the tool also loops
/// over (so `null` fails there, while it is merely empty for the other fields).
fn read_list(raw: Option<&str>, iterated: bool) -> Result<PyList, ListError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok(PyList::default()) };
    let value: Json = serde_json::from_str(raw).map_err(|e| ListError::Invalid(e.to_string()))?;
    let falsy = match &value {
        Json::Null | Json::Bool(false) => true,
        Json::Number(n) => n.as_f64() == Some(0.0),
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        Json::Bool(true) => false,
    };
    let items: Vec<Option<String>> = match &value {
        Json::Array(a) => a.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
        Json::String(s) => s.chars().map(|c| Some(c.to_string())).collect(),
        Json::Object(o) => o.keys().map(|k| Some(k.clone())).collect(),
        Json::Null | Json::Bool(_) | Json::Number(_) => {
            if falsy && !iterated {
                return Ok(PyList::default());
            }
            return Err(ListError::WouldFail(format!("{value} (not a list)")));
        }
    };
    if falsy {
        return Ok(PyList::default());
    }
    if items.iter().any(Option::is_none) {
        return Err(ListError::WouldFail("a list with an element that is not text".into()));
    }
    let text = items.iter().flatten().map(String::as_str).collect::<Vec<_>>().join(" ").to_lowercase();
    Ok(PyList { items, text })
}

/// One agent, prepared once for any number of queries.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedAgent {
    pub name: String,
    /// Tags as stored (for the reason text) and lower-cased (for the substring rule).
    exact_tags: Vec<(String, String)>,
    words: [HashSet<String>; 5],
    pub warning: Option<AgentWarning>,
}

impl IndexedAgent {
    pub fn new(agent: &AgentText) -> Self {
        let mut warning = None;
        let lists = (|| -> Result<[PyList; 4], (&'static str, ListError)> {
            let tags = read_list(agent.tags.as_deref(), true).map_err(|e| ("tags", e))?;
            let stack = read_list(agent.tech_stack.as_deref(), false).map_err(|e| ("tech_stack", e))?;
            let scenarios = read_list(agent.scenarios.as_deref(), false).map_err(|e| ("scenarios", e))?;
            let role = match &agent.role {
                RoleField::Json(raw) => read_list(raw.as_deref(), false).map_err(|e| ("role", e))?,
                RoleField::Text(text) => {
                    PyList { items: Vec::new(), text: text.as_deref().unwrap_or("").to_lowercase() }
                }
            };
            Ok([tags, stack, role, scenarios])
        })();
        let [tags, stack, role, scenarios] = match lists {
            Ok(lists) => lists,
            Err((field, e)) => {
                warning = Some(match e {
                    ListError::Invalid(error) => AgentWarning::InvalidJson { field, error },
                    ListError::WouldFail(why) => AgentWarning::ToolWouldFail { field, why },
                });
                Default::default()
            }
        };
        let module_text = format!(
            "{} {}",
            agent.module.as_deref().unwrap_or(""),
            agent.sub_module.as_deref().unwrap_or("")
        )
        .to_lowercase();
        let words_of = |text: &str| py_split(text).map(str::to_owned).collect::<HashSet<_>>();
        IndexedAgent {
            name: agent.name.clone(),
            exact_tags: tags.items.iter().flatten().map(|t| (t.clone(), t.to_lowercase())).collect(),
            words: [
                words_of(&tags.text),
                words_of(&stack.text),
                words_of(&role.text),
                words_of(&scenarios.text),
                words_of(&module_text),
            ],
            warning,
        }
    }

    fn field_words(&self, field: Field) -> &HashSet<String> {
        &self.words[field as usize]
    }

    /// Score and every reason for a prepared query.
    pub fn score(&self, query: &Query) -> (u32, Vec<Reason>) {
        let mut reasons = Vec::new();
        for (stored, lower) in &self.exact_tags {
            if query.lower.contains(lower.as_str()) {
                reasons.push(Reason::ExactTag(stored.clone()));
            }
        }
        let mut groups = 0;
        for field in Field::ALL {
            let set = self.field_words(field);
            let before = reasons.len();
            for word in &query.words {
                if set.contains(word) {
                    reasons.push(Reason::Word { field, word: word.clone() });
                }
            }
            if reasons.len() > before {
                groups += 1;
            }
        }
        if groups >= 2 {
            reasons.push(Reason::MultiCriteria);
        }
        (reasons.iter().map(Reason::points).sum(), reasons)
    }
}

/// A query as the tool prepares it: lower-cased and trimmed; its distinct words in the order
/// they first appear (the tool uses a set; the order only affects how reasons are listed).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub lower: String,
    pub words: Vec<String>,
}

impl Query {
    /// `None` for an empty or blank query (the tool answers with an error).
    pub fn new(text: &str) -> Option<Query> {
        let lower = text.to_lowercase().trim_matches(is_py_space).to_owned();
        if lower.is_empty() {
            return None;
        }
        let mut words: Vec<String> = Vec::new();
        for w in py_split(&lower) {
            if !words.iter().any(|have| have == w) {
                words.push(w.to_owned());
            }
        }
        Some(Query { lower, words })
    }
}

/// One ranked result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the agent in the catalog (the order it was indexed in).
    pub index: usize,
    pub score: u32,
    pub rank: usize,
    pub reasons: Vec<Reason>,
}

/// The whole catalog, prepared for searching.
///
/// Besides the per-agent sets, it keeps two inverted maps so that a search costs what the query
/// matches, not the size of the catalog: each word to the agents and fields that contain it,
/// and each distinct lower-cased tag to the agents that carry it (as often as they carry it).
/// The substring rule then looks up every substring of the query up to the longest tag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchIndex {
    pub agents: Vec<IndexedAgent>,
    /// word → (agent, field) for every field whose words contain it.
    words: HashMap<String, Vec<(u32, Field)>>,
    /// lower-cased tag → one entry per occurrence of that tag in an agent's list.
    tags: HashMap<String, Vec<u32>>,
    /// Length in bytes of the longest lower-cased tag.
    longest_tag: usize,
}

impl SearchIndex {
    /// Index agents in catalog (`id`) order: that order breaks ties.
    pub fn new(agents: &[AgentText]) -> Self {
        let agents: Vec<IndexedAgent> = agents.iter().map(IndexedAgent::new).collect();
        let mut words: HashMap<String, Vec<(u32, Field)>> = HashMap::new();
        let mut tags: HashMap<String, Vec<u32>> = HashMap::new();
        let mut longest_tag = 0;
        for (i, agent) in agents.iter().enumerate() {
            let i = i as u32;
            for field in Field::ALL {
                for word in agent.field_words(field) {
                    words.entry(word.clone()).or_default().push((i, field));
                }
            }
            for (_, lower) in &agent.exact_tags {
                longest_tag = longest_tag.max(lower.len());
                tags.entry(lower.clone()).or_default().push(i);
            }
        }
        SearchIndex { agents, words, tags, longest_tag }
    }

    /// Scores of every agent above zero, computed from the inverted maps.
    fn scores(&self, query: &Query) -> HashMap<u32, (u32, u8)> {
        // agent → (score, bit set of the word groups that matched)
        let mut scores: HashMap<u32, (u32, u8)> = HashMap::new();
        for word in &query.words {
            for &(agent, field) in self.words.get(word).into_iter().flatten() {
                let entry = scores.entry(agent).or_default();
                entry.0 += field.points();
                entry.1 |= 1 << field as u8;
            }
        }
        // Every distinct substring of the query, up to the longest tag (the empty string
        // included: an empty tag is "in" any query, as in Python).
        let q: &str = query.lower.as_str();
        let mut substrings: HashSet<&str> = HashSet::from([""]);
        let bounds: Vec<usize> = q.char_indices().map(|(i, _)| i).chain(std::iter::once(q.len())).collect();
        for (n, &from) in bounds.iter().enumerate() {
            for &to in &bounds[n + 1..] {
                if to - from > self.longest_tag {
                    break;
                }
                substrings.insert(&q[from..to]);
            }
        }
        for sub in substrings {
            for &agent in self.tags.get(sub).into_iter().flatten() {
                scores.entry(agent).or_default().0 += EXACT_TAG_POINTS;
            }
        }
        for (score, groups) in scores.values_mut() {
            if groups.count_ones() >= 2 {
                *score += MULTI_CRITERIA_BONUS;
            }
        }
        scores
    }

    /// Every agent with a score above zero, best first, ties in catalog order, cut to `limit`.
    /// Reasons are worked out for the returned agents only.
    pub fn search(&self, query: &Query, limit: usize) -> Vec<Hit> {
        let mut ranked: Vec<(u32, u32)> = self
            .scores(query)
            .into_iter()
            .filter(|(_, (score, _))| *score > 0)
            .map(|(a, (s, _))| (a, s))
            .collect();
        // Highest score first; equal scores in catalog order, as Python's stable sort leaves them.
        // (The order is total, so the shared stable sort gives the same result as an unstable one.)
        crate::order::sort_by(&mut ranked, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        ranked
            .into_iter()
            .enumerate()
            .map(|(i, (agent, score))| {
                let (check, reasons) = self.agents[agent as usize].score(query);
                debug_assert_eq!(check, score, "inverted and direct scoring disagree");
                Hit { index: agent as usize, score, rank: i + 1, reasons }
            })
            .collect()
    }

    /// The same ranking computed agent by agent with the rules as written; the reference the
    /// inverted search is tested against.
    pub fn search_direct(&self, query: &Query, limit: usize) -> Vec<Hit> {
        let mut hits: Vec<Hit> = self
            .agents
            .iter()
            .enumerate()
            .filter_map(|(index, agent)| {
                let (score, reasons) = agent.score(query);
                (score > 0).then_some(Hit { index, score, rank: 0, reasons })
            })
            .collect();
        // `sort_by_key` is stable, as Python's sort is.
        hits.sort_by_key(|h| std::cmp::Reverse(h.score));
        hits.truncate(limit);
        for (i, hit) in hits.iter_mut().enumerate() {
            hit.rank = i + 1;
        }
        hits
    }

    /// Convenience: the tool's `search-agents QUERY` with its default limit.
    pub fn search_text(&self, text: &str) -> Vec<Hit> {
        Query::new(text).map(|q| self.search(&q, DEFAULT_LIMIT)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(name: &str, tags: &str, stack: &str, role: &str, scenarios: &str) -> AgentText {
        AgentText {
            name: name.into(),
            tags: Some(tags.into()),
            tech_stack: Some(stack.into()),
            scenarios: Some(scenarios.into()),
            role: RoleField::Json(Some(role.into())),
            ..Default::default()
        }
    }

    #[test]
    fn each_rule_awards_its_points() {
        let a = agent(
            "@a",
            r#"["JWT", "auth tokens"]"#,
            r#"["Node.js tokens"]"#,
            r#"["Security architect"]"#,
            r#"["token rotation"]"#,
        );
        let index = SearchIndex::new(&[a]);
        let q = Query::new("  JWT tokens for the security team ").unwrap();
        let hits = index.search(&q, 5);
        // exact tag JWT (50) + tag words jwt, tokens (80) + stack tokens (30) + role security (20)
        // + bonus (25); "auth tokens" is not inside the query.
        assert_eq!(hits[0].score, 50 + 80 + 30 + 20 + 25);
        let texts: Vec<String> = hits[0].reasons.iter().map(ToString::to_string).collect();
        assert!(texts.contains(&"exact tag: 'JWT'".to_string()));
        assert!(texts.contains(&"tag match: 'tokens'".to_string()));
        assert!(texts.contains(&"multi-criteria match bonus".to_string()));
    }

    #[test]
    fn substring_rule_matches_inside_words_like_the_tool() {
        let index = SearchIndex::new(&[agent("@go", r#"["Go", "AI"]"#, "[]", "[]", "[]")]);
        let hits = index.search_text("MongoDB email digest");
        assert_eq!(hits[0].score, 100);
    }

    #[test]
    fn invalid_json_empties_all_four_lists_but_not_the_module() {
        let mut a = agent("@x", r#"["payments"]"#, "not json", r#"["payments"]"#, "[]");
        a.module = Some("payments".into());
        let index = SearchIndex::new(&[a]);
        assert!(matches!(
            index.agents[0].warning,
            Some(AgentWarning::InvalidJson { field: "tech_stack", .. })
        ));
        let hits = index.search_text("payments");
        assert_eq!(hits[0].score, MODULE_WORD_POINTS);
    }

    #[test]
    fn python_iteration_semantics_are_kept() {
        // A JSON string is iterated per character: each character inside the query scores 50.
        let index = SearchIndex::new(&[agent("@s", r#""ab""#, "[]", "[]", "[]")]);
        assert_eq!(index.search_text("a").first().map(|h| h.score), Some(50 + 40));
        // An empty tag is inside every query.
        let index = SearchIndex::new(&[agent("@e", r#"[""]"#, "[]", "[]", "[]")]);
        assert_eq!(index.search_text("anything").first().map(|h| h.score), Some(50));
        // null tags: the tool raises; flagdeck warns and scores with empty lists.
        let index = SearchIndex::new(&[agent("@n", "null", r#"["rust"]"#, "[]", "[]")]);
        assert!(matches!(index.agents[0].warning, Some(AgentWarning::ToolWouldFail { field: "tags", .. })));
        assert!(index.search_text("rust").is_empty());
        // null elsewhere is merely empty.
        let index = SearchIndex::new(&[agent("@m", r#"["rust"]"#, "null", "[]", "[]")]);
        assert_eq!(index.agents[0].warning, None);
        assert_eq!(index.search_text("rust").first().map(|h| h.score), Some(50 + 40));
    }

    #[test]
    fn ties_keep_catalog_order_zero_scores_are_dropped_and_limit_applies() {
        let agents: Vec<AgentText> = (0..8)
            .map(|i| agent(&format!("@a{i}"), if i == 3 { "[]" } else { r#"["x"]"# }, "[]", "[]", "[]"))
            .collect();
        let index = SearchIndex::new(&agents);
        let hits = index.search(&Query::new("x").unwrap(), 5);
        let order: Vec<usize> = hits.iter().map(|h| h.index).collect();
        assert_eq!(order, [0, 1, 2, 4, 5]);
        assert_eq!(hits.iter().map(|h| h.rank).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert!(Query::new(" \t ").is_none());
    }

    #[test]
    fn inverted_search_equals_the_rules_applied_agent_by_agent() {
        let agents = vec![
            agent(
                "@a",
                r#"["Go", "AI", "", "go"]"#,
                r#"["Go services", "gRPC"]"#,
                r#"["API architect"]"#,
                r#"["email digests"]"#,
            ),
            agent(
                "@b",
                r#"["mongodb", "ai"]"#,
                r#"["MongoDB 7"]"#,
                r#"["data"]"#,
                r#"["aggregation pipelines"]"#,
            ),
            agent("@c", r#""xy""#, "null", r#"["ÄÖ Straße"]"#, "[]"),
            agent("@d", "not json", r#"["go"]"#, "[]", "[]"),
            AgentText {
                name: "@e".into(),
                module: Some("payments".into()),
                sub_module: Some("go".into()),
                ..Default::default()
            },
        ];
        let index = SearchIndex::new(&agents);
        for q in [
            "go",
            "MongoDB email go",
            "ai api",
            "x",
            "xy yx",
            "straße äö",
            "payments go gRPC",
            "",
            "  ",
            "aggregation pipelines for mongodb and go ai",
            "émail",
            "g",
            "ﬁ go",
        ] {
            let Some(query) = Query::new(q) else { continue };
            for limit in [1, 3, 5, 100] {
                assert_eq!(
                    index.search(&query, limit),
                    index.search_direct(&query, limit),
                    "query {q:?} limit {limit}"
                );
            }
        }
    }

    #[test]
    fn python_whitespace_splits_on_ascii_separators_too() {
        assert_eq!(py_split("a\u{1f}b\u{a0}c  d").collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    }
}
