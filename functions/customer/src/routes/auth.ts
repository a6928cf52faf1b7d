import { Hono } from "hono";
import * as customerApi from "@bazaar/shared/api/customer";
import { Forbidden, Unauthorized } from "@bazaar/shared/errors";
import { clientOf, trustedProxies, validate, type AppEnv, traceOf } from "@bazaar/shared/http";
import type { CustomerDeps } from "../deps";
import { findByEmail, registerCustomer } from "../domain/accounts";
import { customerView, normaliseEmail } from "../domain/customers";
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from "../domain/login-throttle";
import { verifyNothing, verifyPassword } from "../domain/passwords";
import { issueSession, revokeSession, rotateSession } from "../domain/sessions";

const { loginBody, refreshBody, registerBody } = customerApi;

export function authRoutes(deps: CustomerDeps): Hono<AppEnv> {
  const { database, outbox, settings } = deps;
  const proxies = trustedProxies(settings.trustedProxies);
  const accounts = { outbox, scryptCost: settings.scryptCost };

  return new Hono<AppEnv>()
    .post("/register", validate("json", registerBody), async (c) => {
      const body = c.req.valid("json");
      const role = body.role ?? "customer";
      if (role !== "customer" && c.get("principal")?.role !== "admin") {
        throw new Forbidden(`only an admin may register a ${role}`);
      }
      const created = await registerCustomer(accounts, traceOf(c), { ...body, role });
      return c.json(
        { message: "User registered successfully", user_id: created.id, ...customerView(created) },
        201,
        {
          location: `/api/customers/${created.id}`,
        },
      );
    })
    .post("/login", validate("json", loginBody), async (c) => {
      const { password } = c.req.valid("json");
      const email = normaliseEmail(c.req.valid("json").email);
      const attempt = { email, client: clientOf(c, proxies).address };
      // Every attempt counts as a failure until it succeeds, decided in one serialised write: a burst of
      // parallel guesses cannot all pass the check while the slow hash runs.
      await database.write(async (tx) => {
        await assertLoginAllowed(tx, attempt, settings);
        await recordLoginFailure(tx, attempt, settings);
      });
      const customer = await findByEmail(database.db, email);
      // Hash even for an unknown email so timing does not reveal which accounts exist.
      const ok = customer
        ? await verifyPassword(password, customer.passwordHash)
        : await verifyNothing(password, settings.scryptCost);
      if (!customer || !ok) throw new Unauthorized("invalid email or password");
      const session = await database.write(async (tx) => {
        await clearLoginFailures(tx, attempt);
        return issueSession(deps, tx, customer);
      });
      return c.json(session);
    })
    .post("/refresh", validate("json", refreshBody), async (c) => {
      const { refresh_token } = c.req.valid("json");
      // Rotation and reuse detection must commit even when the answer is 401, so the error leaves the tx.
      const result = await database.write(async (tx) => {
        try {
          return { session: await rotateSession(deps, tx, refresh_token) };
        } catch (error) {
          if (error instanceof Unauthorized) return { error };
          throw error;
        }
      });
      if ("error" in result) throw result.error;
      return c.json(result.session);
    })
    .post("/logout", validate("json", refreshBody), async (c) => {
      const { refresh_token } = c.req.valid("json");
      await database.write((tx) => revokeSession(tx, refresh_token));
      return c.json({ message: "Logged out" });
    });
}
