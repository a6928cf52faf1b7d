import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { producers, type Producer } from "./catalog";

/**
 * Event signing keys. Each producer signs with its own Ed25519 key; every receiver reads all producers' public
 * keys from one folder, `<producer>.json` each (a JWKS, so a producer can list a new key beside the old one
 * while a rotation is under way). In a cluster the private key is a Secret mounted into its function only and
 * the folder is a ConfigMap volume; under `npm start` and compose both are generated under DATA_DIR.
 */

/** An Ed25519 public JWK as the key files hold it. */
export interface PublicEventJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
}

export interface EventSigningKey {
  producer: Producer;
  kid: string;
  privateKey: KeyObject;
  publicJwk: PublicEventJwk;
}

/** A public key that may sign events, and whose it is. */
export interface TrustedKey {
  producer: Producer;
  publicKey: KeyObject;
}

export interface EventKeyring {
  /** The key with this id, re-reading the folder (at most once a second) when it is not known yet. */
  find(kid: string): TrustedKey | undefined;
}

/** RFC 7638 thumbprint of an Ed25519 public key: a key id that anyone can recompute from the key. */
const thumbprint = (x: string): string =>
  createHash("sha256")
    .update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x }))
    .digest("base64url");

function publicJwkOf(key: KeyObject): PublicEventJwk {
  const { x } = createPublicKey(key).export({ format: "jwk" });
  if (typeof x !== "string") throw new Error("not an Ed25519 key");
  return { kty: "OKP", crv: "Ed25519", x, kid: thumbprint(x) };
}

/** A fresh key pair, as the dev runner and the cluster's secrets script write them. */
export function generateEventKey(): { privateJwk: JsonWebKey & { kid: string }; publicJwk: PublicEventJwk } {
  const { privateKey } = generateKeyPairSync("ed25519");
  const publicJwk = publicJwkOf(privateKey);
  return { privateJwk: { ...privateKey.export({ format: "jwk" }), kid: publicJwk.kid }, publicJwk };
}

function fromPrivateJwk(producer: Producer, text: string): EventSigningKey {
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(text) as JsonWebKey;
  } catch {
    // JSON.parse's own message would quote the secret.
    throw new Error("EVENT_PRIVATE_JWK is not valid JSON (expected an Ed25519 private JWK)");
  }
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.d !== "string") {
    throw new Error("EVENT_PRIVATE_JWK must be an Ed25519 private JWK");
  }
  const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
  const publicJwk = publicJwkOf(privateKey);
  return { producer, kid: publicJwk.kid, privateKey, publicJwk };
}

/**
 * Writes a file that must appear whole or not at all, once: replicas starting together may race for it, and
 * the first one's content wins (the others read it). Private key material, so mode 0600.
 */
export function writeOnce(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  try {
    linkSync(temporary, file); // fails if another process got there first: its key wins
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

const keyFileOf = (keysDir: string, producer: string): string => join(keysDir, `${producer}.json`);

function readJwks(file: string): PublicEventJwk[] {
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { keys?: unknown };
  if (!Array.isArray(parsed.keys)) throw new Error(`${file} is not a JWKS ({"keys": [...]})`);
  return parsed.keys as PublicEventJwk[];
}

/** Adds a public key to its producer's file (keeping the others, for keys being rotated out). */
export function publishPublicKey(keysDir: string, producer: Producer, jwk: PublicEventJwk): void {
  const file = keyFileOf(keysDir, producer);
  const keys = readJwks(file);
  if (keys.some((key) => key.kid === jwk.kid)) return;
  mkdirSync(keysDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ keys: [...keys, jwk] }, null, 2)}\n`);
  renameSync(temporary, file); // readers see the old file or the new one, never half of it
}

export const defaultEventKeysDir = (dataDir: string): string => join(dataDir, "keys", "events");

/**
 * The key a producer signs with: EVENT_PRIVATE_JWK when given (the operator publishes its public half), else
 * one generated on first start and kept under DATA_DIR, whose public half this function publishes itself.
 */
export function loadEventSigningKey(options: {
  producer: Producer;
  privateJwk?: string | undefined;
  dataDir: string;
  keysDir: string;
}): EventSigningKey {
  const { producer } = options;
  if (options.privateJwk) return fromPrivateJwk(producer, options.privateJwk);
  const folder = join(options.dataDir, "keys");
  const file = join(folder, `${producer}-event-key.json`);
  if (!existsSync(file)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeOnce(file, JSON.stringify(generateEventKey().privateJwk));
  }
  const key = fromPrivateJwk(producer, readFileSync(file, "utf8"));
  publishPublicKey(options.keysDir, producer, key.publicJwk);
  return key;
}

const KEY_FILE = /^([a-z][a-z-]*)\.json$/;
/** Known keys are read again this often, so a key dropped after a rotation stops counting without a restart. */
const REFRESH_AFTER_MS = 60_000;

/** The key files of known producers (a ConfigMap volume also holds ..data links, which are skipped). */
function keyFilesOf(keysDir: string): [Producer, string][] {
  if (!existsSync(keysDir)) return [];
  return readdirSync(keysDir).flatMap((name): [Producer, string][] => {
    const producer = KEY_FILE.exec(name)?.[1] as Producer | undefined;
    return producer && producers.includes(producer) ? [[producer, join(keysDir, name)]] : [];
  });
}

/** What changes whenever a key file is added, replaced (a rename, a ConfigMap's link swap) or rewritten. */
function versionOf(keysDir: string): string {
  try {
    const files = keyFilesOf(keysDir).map(([, file]) => `${file}@${statSync(file).mtimeMs}`);
    return `${existsSync(keysDir) ? statSync(keysDir).mtimeMs : 0};${files.join(";")}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return `changing ${Math.random()}`; // a file vanished between the listing and its stat: read it all again
  }
}

function readKeysDir(keysDir: string): Map<string, TrustedKey> {
  const keys = new Map<string, TrustedKey>();
  for (const [producer, file] of keyFilesOf(keysDir)) {
    for (const jwk of readJwks(file)) {
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") continue;
      // The id is recomputed, not taken from the file: a key cannot pose under another key's id.
      const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" });
      keys.set(thumbprint(jwk.x), { producer, publicKey });
    }
  }
  return keys;
}

/**
 * Every producer's public keys, read from the folder at start, again as soon as an unknown key id arrives and
 * the folder has changed since (a producer that started after this function, a key added for a rotation), and
 * every minute (a key dropped), all without a restart. An unknown key id costs a few stat calls, not a read, so
 * a flood of made-up ones cannot keep the disk busy.
 */
export function createEventKeyring(keysDir: string, now: () => number = Date.now): EventKeyring {
  let keys = new Map<string, TrustedKey>();
  let readAt = 0;
  let version = "";
  const read = (): void => {
    readAt = now();
    const seen = versionOf(keysDir);
    try {
      keys = readKeysDir(keysDir);
      version = seen;
    } catch {
      // A folder being rewritten (or a bad file) keeps the keys read before; the next call tries again.
    }
  };
  read();
  return {
    find(kid) {
      const stale = now() - readAt >= REFRESH_AFTER_MS;
      if (stale || (!keys.has(kid) && versionOf(keysDir) !== version)) read();
      return keys.get(kid);
    },
  };
}
