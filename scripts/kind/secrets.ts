/**
 * The deployment's secrets, generated on the spot and never committed. scripts/kind/secrets.sh runs
 * `tsx scripts/kind/secrets.ts <secret> <folder>`: each key of the Secret becomes one file (mode 0600) in the
 * folder, which `kubectl create secret generic --from-file=<folder>` turns into the Secret.
 *
 * - sqld-auth: per database an Ed25519 key pair; sqld gets the public key (<fn>.pub, SQLD_AUTH_JWT_KEY) and the
 *   function a JWT signed with the private one (<fn>.token, DATABASE_AUTH_TOKEN). The private key is dropped,
 *   so nobody can mint a token for another database; a new token means rotating the Secret.
 * - customer-signing-key: the Ed25519 private JWK the customer function signs access tokens with.
 * - admin-credentials: the first admin's email and a random password.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const rootDir = resolve(import.meta.dirname, "../..");

export const secretNames = ["sqld-auth", "customer-signing-key", "admin-credentials"] as const;
export type SecretName = (typeof secretNames)[number];
export type SecretData = Record<string, string>;

/** The functions that own a database (functions/<name>/src/db), each served by its own sqld. */
export function databaseFunctions(root = rootDir): string[] {
  const functions = join(root, "functions");
  return readdirSync(functions)
    .filter((name) => existsSync(join(functions, name, "src/db")))
    .sort();
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");

/** A JWT as sqld verifies it (EdDSA; claim a = "rw": read and write; no expiry, like Turso's db tokens). */
export function sqldToken(privateKey: KeyObject, issuedAt = Math.floor(Date.now() / 1000)): string {
  const unsigned = `${base64url(JSON.stringify({ alg: "EdDSA", typ: "JWT" }))}.${base64url(
    JSON.stringify({ a: "rw", iat: issuedAt }),
  )}`;
  return `${unsigned}.${sign(null, Buffer.from(unsigned), privateKey).toString("base64url")}`;
}

export function sqldAuth(functions = databaseFunctions()): SecretData {
  const data: SecretData = {};
  for (const name of functions) {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    data[`${name}.pub`] = publicKey.export({ type: "spki", format: "pem" }).toString();
    data[`${name}.token`] = sqldToken(privateKey);
  }
  return data;
}

export function customerSigningKey(): SecretData {
  const { privateKey } = generateKeyPairSync("ed25519");
  return { "private.jwk": JSON.stringify(privateKey.export({ format: "jwk" })) };
}

export function adminCredentials(email = "admin@bazaar.local"): SecretData {
  // 24 URL-safe characters (144 bits); the customer function asks for at least 12.
  return { email, password: randomBytes(18).toString("base64url") };
}

export function generateSecret(name: SecretName, env: NodeJS.ProcessEnv = process.env): SecretData {
  switch (name) {
    case "sqld-auth":
      return sqldAuth();
    case "customer-signing-key":
      return customerSigningKey();
    case "admin-credentials":
      return adminCredentials(env["ADMIN_EMAIL"] || undefined);
  }
}

/** Writes one file per key, readable by the owner only. */
export function writeSecret(data: SecretData, folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (const [key, value] of Object.entries(data)) {
    writeFileSync(join(folder, key), value, { mode: 0o600, flag: "wx" });
  }
}

const isSecretName = (value: string | undefined): value is SecretName =>
  (secretNames as readonly (string | undefined)[]).includes(value);

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [name, folder] = process.argv.slice(2);
  if (!isSecretName(name) || !folder) {
    process.stderr.write(`usage: tsx scripts/kind/secrets.ts <${secretNames.join("|")}> <folder>\n`);
    process.exit(64); // EX_USAGE
  }
  writeSecret(generateSecret(name), folder);
}
