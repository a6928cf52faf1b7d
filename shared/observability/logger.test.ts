import { describe, expect, it } from "vitest";
import { NotFound } from "../errors";
import { withoutQueryParams } from "./logger";

describe("the logger's error serializer", () => {
  it("keeps a failed query's values (customers' data) out of the log, and the query in", () => {
    const error = Object.assign(
      new Error("Failed query: insert into customers values (?, ?)\nparams: ann@x.io,scrypt$hash"),
      { params: ["ann@x.io", "scrypt$hash"] },
    );
    const logged = JSON.stringify(withoutQueryParams(error));
    expect(logged).toContain("insert into customers");
    expect(logged).not.toContain("ann@x.io");
    expect(logged).not.toContain("scrypt$hash");
  });

  it("logs an expected error, built without a stack trace, by its kind, name and message", () => {
    const logged = withoutQueryParams(new NotFound("order 7 not found"));
    expect(logged).toMatchObject({
      type: "NotFound",
      kind: "not_found",
      message: "order 7 not found",
      stack: "NotFound: order 7 not found",
    });
  });
});
