import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

/**
 * A rotated refresh token's successor, sealed so that only the holder of the rotated token can open it: the
 * key is derived from that token, which the database never holds (it keeps a SHA-256 digest, a different
 * function of it). A replica that did not do the rotation can then hand the same successor to a repeat of
 * the rotated token, with nothing kept in memory and no secret of the function's own.
 */
const keyOf = (token: string): Buffer =>
  createHmac("sha256", token).update("bazaar refresh-token successor").digest();

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sealSuccessor(rotated: string, successor: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyOf(rotated), iv);
  const body = Buffer.concat([cipher.update(successor, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The successor, or undefined when `sealed` was not sealed with this token (or was tampered with). */
export function openSuccessor(rotated: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(rotated), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    return undefined;
  }
}
