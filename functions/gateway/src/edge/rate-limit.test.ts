import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Counter, Registry } from "prom-client";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type Database } from "@bazaar/shared/db";
import { createHttpApp } from "@bazaar/shared/http";
import { createLogger, createMetrics } from "@bazaar/shared/observability";
import { migrationsFolder, schema, type RateLimitSchema } from "../db";
import type { RouteRule } from "../routes-table";
import { createRateLimiter, rateLimit, type RateLimitPolicies } from "./rate-limit";

const policies: RateLimitPolicies = {
  auth: { limit: 3, windowSeconds: 60 },
  "order-placement": { limit: 2, windowSeconds: 60 },
  read: { limit: 100, windowSeconds: 60 },
  write: { limit: 10, windowSeconds: 30 },
};

afterEach(() => vi.useRealTimers());

describe("createRateLimiter in memory", () => {
  it("lets the limit through in a window, then refuses until the window starts over", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const limiter = createRateLimiter(policies);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.take("auth", "ip:1.2.3.4"));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]).toMatchObject({ limit: 3, resetSeconds: 60, windowSeconds: 60 });

    vi.advanceTimersByTime(45_000);
    expect(await limiter.take("auth", "ip:1.2.3.4")).toMatchObject({ allowed: false, resetSeconds: 15 });
    vi.advanceTimersByTime(15_000);
    expect(await limiter.take("auth", "ip:1.2.3.4")).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("keeps separate budgets per client and per class", async () => {
    const limiter = createRateLimiter(policies);
    await limiter.take("order-placement", "user:1");
    await limiter.take("order-placement", "user:1");
    expect((await limiter.take("order-placement", "user:1")).allowed).toBe(false);
    expect((await limiter.take("order-placement", "user:2")).allowed).toBe(true);
    expect((await limiter.take("read", "user:1")).allowed).toBe(true);
  });
});

describe("createRateLimiter on a libSQL file shared by replicas", () => {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-rate-limits-"));
  const opened: Database<RateLimitSchema>[] = [];
  const open = async () => {
    const database = await openDatabase({
      url: `file:${join(dir, "rate-limits.db")}`,
      schema,
      migrationsFolder,
    });
    opened.push(database);
    return database;
  };
  afterAll(() => {
    for (const database of opened) database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives a client the limit once across two gateway replicas", async () => {
    const replicas = [
      createRateLimiter(policies, { kind: "database", database: await open() }),
      createRateLimiter(policies, { kind: "database", database: await open() }),
    ];
    const decisions = await Promise.all(
      Array.from({ length: 8 }, (_, i) => replicas[i % 2]!.take("write", "user:shared")),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(8);
    const more = await Promise.all(
      Array.from({ length: 6 }, (_, i) => replicas[i % 2]!.take("write", "user:shared")),
    );
    // 10 per window in all (not 10 per replica): 8 + 2 pass, then each replica refuses.
    expect(more.map((d) => d.allowed)).toEqual([true, true, false, false, false, false]);
    expect(more.at(-1)).toMatchObject({ remaining: 0, limit: 10, windowSeconds: 30 });
    expect(more.at(-1)?.resetSeconds).toBeGreaterThan(25);
    expect((await replicas[1]!.take("write", "user:other")).allowed).toBe(true);
  });

  it("counts in memory while the store fails, and says so", async () => {
    const database = await open();
    let fallbacks = 0;
    const limiter = createRateLimiter(
      policies,
      { kind: "database", database },
      { onFallback: () => (fallbacks += 1) },
    );
    database.close(); // the store is gone: every query now fails
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await limiter.take("order-placement", "user:9"));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(fallbacks).toBe(3);
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
      rateLimit(rule, { limiter: createRateLimiter(policies), clientKey: () => "user:1", rejections }),
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
