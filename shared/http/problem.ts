import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError, type ErrorKind, type FieldIssue } from "../errors";

/** RFC 9457 body, plus `error` so clients of the original (which read `error`) keep working. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  error: string;
  instance?: string;
  errors?: FieldIssue[];
}

const statusOf: Record<ErrorKind, ContentfulStatusCode> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unavailable: 503,
  timeout: 504,
};

const titleOf: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export const problemType = (status: number): string =>
  `https://bazaar.dev/problems/${(titleOf[status] ?? "error").toLowerCase().replaceAll(" ", "-")}`;

export function problem(status: number, detail: string, extra: Partial<Problem> = {}): Problem {
  const title = titleOf[status] ?? "Error";
  return { type: problemType(status), title, status, detail, error: detail, ...extra };
}

export interface ProblemResponse {
  status: ContentfulStatusCode;
  body: Problem;
  headers: Record<string, string>;
}

/** The one place where an error becomes HTTP. A 5xx never leaks an internal message. */
export function toProblemResponse(error: unknown): ProblemResponse {
  if (error instanceof DomainError) {
    const status = statusOf[error.kind];
    const headers: Record<string, string> = {};
    // RFC 9110 asks every 401 for a challenge: the scheme every Bazaar API takes (RFC 6750).
    if (status === 401) headers["www-authenticate"] = 'Bearer realm="bazaar"';
    if (error.retryAfterSeconds !== undefined)
      headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    const extra = error.issues ? { errors: error.issues } : {};
    return { status, body: problem(status, error.message, extra), headers };
  }
  if (error instanceof HTTPException && error.status < 500) {
    const status = error.status as ContentfulStatusCode;
    return {
      status,
      body: problem(status, error.message || titleOf[status] || "Request refused"),
      headers: {},
    };
  }
  return { status: 500, body: problem(500, "The server could not complete the request."), headers: {} };
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/**
 * A problem+json answer with the problem's own status, plus any headers it needs (Allow, Retry-After). Made
 * through the context, so headers middleware set before the failure (RateLimit-*) stay on it.
 */
export const problemAnswer = (c: Context, body: Problem, headers: Record<string, string> = {}): Response =>
  c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    ...headers,
    "content-type": PROBLEM_CONTENT_TYPE,
  });
