import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isEventType, producerOf, type Producer } from "@bazaar/shared/events";
import {
  createTestKit,
  signedEvent,
  signedHeaders,
  startSink,
  withApp,
  type AppTestKit,
  type Sink,
} from "@bazaar/shared/testing";
import { createApp } from "./app";
import { migrationsFolder, schema, type DeadLettersSchema } from "./db";
import { deadLetters } from "./db/schema";
import { createReplayer, type Replayer } from "./domain/replay";
import { createReplayTargets } from "./domain/replay-targets";

let t: AppTestKit<DeadLettersSchema>;
let replayer: Replayer;
let admin: string;

/** A subscriber stand-in: records what it receives and answers with `targetStatus`. */
let target: Sink;
let targetStatus = 202;

beforeAll(async () => {
  const kit = await createTestKit({
    service: "dead-letters",
    schema,
    migrationsFolder,
    bodyLimitBytes: 1024 * 1024,
  });
  replayer = createReplayer({ timeoutMs: 1000, metrics: kit.metrics });
  target = await startSink({ answer: () => targetStatus });
  // The sink stands in for the subscribers and the broker; port 9 for a subscriber that is down.
  const replayTargets = createReplayTargets([target.url, "http://127.0.0.1:9"]);
  t = withApp(kit, createApp({ ...kit, replayer, replayTargets, fallbackTarget: `${target.url}/broker` }));
  admin = await t.tokenFor("admin");
});
afterAll(async () => {
  replayer.shutdown();
  await target?.stop();
  t.close();
});
beforeEach(async () => {
  await t.database.write((tx) => tx.delete(deadLetters));
  targetStatus = 202;
  target.events.length = 0;
});

/** A dead letter as the broker delivers it, signed by its producer (or by `signer`; null: not signed at all). */
const deadLetter = (
  overrides: Record<string, string> = {},
  body = '{"order_id":12,"customer_id":3}',
  signer?: Producer | null,
): Record<string, string> & { body: string } => {
  const headers = unsignedLetter(overrides);
  const type = headers["ce-type"] ?? "";
  const producer = signer === undefined ? (isEventType(type) ? producerOf[type] : "order") : signer;
  return { ...(producer ? signedHeaders(headers, body, t.signing.keyOf(producer)) : headers), body };
};
const unsignedLetter = (overrides: Record<string, string>): Record<string, string> => ({
  "ce-specversion": "1.0",
  "ce-id": "evt-1",
  "ce-source": "/bazaar/order",
  "ce-type": "bazaar.order.confirmed",
  "ce-subject": "12",
  "ce-traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  "ce-correlationid": "corr-1",
  "ce-knativeerrordest": `${target.url}/events`,
  "ce-knativeerrorcode": "500",
  "ce-knativeerrordata": Buffer.from('{"detail":"boom"}').toString("base64"),
  "content-type": "application/json",
  ...overrides,
});
const send = (path: string, letter: Record<string, string> & { body: string }) => {
  const { body, ...headers } = letter;
  return t.app.request(path, { method: "POST", headers, body });
};
/** As the admin unless told otherwise; null: no token at all. */
const api = async (method: string, path: string, as: string | null = admin) => {
  const response = await t.request(method, path, { token: as ?? undefined });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
};
const storedId = async () => (await api("GET", "/api/dead-letters")).body.dead_letters[0].id as number;

