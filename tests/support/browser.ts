import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { deliver } from "./events";
import { ADMIN, type System } from "./system";

/**
 * The system's Chromium (Debian's package; `.ci/run` installs it), driven by playwright-core: no browser is
 * downloaded. CHROMIUM_PATH names another binary. Missing, the suites fail saying so; they never skip.
 */
export function chromiumPath(): string {
  const candidates = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((path): path is string => Boolean(path) && existsSync(path as string));
  if (!found) throw new Error("no Chromium found: apt-get install chromium (or set CHROMIUM_PATH)");
  return found;
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath(),
    // As root in a container Chromium's sandbox cannot start; the pages are our own.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });

/** A phone: 390 × 844 CSS pixels, touch, the mobile viewport meta honoured. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};

/** Fails the test on any error a page logs or throws (a CSP refusal is one). */
export function watchErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  context.on("page", (page) => watchPage(page, errors));
  return errors;
}

function watchPage(page: Page, errors: string[]): void {
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${String(error)}`));
  page.on("console", (message) => {
    // A page a journey expects to be refused (403, 404) is logged as a failed load: not a fault.
    if (message.type() === "error" && !/status of 40[34]/.test(message.text()))
      errors.push(`${page.url()}: ${message.text()}`);
  });
}

/** Whether the page is wider than the screen (something forces sideways scrolling). */
export const overflowsSideways = (page: Page): Promise<boolean> =>
  page.evaluate<boolean>("document.documentElement.scrollWidth > window.innerWidth + 1");

/** What the page's own scripts can read of its cookies (the tests run without the DOM's types). */
export const scriptVisibleCookies = (page: Page): Promise<string> => page.evaluate<string>("document.cookie");

/** What a page's markup does wrong for assistive technology, as far as a few DOM checks can tell. */
export const accessibilityProblems = (page: Page): Promise<string[]> =>
  page.evaluate<string[]>(`(() => {
    const problems = [];
    const count = (selector) => document.querySelectorAll(selector).length;
    if (!document.documentElement.lang) problems.push("no lang on <html>");
    if (count("main") !== 1) problems.push(count("main") + " <main> landmarks");
    if (count("h1") !== 1) problems.push(count("h1") + " <h1> headings");
    if (count("header") < 1) problems.push("no <header> landmark");
    document.querySelectorAll("nav").forEach((nav) => { if (!nav.getAttribute("aria-label")) problems.push("a <nav> without a name"); });
    document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((field) => {
      if (field.labels.length === 0 && !field.getAttribute("aria-label")) problems.push("unlabelled field " + (field.name || field.id));
    });
    document.querySelectorAll("button, a[href]").forEach((control) => {
      if (control.closest("[hidden]")) return; // not shown, not announced
      if (!(control.getAttribute("aria-label") || control.textContent.trim())) problems.push("a control without a name: " + control.outerHTML.slice(0, 80));
    });
    document.querySelectorAll("table").forEach((table) => { if (!table.querySelector("caption")) problems.push("a table without a caption"); });
    return problems;
  })()`);

/** The shop as a person uses it, by the labels and roles on the pages (what a screen reader would find). */
export const shop = {
  async register(page: Page, name: string): Promise<{ email: string; password: string }> {
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
  },

  async signIn(page: Page, email: string, password: string, next = "/shop"): Promise<void> {
    await page.goto(`/shop/signin?next=${encodeURIComponent(next)}`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("status").filter({ hasText: "Welcome" }).waitFor();
  },

  signInAsAdmin: (page: Page, next: string): Promise<void> =>
    shop.signIn(page, ADMIN.email, ADMIN.password, next),

  /** An admin (signed in on `page`) opens an account with a role in the back office; its sign-in. */
  async openAccount(
    page: Page,
    name: string,
    role: "staff" | "admin",
  ): Promise<{ email: string; password: string }> {
    const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
    const password = "a-staff-password";
    await page.goto("/admin/customers");
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("First password (8 characters or more)").fill(password);
    await page.getByLabel("Role", { exact: true }).selectOption(role);
    await page.getByRole("button", { name: "Create account" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `${name} can now sign in as ${role}` })
      .waitFor();
    return { email, password };
  },

  async addToCart(page: Page, product: string): Promise<void> {
    await page.goto("/shop");
    await page.getByRole("button", { name: `Add ${product} to cart` }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `× ${product}` })
      .waitFor();
  },

  /** From the cart to the order's page: card, address, "Place order"; the order's id. */
  async checkout(page: Page, card: string, click: "click" | "dblclick" = "click"): Promise<number> {
    await page.getByRole("link", { name: /^Cart \(\d+\)$/ }).click();
    await page.getByLabel("Card").selectOption(card);
    await page.getByLabel("Shipping address").fill("1 Market Street, Springfield");
    await page.getByRole("button", { name: "Place order" })[click]();
    await page.waitForURL(/\/shop\/orders\/\d+$/);
    return Number(page.url().split("/").pop());
  },

  /** Waits until the order page's status block says the order is in this state (the live status moves it). */
  orderStatus: (page: Page, status: string): Promise<void> =>
    page.locator(`[data-live][data-status="${status}"]`).waitFor({ timeout: 20_000 }),
};

/**
 * A dead letter as the broker's dead-letter sink hands it over: a real, signed event that a subscriber
 * (notification) failed to take, which a replay delivers to it again.
 */
export async function deadLetterOf(system: System, reason: string): Promise<void> {
  const answer = await deliver(
    system.eventKeys,
    `${system.url("dead-letters")}/events`,
    "bazaar.customer.registered",
    { customer_id: 1, email: ADMIN.email, name: "Admin", role: "admin" },
    {
      extensions: {
        knativeerrordest: `${system.url("notification")}/events`,
        knativeerrorcode: "503",
        knativeerrordata: Buffer.from(reason).toString("base64"),
      },
    },
  );
  if (answer.status !== 202) throw new Error(`the dead-letter sink answered ${answer.status}`);
}

/** The system the browser suites and the screenshots run: every function, quick retries, a fast slow card. */
export const browserSystemOptions = {
  env: {
    // Every journey signs in from 127.0.0.1: the per-address login limit is not what is looked at here.
    gateway: { RATE_LIMIT_AUTH: "1000" },
    broker: { BROKER_BACKOFF_DELAY_MS: "300" },
    payment: { PAYMENT_SLOW_MS: "200" },
  },
};
