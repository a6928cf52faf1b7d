import * as z from "zod";
import { commaSeparated } from "@bazaar/shared/config";

/** A 32-byte AES-256 key written as base64url (43 characters) or hex (64). */
const key = z
  .string()
  .trim()
  .refine(
    (value) => /^[A-Za-z0-9_-]{43}$/.test(value) || /^[0-9a-fA-F]{64}$/.test(value),
    "must be 32 bytes as base64url (43 characters) or hex (64)",
  );

/** The web storefront's settings; the gateway's config schema extends it. */
export const webConfigSchema = z.object({
  /**
   * Keys that seal the browser's session cookie (AES-256-GCM), comma-separated: the first seals, every one
   * opens (add a new key in front to rotate, drop the old one a session lifetime later). Unset: one key
   * generated under DATA_DIR/keys, which only replicas sharing that folder share (a Secret in a cluster).
   */
  WEB_SESSION_KEYS: commaSeparated.pipe(z.array(key)),
  /** How long a browser session lasts at most, signed in or not (the refresh token's lifetime by default). */
  WEB_SESSION_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600),
});
export type WebConfig = z.infer<typeof webConfigSchema>;
