import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "../support/events";
import { call, eventually } from "../support/http";
import { adminToken, newProduct, product } from "../support/shop";
import { startSink } from "../support/sink";
import { startSystem, type System } from "../support/system";

/**
 * Nothing is dropped silently, end to end through the broker: an event its subscriber cannot process, and one
 * whose subscriber is down for longer than the retries last, both end up in the dead-letters function, where
 * an admin sees who failed with what, and can replay the second once its subscriber is back.
 */

let system: System;
let admin: string;

beforeAll(async () => {
  system = await startSystem({
    services: ["broker", "customer", "inventory", "notification", "dead-letters"],
    // 20 ms backoff: five retries take about 1.2 s before the broker gives up.
    env: { broker: { BROKER_BACKOFF_DELAY_MS: "20" } },
  });
  admin = await adminToken(system);
});
afterAll(() => system?.stop());

const publish = (type: string, data: unknown, id = randomUUID()) =>
  deliver(system.eventKeys, system.url("broker"), type, data, { id, source: "/bazaar/order" });

const lettersOf = async (eventId: string) =>
  (
    (await call("GET", `${system.url("dead-letters")}/api/dead-letters?limit=100`, { token: admin })).body
      .dead_letters as {
      id: number;
      event_id: string;
      error_dest: string;
      error_code: number;
      error_detail: string;
      replayed: boolean;
    }[]
  ).filter((d) => d.event_id === eventId);

describe("the dead-letter path", () => {
  it("dead-letters a malformed event at each subscriber that refused it, saying who and why", async () => {
    const id = randomUUID();
    expect((await publish("bazaar.order.placed", { order_id: "not a number" }, id)).status).toBe(202);
    // order.placed has two subscribers: inventory and notification. Each refuses it, each is dead-lettered.
    const letters = await eventually(
      async () => {
        const found = await lettersOf(id);
        return found.length === 2 ? found : undefined;
      },
      15_000,
      "two dead letters",
    );
    expect(letters.map((d) => d.error_dest).sort()).toEqual(
      [`${system.url("inventory")}/events`, `${system.url("notification")}/events`].sort(),
    );
    for (const letter of letters) {
      expect(letter.error_code).toBe(500);
      expect(letter.error_detail).toContain("event rejected");
      expect(letter.replayed).toBe(false);
    }
    // Replaying it as it is fails again, and says so; it stays waiting for an operator.
    const replay = await call(
      "POST",
      `${system.url("dead-letters")}/api/dead-letters/${letters[0]!.id}/replay`,
      { token: admin },
    );
    expect(replay.status).toBe(502);
    expect(replay.headers.get("content-type")).toBe("application/problem+json");
  });

  it("keeps a good event whose subscriber was down too long, and a replay applies it once", async () => {
    const productId = await newProduct(system.url("inventory"), admin, 5);
    const inventory = system.service("inventory");
    await inventory.stop("SIGKILL");
    const id = randomUUID();
    const order = {
      order_id: 880_001,
      customer_id: 1,
      items: [{ product_id: productId, quantity: 2, unit_price_cents: 100 }],
      total_cents: 200,
      payment_method: "tok_visa",
      shipping_address: null,
    };
    expect((await publish("bazaar.order.placed", order, id)).status).toBe(202);
    const [letter] = await eventually(
      async () => {
        const found = (await lettersOf(id)).filter((d) => d.error_dest.startsWith(system.url("inventory")));
        return found.length === 1 ? found : undefined;
      },
      15_000,
      "the dead letter of the unreachable inventory",
    );
    expect(letter!.error_code).toBeNull(); // no answer at all: no status to report

    await inventory.start();
    const replay = await call("POST", `${system.url("dead-letters")}/api/dead-letters/${letter!.id}/replay`, {
      token: admin,
    });
    expect(replay.status).toBe(200);
    expect((await product(system.url("inventory"), productId)).reserved).toBe(2);
    // A second replay is a duplicate at the subscriber: nothing is reserved twice.
    const again = await call("POST", `${system.url("dead-letters")}/api/dead-letters/${letter!.id}/replay`, {
      token: admin,
    });
    expect(again.status).toBe(200);
    expect((await product(system.url("inventory"), productId)).reserved).toBe(2);
    expect((await lettersOf(id)).find((d) => d.id === letter!.id)?.replayed).toBe(true);
  });

  it("stores a dead letter that names an outside destination, but never replays to it", async () => {
    // Whoever can POST to the intake chooses knativeerrordest; a server of theirs must get nothing.
    const outsider = await startSink();
    try {
      const id = randomUUID();
      const posted = await deliver(
        system.eventKeys,
        `${system.url("dead-letters")}/events`,
        "bazaar.order.placed",
        { order_id: 1 },
        {
          id,
          source: "/bazaar/order",
          extensions: { knativeerrordest: `${outsider.url}/steal`, knativeerrorcode: "500" },
        },
      );
      expect(posted.status).toBe(202);
      const [letter] = await lettersOf(id);
      const replay = await call(
        "POST",
        `${system.url("dead-letters")}/api/dead-letters/${letter!.id}/replay`,
        {
          token: admin,
        },
      );
      expect(replay.status).toBe(409);
      expect(replay.headers.get("content-type")).toBe("application/problem+json");
      expect(replay.body.detail).toContain(
        `${new URL(outsider.url).origin} is not a configured subscriber or broker`,
      );
      expect(replay.body.detail).toContain(system.url("inventory"));
      expect(outsider.events).toEqual([]);
      expect((await lettersOf(id))[0]).toMatchObject({ replayed: false });
    } finally {
      await outsider.stop();
    }
  });
});
