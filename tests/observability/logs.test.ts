import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices, type DevService } from "../../scripts/dev/services";
import { call, eventually } from "../support/http";
import { startSystem, type System } from "../support/system";

type LogLine = Record<string, unknown>;

/** Every service an order passes through, and the broker that carries its events between them. */
const FOLLOWED: DevService[] = [
  "gateway",
  "order",
  "broker",
  "inventory",
  "payment",
  "shipping",
  "notification",
];
/** Services that learn about the order from a CloudEvent, whose subject is the order id. */
const EVENT_CONSUMERS: DevService[] = ["order", "inventory", "payment", "shipping", "notification"];

const parse = (line: string): LogLine | undefined => {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined; // not pino's: tsx or Node warnings
  }
};

/**
 * One order placed through the gateway with a known X-Correlation-ID and traceparent, followed through the
 * JSON logs of every process it touches: the same correlation id, the same trace id and the order id.
 */
describe("one order, followed through every function's logs", () => {
  let system: System;
  const correlationId = `follow-${randomUUID()}`;
  const traceId = randomBytes(16).toString("hex");
  let orderId: number;

  beforeAll(async () => {
    system = await startSystem({
      services: [...devServices],
      env: { payment: { PAYMENT_SLOW_MS: "100" } },
    });
    const gateway = system.url("gateway");
    const email = `follow-${randomUUID().slice(0, 8)}@test.local`;
    const password = "a-good-password";
    const registered = await call("POST", `${gateway}/auth/register`, {
      body: { name: "Log Follower", email, password },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const login = await call("POST", `${gateway}/auth/login`, { body: { email, password } });
    expect(login.status).toBe(200);

    const placed = await call("POST", `${gateway}/api/orders`, {
      token: login.body.token,
      body: { items: [{ product_id: 2, quantity: 1 }], shipping_address: "1 Log Lane" },
      headers: {
        "x-correlation-id": correlationId,
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
      },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    expect(placed.headers.get("x-correlation-id")).toBe(correlationId);
    orderId = placed.body.order_id as number;

    // Shipping scheduling and the confirmation notice are the saga's last steps for a new order.
    await eventually(
      async () => (FOLLOWED.every((name) => linesOf(name).length > 0) ? true : undefined),
      20_000,
      "the correlation id in every service's logs",
    ).catch(() => undefined); // the assertions below say which service is missing
    await eventually(
      async () =>
        EVENT_CONSUMERS.every((name) => linesOf(name).some((l) => l["order_id"] === String(orderId)))
          ? true
          : undefined,
      20_000,
      "the order id in every consumer's logs",
    ).catch(() => undefined);
  });
  afterAll(() => system?.stop());

  const linesOf = (name: DevService): LogLine[] =>
    system
      .service(name)
      .logs.map(parse)
      .filter((line): line is LogLine => line?.["correlation_id"] === correlationId);

  it.each(FOLLOWED)("%s logs the order's correlation id, in JSON lines that name the service", (name) => {
    const lines = linesOf(name);
    expect(lines.length, `no ${name} log line carries correlation id ${correlationId}`).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatchObject({ service: name, level: expect.any(String), msg: expect.any(String) });
      expect(line["time"]).toEqual(expect.any(String));
    }
  });

  it.each(FOLLOWED)(
    "%s keeps the caller's trace id (W3C traceparent through HTTP and CloudEvents)",
    (name) => {
      const traced = linesOf(name).filter((line) => "trace_id" in line);
      expect(traced.length, `${name} logged no trace id`).toBeGreaterThan(0);
      for (const line of traced) expect(line["trace_id"]).toBe(traceId);
    },
  );

  it.each(EVENT_CONSUMERS)("%s logs the order id with the events it handled for it", (name) => {
    const handled = linesOf(name).filter((line) => line["msg"] === "event handled");
    expect(handled.length, `${name} logged no handled event for this order`).toBeGreaterThan(0);
    for (const line of handled) {
      expect(line["order_id"]).toBe(String(orderId));
      expect(line["event_type"]).toEqual(expect.stringMatching(/^bazaar\./));
    }
  });

  it("the gateway's access log line and the order's agree on the request", () => {
    const [edge] = linesOf("gateway").filter((line) => line["route"] === "/api/orders");
    const [origin] = linesOf("order").filter((line) => line["route"] === "/api/orders");
    expect(edge).toMatchObject({ method: "POST", status: 202 });
    expect(origin).toMatchObject({ method: "POST", status: 202 });
  });
});
