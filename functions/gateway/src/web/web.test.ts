import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Role } from "@bazaar/shared/http";
import { fromAddress, testGateway, type TestGateway } from "../testing/gateway-app";
import { startTestUpstream, type SeenRequest, type TestUpstream } from "../testing/upstream-server";

/** The pages through the whole gateway app, against a stand-in for the functions that answers like the API. */
let upstream: TestUpstream;
let gateway: TestGateway;
const api = { expiresIn: 900, refreshStatus: 200, refreshes: 0, role: "customer" as Role };

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};
const user = { id: 7, name: "Ann", email: "ann@example.com", role: "customer" };
const product = {
  id: 1,
  name: "Mouse",
  description: "",
  price: 25,
  price_cents: 2500,
  quantity: 9,
  reserved: 0,
  available: 9,
  sku: "MOU001",
};
const order = {
  id: 41,
  customer_id: 7,
  status: "pending",
  payment_status: "pending",
  shipping_status: "not_scheduled",
  tracking_number: null,
  total_price: 25,
  payment_method: "tok_visa",
  shipping_address: "x",
  reason: null,
  items: [],
  created_at: "2026-12-02T10:00:00Z",
  updated_at: "2026-12-02T10:00:00Z",
  timeline: [],
};

const payment = {
  id: 3,
  order_id: 41,
  customer_id: 7,
  amount: 25,
  currency: "USD",
  method: "tok_chargeDeclined",
  status: "failed",
  failure_code: "card_declined",
  reason: "Your card was declined.",
  refunds: [],
  created_at: "2026-12-02T10:00:00Z",
};

async function answer(request: SeenRequest, response: ServerResponse): Promise<void> {
  const route = `${request.method} ${request.url.split("?")[0]}`;
  const tokens = async () => ({
    access_token: await gateway.tokenFor(api.role, 7),
    refresh_token: `refresh-${randomBytes(4).toString("hex")}`,
    expires_in: api.expiresIn,
    token_type: "Bearer",
    user: { ...user, role: api.role },
  });
  const sent = request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
  if (route === "POST /auth/login")
    return sent["password"] === "wrong"
      ? json(response, 401, { detail: "invalid email or password" })
      : json(response, 200, await tokens());
  if (route === "POST /auth/refresh") {
    api.refreshes += 1;
    return api.refreshStatus === 200
      ? json(response, 200, await tokens())
      : json(response, 401, { detail: "revoked" });
  }
  if (route === "POST /auth/logout") return json(response, 200, { message: "Logged out" });
  if (route === "GET /api/products")
    return json(response, 200, { products: [product], page: 1, limit: 12, total: 1 });
  if (route === "GET /api/products/1") return json(response, 200, product);
  if (route === "GET /api/orders")
    return json(response, 200, { orders: [order], page: 1, limit: 20, total: 1 });
  if (route === "POST /api/orders") return json(response, 202, order);
  if (route === "GET /api/orders/41") return json(response, 200, order);
  const me = { ...user, role: api.role, phone: null, address: null, created_at: order.created_at };
  if (route === "GET /api/customers/7") return json(response, 200, me);
  if (route === "GET /api/customers")
    return json(response, 200, { customers: [me], page: 1, limit: 50, total: 1 });
  if (route === "PUT /api/customers/7")
    return sent["email"] === "taken@example.com"
      ? json(response, 409, { detail: "an account with this email already exists" })
      : json(response, 200, { ...me, ...sent });
  if (route === "POST /auth/register") return json(response, 201, { id: 8, ...sent });
  if (route === "PUT /api/products/1") return json(response, 200, { ...product, ...sent });
  if (route === "GET /api/payments")
    return json(response, 200, { payments: [payment], page: 1, limit: 25, total: 1 });
  return json(response, 404, { detail: `no ${route} here` });
}

beforeAll(async () => {
  upstream = await startTestUpstream((request, response) => void answer(request, response));
  gateway = await testGateway(upstream.url, {
    web: { sessionKeys: [randomBytes(32)], sessionMaxAgeSeconds: 3600 },
    trustedProxies: ["198.51.100.9"],
  });
});
afterAll(async () => {
  gateway.close();
  await upstream.stop();
});
beforeEach(() => {
  Object.assign(api, { expiresIn: 900, refreshStatus: 200, refreshes: 0, role: "customer" });
  upstream.seen.length = 0;
});

/** A browser in miniature: keeps the session cookie and reads the CSRF token from the last page. */
class Visitor {
  cookie = "";
  csrf = "";
  constructor(readonly address = "203.0.113.5") {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.#send(path, { method: "GET", headers });
  }

  async post(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.#send(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async signIn(): Promise<void> {
    await this.get("/shop/signin");
    const signedIn = await this.post("/shop/signin", {
      _csrf: this.csrf,
      email: user.email,
      password: "pw",
      next: "/shop",
    });
    expect(signedIn.status).toBe(303);
    await this.get(signedIn.headers.get("location") ?? "/shop"); // as a browser follows it: the new token
  }

