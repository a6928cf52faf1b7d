import * as z from "zod";
import {
  baseConfigSchema,
  commaSeparated,
  jwksConfigSchema,
  serviceUrl,
  serviceUrlsSchema,
  urlVariableOf,
} from "@bazaar/shared/config";
import { trustedProxyList } from "@bazaar/shared/http";
import type { RateLimitPolicies } from "./edge/rate-limit";
import type { UpstreamSettings } from "./proxy/upstream";
import { upstreamNames, type UpstreamName } from "./routes-table";
import { webConfigSchema } from "./web/config";

const count = z.coerce.number().int().positive();
const milliseconds = z.coerce.number().int().positive();
const list = commaSeparated;

type TimeoutVariable = `GATEWAY_TIMEOUT_MS_${string}`;

/** GATEWAY_TIMEOUT_MS_PAYMENT, GATEWAY_TIMEOUT_MS_DEAD_LETTERS...: an upstream's own timeout, if it needs one. */
export const timeoutVariableOf = (upstream: UpstreamName): TimeoutVariable =>
  `GATEWAY_TIMEOUT_MS_${urlVariableOf(upstream).replace(/_URL$/, "")}`;

// Typed by name pattern rather than Record<string, ...>, so they do not blur the types of the other keys.
const upstreamUrls = serviceUrlsSchema.shape as Record<`${string}_URL`, z.ZodDefault<z.ZodURL>>;
const upstreamTimeouts = Object.fromEntries(
  upstreamNames.map((name) => [timeoutVariableOf(name), milliseconds.optional()]),
) as Record<TimeoutVariable, z.ZodOptional<typeof milliseconds>>;

// The name-pattern keys come first: a later explicit key (JWKS_URL, DATABASE_URL) keeps its own type.
export const gatewayConfigSchema = z
  .object(upstreamUrls)
  .extend(upstreamTimeouts)
  .extend(baseConfigSchema.shape)
  .extend(jwksConfigSchema.shape)
  .extend(webConfigSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    K_SERVICE: z.string().min(1).default("gateway"),
    /** Milliseconds an upstream may take to answer (headers) before the client gets a 504. */
    GATEWAY_UPSTREAM_TIMEOUT_MS: milliseconds.default(10_000),
    /**
     * Bytes of an upstream's answer the gateway holds to pass it on; beyond them the client gets a 502 and the
     * rest is never read. The largest answers are pages of 100: 100 orders of 50 items (ORDER_MAX_ITEMS) take
     * 0.7 MB, 1.7 MB with every name and address at its longest.
     */
    GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES: count.default(4 * 1024 * 1024),
    /** Milliseconds an open breaker fails fast before it lets one trial call through. */
    GATEWAY_BREAKER_RESET_MS: milliseconds.default(10_000),
    GATEWAY_BREAKER_ERROR_PERCENTAGE: z.coerce.number().min(1).max(100).default(50),
    /** Calls within the rolling window before the error percentage can open a breaker. */
    GATEWAY_BREAKER_VOLUME_THRESHOLD: count.default(5),
    /** Milliseconds anonymous GETs of the catalog are answered from the edge cache; 0 turns it off. */
    GATEWAY_CATALOG_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    RATE_LIMIT_WINDOW_SECONDS: count.default(60),
    /**
     * Redis or Valkey (redis://, rediss://) holding the rate-limit counters of every gateway replica, so a
     * client gets each limit once in all. Wins over RATE_LIMIT_DATABASE_URL.
     */
    RATE_LIMIT_REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** A libSQL URL for the same (npm start: a file under DATA_DIR). Neither set: counted in memory. */
    RATE_LIMIT_DATABASE_URL: z.string().min(1).optional(),
    /** Login and registration per client address per window, whatever token comes with them (brute force). */
    RATE_LIMIT_AUTH: count.default(10),
    /** Order placement per user per window, as the original. */
    RATE_LIMIT_ORDER_PLACEMENT: count.default(50),
    RATE_LIMIT_READ: count.default(600),
    RATE_LIMIT_WRITE: count.default(120),
    /** Browser origins allowed by CORS, comma-separated, or "*". Empty: no CORS headers at all. */
    CORS_ORIGINS: list,
    /**
     * Proxies in front of the gateway (CIDRs or addresses, comma-separated) whose X-Forwarded-For is believed,
     * e.g. the cluster's pod network behind Kourier. Empty: the client is the socket's peer.
     */
    GATEWAY_TRUSTED_PROXIES: trustedProxyList,
    /**
     * Port of the private listener that serves /metrics to Prometheus. The main port is the public entry
     * and answers /metrics with 404. Not 9090/9091: Knative's queue-proxy takes those in the same pod.
     */
    GATEWAY_METRICS_PORT: z.coerce.number().int().min(1).max(65535).default(9464),
  });
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const rateLimitPoliciesOf = (config: GatewayConfig): RateLimitPolicies => {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  return {
    auth: { limit: config.RATE_LIMIT_AUTH, windowSeconds },
    "order-placement": { limit: config.RATE_LIMIT_ORDER_PLACEMENT, windowSeconds },
    read: { limit: config.RATE_LIMIT_READ, windowSeconds },
    write: { limit: config.RATE_LIMIT_WRITE, windowSeconds },
  };
};

export const upstreamSettingsOf = (config: GatewayConfig, upstream: UpstreamName): UpstreamSettings => ({
  baseUrl: serviceUrl(config, upstream),
  timeoutMs: config[timeoutVariableOf(upstream)] ?? config.GATEWAY_UPSTREAM_TIMEOUT_MS,
  maxAnswerBytes: config.GATEWAY_UPSTREAM_ANSWER_LIMIT_BYTES,
  resetTimeoutMs: config.GATEWAY_BREAKER_RESET_MS,
  errorThresholdPercentage: config.GATEWAY_BREAKER_ERROR_PERCENTAGE,
  volumeThreshold: config.GATEWAY_BREAKER_VOLUME_THRESHOLD,
});
