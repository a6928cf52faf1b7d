import { describe, expect, it } from "vitest";
import { hashPassword, verifyNothing, verifyPassword } from "./passwords";

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

  it("refuses any password for an unknown account, after hashing it at the configured cost", async () => {
    expect(await verifyNothing("correct horse battery", 1024)).toBe(false);
    // A cost scrypt refuses (not a power of two) fails as a real verification at that cost would.
    await expect(verifyNothing("x", 1000)).rejects.toThrow();
  });

  it("refuses a stored value of another scheme", async () => {
    expect(await verifyPassword("x", "sha256$abc")).toBe(false);
  });
});
