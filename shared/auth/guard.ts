import type { MiddlewareHandler } from "hono";
import { Forbidden, NotFound, Unauthorized } from "../errors";
import type { AppEnv, Principal, Role } from "../http/context";
import type { TokenVerifier } from "./tokens";

const bearer = (header: string | undefined): string | undefined => {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
};

/** A further look at a verified principal, e.g. whether the account still exists; throws to refuse. */
export type PrincipalCheck = (principal: Principal) => Promise<void>;

/**
 * Reads the Authorization header once per request. No header: anonymous. A header that does not verify, or
 * whose principal a check refuses: 401, even on routes that allow anonymous callers, so a broken token is
 * never silently ignored. Identity comes only from the verified token, never from headers like X-User-Id.
 */
export function authenticate(verify: TokenVerifier, ...checks: PrincipalCheck[]): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const token = bearer(header);
      if (!token) throw new Unauthorized("authorization header must be 'Bearer <token>'");
      const principal = await verify(token);
      for (const check of checks) await check(principal);
      c.set("principal", principal);
    }
    await next();
  };
}

/** 401 without a verified token, 403 with a role not on the list. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(roles);
  return async function requireRole(c, next) {
    const principal = c.get("principal");
    if (!principal) throw new Unauthorized("authentication required");
    if (!allowed.has(principal.role)) throw new Forbidden(`role ${principal.role} may not do this`);
    await next();
  };
}

/** Ownership: a customer reaches only their own records; staff and admin as the route allows. */
export function assertOwnerOr(principal: Principal, ownerId: number, ...privileged: Role[]): void {
  if (principal.id === ownerId || privileged.includes(principal.role)) return;
  throw new Forbidden("this record belongs to another customer");
}

/**
 * A record the caller may see, else exactly what a missing one gets: NotFound("<what> not found"). A 403 for
 * another customer's order, payment or shipment would confirm that the id exists, and ids are sequential.
 */
export function visibleOrNotFound<T extends { customerId: number }>(
  principal: Principal,
  record: T | undefined,
  what: string,
  ...privileged: Role[]
): T {
  if (record && (record.customerId === principal.id || privileged.includes(principal.role))) return record;
  throw new NotFound(`${what} not found`);
}

export const principalOf = (c: { get: (key: "principal") => Principal | undefined }): Principal => {
  const principal = c.get("principal");
  if (!principal) throw new Unauthorized("authentication required");
  return principal;
};
