import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSigningKey } from "@bazaar/shared/auth";
import { createTestKit, type TestKit } from "@bazaar/shared/testing";
import { createApp } from "../app";
import { migrationsFolder, schema, type CustomerSchema } from "../db";
import type { CustomerSettings } from "../deps";

const GATEWAY = "10.0.0.1";
const OWNER = { email: "ada@example.com", password: "correct horse 1" };
const settings: CustomerSettings = {
  issuer: "bazaar",
  audience: "bazaar",
  accessTokenTtlSeconds: 60,
  refreshTokenTtlSeconds: 3600,
  refreshReuseGraceSeconds: 15,
  scryptCost: 1024,
  loginMaxFailures: 3,
  loginMaxFailuresPerAccount: 6,
  loginFailureWindowSeconds: 60,
  trustedProxies: [GATEWAY],
};

let kit: TestKit<CustomerSchema>;
let app: ReturnType<typeof createApp>;

/** Another replica of the customer function: same database, its own memory. */
const replica = async () =>
  createApp({ ...kit, signingKey: await loadSigningKey({ dataDir: kit.dir }), settings });

beforeEach(async () => {
  kit = await createTestKit({ service: "customer", schema, migrationsFolder });
  app = await replica();
  const registered = await kit.request(app, "POST", "/auth/register", { body: { name: "Ada", ...OWNER } });
  expect(registered.status).toBe(201);
});
afterEach(() => kit.close());

/**
 * A login as it arrives: through the gateway, which names the client in X-Forwarded-For, or (`direct`)
 * straight from `client`'s own socket, with whatever X-Forwarded-For it likes to claim.
 */
async function login(
  client: string,
  password: string,
  options: { direct?: boolean; claims?: string; via?: ReturnType<typeof createApp> } = {},
) {
  const forwardedFor = options.direct ? options.claims : client;
  const response = await (options.via ?? app).request(
    "/auth/login",
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(forwardedFor !== undefined && { "x-forwarded-for": forwardedFor }),
      },
      body: JSON.stringify({ email: OWNER.email, password }),
    },
    { incoming: { socket: { remoteAddress: options.direct ? client : GATEWAY } } },
  );
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as { detail?: string },
  };
}
const guesses = async (client: string, n: number, options: Parameters<typeof login>[2] = {}) => {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await login(client, `wrong guess ${i}`, options)).status);
  return statuses;
};

describe("login throttle", () => {
  it("locks out the address that guessed, not the owner at another address", async () => {
    expect(await guesses("203.0.113.7", 3)).toEqual([401, 401, 401]);
    const locked = await login("203.0.113.7", OWNER.password);
    expect(locked.status).toBe(429);
    expect(locked.body.detail).toMatch(
      /^too many failed logins for this account from this address; try again in \d+ s$/,
    );
    expect(Number(locked.retryAfter)).toBeGreaterThan(55);
    expect((await login("198.51.100.1", OWNER.password)).status).toBe(200);
  });

  it("closes the account to every address once many addresses together reach the softer cap", async () => {
    for (const client of ["203.0.113.1", "203.0.113.2"])
      expect(await guesses(client, 3)).toEqual([401, 401, 401]);
    const closed = await login("198.51.100.1", OWNER.password);
    expect(closed.status).toBe(429);
    expect(closed.body.detail).toMatch(/^too many failed logins for this account from many addresses/);
  });

  it("clears only the owner's own address on success, so guesses elsewhere keep counting", async () => {
    expect(await guesses("203.0.113.1", 3)).toEqual([401, 401, 401]);
    expect(await guesses("198.51.100.1", 2)).toEqual([401, 401]);
    expect((await login("198.51.100.1", OWNER.password)).status).toBe(200);
    expect(await guesses("198.51.100.1", 3)).toEqual([401, 401, 401]); // a fresh budget at the owner's address
    // Three from 203.0.113.1 and three since the owner's success: the account-wide cap is reached.
    expect((await login("192.0.2.1", OWNER.password)).status).toBe(429);
  });

  it("counts in the database, so every replica refuses what another one counted", async () => {
    expect(await guesses("203.0.113.7", 3)).toEqual([401, 401, 401]);
    expect((await login("203.0.113.7", OWNER.password, { via: await replica() })).status).toBe(429);
  });

  it("believes X-Forwarded-For from the gateway only: a caller past it cannot pose as many addresses", async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (await login("198.51.100.9", `wrong ${i}`, { direct: true, claims: `203.0.113.${i}` })).status,
      ).toBe(401);
    const locked = await login("198.51.100.9", OWNER.password, { direct: true, claims: "203.0.113.99" });
    expect(locked.status).toBe(429);
    // The owner, whose login the gateway forwards, is not that caller.
    expect((await login("203.0.113.99", OWNER.password)).status).toBe(200);
  });
});
