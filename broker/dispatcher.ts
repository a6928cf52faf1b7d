import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { eventAttributes, readCloudEvent, toBinaryRequest, withExtensions } from "@bazaar/shared/events";
import { send, type Answer as HttpAnswer, type CallSpanSpec } from "@bazaar/shared/http";
import { backoffMs, isRetryable } from "./backoff";
import { logFieldsOf, type BrokerEvent } from "./message";
import type { BrokerMetrics } from "./metrics";
import type { Trigger } from "./triggers";

export interface DispatcherDeps {
  logger: Logger;
  metrics: BrokerMetrics;
  /** Per-request timeout for Triggers whose delivery sets none. */
  timeoutMs: number;
  /** Publishes a subscriber's reply back into the broker, as if it had been posted to the ingress. */
  publish: (event: BrokerEvent) => Promise<void>;
}

export type DeliveryResult =
  | { outcome: "delivered" }
  /** Every attempt failed: the event, with its knativeerror* extensions, goes to the dead-letter queue. */
  | { outcome: "failed"; deadLetter: BrokerEvent }
  /** The broker shut down mid-delivery. */
  | { outcome: "aborted" };

export interface Dispatcher {
  /** One event to one Trigger's subscriber, retried per the Trigger's delivery spec. Never rejects. */
  deliver(trigger: Trigger, event: BrokerEvent, signal: AbortSignal): Promise<DeliveryResult>;
  /** Posts a dead letter to the Trigger's sink until it answers 2xx. False only when aborted. */
  deadLetter(trigger: Trigger, deadLetter: BrokerEvent, signal: AbortSignal): Promise<boolean>;
}

/** What a subscriber answered; status 0 means no answer (refused, reset, timed out). */
interface Answer extends HttpAnswer {
  error?: string;
}

/** Knative sends at most this much of a failed response body as knativeerrordata. */
const ERROR_DATA_BYTES = 1024;
/** A failing dead-letter sink is retried forever, but no faster or slower than this. */
const DEAD_LETTER_WAIT_MS = { min: 100, max: 30_000 };

/**
 * Delivers as eventing-rabbitmq's dispatcher does: binary mode, retries on no answer, 5xx, 404, 408, 409 and
 * 429 with the Trigger's backoff, every other status counts as done (even 400 or 422, which is why handlers
 * answer 5xx for an event they cannot process), and a 200 that carries a CloudEvent is a reply, published back
 * to the broker. Unlike eventing-rabbitmq, a failing dead-letter sink is retried rather than dropped (its issue
 * #1385).
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { logger, metrics } = deps;

  async function deliver(trigger: Trigger, event: BrokerEvent, signal: AbortSignal): Promise<DeliveryResult> {
    const log = logger.child({ trigger: trigger.name, ...logFieldsOf(event) });
    const { retry, backoffPolicy, backoffDelayMs } = trigger.delivery;
    const timeoutMs = trigger.delivery.timeoutMs ?? deps.timeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      const span = () => deliverySpanOf("deliver", trigger, event, attempt);
      const answer = await post(trigger.subscriber.url, event, timeoutMs, signal, span);
      if (signal.aborted) return { outcome: "aborted" };
      if (!isRetryable(answer.status)) return accept(trigger, event, answer, log);
      if (attempt >= retry) {
        log.error(
          {
            status: answer.status,
            error: answer.error,
            attempts: attempt + 1,
            subscriber: trigger.subscriber.url,
          },
          "delivery failed after the last retry; dead-lettering",
        );
        return { outcome: "failed", deadLetter: withExtensions(event, errorExtensions(trigger, answer)) };
      }
      metrics.deliveries.inc({ trigger: trigger.name, outcome: "retried" });
      const waitMs = backoffMs(backoffPolicy, backoffDelayMs, attempt + 1);
      log.warn(
        { status: answer.status, error: answer.error, retry: attempt + 1, retries: retry, wait_ms: waitMs },
        "delivery failed; retrying",
      );
      if (!(await pause(waitMs, signal))) return { outcome: "aborted" };
    }
  }

  /** A final answer from the subscriber: publish a reply if it carries one, then count the event as done. */
  async function accept(
    trigger: Trigger,
    event: BrokerEvent,
    answer: Answer,
    log: Logger,
  ): Promise<DeliveryResult> {
    const reply = answer.status === 200 ? replyOf(answer, log) : undefined;
    if (reply) {
      try {
        await deps.publish(reply);
        log.info(
          { reply_type: reply.attributes["type"], reply_id: reply.attributes["id"] },
          "reply published",
        );
      } catch (error) {
        log.error({ err: error }, "publishing the reply failed; dead-lettering the event");
        const extensions = {
          ...errorExtensions(trigger, answer),
          knativeerrordata: Buffer.from(`reply not published: ${(error as Error).message}`).toString(
            "base64",
          ),
        };
        return { outcome: "failed", deadLetter: withExtensions(event, extensions) };
      }
    }
    if (answer.status >= 300) {
      // The RabbitMQ broker acks these and drops the event; say so where an operator will look.
      log.warn(
        { status: answer.status },
        "the subscriber refused the event with a non-retryable status; done",
      );
    } else {
      log.debug({ status: answer.status }, "delivered");
    }
    metrics.deliveries.inc({ trigger: trigger.name, outcome: "delivered" });
    return { outcome: "delivered" };
  }

  async function deadLetter(
    trigger: Trigger,
    deadLetter: BrokerEvent,
    signal: AbortSignal,
  ): Promise<boolean> {
    const sink = trigger.delivery.deadLetterSink;
    const log = logger.child({ trigger: trigger.name, ...logFieldsOf(deadLetter) });
    const timeoutMs = trigger.delivery.timeoutMs ?? deps.timeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const span = () => deliverySpanOf("dead-letter", trigger, deadLetter, attempt - 1);
      const answer = await post(sink.url, deadLetter, timeoutMs, signal, span);
      if (signal.aborted) return false;
      if (answer.status >= 200 && answer.status < 300) {
        metrics.deliveries.inc({ trigger: trigger.name, outcome: "dead_lettered" });
        log.warn({ sink: sink.url }, "dead-lettered: the dead-letter sink stored the event");
        return true;
      }
      metrics.deadLetterFailures.inc({ trigger: trigger.name });
      const { backoffPolicy, backoffDelayMs } = trigger.delivery;
      const waitMs = Math.min(
        Math.max(backoffMs(backoffPolicy, backoffDelayMs, attempt), DEAD_LETTER_WAIT_MS.min),
        DEAD_LETTER_WAIT_MS.max,
      );
      log.error(
        { sink: sink.url, status: answer.status, error: answer.error, attempt, wait_ms: waitMs },
        "THE DEAD-LETTER SINK FAILED: the event is kept and retried until the sink accepts it",
      );
      if (!(await pause(waitMs, signal))) return false;
    }
  }

  return { deliver, deadLetter };
}

