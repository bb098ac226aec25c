//! Synthetic specialists for benchmark catalogs ([`super::DemoOptions::agents`]).
//!
//! Each synthetic agent is named `@<type>.<word>-<k>` (a type of the schema's CHECK list, the
//! word of its main field of work, `k` its number among the synthetic agents, so names never
//! collide with the normal catalog nor with each other). Its `role`, `tech_stack`, `scenarios`,
//! `tags` and `connections` are JSON arrays composed from a broad technical vocabulary: one main
//! field, often blended with a second one, a varying number of items per list and sentence
//! templates, so that any realistic query matches many agents with many different scores
//! (exact tags, tag words, stack words, role words, scenario words and the multi-criteria bonus
//! all occur), the way a big real catalog would.

use super::catalog::SPECIALISTS;
use super::rng::Rng;
use super::sql::{json_array, Inserts};

/// One field of work.
struct Domain {
    /// The name word (`@database.postgres-12`).
    word: &'static str,
    /// Agent types that work in this field (the schema's CHECK list, without `acolyte`).
    kinds: &'static [&'static str],
    /// Noun phrases for the role sentence.
    focus: &'static [&'static str],
    /// Tools, products, libraries and protocols.
    tech: &'static [&'static str],
    /// Tag-like concepts.
    concepts: &'static [&'static str],
    /// Scenario openings ("Tuning slow queries …").
    tasks: &'static [&'static str],
}

