import type { Sent } from "./oracle";
import { goodBody, type RouteRule } from "./requests";
import { jsonText, literal } from "./values";

/**
 * Cases at the edges, each with the status it must get: bodies too big (declared or streamed), the wrong
 * content type, JSON too deep or too wide, numbers out of range or of the wrong type, odd ids in paths and
 * queries.
 */

export interface EdgeCase {
  name: string;
  request: Omit<Sent, "url"> & { path: string };
  /** The statuses that are right for it (always with a problem+json body). */
  expected: readonly number[];
}

/** Concrete paths for a route: a valid id that need not exist, so validation is what answers. */
const concretePath = (rule: RouteRule): string => rule.path.replace(/:\w+/g, "999999");

const json = { "content-type": "application/json" };

/** A stream of `bytes` bytes of a JSON string, sent chunked: no Content-Length to refuse it by. */
function streamed(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
  let sent = 0;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"name":"'));
    },
    pull(controller) {
      if (sent >= bytes) {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
        return;
      }
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

/** Body-shape cases for a route that validates a JSON body. */
export function bodyEdges(rule: RouteRule, limitBytes: number): EdgeCase[] {
  const path = concretePath(rule);
  const good = jsonText(goodBody(rule));
  const method = rule.method;
  const depth = 20_000;
  return [
    {
      name: "a body over the limit",
      request: { method, path, headers: json, body: jsonText({ name: "x".repeat(limitBytes) }) },
      expected: [413],
    },
    {
      name: "a chunked body over the limit",
      request: { method, path, headers: json, body: streamed(limitBytes + 1) },
      expected: [413],
    },
    {
      name: "text/plain",
      request: { method, path, headers: { "content-type": "text/plain" }, body: good },
      expected: [415],
    },
    {
      name: "form data",
      request: {
        method,
        path,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "a=1",
      },
      expected: [415],
    },
    {
      name: "no content type",
      request: { method, path, headers: {}, body: new TextEncoder().encode(good) },
      expected: [415],
    },
    {
      name: `arrays ${depth} deep`,
      request: { method, path, headers: json, body: `${"[".repeat(depth)}${"]".repeat(depth)}` },
      expected: [400],
    },
    {
      name: "objects 5000 deep",
      request: { method, path, headers: json, body: `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}` },
      expected: [400],
    },
    {
      name: "an object with 5000 keys",
      request: {
        method,
        path,
        headers: json,
        body: jsonText(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))),
      },
      expected: [400],
    },
    {
      name: "an array of 10000 numbers",
      request: { method, path, headers: json, body: jsonText(Array.from({ length: 10_000 }, (_, i) => i)) },
      expected: [400],
    },
    {
      name: "truncated JSON",
      request: { method, path, headers: json, body: good.slice(0, -1) },
      expected: [400],
    },
    { name: "an empty body", request: { method, path, headers: json, body: "" }, expected: [400] },
  ];
}

/** Out-of-range or wrongly typed numbers, field by field, where the route has number fields. */
const NUMBER_FIELDS: {
  method: string;
  path: string;
  field: string;
  body: (v: unknown) => unknown;
  bad: unknown[];
}[] = [
  {
    method: "POST",
    path: "/api/orders",
    field: "product_id",
    body: (v) => ({ items: [{ product_id: v, quantity: 1 }] }),
    bad: [-1, 0, 1.5, "1", literal("1e309"), literal("9007199254740993"), 1e21, null, true, []],
  },
  {
    method: "POST",
    path: "/api/orders",
    field: "quantity",
    body: (v) => ({ product_id: 1, quantity: v }),
    bad: [0, -1, 1.5, "2", literal("1e309"), literal("-1e309"), 1001, null],
  },
  {
    method: "POST",
    path: "/api/products",
    field: "price",
    body: (v) => ({ name: "Edge", price: v, sku: "EDGE-1" }),
    bad: [-1, "9.99", literal("1e309"), 0.001, 10_000_001, null],
  },
  {
    method: "POST",
    path: "/api/products",
    field: "quantity",
    body: (v) => ({ name: "Edge", price: 1, quantity: v, sku: "EDGE-2" }),
    bad: [-1, 1.5, "3", literal("1e309"), 1_000_000_001],
  },
  {
    method: "POST",
    path: "/api/products/1/stock",
    field: "delta",
    body: (v) => ({ delta: v }),
    bad: [0, 1.5, "2", literal("1e309"), literal("-1e309"), 1_000_000_001],
  },
  {
    method: "PUT",
    path: "/api/products/1",
    field: "price_cents",
    body: (v) => ({ price_cents: v }),
    bad: [-1, 1.5, "100", literal("1e309"), 1_000_000_001],
  },
];

export const numberEdges = (): EdgeCase[] =>
  NUMBER_FIELDS.flatMap(({ method, path, field, body, bad }) =>
    bad.map((value) => ({
      name: `${method} ${path} with ${field} = ${jsonText(value)}`,
      request: { method, path, headers: json, body: jsonText(body(value)) },
      expected: [400],
    })),
  );

/**
 * Ids in paths that are not ids, for every read route with one. (Number() also reads " 1", "0x10" and "1e3"
 * as ids, so those name a record rather than fail: lenient, not harmful; see RELIABILITY.md.)
 */
const BAD_IDS = [
  "-1",
  "0",
  "1.5",
  "1e309",
  "abc",
  "9007199254740993",
  "%00",
  "1%00",
  "%F0%9F%92%A9",
  "%E2%80%AE1",
];

export function idEdges(rules: readonly RouteRule[]): EdgeCase[] {
  return rules
    .filter((r) => r.method === "GET" && /:(id|order_id)\b/.test(r.path))
    .flatMap((rule) =>
      BAD_IDS.map((id) => ({
        name: `GET ${rule.path} with ${id}`,
        request: { method: "GET", path: rule.path.replace(/:\w+/, id), headers: {} },
        expected: [400],
      })),
    );
}

/** Query values out of range on every list route. */
export function queryEdges(rules: readonly RouteRule[]): EdgeCase[] {
  const lists = rules.filter(
    (r) => r.method === "GET" && !r.path.includes(":") && r.path.startsWith("/api/"),
  );
  const bad = [
    "limit=0",
    "limit=101",
    "limit=1.5",
    "limit=1e309",
    "limit=-1",
    "limit=abc",
    "limit=%ff",
    "page=0",
    "page=1&page=2",
    "limit=1&nonsense=1",
  ];
  return lists.flatMap((rule) =>
    bad.map((query) => ({
      name: `GET ${rule.path}?${query}`,
      request: { method: "GET", path: `${rule.path}?${query}`, headers: {} },
      expected: [400],
    })),
  );
}
