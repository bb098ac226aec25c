//! Vocabulary and sentence templates for demo flags, written for the imaginary Parcelhub code
//! base. A template holds `{slot}` markers that [`fill`] replaces with values chosen per flag,
//! so a few dozen sentences give hundreds of thousands of distinct, plausible texts cheaply.

/// One part of the code base: the files, functions, tables and endpoints an agent works on.
pub struct Area {
    pub files: &'static [&'static str],
    pub fns: &'static [&'static str],
    pub tables: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// `METHOD /path`.
    pub endpoints: &'static [&'static str],
    /// Deployment / package name.
    pub service: &'static str,
    /// Feature toggles of this area.
    pub toggles: &'static [&'static str],
}

pub const AREAS: &[Area] = &[
    // 0: auth
    Area {
        files: &[
            "services/auth/src/tokens.ts",
            "services/auth/src/session.ts",
            "services/auth/src/oauth/google.ts",
            "services/auth/src/middleware/requireScope.ts",
            "services/auth/src/apiKeys.ts",
            "services/auth/src/passkeys.ts",
        ],
        fns: &[
            "issueAccessToken",
            "rotateRefreshToken",
            "verifyScope",
            "hashApiKey",
            "revokeSessions",
            "loadJwks",
        ],
        tables: &["users", "refresh_tokens", "api_keys", "login_attempts"],
        columns: &["last_login_at", "token_hash", "revoked_at", "scopes", "tenant_id"],
        endpoints: &[
            "POST /v2/auth/token",
            "POST /v2/auth/refresh",
            "GET /v2/auth/me",
            "DELETE /v2/auth/sessions",
        ],
        service: "auth",
        toggles: &["passkeys", "rs256_tokens", "refresh_reuse_detection"],
    },
    // 1: api gateway and shipments
    Area {
        files: &[
            "services/api/src/routes/shipments.ts",
            "services/api/src/routes/parcels.ts",
            "services/api/src/middleware/rateLimit.ts",
            "services/api/src/middleware/requestId.ts",
            "services/api/src/lib/pagination.ts",
            "openapi/parcelhub.yaml",
        ],
        fns: &[
            "listShipments",
            "createShipment",
            "cancelShipment",
            "paginate",
            "applyRateLimit",
            "buildProblem",
        ],
        tables: &["shipments", "parcels", "tenants", "idempotency_keys"],
        columns: &["created_at", "status", "external_ref", "weight_grams", "label_url"],
        endpoints: &[
            "GET /v2/shipments",
            "POST /v2/shipments",
            "GET /v2/parcels/{id}",
            "POST /v2/shipments/{id}/cancel",
        ],
        service: "api",
        toggles: &["cursor_pagination", "strict_request_ids", "per_key_rate_limits"],
    },
    // 2: payments
    Area {
        files: &[
            "services/payments/src/stripe/webhooks.ts",
            "services/payments/src/charges.ts",
            "services/payments/src/refunds.ts",
            "services/payments/src/money.ts",
            "services/payments/src/invoices/render.ts",
        ],
        fns: &["capturePayment", "refundCharge", "toMinorUnits", "handleStripeEvent", "issueInvoice"],
        tables: &["payments", "refunds", "invoices", "ledger_entries"],
        columns: &["amount_cents", "currency", "stripe_event_id", "settled_at", "vat_rate"],
        endpoints: &[
            "POST /v2/payments/intents",
            "POST /v2/refunds",
            "GET /v2/invoices",
            "GET /v2/invoices/{id}/pdf",
        ],
        service: "payments",
        toggles: &["payment_intents_v2", "partial_refunds", "e_invoicing"],
    },
    // 3: tracking (Go)
    Area {
        files: &[
            "services/tracking/cmd/ingest/main.go",
            "services/tracking/internal/events/store.go",
            "services/tracking/internal/eta/predict.go",
            "services/tracking/internal/geo/zones.go",
        ],
        fns: &["UpsertScanEvent", "PredictETA", "LoadZones", "FlushBatch"],
        tables: &["tracking_events", "parcels", "delivery_zones", "depots"],
        columns: &["scanned_at", "eta_at", "depot_id", "device_id", "geom"],
        endpoints: &["GET /v2/parcels/{id}/events", "POST /v2/scans", "GET /v2/parcels/{id}/eta"],
        service: "tracking",
        toggles: &["eta_model_v3", "batched_ingest", "zone_cache"],
    },
    // 4: route planner and data pipelines (Python)
    Area {
        files: &[
            "services/planner/planner/routes.py",
            "services/planner/planner/solver.py",
            "services/planner/planner/features.py",
            "pipelines/dags/scan_events.py",
        ],
        fns: &["plan_routes", "assign_driver", "build_features", "load_scan_events"],
        tables: &["routes", "route_stops", "drivers", "scan_facts"],
        columns: &["planned_at", "stop_index", "capacity_kg", "shift_start"],
        endpoints: &["POST /v2/routes/plan", "GET /v2/routes/{id}", "GET /v2/drivers/{id}/shift"],
        service: "planner",
        toggles: &["solver_time_limit", "traffic_aware_routes", "hourly_scan_facts"],
    },
    // 5: notifications
    Area {
        files: &[
            "services/notify/src/queue.ts",
            "services/notify/src/sms.ts",
            "services/notify/src/push.ts",
            "services/notify/templates/delivered.mjml",
            "services/notify/src/preferences.ts",
        ],
        fns: &["enqueueNotification", "renderTemplate", "sendSms", "resolveLocale", "pruneTokens"],
        tables: &["notifications", "notification_preferences", "push_tokens", "outbox"],
        columns: &["sent_at", "channel", "locale", "opt_out_at"],
        endpoints: &["POST /v2/notifications/test", "PUT /v2/preferences", "GET /v2/notifications"],
        service: "notify",
        toggles: &["quiet_hours", "sms_fallback", "mjml_v5"],
    },
    // 6: dispatcher dashboard (web)
    Area {
        files: &[
            "web/src/pages/Shipments.tsx",
            "web/src/pages/LiveMap.tsx",
            "web/src/hooks/useTracking.ts",
            "web/src/components/ParcelTable.tsx",
            "web/src/api/client.ts",
            "web/src/i18n/de.json",
        ],
        fns: &["useShipments", "formatEta", "fetchPage", "useLiveVans", "exportCsv"],
        tables: &["shipments", "parcels", "depots"],
        columns: &["status", "eta_at", "updated_at", "depot_id"],
        endpoints: &["GET /v2/shipments", "GET /v2/depots/{id}/capacity", "GET /v2/exceptions"],
        service: "dashboard",
        toggles: &["live_map_sse", "bulk_reassign", "dark_mode"],
    },
    // 7: driver app (React Native)
    Area {
        files: &[
            "apps/driver/src/screens/ScanScreen.tsx",
            "apps/driver/src/sync/outbox.ts",
            "apps/driver/src/location/tracker.ts",
            "apps/driver/app.config.ts",
        ],
        fns: &["queueProof", "flushOutbox", "startTracking", "decodeBarcode"],
        tables: &["proofs_of_delivery", "tracking_events", "drivers"],
        columns: &["photo_url", "signed_at", "battery_level"],
        endpoints: &["POST /v2/scans", "POST /v2/proofs", "GET /v2/drivers/me/route"],
        service: "driver-gateway",
        toggles: &["offline_proofs", "low_power_tracking", "photo_compression"],
    },
    // 8: database layer
    Area {
        files: &[
            "db/schema.sql",
            "db/seeds/depots.sql",
            "services/api/src/db/pool.ts",
            "services/api/src/db/repositories/shipmentRepository.ts",
            "services/api/src/db/repositories/parcelRepository.ts",
        ],
        fns: &["withTransaction", "findShipmentsByTenant", "upsertParcel", "archiveOldEvents"],
        tables: &["shipments", "parcels", "tracking_events", "audit_log", "tenants"],
        columns: &["deleted_at", "tenant_id", "updated_at", "archived_at"],
        endpoints: &["GET /v2/shipments", "GET /v2/parcels/{id}"],
        service: "db-migrate",
        toggles: &["read_replica_lists", "event_archiving", "pool_per_tenant"],
    },
    // 9: operations
    Area {
        files: &[
            "deploy/helm/api/values.yaml",
            "deploy/k8s/tracking/deployment.yaml",
            "infra/terraform/rds.tf",
            ".github/workflows/deploy.yml",
            "docker/api.Dockerfile",
            "ops/grafana/dashboards/api.json",
            "ops/alerts/latency.yaml",
        ],
        fns: &["runMigrations", "checkReadiness", "promoteCanary"],
        tables: &["audit_log", "deploy_events"],
        columns: &["deployed_at", "image_digest"],
        endpoints: &["GET /healthz", "GET /readyz", "GET /metrics"],
        service: "api",
        toggles: &["canary_deploys", "otel_tracing", "arm64_nodes"],
    },
    // 10: tests
    Area {
        files: &[
            "tests/e2e/label-purchase.spec.ts",
            "tests/e2e/tracking-page.spec.ts",
            "tests/contract/shipments.pact.ts",
            "tests/load/k6-scans.js",
            "tests/factories.ts",
        ],
        fns: &["createShipmentFixture", "freezeClock", "mockCarrier", "seedTenant"],
        tables: &["shipments", "payments", "tenants"],
        columns: &["created_at", "status"],
        endpoints: &["POST /v2/shipments", "GET /v2/shipments"],
        service: "e2e",
        toggles: &["contract_gate", "parallel_e2e"],
    },
    // 11: documentation
    Area {
        files: &[
            "docs/api/changelog.md",
            "docs/guides/webhooks.md",
            "docs/adr/0007-cursor-pagination.md",
            "docs/guides/rate-limits.md",
            "README.md",
        ],
        fns: &["paginate", "verifySignature", "listShipments"],
        tables: &["shipments", "webhook_deliveries"],
        columns: &["signature", "delivered_at"],
        endpoints: &["GET /v2/shipments", "POST /v2/webhooks/test"],
        service: "docs",
        toggles: &["versioned_docs"],
    },
];

