import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose";
import { Unauthorized } from "../errors";
import type { Principal } from "../http/context";
import type { SigningKey } from "./keys";
import { ROLES, type Role } from "./roles";

export interface TokenSettings {
  issuer: string;
  audience: string;
}

const KNOWN_ROLES: ReadonlySet<string> = new Set(ROLES);

/**
 * How far ahead of this clock a token's `iat` may be: replicas' clocks differ by moments, not minutes. A
 * token "issued" later than that was not made by our signer as it runs, and would outlive every role change.
 */
export const CLOCK_SKEW_SECONDS = 60;

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
 * Tokens that verified, with what they proved, until they expire: a client sends the same token on every
 * request, and an EdDSA verification is the costliest step of an authenticated request. An access token
 * cannot change and is never revoked before its `exp` (a closed account or a role changed since `iat` is a
 * separate check, made on every request), so answering from here is the decision the full check would
 * make; a key dropped from the key set keeps its tokens valid until they expire (15 minutes by default).
 * Keyed by the whole token, signature included; failures are never kept. The least recently used entry
 * goes when it is full.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    readonly maxEntries = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(token: string): Principal | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    this.#entries.delete(token);
    // jose's rule: a token is expired from its `exp` second on.
    if (this.now() >= entry.expiresAt) return undefined;
    this.#entries.set(token, entry);
    return entry.principal;
  }

  /** `exp` in seconds since the epoch, as in the token; a token without one is not kept. */
  remember(token: string, principal: Principal, exp: number | undefined): void {
    if (exp === undefined || this.now() >= exp * 1000) return;
    const oldest = this.#entries.keys().next();
    if (this.#entries.size >= this.maxEntries && !oldest.done) this.#entries.delete(oldest.value);
    this.#entries.set(token, { principal, expiresAt: exp * 1000 });
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * Verifies an access token: EdDSA only (no `none`, no HMAC confusion), known key, issuer, audience, an `exp`
 * not yet passed, an `iat` not in the future beyond the clock skew, and claims of the right shape. A token
 * without `exp` would never expire and one without `iat` could not be dated against a role change, so both
 * are required (signAccessToken sets them). Any failure is a 401 that does not say which check failed.
 * Tokens that passed are remembered in `verified` until they expire.
 */
export function createTokenVerifier(
  keys: JWTVerifyGetKey,
  settings: TokenSettings,
  verified = new VerifiedTokens(),
): TokenVerifier {
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ["EdDSA"],
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ["exp", "iat"],
      });
      const id = Number(payload.sub);
      const role = payload["role"] as Role;
      const email = payload["email"];
      const issuedAt = payload.iat;
      if (!Number.isSafeInteger(id) || id <= 0 || !KNOWN_ROLES.has(role) || typeof email !== "string")
        throw new Error("bad claims");
      // jose refuses a future `iat` only together with a maximum token age, and the lifetime is the signer's.
      if (issuedAt === undefined || issuedAt > Date.now() / 1000 + CLOCK_SKEW_SECONDS)
        throw new Error("issued in the future");
      // Shared by every request that sends this token: nobody may change it. `iat` lets a check refuse a
      // token older than a fact about its account (a role change).
      const principal = Object.freeze({ id, role, email, issuedAt });
      verified.remember(token, principal, payload.exp);
      return principal;
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
