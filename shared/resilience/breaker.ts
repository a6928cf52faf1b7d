import CircuitBreaker from "opossum";
import type { Metrics } from "../observability";

/** An answer from an upstream that is the caller's fault (4xx): it must never open a breaker. */
export class UpstreamStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "UpstreamStatusError";
  }
}

export interface BreakerOptions {
  /** Milliseconds before a call counts as failed. */
  timeoutMs: number;
  /** Milliseconds an open breaker waits before letting one trial call through (half-open). */
  resetTimeoutMs?: number;
  errorThresholdPercentage?: number;
  /** Calls in the rolling window before the error percentage is judged. */
  volumeThreshold?: number;
  metrics?: Metrics;
}

const STATE = { closed: 0, halfOpen: 1, open: 2 } as const;
const isClientError = (error: unknown): boolean =>
  error instanceof UpstreamStatusError && error.status >= 400 && error.status < 500;

/** A named opossum breaker: timeout, 4xx never trips it, state exported as circuit_breaker_state. */
export function createBreaker<A extends unknown[], R>(
  name: string,
  action: (...args: A) => Promise<R>,
  options: BreakerOptions,
): CircuitBreaker<A, R> {
  const breaker = new CircuitBreaker(action, {
    name,
    timeout: options.timeoutMs,
    resetTimeout: options.resetTimeoutMs ?? 10_000,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 5,
    errorFilter: isClientError,
  });
  const gauge = options.metrics?.breakerState;
  if (gauge) {
    gauge.set({ breaker: name }, STATE.closed);
    breaker.on("open", () => gauge.set({ breaker: name }, STATE.open));
    breaker.on("halfOpen", () => gauge.set({ breaker: name }, STATE.halfOpen));
    breaker.on("close", () => gauge.set({ breaker: name }, STATE.closed));
  }
  return breaker;
}

export const isBreakerOpen = (error: unknown): boolean =>
  (error as { code?: string })?.code === "EOPENBREAKER";
export const isBreakerTimeout = (error: unknown): boolean =>
  (error as { code?: string })?.code === "ETIMEDOUT";

export type { CircuitBreaker };