describe("intake", () => {
  it("stores a dead letter once, on / and on /events alike, answering 202 both times", async () => {
    const first = await send("/", deadLetter());
    expect(first.status).toBe(202);
    expect(first.headers.get("x-bazaar-outcome")).toBe("stored");
    const again = await send("/events", deadLetter());
    expect(again.status).toBe(202);
    expect(again.headers.get("x-bazaar-outcome")).toBe("duplicate");

    const { body } = await api("GET", "/api/dead-letters");
    expect(body.total).toBe(1);
    expect(body.dead_letters[0]).toMatchObject({
      event_id: "evt-1",
      event_source: "/bazaar/order",
      event_type: "bazaar.order.confirmed",
      subject: "12",
      data: '{"order_id":12,"customer_id":3}',
      error_dest: `${target.url}/events`,
      error_code: 500,
      error_detail: '{"detail":"boom"}',
      extensions: { traceparent: expect.any(String), correlationid: "corr-1", specversion: "1.0" },
      replayed: false,
      replay_count: 0,
    });
  });

  it("keeps the same event failed at two subscribers, and one without a subscriber, apart", async () => {
    await send("/events", deadLetter());
    await send("/events", deadLetter({ "ce-knativeerrordest": "http://payment.bazaar.svc/events" }));
    const { "ce-knativeerrordest": _dest, ...withoutDest } = deadLetter();
    await send("/events", withoutDest);
    await send("/events", withoutDest);
    const { body } = await api("GET", "/api/dead-letters");
    expect(body.dead_letters.map((d: any) => d.error_dest)).toEqual([
      null,
      "http://payment.bazaar.svc/events",
      `${target.url}/events`,
    ]);
  });

  it("takes data that does not even parse, as its producer signed it, but refuses what is not a CloudEvent", async () => {
    const odd = await send(
      "/",
      deadLetter(
        { "ce-type": "bazaar.shipment.cancelled", "ce-source": "/bazaar/shipping", "ce-id": "x" },
        "{broken",
      ),
    );
    expect(odd.status).toBe(202);
    const stored = await api("GET", "/api/dead-letters?type=bazaar.shipment.cancelled");
    expect(stored.body.dead_letters[0].data).toBe("{broken");
    const notAnEvent = await t.app.request("/events", { method: "POST", body: "{}" });
    expect(notAnEvent.status).toBe(400);
  });

  it("refuses (403) and does not store a letter its producer did not sign, so no forgery waits for replay", async () => {
    const forgeries = [
      deadLetter({ "ce-id": "forged-1" }, undefined, null),
      deadLetter({ "ce-id": "forged-2" }, undefined, "payment"),
      deadLetter({ "ce-id": "forged-3", "ce-type": "com.example.other" }, undefined, "order"),
      { ...deadLetter({ "ce-id": "forged-4" }), body: '{"order_id":13,"customer_id":3}' },
    ];
    for (const letter of forgeries) {
      const answer = await send("/events", letter);
      expect(answer.status, letter["ce-id"]).toBe(403);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await api("GET", "/api/dead-letters")).body.total).toBe(0);
    expect(await t.metrics.registry.metrics()).toMatch(
      /events_refused_total\{type="bazaar\.order\.confirmed",reason="unsigned"/,
    );
  });

  it("counts new dead letters by type and exports the backlog", async () => {
    const letter = {
      "ce-id": "metric-1",
      "ce-type": "bazaar.payment.refunded",
      "ce-source": "/bazaar/payment",
    };
    for (const _delivery of [1, 2]) await send("/", deadLetter(letter));
    const text = await t.metrics.registry.metrics();
    expect(text).toMatch(/dead_letters_total\{type="bazaar\.payment\.refunded",service="dead-letters"\} 1\n/);
    expect(text).toMatch(/dead_letters_unreplayed\{service="dead-letters"\} 1\n/);
  });
});

