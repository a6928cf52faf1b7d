import type { Random } from "../support/random";
import { jsonText, nastyHeaders, nastyQuery, nastySegment, nastyValue } from "./values";

/** One row of the gateway's routing table, as its OpenAPI document (generated from the table) lists it. */
export interface RouteRule {
  method: string;
  /** Hono form: /api/orders/:id */
  path: string;
  /** The function behind it. */
  upstream: string;
}

/** Every routed operation of the gateway's /openapi.json (its own /openapi.json and /docs are not routed). */
export function routesOf(document: {
  paths: Record<string, Record<string, { tags?: string[] }>>;
}): RouteRule[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) =>
      operation.tags?.[0] && operation.tags[0] !== "gateway"
        ? [
            {
              method: method.toUpperCase(),
              path: path.replace(/\{(\w+)\}/g, ":$1"),
              upstream: operation.tags[0],
            },
          ]
        : [],
    ),
  );
}

/**
 * Fuzz cases for one route of the gateway's routing table: its path with odd params, an odd query, odd
 * headers, and a body that is mostly right with one thing wrong (or entirely wrong). Ids that exist are used
 * only for reads, so a case never deletes the admin whose token the others use.
 */

export interface FuzzCase {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A plausible body per route (what a client means to send), the start of every mutation. */
const TEMPLATES: Record<string, () => Record<string, unknown>> = {
  "POST /auth/register": () => ({
    name: "Fuzz",
    email: `fuzz${Math.random()}@test.local`,
    password: "a-good-password",
  }),
  "POST /auth/login": () => ({ email: "admin@test.local", password: "not-the-password" }),
  "POST /auth/refresh": () => ({ refresh_token: "r".repeat(40) }),
  "POST /auth/logout": () => ({ refresh_token: "r".repeat(40) }),
  "PUT /api/customers/:id": () => ({ name: "New Name", phone: "123", address: "Somewhere" }),
  "POST /api/products": () => ({ name: "Fuzz product", price: 9.99, quantity: 3, sku: `FZ-${Date.now()}` }),
  "PUT /api/products/:id": () => ({ name: "Renamed", price: 1.5 }),
  "POST /api/products/:id/stock": () => ({ delta: 2, reason: "fuzz" }),
  "POST /api/orders": () => ({ items: [{ product_id: 1, quantity: 1 }], payment_method: "tok_visa" }),
  "POST /api/orders/:id/cancel": () => ({ reason: "changed my mind" }),
  "PUT /api/orders/:id/status": () => ({ status: "shipped", reason: "fuzz" }),
  "PATCH /api/shipments/:id/status": () => ({ status: "dispatched" }),
};

/** Query keys each list route knows (plus junk keys the generator adds). */
const QUERY_KEYS: Record<string, readonly string[]> = {
  "/api/customers": ["limit", "page"],
  "/api/products": ["limit", "page", "cursor", "q"],
  "/api/orders": ["limit", "page", "status", "customer_id"],
  "/api/payments": ["limit", "page", "status"],
  "/api/shipments": ["limit", "page", "status"],
  "/api/notifications": ["limit", "page", "unread", "customer_id"],
  "/api/notifications/customer/:id": ["limit", "page", "unread"],
  "/api/dead-letters": ["limit", "page", "type", "replayed"],
};

const templateOf = (rule: RouteRule) => TEMPLATES[`${rule.method} ${rule.path}`];

/** One thing wrong with a good body, or a bad body altogether. */
function mutatedBody(random: Random, template: Record<string, unknown>): string {
  const body = { ...template };
  const keys = Object.keys(body);
  return random.weighted<() => string>([
    [
      5,
      () => {
        body[random.pick(keys)] = nastyValue(random);
        return jsonText(body);
      },
    ],
    [
      2,
      () => {
        const { [random.pick(keys)]: _dropped, ...rest } = body;
        return jsonText(rest);
      },
    ],
    [
      1,
      () =>
        jsonText({
          ...body,
          [random.pick(["extra", "__proto__", "role", "id", "customer_id"])]: nastyValue(random),
        }),
    ],
    [1, () => jsonText(template)],
    [2, () => jsonText(nastyValue(random))],
    [
      1,
      () =>
        random.pick([
          "",
          "{",
          "{'a':1}",
          '{"a":1,}',
          "[1,2",
          "nul",
          '{"a":NaN}',
          '{"a":Infinity}',
          "\ufeff{}",
          '{"a":"\\ud800"}',
          '{"a":1}{"b":2}',
          '{"name":"a","name":"b"}',
          "\u0000",
        ]),
    ],
  ])();
}

export interface Callers {
  admin: string;
  staff: string;
  customer: string;
}

/** One random case for `rule`; `tokens` are real tokens of each role. */
export function fuzzCase(rule: RouteRule, random: Random, tokens: Callers): FuzzCase {
  const safe = rule.method === "GET";
  const path = rule.path.replace(/:\w+/g, () => nastySegment(random, safe));
  const query =
    safe || random.chance(0.2) ? nastyQuery(random, QUERY_KEYS[rule.path] ?? ["limit", "page"]) : "";
  const token = random.weighted<string | undefined>([
    [3, tokens.admin],
    [2, tokens.staff],
    [3, tokens.customer],
    [2, undefined],
  ]);
  const headers = nastyHeaders(random, token);
  const template = templateOf(rule);
  let body: string | undefined;
  if (template) {
    body = mutatedBody(random, template());
    headers["content-type"] ??= "application/json";
  } else if (!safe && random.chance(0.3)) {
    body = jsonText(nastyValue(random));
  }
  return { method: rule.method, path: `${path}${query}`, headers, ...(body !== undefined && { body }) };
}

/** Does the route take a JSON body? (Those get the 413, 415 and JSON-shape cases.) */
export const takesJson = (rule: RouteRule): boolean => templateOf(rule) !== undefined;

/** A good body for a route that takes one. */
export const goodBody = (rule: RouteRule): Record<string, unknown> => templateOf(rule)?.() ?? {};
