import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./support/http";
import { ADMIN, startSystem, type System } from "./support/system";

let system: System;
let deadLetters: string;
let admin: string;
let customer: string;

/** The subscriber that failed, now healthy: it records what a replay sends. */
let target: Server;
let targetUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

const login = async (email: string, password: string): Promise<string> =>
  (await call("POST", `${system.url("customer")}/auth/login`, { body: { email, password } })).body.token;

const original = {
  "ce-specversion": "1.0",
  "ce-id": "5f0c9a52-1d5e-4c1e-9a53-0c7c8b7d2a11",
  "ce-source": "/bazaar/order",
  "ce-type": "bazaar.order.confirmed",
  "ce-subject": "42",
  "ce-correlationid": "corr-dead-letter",
  "content-type": "application/json",
};
const data = JSON.stringify({ order_id: 42, customer_id: 7, items: [], total_cents: 100 });

beforeAll(async () => {
  target = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/events`;

  system = await startSystem({ services: ["customer", "dead-letters"] });
  deadLetters = system.url("dead-letters");
  admin = await login(ADMIN.email, ADMIN.password);
  await call("POST", `${system.url("customer")}/auth/register`, {
    body: { name: "Cy", email: "cy@example.com", password: "a long password" },
  });
  customer = await login("cy@example.com", "a long password");
});
afterAll(async () => {
  await system?.stop();
  await new Promise((resolve) => target?.close(resolve));
});

describe("dead-letters", () => {
  it("stores a dead-lettered event once and lists it for admins only", async () => {
    const headers = {
      ...original,
      "ce-knativeerrordest": targetUrl,
      "ce-knativeerrorcode": "500",
      "ce-knativeerrordata": Buffer.from("handler failed").toString("base64"),
    };
    expect((await call("POST", deadLetters, { headers, raw: data })).status).toBe(202);
    expect((await call("POST", `${deadLetters}/events`, { headers, raw: data })).status).toBe(202);

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

    expect(received).toHaveLength(1);
    const [event] = received;
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
