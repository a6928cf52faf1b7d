import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

const KEY_LENGTH = 32;
const derive = (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
const memoryFor = (cost: number, blockSize: number): number => 256 * cost * blockSize;

/** scrypt with a random 16-byte salt; the parameters travel with the hash so the cost can rise later. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: cost, r: 8, p: 1, maxmem: memoryFor(cost, 8) });
  return ["scrypt", cost, 8, 1, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !key) return false;
  const cost = Number(n);
  const blockSize = Number(r);
  const expected = Buffer.from(key, "base64url");
  const actual = await derive(password, Buffer.from(salt, "base64url"), {
    N: cost,
    r: blockSize,
    p: Number(p),
    maxmem: memoryFor(cost, blockSize),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * For an unknown email: the same scrypt work as a verification, so a miss costs as long as a wrong password.
 * (Not a dummy hash made at start: that was 32 MB and 50-100 ms of CPU on every cold start.)
 */
export async function verifyNothing(password: string, cost: number): Promise<false> {
  await hashPassword(password, cost);
  return false;
}
