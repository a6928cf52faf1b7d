import type { TokenVerifier } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { EventKeyring, Outbox } from "@bazaar/shared/events";
import type { HttpDeps } from "@bazaar/shared/http";
import type { DeadLettersSchema } from "./db";
import type { Replayer } from "./domain/replay";
import type { ReplayTargets } from "./domain/replay-targets";

/** Everything the dead-letters app needs, opened by server.ts (or by a test). */
export interface DeadLettersDeps {
  http: HttpDeps;
  database: Database<DeadLettersSchema>;
  /** Dedupes the account events /accounts/events receives (processed_events); nothing is published. */
  outbox: Outbox<DeadLettersSchema>;
  /** Every producer\'s public event keys: an event counts only with its producer\'s signature. */
  eventKeys: EventKeyring;
  verify: TokenVerifier;
  replayer: Replayer;
  /** The origins a replay may go to (a dead letter's own destination is not trusted). */
  replayTargets: ReplayTargets;
  /** Where a dead letter without knativeerrordest is replayed: the broker ingress (K_SINK). */
  fallbackTarget: string | undefined;
}
