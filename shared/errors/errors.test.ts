import { describe, expect, it } from "vitest";
import {
  Conflict,
  DomainError,
  Forbidden,
  Invalid,
  NotFound,
  PayloadTooLarge,
  Timeout,
  TooManyRequests,
  Unauthorized,
  Unavailable,
  UnsupportedMediaType,
} from "./index";

describe("domain errors", () => {
  it("each kind is a DomainError named after its class", () => {
    const cases = [
      [new Invalid("x"), "invalid", "Invalid"],
      [new Unauthorized("x"), "unauthorized", "Unauthorized"],
      [new Forbidden("x"), "forbidden", "Forbidden"],
      [new NotFound("x"), "not_found", "NotFound"],
      [new Conflict("x"), "conflict", "Conflict"],
      [new PayloadTooLarge("x"), "payload_too_large", "PayloadTooLarge"],
      [new UnsupportedMediaType("x"), "unsupported_media_type", "UnsupportedMediaType"],
      [new TooManyRequests("x"), "too_many_requests", "TooManyRequests"],
      [new Unavailable("x"), "unavailable", "Unavailable"],
      [new Timeout("x"), "timeout", "Timeout"],
    ] as const;
    for (const [error, kind, name] of cases) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toBeInstanceOf(Error);
      expect(error.kind).toBe(kind);
      expect(error.name).toBe(name);
    }
  });

  it("carries field issues, a retry hint and the cause", () => {
    const cause = new Error("root");
    const error = new Invalid("bad", {
      issues: [{ field: "email", message: "required" }],
      retryAfterSeconds: 3,
      cause,
    });
    expect(error.issues).toEqual([{ field: "email", message: "required" }]);
    expect(error.retryAfterSeconds).toBe(3);
    expect(error.cause).toBe(cause);
  });

  it("builds the expected kinds (4xx) without a stack trace, and keeps the unexpected ones' (5xx, Error)", () => {
    const frames = (error: Error): string[] =>
      (error.stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at "));
    const limit = Error.stackTraceLimit;
    for (const expected of [
      new NotFound("order 7 not found"),
      new Invalid("bad"),
      new Conflict("taken"),
      new TooManyRequests("slow down"),
    ]) {
      expect(frames(expected), expected.name).toEqual([]);
      expect(expected.stack).toBe(`${expected.name}: ${expected.message}`);
    }
    expect(frames(new Unavailable("inventory is down")).length).toBeGreaterThan(0);
    expect(frames(new Timeout("too slow")).length).toBeGreaterThan(0);
    expect(frames(new Error("a bug")).length).toBeGreaterThan(0);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it("leaves the cause of an expected error its own stack", () => {
    const cause = new Error("UNIQUE constraint failed: customers.email");
    const error = new Conflict("email taken", { cause });
    expect(error.cause).toBe(cause);
    expect((error.cause as Error).stack).toMatch(/\n\s+at /);
  });
});
