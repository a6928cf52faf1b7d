import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices, type DevService } from "../../scripts/dev/services";
import { call } from "../support/http";
import { seededRandom, seedFrom } from "../support/random";
import { adminToken, newShopper } from "../support/shop";
import { startSystem, type System } from "../support/system";
import { bodyEdges, idEdges, numberEdges, queryEdges, type EdgeCase } from "./edges";
import { judge, send, type RawAnswer } from "./oracle";
import { fuzzCase, routesOf, takesJson, type Callers, type FuzzCase, type RouteRule } from "./requests";
import { NASTY_STRINGS } from "./values";

/**
 * Bad input, through the gateway and straight at the function behind each route: any body, params, query
 * and headers get a 4xx problem+json or a JSON success, never a 5xx. Random cases per route of the routing
 * table (FUZZ_SEED repeats a run, FUZZ_RUNS sets the cases per route and target, 20 by default), then the edges with the
 * exact status each must get. Figures go to the console for RELIABILITY.md.
 */

const seed = seedFrom(process.env["FUZZ_SEED"], 9_091_725);
const runs = seedFrom(process.env["FUZZ_RUNS"], 20);
const BODY_LIMIT = 64 * 1024; // the default BODY_LIMIT_BYTES of every function and the gateway

let system: System;
let routes: RouteRule[];
let callers: Callers;
const figures = { random: 0, edges: 0, byStatus: {} as Record<string, number> };

beforeAll(async () => {
  system = await startSystem({
    services: devServices.filter((s) => s !== "broker"),
    env: {
      // The limits would turn most cases into 429s; the point here is what the functions make of them.
      gateway: {
        RATE_LIMIT_AUTH: "1000000",
        RATE_LIMIT_READ: "1000000",
        RATE_LIMIT_WRITE: "1000000",
        RATE_LIMIT_ORDER_PLACEMENT: "1000000",
      },
    },
  });
  const admin = await adminToken(system);
  const customerUrl = system.url("customer");
  callers = {
    admin,
    staff: (await newShopper(customerUrl, "staff", admin)).token,
    customer: (await newShopper(customerUrl)).token,
  };
  routes = routesOf((await call("GET", `${system.url("gateway")}/openapi.json`)).body);
});

afterAll(async () => {
  console.info(`fuzz: ${JSON.stringify({ seed, runs, routes: routes?.length, ...figures })}`);
  await system?.stop();
});

interface Failure {
  target: string;
  request: string;
  problem: string;
  answer: string;
}

const describeCase = (c: FuzzCase): string =>
  `${c.method} ${c.path} ${JSON.stringify(c.headers)} ${c.body?.slice(0, 200) ?? ""}`;

function count(kind: "random" | "edges", answer: RawAnswer): void {
  figures[kind]++;
  figures.byStatus[answer.status] = (figures.byStatus[answer.status] ?? 0) + 1;
}

/** The gateway, and the function the route leads to. */
const targetsOf = (rule: { upstream: string }): [string, string][] => [
  ["gateway", system.url("gateway")],
  [rule.upstream, system.url(rule.upstream as DevService)],
];