/// The area an agent works in (by its name).
pub fn area_of(agent: &str) -> usize {
    let name = agent.trim_start_matches('@');
    match name {
        "acolyte.auth" | "service.auth" | "audit.security" | "audit.compliance" | "coordinator.security" => 0,
        "acolyte.api"
        | "acolyte.api-shipments"
        | "backend.api"
        | "backend.nodejs"
        | "coordinator.backend"
        | "backend.java"
        | "backend.laravel"
        | "service.integrations" => 1,
        "acolyte.payments" | "business.payment" | "business.billing" | "business.subscription" => 2,
        "acolyte.tracking" | "backend.go" | "backend.rust" | "service.mapbox" | "database.postgis" => 3,
        "backend.python" | "service.ai" | "service.data" | "analyst.data" | "analyst.strategic"
        | "database.pgvector" | "database.mongodb" => 4,
        "acolyte.notifications" | "service.communication" => 5,
        "acolyte.dashboard"
        | "frontend.react"
        | "frontend.vue"
        | "frontend.angular"
        | "coordinator.frontend" => 6,
        "frontend.mobile" | "database.sqlite" => 7,
        "database.postgres"
        | "database.redis"
        | "database.mariadb"
        | "coordinator.database"
        | "coordinator.migration" => 8,
        "test.quality" | "coordinator.testing" => 10,
        "docs.specialist" => 11,
        _ => 9, // ops.*, coordinator.devops/infrastructure, backend.serverless
    }
}

