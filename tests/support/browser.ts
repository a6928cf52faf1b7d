import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

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
