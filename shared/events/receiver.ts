import { Hono } from "hono";
import type { Logger } from "pino";
import type { Tx } from "../db";
import { DomainError } from "../errors";
import type { AppEnv } from "../http/context";
import { problem, problemAnswer } from "../http/problem";
import { rawRequestOf } from "../http/raw-request";
import { nextTraceparent } from "../http/tracing";
import type { Metrics } from "../observability";
import { endSpan, startSpan, traceparentOf, tracingOn, withSpan } from "../observability/tracing";
import { isEventType, type BazaarEvent, type EventType } from "./catalog";
import { toBazaarEvent } from "./encoding";
import type { EventKeyring } from "./keys";
import { refusalOf } from "./signature";
import { readCloudEvent, type WireEvent } from "./wire";
import type { Emit, Outbox } from "./outbox";
import { processedEvents } from "./tables";
import { processSpanOf } from "./tracing";

/** "stale": the event came too late (or out of order) to change anything; it is acknowledged all the same. */
export type HandlerOutcome = "applied" | "stale";

export interface HandlerContext<S extends Record<string, unknown>> {
  tx: Tx<S>;
  emit: Emit;
  log: Logger;
  /**
   * This handling's traceparent (what `emit` stamps on events), for work a handler leaves for later. The
   * receiver always gives it; a handler called directly (a test) may have none.
   */
  traceparent?: string;
}

/** Resolves to "stale" when the event changed nothing; anything else counts as applied. */
export type EventHandler<S extends Record<string, unknown>, T extends EventType> = (
  event: BazaarEvent<T>,
  context: HandlerContext<S>,
) => Promise<HandlerOutcome | undefined>;

export type EventHandlers<S extends Record<string, unknown>> = { [T in EventType]?: EventHandler<S, T> };

export interface ReceiverDeps<S extends Record<string, unknown>> {
  outbox: Outbox<S>;
  handlers: EventHandlers<S>;
  metrics: Metrics;
  /** Every producer's public keys: an event counts only with its producer's signature. */
  keys: EventKeyring;
}

/**
 * The events route (mount at /events). Binary or structured CloudEvents; each is handled at most once per
 * (source, id): the processed_events row commits in the same transaction as the effect and the events it
 * causes. Acknowledgement follows the Knative RabbitMQ broker, which drops events answered with most 4xx:
 * - 403 before anything else for an event not signed by the one function that may emit its type: it is
 *   forged, so it changes nothing and is dropped rather than retried;
 * - 202 once the effect is committed, or for a duplicate or stale event (no effect);
 * - 400 only for a request that is not a CloudEvent at all (a broker never delivers one);
 * - 5xx for everything else, including unknown types and invalid data, so the broker retries and finally
 *   dead-letters it where an operator can see and replay it. Nothing is dropped silently.
 */
const looksLikeCloudEvent = (headers: Record<string, string>): boolean =>
  "ce-specversion" in headers || (headers["content-type"] ?? "").startsWith("application/cloudevents");

export function createEventReceiver<S extends Record<string, unknown>>(deps: ReceiverDeps<S>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    const { headers, body } = await rawRequestOf(c);
    let cloudEvent: WireEvent;
    try {
      cloudEvent = readCloudEvent(headers, body, { checkData: false });
    } catch (error) {
      // A broker only delivers what its ingress parsed; a broken one that claims to be a CloudEvent is kept
      // (5xx: retried, then dead-lettered) rather than acknowledged and lost. Anything else is a plain 400.
      if (!looksLikeCloudEvent(headers)) throw error;
      deps.metrics.eventsFailed.inc({ type: headers["ce-type"] ?? "unknown" });
      c.get("log").error({ err: error }, "malformed CloudEvent; the broker will dead-letter it");
      return problemAnswer(c, problem(500, `event rejected: ${(error as Error).message}`));
    }
    const { id, type, source, subject } = cloudEvent.attributes;
    const refusal = refusalOf(cloudEvent, deps.keys);
    if (refusal) {
      const known = type !== undefined && isEventType(type) ? type : "unknown";
      deps.metrics.eventsRefused.inc({ type: known, reason: refusal });
      c.get("log").warn(
        { event_id: id, event_type: type, event_source: source, reason: refusal },
        "event refused",
      );
      return problemAnswer(c, problem(403, `event refused: ${refusal}`));
    }
    const log = c.get("log").child({ event_id: id, event_type: type, order_id: subject });

    let event: BazaarEvent;
    try {
      event = toBazaarEvent(cloudEvent);
    } catch (error) {
      deps.metrics.eventsFailed.inc({ type: type ?? "unknown" });
      log.error({ err: error }, "event rejected; the broker will dead-letter it");
      return problemAnswer(c, problem(500, `event rejected: ${(error as Error).message}`));
    }
    const handler = deps.handlers[event.type] as EventHandler<S, EventType> | undefined;
    if (!handler) {
      deps.metrics.eventsFailed.inc({ type: event.type });
      log.error("no handler for this event type; check the Trigger filters");
      return problemAnswer(c, problem(500, `this function does not handle ${event.type}`));
    }

    // With tracing on, the handling is a consumer span, a child of this request's (the delivery's) span; what
    // the handler emits and the transaction it runs in are children of it.
    const span = tracingOn() ? startSpan(processSpanOf(event)) : undefined;
    const trace = {
      correlationId: event.correlationid ?? c.get("correlationId"),
      traceparent: span ? traceparentOf(span) : nextTraceparent(event.traceparent),
    };
    let outcome: HandlerOutcome | "duplicate";
    try {
      outcome = await withSpan(span, () =>
        deps.outbox.write(trace, async (tx, emit) => {
          // Claiming the (source, id) first is the duplicate check and the record in one statement; if the
          // handler fails, the transaction rolls the claim back with everything else.
          const claimed = await tx
            .insert(processedEvents)
            .values({ source: event.source, id: event.id, type: event.type, processedAt: Date.now() })
            .onConflictDoNothing()
            .returning({ id: processedEvents.id });
          if (claimed.length === 0) return "duplicate";
          const context = { tx, emit, log, traceparent: trace.traceparent };
          return (await handler(event, context)) ?? "applied";
        }),
      );
    } catch (error) {
      endSpan(span, error);
      deps.metrics.eventsFailed.inc({ type: event.type });
      const transient =
        error instanceof DomainError && (error.kind === "unavailable" || error.kind === "timeout");
      log.error({ err: error }, "event handling failed; the broker will retry");
      const detail = `event handling failed: ${error instanceof DomainError ? error.message : "internal error"}`;
      return problemAnswer(c, problem(transient ? 503 : 500, detail));
    }

    const counter = {
      applied: deps.metrics.eventsReceived,
      stale: deps.metrics.eventsStale,
      duplicate: deps.metrics.eventsDuplicate,
    }[outcome];
    counter.inc({ type: event.type });
    span?.setAttribute("bazaar.event.outcome", outcome);
    endSpan(span);
    log.info({ outcome }, "event handled");
    return c.body(null, 202, { "x-bazaar-outcome": outcome });
  });
  return app;
}
