import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSigningKey } from "@bazaar/shared/auth";
import { createTestKit, type TestKit } from "@bazaar/shared/testing";
import { createApp } from "../app";
import { migrationsFolder, schema, type CustomerSchema } from "../db";
import { refreshTokens } from "../db/schema";
import type { CustomerSettings } from "../deps";

const OWNER = { email: "ada@example.com", password: "correct horse 1" };
const settings: CustomerSettings = {
  issuer: "bazaar",
  audience: "bazaar",
  accessTokenTtlSeconds: 60,
  refreshTokenTtlSeconds: 3600,
  refreshReuseGraceSeconds: 15,
  scryptCost: 1024,
  loginMaxFailures: 5,
  loginMaxFailuresPerAccount: 50,
  loginFailureWindowSeconds: 60,
  trustedProxies: [],
};

let kit: TestKit<CustomerSchema>;
/** Two replicas of the customer function: one database file, each with its own client, outbox and memory. */
let replicas: [ReturnType<typeof createApp>, ReturnType<typeof createApp>];

async function replicaApp(overrides: Partial<CustomerSettings> = {}) {
  const other = await kit.replica();
  return createApp({
    ...kit,
    ...other,
    signingKey: await loadSigningKey({ dataDir: kit.dir }),
    settings: { ...settings, ...overrides },
  });
}

beforeEach(async () => {
  kit = await createTestKit({ service: "customer", schema, migrationsFolder });
  replicas = [await replicaApp(), await replicaApp()];
  const registered = await kit.request(replicas[0], "POST", "/auth/register", {
    body: { name: "Ada", ...OWNER },
  });
  expect(registered.status).toBe(201);
});
afterEach(() => kit.close());

interface Answer {
  status: number;
  body: { refresh_token?: string; access_token?: string; detail?: string; user?: { id: number } };
}
const post = async (app: ReturnType<typeof createApp>, path: string, body: unknown): Promise<Answer> => {
  const response = await kit.request(app, "POST", path, { body });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
};
const login = () => post(replicas[0], "/auth/login", OWNER);
const refresh = (token: string | undefined, via = replicas[0]) =>
  post(via, "/auth/refresh", { refresh_token: token });
/** Moves every rotation back in time, as if the grace period had run out meanwhile. */
const backdateRotations = (seconds: number) =>
  kit.database.write((tx) =>
    tx.update(refreshTokens).set({ rotatedAt: sql`${refreshTokens.rotatedAt} - ${seconds * 1000}` }),
  );

describe("refresh-token rotation with a grace period", () => {
  it("gives two concurrent refreshes of one token, on two replicas, the same successor and revokes nothing", async () => {
    const session = (await login()).body;
    const other = (await login()).body; // another device of the same account
    const [first, second] = await Promise.all([
      refresh(session.refresh_token, replicas[0]),
      refresh(session.refresh_token, replicas[1]),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.refresh_token).not.toBe(session.refresh_token);
    expect(second.body.refresh_token).toBe(first.body.refresh_token);
    expect(second.body.access_token).toEqual(expect.any(String));
    expect(second.body.user?.id).toBe(first.body.user?.id);
    // One successor row, not two: the chain did not fork.
    expect(await kit.database.db.select().from(refreshTokens)).toHaveLength(3);

    // The shared successor rotates as usual, and the account's other session was not touched.
    expect((await refresh(first.body.refresh_token, replicas[1])).status).toBe(200);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it("hands a late repeat the live end of the chain when the successor was rotated too", async () => {
    const session = (await login()).body;
    const next = (await refresh(session.refresh_token)).body;
    const last = (await refresh(next.refresh_token, replicas[1])).body;
    const repeat = await refresh(session.refresh_token);
    expect(repeat.status).toBe(200);
    expect(repeat.body.refresh_token).toBe(last.refresh_token);
  });

  it("treats a repeat after the grace period as reuse: every session of the account is revoked", async () => {
    const session = (await login()).body;
    const other = (await login()).body;
    const rotated = (await refresh(session.refresh_token)).body;
    await backdateRotations(16);
    const reused = await refresh(session.refresh_token, replicas[1]);
    expect(reused.status).toBe(401);
    expect(reused.body.detail).toBe(
      "refresh token was already used; all sessions of this account are revoked",
    );
    expect((await refresh(rotated.refresh_token)).status).toBe(401);
    expect((await refresh(other.refresh_token)).status).toBe(401);
  });

  it("treats every repeat as reuse when the grace period is 0", async () => {
    replicas[1] = await replicaApp({ refreshReuseGraceSeconds: 0 });
    const session = (await login()).body;
    const rotated = (await refresh(session.refresh_token)).body;
    expect((await refresh(session.refresh_token, replicas[1])).status).toBe(401);
    expect((await refresh(rotated.refresh_token)).status).toBe(401);
  });

  it("ends, without revoking anything else, a repeat whose successor was signed out", async () => {
    const session = (await login()).body;
    const other = (await login()).body;
    const rotated = (await refresh(session.refresh_token)).body;
    expect((await post(replicas[1], "/auth/logout", { refresh_token: rotated.refresh_token })).status).toBe(
      200,
    );
    const repeat = await refresh(session.refresh_token);
    expect(repeat.status).toBe(401);
    expect(repeat.body.detail).toBe("this session has ended; sign in again");
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it("keeps the successor unreadable without the rotated token: the database holds it sealed", async () => {
    const session = (await login()).body;
    const rotated = (await refresh(session.refresh_token)).body;
    const rows = await kit.database.db.select().from(refreshTokens);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(rotated.refresh_token);
    expect(stored).not.toContain(session.refresh_token);
    expect(rows.filter((row) => row.successor !== null)).toHaveLength(1);
  });
});

describe("a refresh token revoked otherwise than by rotation", () => {
  const logout = (token: string | undefined) => post(replicas[1], "/auth/logout", { refresh_token: token });

  it("refuses a signed-out token and leaves the account's other sessions alone", async () => {
    const signedOut = (await login()).body;
    const other = (await login()).body;
    expect((await logout(signedOut.refresh_token)).status).toBe(200);
    const again = await refresh(signedOut.refresh_token);
    expect(again.status).toBe(401);
    expect(again.body.detail).toBe("refresh token was revoked; sign in again");
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it("still takes a revoked row from before reasons were kept for a rotated one: its reuse ends every session", async () => {
    const old = (await login()).body;
    const other = (await login()).body;
    expect((await logout(old.refresh_token)).status).toBe(200);
    await kit.database.write((tx) => tx.update(refreshTokens).set({ revokeReason: null }));
    const reused = await refresh(old.refresh_token);
    expect(reused.body.detail).toBe(
      "refresh token was already used; all sessions of this account are revoked",
    );
    expect((await refresh(other.refresh_token)).status).toBe(401);
  });
});
