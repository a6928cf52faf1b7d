import type { Context, MiddlewareHandler } from "hono";
import type { Counter } from "prom-client";
import { TooManyRequests } from "@bazaar/shared/errors";
import type { AppEnv } from "@bazaar/shared/http";
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

interface Window {
  count: number;
  resetsAt: number;
}

/**
 * Fixed-window counters per (rate class, client), held in this process's memory: each gateway replica
 * counts on its own, so N replicas let a client through up to N times the limit. One global count would
 * need a shared store (e.g. Redis), which Bazaar does not run; the limits are sized with that in mind.
 */
export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  #nextSweep = 0;

  constructor(
    readonly policies: RateLimitPolicies,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `client` in `rateClass` and says whether it may pass. */
  take(rateClass: RateClass, client: string): RateDecision {
    const { limit, windowSeconds } = this.policies[rateClass];
    const now = this.now();
    this.#sweep(now);
    const key = `${rateClass}|${client}`;
    let window = this.#windows.get(key);
    if (!window || window.resetsAt <= now) {
      window = { count: 0, resetsAt: now + windowSeconds * 1000 };
      this.#windows.set(key, window);
    }
    const allowed = window.count < limit;
    if (allowed) window.count += 1;
    return {
      allowed,
      limit,
      remaining: limit - window.count,
      resetSeconds: Math.max(1, Math.ceil((window.resetsAt - now) / 1000)),
      windowSeconds,
    };
  }

  /** Windows in use right now (for tests: expired ones are dropped, so memory follows active clients). */
  get size(): number {
    return this.#windows.size;
  }

  /** Drops expired windows at most once per shortest window, so idle clients do not pile up. */
  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    for (const [key, window] of this.#windows) if (window.resetsAt <= now) this.#windows.delete(key);
    const shortest = Math.min(...Object.values(this.policies).map((p) => p.windowSeconds));
    this.#nextSweep = now + shortest * 1000;
  }
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
    const decision = options.limiter.take(rule.rateClass, options.clientKey(c, rule.rateClass));
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
