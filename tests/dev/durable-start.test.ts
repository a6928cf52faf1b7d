/**
 * The embedded default loses nothing and heals itself (issue 15's bar), under plain `npm start`: while orders
 * flow through the gateway, shipping is killed with SIGKILL and then, while it is still down, the broker too.
 * The runner brings both back; the broker delivers from disk what it had accepted; every paid order is
 * shipped, and nothing waits in the dead letters.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, eventually, pause } from "../support/http";
import { freeOffset, startRunner, type Runner } from "../support/runner";
import { login, newProduct, newShopper, type Shopper } from "../support/shop";
import { ADMIN } from "../support/system";

describe("npm start with the embedded broker", () => {
  let dataDir: string;
  let runner: Runner;
  let admin: string;
  let shopper: Shopper;
  let productId: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "bazaar-durable-"));
    runner = startRunner({ offset: (await freeOffset()).offset, dataDir });
    await runner.waitFor(/^Bazaar is up: gateway http:/, 90_000);
    admin = await login(runner.urlOf("customer"), ADMIN.email, ADMIN.password);
    shopper = await newShopper(runner.urlOf("customer"));
    productId = await newProduct(runner.urlOf("inventory"), admin, 500);
  }, 120_000);

  afterAll(async () => {
    runner.process.kill("SIGINT");
    await Promise.race([runner.exited, pause(15_000)]);
    runner.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("ships every paid order after shipping and then the broker are killed (-9) while orders flow", async () => {
    const gateway = runner.urlOf("gateway");
    const placed: number[] = [];
    let flowing = true;
    const load = (async () => {
      while (flowing) {
        const answer = await call("POST", `${gateway}/api/orders`, {
          token: shopper.token,
          body: { product_id: productId, quantity: 1 },
        }).catch(() => undefined);
        if (answer?.status === 202) placed.push(answer.body.order_id as number);
        await pause(100);
      }
    })();

    await eventually(async () => (placed.length >= 5 ? true : undefined), 20_000, "orders flowing");
    process.kill(runner.pidOf("shipping"), "SIGKILL");
    await pause(1000); // confirmed orders' events pile up at the broker for shipping
    const brokerPid = runner.pidOf("broker");
    process.kill(brokerPid, "SIGKILL");
    await runner.waitFor(/^broker\s+\| back up after/, 30_000);
    await runner.waitFor(/^shipping\s+\| back up after/, 30_000);
    await pause(2000); // orders keep coming after both are back
    flowing = false;
    await load;
    expect(placed.length).toBeGreaterThan(10);

    const orders = await eventually(
      async () => {
        const { body } = await call("GET", `${gateway}/api/orders?limit=100`, { token: shopper.token });
        const list = body.orders as {
          id: number;
          status: string;
          payment_status: string;
          shipping_status: string;
        }[];
        const paid = list.filter((order) => order.payment_status === "captured");
        const settled =
          list.length === placed.length && paid.every((order) => order.shipping_status === "scheduled");
        return settled && paid.length === placed.length ? list : undefined;
      },
      60_000,
      "every paid order shipped",
    );
    expect(orders.map((order) => order.status).every((status) => status === "confirmed")).toBe(true);
    const letters = await call("GET", `${runner.urlOf("dead-letters")}/api/dead-letters`, { token: admin });
    expect(letters.body.total).toBe(0);
    // The broker says what it recovered from disk after the SIGKILL.
    const resumed = runner.find(
      /^broker\s+\| .*resuming the events an earlier broker process accepted.*deliveries=(\d+)/,
    );
    expect(Number(resumed?.[1])).toBeGreaterThan(0);
  }, 180_000);
});