/// Values of the `{slot}` markers for one text.
pub struct Slots<'a> {
    pub file: &'a str,
    pub file2: &'a str,
    pub func: &'a str,
    pub table: &'a str,
    pub column: &'a str,
    /// `METHOD /path`.
    pub endpoint: &'a str,
    /// A `GET` endpoint of the same area (lists, caches, pagination).
    pub read_endpoint: &'a str,
    pub service: &'a str,
    /// The target's deployment.
    pub service2: &'a str,
    pub toggle: &'a str,
    /// `YYYY-MM-DD`, a few days after the flag.
    pub date: &'a str,
    /// `YYYY-MM-DD`, a few days before the flag.
    pub past: &'a str,
    /// `YYYYMMDD` of the flag's day (migration prefixes).
    pub ymd: &'a str,
    pub line: i64,
    pub number: i64,
    pub origin: i64,
}

/// The first `GET` endpoint of an area (its first endpoint if it has none).
pub fn read_endpoint(area: &Area) -> &'static str {
    area.endpoints.iter().copied().find(|e| e.starts_with("GET ")).unwrap_or(area.endpoints[0])
}

/// Appends `template` with every `{slot}` replaced. Unknown slots are kept as written (so a
/// literal `{id}` in an endpoint path survives).
pub fn fill(out: &mut String, template: &str, s: &Slots<'_>) {
    use std::fmt::Write as _;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return;
        };
        let key = &after[..close];
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            // not a slot (JSON braces, `import { x }`): keep the brace and go on after it
            out.push('{');
            rest = after;
            continue;
        }
        match key {
            "file" => out.push_str(s.file),
            "file2" => out.push_str(s.file2),
            "fn" => out.push_str(s.func),
            "table" => out.push_str(s.table),
            "col" => out.push_str(s.column),
            "ep" => out.push_str(s.endpoint),
            "get" => out.push_str(s.read_endpoint),
            "method" => out.push_str(s.endpoint.split(' ').next().unwrap_or("GET")),
            "path" => out.push_str(s.endpoint.split(' ').nth(1).unwrap_or("/")),
            "svc" => out.push_str(s.service),
            "svc2" => out.push_str(s.service2),
            "toggle" => out.push_str(s.toggle),
            "TOGGLE" => out.extend(s.toggle.chars().map(|c| c.to_ascii_uppercase())),
            "date" => out.push_str(s.date),
            "past" => out.push_str(s.past),
            "ymd" => out.push_str(s.ymd),
            "line" => {
                let _ = write!(out, "{}", s.line);
            }
            "n" => {
                let _ = write!(out, "{}", s.number);
            }
            "origin" => {
                let _ = write!(out, "{}", s.origin);
            }
            _ => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
}

