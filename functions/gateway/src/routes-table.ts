import { TrieRouter } from "hono/router/trie-router";
import { operationInputs, type OperationInput, type OperationKey } from "@bazaar/shared/api";
import { ROLES, type Role } from "@bazaar/shared/auth";
import { functionNames, type ServiceName } from "@bazaar/shared/config";

/** The functions the gateway routes to: every function but itself. */
export type UpstreamName = Exclude<ServiceName, "gateway">;
export const upstreamNames = functionNames.filter((name): name is UpstreamName => name !== "gateway");

/**
 * Rate-limit classes (DESIGN §7): logins and registrations are strict per client address, whatever token
 * comes with them (brute force), order placement is 50/min per user as the original, reads are generous,
 * other writes in between.
 */
export const rateClasses = ["auth", "order-placement", "read", "write"] as const;
export type RateClass = (typeof rateClasses)[number];

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * `public`: anyone, a token is optional (but verified if sent). `credentials`: anyone, and a token is not
 * read at all: the body carries the caller's credentials (a password, a refresh token), so a stale token that
 * a client attaches to every call cannot lock it out of signing in again. Otherwise the roles that may pass
 * the edge.
 */
export type Access = "public" | "credentials" | readonly Role[];

/** Whether the edge reads a route's bearer token: verified if sent, and required unless anyone may call. */
export const readsToken = (access: Access): boolean => access !== "credentials";

/** The roles a route admits at the edge, or undefined when anyone may call it. */
export const edgeRoles = (access: Access): readonly Role[] | undefined =>
  typeof access === "string" ? undefined : access;

export interface RouteRule {
  method: Method;
  /** Hono path pattern; also the route template in metrics and the path in the OpenAPI document. */
  path: string;
  upstream: UpstreamName;
  access: Access;
  rateClass: RateClass;
  summary: string;
  /** The upstream's success status when it is not 200 (documentation only). */
  successStatus?: 201 | 202;
  /**
   * The schemas the upstream validates this route's input with (shared/api), which the OpenAPI document is
   * generated from. Undefined only by mistake, which the routing table's test catches.
   */
  input?: OperationInput | undefined;
}

const ANYONE = "public";
const BY_CREDENTIALS = "credentials";
const SIGNED_IN: readonly Role[] = ROLES;
const CUSTOMER_OR_ADMIN: readonly Role[] = ["customer", "admin"];
const STAFF_OR_ADMIN: readonly Role[] = ["staff", "admin"];
const ADMIN: readonly Role[] = ["admin"];

const row = (
  method: Method,
  path: string,
  upstream: UpstreamName,
  access: Access,
  rateClass: RateClass,
  summary: string,
  successStatus?: 201 | 202,
): RouteRule => ({
  method,
  path,
  upstream,
  access,
  rateClass,
  summary,
  ...(successStatus && { successStatus }),
  input: operationInputs[`${method} ${path}` as OperationKey],
});

/**
 * Every public path of DESIGN §3 with its upstream, the roles that may pass the edge and its rate-limit
 * class. The edge check is coarse (the role); ownership ("a customer only their own order") is checked again
 * in the function, which verifies the token itself. A path not in this table is a 404 at the gateway.
 */
