import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose";
import { Unauthorized } from "../errors";
import type { Principal, Role } from "../http/context";
import type { SigningKey } from "./keys";

export interface TokenSettings {
  issuer: string;
  audience: string;
}

const ROLES = new Set<Role>(["customer", "staff", "admin"]);

export async function signAccessToken(
  key: SigningKey,
  principal: Principal,
  settings: TokenSettings & { ttlSeconds: number },
): Promise<string> {
  return new SignJWT({ role: principal.role, email: principal.email })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" })
    .setSubject(String(principal.id))
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${settings.ttlSeconds}s`)
    .sign(key.privateKey);
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * Verifies an access token: EdDSA only (no `none`, no HMAC confusion), known key, issuer, audience, expiry,
 * and claims of the right shape. Any failure is a 401 that does not say which check failed.
 */
export function createTokenVerifier(keys: JWTVerifyGetKey, settings: TokenSettings): TokenVerifier {
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ["EdDSA"],
        issuer: settings.issuer,
        audience: settings.audience,
      });
      const id = Number(payload.sub);
      const role = payload["role"] as Role;
      const email = payload["email"];
      if (!Number.isSafeInteger(id) || id <= 0 || !ROLES.has(role) || typeof email !== "string")
        throw new Error("bad claims");
      return { id, role, email };
    } catch {
      throw new Unauthorized("invalid or expired access token");
    }
  };
}

/** Keys from the customer function's JWKS: cached, refetched when a token names an unknown key id. */
export const remoteKeys = (jwksUrl: string): JWTVerifyGetKey =>
  createRemoteJWKSet(new URL(jwksUrl), {
    cacheMaxAge: 10 * 60 * 1000,
    cooldownDuration: 5_000,
    timeoutDuration: 3_000,
  });

/** The customer function verifies its own tokens without a network hop. */
export const localKeys = (key: SigningKey): JWTVerifyGetKey => createLocalJWKSet({ keys: [key.publicJwk] });

/** The verifier every function but customer uses: the customer's JWKS, with the configured issuer and audience. */
export const verifierFromConfig = (config: {
  JWKS_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}): TokenVerifier =>
  createTokenVerifier(remoteKeys(config.JWKS_URL), {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
