import { randomUUID } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceNames } from "../../shared/config/services";
import {
  launchChromium,
  overflowsSideways,
  PHONE,
  scriptVisibleCookies,
  watchErrors,
} from "../support/browser";
import { deliver } from "../support/events";
import { ADMIN, startSystem, type System } from "../support/system";

/**
 * The shop's main journeys in headless Chromium against every function as a real process: the pages, their
 * one script, the session cookie, CSRF tokens and the live status as a browser meets them.
 */
let system: System;
let browser: Browser;
let base: string;
const errors: string[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startSystem({
      services: [...serviceNames],
      env: {
        // Every journey signs in from 127.0.0.1: the per-address login limit is not what is tested here.
        gateway: { RATE_LIMIT_AUTH: "1000" },
        broker: { BROKER_BACKOFF_DELAY_MS: "300" },
        payment: { PAYMENT_SLOW_MS: "200" },
      },
    }),
    launchChromium(),
  ]);
  base = system.url("gateway");
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function newContext(options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: base, ...options });
  contexts.push(context);
  const seen = watchErrors(context);
  context.on("close", () => errors.push(...seen));
  return context;
}

async function register(page: Page, name: string): Promise<{ email: string; password: string }> {
  const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  const password = "a-good-password";
  await page.goto("/shop/register");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password (8 characters or more)").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page
    .getByRole("status")
    .filter({ hasText: `Welcome to Bazaar, ${name}` })
    .waitFor();
  return { email, password };
}

