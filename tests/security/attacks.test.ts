import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices, type DevService } from "../../scripts/dev/services";
import { deliver } from "../support/events";
import { call, eventually, type Answer } from "../support/http";
import {
  adminToken,
  login,
  newProduct,
  newShopper,
  orderReaches,
  product,
  type Shopper,
} from "../support/shop";
import { ADMIN, startSystem, type System } from "../support/system";
import { forgeries } from "./forgeries";

/**
 * Attacks on the whole shop, through the gateway and straight at each function (as if the network let a
 * caller past the gateway): forged and replayed tokens, a deleted user's tokens, role escalation, identity
 * headers, and one customer reaching for another's orders, payments, shipments, notifications and profile.
 * Every attempt must be refused, and the victim's records must be unchanged afterwards.
 */

let system: System;
let admin: string;
let staff: Shopper;
let mallory: Shopper; // the attacker: an ordinary customer
let alice: Shopper; // the victim
const victim = { orderId: 0, paymentId: 0, shipmentId: 0, tracking: "", notificationId: 0 };
const figures = {
  attempts: 0,
  refused: 0,
  deletionHeardWithinMs: 0,
  staffDeletionHeardWithinMs: 0,
  roleChangeHeardWithinMs: 0,
};

/** Counts an attempt; refused means a 4xx problem that is not a success in disguise. */
function refusedWith(answer: Answer<any>, statuses: number[], what: string): void {
  figures.attempts++;
  expect(statuses, `${what}: ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 200)}`).toContain(
    answer.status,
  );
  expect(answer.headers.get("content-type"), what).toBe("application/problem+json");
  figures.refused++;
}

/** The gateway and the function itself: an attack must fail at both. */
const doors = (service: DevService): [string, string][] => [
  ["gateway", system.url("gateway")],
  [service, system.url(service)],
];

beforeAll(async () => {
  system = await startSystem({
    services: [...devServices],
    // Behind a trusted proxy, as in a cluster: the brute-force test is one client by its X-Forwarded-For.
    // A refresh token's grace period of 1 s, so the replay test waits only that long to be a replay.
    env: {
      payment: { PAYMENT_SLOW_MS: "100" },
      gateway: { GATEWAY_TRUSTED_PROXIES: "127.0.0.1" },
      customer: { REFRESH_TOKEN_REUSE_GRACE_SECONDS: "1" },
    },
  });
  admin = await adminToken(system);
  const customerUrl = system.url("customer");
  staff = await newShopper(customerUrl, "staff", admin);
  mallory = await newShopper(customerUrl);
  alice = await newShopper(customerUrl);

  // Alice buys something, so she has an order, a payment, a shipment and notifications to steal.
  const productId = await newProduct(system.url("inventory"), admin, 5, 42);
  const placed = await call("POST", `${system.url("order")}/api/orders`, {
    token: alice.token,
    body: { product_id: productId, quantity: 1, shipping_address: "1 Private Road" },
  });
  expect(placed.status).toBe(202);
  victim.orderId = placed.body.order_id;
  await orderReaches(system.url("order"), victim.orderId, alice.token, ["confirmed"]);
  const shipment = await eventually(async () => {
    const answer = await call("GET", `${system.url("shipping")}/api/shipments/order/${victim.orderId}`, {
      token: alice.token,
    });
    return answer.status === 200 ? answer.body : undefined;
  });
  victim.shipmentId = shipment.id;
  victim.tracking = shipment.tracking_number;
  const payment = await call("GET", `${system.url("payment")}/api/payments/order/${victim.orderId}`, {
    token: alice.token,
  });
  victim.paymentId = payment.body.id;
  const notes = await eventually(async () => {
    const answer = await call("GET", `${system.url("notification")}/api/notifications`, {
      token: alice.token,
    });
    return answer.body.notifications.length > 0 ? answer.body.notifications : undefined;
  });
  victim.notificationId = notes[0].id;
}, 90_000);

afterAll(async () => {
  console.info(`security attacks: ${JSON.stringify(figures)}`);
  await system?.stop();
});

