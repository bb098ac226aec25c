//! Reading the flags of a list query: from the derived layer where it answers (ids, counts,
//! facet counts, an agent's chains; `src/web/flags/layer.rs`), by the query's own SQL
//! otherwise. The flag list, the agent page and the routing page read through these.

use crate::web::files::loader::Shared;
use crate::web::platform::perf::{measure_since, perf_now};
use flagdeck_core::agents::{chains_of, ChainSummary};
use flagdeck_core::flags::{facet_counts, FlagFilter, FlagPageQuery, FlagRow, SHOWN_FACETS};
use flagdeck_core::{Database, Value};

/// The rows of one page: their ids from the layer and the rows from those held in the page
/// when it holds them all (with the sort keys the layer gave), else by id from the engine; or
/// the page's own SQL where the layer cannot answer (see `src/web/flags/layer.rs`).
/// Measures `flagdeck:page-ids` (the layer's answer) and `flagdeck:page-rows` (the rows read).
pub(crate) async fn page_rows(open: &Shared, q: &FlagPageQuery) -> Result<Vec<FlagRow>, String> {
    let started = perf_now();
    let ids = match &open.layer {
        Some(layer) => layer.page(&open.db, q).await,
        None => None,
    };
    if ids.is_some() {
        measure_since("flagdeck:page-ids", started);
    }
    let started = perf_now();
    if let (Some(layer), Some(page)) = (&open.layer, &ids) {
        let only: Vec<i64> = page.value.iter().map(|(id, _)| *id).collect();
        if let Some(rows) = layer.mirrored(&open.db, &only, page.at) {
            measure_since("flagdeck:page-rows", started);
            let keyed =
                rows.into_iter().zip(&page.value).map(|(r, (_, key))| FlagRow { sort_key: key.clone(), ..r });
            return Ok(keyed.collect());
        }
    }
    let (sql, params) = match ids.map(|page| page.value) {
        Some(page) if page.is_empty() => return Ok(Vec::new()),
        Some(page) => q.rows_sql(&page.into_iter().map(|(id, _)| id).collect::<Vec<_>>()),
        None => q.sql(),
    };
    let rs = open.db.query(&sql, &params).await.map_err(|e| e.to_string())?;
    let rows = FlagRow::all(&rs).map_err(|e| e.to_string());
    measure_since("flagdeck:page-rows", started);
    rows
}

/// How many flags `filter` keeps: from the layer, or by SQL where it cannot answer.
pub(crate) async fn count_flags(open: &Shared, filter: &FlagFilter) -> Result<Option<i64>, String> {
    if let Some(layer) = &open.layer {
        if let Some(n) = layer.count(&open.db, filter).await {
            return Ok(Some(n));
        }
    }
    let (sql, params) = filter.count_sql();
    open.db
        .query(&sql, &params)
        .await
        .map(|rs| rs.scalar().and_then(Value::as_i64))
        .map_err(|e| e.to_string())
}

/// The counts of each of [`SHOWN_FACETS`] under `filter`: from the layer, or by SQL where it
/// cannot answer.
pub(crate) async fn facet_values(
    open: &Shared,
    filter: &FlagFilter,
) -> Result<Vec<Vec<(Value, i64)>>, String> {
    if let Some(layer) = &open.layer {
        if let Some(counts) = layer.facets(&open.db, filter, &SHOWN_FACETS).await {
            return Ok(counts);
        }
    }
    let mut all = Vec::new();
    for facet in SHOWN_FACETS {
        all.push(facet_counts(&open.db, filter, facet).await.map_err(|e| e.to_string())?);
    }
    Ok(all)
}

/// The chains `agent` takes part in (the agent page's): from the layer, or by
/// [`chains_of`]'s statement (a scan of `flags`) where it cannot answer.
pub(crate) async fn agent_chains(open: &Shared, agent: &str) -> Result<Vec<ChainSummary>, String> {
    if let Some(layer) = &open.layer {
        if let Some(chains) = layer.chains(&open.db, agent).await {
            return Ok(chains);
        }
    }
    chains_of(&open.db, agent).await.map_err(|e| e.to_string())
}
