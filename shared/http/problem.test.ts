import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import {
  Conflict,
  Forbidden,
  Invalid,
  NotFound,
  PayloadTooLarge,
  Timeout,
  TooManyRequests,
  Unauthorized,
  Unavailable,
  UnsupportedMediaType,
} from "../errors";
import { problemType, toProblemResponse } from "./problem";

describe("toProblemResponse", () => {
  it("maps every domain error kind to its status, title and stable type", () => {
    const cases = [
      [new Invalid("bad input"), 400, "Bad Request"],
      [new Unauthorized("who are you"), 401, "Unauthorized"],
      [new Forbidden("not yours"), 403, "Forbidden"],
      [new NotFound("no such thing"), 404, "Not Found"],
      [new Conflict("taken"), 409, "Conflict"],
      [new PayloadTooLarge("too big"), 413, "Content Too Large"],
      [new UnsupportedMediaType("not json"), 415, "Unsupported Media Type"],
      [new TooManyRequests("slow down"), 429, "Too Many Requests"],
      [new Unavailable("try later"), 503, "Service Unavailable"],
      [new Timeout("too slow"), 504, "Gateway Timeout"],
    ] as const;
    for (const [error, status, title] of cases) {
      const { status: actual, body } = toProblemResponse(error);
      expect(actual).toBe(status);
      expect(body).toEqual({
        type: problemType(status),
        title,
        status,
        detail: error.message,
        error: error.message,
      });
      expect(body.type).toMatch(/^https:\/\/bazaar\.dev\/problems\/[a-z-]+$/);
    }
  });

  it("lists field issues and rounds Retry-After up to whole seconds (at least 1)", () => {
    const issues = [{ field: "email", message: "must be an email address" }];
    expect(toProblemResponse(new Invalid("bad", { issues })).body.errors).toEqual(issues);
    expect(toProblemResponse(new TooManyRequests("wait", { retryAfterSeconds: 2.1 })).headers).toEqual({
      "retry-after": "3",
    });
    expect(toProblemResponse(new Unavailable("wait", { retryAfterSeconds: 0.01 })).headers).toEqual({
      "retry-after": "1",
    });
    expect(toProblemResponse(new Conflict("x")).headers).toEqual({});
  });

  it("challenges every 401 with the Bearer scheme, as RFC 9110 asks, and no other status", () => {
    expect(toProblemResponse(new Unauthorized("invalid or expired access token")).headers).toEqual({
      "www-authenticate": 'Bearer realm="bazaar"',
    });
    expect(toProblemResponse(new Invalid("bad")).headers).toEqual({});
  });

  it("keeps a Hono 4xx and its message", () => {
    const { status, body } = toProblemResponse(new HTTPException(400, { message: "Malformed JSON" }));
    expect(status).toBe(400);
    expect(body.detail).toBe("Malformed JSON");
  });

  it("never leaks the message of an unexpected error or a Hono 5xx", () => {
    for (const error of [
      new Error("connect ECONNREFUSED db-password=hunter2"),
      new HTTPException(502, { message: "upstream secret" }),
      "a thrown string",
    ]) {
      const { status, body } = toProblemResponse(error);
      expect(status).toBe(500);
      expect(body.detail).toBe("The server could not complete the request.");
      expect(JSON.stringify(body)).not.toMatch(/hunter2|secret|thrown string/);
    }
  });
});
