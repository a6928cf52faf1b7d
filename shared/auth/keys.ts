import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type CryptoKey,
} from "jose";
import { writeOnce } from "../events/keys";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half, as served on /.well-known/jwks.json. */
  publicJwk: JWK;
}

const ALG = "EdDSA";

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || !jwk.d)
    throw new Error("JWT signing key must be an Ed25519 private JWK");
  const { d: _private, ...publicPart } = jwk;
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicPart));
  const privateKey = (await importJWK({ ...jwk, alg: ALG }, ALG)) as CryptoKey;
  return {
    kid,
    privateKey,
    publicJwk: { kty: publicPart.kty, crv: publicPart.crv, x: publicPart.x, kid, alg: ALG, use: "sig" },
  };
}

/** Parses the secret without ever repeating it: JSON.parse's own message quotes the input. */
function parseJwk(text: string): JWK {
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new Error("JWT_PRIVATE_JWK is not valid JSON (expected an Ed25519 private JWK)");
  }
}

/**
 * The key that signs access tokens. In a cluster it comes from a Secret (JWT_PRIVATE_JWK); in dev it is
 * generated once and kept under the data folder (mode 0600) so tokens survive a restart; replicas of the
 * customer function that start together all end up with the one key that was written first.
 */
export async function loadSigningKey(options: {
  privateJwk?: string | undefined;
  dataDir: string;
}): Promise<SigningKey> {
  if (options.privateJwk) return fromPrivateJwk(parseJwk(options.privateJwk));
  const folder = join(options.dataDir, "keys");
  const file = join(folder, "jwt-signing-key.json");
  if (!existsSync(file)) {
    const { privateKey } = await generateKeyPair(ALG, { crv: "Ed25519", extractable: true });
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeOnce(file, JSON.stringify(await exportJWK(privateKey)));
  }
  return fromPrivateJwk(JSON.parse(readFileSync(file, "utf8")) as JWK);
}
