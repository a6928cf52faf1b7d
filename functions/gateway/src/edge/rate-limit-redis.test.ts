/**
 * The Redis (or Valkey) store, against a real server: REDIS_URL, by default redis://127.0.0.1:6379 (.ci/run
 * starts one). The only test that needs it; the libSQL store and the fallback are tested without it.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRateLimiter, type RateLimitPolicies } from "./rate-limit";
import { openRedis } from "./redis-client";

const url = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const policies: RateLimitPolicies = {
  auth: { limit: 3, windowSeconds: 60 },
  "order-placement": { limit: 5, windowSeconds: 60 },
  read: { limit: 100, windowSeconds: 60 },
  write: { limit: 10, windowSeconds: 30 },
};

describe("createRateLimiter on Redis", () => {
  const clients: Redis[] = [];
  const connect = async (at = url) => {
    const client = openRedis(at);
    clients.push(client);
    return client;
  };
  afterAll(() => clients.forEach((client) => client.disconnect()));

  it("gives a client the limit once across two gateway replicas, each with its own connection", async () => {
    const first = createRateLimiter(policies, { kind: "redis", client: await connect() });
    const second = createRateLimiter(policies, { kind: "redis", client: await connect() });
    // Before the connection is up every request would be counted in memory: wait for it, as a busy gateway has.
    await Promise.all(
      clients.map((c) => (c.status === "ready" ? undefined : new Promise((r) => c.once("ready", r)))),
    );
    const client = `user:${randomUUID()}`; // a server other runs share: a key of this run's own
    const decisions = await Promise.all(
      Array.from({ length: 9 }, (_, i) => (i % 2 === 0 ? first : second).take("order-placement", client)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.remaining === 0)).toBe(true);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused?.resetSeconds).toBeGreaterThan(55);
    expect(refused?.resetSeconds).toBeLessThanOrEqual(60);
  });

  it("counts in memory, at once, while Redis cannot be reached", async () => {
    let fallbacks = 0;
    // Nothing listens on port 1: the client keeps trying to connect in the background.
    const limiter = createRateLimiter(
      policies,
      { kind: "redis", client: await connect("redis://127.0.0.1:1") },
      { onFallback: () => (fallbacks += 1) },
    );
    const started = Date.now();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.take("auth", "ip:192.0.2.1"));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(fallbacks).toBe(4);
  });
});