pub const FLAG_TYPES: &[(&str, f64)] = &[
    ("change", 26.0),
    ("new_feature", 19.0),
    ("refactor", 16.0),
    ("enhancement", 12.0),
    ("breaking_change", 11.0),
    ("security", 8.0),
    ("deprecation", 7.0),
    ("data_loss", 2.3),
];

/// Impact weights per flag type as `[critical, high, medium, low]`, shaped so that the whole
/// set lands near the mix real projects show (medium most common, critical rare) and never
/// breaks the consistency trigger.
pub fn impact_weights(flag_type: &str) -> [f64; 4] {
    match flag_type {
        "breaking_change" => [0.30, 0.42, 0.28, 0.0],
        "security" => [0.36, 0.40, 0.24, 0.0],
        "data_loss" => [0.40, 0.38, 0.16, 0.06],
        "deprecation" => [0.0, 0.10, 0.55, 0.35],
        "new_feature" => [0.0, 0.18, 0.56, 0.26],
        "refactor" => [0.0, 0.12, 0.55, 0.33],
        "enhancement" => [0.0, 0.14, 0.56, 0.30],
        _ => [0.0, 0.20, 0.55, 0.25],
    }
}

pub const IMPACTS: [&str; 4] = ["critical", "high", "medium", "low"];

