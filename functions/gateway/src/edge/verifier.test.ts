import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JWTVerifyGetKey } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { loadSigningKey, localKeys, remoteKeys, signAccessToken, type SigningKey } from "@bazaar/shared/auth";
import { startTestUpstream, type TestUpstream } from "../testing/upstream-server";
import { createEdgeVerifier } from "./verifier";

const settings = { issuer: "bazaar", audience: "bazaar" };
const newKey = () => loadSigningKey({ dataDir: mkdtempSync(join(tmpdir(), "gateway-key-")) });
const tokenOf = (key: SigningKey, id = 3) =>
  signAccessToken(key, { id, role: "customer", email: "c@test.local" }, { ...settings, ttlSeconds: 60 });

/** A JWKS endpoint like the customer function's. */
const jwksServer = (keys: SigningKey[]) =>
  startTestUpstream((_, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
  });

describe("edge token verifier", () => {
  let jwks: TestUpstream | undefined;
  afterEach(async () => jwks?.stop());

  it("verifies against the remote key set", async () => {
    const key = await newKey();
    jwks = await jwksServer([key]);
    const verify = createEdgeVerifier(remoteKeys(`${jwks.url}/.well-known/jwks.json`), settings);
    expect(await verify(await tokenOf(key))).toEqual({
      id: 3,
      role: "customer",
      email: "c@test.local",
      issuedAt: expect.any(Number),
    });
  });

  it("refuses a token signed by a key the set does not hold with 401", async () => {
    jwks = await jwksServer([await newKey()]);
    const verify = createEdgeVerifier(remoteKeys(`${jwks.url}/.well-known/jwks.json`), settings);
    await expect(verify(await tokenOf(await newKey()))).rejects.toMatchObject({ kind: "unauthorized" });
  });

  it("answers 503, not 401, when the key set cannot be fetched at all", async () => {
    jwks = await jwksServer([]);
    await jwks.stop();
    const verify = createEdgeVerifier(remoteKeys(`${jwks.url}/.well-known/jwks.json`), settings);
    await expect(verify(await tokenOf(await newKey()))).rejects.toMatchObject({
      kind: "unavailable",
      retryAfterSeconds: 5,
    });
  });

  it("keeps verifying with a key it has seen while the key set is unreachable", async () => {
    const known = await newKey();
    const local = localKeys(known);
    let reachable = true;
    // What remoteKeys does when the customer function is down: fetch fails with a TypeError.
    const keys: JWTVerifyGetKey = async (header, token) => {
      if (!reachable) throw new TypeError("fetch failed");
      return local(header, token);
    };
    const verify = createEdgeVerifier(keys, settings);
    await verify(await tokenOf(known));
    reachable = false;
    // Another token (not one the verifier remembers), signed by the key it has seen.
    expect(await verify(await tokenOf(known, 4))).toMatchObject({ id: 4 });
    await expect(verify(await tokenOf(await newKey()))).rejects.toMatchObject({ kind: "unavailable" });
  });
});
