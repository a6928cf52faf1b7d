import type { TokenVerifier } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { HttpDeps } from "@bazaar/shared/http";
import type { DeadLettersSchema } from "./db";
import type { Replayer } from "./domain/replay";

/** Everything the dead-letters app needs, opened by server.ts (or by a test). */
export interface DeadLettersDeps {
  http: HttpDeps;
  database: Database<DeadLettersSchema>;
  verify: TokenVerifier;
  replayer: Replayer;
  /** Where a dead letter without knativeerrordest is replayed: the broker ingress (K_SINK). */
  fallbackTarget: string | undefined;
}