describe("staff and admin API", () => {
  it("is closed to anonymous callers and customers", async () => {
    await send("/", deadLetter());
    expect((await api("GET", "/api/dead-letters", null)).status).toBe(401);
    const customer = await t.tokenFor("customer");
    const refused = await api("GET", "/api/dead-letters", customer);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect((await api("POST", `/api/dead-letters/1/replay`, customer)).status).toBe(403);
    expect(target.events).toEqual([]);
  });

  it("lets staff list, inspect and replay, but leaves discarding to admins", async () => {
    await send("/", deadLetter());
    const staff = await t.tokenFor("staff");
    const { body } = await api("GET", "/api/dead-letters", staff);
    const id = body.dead_letters[0].id as number;
    expect((await api("GET", `/api/dead-letters/${id}`, staff)).body).toMatchObject({
      id,
      event_id: "evt-1",
    });
    expect((await api("POST", `/api/dead-letters/${id}/replay`, staff)).body).toMatchObject({
      replayed: true,
    });
    expect(target.events).toHaveLength(1);
    const discard = await api("DELETE", `/api/dead-letters/${id}`, staff);
    expect(discard.status).toBe(403);
    expect(discard.body.detail).toBe("role staff may not do this");
    expect((await api("GET", `/api/dead-letters/${id}`)).body).toMatchObject({ id, replay_count: 1 });
  });

  it("shows one, and 404 for an unknown id", async () => {
    await send("/", deadLetter());
    const id = await storedId();
    expect((await api("GET", `/api/dead-letters/${id}`)).body).toMatchObject({ id, event_id: "evt-1" });
    expect((await api("GET", "/api/dead-letters/424242")).status).toBe(404);
    expect((await api("GET", "/api/dead-letters/abc")).status).toBe(400);
  });

  it("replays the original event in binary mode to the subscriber that failed", async () => {
    await send("/", deadLetter());
    const id = await storedId();
    const replay = await api("POST", `/api/dead-letters/${id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ replayed: true, status: 202, target: `${target.url}/events` });

    expect(target.events).toHaveLength(1);
    const [received] = target.events;
    expect(received!.path).toBe("/events");
    expect(received!.body).toBe('{"order_id":12,"customer_id":3}');
    expect(received!.headers).toMatchObject({
      "ce-id": "evt-1",
      "ce-source": "/bazaar/order",
      "ce-type": "bazaar.order.confirmed",
      "ce-subject": "12",
      "ce-traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "ce-correlationid": "corr-1",
      "content-type": "application/json",
      "ce-signaturekey": t.signing.keyOf("order").kid,
    });
    expect(Object.keys(received!.headers).filter((h) => h.startsWith("ce-knativeerror"))).toEqual([]);

    const after = (await api("GET", `/api/dead-letters/${id}`)).body;
    expect(after).toMatchObject({ replayed: true, replay_count: 1, last_replay_status: 202 });
    expect(after.last_replayed_at).toEqual(expect.any(String));
    expect((await api("GET", "/api/dead-letters?replayed=false")).body.total).toBe(0);
    expect((await api("GET", "/api/dead-letters?replayed=true")).body.total).toBe(1);
  });

  it("replays a letter only while its producer's signature still verifies (409 once it does not)", async () => {
    await send("/", deadLetter());
    const id = await storedId();
    await t.database.write((tx) => tx.update(deadLetters).set({ data: '{"order_id":13,"customer_id":3}' }));
    const refused = await api("POST", `/api/dead-letters/${id}/replay`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(
      `dead letter ${id} is not replayed: its signature fails (bad signature)`,
    );
    expect(target.events).toEqual([]);
  });

  it("replays a dead letter without a subscriber to K_SINK", async () => {
    const { "ce-knativeerrordest": _dest, ...withoutDest } = deadLetter();
    await send("/", withoutDest);
    const replay = await api("POST", `/api/dead-letters/${await storedId()}/replay`);
    expect(replay.body).toMatchObject({ replayed: true, target: `${target.url}/broker` });
    expect(target.events.map((r) => r.path)).toEqual(["/broker"]);
  });

  it("answers 502 when the target refuses, and records the attempt", async () => {
    await send("/", deadLetter());
    const id = await storedId();
    targetStatus = 503;
    const failed = await api("POST", `/api/dead-letters/${id}/replay`);
    expect(failed.status).toBe(502);
    expect(failed.headers.get("content-type")).toBe("application/problem+json");
    expect(failed.body).toMatchObject({
      status: 502,
      target_status: 503,
      detail: expect.stringMatching(/503/),
    });
    expect((await api("GET", `/api/dead-letters/${id}`)).body).toMatchObject({
      replayed: false,
      replay_count: 1,
      last_replay_status: 503,
    });
    expect((await api("GET", "/api/dead-letters?replayed=false")).body.total).toBe(1);
  });

  it("answers 502 when the target cannot be reached", async () => {
    await send("/", deadLetter({ "ce-knativeerrordest": "http://127.0.0.1:9/events" }));
    const id = await storedId();
    const failed = await api("POST", `/api/dead-letters/${id}/replay`);
    expect(failed.status).toBe(502);
    expect(failed.body.target_status).toBeNull();
    expect((await api("GET", `/api/dead-letters/${id}`)).body).toMatchObject({
      replay_count: 1,
      last_replay_status: null,
      last_replay_error: expect.stringMatching(/could not reach/),
    });
  });

  it("stores a dead letter whose destination is not a configured origin, but refuses to replay it (409)", async () => {
    const elsewhere = "http://169.254.169.254/latest/meta-data/";
    expect((await send("/", deadLetter({ "ce-knativeerrordest": elsewhere }))).status).toBe(202);
    const id = await storedId();
    const refused = await api("POST", `/api/dead-letters/${id}/replay`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.body.detail).toBe(
      `dead letter ${id} is not replayed to ${elsewhere}: http://169.254.169.254 is not a configured subscriber or broker (replays go only to ${target.url}, http://127.0.0.1:9)`,
    );
    expect((await api("GET", `/api/dead-letters/${id}`)).body).toMatchObject({
      error_dest: elsewhere,
      replayed: false,
      replay_count: 0,
    });
    expect(target.events).toEqual([]);
  });

  it("discards one after handling", async () => {
    await send("/", deadLetter());
    const id = await storedId();
    expect((await api("DELETE", `/api/dead-letters/${id}`)).body).toEqual({
      message: "Dead letter deleted",
      id,
    });
    expect((await api("DELETE", `/api/dead-letters/${id}`)).status).toBe(404);
    expect((await api("GET", "/api/dead-letters")).body.total).toBe(0);
  });
});

