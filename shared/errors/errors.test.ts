import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  Conflict,
  describeIssues,
  DomainError,
  fieldIssues,
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

describe("zod issues", () => {
  const schema = z.object({ items: z.array(z.object({ quantity: z.number().min(1) })), email: z.string() });
  const error = (value: unknown): z.ZodError => {
    const result = schema.safeParse(value);
    if (result.success) throw new Error("expected a failure");
    return result.error;
  };

  it("name each field by its dotted path, in one line", () => {
    const bad = error({ items: [{ quantity: 0 }], email: 7 });
    expect(fieldIssues(bad).map(({ field }) => field)).toEqual(["items.0.quantity", "email"]);
    expect(describeIssues(bad)).toBe(
      "items.0.quantity: Too small: expected number to be >=1; email: Invalid input: expected string, received number",
    );
  });

  it("name the value itself as the caller says when the issue has no path", () => {
    expect(describeIssues(error("nope"), "(env)")).toBe(
      "(env): Invalid input: expected object, received string",
    );
    expect(fieldIssues(error("nope"))).toEqual([
      { field: "", message: "Invalid input: expected object, received string" },
    ]);
  });
});
