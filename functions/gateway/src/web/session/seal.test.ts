import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSealer } from "./seal";

const key = () => randomBytes(32);

describe("session sealing (AES-256-GCM)", () => {
  it("opens what it sealed, and the sealed text shows nothing of it", () => {
    const sealer = createSealer([key()]);
    const sealed = sealer.seal('{"token":"eyJsecret"}');
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("eyJ");
    expect(sealer.open(sealed)).toBe('{"token":"eyJsecret"}');
    expect(sealer.seal("same")).not.toBe(sealer.seal("same"));
  });

  it("refuses a changed byte, a cut value, garbage and another key's seal", () => {
    const sealer = createSealer([key()]);
    const sealed = Buffer.from(sealer.seal("hello"), "base64url");
    for (const index of [0, 12, sealed.length - 1]) {
      const changed = Buffer.from(sealed);
      changed[index] = (changed[index] ?? 0) ^ 1;
      expect(sealer.open(changed.toString("base64url"))).toBeUndefined();
    }
    expect(sealer.open(sealed.subarray(0, 20).toString("base64url"))).toBeUndefined();
    expect(sealer.open("not a seal")).toBeUndefined();
    expect(sealer.open(createSealer([key()]).seal("hello"))).toBeUndefined();
  });

  it("rotates: a new first key seals, the old one still opens", () => {
    const [old, fresh] = [key(), key()];
    const before = createSealer([old]).seal("kept");
    const rotated = createSealer([fresh, old]);
    expect(rotated.open(before)).toBe("kept");
    expect(createSealer([old]).open(rotated.seal("new"))).toBeUndefined();
  });

  it("takes 32-byte keys only", () => {
    expect(() => createSealer([])).toThrow();
    expect(() => createSealer([randomBytes(16)])).toThrow();
  });
});
