import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../support/http";
import { startSystem, type System } from "../support/system";

/**
 * Pages behind two gateway replicas and two customer replicas, as `npm start -- --replicas=2` runs them. The
 * access token lives 30 s, inside the pages' renewal margin, so every page load spends the refresh token:
 * two loads sent with one cookie to two gateways spend the same one at the same time.
 */
let system: System;
const shopper = {
  name: "Ann",
  email: `ann-${randomUUID().slice(0, 8)}@example.com`,
  password: "a-good-password",
};

beforeAll(async () => {
  system = await startSystem({
    services: ["customer", "gateway"],
    replicas: 2,
    env: { customer: { ACCESS_TOKEN_TTL_SECONDS: "30" }, gateway: { RATE_LIMIT_AUTH: "1000" } },
  });
  expect((await call("POST", `${system.url("customer")}/auth/register`, { body: shopper })).status).toBe(201);
}, 120_000);
afterAll(() => system?.stop());

/** One page load with a session cookie (none: a first visit): its status, redirect, cookie and CSRF token. */
async function load(base: string, path: string, cookie: string, form?: Record<string, string>) {
  const response = await fetch(`${base}${path}`, {
    method: form ? "POST" : "GET",
    redirect: "manual",
    headers: {
      ...(cookie && { cookie }),
      ...(form && { "content-type": "application/x-www-form-urlencoded" }),
    },
    ...(form && { body: new URLSearchParams(form).toString() }),
  });
  const set = response.headers.getSetCookie().find((line) => line.startsWith("bazaar_session="));
  const text = await response.text();
  return {
    status: response.status,
    location: response.headers.get("location"),
    cookie: set ? (set.split(";")[0] ?? "") : cookie,
    csrf: /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? "",
  };
}

describe("a session behind two gateway replicas", () => {
  it("survives two page loads that renew the access token at once on different replicas", async () => {
    const [first, second] = system.replicas("gateway").map((replica) => replica.url) as [string, string];
    const visit = await load(first, "/shop/signin", "");
    const signedIn = await load(first, "/shop/signin", visit.cookie, {
      _csrf: visit.csrf,
      email: shopper.email,
      password: shopper.password,
      next: "/shop/account",
    });
    expect(signedIn.location).toBe("/shop/account");

    // Both spend the one refresh token in the cookie: the customer function gives both the same successor.
    const pages = await Promise.all([
      load(first, "/shop/account", signedIn.cookie),
      load(second, "/shop/account", signedIn.cookie),
    ]);
    expect(pages.map((page) => [page.status, page.location])).toEqual([
      [200, null],
      [200, null],
    ]);
    // Whichever cookie the browser keeps, the session goes on, on either replica.
    for (const page of pages)
      for (const base of [first, second]) {
        const next = await load(base, "/shop/account", page.cookie);
        expect([next.status, next.location]).toEqual([200, null]);
      }
  });
});
