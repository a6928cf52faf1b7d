/**
 * `npm start -- --replicas=2` as a user runs it: two processes of every function behind a round-robin on the
 * function's port, the broker one. Issue 17's bar through the gateway: the original flow, compensation, no
 * oversell, idempotency and the placement rate limit; then a replica killed (-9) is restarted on its own while
 * its sibling serves, and Ctrl-C stops every process.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionNames } from "../../shared/config/services";
import { call, eventually } from "../support/http";
import { freeOffset, startRunner, type Runner } from "../support/runner";
import { login, newShopper, orderReaches, type Shopper } from "../support/shop";
import { ADMIN } from "../support/system";

const PLACEMENT_LIMIT = 3;

describe("npm start -- --replicas=2", () => {
  let dataDir: string;
  let runner: Runner;
  let gateway: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "bazaar-replicas-"));
    const { offset } = await freeOffset(undefined, 2);
    runner = startRunner({
      offset,
      dataDir,
      args: ["--replicas=2"],
      env: { RATE_LIMIT_ORDER_PLACEMENT: String(PLACEMENT_LIMIT), PAYMENT_SLOW_MS: "200" },
    });
    gateway = runner.urlOf("gateway");
    await runner.waitFor(/^Bazaar is up: gateway http:\S+ \(2 replicas of each function\)/, 100_000);
  }, 110_000);

  afterAll(() => {
    runner.kill(); // a failed test may leave the runner up
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Registered at the customer function itself: through the gateway, the auth limit (10 a minute per address)
  // would stop a test that needs more shoppers than that.
  const shopper = (): Promise<Shopper> => newShopper(runner.urlOf("customer"));
  const place = (who: Shopper, body: unknown, headers: Record<string, string> = {}) =>
    call("POST", `${gateway}/api/orders`, { token: who.token, body, headers });

  it("starts two supervised processes of every function and one broker", () => {
    for (const name of functionNames)
      for (const replica of [1, 2])
        expect(runner.pidOf(`${name}-${replica}`), `${name}-${replica}`).toBeGreaterThan(0);
    expect(runner.pidOf("broker")).toBeGreaterThan(0);
    expect(runner.find(/^broker-\d/)).toBeUndefined();
  });

  it("keeps the original flow, compensation and idempotency through the gateway", async () => {
    const ann = await shopper();
    const placed = await place(ann, { product_id: 1, quantity: 1 });
    expect(placed.status).toBe(202);
    expect(placed.body).toMatchObject({ product_id: 1, quantity: 1, status: "pending", total_price: 1200 });
    expect((await orderReaches(gateway, placed.body.order_id, ann.token, ["confirmed"])).payment_status).toBe(
      "captured",
    );

    const declined = await place(ann, { product_id: 2, quantity: 1, payment_method: "tok_chargeDeclined" });
    expect(
      (await orderReaches(gateway, declined.body.order_id, ann.token, ["cancelled"])).payment_status,
    ).toBe("failed");

    const bob = await shopper();
    const key = { "idempotency-key": `replicas-${randomUUID()}` };
    const retries = await Promise.all([1, 2, 3].map(() => place(bob, { product_id: 3, quantity: 1 }, key)));
    expect(retries.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(retries.map((r) => r.body.order_id)).size).toBe(1);
  });

  it("sells the last units once, to concurrent shoppers on both order and inventory replicas", async () => {
    const admin = await login(gateway, ADMIN.email, ADMIN.password);
    const created = await call("POST", `${gateway}/api/products`, {
      token: admin,
      body: {
        name: "Last ones",
        description: "two left",
        price: 5,
        quantity: 2,
        sku: `L-${randomUUID().slice(0, 8)}`,
      },
    });
    expect(created.status).toBe(201);
    const buyers = await Promise.all([1, 2, 3, 4, 5].map(() => shopper()));
    const placed = await Promise.all(
      buyers.map((b) => place(b, { product_id: created.body.id, quantity: 1 })),
    );
    const outcomes = await Promise.all(
      placed
        .map((p, i) => ({ p, buyer: buyers[i]! }))
        .filter(({ p }) => p.status === 202)
        .map(({ p, buyer }) =>
          orderReaches(gateway, p.body.order_id, buyer.token, ["confirmed", "rejected", "cancelled"]),
        ),
    );
    expect(outcomes.filter((o) => o.status === "confirmed")).toHaveLength(2);
    const stock = await eventually(async () => {
      const p = (await call("GET", `${gateway}/api/products/${created.body.id}`)).body;
      return p.reserved === 0 ? p : undefined;
    });
    expect(stock).toMatchObject({ quantity: 0, available: 0 });
  });

  it("gives a user the placement limit once across both gateway replicas", async () => {
    const carol = await shopper();
    const statuses: number[] = [];
    for (let i = 0; i < PLACEMENT_LIMIT * 2; i++)
      statuses.push((await place(carol, { product_id: 4, quantity: 1 })).status);
    expect(statuses).toEqual([
      ...Array<number>(PLACEMENT_LIMIT).fill(202),
      ...Array<number>(PLACEMENT_LIMIT).fill(429),
    ]);
  });

  it("restarts a replica killed with SIGKILL while its sibling keeps the function answering", async () => {
    const pid = runner.pidOf("order-1");
    process.kill(pid, "SIGKILL");
    const dan = await shopper();
    const placed = await place(dan, { product_id: 5, quantity: 1 });
    expect(placed.status).toBe(202);
    await runner.waitFor(/^order-1\s+\| back up after \d+\.\d s \(pid \d+\)$/, 30_000);
    expect(runner.pidOf("order-1")).not.toBe(pid);
    await orderReaches(gateway, placed.body.order_id, dan.token, ["confirmed"]);
  }, 40_000);

  it("stops every process on SIGINT and exits 0", async () => {
    runner.process.kill("SIGINT");
    expect(await runner.exited).toBe(0);
    for (const name of ["order-1", "order-2", "gateway-2", "broker"])
      expect(runner.find(new RegExp(`^${name}\\s+\\| .* draining signal=SIGTERM`)), name).toBeDefined();
  }, 30_000);
});