/// What changed, per flag type.
pub fn change_templates(flag_type: &str) -> &'static [&'static str] {
    match flag_type {
        "change" => &[
            "Timestamps that {file} writes into {table} are now UTC ISO-8601 strings such as 2026-08-03T14:05:00Z instead of local 'YYYY-MM-DD HH:MM' text.",
            "{fn}() in {file} now returns amounts in integer minor units; {table}.{col} follows the same rule and no longer holds decimal strings.",
            "Default page size of {get} went down from 50 to 25 items, and the response carries next_cursor instead of a total count.",
            "Retries in {file} moved from a fixed 5 s delay to exponential backoff with jitter (base 200 ms, cap 30 s, at most 6 attempts).",
            "Error responses from {ep} follow RFC 9457 problem+json now, with type, title, status, detail and a request_id member.",
            "{fn}() reads its limits from the tenant's plan instead of a hard-coded constant in {file}; the fallback value is unchanged.",
            "Sorting of {get} is now stable: ties on {col} are broken by id, so the same request always returns rows in the same order.",
        ],
        "new_feature" => &[
            "Added {ep} backed by {fn}() in {file}; it accepts an Idempotency-Key header and replays the stored response for 24 hours.",
            "New nullable column {table}.{col} filled by {fn}(); migration db/migrations/{ymd}_{table}.sql adds it without a table rewrite.",
            "Introduced the toggle `{toggle}`, read by {file}; when it is on, {fn}() takes the new path and records one metric per call.",
            "Webhook deliveries for {table} events are signed with HMAC-SHA256 in the X-Parcelhub-Signature header; the secret lives in the vault.",
            "{file} can export {table} as streaming CSV, so dispatchers no longer wait for the whole file before the download starts.",
            "Added bulk mode to {ep}: up to 500 items per request, validated together, created in one transaction with per-item results.",
        ],
        "refactor" => &[
            "Split {file} into smaller modules; {fn}() moved to {file2} and the old import path re-exports it until the next minor release.",
            "Replaced hand-written SQL in {file} with the repository layer; {table} queries keep their shape but every list now has an explicit ORDER BY.",
            "Renamed {fn}() to a verb-first name across {file} and its callers; behaviour is unchanged and the old name survives as a deprecated alias.",
            "Extracted the {table} validation rules from {file} into a shared schema that the API and the dashboard's forms both import.",
            "Moved configuration for {svc} from scattered process.env reads into one typed settings object loaded once at start-up.",
        ],
        "enhancement" => &[
            "{get} now answers from a Redis cache keyed by tenant (TTL 60 s); p95 latency went from 420 ms to 85 ms on staging.",
            "{fn}() batches its writes to {table} in groups of 500 inside one transaction, cutting the nightly import from 40 to 6 minutes.",
            "Added a composite index on {table}({col}, created_at) so the dashboard's recent list stops scanning the whole table.",
            "Structured JSON logs from {file} include request_id, tenant_id and duration_ms on every line, which makes traces searchable.",
            "{file} compresses responses larger than 1 KiB with Brotli and sends ETags, so unchanged pages of {get} cost a 304 only.",
        ],
        "breaking_change" => &[
            "Dropped column {table}.{col} in db/migrations/{ymd}_{table}.sql; anything still reading it will fail after the next deploy.",
            "{fn}() in {file} became async and returns a Promise; synchronous callers now get a pending promise instead of the value.",
            "{ep} requires the X-Request-Id header; calls without it are rejected with HTTP 400 from {date} on.",
            "The {table} status enum lost the value 'in_transit_legacy'; rows were migrated to 'in_transit' and writers sending the old value get a 422.",
            "Version 1 of {ep} was removed: clients must call the /v2 path with cursor pagination, the offset parameter is ignored.",
        ],
        "security" => &[
            "Session cookies set by {file} are HttpOnly, Secure and SameSite=Strict now; cross-site embeds of the dashboard lose their session.",
            "Access tokens from {fn}() are signed with RS256 instead of HS256 and keys rotate every 30 days; public keys are at /.well-known/jwks.json.",
            "API keys in {table} are stored as SHA-256 hashes from now on; the plaintext keys were revoked and tenants must create new ones.",
            "Upload handling in {file} rejects SVG and HTML files and strips EXIF data from parcel photos before they reach storage.",
            "{ep} checked only the tenant id from the token, not the object's owner; any tenant could read another tenant's {table} by id.",
        ],
        "deprecation" => &[
            "{ep} is deprecated and answers with Deprecation and Sunset headers; it will be removed on {date}.",
            "{fn}() in {file} is deprecated in favour of the repository method and logs a warning on every call until it is removed.",
            "The CSV export in {file} is deprecated; the dashboard switches to the streaming XLSX export in the next sprint.",
            "The `{toggle}` toggle is deprecated: the new behaviour is the default everywhere and the flag check in {file} goes away.",
        ],
        _ => &[
            // data_loss
            "A retention job in {file} deleted {table} rows older than 30 days instead of 90 until the fix on {past}; about {n}00 rows are gone.",
            "Migration db/migrations/{ymd}_{table}.sql truncated {table}.{col} to 64 characters; longer values were cut without a warning.",
            "A race in {fn}() could overwrite {table} rows written in the same second; some updates from the past week were lost.",
            "Restoring the {table} backup skipped the last WAL segment, so writes between 02:10 and 02:25 on {past} are missing.",
        ],
    }
}

/// Change texts of follow-up flags in a chain (`{origin}` is the chain's first flag).
pub const FOLLOW_UP_TEMPLATES: &[&str] = &[
    "Follow-up to flag #{origin}: {fn}() in {file} handles the new contract now; the old branch stays behind `{toggle}` until every tenant has moved.",
    "About flag #{origin}: the migration for {table}.{col} ran on staging; production is planned for {date} in the low-traffic window.",
    "Answering flag #{origin}: {file} was updated and its tests pass, but {file2} still depends on the previous behaviour and needs its owner.",
    "Next step of the change announced in flag #{origin}: readers of {table} were switched over; the writers follow with this flag.",
    "Flag #{origin} is half done: {ep} accepts both shapes for now, and {fn}() logs every caller that still sends the old one.",
];

