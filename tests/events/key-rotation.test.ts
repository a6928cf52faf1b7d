/**
 * Rotating a producer's event key under `npm start` wiring, as knative/README.md describes it for a cluster:
 * the new public key joins the old one, the producer switches, events in flight and stored dead letters that
 * the old key signed still count, and once the old public key is dropped they no longer do.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices } from "../../scripts/dev/services";
import { defaultEventKeysDir } from "../../shared/events";
import { call, eventually } from "../support/http";
import { adminToken, newProduct, newShopper, orderReaches, type Shopper } from "../support/shop";
import { startSystem, type System } from "../support/system";

let system: System;
let admin: string;
let shopper: Shopper;
let productId: number;

beforeAll(async () => {
  system = await startSystem({
    services: devServices.filter((s) => s !== "gateway"),
    env: { broker: { BROKER_BACKOFF_DELAY_MS: "20" }, payment: { PAYMENT_SLOW_MS: "0" } },
  });
  admin = await adminToken(system);
  shopper = await newShopper(system.url("customer"));
  productId = await newProduct(system.url("inventory"), admin, 10);
});
afterAll(() => system?.stop());

const orderKeysFile = () => join(defaultEventKeysDir(system.dataDir), "order.json");
const orderKids = () =>
  (JSON.parse(readFileSync(orderKeysFile(), "utf8")) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

async function placeAndConfirm(): Promise<number> {
  const placed = await call("POST", `${system.url("order")}/api/orders`, {
    token: shopper.token,
    body: { product_id: productId, quantity: 1 },
  });
  expect(placed.status).toBe(202);
  await orderReaches(system.url("order"), placed.body.order_id, shopper.token, ["confirmed"]);
  return placed.body.order_id;
}

/** The dead letter of order.placed for `orderId` at the notification function, once the broker gave up. */
const deadLetterOf = (orderId: number) =>
  eventually(
    async () => {
      const { body } = await call("GET", `${system.url("dead-letters")}/api/dead-letters?limit=100`, {
        token: admin,
      });
      return (body.dead_letters as { id: number; event_type: string; subject: string }[]).find(
        (d) => d.event_type === "bazaar.order.placed" && d.subject === String(orderId),
      );
    },
    15_000,
    `the dead letter of order ${orderId}`,
  );
const replay = (id: number) =>
  call("POST", `${system.url("dead-letters")}/api/dead-letters/${id}/replay`, { token: admin });

describe("an event key rotation", () => {
  it("keeps old-key events and dead letters valid until the old key is dropped", async () => {
    // Dead letters signed by the old key: notification is down while two orders go through.
    await system.service("notification").stop();
    const keptId = await placeAndConfirm();
    const droppedId = await placeAndConfirm();
    const kept = await deadLetterOf(keptId);
    const dropped = await deadLetterOf(droppedId);
    await system.service("notification").start();
    const [oldKid] = orderKids();

    // 1-2. A new key: the order function (restarted without its key file) publishes the new public key beside
    // the old one and signs with the new one from now on.
    await system.service("order").stop();
    rmSync(join(system.dataDir, "keys", "order-event-key.json"));
    await system.service("order").start();
    const kids = orderKids();
    expect(kids).toHaveLength(2);
    expect(kids[0]).toBe(oldKid);

    // New-key events flow through the whole saga; the old key's dead letter still replays.
    await placeAndConfirm();
    expect((await replay(kept.id)).status).toBe(200);

    // 3. The old public key is dropped (a receiver re-reads within a minute; the restart makes it now).
    const { keys } = JSON.parse(readFileSync(orderKeysFile(), "utf8")) as { keys: object[] };
    writeFileSync(orderKeysFile(), JSON.stringify({ keys: keys.slice(1) }));
    await system.service("dead-letters").stop();
    await system.service("dead-letters").start();
    const refused = await replay(dropped.id);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(
      `dead letter ${dropped.id} is not replayed: its signature fails (unknown key)`,
    );
    await placeAndConfirm();
  });
});