/** Runs a few at a time: enough to be quick, few enough not to trip anything by sheer load. */
async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe("random cases on every route", () => {
  it("covers the whole routing table", () => {
    expect(routes.length).toBeGreaterThanOrEqual(36);
    expect(new Set(routes.map((r) => r.upstream))).toEqual(
      new Set(["customer", "inventory", "order", "payment", "shipping", "notification", "dead-letters"]),
    );
  });

  it("never answers a 5xx and always problem+json, through the gateway and at each function", async () => {
    const failures: Failure[] = [];
    for (const [index, rule] of routes.entries()) {
      const random = seededRandom(seed + index);
      const cases = Array.from({ length: runs }, () => fuzzCase(rule, random, callers));
      for (const [target, base] of targetsOf(rule)) {
        await inBatches(cases, 6, async (c) => {
          const answer = await send({
            method: c.method,
            url: `${base}${c.path}`,
            headers: c.headers,
            body: c.body,
          });
          count("random", answer);
          const problem = judge(answer);
          if (problem)
            failures.push({
              target: `${target} (seed ${seed + index})`,
              request: describeCase(c),
              problem,
              answer: answer.text.slice(0, 300),
            });
        });
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 60_000);
});

describe("edges", () => {
  async function expectEdges(
    cases: (rule: RouteRule) => EdgeCase[],
    rules: readonly RouteRule[],
  ): Promise<void> {
    const wrong: string[] = [];
    for (const rule of rules)
      for (const [target, base] of targetsOf(rule))
        await inBatches(cases(rule), 4, async (edge) => {
          const answer = await send({
            ...edge.request,
            url: `${base}${edge.request.path}`,
            headers: { authorization: `Bearer ${callers.admin}`, ...edge.request.headers },
          });
          count("edges", answer);
          const problem = judge(answer);
          if (problem || !edge.expected.includes(answer.status))
            wrong.push(
              `${target}: ${edge.name} → ${answer.status} ${problem ?? ""} ${answer.text.slice(0, 200)}`,
            );
        });
    expect(wrong).toEqual([]);
  }

  const jsonRoutes = () => routes.filter(takesJson);
  const routeOf = (method: string, path: string) =>
    routes.find((r) => r.method === method && r.path === path)!;

  it("refuses oversized bodies (413), wrong content types (415) and JSON too deep or too wide (400)", async () => {
    // Cancelling takes an optional reason and reads it itself: it is covered by the size limit only.
    const strict = jsonRoutes().filter((r) => !r.path.endsWith("/cancel"));
    await expectEdges((rule) => bodyEdges(rule, BODY_LIMIT), strict);
    await expectEdges(
      (rule) => bodyEdges(rule, BODY_LIMIT).slice(0, 2),
      [routeOf("POST", "/api/orders/:id/cancel")],
    );
  }, 30_000);

  it("refuses numbers out of range or of the wrong type with 400", async () => {
    const byRoute = new Map<string, EdgeCase[]>();
    for (const edge of numberEdges()) {
      const key = `${edge.request.method} ${edge.request.path.replace(/\/1(\/|$)/, "/:id$1")}`;
      byRoute.set(key, [...(byRoute.get(key) ?? []), edge]);
    }
    for (const [key, edges] of byRoute) {
      const [method, path] = key.split(" ") as [string, string];
      await expectEdges(() => edges, [routeOf(method, path)]);
    }
  });

  it("refuses ids that are not ids and queries out of range with 400", async () => {
    await expectEdges(
      (rule) => idEdges([rule]),
      routes.filter((r) => r.method === "GET"),
    );
    await expectEdges(
      (rule) => queryEdges([rule]),
      routes.filter((r) => r.method === "GET"),
    );
  });

  const createProduct = (name: string, sku: string) =>
    call("POST", `${system.url("gateway")}/api/products`, {
      token: callers.admin,
      body: { name, price: 1, sku },
    });

  it("stores odd Unicode as sent, or refuses it with a 400, never a 5xx", async () => {
    const outcomes: string[] = [];
    const odd = NASTY_STRINGS.filter((s) => s.trim().length > 0 && s.length <= 200 && !s.includes("\u0000"));
    for (const [i, name] of odd.entries()) {
      const created = await createProduct(name, `UNI-${i}`);
      expect(created.status, `${JSON.stringify(name)}: ${JSON.stringify(created.body)}`).toBeOneOf([
        201, 400,
      ]);
      if (created.status === 400) {
        expect(created.headers.get("content-type")).toBe("application/problem+json");
        outcomes.push(`${JSON.stringify(name)}: 400`);
        continue;
      }
      const read = await call("GET", `${system.url("inventory")}/api/products/${created.body.id}`);
      // A lone surrogate cannot be stored as UTF-8: it comes back as U+FFFD, which is what the database keeps.
      expect(read.body.name).toBe(name.trim().replace(/\p{Surrogate}/gu, "\ufffd"));
      outcomes.push(`${JSON.stringify(name)}: 201`);
    }
    console.info(`fuzz unicode: ${outcomes.join(", ")}`);
  });

  // SQLite keeps "a\u0000b", but the libSQL client reads text only up to the first NUL, so it would come back
  // as "a": the shared validator refuses NUL instead.
  it("refuses a NUL in a text field rather than store what it cannot read back", async () => {
    const created = await createProduct("a\u0000b", "UNI-NUL");
    expect(created.status).toBe(400);
    expect(created.body.detail).toContain("NUL");
  });
});
