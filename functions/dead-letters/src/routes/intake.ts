import { Hono } from "hono";
import { isEventType, refusalOf } from "@bazaar/shared/events";
import { problem, problemAnswer, type AppEnv } from "@bazaar/shared/http";
import type { DeadLettersDeps } from "../deps";
import { storeDeadLetter } from "../domain/dead-letters";
import { originalEvent, readDeadLetter } from "../domain/intake";
import type { DeadLetterMetrics } from "../domain/metrics";

/**
 * The deadLetterSink of every Trigger. 202 only once the row is committed, for a repeat delivery too; a
 * failed write is a 5xx so the broker tries again rather than lose the event. A letter that its producer did
 * not sign is refused (403) and not stored: a forged event must not wait there for someone to replay it.
 */
export function intakeRoutes(deps: DeadLettersDeps, metrics: DeadLetterMetrics): Hono<AppEnv> {
  return new Hono<AppEnv>().post("/", async (c) => {
    const letter = readDeadLetter(
      Object.fromEntries(c.req.raw.headers),
      await c.req.text(),
      new Date().toISOString(),
    );
    const refusal = refusalOf(originalEvent(letter), deps.eventKeys);
    if (refusal) {
      const type = isEventType(letter.eventType) ? letter.eventType : "unknown";
      deps.http.metrics.eventsRefused.inc({ type, reason: refusal });
      const fields = {
        event_id: letter.eventId,
        event_type: letter.eventType,
        event_source: letter.eventSource,
      };
      c.get("log").warn({ ...fields, reason: refusal }, "dead letter refused");
      return problemAnswer(c, problem(403, `dead letter refused: ${refusal}`));
    }
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
