import type { TokenVerifier } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { EventKeyring, Outbox } from "@bazaar/shared/events";
import type { HttpDeps } from "@bazaar/shared/http";
import type { ShippingSchema } from "./db";

export interface SchedulingSettings {
  /** Business days from confirmation to the estimated delivery. */
  businessDays: number;
  /** Today, as far as delivery estimates go (a test fixes it). */
  clock: () => Date;
}

/** Everything the shipping app needs, opened by server.ts (or by a test). */
export interface ShippingDeps {
  http: HttpDeps;
  database: Database<ShippingSchema>;
  outbox: Outbox<ShippingSchema>;
  /** Every producer\'s public event keys: an event counts only with its producer\'s signature. */
  eventKeys: EventKeyring;
  /** Checks access tokens against the customer function's public keys. */
  verify: TokenVerifier;
  scheduling: SchedulingSettings;
}
