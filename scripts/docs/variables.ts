/**
 * What each environment variable means, for docs/configuration.md. Which process reads a variable and its
 * default come from the zod config schemas themselves (configuration.ts); only the meaning is written here.
 * The generator refuses a schema key without a row here and a row that names no schema key, so a variable
 * cannot be added, renamed or dropped without this table following.
 */
export interface VariableRow {
  /** The variables of this row, or a pattern standing for a family of them (`label` names it). */
  names: readonly string[] | { pattern: RegExp; label: string };
  meaning: string;
  /** Shown instead of the schema's default: for a default that the schema cannot state well. */
  defaultText?: string;
  /** Shown as the default when the schema has none (the variable is optional). */
  unsetText?: string;
}

export const variableRows: readonly VariableRow[] = [
  { names: ["PORT"], meaning: "port to listen on (Knative sets it)" },
  {
    names: ["K_SERVICE"],
    meaning: "service name in logs and metrics (Knative sets it)",
    defaultText: "the function's name",
  },
  { names: ["K_REVISION"], meaning: "Knative revision; the `service.version` of the function's spans" },
  { names: ["HOST"], meaning: "address to listen on; the image, compose and Knative set `0.0.0.0`" },
  {
    names: ["K_SINK"],
    meaning: "broker ingress URL; unset: events wait in the outbox",
    unsetText: "— (the embedded broker under `npm start`)",
  },
  { names: ["LOG_LEVEL"], meaning: "pino level" },
  { names: ["DATA_DIR"], meaning: "libSQL files and dev key material" },
  {
    names: ["DATABASE_URL"],
    meaning: "libSQL URL (`http(s)://` for sqld)",
    unsetText: "`file:$DATA_DIR/<name>.db`",
  },
  { names: ["DATABASE_AUTH_TOKEN"], meaning: "sqld JWT" },
  { names: ["BODY_LIMIT_BYTES"], meaning: "request body limit (413 beyond)" },
  { names: ["SHUTDOWN_GRACE_SECONDS"], meaning: "drain time on SIGTERM" },
  {
    names: ["OUTBOX_INTERVAL_MS"],
    meaning: "outbox re-send tick (0: none; a PingSource calls `POST /tasks/outbox`)",
  },
  { names: ["JWKS_URL"], meaning: "where public keys come from" },
  { names: ["JWT_ISSUER", "JWT_AUDIENCE"], meaning: "token issuer and audience" },
  {
    names: [
      "CUSTOMER_URL",
      "INVENTORY_URL",
      "ORDER_URL",
      "PAYMENT_URL",
      "SHIPPING_URL",
      "NOTIFICATION_URL",
      "DEAD_LETTERS_URL",
      "GATEWAY_URL",
    ],
    meaning: "base URLs of the functions; dead-letters replays only to the subscribers' and `K_SINK`",
    defaultText: "`http://127.0.0.1:<dev port>`",
  },
  {
    names: ["JWT_PRIVATE_JWK"],
    meaning: "Ed25519 private JWK that signs access tokens",
    unsetText: "generated once under `DATA_DIR/keys`",
  },
  {
    names: ["EVENT_PRIVATE_JWK"],
    meaning: "Ed25519 private JWK that signs this function's events (producers only use it)",
    unsetText: "generated once under `DATA_DIR/keys`",
  },
  {
    names: ["EVENT_KEYS_DIR"],
    meaning: "every producer's public event keys, one `<producer>.json` JWKS each",
    unsetText: "`DATA_DIR/keys/events`",
  },
  { names: ["ACCESS_TOKEN_TTL_SECONDS"], meaning: "access token lifetime" },
  { names: ["REFRESH_TOKEN_TTL_SECONDS"], meaning: "refresh token lifetime" },
  {
    names: ["REFRESH_TOKEN_REUSE_GRACE_SECONDS"],
    meaning:
      "a rotated refresh token presented again within this window gets the successor it was rotated into (parallel requests through different gateway replicas); later it is reuse and ends every session of the account; 0: no grace",
  },
  { names: ["ADMIN_EMAIL"], meaning: "first admin" },
  {
    names: ["ADMIN_PASSWORD"],
    meaning: "first admin's password (12+ chars)",
    unsetText: "generated and printed once",
  },
  { names: ["PASSWORD_SCRYPT_COST"], meaning: "scrypt N (power of two)" },
  {
    names: ["LOGIN_MAX_FAILURES"],
    meaning: "failed logins per account and client address, then 429 for that address",
  },
  {
    names: ["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
    meaning: "failed logins per account from all addresses, then 429 for every one",
  },
  { names: ["LOGIN_FAILURE_WINDOW_SECONDS"], meaning: "window for the two above" },
  {
    names: ["CUSTOMER_TRUSTED_PROXIES"],
    meaning: "proxies (the gateway) whose `X-Forwarded-For` names a login's client",
    defaultText: "empty (`127.0.0.1` under `npm start`)",
  },
  {
    names: ["ORDER_PAYMENT_TIMEOUT_SECONDS"],
    meaning: "awaiting-payment orders older than this are cancelled",
  },
  {
    names: ["ORDER_SWEEP_INTERVAL_MS"],
    meaning: "dev timer for that sweep (a PingSource calls `POST /tasks/sweep` in a cluster; 0: none)",
  },
  { names: ["CATALOG_TIMEOUT_MS"], meaning: "timeout of the price lookup at inventory" },
  { names: ["ORDER_MAX_ITEMS"], meaning: "distinct products per order" },
  { names: ["SEED_DEMO_CATALOG"], meaning: "seed the original's demo catalog into a fresh database" },
  { names: ["PAYMENT_SLOW_MS"], meaning: "how long the simulated processor takes for `tok_slow`" },
  {
    names: ["PAYMENT_LIMIT_CENTS"],
    meaning: "charges above this are declined (`amount_limit_exceeded`)",
  },
  {
    names: ["PAYMENT_SETTLE_INTERVAL_MS"],
    meaning: "re-charge tick for payments left pending (a PingSource calls `POST /tasks/settle`; 0: none)",
  },
  {
    names: ["SHIPPING_BUSINESS_DAYS"],
    meaning: "business days from confirmation to the estimated delivery",
  },
  { names: ["REPLAY_TIMEOUT_MS"], meaning: "how long a replay waits for its target" },
  { names: ["GATEWAY_UPSTREAM_TIMEOUT_MS"], meaning: "upstream answer timeout (504 beyond)" },
  {
    names: { pattern: /^GATEWAY_TIMEOUT_MS_[A-Z_]+$/, label: "GATEWAY_TIMEOUT_MS_<NAME>" },
    meaning: "per-upstream override, e.g. `GATEWAY_TIMEOUT_MS_ORDER`",
    unsetText: "`GATEWAY_UPSTREAM_TIMEOUT_MS`",
  },
  {
    names: ["GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES"],
    meaning: "bytes of a function's answer the gateway passes on (502 beyond); 4 MiB",
  },
  {
    names: ["GATEWAY_BREAKER_RESET_MS"],
    meaning: "how long an open breaker fails fast before a half-open trial",
  },
  { names: ["GATEWAY_BREAKER_ERROR_PERCENTAGE"], meaning: "error percentage that opens a breaker" },
  {
    names: ["GATEWAY_BREAKER_VOLUME_THRESHOLD"],
    meaning: "calls in the rolling window before the percentage counts",
  },
  {
    names: ["GATEWAY_CATALOG_CACHE_MS"],
    meaning: "anonymous catalog GETs answered from the edge cache (0: off)",
  },
  { names: ["RATE_LIMIT_WINDOW_SECONDS"], meaning: "rate-limit window" },
  {
    names: ["RATE_LIMIT_AUTH"],
    meaning: "login/register per client address per window, token or not",
  },
  {
    names: ["RATE_LIMIT_ORDER_PLACEMENT"],
    meaning: "order placements per user per window (as the original)",
  },
  { names: ["RATE_LIMIT_READ"], meaning: "reads per client per window" },
  { names: ["RATE_LIMIT_WRITE"], meaning: "other writes per client per window" },
  {
    names: ["RATE_LIMIT_REDIS_URL"],
    meaning: "Redis/Valkey URL of the rate-limit counters all gateway replicas share; wins over the next",
  },
  {
    names: ["RATE_LIMIT_DATABASE_URL"],
    meaning: "libSQL URL for the same when no Redis URL is set; neither: in memory",
    unsetText: "— (`npm start`: `$DATA_DIR/rate-limits.db`)",
  },
  {
    names: ["CORS_ORIGINS"],
    meaning: "allowed browser origins, comma-separated, or `*`",
    defaultText: "empty (no CORS)",
  },
  {
    names: ["GATEWAY_TRUSTED_PROXIES"],
    meaning: "proxies (IPs/CIDRs) whose `X-Forwarded-For` is believed",
  },
  {
    names: ["GATEWAY_METRICS_PORT"],
    meaning: "private port of the gateway's `/metrics` (its public port: 404)",
  },
  {
    names: ["WEB_SESSION_KEYS"],
    meaning:
      "keys that seal the web session cookie, comma-separated 32-byte keys (base64url or hex); the first seals, all open",
    defaultText: "made once under `DATA_DIR/keys`",
  },
  {
    names: ["WEB_SESSION_MAX_AGE_SECONDS"],
    meaning: "longest life of a web session, signed in or not (30 days)",
  },
  { names: ["BROKER_TRIGGERS_DIR"], meaning: "the Trigger manifests the broker routes by" },
  {
    names: ["BROKER_BACKOFF_DELAY_MS"],
    meaning: "override of every Trigger's backoff (tests)",
    unsetText: "each Trigger's `backoffDelay`",
  },
  {
    names: ["BROKER_DELIVERY_TIMEOUT_MS"],
    meaning: "per-delivery timeout when a Trigger sets none",
  },
  {
    names: ["AMQP_URL"],
    meaning: "RabbitMQ URL, e.g. `amqp://guest:guest@127.0.0.1:5672`: events wait in durable queues",
    unsetText: "unset (embedded, `$DATA_DIR/broker.db`)",
  },
  {
    names: ["BROKER_NAME"],
    meaning: "the Broker this process is (Triggers name it); RabbitMQ objects are `bazaar.<name>...`",
  },
  { names: ["AMQP_QUEUE_TYPE"], meaning: "`quorum` or `classic` queues" },
  {
    names: ["OTEL_EXPORTER_OTLP_ENDPOINT"],
    meaning:
      "OTLP/HTTP receiver, e.g. `http://otel-collector:4318` (spans go to its `/v1/traces`). Unset, and no `OTEL_TRACES_EXPORTER=otlp`: no tracing SDK is loaded at all",
    unsetText: "unset: no traces",
  },
  {
    names: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"],
    meaning: "the whole traces URL; wins over the one above",
  },
  {
    names: ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"],
    meaning: "or `http/json` (OTLP over gRPC is not built in)",
    unsetText: "`http/protobuf`",
  },
  {
    names: ["OTEL_TRACES_EXPORTER"],
    meaning: "`none`: no traces; `otlp` with no endpoint: `http://localhost:4318`",
    unsetText: "`otlp` once an endpoint is set",
  },
  {
    names: ["OTEL_SDK_DISABLED"],
    meaning: "`true`: no traces, whatever else is set",
    unsetText: "`false`",
  },
  { names: ["OTEL_SERVICE_NAME"], meaning: "the spans' `service.name`", unsetText: "`K_SERVICE`" },
  {
    names: ["OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"],
    meaning:
      "`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`; the ratio from 0 to 1",
    unsetText: "`parentbased_always_on`, `1`",
  },
  {
    names: [
      "OTEL_BSP_SCHEDULE_DELAY",
      "OTEL_BSP_EXPORT_TIMEOUT",
      "OTEL_BSP_MAX_QUEUE_SIZE",
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    ],
    meaning:
      "how spans are batched for export. The SDK itself reads `OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT`, `_COMPRESSION` and `OTEL_RESOURCE_ATTRIBUTES`",
    unsetText: "`5000`, `30000`, `2048`, `512`",
  },
];
