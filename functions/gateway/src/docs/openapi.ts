import type { z } from "zod";
import type { OperationInput } from "@bazaar/shared/api";
import type { RateLimitPolicies } from "../edge/rate-limit";
import { edgeRoles, readsToken, type Access, type RouteRule } from "../routes-table";
import { acceptsNothing, requestJsonSchema } from "./json-schema";

type Json = Record<string, unknown>;

export interface OpenApiOperation extends Json {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  "x-roles": string[];
  "x-rate-limit"?: { class: string; limit: number; window_seconds: number; per: string };
}

export interface OpenApiDocument extends Json {
  openapi: "3.1.0";
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** /api/orders/:id/cancel -> /api/orders/{id}/cancel */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, "{$1}");

type ParameterPlace = "path" | "query" | "header";

/** One OpenAPI parameter per property of the part's schema, with its JSON Schema and whether it is required. */
function parametersOf(part: z.ZodType | undefined, place: ParameterPlace): Json[] {
  if (!part) return [];
  const { properties = {}, required = [] } = requestJsonSchema(part);
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: place,
    required: place === "path" || required.includes(name),
    schema,
  }));
}

const parameters = ({ params, query, headers }: OperationInput): Json[] => [
  ...parametersOf(params, "path"),
  ...parametersOf(query, "query"),
  ...parametersOf(headers, "header"),
];

const requestBody = (body: z.ZodType): Json => ({
  required: !acceptsNothing(body),
  content: { "application/json": { schema: requestJsonSchema(body) } },
});

const problemRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

const rolesOf = (access: Access): string[] => [...(edgeRoles(access) ?? ["anyone"])];

/** Roles: a token is required. Public: optional, but one that is sent must verify. Credentials: not read. */
function securityOf(access: Access): Record<string, string[]>[] {
  if (!readsToken(access)) return [];
  return edgeRoles(access) ? [{ bearerAuth: [] }] : [{}, { bearerAuth: [] }];
}

const operationId = (rule: RouteRule): string =>
  rule.method.toLowerCase() +
  rule.path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join("");

function routedOperation(rule: RouteRule, limits: RateLimitPolicies): OpenApiOperation {
  const limit = limits[rule.rateClass];
  const isOpen = edgeRoles(rule.access) === undefined;
  const body = rule.input?.body;
  const parameterList = parameters(rule.input ?? {});
  return {
    operationId: operationId(rule),
    summary: rule.summary,
    tags: [rule.upstream],
    security: securityOf(rule.access),
    "x-roles": rolesOf(rule.access),
    "x-rate-limit": {
      class: rule.rateClass,
      limit: limit.limit,
      window_seconds: limit.windowSeconds,
      per: readsToken(rule.access) ? "user of the verified token, else client address" : "client address",
    },
    ...(parameterList.length > 0 && { parameters: parameterList }),
    ...(body && { requestBody: requestBody(body) }),
    responses: {
      [String(rule.successStatus ?? 200)]: {
        description: `The ${rule.upstream} function's answer, passed through unchanged`,
        headers: {
          "RateLimit-Limit": { schema: { type: "integer" } },
          "RateLimit-Remaining": { schema: { type: "integer" } },
          "RateLimit-Reset": { schema: { type: "integer" }, description: "seconds" },
        },
      },
      "400": problemRef("Invalid"),
      "401": problemRef("Unauthorized"),
      ...(!isOpen && { "403": problemRef("Forbidden") }),
      "404": problemRef("NotFound"),
      ...(rule.input?.conflict && { "409": problemResponse(rule.input.conflict) }),
      ...(["POST", "PUT", "PATCH"].includes(rule.method) && { "413": problemRef("TooLarge") }),
      ...(body && { "415": problemRef("NotJson") }),
      "429": problemRef("TooManyRequests"),
      "503": problemRef("Unavailable"),
      "504": problemRef("Timeout"),
    },
  };
}

const ownOperation = (operationId: string, summary: string, type: string): OpenApiOperation => ({
  operationId,
  summary,
  tags: ["gateway"],
  security: [],
  "x-roles": ["anyone"],
  responses: { "200": { description: summary, content: { [type]: {} } } },
});

const problemResponse = (description: string): Json => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/**
 * The public API as the gateway routes it: paths, roles and limits from the routing table; parameters and
 * bodies from the zod schemas (shared/api) that the functions validate with. Neither can drift from the doc.
 */
export function openApiDocument(rules: readonly RouteRule[], limits: RateLimitPolicies): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const rule of rules) {
    const operations = (paths[openApiPath(rule.path)] ??= {});
    operations[rule.method.toLowerCase()] = routedOperation(rule, limits);
  }
  Object.assign(paths, {
    "/healthz": {
      get: ownOperation("getHealthz", "The gateway process runs (never rate limited)", "application/json"),
    },
    "/readyz": {
      get: ownOperation("getReadyz", "The gateway takes traffic (never rate limited)", "application/json"),
    },
    "/openapi.json": { get: ownOperation("getOpenApi", "This document", "application/json") },
    "/docs": { get: ownOperation("getDocs", "The API as a readable page", "text/html") },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "Bazaar API",
      version: "1.0.0",
      description:
        "The public API of Bazaar, through its gateway. Errors are RFC 9457 problem+json with an 'error' line for " +
        "older clients. The gateway verifies tokens and roles at the edge; each function checks them again, and " +
        "ownership. Rate limits are counted per gateway replica.",
    },
    servers: [{ url: "/" }],
    tags: [...new Set(rules.map((rule) => rule.upstream)), "gateway"].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT (EdDSA, from POST /auth/login)" },
      },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail", "error"],
          properties: {
            type: { type: "string", format: "uri" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            error: { type: "string", description: "one-line message, as the original API sent" },
            instance: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                properties: { field: { type: "string" }, message: { type: "string" } },
              },
            },
          },
        },
      },
      responses: {
        Invalid: problemResponse(
          "The request is malformed; `errors` names each field that failed its schema",
        ),
        Unauthorized: problemResponse("No token, or one that does not verify"),
        Forbidden: problemResponse("The token's role may not do this"),
        NotFound: problemResponse("No such route or record"),
        TooLarge: problemResponse("The body exceeds the size limit"),
        NotJson: problemResponse("The body is not sent as application/json"),
        TooManyRequests: problemResponse("Rate limit exceeded; see Retry-After"),
        Unavailable: problemResponse("The function is down or its circuit is open; see Retry-After"),
        Timeout: problemResponse("The function did not answer in time"),
      },
    },
  };
}
