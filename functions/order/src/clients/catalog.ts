import * as inventoryApi from "@bazaar/shared/api/inventory";
import { describeIssues, DomainError, Unavailable } from "@bazaar/shared/errors";
import type { TraceContext } from "@bazaar/shared/events";
import { send } from "@bazaar/shared/http";
import type { Metrics } from "@bazaar/shared/observability";
import { createBreaker, UpstreamStatusError } from "@bazaar/shared/resilience";
import type { CatalogClient, CatalogProduct } from "../domain/placement";

/** Seconds a client is told to wait before trying again while the catalog cannot answer. */
const RETRY_AFTER_SECONDS = 5;

/** Inventory answered, but not with a product: a bug or a version skew an operator must see, not a crash. */
const notAProduct = (id: number, why: string): Unavailable =>
  new Unavailable(`the inventory function's answer about product ${id} is not a product (${why})`, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });

/** The product in inventory's answer, checked against the answer's schema rather than assumed. */
function productIn(id: number, body: Uint8Array): CatalogProduct {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    throw notAProduct(id, "not JSON");
  }
  const result = inventoryApi.productAnswer.safeParse(parsed);
  if (!result.success) throw notAProduct(id, describeIssues(result.error));
  const { name, price_cents, available } = result.data;
  return { id: result.data.id, name, priceCents: price_cents, available };
}

/**
 * Prices come from the inventory function at the moment an order is placed (the one synchronous call of the
 * saga), through a breaker so a sick inventory makes orders fail fast with 503 instead of piling up.
 */
export function createCatalogClient(options: {
  baseUrl: string;
  timeoutMs: number;
  metrics: Metrics;
}): CatalogClient {
  const fetchProduct = async (id: number, trace: TraceContext): Promise<CatalogProduct | undefined> => {
    const answer = await send(`${options.baseUrl}/api/products/${id}`, {
      method: "GET",
      headers: {
        accept: "application/json",
        "x-correlation-id": trace.correlationId,
        traceparent: trace.traceparent,
      },
      timeoutMs: options.timeoutMs,
    });
    if (answer.status === 404) return undefined;
    if (answer.status < 200 || answer.status >= 300) {
      throw new UpstreamStatusError(answer.status, `inventory answered ${answer.status}`);
    }
    return productIn(id, answer.body);
  };
  const breaker = createBreaker("inventory", fetchProduct, {
    timeoutMs: options.timeoutMs,
    metrics: options.metrics,
  });

  return {
    async product(id, trace) {
      try {
        return await breaker.fire(id, trace);
      } catch (error) {
        // An answer that is not a product says so; anything else (down, slow, circuit open) reads the same.
        if (error instanceof DomainError) throw error;
        throw new Unavailable("the product catalog is unavailable; try again shortly", {
          cause: error,
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        });
      }
    },
  };
}
