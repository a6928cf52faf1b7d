import { randomBytes } from "node:crypto";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "@bazaar/shared/config";
import { webConfigSchema } from "../config";
import { loadSessionKeys } from "./keys";
import { createSealer } from "./seal";

const folder = () => mkdtempSync(join(tmpdir(), "web-keys-"));

describe("session keys", () => {
  it("are made once under DATA_DIR/keys (0600) and every process reading that folder gets the same", () => {
    const dataDir = folder();
    const [first] = loadSessionKeys({ keys: [], dataDir });
    const [second] = loadSessionKeys({ keys: [], dataDir });
    expect(first?.length).toBe(32);
    expect(second?.equals(first as Buffer)).toBe(true);
    expect(statSync(join(dataDir, "keys/web-session.key")).mode & 0o777).toBe(0o600);
    // So a cookie one replica sealed opens on another.
    expect(createSealer([second as Buffer]).open(createSealer([first as Buffer]).seal("cart"))).toBe("cart");
  });

  it("come from WEB_SESSION_KEYS when set (base64url or hex, the first sealing), and nothing is written", () => {
    const dataDir = folder();
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const config = parseConfig(webConfigSchema, {
      WEB_SESSION_KEYS: `${a.toString("base64url")}, ${b.toString("hex")}`,
    });
    const keys = loadSessionKeys({ keys: config.WEB_SESSION_KEYS, dataDir });
    expect(keys.map((key) => key.toString("hex"))).toEqual([a.toString("hex"), b.toString("hex")]);
    expect(() => statSync(join(dataDir, "keys/web-session.key"))).toThrow();
  });

  it("refuse a value that is not a 32-byte key, naming the variable", () => {
    for (const bad of [
      "short",
      randomBytes(16).toString("hex"),
      `${randomBytes(32).toString("base64url")},x`,
    ]) {
      expect(() => parseConfig(webConfigSchema, { WEB_SESSION_KEYS: bad })).toThrow(/WEB_SESSION_KEYS/);
    }
    expect(parseConfig(webConfigSchema, {})).toEqual({
      WEB_SESSION_KEYS: [],
      WEB_SESSION_MAX_AGE_SECONDS: 2592000,
    });
  });
});
