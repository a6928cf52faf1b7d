import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base64url, SignJWT, UnsecuredJWT, type JWTVerifyGetKey } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Unauthorized } from "../errors";
import { loadSigningKey, type SigningKey } from "./keys";
import {
  CLOCK_SKEW_SECONDS,
  createTokenVerifier,
  localKeys,
  signAccessToken,
  VerifiedTokens,
  type TokenVerifier,
} from "./tokens";

const settings = { issuer: "bazaar", audience: "bazaar" };
const alice = { id: 7, role: "customer" as const, email: "alice@example.com" };
/** What a token of alice's proves: her, and when it was issued. */
const aliceSince = { ...alice, issuedAt: expect.any(Number) as number };
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
/** The claims signAccessToken gives alice, as a plain object a test can spoil. */
const aliceClaims = (): Record<string, unknown> => ({
  sub: "7",
  role: "customer",
  email: alice.email,
  iss: "bazaar",
  aud: "bazaar",
  iat: now(),
  exp: now() + 60,
});

beforeAll(async () => {
  key = await freshKey();
  verify = createTokenVerifier(localKeys(key), settings);
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("access tokens", () => {
  it("round-trips: sign, verify, same principal", async () => {
    const before = now();
    const token = await signAccessToken(key, alice, { ...settings, ttlSeconds: 60 });
    expect(await verify(token)).toEqual(aliceSince);
    expect((await verify(token)).issuedAt).toBeGreaterThanOrEqual(before);
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());
    expect(header).toEqual({ alg: "EdDSA", kid: key.kid, typ: "JWT" });
  });

  it("accepts a token issued a little ahead of this clock (another replica's clock), within the skew", async () => {
    const ahead = now() + CLOCK_SKEW_SECONDS - 5;
    expect(await verify(await signed({ ...aliceClaims(), iat: ahead }))).toEqual({
      ...alice,
      issuedAt: ahead,
    });
  });

  const refused: [string, () => Promise<string>][] = [
    ["expired", () => signed({ ...aliceClaims(), exp: now() - 60 })],
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
    ["an unknown role", () => signed({ ...aliceClaims(), role: "root" })],
    ["a non-numeric subject", () => signed({ ...aliceClaims(), sub: "alice" })],
    ["no email", () => signed({ ...aliceClaims(), email: undefined })],
    ["without an expiry (it would never expire)", () => signed({ ...aliceClaims(), exp: undefined })],
    ["without an issue time", () => signed({ ...aliceClaims(), iat: undefined })],
    [
      "issued beyond the clock skew in the future",
      () => signed({ ...aliceClaims(), iat: now() + CLOCK_SKEW_SECONDS + 5 }),
    ],
    ["issued a day in the future", () => signed({ ...aliceClaims(), iat: now() + 86_400 })],
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

describe("verified tokens are remembered until they expire", () => {
  const principal = { id: 7, role: "customer" as const, email: alice.email };
  afterEach(() => vi.useRealTimers());

  /** A verifier over our key that counts how often a signature had to be checked. */
  function countingVerifier() {
    const keys = localKeys(key);
    const counter = { checks: 0 };
    const counted: JWTVerifyGetKey = (header, token) => {
      counter.checks += 1;
      return keys(header, token);
    };
    return { verify: createTokenVerifier(counted, settings), counter };
  }

  it("checks a token's signature once, then answers from memory with the same principal", async () => {
    const { verify: remembering, counter } = countingVerifier();
    const token = await signAccessToken(key, alice, { ...settings, ttlSeconds: 60 });
    expect(await remembering(token)).toEqual(aliceSince);
    expect(await remembering(token)).toEqual(aliceSince);
    expect(counter.checks).toBe(1);
  });

  it("refuses a remembered token once it has expired", async () => {
    const { verify: remembering } = countingVerifier();
    const exp = now() + 60;
    const token = await signed({ ...aliceClaims(), exp });
    expect(await remembering(token)).toEqual(aliceSince);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(exp * 1000 - 1);
    expect(await remembering(token)).toEqual(aliceSince);
    vi.setSystemTime(exp * 1000);
    await expect(remembering(token)).rejects.toBeInstanceOf(Unauthorized);
  });

  it("never answers a token with another signature or payload from memory", async () => {
    const { verify: remembering, counter } = countingVerifier();
    const token = await signAccessToken(key, alice, { ...settings, ttlSeconds: 60 });
    await remembering(token);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const flipped = (text: string, at: number) =>
      `${text.slice(0, at)}${text[at] === "A" ? "B" : "A"}${text.slice(at + 1)}`;
    const raised = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), role: "admin" }),
    ).toString("base64url");
    const another = await signAccessToken(await freshKey(), alice, { ...settings, ttlSeconds: 60 });
    for (const forged of [
      `${header}.${payload}.${flipped(signature, 10)}`,
      `${header}.${raised}.${signature}`,
      `${header}.${payload}.${another.split(".")[2]}`,
    ]) {
      await expect(remembering(forged)).rejects.toBeInstanceOf(Unauthorized);
    }
    expect(counter.checks).toBe(4);
  });

  it("never remembers a failure: a refused token is checked again", async () => {
    const { verify: remembering, counter } = countingVerifier();
    const token = await signAccessToken(key, alice, { ...settings, audience: "other", ttlSeconds: 60 });
    await expect(remembering(token)).rejects.toBeInstanceOf(Unauthorized);
    await expect(remembering(token)).rejects.toBeInstanceOf(Unauthorized);
    expect(counter.checks).toBe(2);
  });

  it("keeps at most maxEntries tokens, dropping the least recently used", () => {
    let clock = 1_000_000;
    const tokens = new VerifiedTokens(2, () => clock);
    const exp = clock / 1000 + 60;
    tokens.remember("a", principal, exp);
    tokens.remember("b", principal, exp);
    expect(tokens.get("a")).toBe(principal); // a is now the most recently used
    tokens.remember("c", principal, exp);
    expect(tokens.size).toBe(2);
    expect(tokens.get("b")).toBeUndefined();
    expect(tokens.get("a")).toBe(principal);
    expect(tokens.get("c")).toBe(principal);
    clock = exp * 1000;
    expect(tokens.get("a")).toBeUndefined();
    expect(tokens.size).toBe(1);
  });

  it("does not keep a token without an expiry, or one already expired", () => {
    const tokens = new VerifiedTokens(10, () => 5_000_000);
    tokens.remember("no-exp", principal, undefined);
    tokens.remember("expired", principal, 5_000);
    expect(tokens.size).toBe(0);
  });
});
