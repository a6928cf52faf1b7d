import type { JWTVerifyGetKey } from "jose";
import {
  createTokenVerifier,
  VerifiedTokens,
  type TokenSettings,
  type TokenVerifier,
} from "@bazaar/shared/auth";
import { Unavailable } from "@bazaar/shared/errors";

type Key = Awaited<ReturnType<JWTVerifyGetKey>>;

/** Codes jose gives when the key set could not be fetched or read, as opposed to a token it cannot match. */
const FETCH_FAILURES = new Set(["ERR_JWKS_TIMEOUT", "ERR_JWKS_INVALID", "ERR_JOSE_GENERIC"]);
const isKeySetOutage = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  // A network failure (customer down or scaled to zero and slow) is a plain TypeError without a JOSE code.
  return typeof code !== "string" || FETCH_FAILURES.has(code);
};

/**
 * The shared token check over the customer's JWKS, made fit for the edge. A key that verified before keeps
 * verifying while the JWKS cannot be fetched, so a customer-function outage does not log every user out;
 * a token whose key was never seen during such an outage gets 503 (try again), not 401 (log in again).
 */
export function createEdgeVerifier(keys: JWTVerifyGetKey, settings: TokenSettings): TokenVerifier {
  const knownKeys = new Map<string, Key>();
  const verified = new VerifiedTokens();
  return async (token) => {
    let outage: unknown;
    const getKey: JWTVerifyGetKey = async (header, input) => {
      try {
        const key = await keys(header, input);
        if (header.kid) knownKeys.set(header.kid, key);
        return key;
      } catch (error) {
        if (!isKeySetOutage(error)) throw error;
        const known = header.kid ? knownKeys.get(header.kid) : undefined;
        if (known) return known;
        outage = error;
        throw error;
      }
    };
    try {
      return await createTokenVerifier(getKey, settings, verified)(token);
    } catch (error) {
      if (outage === undefined) throw error;
      throw new Unavailable("access tokens cannot be verified right now: the key set is unreachable", {
        retryAfterSeconds: 5,
        cause: outage,
      });
    }
  };
}
