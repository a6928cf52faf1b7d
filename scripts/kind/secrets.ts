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
 * - web-session-key: the AES-256 key that seals the storefront's session cookies, which every gateway replica
 *   must share (WEB_SESSION_KEYS).
 * - <producer>-event-key, one per function that emits events: the Ed25519 private JWK (kid: its RFC 7638
 *   thumbprint) that signs its CloudEvents. Only that function's Knative Service refers to it.
 *
 * The ConfigMap event-public-keys holds the public half of each producer's keys, `<producer>.json` each (a JWKS,
 * so a rotation can list the new key beside the old). It is not secret, but it follows the generated Secrets, so
 * secrets.sh keeps it too: `tsx scripts/kind/secrets.ts event-public-keys <configmap.json> <private keys> <out>`
 * merges the current keys into what the cluster has (see eventPublicKeys below).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { producers } from "../../shared/events/catalog";
import { generateEventKey, type PublicEventJwk } from "../../shared/events/keys";

export const rootDir = resolve(import.meta.dirname, "../..");

/** The functions that sign events, in name order: one Secret <name>-event-key each. */
export const eventProducers: readonly string[] = [...producers].sort();
export const eventKeySecretOf = (producer: string): string => `${producer}-event-key`;
/** The ConfigMap of every producer's public event keys, mounted by every function that receives events. */
export const EVENT_PUBLIC_KEYS = "event-public-keys";

export const secretNames: readonly string[] = [
  "sqld-auth",
  "customer-signing-key",
  "admin-credentials",
  "web-session-key",
  ...eventProducers.map(eventKeySecretOf),
];
export type SecretName = string;
export type SecretData = Record<string, string>;

/** The functions that own a database (functions/<name>/src/db), each served by its own sqld. */
export function databaseFunctions(root = rootDir): string[] {
  const functions = join(root, "functions");
  // The gateway's database is only the rate-limit store of `npm start`; in a cluster its limits live in Valkey.
  return readdirSync(functions)
    .filter((name) => name !== "gateway" && existsSync(join(functions, name, "src/db")))
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

/** 32 random bytes as base64url: what the gateway's WEB_SESSION_KEYS takes. */
export function webSessionKey(): SecretData {
  return { key: randomBytes(32).toString("base64url") };
}

/** A producer's event signing key: the private JWK, its public half goes to event-public-keys. */
export function eventKey(): SecretData {
  return { "private.jwk": JSON.stringify(generateEventKey().privateJwk) };
}

export function generateSecret(name: SecretName, env: NodeJS.ProcessEnv = process.env): SecretData {
  switch (name) {
    case "sqld-auth":
      return sqldAuth();
    case "customer-signing-key":
      return customerSigningKey();
    case "admin-credentials":
      return adminCredentials(env["ADMIN_EMAIL"] || undefined);
    case "web-session-key":
      return webSessionKey();
  }
  if (eventProducers.some((producer) => eventKeySecretOf(producer) === name)) return eventKey();
  throw new Error(`no such secret: ${name}`);
}

/** RFC 7638 thumbprint of an Ed25519 public key, the key id receivers compute for themselves. */
export const thumbprintOf = (x: string): string =>
  createHash("sha256")
    .update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x }))
    .digest("base64url");

/** The public half of a private event JWK (from a Secret), with its key id computed, not copied. */
export function publicEventJwk(privateJwk: string): PublicEventJwk {
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(privateJwk) as Record<string, unknown>;
  } catch {
    throw new Error("an event key is not valid JSON (expected an Ed25519 private JWK)"); // never quote it
  }
  if (jwk["kty"] !== "OKP" || jwk["crv"] !== "Ed25519" || typeof jwk["x"] !== "string" || !jwk["d"])
    throw new Error("an event key is not an Ed25519 private JWK");
  return { kty: "OKP", crv: "Ed25519", x: jwk["x"], kid: thumbprintOf(jwk["x"]) };
}

/** The data of the ConfigMap event-public-keys: `<producer>.json` -> a JWKS text. */
export type KeyFiles = Record<string, string>;
export type KeyChange = { change: "added" | "old" | "dropped"; producer: string; kid: string };

const fileOf = (producer: string): string => `${producer}.json`;

