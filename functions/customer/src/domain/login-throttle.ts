import { and, count, eq, gt, lt, min, type SQL } from "drizzle-orm";
import type { Db, Tx } from "@bazaar/shared/db";
import { TooManyRequests } from "@bazaar/shared/errors";
import type { CustomerSchema } from "../db";
import { loginFailures } from "../db/schema";

export interface ThrottleSettings {
  /** Failed logins for one account from one client address within the window. */
  loginMaxFailures: number;
  /** Failed logins for one account from all addresses together within the window. */
  loginMaxFailuresPerAccount: number;
  loginFailureWindowSeconds: number;
}

/** One login: the account it names and the client address it came from. */
export interface LoginAttempt {
  email: string;
  client: string;
}

type Reader = Db<CustomerSchema> | Tx<CustomerSchema>;

/** Failures matching `where` within the window, and when the oldest of them leaves it. */
async function failuresSince(db: Reader, where: SQL | undefined, since: number) {
  const [row] = await db
    .select({ failures: count(), oldest: min(loginFailures.at) })
    .from(loginFailures)
    .where(and(where, gt(loginFailures.at, since)));
  return { failures: row?.failures ?? 0, oldest: row?.oldest ?? since };
}

/**
 * Brute force is throttled so that somebody else's wrong passwords cannot lock the owner out: after
 * `loginMaxFailures` failures for one account from one address, that address waits out the window while
 * the owner, from their own address, still logs in. Only a flood from many addresses together, the softer
 * `loginMaxFailuresPerAccount`, closes the account to every address until the window has passed.
 */
export async function assertLoginAllowed(
  db: Reader,
  attempt: LoginAttempt,
  settings: ThrottleSettings,
): Promise<void> {
  const windowMs = settings.loginFailureWindowSeconds * 1000;
  const now = Date.now();
  const ofAccount = eq(loginFailures.email, attempt.email);
  const limits = [
    {
      where: and(ofAccount, eq(loginFailures.client, attempt.client)),
      max: settings.loginMaxFailures,
      detail: "too many failed logins for this account from this address",
    },
    {
      where: ofAccount,
      max: settings.loginMaxFailuresPerAccount,
      detail: "too many failed logins for this account from many addresses",
    },
  ];
  for (const { where, max, detail } of limits) {
    const { failures, oldest } = await failuresSince(db, where, now - windowMs);
    if (failures >= max) {
      const retryAfterSeconds = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
      throw new TooManyRequests(`${detail}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }
}

export async function recordLoginFailure(
  tx: Tx<CustomerSchema>,
  attempt: LoginAttempt,
  settings: ThrottleSettings,
): Promise<void> {
  const now = Date.now();
  await tx.insert(loginFailures).values({ email: attempt.email, client: attempt.client, at: now });
  await tx.delete(loginFailures).where(lt(loginFailures.at, now - settings.loginFailureWindowSeconds * 1000));
}

/**
 * A success clears the failures of its own address only: clearing the account's would hand an attacker a
 * fresh account-wide budget every time the owner logs in.
 */
export async function clearLoginFailures(tx: Tx<CustomerSchema>, attempt: LoginAttempt): Promise<void> {
  await tx
    .delete(loginFailures)
    .where(and(eq(loginFailures.email, attempt.email), eq(loginFailures.client, attempt.client)));
}
