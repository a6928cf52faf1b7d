import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "./support/events";
import { call } from "./support/http";
import { adminToken, newShopper } from "./support/shop";
import { startSink, type Sink } from "./support/sink";
import { startSystem, type System } from "./support/system";

let system: System;
let deadLetters: string;
let admin: string;
let customer: string;

/** The subscriber that failed, now healthy: it records what a replay sends. */
let target: Sink;
let targetUrl: string;

/** The original event's attributes, as its subscriber saw them. */
const original = {
  "ce-id": "5f0c9a52-1d5e-4c1e-9a53-0c7c8b7d2a11",
  "ce-source": "/bazaar/order",
  "ce-type": "bazaar.order.confirmed",
  "ce-subject": "42",
  "ce-correlationid": "corr-dead-letter",
};
const payload = { order_id: 42, customer_id: 7, items: [], total_cents: 100 };
const data = JSON.stringify(payload);

beforeAll(async () => {
  target = await startSink();
  targetUrl = `${target.url}/events`;

  // The sink plays the order function: replays go only to configured subscribers.
  system = await startSystem({
    services: ["customer", "dead-letters"],
    env: { "dead-letters": { ORDER_URL: target.url } },
  });
  deadLetters = system.url("dead-letters");
  admin = await adminToken(system);
  customer = (await newShopper(system.url("customer"))).token;
});
afterAll(async () => {
  await system?.stop();
  await target?.stop();
});

describe("dead-letters", () => {
  it("stores a dead-lettered event once and lists it for admins only", async () => {
    /** The original event as the broker's dead-letter sink receives it, with the knativeerror* extensions. */
    const deadLetter = (url: string) =>
      deliver(system.eventKeys, url, original["ce-type"], payload, {
        id: original["ce-id"],
        source: original["ce-source"],
        subject: original["ce-subject"],
        extensions: {
          correlationid: original["ce-correlationid"],
          knativeerrordest: targetUrl,
          knativeerrorcode: "500",
          knativeerrordata: Buffer.from("handler failed").toString("base64"),
        },
      });
    expect((await deadLetter(deadLetters)).status).toBe(202);
    expect((await deadLetter(`${deadLetters}/events`)).status).toBe(202);

    const list = await call("GET", `${deadLetters}/api/dead-letters`, { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.dead_letters[0]).toMatchObject({
      event_id: original["ce-id"],
      event_type: "bazaar.order.confirmed",
      error_dest: targetUrl,
      error_code: 500,
      error_detail: "handler failed",
      data,
      replayed: false,
    });
    expect((await call("GET", `${deadLetters}/api/dead-letters`, { token: customer })).status).toBe(403);
    expect((await call("GET", `${deadLetters}/api/dead-letters`)).status).toBe(401);
  });

  it("replays the original event to the subscriber that failed", async () => {
    const [letter] = (await call("GET", `${deadLetters}/api/dead-letters`, { token: admin })).body
      .dead_letters;
    const replay = await call("POST", `${deadLetters}/api/dead-letters/${letter.id}/replay`, {
      token: admin,
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: true, status: 202 });

    expect(target.events).toHaveLength(1);
    const [event] = target.events;
    expect(event!.body).toBe(data);
    expect(event!.headers).toMatchObject({
      "ce-id": original["ce-id"],
      "ce-source": "/bazaar/order",
      "ce-type": "bazaar.order.confirmed",
      "ce-subject": "42",
      "ce-correlationid": "corr-dead-letter",
    });
    expect(Object.keys(event!.headers).some((name) => name.startsWith("ce-knativeerror"))).toBe(false);

    const after = await call("GET", `${deadLetters}/api/dead-letters/${letter.id}`, { token: admin });
    expect(after.body).toMatchObject({ replayed: true, replay_count: 1, last_replay_status: 202 });
    const metrics = await call("GET", `${deadLetters}/metrics`);
    expect(metrics.body).toMatch(/dead_letters_total\{type="bazaar\.order\.confirmed"[^}]*\} 1/);
    expect(metrics.body).toMatch(/dead_letters_unreplayed\{[^}]*\} 0/);
  });
});
