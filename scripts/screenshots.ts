/**
 * Screenshots of the storefront and the back office for docs/web.md, from a real run: every function started
 * as `npm start` would (a fresh data folder), Debian's Chromium driven through the journeys the browser suite
 * runs. Writes docs/screenshots/*.png.
 *
 *   npx tsx scripts/screenshots.ts
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { browserSystemOptions, deadLetterOf, launchChromium, PHONE, shop } from "../tests/support/browser";
import { startSystem } from "../tests/support/system";
import { devServices } from "./dev/services";

const folder = resolve(import.meta.dirname, "../docs/screenshots");
const DESKTOP = { viewport: { width: 1280, height: 900 } };

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage, animations: "disabled" });
  console.log(`docs/screenshots/${name}.png`);
}

async function run(browser: Browser, base: string): Promise<void> {
  const open = async (options: object) => (await browser.newContext({ baseURL: base, ...options })).newPage();

  const shopper = await open(DESKTOP);
  await shop.register(shopper, "Ann");
  await shop.addToCart(shopper, "Laptop");
  await shop.addToCart(shopper, "Mouse");
  await shopper.goto("/shop");
  await shoot(shopper, "catalog");
  await shopper.goto("/shop/cart");
  await shopper.getByLabel("Shipping address").fill("1 Market Street, Springfield");
  await shoot(shopper, "cart", true);
  const paid = await shop.checkout(shopper, "tok_visa");
  await shop.orderStatus(shopper, "confirmed");

  const staff = await open(DESKTOP);
  await shop.signInAsAdmin(staff, `/admin/orders/${paid}`);
  await staff.getByRole("button", { name: "Mark dispatched" }).click();
  await staff.getByRole("status").waitFor();
  await shop.orderStatus(shopper, "shipped");
  await shoot(shopper, "order-shipped", true);

  await shop.addToCart(shopper, "Headphones");
  await shop.checkout(shopper, "tok_chargeDeclined");
  await shop.orderStatus(shopper, "cancelled");
  await shoot(shopper, "order-declined", true);
  await shopper.goto("/shop/notifications");
  await shoot(shopper, "notifications");

  const phone = await open(PHONE);
  await shop.register(phone, "Pia");
  await phone.goto("/shop");
  await shoot(phone, "phone-catalog");
  await shop.addToCart(phone, "Keyboard");
  await shop.checkout(phone, "tok_visa");
  await shop.orderStatus(phone, "confirmed");
  await phone.locator('[data-field="shipment_status"]', { hasText: "Scheduled" }).waitFor();
  await shoot(phone, "phone-order", true);

  await deadLetterOf(system, "notification was down");
  await staff.goto("/admin");
  await shoot(staff, "admin-overview");
  await staff.goto("/admin/orders");
  await shoot(staff, "admin-orders");
  await staff.goto(`/admin/orders/${paid}`);
  await shoot(staff, "admin-order", true);
  await staff.goto("/admin/products");
  await shoot(staff, "admin-products");
  await staff.goto("/admin/dead-letters");
  await shoot(staff, "admin-dead-letters");
  await staff.goto("/admin/customers");
  await shoot(staff, "admin-customers", true);
  await staff.goto("/admin/payments");
  await shoot(staff, "admin-payments");
  await staff.goto("/admin/products/2");
  await shoot(staff, "admin-product");
  await shopper.goto("/shop/account");
  await shoot(shopper, "account", true);

  const customer = await open(DESKTOP);
  await shop.signIn(customer, (await shop.register(customer, "Cleo")).email, "a-good-password");
  await customer.goto("/admin");
  await shoot(customer, "admin-refused");
}

mkdirSync(folder, { recursive: true });
const system = await startSystem({ services: [...devServices], ...browserSystemOptions });
const browser = await launchChromium();
try {
  await run(browser, system.url("gateway"));
} finally {
  await browser.close();
  await system.stop();
}