/// What the target must do.
pub const ACTION_TEMPLATES: &[&str] = &[
    "Update every caller of {fn}() in {file2} (around line {line}) to the new contract, add a regression test next to it and link the pull request in this flag.",
    "Review {file2} for assumptions about the old {table} ordering, add an explicit ORDER BY where pages are built, and compare a staging export before and after.",
    "Write a backfill script under scripts/backfill/ that repairs {table}.{col} from the {past} snapshot, run it on staging first and attach the row counts here.",
    "Regenerate the typed client from openapi/parcelhub.yaml, bump its minor version and describe the new contract under Unreleased in docs/api/changelog.md.",
    "Send the new header from every outgoing request in {file2}; after the deploy on {date} calls without it fail with HTTP 400. Check it with the end-to-end suite.",
    "Replace the direct reads of {table}.{col} in {file2} (line {line}) with {fn}() and delete the fallback branch once the migration has run in every environment.",
    "Rotate the credentials used by {file2}, update the secret in the vault and in deploy/helm/{svc2}/values.yaml, then confirm in the audit log that the old key is unused.",
    "Add a contract test in tests/contract/ that pins the new response of {ep}, run it in CI on every pull request, and complete this flag once it is green.",
    "Update the dashboards and alerts that read {table}: metric names changed, so edit ops/grafana/dashboards/{svc2}.json and ops/alerts/*.yaml in the same pull request.",
    "Roll out carefully: deploy {file2} with `{toggle}` off, switch it on for one tenant, watch error rates for an hour, then enable it for everybody and report here.",
    "Remove the compatibility shim in {file2} (line {line}) after the logs show no client on the old path for seven days; write the date you checked into this flag.",
    "Adapt the fixtures in tests/fixtures/{table}.json and the factories in tests/factories.ts to the new {col} format so the integration suite stops failing.",
    "Check {file2} for code that still expects {col} as text; convert it at the boundary, cover the conversion with a unit test and mention the commit in this flag.",
    "Ask the on-call engineer before merging, then deploy {svc2} behind the canary (10 % of traffic for 30 minutes) and paste the error-rate graph into this flag.",
];

/// Non-ASCII change texts (they must stay at least 50 characters after filling).
pub const INTERNATIONAL_TEMPLATES: &[&str] = &[
    "Añadida la validación de códigos postales en {file}: las direcciones de España y Portugal sin un código válido se rechazan con un aviso en español.",
    "Die Zustellfenster in {file} werden jetzt pro Depot berechnet; „Früh“ und „Spät“ ersetzen die alten Schichtnamen, Umlaute wie ä, ö, ü und ß bleiben erhalten.",
    "配達予定時刻の表示を {file} で日本語ロケール (ja-JP) に対応させました。表示形式は YYYY年MM月DD日 HH時MM分 です。",
    "🚚 The live map in {file} refreshes every 10 s over server-sent events ✅ and shows one 📦 marker per parcel instead of polling the API.",
    "Les notifications de livraison de {file} sont désormais traduites en français ; les montants s'affichent au format « 12,50 € » et les dates en JJ/MM/AAAA.",
    "Η μετάφραση των ειδοποιήσεων παράδοσης στα ελληνικά προστέθηκε στο {file}· τα θέματα των email δεν εμφανίζονται πια ως ερωτηματικά.",
    "Poprawiono kodowanie znaków w {file}: polskie nazwy ulic (ą, ę, ł, ż) są teraz poprawnie zapisywane w etykietach przesyłek.",
];

/// Example snippets attached to some flags.
pub const EXAMPLE_TEMPLATES: &[&str] = &[
    "SELECT id, {col} FROM {table} WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 25;",
    "curl -sS -X {method} -H 'Authorization: Bearer $TOKEN' -H 'X-Request-Id: demo-{n}' https://api.parcelhub.test{path}",
    "import { {fn} } from '@parcelhub/{svc}'; const page = await {fn}(tenantId, { limit: 25 });",
    "kubectl -n parcelhub rollout status deploy/{svc} && kubectl -n parcelhub logs deploy/{svc} --since=10m | grep {fn}",
    "PARCELHUB_FEATURE_{TOGGLE}=1 npm run dev --workspace {svc}",
    "psql \"$DATABASE_URL\" -c \"EXPLAIN ANALYZE SELECT count(*) FROM {table} WHERE {col} IS NOT NULL\"",
];

