import { describe, expect, it } from "vitest";
import { backoffMs, isRetryable } from "./backoff";

describe("backoffMs", () => {
  it("doubles per retry when exponential", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs("exponential", 200, n))).toEqual([
      400, 800, 1600, 3200, 6400,
    ]);
  });

  it("grows by the delay per retry when linear", () => {
    expect([1, 2, 3].map((n) => backoffMs("linear", 200, n))).toEqual([200, 400, 600]);
  });

  it("waits nothing with a zero delay", () => {
    expect(backoffMs("exponential", 0, 3)).toBe(0);
  });
});

describe("isRetryable", () => {
  it("retries no answer, 5xx, 404, 408, 409 and 429", () => {
    for (const status of [0, 500, 502, 503, 504, 404, 408, 409, 429]) expect(isRetryable(status)).toBe(true);
  });

  it("treats 2xx, 3xx and every other 4xx as done, as the RabbitMQ broker does", () => {
    for (const status of [200, 202, 204, 302, 400, 401, 403, 410, 413, 415, 422]) {
      expect(isRetryable(status)).toBe(false);
    }
  });
});
