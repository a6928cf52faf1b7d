import { afterEach, describe, expect, it } from "vitest";
import { createMetrics } from "../observability";
import {
  createBreaker,
  isBreakerOpen,
  isBreakerTimeout,
  UpstreamStatusError,
  type CircuitBreaker,
} from "./breaker";

const breakers: CircuitBreaker<unknown[], unknown>[] = [];
afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
});

/** An upstream whose next answer the test chooses; counts the calls that reached it. */
function upstream() {
  const state = { status: 200, calls: 0 };
  const call = async (): Promise<string> => {
    state.calls += 1;
    if (state.status >= 400) throw new UpstreamStatusError(state.status, `upstream answered ${state.status}`);
    return "ok";
  };
  return { state, call };
}

function breakerFor(call: () => Promise<string>, metrics = createMetrics("test")) {
  const breaker = createBreaker("inventory", call, {
    timeoutMs: 50,
    resetTimeoutMs: 100,
    volumeThreshold: 3,
    metrics,
  });
  breakers.push(breaker as CircuitBreaker<unknown[], unknown>);
  return breaker;
}

const gaugeValue = async (metrics: ReturnType<typeof createMetrics>) =>
  (await metrics.breakerState.get()).values.find((v) => v.labels.breaker === "inventory")?.value;

const settle = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

describe("createBreaker", () => {
  it("opens after 5xx-like failures and then fails fast without calling the upstream", async () => {
    const { state, call } = upstream();
    const breaker = breakerFor(call);
    state.status = 503;
    for (let i = 0; i < 3; i++) await settle(breaker.fire());
    expect(breaker.opened).toBe(true);
    const callsWhenOpened = state.calls;
    const error = await settle(breaker.fire());
    expect(isBreakerOpen(error)).toBe(true);
    expect(state.calls).toBe(callsWhenOpened);
  });

  it("never opens on an upstream 4xx, and passes the error through", async () => {
    const { state, call } = upstream();
    const breaker = breakerFor(call);
    state.status = 404;
    for (let i = 0; i < 20; i++) {
      const error = await settle(breaker.fire());
      expect(error).toBeInstanceOf(UpstreamStatusError);
      expect((error as UpstreamStatusError).status).toBe(404);
    }
    expect(breaker.opened).toBe(false);
    expect(state.calls).toBe(20);
  });

  it("counts a slow call as a timeout failure", async () => {
    const breaker = breakerFor(() => new Promise((resolve) => setTimeout(() => resolve("late"), 200)));
    const error = await settle(breaker.fire());
    expect(isBreakerTimeout(error)).toBe(true);
  });

  it("half-opens after the reset timeout; a good trial closes it; the gauge follows 0, 2, 1, 0", async () => {
    const metrics = createMetrics("test");
    const { state, call } = upstream();
    const breaker = breakerFor(call, metrics);
    expect(await gaugeValue(metrics)).toBe(0);

    state.status = 500;
    for (let i = 0; i < 3; i++) await settle(breaker.fire());
    expect(await gaugeValue(metrics)).toBe(2);

    await new Promise((r) => setTimeout(r, 150));
    expect(breaker.halfOpen).toBe(true);
    expect(await gaugeValue(metrics)).toBe(1);

    state.status = 200;
    expect(await breaker.fire()).toBe("ok");
    expect(breaker.closed).toBe(true);
    expect(await gaugeValue(metrics)).toBe(0);
  });

  it("re-opens when the half-open trial fails", async () => {
    const { state, call } = upstream();
    const breaker = breakerFor(call);
    state.status = 500;
    for (let i = 0; i < 3; i++) await settle(breaker.fire());
    await new Promise((r) => setTimeout(r, 150));
    expect(breaker.halfOpen).toBe(true);
    await settle(breaker.fire());
    expect(breaker.opened).toBe(true);
  });
});
