import type { TokenVerifier } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { EventKeyring, Outbox } from "@bazaar/shared/events";
import type { HttpDeps } from "@bazaar/shared/http";
import type { NotificationSchema } from "./db";

/** Everything the notification app needs, opened by server.ts (or by a test). */
export interface NotificationDeps {
  http: HttpDeps;
  database: Database<NotificationSchema>;
  /** The event receiver commits its dedupe row through the outbox, though this function emits nothing. */
  outbox: Outbox<NotificationSchema>;
  /** Every producer\'s public event keys: an event counts only with its producer\'s signature. */
  eventKeys: EventKeyring;
  verify: TokenVerifier;
}