const DOMAINS: &[Domain] = &[
    Domain {
        word: "auth",
        kinds: &["service", "backend", "audit"],
        focus: &[
            "authentication and session security",
            "token-based identity for APIs",
            "single sign-on and access control",
        ],
        tech: &[
            "JWT",
            "OAuth 2.0",
            "OpenID Connect",
            "PKCE",
            "SAML",
            "WebAuthn",
            "Keycloak",
            "Auth0",
            "argon2",
        ],
        concepts: &[
            "authentication",
            "authorization",
            "RBAC",
            "ABAC",
            "MFA",
            "passkeys",
            "refresh-tokens",
            "session-management",
            "SSO",
        ],
        tasks: &[
            "Implementing JWT authentication with refresh token rotation",
            "Adding passkey sign-in next to passwords",
            "Moving sessions from cookies to short-lived tokens",
            "Designing role-based access control for tenants",
            "Hardening the OAuth callback against CSRF",
        ],
    },
    Domain {
        word: "postgres",
        kinds: &["database", "coordinator"],
        focus: &[
            "PostgreSQL performance and reliability",
            "relational schema design",
            "query tuning and indexing",
        ],
        tech: &[
            "PostgreSQL",
            "pg_stat_statements",
            "EXPLAIN ANALYZE",
            "PgBouncer",
            "Patroni",
            "pg_partman",
            "TimescaleDB",
            "Citus",
        ],
        concepts: &[
            "query-tuning",
            "indexing",
            "partitioning",
            "replication",
            "vacuum",
            "connection-pooling",
            "SQL",
            "performance",
        ],
        tasks: &[
            "Tuning slow PostgreSQL queries found in pg_stat_statements",
            "Partitioning a large events table by month",
            "Setting up logical replication to a reporting replica",
            "Fixing table bloat and autovacuum settings",
            "Sizing connection pools for peak traffic",
        ],
    },
    Domain {
        word: "mysql",
        kinds: &["database"],
        focus: &["MySQL and MariaDB operations", "online schema changes", "replication topologies"],
        tech: &["MySQL", "MariaDB", "InnoDB", "Vitess", "ProxySQL", "gh-ost", "Percona Toolkit", "Galera"],
        concepts: &["binlog", "GTID", "online-ddl", "deadlocks", "read-replicas", "sharding", "SQL"],
        tasks: &[
            "Changing a hot table online with gh-ost",
            "Reducing deadlocks on an orders table",
            "Sharding a tenant table with Vitess",
            "Promoting a replica after a primary failure",
        ],
    },
    Domain {
        word: "mongodb",
        kinds: &["database", "backend"],
        focus: &[
            "MongoDB document modelling",
            "aggregation and reporting on documents",
            "sharded document stores",
        ],
        tech: &["MongoDB", "Atlas", "Mongoose", "change streams", "aggregation pipeline", "mongosh"],
        concepts: &["document-modeling", "aggregation", "sharding", "schema-validation", "NoSQL", "indexes"],
        tasks: &[
            "Rewriting a report as a MongoDB aggregation pipeline",
            "Choosing a shard key for a growing collection",
            "Streaming changes to the search index with change streams",
            "Adding schema validation to legacy collections",
        ],
    },
    Domain {
        word: "redis",
        kinds: &["database", "backend"],
        focus: &[
            "caching and in-memory data",
            "cache invalidation strategies",
            "rate limiting and distributed locks",
        ],
        tech: &["Redis", "Valkey", "Redis Streams", "Lua scripts", "Redis Cluster", "KeyDB", "Memcached"],
        concepts: &[
            "caching",
            "cache-invalidation",
            "rate-limiting",
            "distributed-locks",
            "pub-sub",
            "TTL",
            "eviction",
        ],
        tasks: &[
            "Designing cache invalidation for product pages",
            "Building a sliding-window rate limiter in Redis",
            "Replacing polling with Redis Streams",
            "Investigating evictions under memory pressure",
        ],
    },
    Domain {
        word: "search",
        kinds: &["service", "database"],
        focus: &[
            "full-text search and relevance",
            "search indexing pipelines",
            "autocomplete and faceted navigation",
        ],
        tech: &["Elasticsearch", "OpenSearch", "Meilisearch", "Typesense", "Lucene", "BM25"],
        concepts: &[
            "full-text-search",
            "relevance-tuning",
            "analyzers",
            "facets",
            "autocomplete",
            "reindexing",
        ],
        tasks: &[
            "Tuning search relevance with synonyms and boosts",
            "Reindexing without downtime through an alias swap",
            "Adding typo-tolerant autocomplete",
            "Building faceted filters for a catalogue",
        ],
    },
    Domain {
        word: "vector",
        kinds: &["service", "database", "analyst"],
        focus: &["semantic search over embeddings", "retrieval-augmented generation", "vector indexes"],
        tech: &[
            "pgvector",
            "Qdrant",
            "Weaviate",
            "FAISS",
            "HNSW",
            "sentence-transformers",
            "OpenAI embeddings",
        ],
        concepts: &["embeddings", "vector-search", "semantic-search", "RAG", "retrieval", "similarity", "AI"],
        tasks: &[
            "Adding semantic search over support tickets with embeddings",
            "Choosing HNSW parameters for recall and latency",
            "Building a RAG pipeline over internal documentation",
            "Re-embedding a corpus after a model change",
        ],
    },
    Domain {
        word: "kafka",
        kinds: &["backend", "service", "ops"],
        focus: &["event streaming with Kafka", "event-driven architecture", "stream processing"],
        tech: &["Kafka", "Kafka Connect", "Schema Registry", "Avro", "Kafka Streams", "Debezium", "Redpanda"],
        concepts: &[
            "event-streaming",
            "consumer-lag",
            "exactly-once",
            "event-sourcing",
            "CDC",
            "partitions",
            "outbox-pattern",
        ],
        tasks: &[
            "Reducing consumer lag on a busy topic",
            "Streaming database changes with Debezium",
            "Evolving Avro schemas without breaking consumers",
            "Introducing the transactional outbox pattern",
        ],
    },
    Domain {
        word: "queues",
        kinds: &["backend", "service"],
        focus: &[
            "message queues and background jobs",
            "retries, backoff and dead-letter handling",
            "asynchronous workflows",
        ],
        tech: &["RabbitMQ", "AMQP", "Amazon SQS", "SNS", "NATS", "BullMQ", "Celery", "Sidekiq"],
        concepts: &[
            "message-queues",
            "dead-letter-queues",
            "retries",
            "backoff",
            "idempotency",
            "background-jobs",
            "webhooks",
        ],
        tasks: &[
            "Adding retries with exponential backoff and a dead-letter queue",
            "Making webhook consumers idempotent",
            "Moving cron jobs to a durable job queue",
            "Draining a poisoned queue safely",
        ],
    },
    Domain {
        word: "graphql",
        kinds: &["backend", "frontend"],
        focus: &["GraphQL APIs and schema design", "federated graphs", "client data fetching over GraphQL"],
        tech: &[
            "GraphQL",
            "Apollo Federation",
            "Apollo Client",
            "DataLoader",
            "GraphQL Codegen",
            "Hasura",
            "urql",
        ],
        concepts: &[
            "schema-design",
            "federation",
            "N+1-queries",
            "persisted-queries",
            "subscriptions",
            "API",
        ],
        tasks: &[
            "Splitting a GraphQL schema into federated subgraphs",
            "Fixing N+1 queries with DataLoader",
            "Introducing persisted queries for mobile clients",
            "Adding real-time updates through subscriptions",
        ],
    },
    Domain {
        word: "api",
        kinds: &["backend", "coordinator", "docs"],
        focus: &["REST API design and versioning", "public API contracts", "API gateways and rate limits"],
        tech: &["REST", "OpenAPI", "JSON Schema", "Kong", "API Gateway", "Postman", "Spectral"],
        concepts: &[
            "API-design",
            "versioning",
            "pagination",
            "idempotency-keys",
            "rate-limits",
            "problem-details",
            "API",
        ],
        tasks: &[
            "Designing cursor pagination for a public REST API",
            "Versioning an API without breaking integrations",
            "Adding idempotency keys to payment endpoints",
            "Linting the OpenAPI contract in CI",
        ],
    },
    Domain {
        word: "grpc",
        kinds: &["backend"],
        focus: &["gRPC services and Protocol Buffers", "service-to-service communication", "streaming RPC"],
        tech: &["gRPC", "Protocol Buffers", "Buf", "Envoy", "grpc-gateway", "Connect"],
        concepts: &["RPC", "protobuf", "deadlines", "streaming", "service-mesh", "backward-compatibility"],
        tasks: &[
            "Migrating internal REST calls to gRPC",
            "Enforcing backward-compatible protobuf changes with Buf",
            "Propagating deadlines across service calls",
            "Exposing gRPC services to browsers",
        ],
    },
    Domain {
        word: "node",
        kinds: &["backend"],
        focus: &["Node.js services in TypeScript", "event-loop performance", "server-side JavaScript"],
        tech: &["Node.js", "TypeScript", "Express", "Fastify", "NestJS", "Prisma", "pnpm"],
        concepts: &["event-loop", "async", "worker-threads", "streams", "JavaScript", "TypeScript"],
        tasks: &[
            "Finding what blocks the Node.js event loop",
            "Migrating an Express service to Fastify",
            "Adding strict TypeScript to a legacy service",
            "Streaming large CSV exports without running out of memory",
        ],
    },
    Domain {
        word: "python",
        kinds: &["backend", "analyst"],
        focus: &["Python web services", "async Python", "Python packaging and typing"],
        tech: &["Python", "FastAPI", "Django", "Celery", "asyncio", "Pydantic", "SQLAlchemy", "uv"],
        concepts: &["async", "typing", "packaging", "ORM", "background-tasks", "Python"],
        tasks: &[
            "Moving a Django view to an async FastAPI endpoint",
            "Adding type hints and mypy to a Python code base",
            "Fixing Celery tasks that run twice",
            "Upgrading SQLAlchemy to 2.0 style",
        ],
    },
    Domain {
        word: "go",
        kinds: &["backend"],
        focus: &[
            "Go services and concurrency",
            "high-throughput network services",
            "Go performance profiling",
        ],
        tech: &["Go", "goroutines", "Gin", "Echo", "pprof", "sqlc", "gRPC-Go"],
        concepts: &["concurrency", "channels", "context-cancellation", "profiling", "memory-allocation"],
        tasks: &[
            "Finding goroutine leaks with pprof",
            "Propagating context cancellation through handlers",
            "Reducing allocations in a hot path",
            "Generating type-safe SQL with sqlc",
        ],
    },
    Domain {
        word: "rust",
        kinds: &["backend"],
        focus: &[
            "Rust services and async runtimes",
            "memory-safe systems code",
            "WebAssembly modules in Rust",
        ],
        tech: &["Rust", "Tokio", "Axum", "Serde", "SQLx", "wasm-bindgen", "Leptos", "Cargo"],
        concepts: &[
            "async-runtime",
            "ownership",
            "zero-cost-abstractions",
            "WebAssembly",
            "performance",
            "memory-safety",
        ],
        tasks: &[
            "Porting a hot service path to Rust with Tokio",
            "Shipping a Rust library to the browser as WebAssembly",
            "Tracking down a deadlock in async Rust",
            "Cutting compile times in a large Cargo workspace",
        ],
    },
    Domain {
        word: "jvm",
        kinds: &["backend"],
        focus: &["Java and Kotlin services", "JVM tuning", "Spring applications"],
        tech: &["Java", "Kotlin", "Spring Boot", "Hibernate", "Gradle", "GraalVM", "Micronaut"],
        concepts: &[
            "garbage-collection",
            "JVM-tuning",
            "dependency-injection",
            "virtual-threads",
            "reactive",
        ],
        tasks: &[
            "Tuning garbage collection pauses on a Spring Boot service",
            "Adopting virtual threads for blocking I/O",
            "Building native images with GraalVM",
            "Fixing lazy-loading issues in Hibernate",
        ],
    },
    Domain {
        word: "react",
        kinds: &["frontend"],
        focus: &[
            "React applications and component design",
            "client state management",
            "rendering performance in React",
        ],
        tech: &["React", "Next.js", "Redux Toolkit", "TanStack Query", "Zustand", "React Hook Form", "Vite"],
        concepts: &[
            "component-state",
            "state-management",
            "hooks",
            "server-components",
            "rendering-performance",
            "React",
        ],
        tasks: &[
            "Moving React component state into a shared store",
            "Fixing re-render storms with memoisation",
            "Adopting server components in Next.js",
            "Replacing Redux boilerplate with TanStack Query",
        ],
    },
    Domain {
        word: "vue",
        kinds: &["frontend"],
        focus: &["Vue applications", "the Composition API", "Nuxt server rendering"],
        tech: &["Vue", "Pinia", "Nuxt", "Vue Router", "Vite", "Vitest"],
        concepts: &["composition-api", "reactivity", "SSR", "state-management", "components"],
        tasks: &[
            "Migrating components to the Composition API",
            "Sharing Pinia stores between apps",
            "Adding server rendering with Nuxt",
            "Debugging lost reactivity in nested objects",
        ],
    },
    Domain {
        word: "angular",
        kinds: &["frontend"],
        focus: &["large Angular applications", "reactive programming with RxJS", "Angular signals"],
        tech: &["Angular", "RxJS", "NgRx", "Nx", "Angular Material", "Jasmine"],
        concepts: &["signals", "change-detection", "standalone-components", "reactive-forms", "monorepo"],
        tasks: &[
            "Moving NgModules to standalone components",
            "Replacing nested subscriptions with RxJS operators",
            "Adopting signals for component state",
            "Splitting an Angular monorepo with Nx",
        ],
    },
    Domain {
        word: "mobile",
        kinds: &["frontend"],
        focus: &["mobile apps for iOS and Android", "offline-first mobile sync", "app store releases"],
        tech: &["React Native", "Flutter", "Swift", "Kotlin", "Expo", "Firebase Cloud Messaging", "SQLite"],
        concepts: &[
            "push-notifications",
            "offline-sync",
            "deep-links",
            "app-store",
            "mobile",
            "iOS",
            "Android",
        ],
        tasks: &[
            "Adding push notifications to the mobile app",
            "Syncing offline edits when the network returns",
            "Shipping over-the-air updates with Expo",
            "Handling deep links from e-mail campaigns",
        ],
    },
    Domain {
        word: "design",
        kinds: &["frontend", "docs"],
        focus: &["design systems and accessibility", "CSS architecture", "responsive interfaces"],
        tech: &["CSS", "Tailwind CSS", "Storybook", "Figma tokens", "axe-core", "Sass"],
        concepts: &["design-tokens", "accessibility", "WCAG", "responsive-layout", "dark-mode", "UI"],
        tasks: &[
            "Running an accessibility audit against WCAG 2.2",
            "Introducing design tokens shared by web and mobile",
            "Documenting components in Storybook",
            "Adding dark mode without duplicating styles",
        ],
    },
    Domain {
        word: "kubernetes",
        kinds: &["ops", "coordinator"],
        focus: &["Kubernetes clusters and workloads", "autoscaling and capacity", "service meshes"],
        tech: &["Kubernetes", "Helm", "Kustomize", "Karpenter", "Istio", "Linkerd", "KEDA"],
        concepts: &["autoscaling", "HPA", "ingress", "service-mesh", "pod-disruption-budgets", "k8s"],
        tasks: &[
            "Tuning Kubernetes autoscaling for bursty traffic",
            "Packaging services as Helm charts",
            "Rolling out mTLS with a service mesh",
            "Right-sizing requests and limits",
        ],
    },
    Domain {
        word: "containers",
        kinds: &["ops"],
        focus: &["container images and builds", "container security", "local development environments"],
        tech: &["Docker", "BuildKit", "Podman", "distroless", "Trivy", "docker compose"],
        concepts: &["containers", "multi-stage-builds", "image-scanning", "SBOM", "reproducible-builds"],
        tasks: &[
            "Shrinking container images with multi-stage builds",
            "Scanning images for CVEs in the pipeline",
            "Making docker compose match production",
            "Producing an SBOM for every image",
        ],
    },
    Domain {
        word: "terraform",
        kinds: &["ops", "coordinator"],
        focus: &[
            "infrastructure as code",
            "cloud foundations on AWS, GCP and Azure",
            "Terraform module design",
        ],
        tech: &["Terraform", "OpenTofu", "Pulumi", "AWS", "GCP", "Azure", "Terragrunt"],
        concepts: &["infrastructure-as-code", "IaC", "state-locking", "drift-detection", "modules", "cloud"],
        tasks: &[
            "Refactoring Terraform modules without destroying resources",
            "Detecting drift between code and cloud",
            "Splitting Terraform state per environment",
            "Importing hand-made resources into code",
        ],
    },
    Domain {
        word: "cicd",
        kinds: &["ops"],
        focus: &["CI/CD pipelines", "release automation", "build caching and speed"],
        tech: &["GitHub Actions", "GitLab CI", "Jenkins", "Argo CD", "Buildkite", "Dagger"],
        concepts: &["CI", "CD", "pipeline-caching", "release-automation", "GitOps", "matrix-builds"],
        tasks: &[
            "Cutting CI pipeline time with caching",
            "Automating releases with changelogs",
            "Promoting builds between environments with Argo CD",
            "Running matrix builds across platforms",
        ],
    },
    Domain {
        word: "observability",
        kinds: &["ops"],
        focus: &["observability and monitoring", "distributed tracing", "SLOs and alerting"],
        tech: &["OpenTelemetry", "Prometheus", "Grafana", "Loki", "Tempo", "Jaeger", "Datadog"],
        concepts: &["tracing", "metrics", "logging", "SLO", "alerting", "dashboards", "observability"],
        tasks: &[
            "Instrumenting services with OpenTelemetry tracing",
            "Defining SLOs and burn-rate alerts",
            "Reducing alert fatigue for on-call",
            "Correlating logs with traces",
        ],
    },
    Domain {
        word: "network",
        kinds: &["ops"],
        focus: &["web servers, proxies and CDNs", "TLS and certificates", "DNS and load balancing"],
        tech: &["Nginx", "Envoy", "HAProxy", "Caddy", "cert-manager", "Let's Encrypt", "Cloudflare"],
        concepts: &["TLS", "certificates", "CDN", "DNS", "load-balancing", "HTTP/3", "caching"],
        tasks: &[
            "Automating TLS certificate rotation with cert-manager",
            "Moving static assets behind a CDN",
            "Debugging 502 errors at the load balancer",
            "Enabling HTTP/3 at the edge",
        ],
    },
    Domain {
        word: "security",
        kinds: &["audit", "service", "coordinator"],
        focus: &["application security", "threat modelling and secure design", "secrets management"],
        tech: &["OWASP ZAP", "Semgrep", "Snyk", "HashiCorp Vault", "Trivy", "Burp Suite"],
        concepts: &[
            "OWASP",
            "threat-modeling",
            "SAST",
            "secrets-management",
            "CVE",
            "penetration-testing",
            "security",
        ],
        tasks: &[
            "Threat modelling a new payment flow",
            "Moving secrets from env files to Vault",
            "Triaging CVEs from dependency scanning",
            "Fixing an SQL injection found in a penetration test",
        ],
    },
    Domain {
        word: "compliance",
        kinds: &["audit", "business"],
        focus: &["privacy and regulatory compliance", "audit trails and evidence", "data protection"],
        tech: &["Vanta", "Drata", "OneTrust", "audit logs", "DPIA templates"],
        concepts: &["GDPR", "SOC2", "PCI-DSS", "HIPAA", "data-retention", "consent", "audit-trail"],
        tasks: &[
            "Implementing GDPR data retention and erasure",
            "Collecting evidence for a SOC 2 audit",
            "Scoping systems for PCI DSS",
            "Recording consent for marketing e-mails",
        ],
    },
    Domain {
        word: "payments",
        kinds: &["business", "service"],
        focus: &[
            "online payments and checkout",
            "payment webhooks and reconciliation",
            "card payment compliance",
        ],
        tech: &["Stripe", "PaymentIntents", "Adyen", "PayPal", "3-D Secure", "Stripe webhooks"],
        concepts: &["payments", "webhooks", "refunds", "chargebacks", "SCA", "reconciliation", "checkout"],
        tasks: &[
            "Handling payment webhook retries from Stripe idempotently",
            "Reconciling payouts with the ledger",
            "Adding 3-D Secure to checkout",
            "Processing partial refunds",
        ],
    },
    Domain {
        word: "billing",
        kinds: &["business"],
        focus: &["subscriptions and invoicing", "usage-based billing", "revenue operations"],
        tech: &["Stripe Billing", "Chargebee", "Recurly", "Avalara", "Lago"],
        concepts: &["subscriptions", "invoicing", "metered-billing", "proration", "dunning", "tax"],
        tasks: &[
            "Introducing metered billing for API usage",
            "Handling proration on plan changes",
            "Reducing involuntary churn with dunning",
            "Calculating VAT per country",
        ],
    },
    Domain {
        word: "messaging",
        kinds: &["service"],
        focus: &["e-mail, SMS and push delivery", "notification preferences", "deliverability"],
        tech: &["Amazon SES", "SendGrid", "Twilio", "Postmark", "MJML", "APNs"],
        concepts: &[
            "email",
            "SMS",
            "push-notifications",
            "deliverability",
            "DKIM",
            "templates",
            "notifications",
        ],
        tasks: &[
            "Fixing e-mail deliverability with DKIM, SPF and DMARC",
            "Building notification preferences per channel",
            "Rendering e-mail templates with MJML",
            "Throttling SMS sends per country",
        ],
    },
    Domain {
        word: "ml",
        kinds: &["service", "analyst"],
        focus: &["machine learning in production", "model serving and evaluation", "LLM features"],
        tech: &["PyTorch", "scikit-learn", "MLflow", "Ray", "Hugging Face", "vLLM", "ONNX"],
        concepts: &[
            "machine-learning",
            "model-serving",
            "feature-store",
            "LLM",
            "evaluation",
            "prompt-engineering",
            "AI",
            "ML",
        ],
        tasks: &[
            "Serving a model behind a low-latency API",
            "Evaluating LLM answers against a test set",
            "Tracking experiments with MLflow",
            "Detecting model drift in production",
        ],
    },
    Domain {
        word: "data",
        kinds: &["analyst", "service", "database"],
        focus: &["data pipelines and warehouses", "batch and streaming ETL", "data quality"],
        tech: &["Airflow", "dbt", "BigQuery", "Snowflake", "Spark", "DuckDB", "Dagster"],
        concepts: &["ETL", "data-pipeline", "data-warehouse", "data-quality", "lineage", "batch-processing"],
        tasks: &[
            "Building a Python data pipeline with Airflow",
            "Modelling the warehouse with dbt",
            "Adding data quality checks to nightly loads",
            "Backfilling a year of events into BigQuery",
        ],
    },
    Domain {
        word: "analytics",
        kinds: &["analyst", "business"],
        focus: &["product analytics", "experimentation and A/B tests", "metrics and KPIs"],
        tech: &["Amplitude", "Mixpanel", "PostHog", "Metabase", "Looker", "GrowthBook"],
        concepts: &[
            "A/B-testing",
            "funnels",
            "cohorts",
            "KPIs",
            "experimentation",
            "dashboards",
            "analytics",
        ],
        tasks: &[
            "Designing an A/B test for the checkout page",
            "Building a funnel for onboarding",
            "Defining KPIs for a new product line",
            "Explaining a sudden drop in conversion",
        ],
    },
    Domain {
        word: "testing",
        kinds: &["test"],
        focus: &["automated testing strategy", "end-to-end and contract tests", "test reliability"],
        tech: &["Playwright", "Cypress", "Jest", "Vitest", "pytest", "Pact", "Testcontainers"],
        concepts: &[
            "unit-tests",
            "integration-tests",
            "e2e-tests",
            "contract-testing",
            "flaky-tests",
            "mutation-testing",
            "coverage",
        ],
        tasks: &[
            "Fixing flaky end-to-end tests in CI",
            "Adding contract tests between services with Pact",
            "Running integration tests against Testcontainers",
            "Raising mutation score on the pricing module",
        ],
    },
    Domain {
        word: "performance",
        kinds: &["test", "ops"],
        focus: &["load testing and capacity planning", "latency budgets", "profiling under load"],
        tech: &["k6", "Gatling", "Locust", "JMeter", "flame graphs", "perf"],
        concepts: &["load-testing", "performance", "latency", "throughput", "capacity-planning", "profiling"],
        tasks: &[
            "Load testing the checkout API with k6",
            "Planning capacity for a seasonal peak",
            "Finding the latency regression behind a p99 spike",
            "Profiling CPU hot spots with flame graphs",
        ],
    },
    Domain {
        word: "docs",
        kinds: &["docs"],
        focus: &["technical documentation", "API reference and guides", "architecture decision records"],
        tech: &["Docusaurus", "MkDocs", "Redoc", "Mermaid", "Vale", "Markdown"],
        concepts: &["documentation", "API-reference", "ADR", "runbooks", "changelogs", "tutorials"],
        tasks: &[
            "Writing an API reference from the OpenAPI contract",
            "Recording architecture decisions as ADRs",
            "Writing runbooks for on-call",
            "Keeping the changelog in step with releases",
        ],
    },
    Domain {
        word: "migration",
        kinds: &["coordinator", "database"],
        focus: &["schema and data migrations", "zero-downtime deploys", "legacy system migrations"],
        tech: &["Flyway", "Liquibase", "Alembic", "Prisma Migrate", "gh-ost", "Debezium"],
        concepts: &[
            "schema-migrations",
            "zero-downtime",
            "expand-contract",
            "backfill",
            "SQL",
            "legacy-migration",
        ],
        tasks: &[
            "Planning an SQL migration with zero downtime",
            "Backfilling a new column in batches",
            "Moving from a legacy database to PostgreSQL",
            "Renaming a column with expand and contract",
        ],
    },
    Domain {
        word: "serverless",
        kinds: &["backend", "ops"],
        focus: &[
            "serverless functions and edge computing",
            "event-driven cloud workflows",
            "cold-start tuning",
        ],
        tech: &["AWS Lambda", "Cloudflare Workers", "Step Functions", "EventBridge", "Vercel", "DynamoDB"],
        concepts: &["serverless", "cold-starts", "event-driven", "edge-computing", "FaaS"],
        tasks: &[
            "Reducing Lambda cold starts",
            "Orchestrating a workflow with Step Functions",
            "Moving image resizing to the edge",
            "Designing DynamoDB keys for access patterns",
        ],
    },
    Domain {
        word: "geo",
        kinds: &["service", "database"],
        focus: &["geospatial data and maps", "routing and geofencing", "location services"],
        tech: &["PostGIS", "Mapbox", "OpenStreetMap", "GeoJSON", "H3", "OSRM"],
        concepts: &["geospatial", "geocoding", "geofencing", "routing", "spatial-index", "GIS"],
        tasks: &[
            "Finding the nearest depot with a spatial index",
            "Geofencing delivery zones",
            "Geocoding addresses in bulk",
            "Computing delivery routes with OSRM",
        ],
    },
    Domain {
        word: "realtime",
        kinds: &["backend", "service"],
        focus: &["real-time features", "WebSockets and presence", "collaborative editing"],
        tech: &["WebSockets", "Server-Sent Events", "Socket.IO", "Phoenix Channels", "Yjs", "Centrifugo"],
        concepts: &["real-time", "presence", "CRDT", "pub-sub", "live-updates", "collaboration"],
        tasks: &[
            "Scaling WebSocket connections across nodes",
            "Adding live presence to a shared document",
            "Merging offline edits with CRDTs",
            "Falling back to Server-Sent Events behind proxies",
        ],
    },
    Domain {
        word: "strategy",
        kinds: &["analyst", "coordinator", "business"],
        focus: &[
            "technical strategy and roadmaps",
            "build versus buy decisions",
            "technical debt management",
        ],
        tech: &["OKRs", "Wardley maps", "RICE scoring", "C4 model", "ADRs"],
        concepts: &[
            "roadmap",
            "technical-debt",
            "build-vs-buy",
            "risk-assessment",
            "vendor-evaluation",
            "architecture",
        ],
        tasks: &[
            "Deciding whether to build or buy a search service",
            "Prioritising technical debt against features",
            "Assessing the risk of a platform migration",
            "Evaluating vendors for observability",
        ],
    },
    Domain {
        word: "git",
        kinds: &["ops"],
        focus: &["version control workflows", "monorepos and code review", "branching strategies"],
        tech: &["Git", "GitHub", "GitLab", "pre-commit", "Nx", "Turborepo", "Bazel"],
        concepts: &[
            "trunk-based-development",
            "monorepo",
            "code-review",
            "merge-queues",
            "conventional-commits",
            "branching",
        ],
        tasks: &[
            "Moving to trunk-based development",
            "Setting up a merge queue",
            "Splitting ownership in a monorepo",
            "Rewriting history to remove a leaked secret",
        ],
    },
    Domain {
        word: "incident",
        kinds: &["ops", "coordinator"],
        focus: &["incident response and reliability", "on-call practice", "chaos engineering"],
        tech: &["PagerDuty", "Opsgenie", "incident.io", "Chaos Mesh", "Gremlin", "Statuspage"],
        concepts: &[
            "incident-response",
            "on-call",
            "postmortems",
            "chaos-engineering",
            "root-cause-analysis",
            "SRE",
        ],
        tasks: &[
            "Running a blameless postmortem",
            "Setting up an on-call rotation",
            "Injecting failures with chaos experiments",
            "Writing the incident communication template",
        ],
    },
];