describe("account events", () => {
  const deleted = (customerId: number, id = randomUUID()) => {
    const { headers, body } = signedEvent(
      t.signing,
      "bazaar.customer.deleted",
      { customer_id: customerId },
      { id },
    );
    return t.app.request("/accounts/events", { method: "POST", headers, body });
  };
  const outcome = async (answer: Response | Promise<Response>) => {
    const response = await answer;
    return response.status === 202 ? response.headers.get("x-bazaar-outcome") : String(response.status);
  };

  it("close an account once (applied, duplicate, stale), and its admin token is 401 on every admin route", async () => {
    const doomed = await t.tokenFor("admin", 41);
    await send("/", deadLetter());
    const id = await storedId();
    const routes: [string, string][] = [
      ["GET", "/api/dead-letters"],
      ["GET", `/api/dead-letters/${id}`],
      ["POST", `/api/dead-letters/${id}/replay`],
      ["DELETE", `/api/dead-letters/${id}`],
    ];
    expect((await api("GET", "/api/dead-letters", doomed)).status).toBe(200);

    const eventId = randomUUID();
    expect(await outcome(deleted(41, eventId))).toBe("applied");
    expect(await outcome(deleted(41, eventId))).toBe("duplicate");
    expect(await outcome(deleted(41))).toBe("stale");
    for (const [method, path] of routes) {
      const refused = await api(method, path, doomed);
      expect(refused.status, `${method} ${path}`).toBe(401);
      expect(refused.body.detail).toBe("this account no longer exists");
    }
    // Nothing was replayed or discarded by the refused calls; another admin still works.
    expect(target.events).toEqual([]);
    expect((await api("GET", `/api/dead-letters/${id}`)).body).toMatchObject({ id, replay_count: 0 });
  });

  it("are not dead letters: /accounts/events stores nothing, and a customer.deleted at the intake closes nothing", async () => {
    const doomed = await t.tokenFor("admin", 42);
    const atIntake = signedEvent(t.signing, "bazaar.customer.deleted", { customer_id: 42 });
    expect(
      (await t.app.request("/events", { method: "POST", ...atIntake })).headers.get("x-bazaar-outcome"),
    ).toBe("stored");
    expect((await api("GET", "/api/dead-letters", doomed)).status).toBe(200);

    // Any other type is not this receiver's: 5xx, so the broker retries and then dead-letters it.
    const other = signedEvent(t.signing, "bazaar.order.cancelled", {
      order_id: 1,
      customer_id: 1,
      reason: "test",
      previous_status: "pending",
    });
    expect((await t.app.request("/accounts/events", { method: "POST", ...other })).status).toBe(500);
    expect((await api("GET", "/api/dead-letters")).body.total).toBe(1);
  });
});
