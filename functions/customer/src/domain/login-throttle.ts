import { and, count, eq, gt, lt, min } from "drizzle-orm";
import { TooManyRequests } from "@bazaar/shared/errors";
import type { Db, Tx } from "@bazaar/shared/db";
import { loginFailures } from "../db/schema";
import type { CustomerSchema } from "../db";

export interface ThrottleSettings {
  loginMaxFailures: number;
  loginFailureWindowSeconds: number;
}

/** Brute force: after N failed logins for one email within the window, further tries get 429 until it passes. */
export async function assertLoginAllowed(
  db: Db<CustomerSchema> | Tx<CustomerSchema>,
  email: string,
  settings: ThrottleSettings,
): Promise<void> {
  const windowMs = settings.loginFailureWindowSeconds * 1000;
  const since = Date.now() - windowMs;
  const [row] = await db
    .select({ failures: count(), oldest: min(loginFailures.at) })
    .from(loginFailures)
    .where(and(eq(loginFailures.email, email), gt(loginFailures.at, since)));
  if (row && row.failures >= settings.loginMaxFailures) {
    const retryAfterSeconds = ((row.oldest ?? Date.now()) + windowMs - Date.now()) / 1000;
    throw new TooManyRequests("too many failed logins for this account; try again later", {
      retryAfterSeconds,
    });
  }
}

export async function recordLoginFailure(
  tx: Tx<CustomerSchema>,
  email: string,
  settings: ThrottleSettings,
): Promise<void> {
  const now = Date.now();
  await tx.insert(loginFailures).values({ email, at: now });
  await tx.delete(loginFailures).where(lt(loginFailures.at, now - settings.loginFailureWindowSeconds * 1000));
}

export async function clearLoginFailures(tx: Tx<CustomerSchema>, email: string): Promise<void> {
  await tx.delete(loginFailures).where(eq(loginFailures.email, email));
}
