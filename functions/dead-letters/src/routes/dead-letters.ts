import { Hono } from "hono";
import * as deadLettersApi from "@bazaar/shared/api/dead-letters";
import { requireRole } from "@bazaar/shared/auth";
import { Conflict } from "@bazaar/shared/errors";
import { refusalOf } from "@bazaar/shared/events";
import { problem, problemAnswer, validate, type AppEnv } from "@bazaar/shared/http";
import type { DeadLettersDeps } from "../deps";
import {
  deadLetterView,
  deleteDeadLetter,
  findDeadLetter,
  listDeadLetters,
  recordReplay,
} from "../domain/dead-letters";
import { originalEvent } from "../domain/intake";

const { idParam, listQuery } = deadLettersApi;

/**
 * Staff and admins list, inspect and replay dead letters: a replay only redelivers a signed event to a consumer
 * that dedupes it, so it is part of watching the saga. Discarding one destroys the record and stays admin-only.
 */
export function deadLetterRoutes(deps: DeadLettersDeps): Hono<AppEnv> {
  const { database, replayer, replayTargets, fallbackTarget, eventKeys } = deps;

  return new Hono<AppEnv>()
    .use(requireRole("staff", "admin"))
    .get("/", validate("query", listQuery), async (c) =>
      c.json(await listDeadLetters(database, c.req.valid("query"))),
    )
    .get("/:id", validate("param", idParam), async (c) =>
      c.json(deadLetterView(await findDeadLetter(database, c.req.valid("param").id))),
    )
    .post("/:id/replay", validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      const letter = await findDeadLetter(database, id);
      // Back to the subscriber that failed; consumers dedupe on (source, id), so a second delivery is harmless.
      const target = letter.errorDest || fallbackTarget;
      if (!target)
        throw new Conflict(
          `dead letter ${id} names no subscriber and K_SINK is not set: nowhere to replay it`,
        );
      const refusal = replayTargets.refusal(target);
      if (refusal) throw new Conflict(`dead letter ${id} is not replayed to ${target}: ${refusal}`);
      // Only its producer's signature lets a stored event back into the saga (a key rotated out ends that).
      const event = originalEvent(letter);
      const forged = refusalOf(event, eventKeys);
      if (forged) throw new Conflict(`dead letter ${id} is not replayed: its signature fails (${forged})`);
      const outcome = await replayer.replay(target, event);
      await recordReplay(database, id, outcome);
      if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
        return c.json({ replayed: true, status: outcome.status, target });
      }
      const body = {
        ...problem(502, `replay of dead letter ${id} to ${target} failed: ${outcome.error ?? "no answer"}`),
        instance: c.req.path,
        target,
        target_status: outcome.status,
      };
      return problemAnswer(c, body);
    })
    .delete("/:id", requireRole("admin"), validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      await deleteDeadLetter(database, id);
      return c.json({ message: "Dead letter deleted", id });
    });
}