describe("login brute force", () => {
  it("is slowed per client at the gateway (10 a minute) and per account and address at the customer function (5 failures)", async () => {
    const gateway = system.url("gateway");
    const guess = (i: number, client: string) =>
      call("POST", `${gateway}/auth/login`, {
        body: { email: `guess-${i}@test.local`, password: "password123" },
        headers: { "x-forwarded-for": client },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await guess(i, "203.0.113.7")).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    refusedWith(await guess(12, "203.0.113.7"), [429], "the 13th login of one client within a minute");
    expect((await guess(13, "198.51.100.1")).status).toBe(401); // another client has its own budget
    // A token, anyone's, does not move a login to a budget of its own: the limit stays the address's.
    for (let i = 0; i < 10; i++) {
      const withToken = await call("POST", `${gateway}/auth/login`, {
        body: { email: `guess-t${i}@test.local`, password: "password123" },
        headers: { "x-forwarded-for": "203.0.113.8" },
        token: i % 2 === 0 ? mallory.token : staff.token,
      });
      expect(withToken.status).toBe(401);
    }
    refusedWith(
      await call("POST", `${gateway}/auth/login`, {
        body: { email: "guess-t10@test.local", password: "password123" },
        headers: { "x-forwarded-for": "203.0.113.8" },
        token: admin,
      }),
      [429],
      "the 11th login of one client within a minute, with an admin token attached",
    );

    // Straight at the customer function (no gateway in front): 5 failures for an account from one address
    // close it to that address, and then even the right password is refused there until the window passes.
    const customer = system.url("customer");
    const tries: number[] = [];
    for (let i = 0; i < 5; i++)
      tries.push(
        (
          await call("POST", `${customer}/auth/login`, {
            body: { email: mallory.email, password: `guess-${i}` },
          })
        ).status,
      );
    expect(tries).toEqual([401, 401, 401, 401, 401]);
    const locked = await call("POST", `${customer}/auth/login`, {
      body: { email: mallory.email, password: "a-good-password" },
    });
    refusedWith(locked, [429], "right password after 5 failures");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another account is not locked by Mallory's failures, and Mallory herself logs in from elsewhere.
    expect(
      (
        await call("POST", `${customer}/auth/login`, {
          body: { email: alice.email, password: "a-good-password" },
        })
      ).status,
    ).toBe(200);
    const elsewhere = await call("POST", `${gateway}/auth/login`, {
      body: { email: mallory.email, password: "a-good-password" },
      headers: { "x-forwarded-for": "198.51.100.30" },
    });
    expect(elsewhere.status).toBe(200);
  });

  it("does not let anyone's wrong passwords lock the owner out", async () => {
    const gateway = system.url("gateway");
    const owner = await newShopper(system.url("customer"));
    const loginAs = (password: string, client: string) =>
      call("POST", `${gateway}/auth/login`, {
        body: { email: owner.email, password },
        headers: { "x-forwarded-for": client },
      });
    for (let i = 0; i < 5; i++) expect((await loginAs(`guess-${i}`, "203.0.113.20")).status).toBe(401);
    const guesser = await loginAs("a-good-password", "203.0.113.20");
    refusedWith(guesser, [429], "the right password from the address that guessed five times");
    expect(guesser.body.detail).toMatch(/from this address/);
    // The owner, at their own address, is not that guesser.
    expect((await loginAs("a-good-password", "198.51.100.20")).status).toBe(200);
  });

  it("closes an account to everyone only when many addresses together pass the softer cap (50)", async () => {
    const gateway = system.url("gateway");
    const target = await newShopper(system.url("customer"));
    const loginAs = (password: string, client: string) =>
      call("POST", `${gateway}/auth/login`, {
        body: { email: target.email, password },
        headers: { "x-forwarded-for": client },
      });
    // Ten addresses, five guesses each: every address at its own limit, the account at 50.
    for (let address = 1; address <= 10; address++)
      for (let i = 0; i < 5; i++)
        expect((await loginAs(`guess-${i}`, `192.0.2.${address}`)).status, `192.0.2.${address}`).toBe(401);
    const closed = await loginAs("a-good-password", "198.51.100.21");
    refusedWith(closed, [429], "the right password once 50 guesses came from many addresses");
    expect(closed.body.detail).toMatch(/from many addresses/);
    expect(Number(closed.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("the gateway's metrics", () => {
  it("are not handed to anyone on the public port (Prometheus scrapes the pod's private one)", async () => {
    for (const token of [undefined, mallory.token, admin]) {
      const answer = await call("GET", `${system.url("gateway")}/metrics`, { token });
      refusedWith(answer, [404], `GET /metrics at the gateway with ${token ? "a" : "no"} token`);
      expect(JSON.stringify(answer.body)).not.toContain("http_requests_total");
    }
    expect((await call("GET", `${system.metricsUrl("gateway")}/metrics`)).status).toBe(200);
  });
});

describe("forged tokens at every function", () => {
  const protectedRoutes: [DevService, string, string][] = [
    ["customer", "GET", "/api/customers/1"],
    ["inventory", "POST", "/api/products"],
    ["order", "GET", "/api/orders"],
    ["payment", "GET", "/api/payments"],
    ["shipping", "GET", "/api/shipments"],
    ["notification", "GET", "/api/notifications"],
    ["dead-letters", "GET", "/api/dead-letters"],
  ];

  it("refuses each forgery with 401 at the gateway and at each function", async () => {
    const forged = await forgeries(system.dataDir, mallory.token, {
      id: 1,
      role: "admin",
      email: ADMIN.email,
    });
    expect(forged.length).toBeGreaterThanOrEqual(13);
    for (const [name, token] of forged)
      for (const [service, method, path] of protectedRoutes)
        for (const [door, base] of doors(service)) {
          const answer = await call(method, `${base}${path}`, {
            token,
            ...(method === "POST" && { body: { name: "Forged", price: 1, sku: `F-${Date.now()}` } }),
          });
          refusedWith(answer, [401], `${name} at ${door} ${method} ${path}`);
        }
  });
});

describe("replayed and orphaned tokens", () => {
  it("refuses a refresh token used twice, and revokes the session it was rotated into", async () => {
    const customer = system.url("customer");
    const first = await call("POST", `${customer}/auth/login`, {
      body: { email: alice.email, password: "a-good-password" },
    });
    const rotated = await call("POST", `${customer}/auth/refresh`, {
      body: { refresh_token: first.body.refresh_token },
    });
    expect(rotated.status).toBe(200);
    // Within the grace period a repeat is taken for a race and gets the same successor: no second session.
    const raced = await call("POST", `${customer}/auth/refresh`, {
      body: { refresh_token: first.body.refresh_token },
    });
    expect(raced.body.refresh_token).toBe(rotated.body.refresh_token);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    refusedWith(
      await call("POST", `${customer}/auth/refresh`, { body: { refresh_token: first.body.refresh_token } }),
      [401],
      "replayed refresh token",
    );
    // Reuse means theft: the thief's rotation must die with it.
    refusedWith(
      await call("POST", `${customer}/auth/refresh`, { body: { refresh_token: rotated.body.refresh_token } }),
      [401],
      "refresh token of a session whose ancestor was replayed",
    );
  });

  it("refuses a logged-out refresh token", async () => {
    const customer = system.url("customer");
    const session = await call("POST", `${customer}/auth/login`, {
      body: { email: alice.email, password: "a-good-password" },
    });
    await call("POST", `${customer}/auth/logout`, { body: { refresh_token: session.body.refresh_token } });
    refusedWith(
      await call("POST", `${customer}/auth/refresh`, { body: { refresh_token: session.body.refresh_token } }),
      [401],
      "logged-out refresh token",
    );
  });

  it("refuses a deleted user's tokens at the customer function at once, on every door", async () => {
    const customer = system.url("customer");
    const doomed = await newShopper(customer);
    const session = await call("POST", `${customer}/auth/login`, {
      body: { email: doomed.email, password: "a-good-password" },
    });
    expect(
      (await call("DELETE", `${customer}/api/customers/${doomed.id}`, { token: doomed.token })).status,
    ).toBe(200);
    for (const [door, base] of doors("customer"))
      refusedWith(
        await call("GET", `${base}/api/customers/${doomed.id}`, { token: doomed.token }),
        [401],
        `deleted user at ${door}`,
      );
    refusedWith(
      await call("POST", `${customer}/auth/refresh`, { body: { refresh_token: session.body.refresh_token } }),
      [401],
      "deleted user's refresh token",
    );
    // The other functions verify tokens on their own (no call to the customer function) and learn of the
    // deletion by event (next test); the access token lives at most ACCESS_TOKEN_TTL_SECONDS and cannot be renewed.
    const claims = JSON.parse(Buffer.from(doomed.token.split(".")[1]!, "base64url").toString());
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(900);
  });

  // Every function that serves customers hears bazaar.customer.deleted and refuses the account at once, without
  // waiting for the token to expire (shared/auth/current-tokens.ts).
  it("refuses a deleted customer's token at order, payment, shipping and notification, reads and writes", async () => {
    const customer = system.url("customer");
    const doomed = await newShopper(customer);
    const productId = await newProduct(system.url("inventory"), admin, 5, 7);
    const placed = await call("POST", `${system.url("order")}/api/orders`, {
      token: doomed.token,
      body: { product_id: productId, quantity: 1 },
    });
    expect(placed.status).toBe(202);
    const orderId = placed.body.order_id as number;
    await orderReaches(system.url("order"), orderId, doomed.token, ["confirmed"]);
    const shipment = await eventually(async () => {
      const answer = await call("GET", `${system.url("shipping")}/api/shipments/order/${orderId}`, {
        token: doomed.token,
      });
      return answer.status === 200 ? answer.body : undefined;
    });
    const payment = await call("GET", `${system.url("payment")}/api/payments/order/${orderId}`, {
      token: doomed.token,
    });
    const notification = await eventually(async () => {
      const answer = await call("GET", `${system.url("notification")}/api/notifications`, {
        token: doomed.token,
      });
      return answer.body.notifications?.[0];
    });

    const lists: [DevService, string][] = [
      ["order", "/api/orders"],
      ["payment", "/api/payments"],
      ["shipping", "/api/shipments"],
      ["notification", "/api/notifications"],
    ];
    const reads: [DevService, string][] = [
      ...lists,
      ["order", `/api/orders/${orderId}`],
      ["payment", `/api/payments/${payment.body.id}`],
      ["payment", `/api/payments/order/${orderId}`],
      ["shipping", `/api/shipments/${shipment.id}`],
      ["shipping", `/api/shipments/order/${orderId}`],
      ["shipping", `/api/shipments/track/${shipment.tracking_number}`],
    ];
    const writes: [DevService, string, unknown?][] = [
      ["order", "/api/orders", { product_id: productId, quantity: 1 }],
      ["order", `/api/orders/${orderId}/cancel`],
      ["notification", `/api/notifications/${notification.id}/read`],
      ["notification", "/api/notifications/read-all"],
    ];
    // Before the deletion the same requests succeed, so the 401s below come from the deletion alone.
    for (const [service, path] of reads)
      for (const [door, base] of doors(service))
        expect((await call("GET", `${base}${path}`, { token: doomed.token })).status, `${door} ${path}`).toBe(
          200,
        );

    const deletedAt = Date.now();
    expect((await call("DELETE", `${customer}/api/customers/${doomed.id}`, { token: admin })).status).toBe(
      200,
    );
    // The event reaches each function within moments; from then on every door refuses.
    for (const [service, path] of lists)
      await eventually(
        async () => {
          const answer = await call("GET", `${system.url(service)}${path}`, { token: doomed.token });
          return answer.status === 401 ? answer : undefined;
        },
        15_000,
        `${service} to hear of the deletion`,
      );
    figures.deletionHeardWithinMs = Date.now() - deletedAt;
    const attempts = [
      ...reads.map(([service, path]) => ["GET", service, path, undefined] as const),
      ...writes.map(([service, path, body]) => ["POST", service, path, body] as const),
    ];
    for (const [method, service, path, body] of attempts)
      for (const [door, base] of doors(service)) {
        const answer = await call(method, `${base}${path}`, { token: doomed.token, body });
        refusedWith(answer, [401], `deleted customer's token at ${door} ${method} ${path}`);
        expect(answer.body.detail).toBe("this account no longer exists");
      }

    // Nothing changed, and another customer's token still works everywhere.
    expect((await orderReaches(system.url("order"), orderId, admin, ["confirmed"])).status).toBe("confirmed");
    for (const [service, path] of lists)
      for (const [door, base] of doors(service))
        expect(
          (await call("GET", `${base}${path}`, { token: mallory.token })).status,
          `${door} ${path}`,
        ).toBe(200);
  });
  // inventory (staff and admin write the catalog) and dead-letters (staff and admins) hear the deletion too, on
  // their /events and /accounts/events; an account deleted by an admin loses its rights there at once.
  it("refuses a deleted staff member's and admin's token at inventory and dead-letters, on every door", async () => {
    const customer = system.url("customer");
    const [doomedStaff, doomedAdmin] = [
      await newShopper(customer, "staff", admin),
      await newShopper(customer, "admin", admin),
    ];
    const productId = await newProduct(system.url("inventory"), admin, 5);
    // A dead letter for the admin routes to name, put straight into the intake as the broker would.
    const eventId = randomUUID();
    const letter = await deliver(
      system.eventKeys,
      `${system.url("dead-letters")}/`,
      "bazaar.order.placed",
      { broken: true },
      {
        id: eventId,
        source: "/bazaar/order",
        extensions: { knativeerrordest: `${system.url("inventory")}/events`, knativeerrorcode: "500" },
      },
    );
    expect(letter.status).toBe(202);
    const letters = await call("GET", `${system.url("dead-letters")}/api/dead-letters?limit=100`, {
      token: admin,
    });
    const letterId = letters.body.dead_letters.find((d: { event_id: string }) => d.event_id === eventId)
      .id as number;

    // Each route as the role that may use it: staff write the catalog, an admin deletes and reads dead letters.
    const staffRoutes: [DevService, string, string, unknown][] = [
      ["inventory", "GET", `/api/products/${productId}`, undefined],
      ["inventory", "POST", "/api/products", { name: "Ghost", price: 1, sku: "GHOST-1" }],
      ["inventory", "PUT", `/api/products/${productId}`, { name: "Renamed by a ghost" }],
      ["inventory", "POST", `/api/products/${productId}/stock`, { delta: 100 }],
    ];
    const adminRoutes: [DevService, string, string, unknown][] = [
      ["inventory", "DELETE", `/api/products/${productId}`, undefined],
      ["dead-letters", "GET", "/api/dead-letters", undefined],
      ["dead-letters", "GET", `/api/dead-letters/${letterId}`, undefined],
      ["dead-letters", "POST", `/api/dead-letters/${letterId}/replay`, undefined],
      ["dead-letters", "DELETE", `/api/dead-letters/${letterId}`, undefined],
    ];
    const attempts = [
      ...staffRoutes.map((route) => [...route, doomedStaff] as const),
      ...adminRoutes.map((route) => [...route, doomedAdmin] as const),
    ];
    // Before the deletion their reads succeed, so the 401s below come from the deletion alone.
    for (const [service, path, who] of [
      ["inventory", "/api/products", doomedStaff],
      ["dead-letters", "/api/dead-letters", doomedAdmin],
    ] as const)
      for (const [door, base] of doors(service))
        expect((await call("GET", `${base}${path}`, { token: who.token })).status, `${door} ${path}`).toBe(
          200,
        );

    const deletedAt = Date.now();
    for (const doomed of [doomedStaff, doomedAdmin])
      expect((await call("DELETE", `${customer}/api/customers/${doomed.id}`, { token: admin })).status).toBe(
        200,
      );
    for (const [service, path, who] of [
      ["inventory", "/api/products", doomedStaff],
      ["inventory", "/api/products", doomedAdmin],
      ["dead-letters", "/api/dead-letters", doomedAdmin],
    ] as const)
      await eventually(
        async () => {
          const answer = await call("GET", `${system.url(service)}${path}`, { token: who.token });
          return answer.status === 401 ? answer : undefined;
        },
        15_000,
        `${service} to hear of the deletion`,
      );
    figures.staffDeletionHeardWithinMs = Date.now() - deletedAt;
    for (const [service, method, path, body, who] of attempts)
      for (const [door, base] of doors(service)) {
        const answer = await call(method, `${base}${path}`, { token: who.token, body });
        refusedWith(answer, [401], `deleted ${service} user's token at ${door} ${method} ${path}`);
        expect(answer.body.detail).toBe("this account no longer exists");
      }

    // Nothing changed, and another staff member's and admin's tokens still work at every door.
    const kept = await product(system.url("inventory"), productId);
    expect(kept).toMatchObject({ quantity: 5 });
    expect((kept as { name?: string }).name).toMatch(/^Test /);
    for (const [door, base] of doors("inventory")) {
      const renamed = await call("PUT", `${base}/api/products/${productId}`, {
        token: staff.token,
        body: { name: `Renamed by staff at ${door}` },
      });
      expect(renamed.status, door).toBe(200);
    }
    for (const [door, base] of doors("dead-letters")) {
      const stored = await call("GET", `${base}/api/dead-letters/${letterId}`, { token: admin });
      expect([door, stored.status, stored.body.replay_count]).toEqual([door, 200, 0]);
    }
  });

  // A role change is heard the same way (bazaar.customer.role_changed, shared/auth/current-tokens.ts): a token
  // issued before it is refused at once, on every door; a token from a new login speaks for the new role.
  it("refuses a demoted staff member's and admin's old token at inventory and dead-letters; a new login works", async () => {
    const customer = system.url("customer");
    const [demotedStaff, demotedAdmin] = [
      await newShopper(customer, "staff", admin),
      await newShopper(customer, "admin", admin),
    ];
    const productId = await newProduct(system.url("inventory"), admin, 5);
    const rename = (door: string) => ({ name: `Renamed at ${door}` });
    const routes: [DevService, string, string, (door: string) => unknown, Shopper][] = [
      ["inventory", "PUT", `/api/products/${productId}`, rename, demotedStaff],
      ["inventory", "POST", `/api/products/${productId}/stock`, () => ({ delta: 1 }), demotedStaff],
      ["dead-letters", "GET", "/api/dead-letters", () => undefined, demotedAdmin],
      ["inventory", "DELETE", `/api/products/${productId}`, () => undefined, demotedAdmin],
    ];
    // Before the change the old tokens may do all of it but the delete, so the 401s below come from the change.
    for (const [service, method, path, body, who] of routes.slice(0, 3))
      for (const [door, base] of doors(service))
        expect((await call(method, `${base}${path}`, { token: who.token, body: body(door) })).status).toBe(
          200,
        );

    const changedAt = Date.now();
    for (const [who, role] of [
      [demotedStaff, "customer"],
      [demotedAdmin, "staff"],
    ] as const) {
      const changed = await call("PUT", `${customer}/api/customers/${who.id}`, {
        token: admin,
        body: { role },
      });
      expect(changed.status).toBe(200);
    }
    for (const [service, path, who] of [
      ["inventory", `/api/products/${productId}`, demotedStaff],
      ["dead-letters", "/api/dead-letters", demotedAdmin],
    ] as const)
      await eventually(
        async () => {
          const method = service === "inventory" ? "PUT" : "GET";
          const body = service === "inventory" ? rename("wait") : undefined;
          const answer = await call(method, `${system.url(service)}${path}`, { token: who.token, body });
          return answer.status === 401 ? answer : undefined;
        },
        15_000,
        `${service} to hear of the role change`,
      );
    figures.roleChangeHeardWithinMs = Date.now() - changedAt;
    for (const [service, method, path, body, who] of routes)
      for (const [door, base] of doors(service)) {
        const answer = await call(method, `${base}${path}`, { token: who.token, body: body(door) });
        refusedWith(answer, [401], `demoted ${service} user's old token at ${door} ${method} ${path}`);
        expect(answer.body.detail).toBe("the account's role changed; sign in again");
      }

    // A new login carries the new role: the ex-staff member reads like a customer and may no longer write,
    // the ex-admin writes the catalog and reads dead letters like staff, and may no longer delete either.
    const fresh = async (who: Shopper) => login(customer, who.email, "a-good-password");
    const [asCustomer, asStaff] = [await fresh(demotedStaff), await fresh(demotedAdmin)];
    for (const [door, base] of doors("inventory")) {
      expect((await call("GET", `${base}/api/products/${productId}`, { token: asCustomer })).status).toBe(
        200,
      );
      const write = { token: asCustomer, body: rename(door) };
      refusedWith(
        await call("PUT", `${base}/api/products/${productId}`, write),
        [403],
        `ex-staff at ${door}`,
      );
      const staffWrite = { token: asStaff, body: rename(door) };
      expect((await call("PUT", `${base}/api/products/${productId}`, staffWrite)).status, door).toBe(200);
      const remove = { token: asStaff };
      refusedWith(
        await call("DELETE", `${base}/api/products/${productId}`, remove),
        [403],
        `ex-admin at ${door}`,
      );
    }
    for (const [door, base] of doors("dead-letters")) {
      expect((await call("GET", `${base}/api/dead-letters`, { token: asStaff })).status, door).toBe(200);
      refusedWith(
        await call("DELETE", `${base}/api/dead-letters/1`, { token: asStaff }),
        [403],
        `ex-admin's new token discarding a dead letter at ${door}`,
      );
    }
    expect(await product(system.url("inventory"), productId)).toMatchObject({ quantity: 7 });
  });
});

describe("role escalation", () => {
  it("refuses every attempt to act above one's role", async () => {
    const attempts: [string, DevService, string, string, () => string, unknown?][] = [
      [
        "self-registration as admin",
        "customer",
        "POST",
        "/auth/register",
        () => "",
        { name: "X", email: "x-admin@test.local", password: "a-good-password", role: "admin" },
      ],
      [
        "self-registration as staff",
        "customer",
        "POST",
        "/auth/register",
        () => "",
        { name: "X", email: "x-staff@test.local", password: "a-good-password", role: "staff" },
      ],
      [
        "a customer registering an admin",
        "customer",
        "POST",
        "/auth/register",
        () => mallory.token,
        { name: "X", email: "x2@test.local", password: "a-good-password", role: "admin" },
      ],
      [
        "staff registering an admin",
        "customer",
        "POST",
        "/auth/register",
        () => staff.token,
        { name: "X", email: "x3@test.local", password: "a-good-password", role: "admin" },
      ],
      [
        "a customer making themself admin",
        "customer",
        "PUT",
        `/api/customers/${mallory.id}`,
        () => mallory.token,
        { role: "admin" },
      ],
      [
        "staff changing a customer",
        "customer",
        "PUT",
        `/api/customers/${alice.id}`,
        () => staff.token,
        { name: "Changed" },
      ],
      ["a customer listing customers", "customer", "GET", "/api/customers", () => mallory.token],
      [
        "a customer creating a product",
        "inventory",
        "POST",
        "/api/products",
        () => mallory.token,
        { name: "X", price: 1, sku: "ESC-1" },
      ],
      [
        "a customer adjusting stock",
        "inventory",
        "POST",
        "/api/products/1/stock",
        () => mallory.token,
        { delta: 1000 },
      ],
      ["staff deleting a product", "inventory", "DELETE", "/api/products/1", () => staff.token],
      [
        "a customer setting an order's status",
        "order",
        "PUT",
        `/api/orders/${victim.orderId}/status`,
        () => mallory.token,
        { status: "delivered" },
      ],
      [
        "staff cancelling an order",
        "order",
        "POST",
        `/api/orders/${victim.orderId}/cancel`,
        () => staff.token,
      ],
      ["staff reading card payments", "payment", "GET", "/api/payments", () => staff.token],
      [
        "a customer moving a shipment",
        "shipping",
        "PATCH",
        `/api/shipments/${victim.shipmentId}/status`,
        () => mallory.token,
        { status: "delivered" },
      ],
      ["a customer reading dead letters", "dead-letters", "GET", "/api/dead-letters", () => mallory.token],
      ["staff discarding a dead letter", "dead-letters", "DELETE", "/api/dead-letters/1", () => staff.token],
    ];
    for (const [what, service, method, path, token, body] of attempts)
      for (const [door, base] of doors(service)) {
        const answer = await call(method, `${base}${path}`, {
          token: token() || undefined,
          ...(body !== undefined && { body }),
        });
        refusedWith(answer, [403], `${what} at ${door}`);
      }
  });

  it("refuses fields a caller may not set (mass assignment) with 400", async () => {
    const attempts: [string, DevService, string, string, unknown][] = [
      [
        "an order for someone else",
        "order",
        "POST",
        "/api/orders",
        { product_id: 1, quantity: 1, customer_id: alice.id },
      ],
      [
        "an order with its own price",
        "order",
        "POST",
        "/api/orders",
        { product_id: 1, quantity: 1, total_price: 0.01 },
      ],
      [
        "a profile with another id",
        "customer",
        "PUT",
        `/api/customers/${mallory.id}`,
        { id: alice.id, name: "M" },
      ],
    ];
    for (const [what, service, method, path, body] of attempts)
      for (const [door, base] of doors(service))
        refusedWith(
          await call(method, `${base}${path}`, { token: mallory.token, body }),
          [400],
          `${what} at ${door}`,
        );
  });

  it("takes a demotion into account at the customer function on the next request", async () => {
    const demoted = await newShopper(system.url("customer"), "staff", admin);
    const customer = system.url("customer");
    expect((await call("GET", `${customer}/api/customers`, { token: demoted.token })).status).toBe(200);
    await call("PUT", `${customer}/api/customers/${demoted.id}`, {
      token: admin,
      body: { role: "customer" },
    });
    refusedWith(
      await call("GET", `${customer}/api/customers`, { token: demoted.token }),
      [403],
      "a demoted staff member's old token",
    );
  });
});

describe("identity headers", () => {
  const spoofed = {
    "x-user-id": "1",
    "x-user-role": "admin",
    "x-user-email": ADMIN.email,
    "x-forwarded-user": "admin",
  };
  const routes: [DevService, string][] = [
    ["customer", "/api/customers"],
    ["order", "/api/orders"],
    ["payment", "/api/payments"],
    ["shipping", "/api/shipments"],
    ["notification", "/api/notifications"],
    ["dead-letters", "/api/dead-letters"],
  ];

  it("are ignored by every function: without a token they get 401", async () => {
    for (const [service, path] of routes)
      for (const [door, base] of doors(service))
        refusedWith(
          await call("GET", `${base}${path}`, { headers: spoofed }),
          [401],
          `${door} ${path} with identity headers`,
        );
  });

  it("do not lift a customer's token to admin or to another customer", async () => {
    const asAlice = { ...spoofed, "x-user-id": String(alice.id), "x-user-role": "customer" };
    for (const headers of [spoofed, asAlice])
      for (const [door, base] of doors("order")) {
        refusedWith(
          await call("GET", `${base}/api/orders/${victim.orderId}`, { token: mallory.token, headers }),
          [404],
          `${door}: Mallory's token with ${headers["x-user-id"]} headers`,
        );
        const list = await call("GET", `${base}/api/orders`, { token: mallory.token, headers });
        expect(list.body.orders.every((o: { customer_id: number }) => o.customer_id === mallory.id)).toBe(
          true,
        );
      }
    refusedWith(
      await call("GET", `${system.url("dead-letters")}/api/dead-letters`, {
        token: mallory.token,
        headers: spoofed,
      }),
      [403],
      "dead letters as a spoofed admin",
    );
  });
});

describe("one customer reaching for another's records (IDOR)", () => {
  it("answers Mallory's reads of Alice's order, payment and shipment exactly as for records that do not exist", async () => {
    const MISSING = "987654";
    // [function, path up to the id, Alice's id, an id nobody has]
    const reads: [DevService, string, string, string][] = [
      ["order", "/api/orders/", `${victim.orderId}`, MISSING],
      ["payment", "/api/payments/", `${victim.paymentId}`, MISSING],
      ["payment", "/api/payments/order/", `${victim.orderId}`, MISSING],
      ["shipping", "/api/shipments/", `${victim.shipmentId}`, MISSING],
      ["shipping", "/api/shipments/order/", `${victim.orderId}`, MISSING],
      ["shipping", "/api/shipments/track/", victim.tracking, "BZ000000000000"],
    ];
    for (const [service, path, id, missingId] of reads)
      for (const [door, base] of doors(service)) {
        const answer = await call("GET", `${base}${path}${id}`, { token: mallory.token });
        refusedWith(answer, [404], `${door} GET ${path}${id}`);
        const missing = await call("GET", `${base}${path}${missingId}`, { token: mallory.token });
        expect(missing.status, `${door} GET ${path}${missingId}`).toBe(404);
        // The same body word for word, but for the id asked about: nothing tells Mallory the record exists.
        const asIfAsked = JSON.parse(JSON.stringify(missing.body).replaceAll(missingId, id));
        expect(answer.body, `${door} GET ${path}${id}`).toEqual(asIfAsked);
      }
  });

  it("refuses every read of Alice's notifications and profile by Mallory", async () => {
    const reads: [DevService, string][] = [
      ["notification", `/api/notifications/customer/${alice.id}`],
      ["notification", `/api/notifications?customer_id=${alice.id}`],
      ["customer", `/api/customers/${alice.id}`],
    ];
    for (const [service, path] of reads)
      for (const [door, base] of doors(service))
        refusedWith(
          await call("GET", `${base}${path}`, { token: mallory.token }),
          [403],
          `${door} GET ${path}`,
        );
  });

  it("shows Mallory none of Alice's records in any list, whatever the filter", async () => {
    const lists: [DevService, string, string][] = [
      ["order", `/api/orders?customer_id=${alice.id}`, "orders"],
      ["payment", "/api/payments", "payments"],
      ["shipping", "/api/shipments", "shipments"],
      ["notification", "/api/notifications", "notifications"],
    ];
    for (const [service, path, field] of lists)
      for (const [door, base] of doors(service)) {
        const answer = await call("GET", `${base}${path}`, { token: mallory.token });
        figures.attempts++;
        expect(answer.status, `${door} ${path}`).toBe(200);
        expect(
          (answer.body[field] as { customer_id: number }[]).filter((r) => r.customer_id === alice.id),
        ).toEqual([]);
        figures.refused++;
      }
  });

  it("refuses every change to Alice's records by Mallory, and they stay as they were", async () => {
    const writes: [DevService, string, string, unknown?][] = [
      ["order", "POST", `/api/orders/${victim.orderId}/cancel`],
      ["notification", "POST", `/api/notifications/${victim.notificationId}/read`],
      [
        "customer",
        "PUT",
        `/api/customers/${alice.id}`,
        { email: "mallory-owns-this@test.local", password: "taken-over-now" },
      ],
      ["customer", "DELETE", `/api/customers/${alice.id}`],
    ];
    for (const [service, method, path, body] of writes)
      for (const [door, base] of doors(service))
        refusedWith(
          await call(method, `${base}${path}`, { token: mallory.token, ...(body !== undefined && { body }) }),
          [403, 404],
          `${door} ${method} ${path}`,
        );

    const order = await call("GET", `${system.url("order")}/api/orders/${victim.orderId}`, {
      token: alice.token,
    });
    expect(order.body.status).toBe("confirmed");
    const notes = await call("GET", `${system.url("notification")}/api/notifications`, {
      token: alice.token,
    });
    expect(notes.body.notifications.find((n: { id: number }) => n.id === victim.notificationId).read).toBe(
      false,
    );
    expect(await login(system.url("customer"), alice.email, "a-good-password")).toBeTruthy();
  });
});
