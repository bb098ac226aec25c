//! The search part of `cargo xtask bench`: realistic queries over a big generated catalog,
//! timed natively here (`cargo xtask search-bench DB --out JSON`, run by `bench` in a release
//! build) and in the browser through the app (tests/e2e/bench.mjs, which reads the JSON written
//! here for the queries and the native top five to check the page against).

use std::path::Path;
use std::time::{Duration, Instant};

use flagdeck_core::search::{Query, SearchIndex};
use serde_json::json;

use crate::dbtools::open_searchable;
use crate::util::Result;

/// What people type into an agent search: the five captured queries of the real tool and
/// fifteen more across the usual fields of work.
pub const QUERIES: &[&str] = &[
    "JWT authentication implementation",
    "PostgreSQL query performance tuning",
    "React component state management",
    "payment webhook retry with Stripe",
    "MongoDB aggregation pipeline",
    "Kubernetes autoscaling for bursty traffic",
    "Redis cache invalidation",
    "GraphQL schema federation",
    "CI pipeline caching",
    "Terraform module refactor",
    "OAuth PKCE flow for the mobile app",
    "Kafka consumer lag",
    "TLS certificate rotation",
    "accessibility audit WCAG",
    "load testing with k6",
    "async Rust with Tokio",
    "Python data pipeline with Airflow",
    "vector search embeddings RAG",
    "GDPR data retention and erasure",
    "OpenTelemetry distributed tracing",
];

/// Repetitions of each timed search (the figures are min / median / max over them).
const RUNS: usize = 31;
const INDEX_RUNS: usize = 5;

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Sorted copy; min, median, p95 (nearest rank), max.
fn stats(xs: &[f64]) -> (f64, f64, f64, f64) {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    (v[0], v[v.len() / 2], rank(0.95), v[v.len() - 1])
}

/// Every prefix of `q` that ends on a character boundary: what the app searches as `q` is
/// typed one key at a time.
fn prefixes(q: &str) -> impl Iterator<Item = &str> {
    q.char_indices().map(|(i, c)| &q[..i + c.len_utf8()])
}

pub fn run(db: &Path, out: &Path) -> Result<()> {
    let build = if cfg!(debug_assertions) { "debug build: NOT representative" } else { "release build" };
    let t = Instant::now();
    let s = open_searchable(db)?;
    let read = t.elapsed();
    let texts: Vec<_> = s.catalog.iter().map(|a| a.search_text()).collect();
    let mut index_times = Vec::new();
    let mut index = SearchIndex::default();
    for _ in 0..INDEX_RUNS {
        let t = Instant::now();
        index = std::hint::black_box(SearchIndex::new(&texts));
        index_times.push(micros(t.elapsed()));
    }
    let (imin, imed, _, imax) = stats(&index_times);
    println!();
    println!("== Agent search, native ({build}; {} agents; {}) ==", s.catalog.len(), db.display());
    println!(
        "open + read_catalog {:.1} ms; SearchIndex::new over the catalog: min {:.1} ms, median {:.1} ms, max {:.1} ms ({INDEX_RUNS} runs)",
        read.as_secs_f64() * 1e3,
        imin / 1e3,
        imed / 1e3,
        imax / 1e3
    );
    println!(
        "{:<44} {:>7} {:<34} {:>8} {:>8} {:>8}",
        "query (search_text, limit 5)", "matches", "top result (score)", "min µs", "med µs", "max µs"
    );
    let mut medians = Vec::new();
    let mut report = Vec::new();
    for q in QUERIES {
        let query = Query::new(q).ok_or("empty benchmark query")?;
        let mut times = Vec::with_capacity(RUNS);
        let mut top = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            top = std::hint::black_box(index.search_text(q));
            times.push(micros(t.elapsed()));
        }
        let matches = index.search(&query, usize::MAX).len();
        let (min, med, _, max) = stats(&times);
        medians.push(med);
        let first =
            top.first().map(|h| format!("{} ({})", s.catalog[h.index].name, h.score)).unwrap_or_default();
        println!("{q:<44} {matches:>7} {first:<34} {min:>8.0} {med:>8.0} {max:>8.0}");
        report.push(json!({
            "query": q,
            "matches": matches,
            "top": top.iter().map(|h| json!([s.catalog[h.index].name, h.score])).collect::<Vec<_>>(),
            "micros": { "min": min, "median": med, "max": max },
        }));
    }
    let (_, med_of_medians, _, worst_median) = stats(&medians);
    println!(
        "per query: median of the medians {med_of_medians:.0} µs, slowest median {worst_median:.0} µs ({RUNS} runs each)"
    );

    // As typed: every prefix of every query once (after one warm-up pass), like keystrokes.
    let typed: Vec<&str> = QUERIES.iter().flat_map(|q| prefixes(q)).collect();
    for p in &typed {
        std::hint::black_box(index.search_text(p));
    }
    let mut key_times = Vec::with_capacity(typed.len());
    for p in &typed {
        let t = Instant::now();
        std::hint::black_box(index.search_text(p));
        key_times.push(micros(t.elapsed()));
    }
    let (kmin, kmed, kp95, kmax) = stats(&key_times);
    println!(
        "as typed (every prefix of the {} queries, {} searches): min {kmin:.0} µs, median {kmed:.0} µs, p95 {kp95:.0} µs, max {kmax:.0} µs",
        QUERIES.len(),
        typed.len()
    );

    let json = json!({
        "db": db.display().to_string(),
        "agents": s.catalog.len(),
        "build": build,
        "index_micros": { "min": imin, "median": imed, "max": imax },
        "keystroke_micros": { "median": kmed, "p95": kp95, "max": kmax },
        "queries": report,
    });
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_and_prefixes() {
        assert_eq!(stats(&[3.0, 1.0, 2.0]), (1.0, 2.0, 3.0, 3.0));
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(stats(&xs), (1.0, 51.0, 95.0, 100.0));
        assert_eq!(prefixes("aé b").collect::<Vec<_>>(), ["a", "aé", "aé ", "aé b"]);
        assert_eq!(QUERIES.len(), 20);
    }
}
