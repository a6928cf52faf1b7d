import { Hono } from "hono";
import type { AppEnv } from "@bazaar/shared/http";
import { storeDeadLetter } from "../domain/dead-letters";
import { readDeadLetter } from "../domain/intake";
import type { DeadLetterMetrics } from "../domain/metrics";
import type { DeadLettersDeps } from "../deps";

/**
 * The deadLetterSink of every Trigger. 202 only once the row is committed, for a repeat delivery too; a
 * failed write is a 5xx so the broker tries again rather than lose the event.
 */
export function intakeRoutes(deps: DeadLettersDeps, metrics: DeadLetterMetrics): Hono<AppEnv> {
  return new Hono<AppEnv>().post("/", async (c) => {
    const letter = readDeadLetter(
      Object.fromEntries(c.req.raw.headers),
      await c.req.text(),
      new Date().toISOString(),
    );
    const { id, duplicate } = await storeDeadLetter(deps.database, letter);
    const fields = {
      dead_letter_id: id,
      event_id: letter.eventId,
      event_type: letter.eventType,
      error_dest: letter.errorDest,
      error_code: letter.errorCode,
    };
    if (duplicate) {
      c.get("log").info(fields, "dead letter already stored");
    } else {
      metrics.stored.inc({ type: letter.eventType });
      c.get("log").warn(fields, "dead letter stored");
    }
    return c.body(null, 202, { "x-bazaar-outcome": duplicate ? "duplicate" : "stored" });
  });
}
