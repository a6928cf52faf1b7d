import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base64url, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Unauthorized } from "../errors";
import { loadSigningKey, type SigningKey } from "./keys";
import { createTokenVerifier, localKeys, signAccessToken, type TokenVerifier } from "./tokens";

const settings = { issuer: "bazaar", audience: "bazaar" };
const alice = { id: 7, role: "customer" as const, email: "alice@example.com" };
const dirs: string[] = [];
let key: SigningKey;
let verify: TokenVerifier;

async function freshKey(): Promise<SigningKey> {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-tokens-"));
  dirs.push(dir);
  return loadSigningKey({ dataDir: dir });
}

/** Any token jose can make with our key, for claims signAccessToken would never produce. */
const signed = (claims: Record<string, unknown>, k = key) =>
  new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: k.kid }).sign(k.privateKey);

const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  key = await freshKey();
  verify = createTokenVerifier(localKeys(key), settings);
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("access tokens", () => {
  it("round-trips: sign, verify, same principal", async () => {
    const token = await signAccessToken(key, alice, { ...settings, ttlSeconds: 60 });
    expect(await verify(token)).toEqual(alice);
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());
    expect(header).toEqual({ alg: "EdDSA", kid: key.kid, typ: "JWT" });
  });

  const refused: [string, () => Promise<string>][] = [
    [
      "expired",
      () =>
        signed({
          sub: "7",
          role: "customer",
          email: alice.email,
          iss: "bazaar",
          aud: "bazaar",
          exp: now() - 60,
        }),
    ],
    ["wrong audience", () => signAccessToken(key, alice, { ...settings, audience: "other", ttlSeconds: 60 })],
    ["wrong issuer", () => signAccessToken(key, alice, { ...settings, issuer: "evil", ttlSeconds: 60 })],
    [
      "signed by another key",
      async () => signAccessToken(await freshKey(), alice, { ...settings, ttlSeconds: 60 }),
    ],
    [
      "signed by another key under our kid",
      async () => {
        const other = await freshKey();
        return signAccessToken({ ...other, kid: key.kid }, alice, { ...settings, ttlSeconds: 60 });
      },
    ],
    [
      "alg none",
      async () =>
        new UnsecuredJWT({ role: "admin", email: alice.email })
          .setSubject("7")
          .setIssuer("bazaar")
          .setAudience("bazaar")
          .setExpirationTime("1h")
          .encode(),
    ],
    [
      "HS256 signed with the public key as the secret",
      async () =>
        new SignJWT({ role: "admin", email: alice.email })
          .setProtectedHeader({ alg: "HS256", kid: key.kid })
          .setSubject("7")
          .setIssuer("bazaar")
          .setAudience("bazaar")
          .setExpirationTime("1h")
          .sign(base64url.decode(key.publicJwk.x!)),
    ],
    [
      "tampered payload (role raised to admin)",
      async () => {
        const [header, payload, signature] = (
          await signAccessToken(key, alice, { ...settings, ttlSeconds: 60 })
        ).split(".");
        const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
        const forged = Buffer.from(JSON.stringify({ ...claims, role: "admin" })).toString("base64url");
        return `${header}.${forged}.${signature}`;
      },
    ],
    [
      "an unknown role",
      () => signed({ sub: "7", role: "root", email: alice.email, iss: "bazaar", aud: "bazaar" }),
    ],
    [
      "a non-numeric subject",
      () => signed({ sub: "alice", role: "customer", email: alice.email, iss: "bazaar", aud: "bazaar" }),
    ],
    ["no email", () => signed({ sub: "7", role: "customer", iss: "bazaar", aud: "bazaar" })],
    ["garbage", async () => "not.a.jwt"],
  ];

  it.each(refused)("refuses a token that is %s with Unauthorized", async (_what, make) => {
    const token = await make();
    const error = await verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Unauthorized);
    // One message for every failure: the caller learns nothing about which check failed.
    expect((error as Unauthorized).message).toBe("invalid or expired access token");
  });
});