async function signIn(page: Page, email: string, password: string, next = "/shop"): Promise<void> {
  await page.goto(`/shop/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("status").filter({ hasText: "Welcome" }).waitFor();
}

/** From the catalog to an order page: add a product, fill in the checkout, place the order. */
async function buy(page: Page, product: string, card: string, click: "click" | "dblclick" = "click") {
  await page.goto("/shop");
  await page.getByRole("button", { name: `Add ${product} to cart` }).click();
  await page
    .getByRole("status")
    .filter({ hasText: `Added 1 × ${product}` })
    .waitFor();
  await page.getByRole("link", { name: /^Cart \(1\)$/ }).click();
  await page.getByLabel("Card").selectOption(card);
  await page.getByLabel("Shipping address").fill("1 Market Street, Springfield");
  await page.getByRole("button", { name: "Place order" })[click]();
  await page.waitForURL(/\/shop\/orders\/\d+$/);
  return Number(page.url().split("/").pop());
}

const statusBadge = (page: Page, status: string) =>
  page.locator(`[data-live][data-status="${status}"]`).waitFor({ timeout: 20_000 });

describe("the storefront and the back office in Chromium", () => {
  it("a shopper on a phone buys, sees the order confirmed live, and shipped once staff dispatch it", async () => {
    const shopper = await (await newContext(PHONE)).newPage();
    const first = await shopper.goto("/shop");
    const headers = first?.headers() ?? {};
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["content-security-policy"]).toContain("require-trusted-types-for 'script'");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(await overflowsSideways(shopper)).toBe(false);

    await register(shopper, "Ann");
    // Tokens live in an HttpOnly cookie: the page's scripts see no cookie at all.
    expect(await scriptVisibleCookies(shopper)).toBe("");
    const [cookie] = await shopper.context().cookies();
    expect(cookie).toMatchObject({ name: "bazaar_session", httpOnly: true, sameSite: "Lax" });

    // A double click on "Place order" is one order (the form's Idempotency-Key; the script sends it once).
    const orderId = await buy(shopper, "Mouse", "tok_visa", "dblclick");
    await shopper
      .getByRole("status")
      .filter({ hasText: `Order #${orderId} placed` })
      .waitFor();
    await statusBadge(shopper, "confirmed");
    await shopper.locator('[data-field="status"]', { hasText: "Confirmed" }).waitFor();
    await shopper.getByText("bazaar.payment.succeeded").waitFor();
    await shopper.locator('[data-field="shipment_status"]', { hasText: "Scheduled" }).waitFor();
    expect(await overflowsSideways(shopper)).toBe(false);

    const staff = await (await newContext()).newPage();
    await signIn(staff, ADMIN.email, ADMIN.password, `/admin/orders/${orderId}`);
    await staff.getByRole("heading", { name: `Order #${orderId}` }).waitFor();
    await staff.getByRole("button", { name: "Mark dispatched" }).click();
    await staff.getByRole("status").filter({ hasText: "Shipment dispatched." }).waitFor();

    // The shopper's page was left open: the live status brings the news without a reload.
    await statusBadge(shopper, "shipped");
    await shopper.locator('[data-field="shipment_status"]', { hasText: "Dispatched" }).waitFor();
    const tracking = (await shopper.locator('[data-field="tracking_number"]').first().textContent()) ?? "";
    expect(tracking).toMatch(/^BZ[0-9A-Z]{12}$/);
    await shopper.getByRole("link", { name: tracking }).first().click();
    await shopper.getByRole("heading", { name: new RegExp(`Shipment ${tracking}`) }).waitFor();

    await shopper.getByRole("link", { name: "My orders" }).click();
    expect(await shopper.getByRole("link", { name: /^#\d+$/ }).count()).toBe(1);
    await shopper.getByRole("link", { name: "Notifications" }).click();
    await shopper
      .getByRole("heading", { name: /shipped|on its way|dispatched/i })
      .first()
      .waitFor();
  });

  it("a declined card shows the order cancelled, with the reason", async () => {
    const shopper = await (await newContext()).newPage();
    await register(shopper, "Bob");
    await buy(shopper, "Keyboard", "tok_chargeDeclined");
    await statusBadge(shopper, "cancelled");
    await shopper.locator('[data-field="payment_status"]', { hasText: "Declined" }).waitFor();
    await expect(shopper.locator('[data-field="reason"]').textContent()).resolves.toMatch(/declin/i);
    await expect(shopper.getByRole("button", { name: "Cancel order" }).isHidden()).resolves.toBe(true);
  });

  it("staff replay a dead letter from the back office", async () => {
    const notification = system.url("notification");
    const failed = await deliver(
      system.eventKeys,
      `${system.url("dead-letters")}/events`,
      "bazaar.customer.registered",
      { customer_id: 1, email: ADMIN.email, name: "Admin", role: "admin" },
      {
        extensions: {
          knativeerrordest: `${notification}/events`,
          knativeerrorcode: "503",
          knativeerrordata: Buffer.from("notification was down").toString("base64"),
        },
      },
    );
    expect(failed.status).toBe(202);

    const staff = await (await newContext()).newPage();
    await signIn(staff, ADMIN.email, ADMIN.password, "/admin");
    await staff.getByRole("link", { name: "Dead letters", exact: true }).click();
    const row = staff.locator("tr", { hasText: "bazaar.customer.registered" });
    await row.getByText("notification was down").waitFor();
    await expect(row.locator('[data-field="replayed"]').textContent()).resolves.toBe("No");
    await row.getByRole("button", { name: /^Replay dead letter/ }).click();
    await staff
      .getByRole("status")
      .filter({ hasText: /replayed \(its subscriber answered 2\d\d\)/ })
      .waitFor();
    await expect(row.locator('[data-field="replayed"]').textContent()).resolves.toBe("Yes (1×)");
  });

  it("a customer cannot open the back office, by page or by form", async () => {
    const anonymous = await (await newContext()).newPage();
    await anonymous.goto("/admin");
    await anonymous.waitForURL(/\/shop\/signin\?next=%2Fadmin/);

    const customer = await (await newContext()).newPage();
    await register(customer, "Cleo");
    const refused = await customer.goto("/admin/dead-letters");
    expect(refused?.status()).toBe(403);
    await customer.getByRole("heading", { name: "Not for customers" }).waitFor();
    expect(await customer.getByRole("link", { name: "Back office" }).count()).toBe(0);

    // A form posted with the customer's own session and CSRF token is refused all the same.
    const csrf = await customer
      .goto("/shop")
      .then(() => customer.locator('input[name="_csrf"]').first().inputValue());
    const posted = await customer.request.post("/admin/dead-letters/1/replay", { form: { _csrf: csrf } });
    expect(posted.status()).toBe(403);
  });

  it("logged no script error or policy violation on any page", async () => {
    await Promise.all(contexts.map((context) => context.close()));
    expect(errors).toEqual([]);
  });
});
