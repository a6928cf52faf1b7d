import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventReceiver, createOutbox, outbox, processedEvents } from "../events";
import type { Principal } from "../http/context";
import { createHttpApp } from "../http/app";
import { createLogger, createMetrics } from "../observability";
import { binaryEvent } from "../testing/events";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { closeAccount, closedAccounts, isClosedAccount, openAccountsOnly } from "./closed-accounts";
import { authenticate } from "./guard";
import { loadSigningKey } from "./keys";
import { createTokenVerifier, localKeys, signAccessToken } from "./tokens";

const schema = { closedAccounts, outbox, processedEvents };
const settings = { issuer: "bazaar", audience: "bazaar" };
let opened: TestDatabase<typeof schema>;
let tokenFor: (principal: Principal) => Promise<string>;
let app: ReturnType<typeof createHttpApp>;

const doomed: Principal = { id: 7, role: "customer", email: "doomed@example.com" };
const other: Principal = { id: 8, role: "customer", email: "other@example.com" };

beforeAll(async () => {
  opened = await openTestDatabase(schema);
  const key = await loadSigningKey({ dataDir: opened.dir });
  tokenFor = (principal) => signAccessToken(key, principal, { ...settings, ttlSeconds: 60 });
  const metrics = createMetrics("test");
  app = createHttpApp({
    service: "test",
    logger: createLogger("test", "silent"),
    metrics,
    bodyLimitBytes: 4096,
  });
  const events = createOutbox({
    database: opened.database,
    source: "/bazaar/test",
    onCommit: () => undefined,
  });
  app.route(
    "/events",
    createEventReceiver({ outbox: events, handlers: { "bazaar.customer.deleted": closeAccount }, metrics }),
  );
  const verify = createTokenVerifier(localKeys(key), settings);
  app.use("/api/*", authenticate(verify, openAccountsOnly(opened.database.db)));
  app.get("/api/me", (c) => c.json({ id: c.get("principal")?.id ?? null }));
});
afterAll(() => opened.dispose());

const deleted = (customerId: number, id = randomUUID()) => {
  const { headers, body } = binaryEvent(
    "bazaar.customer.deleted",
    { customer_id: customerId },
    { id, source: "/bazaar/customer" },
  );
  return app.request("/events", { method: "POST", headers, body });
};
const me = async (principal?: Principal) =>
  app.request(
    "/api/me",
    principal ? { headers: { authorization: `Bearer ${await tokenFor(principal)}` } } : {},
  );

describe("closed accounts", () => {
  it("refuses a valid token once bazaar.customer.deleted has closed its account, and only that one", async () => {
    expect((await me(doomed)).status).toBe(200);
    const id = randomUUID();
    expect((await deleted(doomed.id, id)).headers.get("x-bazaar-outcome")).toBe("applied");

    const refused = await me(doomed);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(((await refused.json()) as { detail: string }).detail).toBe("this account no longer exists");
    expect((await me(other)).status).toBe(200);
    expect(await (await me()).json()).toEqual({ id: null }); // anonymous callers are not looked up

    // A redelivery is a duplicate; the same fact under a new id changes nothing either (stale).
    expect((await deleted(doomed.id, id)).headers.get("x-bazaar-outcome")).toBe("duplicate");
    expect((await deleted(doomed.id)).headers.get("x-bazaar-outcome")).toBe("stale");
    expect(await opened.database.db.select().from(closedAccounts)).toHaveLength(1);
    expect(await isClosedAccount(opened.database.db, doomed.id)).toBe(true);
    expect(await isClosedAccount(opened.database.db, other.id)).toBe(false);
  });
});