/// `context` JSON variants; `{n}` is a ticket number and `{date}` a date.
pub const CONTEXT_TEMPLATES: &[&str] = &[
    r#"{"ticket": "PH-{n}", "rollout": "canary", "percent": 10}"#,
    r#"{"blocked_on": "staging deploy", "ticket": "PH-{n}", "eta": "{date}"}"#,
    r#"{"ticket": "PH-{n}", "toggle": "{toggle}", "tenants": ["acme-freight", "northwind"]}"#,
    r#"{"incident": "INC-{n}", "severity": 2, "postmortem": "docs/postmortems/{past}.md"}"#,
    r#"{"review": "https://git.parcelhub.test/parcelhub/{svc}/pull/{n}", "approvals": 1}"#,
];

// ------------------------------------------------------------------ work sessions

pub const ACCOMPLISHMENTS: &[&str] = &[
    "Closed the pending API flags for the shipments routes",
    "Switched label purchase to PaymentIntents",
    "Added cursor pagination to the shipments list",
    "Stabilised the tracking page end-to-end test",
    "Moved scan ingestion to batched inserts",
    "Shipped refresh token rotation",
    "Cleaned up unused feature toggles",
    "Added request ids to every log line",
    "Fixed the ETA drift for the Hamburg depot",
    "Translated delivery e-mails into German and Spanish",
    "Reviewed agent health and compacted two memories",
    "Wrote the migration guide for v2 pagination",
];

pub const DECISIONS: &[&str] = &[
    "Store money as integer cents everywhere",
    "Keep minute precision in flag timestamps",
    "Rate limit per API key, not per IP address",
    "Use opaque cursors, never offsets, in public lists",
    "Scan events are append-only; corrections are new events",
    "One active job at a time; park the rest as paused",
];

pub const BUGS_FIXED: &[&str] = &[
    "N+1 query in the shipments list",
    "Double charge when the webhook arrived twice",
    "Time zone shift in delivery windows",
    "Driver app lost scans after a restart",
    "Wrong VAT rate for Austrian invoices",
];

pub const ERRORS_SEEN: &[&str] = &[
    "Tests failed on the first run",
    "Migration timed out on staging",
    "Stripe sandbox returned 500 for a while",
    "Type errors after the client regeneration",
];

pub const BREAKTHROUGHS: &[&str] = &[
    "Found why ETAs drifted: local times were compared with UTC",
    "The duplicate charges came from a missing idempotency key",
    "Batching the inserts made the ingest ten times faster",
];

pub const NEXT_PRIORITIES: &[&str] = &[
    "Close payment flags",
    "Finish cursor pagination",
    "Review auth flags",
    "Unblock the driver app release",
    "Triage critical flags first",
];

pub const QUESTIONS: &[(&str, &str)] = &[
    (
        "What is pending for the API?",
        "Went through the open flags for the API and fixed the most severe ones.",
    ),
    ("Anything blocked?", "Two flags wait for an answer from another module, so they stay locked."),
    ("Did the tests pass?", "Yes after one retry; the flaky checkout test is tracked separately."),
    ("What changed in payments?", "Refunds now go through the new PaymentIntents flow."),
    ("Is the migration safe?", "It ran on staging with lock timeouts and took under a minute."),
    ("Which agents need attention?", "Tracking and notifications drifted; their memories need a refresh."),
];

// ------------------------------------------------------------------ jobs

pub struct JobSpec {
    pub title: &'static str,
    pub summary: &'static str,
    pub goals: &'static [&'static str],
    pub priority: &'static str,
    pub hours: i64,
    pub skills: &'static [&'static str],
    pub job_type: &'static str,
    pub phase: &'static str,
}