/**
 * With tracing on, a delivery attempt's span: a child of the event's traceparent (its producer's span), and
 * the parent of the subscriber's. The event keeps its producer's context; only the header names this span.
 */
const deliverySpanOf = (
  what: "deliver" | "dead-letter",
  trigger: Trigger,
  event: BrokerEvent,
  retry: number,
): CallSpanSpec => {
  const { id, type, source, subject } = event.attributes;
  return {
    name: `${what} ${type ?? "event"}`,
    attributes: {
      ...eventAttributes({ id, type, source, subject }, "send"),
      "messaging.destination.subscription.name": trigger.name,
      ...(retry > 0 && { "http.request.resend_count": retry }),
    },
  };
};

async function post(
  url: string,
  event: BrokerEvent,
  timeoutMs: number,
  signal: AbortSignal,
  span: () => CallSpanSpec,
): Promise<Answer> {
  try {
    return await send(url, { method: "POST", ...toBinaryRequest(event), timeoutMs, signal, span });
  } catch (error) {
    return { status: 0, headers: {}, body: new Uint8Array(), error: describe(error) };
  }
}

/** A 200 whose headers say CloudEvent is a reply; a malformed one is success all the same (SDK behaviour). */
function replyOf(answer: Answer, log: Logger): BrokerEvent | undefined {
  const contentType = answer.headers["content-type"] ?? "";
  if (!answer.headers["ce-specversion"] && !contentType.startsWith("application/cloudevents+json")) {
    return undefined;
  }
  try {
    return readCloudEvent(answer.headers, answer.body);
  } catch (error) {
    log.warn({ err: error }, "the subscriber replied with a malformed CloudEvent; it is ignored");
    return undefined;
  }
}

/** The extensions Knative adds to a dead letter: where it failed, with what status, and what was said. */
function errorExtensions(trigger: Trigger, answer: Answer): Record<string, string> {
  const data = answer.body.length > 0 ? answer.body.subarray(0, ERROR_DATA_BYTES) : answer.error;
  return {
    knativeerrordest: trigger.subscriber.url,
    knativeerrorcode: String(answer.status),
    ...(data ? { knativeerrordata: Buffer.from(data).toString("base64") } : {}),
  };
}

/** Waits, unless the broker shuts down first (then false). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return "timed out";
  const { code, cause } = error as { code?: string; cause?: { code?: string } };
  return code ?? cause?.code ?? error.message;
}
