import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bound into every seal: a value sealed for another purpose with the same key does not open here. */
const CONTEXT = Buffer.from("bazaar web session v1");

/**
 * Seals and opens values with AES-256-GCM: what the browser holds is encrypted (it cannot read its tokens) and
 * authenticated (it cannot change a byte). The first key seals; every key opens, so keys can be rotated.
 */
export interface Sealer {
  seal(plain: string): string;
  /** The plain text, or undefined for anything this sealer did not seal (forged, altered, an old key). */
  open(sealed: string): string | undefined;
}

export function createSealer(keys: readonly Buffer[]): Sealer {
  const [current] = keys;
  if (!current || keys.some((key) => key.length !== 32))
    throw new Error("session keys must be 32 bytes each");
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current, iv).setAAD(CONTEXT);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
    },
    open(sealed) {
      const bytes = Buffer.from(sealed, "base64url");
      if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
      const iv = bytes.subarray(0, IV_BYTES);
      const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      for (const key of keys) {
        try {
          const decipher = createDecipheriv("aes-256-gcm", key, iv).setAAD(CONTEXT).setAuthTag(tag);
          return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
        } catch {
          // not this key (or not ours at all): try the next
        }
      }
      return undefined;
    },
  };
}
