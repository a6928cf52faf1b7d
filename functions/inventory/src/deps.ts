import type { TokenVerifier } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { EventKeyring, Outbox } from "@bazaar/shared/events";
import type { HttpDeps } from "@bazaar/shared/http";
import type { InventorySchema } from "./db";

/** Everything the inventory app needs, opened by server.ts (or by a test). */
export interface InventoryDeps {
  http: HttpDeps;
  database: Database<InventorySchema>;
  outbox: Outbox<InventorySchema>;
  /** Every producer\'s public event keys: an event counts only with its producer\'s signature. */
  eventKeys: EventKeyring;
  /** Verifies access tokens issued by the customer function (its JWKS in production). */
  verify: TokenVerifier;
}
