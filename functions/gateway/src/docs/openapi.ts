import type { RateLimitPolicies } from "../edge/rate-limit";
import type { Access, RouteRule } from "../routes-table";

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

const pathParameters = (path: string): Json[] =>
  [...path.matchAll(/:(\w+)/g)].map(([, name = ""]) => ({
    name,
    in: "path",
    required: true,
    // Bazaar's ids (id, order_id) are integers; anything else (a tracking number) is a string.
    schema: /(^|_)id$/.test(name) ? { type: "integer", minimum: 1 } : { type: "string" },
  }));

const problemRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

const rolesOf = (access: Access): string[] => (access === "public" ? ["anyone"] : [...access]);

const operationId = (rule: RouteRule): string =>
  rule.method.toLowerCase() +
  rule.path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join("");

function routedOperation(rule: RouteRule, limits: RateLimitPolicies): OpenApiOperation {
  const limit = limits[rule.rateClass];
  const isPublic = rule.access === "public";
  const hasBody = ["POST", "PUT", "PATCH"].includes(rule.method);
  const parameters = pathParameters(rule.path);
  return {
    operationId: operationId(rule),
    summary: rule.summary,
    tags: [rule.upstream],
    // Public: a token is optional, but one that is sent must verify.
    security: isPublic ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
    "x-roles": rolesOf(rule.access),
    "x-rate-limit": {
      class: rule.rateClass,
      limit: limit.limit,
      window_seconds: limit.windowSeconds,
      per: "user of the verified token, else client address",
    },
    ...(parameters.length > 0 && { parameters }),
    ...(hasBody && {
      requestBody: {
        required: false,
        content: { "application/json": { schema: { type: "object" } } },
      },
    }),
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
      ...(!isPublic && { "403": problemRef("Forbidden") }),
      "404": problemRef("NotFound"),
      ...(hasBody && { "413": problemRef("TooLarge") }),
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

/** The public API as the gateway routes it: generated from the routing table, so the two cannot drift. */
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
    "/metrics": { get: ownOperation("getMetrics", "Prometheus metrics (never rate limited)", "text/plain") },
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
        Invalid: problemResponse("The request is malformed"),
        Unauthorized: problemResponse("No token, or one that does not verify"),
        Forbidden: problemResponse("The token's role may not do this"),
        NotFound: problemResponse("No such route or record"),
        TooLarge: problemResponse("The body exceeds the size limit"),
        TooManyRequests: problemResponse("Rate limit exceeded; see Retry-After"),
        Unavailable: problemResponse("The function is down or its circuit is open; see Retry-After"),
        Timeout: problemResponse("The function did not answer in time"),
      },
    },
  };
}
