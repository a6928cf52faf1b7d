import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@bazaar/shared/errors";
import { createMetrics } from "@bazaar/shared/observability";
import type { CatalogClient } from "../domain/placement";
import { createCatalogClient } from "./catalog";

const trace = {
  correlationId: "c-1",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
};

/** What a stand-in inventory answers for each product id. */
const answers: Record<string, { status: number; body: string }> = {
  "/api/products/1": {
    status: 200,
    body: JSON.stringify({ id: 1, name: "Mug", price: 12.5, price_cents: 1250, available: 7, sku: "MUG-1" }),
  },
  "/api/products/2": { status: 200, body: JSON.stringify({ id: 2, name: "Lamp", price: "cheap" }) },
  "/api/products/3": { status: 200, body: "<html>maintenance</html>" },
};

let server: Server;
let catalog: CatalogClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    const answer = answers[request.url ?? ""] ?? { status: 404, body: "{}" };
    response.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  catalog = createCatalogClient({
    baseUrl: `http://127.0.0.1:${port}`,
    timeoutMs: 1000,
    metrics: createMetrics("order"),
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const failureOf = async (promise: Promise<unknown>): Promise<DomainError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};

describe("the catalog client", () => {
  it("reads a product from inventory's answer, and no product from a 404", async () => {
    expect(await catalog.product(1, trace)).toEqual({ id: 1, name: "Mug", priceCents: 1250, available: 7 });
    expect(await catalog.product(9, trace)).toBeUndefined();
  });

  it("refuses an answer that is not a product, naming what is wrong, as a 503 to retry", async () => {
    const wrong = await failureOf(catalog.product(2, trace));
    expect(wrong.kind).toBe("unavailable");
    expect(wrong.retryAfterSeconds).toBe(5);
    expect(wrong.message).toBe(
      "the inventory function's answer about product 2 is not a product (price_cents: Invalid input: expected number, received undefined; available: Invalid input: expected number, received undefined)",
    );
    expect((await failureOf(catalog.product(3, trace))).message).toBe(
      "the inventory function's answer about product 3 is not a product (not JSON)",
    );
  });
});
