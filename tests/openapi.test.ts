import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices } from "../scripts/dev/services";
import { call, eventually, type Answer } from "./support/http";
import { parsedParameter, requiredFieldsOf, sampleOf, type Schema } from "./support/json-sample";
import { ADMIN, startSystem, type System } from "./support/system";

/**
 * The gateway's /openapi.json against the real functions behind it: requests are built from the served
 * document alone, and each function must accept what the document allows and refuse what it forbids. Since
 * the document is generated from the schemas the functions validate with, any drift fails here.
 */

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: { required: boolean; schema: Schema } | undefined;
}

let system: System;
let gateway: string;
let token: string;
let operations: Operation[];
let orderId: number;
const ajv = new Ajv2020({ strict: false });
(addFormatsPlugin as unknown as (ajv: Ajv2020) => void)(ajv);

/** Refused by the function's validator (shared/http parseOrThrow or requireJson), not by its business rules. */
const shapeRejected = (answer: Answer<any>): boolean =>
  answer.status === 415 ||
  (answer.status === 400 && /^invalid (body|param|query|header):/.test(answer.body?.detail ?? ""));

/**
 * A path with its parameters filled in from their documented schemas (ids: 1, the admin and the first
 * product). An order's routes take the order placed before all: cancelling reads its body only once it has
 * found the order.
 */
function urlOf(operation: Operation, overrides: Record<string, string> = {}, query = ""): string {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (overrides[name] !== undefined) return encodeURIComponent(overrides[name]);
    if (operation.path.startsWith("/api/orders/{id}")) return String(orderId);
    const parameter = operation.parameters.find((p) => p.in === "path" && p.name === name);
    return encodeURIComponent(String(sampleOf(parameter?.schema ?? {})));
  });
  return `${gateway}${path}${query}`;
}

const send = (
  operation: Operation,
  url: string,
  init: { body?: unknown; raw?: string; type?: string } = {},
) =>
  call(operation.method, url, {
    token,
    ...(init.body !== undefined && { body: init.body }),
    ...(init.raw !== undefined && { raw: init.raw, headers: { "content-type": init.type ?? "text/plain" } }),
  });

/** A body the document accepts, so that only what a test changes can be refused. */
const validBody = (operation: Operation): unknown =>
  operation.body ? sampleOf(operation.body.schema) : undefined;

beforeAll(async () => {
  const generous = "1000";
  system = await startSystem({
    services: [...devServices],
    env: {
      gateway: {
        RATE_LIMIT_AUTH: generous,
        RATE_LIMIT_ORDER_PLACEMENT: generous,
        RATE_LIMIT_READ: generous,
        RATE_LIMIT_WRITE: generous,
      },
    },
  });
  gateway = system.url("gateway");
  // Retried: on a loaded machine the first call may find the customer function not yet answering (503).
  token = await eventually(async () => {
    const login = await call("POST", `${gateway}/auth/login`, { body: ADMIN });
    return login.status === 200 ? (login.body.token as string) : undefined;
  });
  const placed = await call("POST", `${gateway}/api/orders`, { token, body: { product_id: 1, quantity: 1 } });
  expect(placed.status).toBe(202);
  orderId = placed.body.id;

  const document = (await call("GET", `${gateway}/openapi.json`)).body;
  operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => !op.tags.includes("gateway"))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody && {
          required: op.requestBody.required,
          schema: op.requestBody.content["application/json"].schema,
        },
      })),
  );
  expect(operations.length).toBeGreaterThan(30);
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

