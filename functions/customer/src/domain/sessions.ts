import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { signAccessToken } from "@bazaar/shared/auth";
import type { Tx } from "@bazaar/shared/db";
import { Unauthorized } from "@bazaar/shared/errors";
import type { CustomerSchema } from "../db";
import { customers, refreshTokens } from "../db/schema";
import type { CustomerDeps } from "../deps";
import { openSuccessor, sealSuccessor } from "./successor";

type Customer = typeof customers.$inferSelect;
type TokenRow = typeof refreshTokens.$inferSelect;

const digestOf = (token: string): string => createHash("sha256").update(token).digest("hex");

export const publicUser = (c: Customer) => ({ id: c.id, name: c.name, email: c.email, role: c.role });

/** The login body of the original (`token`, `user`) plus OAuth-style fields. */
export async function issueSession(deps: CustomerDeps, tx: Tx<CustomerSchema>, customer: Customer) {
  const refreshToken = randomBytes(32).toString("base64url");
  const now = Date.now();
  await tx.insert(refreshTokens).values({
    digest: digestOf(refreshToken),
    customerId: customer.id,
    expiresAt: now + deps.settings.refreshTokenTtlSeconds * 1000,
    createdAt: now,
  });
  return sessionOf(deps, customer, refreshToken);
}

async function sessionOf(deps: CustomerDeps, customer: Customer, refreshToken: string) {
  const { settings } = deps;
  const accessToken = await signAccessToken(
    deps.signingKey,
    { id: customer.id, role: customer.role, email: customer.email },
    {
      issuer: settings.issuer,
      audience: settings.audience,
      ttlSeconds: settings.accessTokenTtlSeconds,
    },
  );
  return {
    token: accessToken,
    user: publicUser(customer),
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: settings.accessTokenTtlSeconds,
    refresh_token: refreshToken,
  };
}

const findToken = async (tx: Tx<CustomerSchema>, token: string) =>
  (
    await tx
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.digest, digestOf(token)))
  )[0];

async function customerOf(tx: Tx<CustomerSchema>, id: number): Promise<Customer> {
  const [customer] = await tx.select().from(customers).where(eq(customers.id, id));
  if (!customer) throw new Unauthorized("account no longer exists");
  return customer;
}

/**
 * Trades a refresh token for a new session and revokes it, keeping on its row when it was rotated and its
 * successor, sealed with it (domain/successor.ts). A token presented after it was rotated means it leaked
 * (the thief or the owner used it first): every session of that customer is revoked, unless it is a repeat
 * within the grace period (repeatedRotation). One signed out or ended with the account's others is only
 * refused: its holder was told it was over, and nothing says anyone else has it.
 */
export async function rotateSession(deps: CustomerDeps, tx: Tx<CustomerSchema>, refreshToken: string) {
  const stored = await findToken(tx, refreshToken);
  if (!stored) throw new Unauthorized("unknown refresh token");
  const now = Date.now();
  if (stored.revokedAt !== null) {
    if (!wasRotated(stored)) throw new Unauthorized("refresh token was revoked; sign in again");
    return repeatedRotation(deps, tx, stored, refreshToken, now);
  }
  if (stored.expiresAt <= now) throw new Unauthorized("refresh token expired");
  const session = await issueSession(deps, tx, await customerOf(tx, stored.customerId));
  await tx
    .update(refreshTokens)
    .set({
      revokedAt: now,
      revokeReason: "rotated",
      rotatedAt: now,
      successor: sealSuccessor(refreshToken, session.refresh_token),
    })
    .where(eq(refreshTokens.digest, stored.digest));
  return session;
}

/** A row revoked before reasons were kept (null) may have been rotated: its reuse still counts as theft. */
const wasRotated = (row: TokenRow): boolean => row.revokeReason === "rotated" || row.revokeReason === null;

/** Successors followed at most (a token rotated, its successor rotated too, all within the grace period). */
const MAX_HOPS = 8;

/**
 * A rotated refresh token presented again. Within REFRESH_TOKEN_REUSE_GRACE_SECONDS of its rotation this is
 * taken for a race, not a theft: two page loads sent with one session cookie reach two gateway replicas as
 * the access token runs out, and both spend the same refresh token. The repeat gets a new access token and
 * the SAME successor refresh token the first got (opened from the rotated row, so any replica can answer),
 * so both end up holding one session, and nothing is revoked. Later than that it is reuse, as before.
 *
 * What the window gives a thief: a stolen token replayed within it yields the session its owner holds rather
 * than ending every session, and a thief who spent it first is not caught by the owner's repeat within the
 * window. Detection is put off, not lost: once either of them rotates the shared successor, the other's next
 * use of it comes after its window and revokes everything. Hence a short window (15 s by default, 0 turns it
 * off): room for requests already in flight, little for a token that leaked.
 */
async function repeatedRotation(
  deps: CustomerDeps,
  tx: Tx<CustomerSchema>,
  rotated: TokenRow,
  token: string,
  now: number,
) {
  const graceMs = deps.settings.refreshReuseGraceSeconds * 1000;
  const withinGrace = (row: TokenRow): row is TokenRow & { rotatedAt: number; successor: string } =>
    row.rotatedAt !== null && row.successor !== null && now - row.rotatedAt <= graceMs;
  if (!withinGrace(rotated)) {
    await revokeAll(tx, rotated.customerId);
    throw new Unauthorized("refresh token was already used; all sessions of this account are revoked");
  }
  let [row, current]: [TokenRow | undefined, string] = [rotated, token];
  for (let hop = 0; hop < MAX_HOPS && row && withinGrace(row); hop++) {
    const next = openSuccessor(current, row.successor);
    if (next === undefined) break;
    const nextRow = await findToken(tx, next);
    if (nextRow && nextRow.revokedAt === null) {
      if (nextRow.expiresAt <= now) throw new Unauthorized("refresh token expired");
      return sessionOf(deps, await customerOf(tx, nextRow.customerId), next);
    }
    [row, current] = [nextRow, next];
  }
  // The successor was revoked since (signed out, password or role changed): the session is over, not stolen.
  throw new Unauthorized("this session has ended; sign in again");
}

/** Logout: the token stops working at once. Unknown tokens are refused so a client learns it did nothing. */
export async function revokeSession(tx: Tx<CustomerSchema>, refreshToken: string): Promise<void> {
  const revoked = await tx
    .update(refreshTokens)
    .set({ revokedAt: Date.now(), revokeReason: "logged-out" })
    .where(and(eq(refreshTokens.digest, digestOf(refreshToken)), isNull(refreshTokens.revokedAt)))
    .returning({ digest: refreshTokens.digest });
  if (revoked.length === 0) throw new Unauthorized("unknown or already revoked refresh token");
}

export async function revokeAll(tx: Tx<CustomerSchema>, customerId: number): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: Date.now(), revokeReason: "all-sessions-ended" })
    .where(and(eq(refreshTokens.customerId, customerId), isNull(refreshTokens.revokedAt)));
}