  async #send(
    path: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<Response> {
    const response = await gateway.app.request(
      path,
      { ...init, headers: { ...init.headers, ...(this.cookie && { cookie: this.cookie }) } },
      fromAddress(this.address),
    );
    const set = response.headers.getSetCookie().find((line) => /^(__Host-)?bazaar_session=/.test(line));
    if (set) this.cookie = set.split(";")[0] ?? "";
    const text = await response.clone().text();
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    return response;
  }
}

describe("web pages: headers and the session cookie", () => {
  it("serve pages with a strict policy and an HttpOnly, SameSite=Lax cookie", async () => {
    const visitor = new Visitor();
    const page = await visitor.get("/shop");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "form-action 'self'",
      "require-trusted-types-for 'script'",
    ])
      expect(csp).toContain(directive);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const cookie = page.headers.getSetCookie()[0] ?? "";
    expect(cookie).toMatch(
      /^bazaar_session=[A-Za-z0-9_-]+; Max-Age=3(600|599); Path=\/; HttpOnly; SameSite=Lax$/,
    );
    const html = await page.text();
    expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/\son[a-z]+=/); // no inline handlers
  });

  it("makes the cookie __Host- and Secure when a trusted proxy says the browser came over HTTPS", async () => {
    const behindTls = new Visitor("198.51.100.9");
    const page = await behindTls.get("/shop", { "x-forwarded-proto": "https" });
    expect(page.headers.getSetCookie()[0]).toMatch(
      /^__Host-bazaar_session=.*; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    // Anybody else saying so is not believed.
    const claimed = await new Visitor().get("/shop", { "x-forwarded-proto": "https" });
    expect(claimed.headers.getSetCookie()[0]).toMatch(/^bazaar_session=/);
  });

  it("serves the script and stylesheet by digest, for good, with nosniff", async () => {
    const html = await (await new Visitor().get("/shop")).text();
    for (const path of [/href="(\/assets\/[^"]+\.css)"/, /src="(\/assets\/[^"]+\.js)"/].map(
      (re) => re.exec(html)?.[1] ?? "",
    )) {
      const asset = await gateway.app.request(path);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect((await gateway.app.request("/assets/nothing.js")).status).toBe(404);
  });

  it("keeps the tokens sealed: the cookie holds neither the access nor the refresh token", async () => {
    const visitor = new Visitor();
    await visitor.signIn();
    expect(visitor.cookie).not.toContain("eyJ");
    expect(visitor.cookie).not.toContain("refresh-");
    await visitor.get("/shop/orders");
    const call = upstream.seen.find((request) => request.url.startsWith("/api/orders"));
    expect(call?.headers["authorization"]).toMatch(/^Bearer eyJ/);
    // The API call is the gateway's: the client's address and the page's correlation id go with it.
    expect(call?.headers["x-forwarded-for"]).toBe("203.0.113.5");
  });

  it("starts a new, empty session for a cookie that was tampered with", async () => {
    const visitor = new Visitor();
    await visitor.signIn();
    const [name, value = ""] = visitor.cookie.split("=");
    visitor.cookie = `${name}=${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
    const page = await visitor.get("/shop/orders");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/shop/signin?next=%2Fshop%2Forders");
  });
});

describe("web pages: CSRF", () => {
  it("refuses a form without the session's token, or with another session's", async () => {
    const visitor = new Visitor();
    await visitor.get("/shop");
    const other = new Visitor();
    await other.get("/shop");
    for (const token of [undefined, other.csrf, `${visitor.csrf}x`]) {
      const refused = await visitor.post("/shop/cart/items", {
        ...(token && { _csrf: token }),
        product_id: "1",
        quantity: "1",
      });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain("This form has expired");
    }
    const accepted = await visitor.post("/shop/cart/items", {
      _csrf: visitor.csrf,
      product_id: "1",
      quantity: "1",
    });
    expect(accepted.status).toBe(303);
  });

  it("refuses a form another site sent, even with a valid token", async () => {
    const visitor = new Visitor();
    await visitor.get("/shop");
    const crossSite = await visitor.post(
      "/shop/signin",
      { _csrf: visitor.csrf, email: user.email, password: "pw" },
      { "sec-fetch-site": "cross-site" },
    );
    expect(crossSite.status).toBe(403);
    expect(upstream.seen.some((request) => request.url === "/auth/login")).toBe(false);
  });

  it("gives a new token at sign-in and at sign-out", async () => {
    const visitor = new Visitor();
    await visitor.get("/shop");
    const anonymous = visitor.csrf;
    await visitor.signIn();
    await visitor.get("/shop");
    expect(visitor.csrf).not.toBe(anonymous);
    const signedIn = visitor.csrf;
    expect((await visitor.post("/shop/signout", { _csrf: signedIn })).status).toBe(303);
    expect(upstream.seen.some((request) => request.url === "/auth/logout")).toBe(true);
    await visitor.get("/shop");
    expect(visitor.csrf).not.toBe(signedIn);
  });
});

describe("web pages: tokens and orders", () => {
  it("renews an access token about to run out once, for requests that come together", async () => {
    api.expiresIn = 5; // inside the renewal margin: the next page renews first
    const visitor = new Visitor();
    await visitor.signIn();
    const before = visitor.cookie;
    api.refreshes = 0;
    const pages = await Promise.all([visitor.get("/shop/orders"), visitor.get("/shop/orders")]);
    expect(pages.map((page) => page.status)).toEqual([200, 200]);
    expect(api.refreshes).toBe(1);
    expect(visitor.cookie).not.toBe(before);
  });

  it("never renews the token for a live status poll: it asks the page to reload instead", async () => {
    const visitor = new Visitor();
    await visitor.signIn();
    const live = await visitor.get("/shop/orders/41/live");
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: "pending", status_label: "Placed", final: false });
    api.expiresIn = 5;
    await visitor.signIn();
    api.refreshes = 0;
    const due = await visitor.get("/shop/orders/41/live");
    expect(due.status).toBe(401);
    expect(await due.json()).toEqual({ reload: true });
    expect(api.refreshes).toBe(0);
    expect((await visitor.get("/shop/orders/41")).status).toBe(200);
    expect(api.refreshes).toBe(1);
  });

  it("ends the session when the refresh token is refused", async () => {
    api.expiresIn = 5;
    const visitor = new Visitor();
    await visitor.signIn();
    api.refreshStatus = 401;
    const page = await visitor.get("/shop/orders");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/shop/signin?next=%2Fshop%2Forders");
    api.refreshStatus = 200;
    expect((await visitor.get("/shop/orders")).status).toBe(303); // signed out for good
  });

  it("places the order the checkout form shows with its Idempotency-Key, the same key when sent twice", async () => {
    const visitor = new Visitor();
    await visitor.signIn();
    await visitor.post("/shop/cart/items", { _csrf: visitor.csrf, product_id: "1", quantity: "2" });
    const cart = await (await visitor.get("/shop/cart")).text();
    const key = /name="idempotency_key" value="([^"]+)"/.exec(cart)?.[1] ?? "";
    const items = /name="items" value="([^"]+)"/.exec(cart)?.[1] ?? "";
    expect(items).toBe("1:2");
    const form = {
      _csrf: visitor.csrf,
      items,
      idempotency_key: key,
      payment_method: "tok_visa",
      shipping_address: "1 Main St",
    };
    const [first, second] = await Promise.all([
      visitor.post("/shop/checkout", form),
      visitor.post("/shop/checkout", form),
    ]);
    expect(first.headers.get("location")).toBe("/shop/orders/41");
    expect(second.headers.get("location")).toBe("/shop/orders/41");
    const placed = upstream.seen.filter(
      (request) => request.method === "POST" && request.url === "/api/orders",
    );
    expect(placed.map((request) => request.headers["idempotency-key"])).toEqual([key, key]);
    expect(JSON.parse(placed[0]?.body ?? "{}")).toEqual({
      items: [{ product_id: 1, quantity: 2 }],
      payment_method: "tok_visa",
      shipping_address: "1 Main St",
    });
  });
});

describe("web pages: the back office", () => {
  it("sends an anonymous visitor to sign in and refuses a customer", async () => {
    const anonymous = await new Visitor().get("/admin/orders");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/shop/signin?next=%2Fadmin%2Forders");
    const customer = new Visitor();
    await customer.signIn();
    const refused = await customer.get("/admin");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("The back office is for staff and administrators");
    expect(upstream.seen.some((request) => request.url.startsWith("/api/orders?status"))).toBe(false);
  });

  it("answers an unknown page with an HTML 404, and leaves the API's own answers alone", async () => {
    const missing = await new Visitor().get("/shop/nowhere");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^text\/html/);
    const apiMissing = await gateway.app.request("/api/nowhere");
    expect(apiMissing.headers.get("content-type")).toBe("application/problem+json");
    expect(apiMissing.headers.get("content-security-policy")).toBeNull();
  });
});

describe("web pages: account and back-office forms", () => {
  const sentTo = (method: string, url: string) =>
    upstream.seen.filter((request) => request.method === method && request.url === url);
  const bodyOf = (method: string, url: string) => JSON.parse(sentTo(method, url).at(-1)?.body ?? "{}");
  const flashOf = async (visitor: Visitor, path: string) =>
    /class="flash (ok|error)"[^>]*>([^<]*)</.exec(await (await visitor.get(path)).text())?.slice(1, 3);

  it("lets a shopper change their details, empty fields cleared, and shows the API's refusal", async () => {
    const visitor = new Visitor();
    await visitor.signIn();
    const page = await (await visitor.get("/shop/account")).text();
    expect(page).toContain('<label for="phone">Phone (optional)</label>');
    const details = { name: "Ann B.", email: "ann.b@example.com", phone: "", address: "2 Side St" };
    expect((await visitor.post("/shop/account", { _csrf: visitor.csrf, ...details })).status).toBe(303);
    expect(bodyOf("PUT", "/api/customers/7")).toEqual({ ...details, phone: null });
    expect(await flashOf(visitor, "/shop/account")).toEqual(["ok", "Your details are saved."]);
    expect(await (await visitor.get("/shop")).text()).toContain("<strong>Ann B.</strong>");

    await visitor.post("/shop/account", { _csrf: visitor.csrf, ...details, email: "taken@example.com" });
    expect(await flashOf(visitor, "/shop/account")).toEqual([
      "error",
      "an account with this email already exists",
    ]);
  });

  it("changes a password only with the current one, then signs in afresh with the new one", async () => {
    const visitor = new Visitor();
    await visitor.signIn();
    await visitor.get("/shop/account");
    const wrong = { _csrf: visitor.csrf, current_password: "wrong", password: "a new passphrase" };
    await visitor.post("/shop/account/password", wrong);
    expect(sentTo("PUT", "/api/customers/7")).toEqual([]);
    expect(await flashOf(visitor, "/shop/account")).toEqual(["error", "Your current password is not that."]);

    const before = visitor.cookie;
    const right = { _csrf: visitor.csrf, current_password: "pw", password: "a new passphrase" };
    expect((await visitor.post("/shop/account/password", right)).status).toBe(303);
    expect(bodyOf("PUT", "/api/customers/7")).toEqual({ password: "a new passphrase" });
    expect(bodyOf("POST", "/auth/login")).toEqual({ email: user.email, password: "a new passphrase" });
    expect(visitor.cookie).not.toBe(before);
    expect((await flashOf(visitor, "/shop/account"))?.[0]).toBe("ok");
  });

  it("asks an anonymous visitor to sign in before the account page", async () => {
    const page = await new Visitor().get("/shop/account");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/shop/signin?next=%2Fshop%2Faccount");
  });

  it("edits a product's name, SKU, price and description on its own page", async () => {
    api.role = "staff";
    const visitor = new Visitor();
    await visitor.signIn();
    const page = await (await visitor.get("/admin/products/1")).text();
    expect(page).toContain('<label for="description">Description</label>');
    const fields = { name: "Mouse 2", sku: "MOU002", price: "26.5", description: "" };
    expect((await visitor.post("/admin/products/1", { _csrf: visitor.csrf, ...fields })).status).toBe(303);
    expect(bodyOf("PUT", "/api/products/1")).toEqual({ ...fields, price: 26.5 });
    await visitor.post("/admin/products/1", { _csrf: visitor.csrf, ...fields, price: "-1" });
    expect(await flashOf(visitor, "/admin/products/1")).toEqual(["error", "price: must not be negative"]);
  });

  it("lets an admin open a staff account; staff see no such form", async () => {
    api.role = "staff";
    const staff = new Visitor();
    await staff.signIn();
    expect(await (await staff.get("/admin/customers")).text()).not.toContain("New account");
    api.role = "admin";
    const admin = new Visitor();
    await admin.signIn();
    expect(await (await admin.get("/admin/customers")).text()).toContain("New account");
    const account = { name: "Sam", email: "sam@example.com", password: "staff-password", role: "staff" };
    await admin.post("/admin/customers", { _csrf: admin.csrf, ...account });
    const [registration] = sentTo("POST", "/auth/register");
    expect(JSON.parse(registration?.body ?? "{}")).toEqual(account);
    // With the admin's token: the API refuses another role to anyone else.
    expect(registration?.headers["authorization"]).toMatch(/^Bearer eyJ/);
  });

  it("lists payments for an admin and refuses staff, whom the payment API refuses too", async () => {
    api.role = "admin";
    const admin = new Visitor();
    await admin.signIn();
    const page = await admin.get("/admin/payments?status=failed");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-payment="3"');
    expect(html).toContain("card_declined");
    expect(sentTo("GET", "/api/payments?status=failed&limit=25&page=1")).toHaveLength(1);
    // The filter keeps the status asked for.
    expect(html).toContain('<option value="failed" selected="">Declined</option>');
    expect(html).toContain('<option value="">Any</option>');
    api.role = "staff";
    const staff = new Visitor();
    await staff.signIn();
    expect((await staff.get("/admin/payments")).status).toBe(403);
  });
});
