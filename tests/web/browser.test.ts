import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices } from "../../scripts/dev/services";
import {
  accessibilityProblems,
  browserSystemOptions,
  deadLetterOf,
  launchChromium,
  overflowsSideways,
  PHONE,
  scriptVisibleCookies,
  shop,
  watchErrors,
} from "../support/browser";
import { startSystem, type System } from "../support/system";

/**
 * The shop's main journeys in headless Chromium against every function as a real process: the pages, their
 * one script, the session cookie, CSRF tokens and the live status as a browser meets them.
 */
let system: System;
let browser: Browser;
const errors: string[] = [];
const contexts: BrowserContext[] = [];
/** Every page a journey looked at, checked for landmarks, labels and names at the end. */
const visited = new Map<string, string[]>();

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startSystem({ services: [...devServices], ...browserSystemOptions }),
    launchChromium(),
  ]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function newPage(options: Parameters<Browser["newContext"]>[0] = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL: system.url("gateway"), ...options });
  contexts.push(context);
  const seen = watchErrors(context);
  context.on("close", () => errors.push(...seen));
  const page = await context.newPage();
  page.on("load", () => {
    const path = new URL(page.url()).pathname.replace(/\d+/g, ":id");
    if (!visited.has(path))
      accessibilityProblems(page).then(
        (problems) => visited.set(path, problems),
        () => {},
      );
  });
  return page;
}

describe("the storefront and the back office in Chromium", () => {
  it("a shopper on a phone buys, sees the order confirmed live, and shipped once staff dispatch it", async () => {
    const shopper = await newPage(PHONE);
    const first = await shopper.goto("/shop");
    const headers = first?.headers() ?? {};
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["content-security-policy"]).toContain("require-trusted-types-for 'script'");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(await overflowsSideways(shopper)).toBe(false);

    await shop.register(shopper, "Ann");
    // Tokens live in an HttpOnly cookie: the page's scripts see no cookie at all.
    expect(await scriptVisibleCookies(shopper)).toBe("");
    const [cookie] = await shopper.context().cookies();
    expect(cookie).toMatchObject({ name: "bazaar_session", httpOnly: true, sameSite: "Lax" });

    // A double click on "Place order" is one order (the form's Idempotency-Key; the script sends it once).
    await shop.addToCart(shopper, "Mouse");
    const orderId = await shop.checkout(shopper, "tok_visa", "dblclick");
    await shopper
      .getByRole("status")
      .filter({ hasText: `Order #${orderId} placed` })
      .waitFor();
    await shop.orderStatus(shopper, "confirmed");
    await shopper.locator('[data-field="status"]', { hasText: "Confirmed" }).waitFor();
    await shopper.getByText("bazaar.payment.succeeded").waitFor();
    await shopper.locator('[data-field="shipment_status"]', { hasText: "Scheduled" }).waitFor();
    expect(await overflowsSideways(shopper)).toBe(false);

    const staff = await newPage();
    await shop.signInAsAdmin(staff, `/admin/orders/${orderId}`);
    await staff.getByRole("heading", { name: `Order #${orderId}` }).waitFor();
    await staff.getByRole("button", { name: "Mark dispatched" }).click();
    await staff.getByRole("status").filter({ hasText: "Shipment dispatched." }).waitFor();

    // The shopper's page was left open: the live status brings the news without a reload.
    await shop.orderStatus(shopper, "shipped");
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
    const shopper = await newPage();
    await shop.register(shopper, "Bob");
    await shop.addToCart(shopper, "Keyboard");
    await shop.checkout(shopper, "tok_chargeDeclined");
    await shop.orderStatus(shopper, "cancelled");
    await shopper.locator('[data-field="payment_status"]', { hasText: "Declined" }).waitFor();
    await expect(shopper.locator('[data-field="reason"]').textContent()).resolves.toMatch(/declin/i);
    await expect(shopper.getByRole("button", { name: "Cancel order" }).isHidden()).resolves.toBe(true);

    await shopper.getByRole("link", { name: "Your account: Bob" }).click();
    await shopper.getByLabel("Shipping address (optional)").fill("2 Side Street, Springfield");
    await shopper.getByRole("button", { name: "Save details" }).click();
    await shopper.getByRole("status").filter({ hasText: "Your details are saved." }).waitFor();
  });

  it("staff replay a dead letter from the back office, in an account an admin opened there", async () => {
    await deadLetterOf(system, "notification was down");
    const admin = await newPage();
    await shop.signInAsAdmin(admin, "/admin");
    const account = await shop.openAccount(admin, "Sam", "staff");
    for (const path of ["/admin/payments", "/admin/products/1"]) await admin.goto(path);

    const staff = await newPage();
    await shop.signIn(staff, account.email, account.password, "/admin");
    await staff.getByRole("link", { name: "Dead letters", exact: true }).click();
    const row = staff.locator("tr", { hasText: "notification was down" });
    await expect(row.locator('[data-field="replayed"]').textContent()).resolves.toBe("No");
    // Staff replay; discarding the record is left to an admin.
    expect(await row.getByRole("button", { name: /^Delete dead letter/ }).count()).toBe(0);
    await row.getByRole("button", { name: /^Replay dead letter/ }).click();
    await staff
      .getByRole("status")
      .filter({ hasText: /replayed \(its subscriber answered 2\d\d\)/ })
      .waitFor();
    await expect(row.locator('[data-field="replayed"]').textContent()).resolves.toBe("Yes (1×)");
    expect(await staff.getByRole("link", { name: "Payments", exact: true }).count()).toBe(0);
    for (const path of ["/admin/products", "/admin/orders", "/admin/customers", "/admin"])
      await staff.goto(path);
  });

  it("a customer cannot open the back office, by page or by form", async () => {
    const anonymous = await newPage();
    await anonymous.goto("/admin");
    await anonymous.waitForURL(/\/shop\/signin\?next=%2Fadmin/);

    const customer = await newPage();
    await shop.register(customer, "Cleo");
    const refused = await customer.goto("/admin/dead-letters");
    expect(refused?.status()).toBe(403);
    await customer.getByRole("heading", { name: "Not for customers" }).waitFor();
    expect(await customer.getByRole("link", { name: "Back office" }).count()).toBe(0);

    // A form posted with the customer's own session and CSRF token is refused all the same.
    await customer.goto("/shop");
    const csrf = await customer.locator('input[name="_csrf"]').first().inputValue();
    const posted = await customer.request.post("/admin/dead-letters/1/replay", { form: { _csrf: csrf } });
    expect(posted.status()).toBe(403);
  });

  it("works from the keyboard: the skip link first, then a product into the cart without a mouse", async () => {
    const page = await newPage();
    await page.goto("/shop");
    await page.keyboard.press("Tab");
    await expect(page.evaluate<string>("document.activeElement.textContent")).resolves.toBe(
      "Skip to content",
    );
    await page.keyboard.press("Enter");
    await expect(page.evaluate<string>("document.activeElement.id")).resolves.toBe("main");
    await page.getByLabel("Quantity").nth(1).focus();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Added 2 × Mouse" }).waitFor();
  });

  it("logged no script error or policy violation, and every page has landmarks, labels and names", async () => {
    await Promise.all(contexts.map((context) => context.close()));
    expect(errors).toEqual([]);
    expect(visited.size).toBeGreaterThan(10);
    expect(Object.fromEntries([...visited].filter(([, problems]) => problems.length > 0))).toEqual({});
  });
});
