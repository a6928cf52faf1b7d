import { createHmac, createPublicKey } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base64url, SignJWT } from "jose";
import { loadSigningKey } from "../../shared/auth";

/**
 * Tokens an attacker can make: unsigned, signed by a key the shop does not hold, the real key's signature on
 * a changed payload, HMAC with the public key as the secret, and real-key tokens that are expired or meant for
 * another issuer or audience (a key leak is not needed for those; a token of another system suffices), or
 * that would live for ever: no `exp`, or an `iat` far ahead (what a leaked key or a careless issuer mints).
 */

const encode = (part: object): string => base64url.encode(JSON.stringify(part));
const now = (): number => Math.floor(Date.now() / 1000);

export interface Victim {
  id: number;
  role: "customer" | "staff" | "admin";
  email: string;
}

/** `dataDir`: the shop's data folder (its real signing key); `token`: a genuine token to tamper with. */
export async function forgeries(
  dataDir: string,
  genuine: string,
  claims: Victim,
): Promise<[name: string, token: string][]> {
  const payload = {
    sub: String(claims.id),
    role: claims.role,
    email: claims.email,
    iss: "bazaar",
    aud: "bazaar",
  };
  const real = await loadSigningKey({ dataDir });
  const stranger = await loadSigningKey({ dataDir: mkdtempSync(join(tmpdir(), "bazaar-stranger-")) });
  const signWith = (key: typeof real, extra: Record<string, unknown>, expires: number | string = "10m") =>
    new SignJWT({ ...payload, ...extra })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid })
      .setIssuedAt(now() - 60)
      .setExpirationTime(expires)
      .sign(key.privateKey);
  const [header, body, signature] = genuine.split(".") as [string, string, string];
  const tampered = {
    ...JSON.parse(new TextDecoder().decode(base64url.decode(body))),
    sub: payload.sub,
    role: payload.role,
  };
  const pem = createPublicKey({ key: real.publicJwk as never, format: "jwk" }).export({
    type: "spki",
    format: "pem",
  });
  const hmacInput = `${encode({ alg: "HS256", typ: "JWT", kid: real.kid })}.${encode({ ...payload, exp: now() + 600 })}`;

  return [
    ["alg none", `${encode({ alg: "none", typ: "JWT" })}.${encode({ ...payload, exp: now() + 600 })}.`],
    ["a stranger's key", await signWith(stranger, {})],
    [
      "a stranger's key under the shop's kid",
      await new SignJWT(payload)
        .setProtectedHeader({ alg: "EdDSA", kid: real.kid })
        .setExpirationTime("10m")
        .sign(stranger.privateKey),
    ],
    ["a genuine token with another payload", `${header}.${encode(tampered)}.${signature}`],
    ["a genuine token without its signature", `${header}.${body}.`],
    [
      "HS256 keyed with the public key",
      `${hmacInput}.${createHmac("sha256", pem).update(hmacInput).digest("base64url")}`,
    ],
    ["the real key, expired", await signWith(real, {}, now() - 30)],
    ["the real key, another issuer", await signWith(real, { iss: "someone-else" })],
    ["the real key, another audience", await signWith(real, { aud: "another-app" })],
    ["the real key, an unknown role", await signWith(real, { role: "superuser" })],
    ["the real key, a non-numeric subject", await signWith(real, { sub: "1 OR 1=1" })],
    [
      "the real key, no expiry",
      await new SignJWT(payload)
        .setProtectedHeader({ alg: "EdDSA", kid: real.kid })
        .setIssuedAt(now() - 60)
        .sign(real.privateKey),
    ],
    [
      "the real key, issued an hour in the future",
      await new SignJWT(payload)
        .setProtectedHeader({ alg: "EdDSA", kid: real.kid })
        .setIssuedAt(now() + 3600)
        .setExpirationTime(now() + 7200)
        .sign(real.privateKey),
    ],
  ];
}
