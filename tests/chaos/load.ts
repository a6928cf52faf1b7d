import { randomUUID } from "node:crypto";
import { call, pause, type Answer } from "../support/http";
import type { Random } from "../support/random";
import type { Shopper } from "../support/shop";

/**
 * A steady order load through the gateway, written like a careful client: every placement carries an
 * Idempotency-Key, and a request that gets no answer, a 5xx or a 429 is sent again with the same key until
 * it gets a final answer or its deadline passes. What each placement ended as is kept for the invariants.
 */

export interface LoadOptions {
  gateway: string;
  shoppers: readonly Shopper[];
  productIds: readonly number[];
  random: Random;
  /** Workers placing orders side by side. */
  concurrency: number;
  /** Pause between two placements of one worker. */
  pauseMs: number;
  /** Share of accepted orders the customer cancels again shortly after. */
  cancelShare: number;
  /** A request still failing after this long is given up ("unanswered"). */
  requestDeadlineMs: number;
}

export type Outcome = "accepted" | "refused" | "unanswered";

export interface Placement {
  key: string;
  customerId: number;
  outcome: Outcome;
  /** The final HTTP status (accepted: 202; refused: the 4xx, e.g. 409 when the stock ran out). */
  status?: number;
  orderId?: number;
  attempts: number;
  cancel?: { outcome: Outcome; status?: number };
}

export interface LoadReport {
  placements: Placement[];
  /** HTTP requests sent, first tries and retries. */
  requests: number;
  /** Answers that made the client try again, by status ("network" when there was no answer). */
  retried: Record<string, number>;
  durationMs: number;
}

export interface RunningLoad {
  /** Lets each worker finish the placement it is on, then reports. */
  stop(): Promise<LoadReport>;
}

const PAYMENT_METHODS = [
  [70, "tok_visa"],
  [10, "tok_mastercard"],
  [8, "tok_slow"],
  [8, "tok_chargeDeclined"],
  [4, "tok_insufficientFunds"],
] as const;

/** 5xx (a function or the gateway's breaker is down), 429 (limit) and no answer are worth another try. */
const worthRetrying = (status: number): boolean => status >= 500 || status === 429;

export function startLoad(options: LoadOptions): RunningLoad {
  const { random } = options;
  const report: LoadReport = { placements: [], requests: 0, retried: {}, durationMs: 0 };
  const started = Date.now();
  let stopping = false;

  /** Sends until a final answer; undefined when the deadline passed first. */
  async function persist(
    send: () => Promise<Answer<any>>,
  ): Promise<{ answer: Answer<any> | undefined; attempts: number }> {
    const deadline = Date.now() + options.requestDeadlineMs;
    for (let attempts = 1; ; attempts++) {
      report.requests++;
      let reason: string;
      try {
        const answer = await send();
        if (!worthRetrying(answer.status)) return { answer, attempts };
        reason = String(answer.status);
      } catch {
        reason = "network";
      }
      report.retried[reason] = (report.retried[reason] ?? 0) + 1;
      if (Date.now() > deadline) return { answer: undefined, attempts };
      await pause(Math.min(200 * attempts, 1000));
    }
  }

  function orderBody(): Record<string, unknown> {
    const lines = random.int(1, 2);
    const items = Array.from({ length: lines }, () => ({
      product_id: random.pick(options.productIds),
      quantity: random.int(1, 3),
    }));
    return { items, payment_method: random.weighted(PAYMENT_METHODS), shipping_address: "1 Chaos Lane" };
  }

  async function placeOne(shopper: Shopper): Promise<void> {
    const key = randomUUID();
    const body = orderBody();
    const { answer, attempts } = await persist(() =>
      call("POST", `${options.gateway}/api/orders`, {
        token: shopper.token,
        body,
        headers: { "idempotency-key": key },
      }),
    );
    const placement: Placement = {
      key,
      customerId: shopper.id,
      attempts,
      outcome: !answer ? "unanswered" : answer.status === 202 ? "accepted" : "refused",
      ...(answer && { status: answer.status }),
      ...(answer?.status === 202 && { orderId: answer.body.order_id as number }),
    };
    report.placements.push(placement);
    if (placement.orderId !== undefined && random.chance(options.cancelShare)) {
      await pause(random.int(0, 1500));
      const cancelled = await persist(() =>
        call("POST", `${options.gateway}/api/orders/${placement.orderId}/cancel`, { token: shopper.token }),
      );
      placement.cancel = {
        outcome: !cancelled.answer ? "unanswered" : cancelled.answer.status === 200 ? "accepted" : "refused",
        ...(cancelled.answer && { status: cancelled.answer.status }),
      };
    }
  }

  const workers = Array.from({ length: options.concurrency }, async (_, worker) => {
    for (let n = 0; !stopping; n++) {
      const shopper = options.shoppers[(worker + n * options.concurrency) % options.shoppers.length]!;
      await placeOne(shopper);
      await pause(options.pauseMs);
    }
  });

  return {
    async stop() {
      stopping = true;
      await Promise.all(workers);
      report.durationMs = Date.now() - started;
      return report;
    },
  };
}

/** Figures of a load run for the report. */
export function loadFigures(report: LoadReport) {
  const count = (predicate: (p: Placement) => boolean) => report.placements.filter(predicate).length;
  const refusedBy: Record<string, number> = {};
  for (const p of report.placements.filter((p) => p.outcome === "refused"))
    refusedBy[String(p.status)] = (refusedBy[String(p.status)] ?? 0) + 1;
  return {
    placements: report.placements.length,
    accepted: count((p) => p.outcome === "accepted"),
    refused: refusedBy,
    unanswered: count((p) => p.outcome === "unanswered"),
    placedAfterRetry: count((p) => p.outcome === "accepted" && p.attempts > 1),
    cancelRequests: count((p) => p.cancel !== undefined),
    cancelled: count((p) => p.cancel?.outcome === "accepted"),
    requests: report.requests,
    retried: report.retried,
    ordersPerSecond: Math.round((report.placements.length / report.durationMs) * 10_000) / 10,
  };
}