// prettier-ignore
export const routeTable: readonly RouteRule[] = [
  //  method    path                                       upstream         access              rate class         summary

  // customer: accounts, sessions, keys
  row("POST",   "/auth/register",                          "customer",      ANYONE,             "auth",            "Register an account (a role other than customer needs an admin token)", 201),
  row("POST",   "/auth/login",                             "customer",      BY_CREDENTIALS,     "auth",            "Log in with email and password; returns access and refresh tokens"),
  row("POST",   "/auth/refresh",                           "customer",      BY_CREDENTIALS,     "write",           "Trade a refresh token for a new token pair (rotating)"),
  row("POST",   "/auth/logout",                            "customer",      BY_CREDENTIALS,     "write",           "Revoke a refresh token"),
  row("GET",    "/.well-known/jwks.json",                  "customer",      ANYONE,             "read",            "Public keys (EdDSA) that verify access tokens"),
  row("GET",    "/api/customers",                          "customer",      STAFF_OR_ADMIN,     "read",            "List customers"),
  row("GET",    "/api/customers/:id",                      "customer",      SIGNED_IN,          "read",            "One customer (a customer only their own)"),
  row("PUT",    "/api/customers/:id",                      "customer",      CUSTOMER_OR_ADMIN,  "write",           "Update a customer (a customer only their own; role changes admin only)"),
  row("DELETE", "/api/customers/:id",                      "customer",      CUSTOMER_OR_ADMIN,  "write",           "Delete a customer (a customer only their own)"),

  // inventory: the catalog
  row("GET",    "/api/products",                           "inventory",     ANYONE,             "read",            "List products (limit, cursor or page, q search)"),
  row("GET",    "/api/products/:id",                       "inventory",     ANYONE,             "read",            "One product with reserved and available stock"),
  row("POST",   "/api/products",                           "inventory",     STAFF_OR_ADMIN,     "write",           "Create a product", 201),
  row("PUT",    "/api/products/:id",                       "inventory",     STAFF_OR_ADMIN,     "write",           "Update a product"),
  row("DELETE", "/api/products/:id",                       "inventory",     ADMIN,              "write",           "Delete a product"),
  row("POST",   "/api/products/:id/stock",                 "inventory",     STAFF_OR_ADMIN,     "write",           "Adjust a product's stock"),

  // order: the saga's orchestrator
  row("POST",   "/api/orders",                             "order",         CUSTOMER_OR_ADMIN,  "order-placement", "Place an order (Idempotency-Key honoured)", 202),
  row("GET",    "/api/orders",                             "order",         SIGNED_IN,          "read",            "List orders (a customer sees their own)"),
  row("GET",    "/api/orders/:id",                         "order",         SIGNED_IN,          "read",            "One order with items, statuses and timeline (owner, staff, admin)"),
  row("POST",   "/api/orders/:id/cancel",                  "order",         CUSTOMER_OR_ADMIN,  "write",           "Cancel an order before shipping (owner, admin)"),
  row("PUT",    "/api/orders/:id/status",                  "order",         STAFF_OR_ADMIN,     "write",           "Move an order to a legal next status"),

  // payment
  row("GET",    "/api/payments",                           "payment",       CUSTOMER_OR_ADMIN,  "read",            "List payments and refunds (a customer sees their own)"),
  row("GET",    "/api/payments/:id",                       "payment",       CUSTOMER_OR_ADMIN,  "read",            "One payment with its refunds (owner, admin)"),
  row("GET",    "/api/payments/order/:order_id",           "payment",       CUSTOMER_OR_ADMIN,  "read",            "The payment of one order (owner, admin)"),

  // shipping
  row("GET",    "/api/shipments",                          "shipping",      SIGNED_IN,          "read",            "List shipments (a customer sees their own)"),
  row("GET",    "/api/shipments/track/:tracking_number",   "shipping",      SIGNED_IN,          "read",            "Track a shipment by its tracking number"),
  row("GET",    "/api/shipments/order/:order_id",          "shipping",      SIGNED_IN,          "read",            "The shipment of one order (owner, staff, admin)"),
  row("GET",    "/api/shipments/:id",                      "shipping",      SIGNED_IN,          "read",            "One shipment (owner, staff, admin)"),
  row("PATCH",  "/api/shipments/:id/status",               "shipping",      STAFF_OR_ADMIN,     "write",           "Update a shipment's status"),

  // notification
  row("GET",    "/api/notifications",                      "notification",  SIGNED_IN,          "read",            "List notifications (a customer sees their own)"),
  row("GET",    "/api/notifications/customer/:id",         "notification",  SIGNED_IN,          "read",            "A customer's notifications (owner, staff, admin)"),
  row("POST",   "/api/notifications/:id/read",             "notification",  SIGNED_IN,          "write",           "Mark a notification read (owner)"),
  row("POST",   "/api/notifications/read-all",             "notification",  SIGNED_IN,          "write",           "Mark all of the caller's notifications read"),

  // dead-letters
  row("GET",    "/api/dead-letters",                       "dead-letters",  STAFF_OR_ADMIN,     "read",            "List dead-lettered events"),
  row("GET",    "/api/dead-letters/:id",                   "dead-letters",  STAFF_OR_ADMIN,     "read",            "One dead-lettered event"),
  row("POST",   "/api/dead-letters/:id/replay",            "dead-letters",  STAFF_OR_ADMIN,     "write",           "Send a dead-lettered event to the broker again"),
  row("DELETE", "/api/dead-letters/:id",                   "dead-letters",  ADMIN,              "write",           "Delete a dead-lettered event"),
];

export interface RouteMatch {
  rule: RouteRule;
  params: Record<string, string>;
}

export interface RouteLookup {
  find(method: string, path: string): RouteMatch | undefined;
  /** Methods the table knows for a path: non-empty means a wrong method is a 405, not a 404. */
  methodsFor(path: string): Method[];
}

/** Lookups with Hono's own router, so they match exactly what the app routes. */
export function createRouteLookup(rules: readonly RouteRule[] = routeTable): RouteLookup {
  const router = new TrieRouter<RouteRule>();
  for (const rule of rules) router.add(rule.method, rule.path, rule);
  const methods = [...new Set(rules.map((rule) => rule.method))];
  const find = (method: string, path: string): RouteMatch | undefined => {
    const [first] = router.match(method.toUpperCase(), path)[0];
    return first ? { rule: first[0], params: { ...(first[1] as Record<string, string>) } } : undefined;
  };
  return {
    find,
    methodsFor: (path) => methods.filter((method) => find(method, path) !== undefined),
  };
}
