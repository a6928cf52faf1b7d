import { describe, expect, it } from "vitest";
import type { UpstreamAnswer } from "../proxy/upstream";
import { MicroCache, sharedLifetimeMs } from "./micro-cache";

const answer = (status = 200, headers: [string, string][] = [], body = "[]"): UpstreamAnswer => ({
  status,
  headers: [["content-type", "application/json"], ...headers],
  body: new TextEncoder().encode(body),
});

/** A function stand-in that counts its calls and answers what the test says. */
function origin(next: () => UpstreamAnswer = () => answer()) {
  const state = { calls: 0, next };
  const fetch = async (): Promise<UpstreamAnswer> => {
    state.calls += 1;
    return state.next();
  };
  return { state, fetch };
}

const ageOf = (a: UpstreamAnswer) => a.headers.find(([name]) => name === "age")?.[1];

describe("edge micro-cache", () => {
  it("answers from memory within the TTL, with an Age, and asks the function again after it", async () => {
    let now = 10_000;
    const cache = new MicroCache({ ttlMs: 1000, now: () => now });
    const { state, fetch } = origin();
    const first = await cache.through("/api/products", fetch);
    expect(ageOf(first)).toBeUndefined();
    now += 999;
    const hit = await cache.through("/api/products", fetch);
    expect(state.calls).toBe(1);
    expect(hit.body).toEqual(first.body);
    expect(ageOf(hit)).toBe("0");
    now += 1;
    await cache.through("/api/products", fetch);
    expect(state.calls).toBe(2);
  });

  it("keeps one entry per path and query", async () => {
    const cache = new MicroCache({ ttlMs: 1000 });
    const { state, fetch } = origin();
    for (const key of ["/api/products", "/api/products?q=lap", "/api/products?q=lap", "/api/products/1"])
      await cache.through(key, fetch);
    expect(state.calls).toBe(3);
    expect(cache.size).toBe(3);
  });

  it("hands each client its own header list", async () => {
    const cache = new MicroCache({ ttlMs: 1000 });
    const { fetch } = origin();
    await cache.through("/k", fetch);
    const hit = await cache.through("/k", fetch);
    hit.headers.push(["x-request-id", "one client's"]);
    expect((await cache.through("/k", fetch)).headers.map(([name]) => name)).toEqual(["content-type", "age"]);
  });

  it.each<[string, UpstreamAnswer]>([
    ["a 404", answer(404)],
    ["a 500", answer(500)],
    ["a 201", answer(201)],
    ["an answer setting a cookie", answer(200, [["set-cookie", "a=1"]])],
    ["an answer that varies", answer(200, [["vary", "accept-language"]])],
    ["Cache-Control: private", answer(200, [["cache-control", "private, max-age=60"]])],
    ["Cache-Control: no-store", answer(200, [["cache-control", "no-store"]])],
    ["Cache-Control: no-cache", answer(200, [["cache-control", "public, no-cache"]])],
    ["Cache-Control: max-age=0", answer(200, [["cache-control", "max-age=0"]])],
  ])("never keeps %s", async (_, given) => {
    const cache = new MicroCache({ ttlMs: 1000 });
    const { state, fetch } = origin(() => given);
    expect((await cache.through("/k", fetch)).status).toBe(given.status);
    await cache.through("/k", fetch);
    expect(state.calls).toBe(2);
    expect(cache.size).toBe(0);
  });

  it("keeps an answer no longer than the function's s-maxage or max-age allows", () => {
    const with_ = (value: string) => answer(200, [["cache-control", value]]);
    expect(sharedLifetimeMs(answer(), 1000)).toBe(1000);
    expect(sharedLifetimeMs(with_("public, max-age=300"), 1000)).toBe(1000);
    expect(sharedLifetimeMs(with_("max-age=60, s-maxage=0"), 1000)).toBe(0);
    expect(sharedLifetimeMs(with_("public, s-maxage=1, max-age=0"), 5000)).toBe(1000);
  });

  it("lets concurrent misses of one key wait for the first answer instead of all asking", async () => {
    const cache = new MicroCache({ ttlMs: 1000 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { state, fetch } = origin();
    const slow = async () => {
      await gate;
      return fetch();
    };
    const all = Promise.all(Array.from({ length: 5 }, () => cache.through("/k", slow)));
    release();
    const answers = await all;
    expect(state.calls).toBe(1);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it("lets each waiter ask for itself when the first answer is not kept or the call failed", async () => {
    const cache = new MicroCache({ ttlMs: 1000 });
    const { state, fetch } = origin(() => answer(503));
    const answers = await Promise.all([cache.through("/k", fetch), cache.through("/k", fetch)]);
    expect(answers.map((a) => a.status)).toEqual([503, 503]);
    expect(state.calls).toBe(2);

    let calls = 0;
    const failing = async (): Promise<UpstreamAnswer> => {
      calls += 1;
      if (calls === 1) throw new Error("refused");
      return answer();
    };
    const [failed, asked] = await Promise.allSettled([
      cache.through("/f", failing),
      cache.through("/f", failing),
    ]);
    expect(failed.status).toBe("rejected");
    expect(asked).toMatchObject({ status: "fulfilled", value: { status: 200 } });
    expect(calls).toBe(2);
  });

  it("holds at most maxBytes, dropping the oldest entries first", async () => {
    // Each entry below: a 100-byte body, a 2-byte key, 28 bytes of headers.
    const cache = new MicroCache({ ttlMs: 60_000, maxBytes: 4 * 130 });
    const { state, fetch } = origin(() => answer(200, [], "x".repeat(100)));
    for (const key of ["/a", "/b", "/c", "/d", "/e"]) await cache.through(key, fetch);
    expect(cache.size).toBe(4);
    await cache.through("/a", fetch); // dropped: asked again
    expect(state.calls).toBe(6);
    const big = origin(() => answer(200, [], "x".repeat(101)));
    await cache.through("/big", big.fetch);
    await cache.through("/big", big.fetch);
    expect(big.state.calls).toBe(2); // 133 bytes, over a quarter of the budget: never kept
  });
});
