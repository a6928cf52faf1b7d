import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSigningKey } from "./keys";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "bazaar-keys-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe("loadSigningKey", () => {
  it("generates an Ed25519 key once, keeps it private on disk and reloads the same kid", async () => {
    const first = await loadSigningKey({ dataDir });
    const file = join(dataDir, "keys", "jwt-signing-key.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ kty: "OKP", crv: "Ed25519" });

    const second = await loadSigningKey({ dataDir });
    expect(second.kid).toBe(first.kid);
    expect(second.publicJwk).toEqual(first.publicJwk);
  });

  it("gives replicas that start together on one data folder the same key", async () => {
    const keys = await Promise.all(Array.from({ length: 4 }, () => loadSigningKey({ dataDir })));
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    expect((await loadSigningKey({ dataDir })).kid).toBe(keys[0]?.kid);
  });

  it("publishes only the public half", async () => {
    const { publicJwk, kid } = await loadSigningKey({ dataDir });
    expect(publicJwk).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      x: expect.any(String),
      kid,
      alg: "EdDSA",
      use: "sig",
    });
    expect(publicJwk).not.toHaveProperty("d");
  });

  it("uses a configured private JWK (a Secret in the cluster) and its kid", async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: "from-secret" };
    const key = await loadSigningKey({ privateJwk: JSON.stringify(jwk), dataDir });
    expect(key.kid).toBe("from-secret");
    expect(key.publicJwk.x).toBe(jwk.x);
  });

  it("refuses a configured key that is not an Ed25519 private key", async () => {
    const { publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const publicOnly = JSON.stringify(await exportJWK(publicKey));
    await expect(loadSigningKey({ privateJwk: publicOnly, dataDir })).rejects.toThrow(/Ed25519 private JWK/);
    const { privateKey: rsa } = await generateKeyPair("RS256", { extractable: true });
    await expect(
      loadSigningKey({ privateJwk: JSON.stringify(await exportJWK(rsa)), dataDir }),
    ).rejects.toThrow(/Ed25519 private JWK/);
  });
});
