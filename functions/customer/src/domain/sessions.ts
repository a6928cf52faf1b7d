import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { signAccessToken } from "@bazaar/shared/auth";
import { Unauthorized } from "@bazaar/shared/errors";
import type { Tx } from "@bazaar/shared/db";
import { customers, refreshTokens } from "../db/schema";
import type { CustomerSchema } from "../db";
import type { CustomerDeps } from "../deps";

type Customer = typeof customers.$inferSelect;

const digestOf = (token: string): string => createHash("sha256").update(token).digest("hex");

export const publicUser = (c: Customer) => ({ id: c.id, name: c.name, email: c.email, role: c.role });

/** The login body of the original (`token`, `user`) plus OAuth-style fields. */
export async function issueSession(deps: CustomerDeps, tx: Tx<CustomerSchema>, customer: Customer) {
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
  const refreshToken = randomBytes(32).toString("base64url");
  const now = Date.now();
  await tx.insert(refreshTokens).values({
    digest: digestOf(refreshToken),
    customerId: customer.id,
    expiresAt: now + settings.refreshTokenTtlSeconds * 1000,
    createdAt: now,
  });
  return {
    token: accessToken,
    user: publicUser(customer),
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: settings.accessTokenTtlSeconds,
    refresh_token: refreshToken,
  };
}

/**
 * Trades a refresh token for a new session and revokes it. A token presented after it was revoked means it
 * leaked (the thief or the owner used it first): every session of that customer is revoked.
 */
export async function rotateSession(deps: CustomerDeps, tx: Tx<CustomerSchema>, refreshToken: string) {
  const [stored] = await tx
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.digest, digestOf(refreshToken)));
  if (!stored) throw new Unauthorized("unknown refresh token");
  if (stored.revokedAt !== null) {
    await revokeAll(tx, stored.customerId);
    throw new Unauthorized("refresh token was already used; all sessions of this account are revoked");
  }
  if (stored.expiresAt <= Date.now()) throw new Unauthorized("refresh token expired");
  const [customer] = await tx.select().from(customers).where(eq(customers.id, stored.customerId));
  if (!customer) throw new Unauthorized("account no longer exists");
  await tx
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(eq(refreshTokens.digest, stored.digest));
  return issueSession(deps, tx, customer);
}

/** Logout: the token stops working at once. Unknown tokens are refused so a client learns it did nothing. */
export async function revokeSession(tx: Tx<CustomerSchema>, refreshToken: string): Promise<void> {
  const revoked = await tx
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(refreshTokens.digest, digestOf(refreshToken)), isNull(refreshTokens.revokedAt)))
    .returning({ digest: refreshTokens.digest });
  if (revoked.length === 0) throw new Unauthorized("unknown or already revoked refresh token");
}

export async function revokeAll(tx: Tx<CustomerSchema>, customerId: number): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(refreshTokens.customerId, customerId), isNull(refreshTokens.revokedAt)));
}
