import { Hono, type Context } from "hono";
import type { Logger } from "pino";
import type { Execute, Tx } from "../db";
import { DomainError } from "../errors";
import type { AppEnv } from "../http/context";
import { problem, problemAnswer } from "../http/problem";
import { rawRequestOf } from "../http/raw-request";
import { nextTraceparent } from "../http/tracing";
import type { Metrics } from "../observability";
import { endSpan, startSpan, traceparentOf, tracingOn, withSpan } from "../observability/tracing";
import { isEventType, type BazaarEvent, type EventType } from "./catalog";
import { decodeEvent } from "./decode";
import type { EventKeyring } from "./keys";
import type { Emit, Outbox } from "./outbox";
import { refusalOf } from "./signature";
import { processSpanOf } from "./tracing";
import { readCloudEvent, type WireEvent } from "./wire";

/**
 * What a handler says it did, always explicitly: "applied" when the event changed something, "stale" when it
 * came too late (or out of order) to change anything; a stale event is acknowledged all the same.
 */
export type HandlerOutcome = "applied" | "stale";

/**
 * What the receiver answers in `x-bazaar-outcome` and counts: the handler's outcome, or "duplicate" when this
 * (source, id) was handled before and the handler did not run.
 */
export type ReceiptOutcome = HandlerOutcome | "duplicate";

/** Work queued by a handler for after its transaction committed. */
export type AfterCommitWork = () => void | Promise<void>;

export interface HandlerContext<S extends Record<string, unknown>> {
  tx: Tx<S>;
  emit: Emit;
  log: Logger;
  /**
   * This handling's traceparent (what `emit` stamps on events), for work a handler leaves for later. The
   * receiver always gives it; a handler called directly (a test) may have none.
   */
  traceparent?: string;
  /**
   * Queues work (a metric, a kick of a background job) to run once this handling's transaction has committed;
   * a handling that rolls back drops it, so a retried event never does it twice. Its errors are logged and
   * change nothing: the event stays handled. The answer does not wait for work that returns a promise.
   */
  afterCommit: (work: AfterCommitWork) => void;
}

export type EventHandler<S extends Record<string, unknown>, T extends EventType> = (
  event: BazaarEvent<T>,
  context: HandlerContext<S>,
) => Promise<HandlerOutcome>;

/** A function's handlers, one per event type it subscribes to (events/index.ts in each function). */
export type EventHandlers<S extends Record<string, unknown>> = { [T in EventType]?: EventHandler<S, T> };

export interface ReceiverDeps<S extends Record<string, unknown>> {
  outbox: Outbox<S>;
  handlers: EventHandlers<S>;
  metrics: Metrics;
  /** Every producer's public keys: an event counts only with its producer's signature. */
  keys: EventKeyring;
}

type Answer = Response;

/**
 * The events route (mount at /events). Binary or structured CloudEvents; each is handled at most once per
 * (source, id): the processed_events row commits in the same transaction as the effect and the events it
 * causes. One delivery goes through these steps, in order: read and conform (readDelivery), verify the
 * producer's signature (verifySignature), decode against the catalog (decodeDelivery), dedupe and handle in
 * one transaction (handleOnce), run the after-commit work (runAfterCommit), answer (acknowledge).
 *
 * Acknowledgement follows the Knative RabbitMQ broker, which drops events answered with most 4xx:
 * - 403 before anything else for an event not signed by the one function that may emit its type: it is
 *   forged, so it changes nothing and is dropped rather than retried;
 * - 202 once the effect is committed, or for a duplicate or stale event (no effect);
 * - 400 only for a request that is not a CloudEvent at all (a broker never delivers one);
 * - 5xx for everything else, including unknown types and invalid data, so the broker retries and finally
 *   dead-letters it where an operator can see and replay it. Nothing is dropped silently.
 */
export function createEventReceiver<S extends Record<string, unknown>>(deps: ReceiverDeps<S>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/", async (c) => {
    const wire = await readDelivery(c, deps.metrics);
    if (wire instanceof Response) return wire;
    const refused = verifySignature(c, wire, deps);
    if (refused) return refused;
    const { id, type, subject } = wire.attributes;
    const log = c.get("log").child({ event_id: id, event_type: type, order_id: subject });
    const event = decodeDelivery(c, wire, deps.metrics, log);
    if (event instanceof Response) return event;
    const handler = deps.handlers[event.type] as EventHandler<S, EventType> | undefined;
    if (!handler) {
      deps.metrics.eventsFailed.inc({ type: event.type });
      log.error("no handler for this event type; check the Trigger filters");
      return problemAnswer(c, problem(500, `this function does not handle ${event.type}`));
    }
    return handleOnce(c, event, handler, deps, log);
  });
  return app;
}

const looksLikeCloudEvent = (headers: Record<string, string>): boolean =>
  "ce-specversion" in headers || (headers["content-type"] ?? "").startsWith("application/cloudevents");

/**
 * Step 1: the CloudEvent as it came (attributes conformant, data still bytes: the signature is checked over
 * them before they are read as JSON).
 */
