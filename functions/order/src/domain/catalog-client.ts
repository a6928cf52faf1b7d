import { send } from "@bazaar/shared/http";
import { createBreaker, UpstreamStatusError } from "@bazaar/shared/resilience";
import { Unavailable } from "@bazaar/shared/errors";
import type { Metrics } from "@bazaar/shared/observability";
import type { TraceContext } from "@bazaar/shared/events";
import { toCents } from "@bazaar/shared/money";

export interface CatalogProduct {
  id: number;
  name: string;
  priceCents: number;
  available: number;
}

export interface CatalogClient {
  /** The product as the inventory function shows it now, or undefined if there is no such product. */
  product(id: number, trace: TraceContext): Promise<CatalogProduct | undefined>;
}

interface ProductBody {
  id: number;
  name: string;
  price_cents?: number;
  price: number;
  available?: number;
  quantity: number;
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
    const body = JSON.parse(Buffer.from(answer.body).toString("utf8")) as ProductBody;
    return {
      id: body.id,
      name: body.name,
      priceCents: body.price_cents ?? toCents(body.price),
      available: body.available ?? body.quantity,
    };
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
        throw new Unavailable("the product catalog is unavailable; try again shortly", {
          cause: error,
          retryAfterSeconds: 5,
        });
      }
    },
  };
}
