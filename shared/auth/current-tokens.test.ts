import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventReceiver, createOutbox, outbox, processedEvents } from "../events";
import { createHttpApp } from "../http/app";
import type { Principal, Role } from "../http/context";
import { createLogger, createMetrics } from "../observability";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { eventKeysIn, signedEvent } from "../testing/events";
import { closeAccount, closedAccounts, isClosedAccount } from "./closed-accounts";
import { currentTokensOnly } from "./current-tokens";
import { authenticate } from "./guard";
import { loadSigningKey, type SigningKey } from "./keys";
import { recordRoleChange, roleChanges } from "./role-changes";
import { createTokenVerifier, localKeys, signAccessToken } from "./tokens";

const schema = { closedAccounts, roleChanges, outbox, processedEvents };
const settings = { issuer: "bazaar", audience: "bazaar" };
const eventKeys = eventKeysIn();
let opened: TestDatabase<typeof schema>;
let key: SigningKey;
let app: ReturnType<typeof createHttpApp>;

const doomed: Principal = { id: 7, role: "customer", email: "doomed@example.com" };
const other: Principal = { id: 8, role: "customer", email: "other@example.com" };
const demoted: Principal = { id: 9, role: "staff", email: "demoted@example.com" };
const admin: Principal = { id: 10, role: "admin", email: "admin@example.com" };

beforeAll(async () => {
  opened = await openTestDatabase(schema);
  key = await loadSigningKey({ dataDir: opened.dir });
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
  const handlers = {
    "bazaar.customer.deleted": closeAccount,
    "bazaar.customer.role_changed": recordRoleChange,
  };
  app.route("/events", createEventReceiver({ outbox: events, handlers, metrics, keys: eventKeys.keyring }));
  const verify = createTokenVerifier(localKeys(key), settings);
  app.use("/api/*", authenticate(verify, currentTokensOnly(opened.database)));
  app.get("/api/me", (c) => c.json({ id: c.get("principal")?.id ?? null, role: c.get("principal")?.role }));
});
afterAll(() => opened.dispose());

const post = async (type: string, data: unknown, id: string = randomUUID()) => {
  const { headers, body } = signedEvent(eventKeys, type, data, { id });
  return app.request("/events", { method: "POST", headers, body });
};
const deliver = async (type: string, data: unknown, id?: string) =>
  (await post(type, data, id)).headers.get("x-bazaar-outcome");
const deleted = (customerId: number, id?: string) =>
  deliver("bazaar.customer.deleted", { customer_id: customerId }, id);
/** A role change of `demoted` at `second` + 0.5 s. */
const roleChanged = (role: Role, previous: Role, second: number, id?: string) =>
  deliver(
    "bazaar.customer.role_changed",
    {
      customer_id: demoted.id,
      role,
      previous_role: previous,
      changed_at: new Date(second * 1000 + 500).toISOString(),
    },
    id,
  );

const call = (token?: string) =>
  app.request("/api/me", token ? { headers: { authorization: `Bearer ${token}` } } : {});
const me = async (principal?: Principal) =>
  call(principal && (await signAccessToken(key, principal, { ...settings, ttlSeconds: 60 })));
/** A token issued at a chosen second (`iat`), or without `iat` at all. */
const issuedAt = (principal: Principal, iat: number | undefined) => {
  const jwt = new SignJWT({ role: principal.role, email: principal.email })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid })
    .setSubject(String(principal.id))
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setExpirationTime("1m");
  return (iat === undefined ? jwt : jwt.setIssuedAt(iat)).sign(key.privateKey);
};
const detail = async (response: Response) => ((await response.json()) as { detail: string }).detail;

describe("closed accounts", () => {
  it("refuses a valid token once bazaar.customer.deleted has closed its account, and only that one", async () => {
    expect((await me(doomed)).status).toBe(200);
    const id = randomUUID();
    expect(await deleted(doomed.id, id)).toBe("applied");

    const refused = await me(doomed);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await detail(refused)).toBe("this account no longer exists");
    expect((await me(other)).status).toBe(200);
    expect(await (await me()).json()).toEqual({ id: null }); // anonymous callers are not looked up

    // A redelivery is a duplicate; the same fact under a new id changes nothing either (stale).
    expect(await deleted(doomed.id, id)).toBe("duplicate");
    expect(await deleted(doomed.id)).toBe("stale");
    expect(await opened.database.db.select().from(closedAccounts)).toHaveLength(1);
    expect(await isClosedAccount(opened.database.db, doomed.id)).toBe(true);
    expect(await isClosedAccount(opened.database.db, other.id)).toBe(false);
  });
});

describe("role changes", () => {
  const asCustomer: Principal = { ...demoted, role: "customer" };
  const changed = Math.floor(Date.now() / 1000) - 30;

  it("refuse a token issued before the account's last role change; a token issued after it works", async () => {
    expect((await call(await issuedAt(demoted, changed - 10))).status).toBe(200);
    const id = randomUUID();
    expect(await roleChanged("customer", "staff", changed, id)).toBe("applied");

    const refused = await call(await issuedAt(demoted, changed - 10));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await detail(refused)).toBe("the account's role changed; sign in again");
    // Within the second of the change (and the next, for a session read just before it) the role decides.
    expect((await call(await issuedAt(demoted, changed))).status).toBe(401);
    expect((await call(await issuedAt(demoted, changed + 1))).status).toBe(401);
    expect(await (await call(await issuedAt(asCustomer, changed))).json()).toEqual({
      id: 9,
      role: "customer",
    });
    expect((await call(await issuedAt(asCustomer, changed + 1))).status).toBe(200);
    expect((await me(asCustomer)).status).toBe(200);
    // A token without `iat` is as old as can be; other accounts are not touched.
    expect((await call(await issuedAt(asCustomer, undefined))).status).toBe(401);
    expect((await call(await issuedAt(other, changed - 10))).status).toBe(200);

    expect(await roleChanged("customer", "staff", changed, id)).toBe("duplicate");
  });

  it("keep only the latest change: an older or equal one is stale, a newer one moves the line", async () => {
    expect(await roleChanged("admin", "staff", changed - 20)).toBe("stale");
    expect(await roleChanged("customer", "staff", changed)).toBe("stale");
    expect(await opened.database.db.select().from(roleChanges)).toEqual([
      { customerId: demoted.id, role: "customer", changedAt: changed * 1000 + 500 },
    ]);
    expect((await call(await issuedAt(asCustomer, changed + 1))).status).toBe(200);

    expect(await roleChanged("staff", "customer", changed + 10)).toBe("applied");
    expect((await call(await issuedAt(asCustomer, changed + 1))).status).toBe(401);
    expect((await me(demoted)).status).toBe(200);
  });

  it("refuse a change dated beyond the clock skew (5xx: retried, then dead-lettered) and lock nobody out", async () => {
    const forged = {
      customer_id: admin.id,
      role: "customer",
      previous_role: "admin",
      changed_at: "2099-01-01T00:00:00Z",
    };
    const refused = await post("bazaar.customer.role_changed", forged);
    expect(refused.status).toBe(500);
    expect(await detail(refused)).toMatch(
      /role change of account 10 dated 2099-01-01T00:00:00Z, more than 120 s/,
    );
    expect((await opened.database.db.select().from(roleChanges)).map((row) => row.customerId)).not.toContain(
      admin.id,
    );
    expect((await me(admin)).status).toBe(200);
  });
});
