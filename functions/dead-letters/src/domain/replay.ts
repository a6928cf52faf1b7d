import { toBinaryMessage, type OutgoingEvent } from "@bazaar/shared/events";
import { send } from "@bazaar/shared/http";
import type { Metrics } from "@bazaar/shared/observability";
import {
  createBreaker,
  isBreakerOpen,
  isBreakerTimeout,
  UpstreamStatusError,
  type CircuitBreaker,
} from "@bazaar/shared/resilience";
import type { DeadLetter } from "./dead-letters";

/** The target's HTTP status, or null with the reason when it never answered. */
export interface ReplayOutcome {
  status: number | null;
  error: string | null;
}

export interface Replayer {
  /** POSTs the event to the target in binary mode; never throws, the outcome says what happened. */
  replay(target: string, event: OutgoingEvent): Promise<ReplayOutcome>;
  shutdown(): void;
}

const stringAt = (record: Record<string, unknown>, name: string): string | null => {
  const value = record[name];
  return typeof value === "string" ? value : null;
};

/**
 * The event as it was first published: same id, source, type, subject, data and trace, and none of the
 * knativeerror* extensions the broker added on the way to the dead-letter sink.
 */
export function originalEvent(letter: DeadLetter): OutgoingEvent {
  const extensions = JSON.parse(letter.extensions) as Record<string, unknown>;
  return {
    id: letter.eventId,
    source: letter.eventSource,
    type: letter.eventType,
    subject: letter.subject,
    time: stringAt(extensions, "time") ?? letter.receivedAt,
    // The stored text is sent as the body unchanged, so even data that never parsed comes back as it was.
    data: letter.data,
    traceparent: stringAt(extensions, "traceparent"),
    correlationid: stringAt(extensions, "correlationid"),
  };
}

type Message = ReturnType<typeof toBinaryMessage>;

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
        const status = await breakerFor(origin).fire(target, toBinaryMessage(event));
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
