import type { TokenVerifier } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { EventKeyring, Outbox } from "@bazaar/shared/events";
import type { HttpDeps } from "@bazaar/shared/http";
import type { OrderSchema } from "./db";
import type { CatalogClient } from "./domain/placement";

export interface OrderSettings {
  paymentTimeoutSeconds: number;
  maxItems: number;
}

export interface OrderDeps {
  http: HttpDeps;
  database: Database<OrderSchema>;
  outbox: Outbox<OrderSchema>;
  /** Every producer\'s public event keys: an event counts only with its producer\'s signature. */
  eventKeys: EventKeyring;
  verify: TokenVerifier;
  catalog: CatalogClient;
  settings: OrderSettings;
}