pub const JOBS: &[JobSpec] = &[
    JobSpec {
        title: "Workspace setup",
        summary: "Install the agents, create the flag database and register the project modules",
        goals: &["Create the flag database", "Register module agents", "Seed agent memories"],
        priority: "high",
        hours: 4,
        skills: &["setup"],
        job_type: "setup",
        phase: "setup",
    },
    JobSpec {
        title: "Token-based sign-in",
        summary: "Replace server sessions with short-lived access tokens and rotating refresh tokens",
        goals: &["RS256 access tokens", "Refresh rotation with reuse detection", "Passkeys for dispatchers"],
        priority: "high",
        hours: 60,
        skills: &["jwt", "oauth2", "redis"],
        job_type: "feature",
        phase: "core_development",
    },
    JobSpec {
        title: "Label purchase on PaymentIntents",
        summary: "Move label payments and refunds to Stripe PaymentIntents with idempotent webhooks",
        goals: &["PaymentIntents for labels", "Exactly-once webhooks", "Partial refunds"],
        priority: "high",
        hours: 80,
        skills: &["stripe", "webhooks", "postgres"],
        job_type: "integration",
        phase: "integration",
    },
    JobSpec {
        title: "Live tracking and ETA v3",
        summary: "Batch scan ingestion, predict delivery windows and push live positions to the dashboard",
        goals: &["Batched ingest", "ETA model v3", "Live map over SSE"],
        priority: "medium",
        hours: 70,
        skills: &["go", "postgis", "sse"],
        job_type: "feature",
        phase: "core_development",
    },
    JobSpec {
        title: "Public API hardening",
        summary:
            "Per-key rate limits, request ids, cursor pagination and problem+json errors for the public API",
        goals: &["Per-key rate limits", "Cursor pagination", "problem+json errors"],
        priority: "medium",
        hours: 40,
        skills: &["express", "redis", "openapi"],
        job_type: "feature",
        phase: "core_development",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn shortest(pick: impl Fn(&Area) -> &'static [&'static str]) -> &'static str {
        AREAS.iter().flat_map(|a| pick(a).iter().copied()).min_by_key(|s| s.chars().count()).unwrap()
    }

    /// The shortest value every slot can take, so a template that passes here passes always.
    fn shortest_slots() -> Slots<'static> {
        let service = AREAS.iter().map(|a| a.service).min_by_key(|s| s.len()).unwrap();
        Slots {
            file: shortest(|a| a.files),
            file2: shortest(|a| a.files),
            func: shortest(|a| a.fns),
            table: shortest(|a| a.tables),
            column: shortest(|a| a.columns),
            endpoint: shortest(|a| a.endpoints),
            read_endpoint: shortest(|a| a.endpoints),
            service,
            service2: service,
            toggle: shortest(|a| a.toggles),
            date: "2026-07-13",
            past: "2026-07-13",
            ymd: "20260713",
            line: 1,
            number: 1,
            origin: 1,
        }
    }

    #[test]
    fn slots_are_replaced_and_other_braces_kept() {
        let mut out = String::new();
        let s = shortest_slots();
        fill(&mut out, "import { {fn} } from '{svc}'; GET /x/{id} {\"k\": {n}} {", &s);
        assert_eq!(
            out,
            format!("import {{ {} }} from '{}'; GET /x/{{id}} {{\"k\": 1}} {{", s.func, s.service)
        );
    }

    #[test]
    fn every_template_meets_the_trigger_lengths_even_with_the_shortest_values() {
        let s = shortest_slots();
        let mut changes: Vec<&str> =
            FOLLOW_UP_TEMPLATES.iter().chain(INTERNATIONAL_TEMPLATES).copied().collect();
        for (kind, _) in FLAG_TYPES {
            changes.extend(change_templates(kind));
        }
        for t in changes {
            let mut out = String::new();
            fill(&mut out, t, &s);
            assert!(out.chars().count() >= 50, "{out}");
            assert!(!out.contains('\0'));
        }
        for t in ACTION_TEMPLATES {
            let mut out = String::new();
            fill(&mut out, t, &s);
            assert!(out.chars().count() >= 100, "{out}");
        }
    }

    #[test]
    fn impact_weights_respect_the_consistency_trigger() {
        for (kind, _) in FLAG_TYPES {
            let w = impact_weights(kind);
            if !["breaking_change", "security", "data_loss"].contains(kind) {
                assert_eq!(w[0], 0.0, "{kind} may not be critical");
            }
            if ["breaking_change", "security"].contains(kind) {
                assert_eq!(w[3], 0.0, "{kind} may not be low");
            }
            assert!(w.iter().sum::<f64>() > 0.0);
        }
    }
}
