import { describe, expect, it } from "vitest";
import { AnswerHeaders } from "./answer-headers";

const gathered = (): AnswerHeaders => {
  const headers = new AnswerHeaders();
  headers.set("X-Request-Id", "ours");
  headers.set("ratelimit-remaining", "9");
  return headers;
};

describe("AnswerHeaders", () => {
  it("puts its headers over an answer's own, as plain fields, and says they are included", () => {
    const headers = gathered();
    expect(headers.included).toBe(false);
    const merged = headers.headersWith([
      ["content-type", "application/json"],
      ["x-request-id", "the function's"],
    ]);
    expect(merged).toEqual({
      "content-type": "application/json",
      "x-request-id": "ours",
      "ratelimit-remaining": "9",
    });
    expect(headers.included).toBe(true);
  });

  it("keeps every value of a repeated header by answering a list", () => {
    const merged = gathered().headersWith([
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["x-request-id", "the function's"],
    ]);
    expect(merged).toEqual([
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["x-request-id", "ours"],
      ["ratelimit-remaining", "9"],
    ]);
    expect(new Headers(merged as [string, string][]).getSetCookie()).toEqual(["a=1", "b=2"]);
  });
});
