import { describe, expect, it } from "vitest";
import { openClient } from "./client";

describe("openClient", () => {
  it("takes sqld over HTTP through @libsql/client's HTTP client", () => {
    const client = openClient({ url: "http://127.0.0.1:8080", authToken: "t" });
    expect(client.protocol).toBe("http");
    client.close();
  });

  it("refuses an in-memory database, saying what to use instead", () => {
    expect(() => openClient({ url: "file::memory:" })).toThrow(
      /in-memory database is not supported.*file: URL/,
    );
  });
});
