import { toBinaryRequest, type WireEvent } from "@bazaar/shared/events";
import { send } from "@bazaar/shared/http";
import type { Metrics } from "@bazaar/shared/observability";
import {
  createBreaker,
  isBreakerOpen,
  isBreakerTimeout,
  UpstreamStatusError,
  type CircuitBreaker,
} from "@bazaar/shared/resilience";

/** The target's HTTP status, or null with the reason when it never answered. */
export interface ReplayOutcome {
  status: number | null;
  error: string | null;
}

export interface Replayer {
  /** POSTs the event to the target in binary mode; never throws, the outcome says what happened. */
  replay(target: string, event: WireEvent): Promise<ReplayOutcome>;
  shutdown(): void;
}

type Message = ReturnType<typeof toBinaryRequest>;

/**
 * Replays through one breaker per target origin, so a subscriber that is down fails fast without holding
 * up replays to the others.
 */
export function createReplayer(options: { timeoutMs: number; metrics?: Metrics }): Replayer {
  const { timeoutMs, metrics } = options;
  const breakers = new Map<string, CircuitBreaker<[string, Message], number>>();

  const post = async (target: string, message: Message): Promise<number> => {
    const { status } = await send(target, { method: "POST", ...message, timeoutMs });
    // A 5xx counts against the target's breaker; a 4xx is an answer about this event, not an outage.
    if (status >= 500) throw new UpstreamStatusError(status, `target answered ${status}`);
    return status;
  };

  const breakerFor = (origin: string) => {
    let breaker = breakers.get(origin);
    if (!breaker) {
      breaker = createBreaker(`replay ${origin}`, post, { timeoutMs, metrics });
      breakers.set(origin, breaker);
    }
    return breaker;
  };

  return {
    async replay(target, event) {
      let origin: string;
      try {
        origin = new URL(target).origin;
      } catch {
        return { status: null, error: `not a URL: ${target}` };
      }
      try {
        const status = await breakerFor(origin).fire(target, toBinaryRequest(event));
        return { status, error: status >= 300 ? `target answered ${status}` : null };
      } catch (error) {
        if (error instanceof UpstreamStatusError) return { status: error.status, error: error.message };
        if (isBreakerOpen(error))
          return { status: null, error: `${origin} failed repeatedly; replays to it pause briefly` };
        if (isBreakerTimeout(error) || (error as Error).name === "TimeoutError")
          return { status: null, error: `no answer from ${origin} within ${timeoutMs} ms` };
        const { code } = error as { code?: string };
        return { status: null, error: `could not reach ${origin}: ${code ?? (error as Error).message}` };
      }
    },
    shutdown() {
      for (const breaker of breakers.values()) breaker.shutdown();
    },
  };
}
