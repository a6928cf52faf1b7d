import { eq } from "drizzle-orm";
import type { Hono, MiddlewareHandler } from "hono";
import { authenticate, createTokenVerifier, localKeys } from "@bazaar/shared/auth";
import { Unauthorized } from "@bazaar/shared/errors";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import { customers } from "./db/schema";
import type { CustomerDeps } from "./deps";
import { authRoutes } from "./routes/auth";
import { customerRoutes } from "./routes/customers";

/** The customer function: accounts, sessions and the public keys every other function verifies with. */
export function createApp(deps: CustomerDeps): Hono<AppEnv> {
  const verify = createTokenVerifier(localKeys(deps.signingKey), deps.settings);
  const app = createHttpApp(deps.http);

  app.get("/.well-known/jwks.json", (c) =>
    c.json({ keys: [deps.signingKey.publicJwk] }, 200, { "cache-control": "public, max-age=300" }),
  );
  // Only registration looks at the caller (an admin may create staff); refresh and logout must work with an
  // expired access token still in the Authorization header.
  app.use("/auth/register", authenticate(verify), currentAccount(deps));
  app.use("/api/*", authenticate(verify), currentAccount(deps));
  app.route("/auth", authRoutes(deps));
  app.route("/api/customers", customerRoutes(deps));
  return app;
}

/**
 * This function owns the accounts, so it can do better than trust a token until it expires: a deleted
 * account is refused at once and a changed role takes effect on the next request.
 */
function currentAccount(deps: CustomerDeps): MiddlewareHandler<AppEnv> {
  return async function currentAccount(c, next) {
    const principal = c.get("principal");
    if (principal) {
      const [row] = await deps.database.db
        .select({ role: customers.role, email: customers.email })
        .from(customers)
        .where(eq(customers.id, principal.id));
      if (!row) throw new Unauthorized("this account no longer exists");
      c.set("principal", { id: principal.id, role: row.role, email: row.email });
    }
    await next();
  };
}