/// Role sentences: `{f}` is a focus of the main field, `{g}` one of the blended field.
const ROLE_TEMPLATES: &[&str] = &[
    "Specialist in {f}",
    "Owns {f} and advises on {g}",
    "Designs and reviews {f}",
    "Builds and operates {f}, with a second focus on {g}",
    "Hands-on engineer for {f}",
    "Troubleshoots {f} and {g} in production",
    "Sets standards for {f} across teams",
    "Mentors teams on {f}",
];

/// Openings of a tech_stack entry; `{a}`, `{b}`, `{c}` are tools.
const STACK_TEMPLATES: &[&str] = &[
    "{a}",
    "{a} and {b}",
    "Production experience with {a}, {b} and {c}",
    "Daily work in {a} ({b}, {c})",
    "Tooling: {a}, {b}",
    "Deep knowledge of {a}",
    "Also fluent in {a} and {b}",
];

/// Endings of a scenario sentence.
const CONTEXTS: &[&str] = &[
    "",
    "",
    " for a multi-tenant SaaS",
    " before peak season",
    " during an incident",
    " across several services",
    " without downtime",
    " in a legacy code base",
    " under a tight deadline",
    " for a regulated customer",
];

/// The schema's agent types except `acolyte` (module agents have no JSON description).
const KINDS: &[&str] = &[
    "analyst",
    "audit",
    "backend",
    "business",
    "coordinator",
    "database",
    "docs",
    "frontend",
    "ops",
    "service",
    "test",
];

fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in slots {
        out = out.replace(key, value);
    }
    out
}

/// Up to `n` distinct items of `list`, in drawing order.
fn distinct<'a>(rng: &mut Rng, list: &[&'a str], n: usize) -> Vec<&'a str> {
    let mut picked: Vec<&str> = Vec::new();
    for _ in 0..n * 3 {
        if picked.len() == n.min(list.len()) {
            break;
        }
        let item = rng.choose(list);
        if !picked.contains(&item) {
            picked.push(item);
        }
    }
    picked
}

/// A tag as catalogs write them: spaces become hyphens.
fn as_tag(s: &str) -> String {
    s.replace(' ', "-")
}

/// Appends `count` synthetic specialists to `agents_catalog` (after the normal catalog, so
/// their ids follow it). Returns how many rows were written.
pub fn write_synthetic(out: &mut String, rng: &mut Rng, count: usize) -> usize {
    let cols =
        ["name", "type", "module", "sub_module", "role", "tech_stack", "scenarios", "tags", "connections"];
    let mut ins = Inserts::new(out, "agents_catalog", &cols, 100);
    let mut names: Vec<String> = Vec::with_capacity(count);
    for k in 1..=count {
        let main = rng.pick(DOMAINS);
        let blend = rng.chance(0.6).then(|| rng.pick(DOMAINS)).filter(|d| d.word != main.word);
        let kind = if rng.chance(0.1) { rng.choose(KINDS) } else { rng.choose(main.kinds) };
        let name = format!("@{kind}.{}-{k}", main.word);

        let other = blend.unwrap_or(main);
        let role = fill(
            rng.choose(ROLE_TEMPLATES),
            &[("{f}", rng.choose(main.focus)), ("{g}", rng.choose(other.focus))],
        );

        let mut tech: Vec<String> = Vec::new();
        for i in 0..rng.range(2, 5) {
            let from = if i > 0 && rng.chance(0.35) { other } else { main };
            let tools = distinct(rng, from.tech, 3);
            let at = |i: usize| tools.get(i).copied().unwrap_or(tools[0]);
            let entry = fill(rng.choose(STACK_TEMPLATES), &[("{a}", at(0)), ("{b}", at(1)), ("{c}", at(2))]);
            if !tech.contains(&entry) {
                tech.push(entry);
            }
        }

        let mut scenarios: Vec<String> = Vec::new();
        for i in 0..rng.range(2, 4) {
            let from = if i > 0 && rng.chance(0.3) { other } else { main };
            let s = format!("{}{}", rng.choose(from.tasks), rng.choose(CONTEXTS));
            if !scenarios.contains(&s) {
                scenarios.push(s);
            }
        }

        let mut tags: Vec<String> = Vec::new();
        let n_concepts = rng.range(2, 6) as usize;
        let n_tools = rng.range(1, 4) as usize;
        for t in distinct(rng, main.concepts, n_concepts) {
            tags.push(t.to_owned());
        }
        for t in distinct(rng, main.tech, n_tools) {
            tags.push(as_tag(t));
        }
        if let Some(b) = blend {
            let n = rng.range(1, 3) as usize;
            for t in distinct(rng, b.concepts, n) {
                tags.push(t.to_owned());
            }
        }
        let mut seen: Vec<String> = Vec::new();
        tags.retain(|t| {
            let fresh = !seen.contains(t);
            seen.push(t.clone());
            fresh
        });

        // Links to specialists of the normal catalog and to earlier synthetic agents.
        let mut links: Vec<String> = Vec::new();
        for i in 0..rng.range(1, 4) {
            let target = if !names.is_empty() && rng.chance(0.4) {
                names[rng.index(names.len())].clone()
            } else {
                rng.pick(SPECIALISTS).name.to_owned()
            };
            let how = if rng.chance(0.3) { "required" } else { "optional" };
            let link =
                if i == 0 { format!("{target} [{how}]") } else { format!("{target} [{how},seq:{}]", i + 1) };
            if !links.iter().any(|l| l.starts_with(&format!("{target} "))) {
                links.push(link);
            }
        }

        ins.row(|r| {
            r.text(&name).text(kind).null().null();
            r.text(&json_array(&[role.as_str()])).text(&json_array(&tech)).text(&json_array(&scenarios));
            r.text(&json_array(&tags)).text(&json_array(&links));
        });
        names.push(name);
    }
    ins.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_well_formed() {
        assert!(DOMAINS.len() >= 40);
        let mut words: Vec<&str> = DOMAINS.iter().map(|d| d.word).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), DOMAINS.len(), "domain words are unique");
        for d in DOMAINS {
            assert!(d.word.chars().all(|c| c.is_ascii_lowercase()), "{}", d.word);
            assert!(!d.kinds.is_empty() && d.kinds.iter().all(|k| KINDS.contains(k)), "{}", d.word);
            assert!(
                d.focus.len() >= 2 && d.tech.len() >= 5 && d.concepts.len() >= 5 && d.tasks.len() >= 4,
                "{}",
                d.word
            );
        }
    }

    #[test]
    fn synthetic_rows_are_deterministic() {
        let mut a = String::new();
        let mut b = String::new();
        assert_eq!(write_synthetic(&mut a, &mut Rng::new(3), 250), 250);
        assert_eq!(write_synthetic(&mut b, &mut Rng::new(3), 250), 250);
        assert_eq!(a, b);
        assert!(a.contains("'@") && a.contains("-250'"));
    }
}
