import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeOnce } from "@bazaar/shared/auth";

const decode = (text: string): Buffer =>
  /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64url");

/**
 * The keys that seal session cookies: WEB_SESSION_KEYS (a Secret in a cluster, where each gateway replica has
 * its own disk), else one key generated once under DATA_DIR/keys, which every replica of `npm start` shares
 * (the first one written wins), so a session opens on any replica and survives a restart.
 */
export function loadSessionKeys(options: { keys: readonly string[]; dataDir: string }): Buffer[] {
  if (options.keys.length > 0) return options.keys.map(decode);
  const folder = join(options.dataDir, "keys");
  const file = join(folder, "web-session.key");
  if (!existsSync(file)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeOnce(file, randomBytes(32).toString("base64url"));
  }
  return [decode(readFileSync(file, "utf8").trim())];
}
