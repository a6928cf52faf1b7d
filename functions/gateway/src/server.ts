import { remoteKeys } from "@bazaar/shared/auth";
import { loadConfig, tracingSettingsOf } from "@bazaar/shared/config";
import { serve, serveMetrics } from "@bazaar/shared/http";
import { createLogger, createMetrics, startTracing } from "@bazaar/shared/observability";
import { createApp } from "./app";
import { gatewayConfigSchema, rateLimitPoliciesOf, upstreamSettingsOf } from "./config";
import { openRateLimitStore } from "./edge/rate-limit-store";
import { createEdgeVerifier } from "./edge/verifier";
import { createUpstreams } from "./proxy/upstream";
import { loadSessionKeys } from "./web";

// The gateway has no database (its rate-limit counters aside), so it does what startFunction does minus the
// database and the outbox.
const config = loadConfig(gatewayConfigSchema);
const logger = createLogger(config.K_SERVICE, config.LOG_LEVEL);
const tracing = await startTracing(tracingSettingsOf(config), logger);
const metrics = createMetrics(config.K_SERVICE);
const upstreams = createUpstreams((name) => upstreamSettingsOf(config, name), metrics);

const rateLimitStore = await openRateLimitStore(
  {
    redisUrl: config.RATE_LIMIT_REDIS_URL,
    databaseUrl: config.RATE_LIMIT_DATABASE_URL,
    databaseAuthToken: config.DATABASE_AUTH_TOKEN,
  },
  logger,
);

let draining = false;
const app = createApp({
  http: {
    service: config.K_SERVICE,
    logger,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    // Ready means "takes traffic": a function being down is the breaker's business, not a reason to leave.
    isReady: async () => !draining,
  },
  verify: createEdgeVerifier(remoteKeys(config.JWKS_URL), {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  }),
  upstreams,
  rateLimits: rateLimitPoliciesOf(config),
  rateLimitStore: rateLimitStore.store,
  corsOrigins: config.CORS_ORIGINS,
  trustedProxies: config.GATEWAY_TRUSTED_PROXIES,
  catalogCacheMs: config.GATEWAY_CATALOG_CACHE_MS,
  web: {
    sessionKeys: loadSessionKeys({ keys: config.WEB_SESSION_KEYS, dataDir: config.DATA_DIR }),
    sessionMaxAgeSeconds: config.WEB_SESSION_MAX_AGE_SECONDS,
  },
});

// Prometheus scrapes the pod on this port; the public port answers /metrics with 404.
const metricsListener = await serveMetrics(metrics, {
  port: config.GATEWAY_METRICS_PORT,
  host: config.HOST,
  logger,
});

await serve(app, {
  port: config.PORT,
  host: config.HOST,
  logger,
  graceSeconds: config.SHUTDOWN_GRACE_SECONDS,
  onDraining: () => (draining = true),
  onShutdown: async () => {
    Object.values(upstreams).forEach((upstream) => upstream.shutdown());
    await metricsListener.close();
    await rateLimitStore.close();
    await tracing.shutdown();
  },
});
logger.info(
  { upstreams: Object.fromEntries(Object.entries(upstreams).map(([n, u]) => [n, u.baseUrl])) },
  "routing",
);
