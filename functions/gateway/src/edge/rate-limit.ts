import type { Context, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { Counter } from "prom-client";
import {
  RateLimiterDrizzle,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import type { Database } from "@bazaar/shared/db";
import { TooManyRequests } from "@bazaar/shared/errors";
import type { AppEnv } from "@bazaar/shared/http";
import type { RateLimitSchema } from "../db";
import { rateLimits } from "../db/schema";
import type { RateClass, RouteRule } from "../routes-table";

export interface RatePolicy {
  limit: number;
  windowSeconds: number;
}
export type RateLimitPolicies = Record<RateClass, RatePolicy>;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the client's window starts over. */
  resetSeconds: number;
  windowSeconds: number;
}

/** Where the counters live: this process only, or a store every gateway replica shares. */
export type RateLimitStore =
  | { kind: "memory" }
  | { kind: "redis"; client: Redis }
  | { kind: "database"; database: Database<RateLimitSchema> };

export interface RateLimiter {
  readonly policies: RateLimitPolicies;
  /** Counts one request of `client` in `rateClass` and says whether it may pass. */
  take(rateClass: RateClass, client: string): Promise<RateDecision>;
}

export interface RateLimiterHooks {
  /** A request was counted in this process's memory because the shared store did not answer. */
  onFallback?: () => void;
}

type LimiterOptions = ConstructorParameters<typeof RateLimiterMemory>[0];

/** The insurance of a store limiter: counts in memory while the store is down, and says it did. */
class MemoryFallback extends RateLimiterMemory {
  constructor(
    options: LimiterOptions,
    private readonly used: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: object): Promise<RateLimiterRes> {
    this.used();
    return super.consume(key, points, options);
  }
}

function limiterFor(
  rateClass: RateClass,
  { limit, windowSeconds }: RatePolicy,
  store: RateLimitStore,
  onFallback: () => void,
): RateLimiterAbstract {
  const options = { keyPrefix: `bazaar:rl:${rateClass}`, points: limit, duration: windowSeconds };
  if (store.kind === "memory") return new RateLimiterMemory(options);
  const shared = {
    ...options,
    // Once a client is over the limit, this replica refuses it until the window ends without asking the
    // store again: a flood costs the store one write per client and window, not one per request.
    inMemoryBlockOnConsumed: limit + 1,
    insuranceLimiter: new MemoryFallback(options, onFallback),
  };
  if (store.kind === "redis")
    return new RateLimiterRedis({ ...shared, storeClient: store.client, rejectIfRedisNotReady: true });
  return new RateLimiterDrizzle({ ...shared, storeClient: store.database.db, schema: rateLimits });
}

/**
 * Fixed-window counters per (rate class, client), with rate-limiter-flexible. With a shared store (Redis or
 * Valkey in a cluster and compose, a libSQL file under `npm start`) every gateway replica spends the same
 * budget, so a client gets the limit once however many replicas the gateway runs. While the store does not
 * answer, each replica counts in its own memory (the library's insurance limiter): the gateway keeps
 * answering, and a client may get up to the limit per replica until the store is back.
 */
export function createRateLimiter(
  policies: RateLimitPolicies,
  store: RateLimitStore = { kind: "memory" },
  hooks: RateLimiterHooks = {},
): RateLimiter {
  const onFallback = hooks.onFallback ?? (() => undefined);
  const limiters = new Map(
    (Object.keys(policies) as RateClass[]).map((rateClass) => [
      rateClass,
      limiterFor(rateClass, policies[rateClass], store, onFallback),
    ]),
  );
  return {
    policies,
    async take(rateClass, client) {
      const { limit, windowSeconds } = policies[rateClass];
      const limiter = limiters.get(rateClass) as RateLimiterAbstract;
      const decide = (allowed: boolean, res: RateLimiterRes): RateDecision => ({
        allowed,
        limit,
        remaining: allowed ? res.remainingPoints : 0,
        resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
        windowSeconds,
      });
      try {
        return decide(true, await limiter.consume(client));
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return decide(false, refusal);
        throw refusal; // neither the store nor the memory fallback answered
      }
    },
  };
}

/** The IETF draft's RateLimit-* fields, as most clients and proxies read them today. */
export const rateLimitHeaders = (decision: RateDecision): Record<string, string> => ({
  "ratelimit-limit": String(decision.limit),
  "ratelimit-remaining": String(decision.remaining),
  "ratelimit-reset": String(decision.resetSeconds),
  "ratelimit-policy": `${decision.limit};w=${decision.windowSeconds}`,
});

export interface RateLimitOptions {
  limiter: RateLimiter;
  /** Whose budget a request of this class spends: the verified user or the client's address. */
  clientKey: (c: Context<AppEnv>, rateClass: RateClass) => string;
  rejections: Counter<"route">;
}

/** Spends one request of the route's class; over the limit: 429 problem with Retry-After, upstream untouched. */
export function rateLimit(rule: RouteRule, options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const decision = await options.limiter.take(rule.rateClass, options.clientKey(c, rule.rateClass));
    const answerHeaders = c.get("answerHeaders");
    for (const [name, value] of Object.entries(rateLimitHeaders(decision))) answerHeaders.set(name, value);
    if (!decision.allowed) {
      options.rejections.inc({ route: rule.path });
      throw new TooManyRequests(
        `rate limit exceeded: ${decision.limit} ${rule.rateClass} requests per ${decision.windowSeconds} s; ` +
          `retry in ${decision.resetSeconds} s`,
        { retryAfterSeconds: decision.resetSeconds },
      );
    }
    await next();
  };
}
