/**
 * The shop with two replicas of every function (the broker stays one), each pair on one database, behind a
 * round-robin per function, as `npm start -- --replicas=2` runs it and Knative scales out: the original flow,
 * compensation, no oversell, idempotency, a closed account and the placement rate limit must all hold, and the
 * replicas' logs must show nothing done twice (no event acted on twice, no payment charged twice).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices, type DevService } from "../scripts/dev/services";
import { call, eventually } from "./support/http";
import { checkInvariants, fetchSnapshot } from "./support/invariants";
import { adminToken, newProduct, newShopper, orderReaches, product } from "./support/shop";
import { startSystem, type System } from "./support/system";

const PLACEMENT_LIMIT = 4;

/** The JSON lines of every replica of a function. */
const linesOf = (system: System, name: DevService): Record<string, unknown>[] =>
  system
    .replicas(name)
    .flatMap((replica) => replica.logs)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });

/** Values that appear more than once among the lines matching `pick`. */
function repeated(
  lines: Record<string, unknown>[],
  pick: (line: Record<string, unknown>) => unknown,
): unknown[] {
  const seen = new Map<unknown, number>();
  for (const line of lines) {
    const value = pick(line);
    if (value !== undefined) seen.set(value, (seen.get(value) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([value]) => value);
}

describe("the shop with two replicas of every function", () => {
  let system: System;
  let admin: string;
  const productIds: number[] = [];

  beforeAll(async () => {
    system = await startSystem({
      services: [...devServices],
      replicas: 2,
      env: {
        broker: { BROKER_BACKOFF_DELAY_MS: "300" },
        payment: { PAYMENT_SLOW_MS: "200" },
        gateway: { RATE_LIMIT_ORDER_PLACEMENT: String(PLACEMENT_LIMIT) },
      },
    });
    admin = await adminToken(system);
  }, 120_000);
  afterAll(() => system?.stop());

  it("runs two processes of each function, each answering on its own port", async () => {
    for (const name of devServices) {
      const replicas = system.replicas(name);
      expect(replicas.length, name).toBe(name === "broker" ? 1 : 2);
      for (const replica of replicas)
        expect((await call("GET", `${replica.url}/readyz`)).body, name).toMatchObject({ service: name });
    }
  });

  it("serves the original README's flow through the gateway, unchanged", async () => {
    const gateway = system.url("gateway");
    const email = `readme-${randomUUID().slice(0, 8)}@example.com`;
    const registered = await call("POST", `${gateway}/auth/register`, {
      body: { name: "Ann", email, password: "a-good-password" },
    });
    expect(registered.status).toBe(201);
    const login = await call("POST", `${gateway}/auth/login`, {
      body: { email, password: "a-good-password" },
    });
    expect(login.status).toBe(200);
    const placed = await call("POST", `${gateway}/api/orders`, {
      token: login.body.token,
      body: { product_id: 1, quantity: 1 },
    });
    expect(placed.status).toBe(202);
    const order = await orderReaches(gateway, placed.body.order_id, login.body.token, ["confirmed"]);
    expect(order.payment_status).toBe("captured");
  });

  it("compensates a declined card: the order is cancelled and its stock released", async () => {
    const shopper = await newShopper(system.url("customer"));
    const productId = await newProduct(system.url("inventory"), admin, 5, 9);
    productIds.push(productId);
    const placed = await call("POST", `${system.url("gateway")}/api/orders`, {
      token: shopper.token,
      body: { product_id: productId, quantity: 2, payment_method: "tok_chargeDeclined" },
    });
    expect(placed.status).toBe(202);
    const order = await orderReaches(system.url("order"), placed.body.order_id, shopper.token, ["cancelled"]);
    expect(order.payment_status).toBe("failed");
    await eventually(async () => {
      const stock = await product(system.url("inventory"), productId);
      return stock.quantity === 5 && stock.reserved === 0 ? stock : undefined;
    });
  });

  it("gives the last units to exactly as many of many concurrent orders", async () => {
    const productId = await newProduct(system.url("inventory"), admin, 3, 4);
    productIds.push(productId);
    const shoppers = await Promise.all(Array.from({ length: 8 }, () => newShopper(system.url("customer"))));
    // Straight to the order function's round-robin: both order replicas place, both inventory replicas reserve.
    const placed = await Promise.all(
      shoppers.map((s) =>
        call("POST", `${system.url("order")}/api/orders`, {
          token: s.token,
          body: { product_id: productId, quantity: 1 },
        }),
      ),
    );
    const accepted = placed.filter((p) => p.status === 202);
    const settled = await Promise.all(
      accepted.map((p, i) =>
        orderReaches(system.url("order"), p.body.order_id, shoppers[placed.indexOf(p)]?.token ?? "", [
          "confirmed",
          "rejected",
          "cancelled",
        ]).then((o) => ({ i, status: o.status as string })),
      ),
    );
    expect(settled.filter((o) => o.status === "confirmed")).toHaveLength(3);
    const stock = await eventually(async () => {
      const p = await product(system.url("inventory"), productId);
      return p.reserved === 0 ? p : undefined;
    });
    expect(stock).toMatchObject({ quantity: 0, available: 0 });
  });

  it("answers one Idempotency-Key with the same order, whichever gateway and order replica each retry reaches", async () => {
    const shopper = await newShopper(system.url("customer"));
    const headers = { "idempotency-key": `retry-${randomUUID()}` };
    const body = { product_id: 2, quantity: 1 };
    const gateway = system.url("gateway");
    const answers = await Promise.all(
      Array.from({ length: PLACEMENT_LIMIT }, () =>
        call("POST", `${gateway}/api/orders`, { token: shopper.token, body, headers }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array<number>(PLACEMENT_LIMIT).fill(202));
    expect(new Set(answers.map((a) => a.body.order_id)).size).toBe(1);
    const listed = await call("GET", `${gateway}/api/orders`, { token: shopper.token });
    expect(listed.body.total).toBe(1);
  });

  it("holds one placement rate limit across both gateway replicas", async () => {
    const shopper = await newShopper(system.url("customer"));
    const gateway = system.url("gateway");
    const statuses: number[] = [];
    // One at a time, so the round-robin alternates the replicas: each one alone would allow the limit again.
    for (let i = 0; i < PLACEMENT_LIMIT * 2 + 1; i++) {
      const answer = await call("POST", `${gateway}/api/orders`, {
        token: shopper.token,
        body: { product_id: 3, quantity: 1 },
      });
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(answer.headers.get("ratelimit-remaining")).toBe("0");
      }
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(PLACEMENT_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(PLACEMENT_LIMIT + 1);
  });

  it("refuses a closed account's token at every replica of every function that serves customers", async () => {
    const doomed = await newShopper(system.url("customer"));
    const paths: Partial<Record<DevService, string>> = {
      order: "/api/orders",
      payment: "/api/payments",
      shipping: "/api/shipments",
      notification: "/api/notifications",
    };
    const everyReplica = Object.entries(paths).flatMap(([name, path]) =>
      system.replicas(name as DevService).map((replica) => `${replica.url}${path}`),
    );
    for (const url of everyReplica)
      expect((await call("GET", url, { token: doomed.token })).status, url).toBe(200);
    const deleted = await call("DELETE", `${system.url("gateway")}/api/customers/${doomed.id}`, {
      token: doomed.token,
    });
    expect(deleted.status).toBe(200);
    for (const url of everyReplica)
      await eventually(
        async () => ((await call("GET", url, { token: doomed.token })).status === 401 ? true : undefined),
        15_000,
        `${url} to refuse the closed account`,
      );
  });

  it("did nothing twice: no event acted on twice, no payment charged twice, every invariant holds", async () => {
    const sources = {
      order: system.url("order"),
      inventory: system.url("inventory"),
      payment: system.url("payment"),
      shipping: system.url("shipping"),
      deadLetters: system.url("dead-letters"),
    };
    const snapshot = await eventually(async () => {
      const read = await fetchSnapshot(sources, admin, { productIds, timelines: true });
      const pending = read.orders.some((o) => !["confirmed", "rejected", "cancelled"].includes(o.status));
      return pending ? undefined : read;
    }, 30_000);
    expect(
      checkInvariants(snapshot, {
        initialStock: Object.fromEntries(productIds.map((id) => [id, id === productIds[0] ? 5 : 3])),
        customers: undefined,
        acceptedOrders: snapshot.orders.map((o) => o.id),
        unansweredPlacements: 0,
      }).filter(
        (v) => v.invariant !== "stock-balance" || productIds.includes(Number(v.subject.split(" ")[1])),
      ),
    ).toEqual([]);

    for (const name of devServices.filter((s) => s !== "broker" && s !== "gateway")) {
      // Both replicas of a consumer receive events; each event must have changed things at most once.
      const applied = linesOf(system, name).filter(
        (l) => l["msg"] === "event handled" && l["outcome"] === "applied",
      );
      expect(
        repeated(applied, (l) => `${String(l["event_source"] ?? "")}|${String(l["event_id"])}`),
        name,
      ).toEqual([]);
    }
    const charges = linesOf(system, "payment").filter((l) =>
      [
        "payment settled",
        "the order was cancelled while the charge was under way; the charge is voided",
      ].includes(String(l["msg"])),
    );
    expect(charges.length).toBeGreaterThan(5);
    expect(repeated(charges, (l) => l["payment_id"])).toEqual([]);
    // Both replicas of each function took part.
    for (const name of ["order", "payment", "inventory"] as const)
      for (const replica of system.replicas(name))
        expect(
          replica.logs.some((line) => line.includes('"event handled"')),
          `${name} ${replica.url}`,
        ).toBe(true);
  });
});