describe("request bodies as documented", () => {
  it("a body with only the documented required fields passes each function's checks", async () => {
    for (const operation of operations.filter((op) => op.body)) {
      const body = validBody(operation);
      const where = `${operation.method} ${operation.path} ${JSON.stringify(body)}`;
      expect(ajv.validate(operation.body!.schema, body), where).toBe(true);
      const answer = await send(operation, urlOf(operation), { body });
      expect(shapeRejected(answer), `${where} → ${answer.status} ${answer.body?.detail}`).toBe(false);
      expect(answer.status, where).toBeLessThan(500);
    }
  });

  it("a body missing a documented required field is refused with 400 problem+json naming the field", async () => {
    let checked = 0;
    for (const operation of operations.filter((op) => op.body)) {
      const body = validBody(operation) as Record<string, unknown>;
      // One of alternative shapes (placing an order) is refused as a whole: zod names the body, not a field.
      const alternatives = operation.body!.schema.type === undefined;
      for (const field of requiredFieldsOf(operation.body!.schema)) {
        const { [field]: _dropped, ...missing } = body;
        const where = `${operation.method} ${operation.path} without ${field}`;
        const answer = await send(operation, urlOf(operation), { body: missing });
        expect(answer.status, where).toBe(400);
        expect(answer.headers.get("content-type"), where).toBe("application/problem+json");
        expect(
          answer.body.errors.map((e: { field: string }) => e.field),
          where,
        ).toContain(alternatives ? "body" : field);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("a body documented as required is required, and one that is not JSON is refused", async () => {
    for (const operation of operations.filter((op) => op.body)) {
      const where = `${operation.method} ${operation.path}`;
      const empty = await send(operation, urlOf(operation));
      expect(shapeRejected(empty), `${where} → ${empty.status}`).toBe(operation.body!.required);
      // An optional body (a cancel reason) too: when one is sent, it must be JSON.
      const notJson = await send(operation, urlOf(operation), { raw: "name=x", type: "text/plain" });
      expect(notJson.status, where).toBe(415);
      expect(notJson.headers.get("content-type"), where).toBe("application/problem+json");
    }
  });
});

describe("no input is validated without being documented", () => {
  /** Whether a string sent for this parameter is refused by its documented schema. */
  const documentedRefuses = (parameter: Parameter, raw: string) =>
    !ajv.validate(parameter.schema, parsedParameter(parameter.schema, raw));
  /** Values no documented integer takes, and a number written in ways Number() would accept. */
  const PROBES = ["-", "0x2", "1e0", "2.0", "+2"];

  it("an unknown query parameter is refused exactly where the document lists query parameters", async () => {
    for (const operation of operations) {
      const documented = operation.parameters.some((p) => p.in === "query");
      // Ids of no record: where the query is not validated the request goes through, and must change nothing.
      const absent = Object.fromEntries(
        operation.parameters
          .filter((p) => p.in === "path" && p.schema.type === "integer")
          .map((p) => [p.name, "987654321"]),
      );
      const answer = await send(operation, urlOf(operation, absent, "?not_a_parameter=1"), {
        body: validBody(operation),
      });
      const refused = answer.status === 400 && /^invalid query:/.test(answer.body?.detail ?? "");
      expect(refused, `${operation.method} ${operation.path} → ${answer.status}`).toBe(documented);
    }
  });

  it("a path or query value is refused by the function exactly when its documented schema refuses it", async () => {
    let probes = 0;
    for (const operation of operations) {
      for (const parameter of operation.parameters.filter((p) => p.in !== "header")) {
        for (const probe of PROBES) {
          const answer =
            parameter.in === "path"
              ? await send(operation, urlOf(operation, { [parameter.name]: probe }), {
                  body: validBody(operation),
                })
              : await send(
                  operation,
                  urlOf(operation, {}, `?${parameter.name}=${encodeURIComponent(probe)}`),
                  {
                    body: validBody(operation),
                  },
                );
          const where = `${operation.method} ${operation.path} ${parameter.in} ${parameter.name}=${probe} → ${answer.status} ${answer.body?.detail}`;
          const refused =
            shapeRejected(answer) &&
            answer.body.errors.some((e: { field: string }) => e.field === parameter.name);
          expect(refused, where).toBe(documentedRefuses(parameter, probe));
          probes += 1;
        }
      }
    }
    expect(probes).toBeGreaterThan(125);
  });
});
