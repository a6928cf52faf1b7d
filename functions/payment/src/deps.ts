import type { TokenVerifier } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { EventKeyring, Outbox } from "@bazaar/shared/events";
import type { HttpDeps } from "@bazaar/shared/http";
import type { PaymentSchema } from "./db";
import type { Settler } from "./domain/settlement";

/** Everything the payment app needs, opened by server.ts (or by a test). */
export interface PaymentDeps {
  http: HttpDeps;
  database: Database<PaymentSchema>;
  outbox: Outbox<PaymentSchema>;
  /** Every producer\'s public event keys: an event counts only with its producer\'s signature. */
  eventKeys: EventKeyring;
  /** Checks access tokens against the customer function's public keys. */
  verify: TokenVerifier;
  settler: Settler;
}
