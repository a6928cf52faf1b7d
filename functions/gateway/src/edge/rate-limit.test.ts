import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "@bazaar/shared/http";
import { createLogger, createMetrics } from "@bazaar/shared/observability";
import type { RouteRule } from "../routes-table";
import { RateLimiter, rateLimit, type RateLimitPolicies } from "./rate-limit";

const policies: RateLimitPolicies = {
  auth: { limit: 3, windowSeconds: 60 },
  "order-placement": { limit: 2, windowSeconds: 60 },
  read: { limit: 100, windowSeconds: 60 },
  write: { limit: 10, windowSeconds: 30 },
};

const clock = (start = 1_000_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe("RateLimiter", () => {
  it("lets the limit through in a window, then refuses until the window starts over", () => {
    const time = clock();
    const limiter = new RateLimiter(policies, time.now);
    const decisions = [1, 2, 3, 4].map(() => limiter.take("auth", "ip:1.2.3.4"));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]).toMatchObject({ limit: 3, resetSeconds: 60, windowSeconds: 60 });

    time.advance(45_000);
    expect(limiter.take("auth", "ip:1.2.3.4")).toMatchObject({ allowed: false, resetSeconds: 15 });
    time.advance(15_000);
    expect(limiter.take("auth", "ip:1.2.3.4")).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("keeps separate budgets per client and per class", () => {
    const limiter = new RateLimiter(policies, clock().now);
    limiter.take("order-placement", "user:1");
    limiter.take("order-placement", "user:1");
    expect(limiter.take("order-placement", "user:1").allowed).toBe(false);
    expect(limiter.take("order-placement", "user:2").allowed).toBe(true);
    expect(limiter.take("read", "user:1").allowed).toBe(true);
  });

  it("forgets idle clients once their window is over", () => {
    const time = clock();
    const limiter = new RateLimiter(policies, time.now);
    for (let i = 0; i < 50; i++) limiter.take("read", `ip:10.0.0.${i}`);
    expect(limiter.size).toBe(50);
    time.advance(61_000);
    limiter.take("read", "ip:10.0.1.1");
    expect(limiter.size).toBe(1);
  });
});

describe("rateLimit middleware", () => {
  const rule: RouteRule = {
    method: "POST",
    path: "/api/orders",
    upstream: "order",
    access: ["customer"],
    rateClass: "order-placement",
    summary: "",
  };

  const build = () => {
    const metrics = createMetrics("gateway");
    const rejections = new Counter({
      name: "rate_limit_rejections_total",
      help: "test",
      labelNames: ["route"],
      registers: [new Registry()],
    });
    const app = createHttpApp({
      service: "gateway",
      logger: createLogger("gateway", "silent"),
      metrics,
      bodyLimitBytes: 1024,
    });
    app.post(
      rule.path,
      rateLimit(rule, { limiter: new RateLimiter(policies), clientKey: () => "user:1", rejections }),
      (c) => c.json({ ok: true }, 202),
    );
    return { app, rejections };
  };

  it("answers with RateLimit headers, then 429 problem with Retry-After, and counts the rejection", async () => {
    const { app, rejections } = build();
    const first = await app.request("/api/orders", { method: "POST" });
    expect(first.status).toBe(202);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    expect(first.headers.get("ratelimit-policy")).toBe("2;w=60");
    await app.request("/api/orders", { method: "POST" });

    const refused = await app.request("/api/orders", { method: "POST" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    const body = (await refused.json()) as { status: number; detail: string };
    expect(body.status).toBe(429);
    expect(body.detail).toMatch(/2 order-placement requests per 60 s/);
    expect((await rejections.get()).values).toEqual([{ labels: { route: "/api/orders" }, value: 1 }]);
  });
});
