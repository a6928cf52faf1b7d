import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./passwords";

describe("passwords", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse battery", 1024);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
  });

  it("salts every hash, so equal passwords do not share a hash", async () => {
    const [a, b] = await Promise.all([
      hashPassword("same password", 1024),
      hashPassword("same password", 1024),
    ]);
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
  });

  it("refuses a stored value of another scheme", async () => {
    expect(await verifyPassword("x", "sha256$abc")).toBe(false);
  });
});