async function readDelivery(c: Context<AppEnv>, metrics: Metrics): Promise<WireEvent | Answer> {
  const { headers, body } = await rawRequestOf(c);
  try {
    return readCloudEvent(headers, body, { checkData: false });
  } catch (error) {
    // A broker only delivers what its ingress parsed; a broken one that claims to be a CloudEvent is kept
    // (5xx: retried, then dead-lettered) rather than acknowledged and lost. Anything else is a plain 400.
    if (!looksLikeCloudEvent(headers)) throw error;
    metrics.eventsFailed.inc({ type: headers["ce-type"] ?? "unknown" });
    c.get("log").error({ err: error }, "malformed CloudEvent; the broker will dead-letter it");
    return problemAnswer(c, problem(500, `event rejected: ${(error as Error).message}`));
  }
}

/** Step 2: a 403 for an event its type's producer did not sign; undefined when the signature holds. */
function verifySignature<S extends Record<string, unknown>>(
  c: Context<AppEnv>,
  wire: WireEvent,
  deps: ReceiverDeps<S>,
): Answer | undefined {
  const refusal = refusalOf(wire, deps.keys);
  if (!refusal) return undefined;
  const { id, type, source } = wire.attributes;
  const known = type !== undefined && isEventType(type) ? type : "unknown";
  deps.metrics.eventsRefused.inc({ type: known, reason: refusal });
  c.get("log").warn(
    { event_id: id, event_type: type, event_source: source, reason: refusal },
    "event refused",
  );
  return problemAnswer(c, problem(403, `event refused: ${refusal}`));
}

/** Step 3: the typed event, or a 5xx (dead-lettered) for an unknown type or data the catalog refuses. */
function decodeDelivery(
  c: Context<AppEnv>,
  wire: WireEvent,
  metrics: Metrics,
  log: Logger,
): BazaarEvent | Answer {
  try {
    return decodeEvent(wire);
  } catch (error) {
    metrics.eventsFailed.inc({ type: wire.attributes["type"] ?? "unknown" });
    log.error({ err: error }, "event rejected; the broker will dead-letter it");
    return problemAnswer(c, problem(500, `event rejected: ${(error as Error).message}`));
  }
}

/**
 * Step 4: claims the (source, id) and runs the handler in one transaction, then the work it queued for after
 * the commit. With tracing on, the handling is a consumer span, a child of this request's (the delivery's)
 * span; what the handler emits and the transaction it runs in are children of it.
 */
async function handleOnce<S extends Record<string, unknown>>(
  c: Context<AppEnv>,
  event: BazaarEvent,
  handler: EventHandler<S, EventType>,
  deps: ReceiverDeps<S>,
  log: Logger,
): Promise<Answer> {
  const span = tracingOn() ? startSpan(processSpanOf(event)) : undefined;
  const trace = {
    correlationId: event.correlationid ?? c.get("correlationId"),
    traceparent: span ? traceparentOf(span) : nextTraceparent(event.traceparent),
  };
  let queued: AfterCommitWork[] | undefined;
  let outcome: ReceiptOutcome;
  try {
    outcome = await withSpan(span, () =>
      deps.outbox.write(trace, async (tx, emit, execute) => {
        queued = undefined; // what an earlier try of this transaction queued is not to be done
        // Claiming the (source, id) first is the duplicate check and the record in one statement; if the
        // handler fails, the transaction rolls the claim back with everything else.
        if (!(await claim(execute, event))) return "duplicate";
        const afterCommit = (work: AfterCommitWork) => void (queued ??= []).push(work);
        return handler(event, { tx, emit, log, traceparent: trace.traceparent, afterCommit });
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
  if (queued) runAfterCommit(queued, log);
  span?.setAttribute("bazaar.event.outcome", outcome);
  endSpan(span);
  return acknowledge(c, event, outcome, deps.metrics, log);
}

/** The dedupe record of processed_events (tables.ts): every delivery writes it, so its text is fixed. */
const CLAIM = `insert into processed_events (source, id, type, processed_at) values (?, ?, ?, ?)
  on conflict do nothing`;

/** Records the (source, id) as handled; false when it was already. */
async function claim(execute: Execute, event: BazaarEvent): Promise<boolean> {
  const inserted = await execute({ sql: CLAIM, args: [event.source, event.id, event.type, Date.now()] });
  return inserted.rowsAffected > 0;
}

/**
 * Step 5: the work queued during a handling that committed. A failure is logged and goes no further: the
 * event is handled, and answering 5xx would have the broker redeliver it only to meet the dedupe.
 */
function runAfterCommit(queued: readonly AfterCommitWork[], log: Logger): void {
  const failed = (error: unknown) => log.error({ err: error }, "work after the commit failed");
  for (const work of queued) {
    try {
      const running = work();
      // Only a promise is waited on: synchronous work may return anything (prom-client's inc returns an object).
      if (running instanceof Promise) running.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}

/** Step 6: 202 with the outcome, counted once per delivery. */
function acknowledge(
  c: Context<AppEnv>,
  event: BazaarEvent,
  outcome: ReceiptOutcome,
  metrics: Metrics,
  log: Logger,
): Answer {
  const counter =
    outcome === "applied"
      ? metrics.eventsReceived
      : outcome === "stale"
        ? metrics.eventsStale
        : metrics.eventsDuplicate;
  counter.inc({ type: event.type });
  log.info({ outcome }, "event handled");
  return c.body(null, 202, { "x-bazaar-outcome": outcome });
}