function keysIn(files: KeyFiles, producer: string): PublicEventJwk[] {
  const text = files[fileOf(producer)];
  if (text === undefined) return [];
  let parsed: { keys?: unknown };
  try {
    parsed = JSON.parse(text) as { keys?: unknown };
  } catch {
    throw new Error(`${EVENT_PUBLIC_KEYS}: ${fileOf(producer)} is not JSON`);
  }
  if (!Array.isArray(parsed.keys))
    throw new Error(`${EVENT_PUBLIC_KEYS}: ${fileOf(producer)} is not a JWKS ({"keys": [...]})`);
  return parsed.keys as PublicEventJwk[];
}

const jwksText = (keys: PublicEventJwk[]): string => `${JSON.stringify({ keys }, null, 2)}\n`;

/**
 * What event-public-keys must hold, given what it holds (`files`, {} when it does not exist yet) and the
 * private key each producer signs with (or is about to: a rotation passes the new one). Every producer's
 * current public key is listed, added at the end when missing; keys already listed are kept (after a rotation,
 * the old one, until no event it signed can still arrive), unless `dropOld` names the producer whose other keys
 * go. Entries of names that are no producer are left as they are. Changes come back one per key.
 */
export function eventPublicKeys(
  files: KeyFiles,
  privateJwks: Record<string, string>,
  options: { dropOld?: string } = {},
): { files: KeyFiles; changes: KeyChange[] } {
  const result: KeyFiles = { ...files };
  const changes: KeyChange[] = [];
  for (const producer of eventProducers) {
    const privateJwk = privateJwks[producer];
    if (privateJwk === undefined) throw new Error(`no private event key for ${producer}`);
    const current = publicEventJwk(privateJwk);
    const listed = keysIn(files, producer);
    const idOf = (jwk: PublicEventJwk): string => (typeof jwk.x === "string" ? thumbprintOf(jwk.x) : "");
    let keys = listed.some((jwk) => idOf(jwk) === current.kid) ? listed : [...listed, current];
    if (keys !== listed) changes.push({ change: "added", producer, kid: current.kid });
    for (const jwk of keys.filter((key) => idOf(key) !== current.kid)) {
      const drop = options.dropOld === producer;
      changes.push({ change: drop ? "dropped" : "old", producer, kid: idOf(jwk) || String(jwk.kid) });
    }
    if (options.dropOld === producer) keys = keys.filter((key) => idOf(key) === current.kid);
    if (keys !== listed) result[fileOf(producer)] = jwksText(keys);
  }
  return { files: result, changes };
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

class UsageError extends Error {}

/**
 * `event-public-keys <configmap.json> <private keys> <out> [--drop-old <producer>]`: configmap.json is
 * `kubectl get configmap -o json` (or {} when there is none), <private keys> holds `<producer>.jwk` for every
 * producer. Writes the ConfigMap's files to <out> (for `kubectl create configmap --from-file`) and prints one
 * line per change: `added|old|dropped <producer> <kid>`.
 */
function eventPublicKeysCommand(args: string[]): void {
  const [configMap, privateFolder, out, flag, dropOld] = args;
  if (!configMap || !privateFolder || !out || (flag !== undefined && (flag !== "--drop-old" || !dropOld)))
    throw new UsageError(
      "usage: tsx scripts/kind/secrets.ts event-public-keys <configmap.json> <private keys> <out> [--drop-old <producer>]",
    );
  if (dropOld !== undefined && !eventProducers.includes(dropOld))
    throw new UsageError(`--drop-old: ${dropOld} is not a producer (${eventProducers.join(", ")})`);
  const existing = JSON.parse(readFileSync(configMap, "utf8")) as { data?: KeyFiles };
  const privateJwks = Object.fromEntries(
    eventProducers
      .filter((producer) => existsSync(join(privateFolder, `${producer}.jwk`)))
      .map((producer) => [producer, readFileSync(join(privateFolder, `${producer}.jwk`), "utf8")]),
  );
  const { files, changes } = eventPublicKeys(existing.data ?? {}, privateJwks, { dropOld });
  writeSecret(files, out);
  for (const { change, producer, kid } of changes) process.stdout.write(`${change} ${producer} ${kid}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [name, ...args] = process.argv.slice(2);
  try {
    if (name === "event-public-keys") eventPublicKeysCommand(args);
    else if (isSecretName(name) && args.length === 1 && args[0]) writeSecret(generateSecret(name), args[0]);
    else throw new UsageError(`usage: tsx scripts/kind/secrets.ts <${secretNames.join("|")}> <folder>`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(error instanceof UsageError ? 64 : 1); // EX_USAGE
  }
}
