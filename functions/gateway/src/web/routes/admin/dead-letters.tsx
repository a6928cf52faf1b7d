import { Hono } from "hono";
import { detailOf } from "../../api";
import type { DeadLetter, Page } from "../../api-types";
import type { WebEnv } from "../../context";
import { pageOf } from "../../forms";
import { redirectWith, render } from "../../render";
import { Csrf } from "../../views/layout";
import { Pager, Table, Time } from "../../views/parts";

const PER_PAGE = 25;

/** Events that ran out of retries; staff send them again (consumers dedupe), an admin may discard them. */
export function adminDeadLetterRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/dead-letters", async (c) => {
      const session = c.get("session");
      const mayDiscard = session.user?.role === "admin";
      const page = pageOf(c);
      const waiting = c.req.query("replayed") === "false";
      const query = new URLSearchParams({
        limit: String(PER_PAGE),
        page: String(page),
        ...(waiting && { replayed: "false" }),
      });
      const list = await c
        .get("api")
        .must<Page & { dead_letters: DeadLetter[] }>("GET", `/api/dead-letters?${query}`);
      return render(
        c,
        { title: "Dead letters", area: "admin" },
        <>
          <p>
            {waiting ? (
              <a href="/admin/dead-letters">Show all</a>
            ) : (
              <a href="/admin/dead-letters?replayed=false">Show only those not replayed</a>
            )}
          </p>
          {list.dead_letters.length === 0 && <p>Nothing here: every event reached its subscriber.</p>}
          <Table
            caption={`${list.total} dead letter${list.total === 1 ? "" : "s"}, newest first`}
            head={["#", "Event", "Subject", "Failed at", "Why", "Received", "Replayed", ""]}
          >
            {list.dead_letters.map((letter) => (
              <tr data-dead-letter={String(letter.id)}>
                <td>{letter.id}</td>
                <td>
                  <code>{letter.event_type}</code>
                  <br />
                  <span class="muted">{letter.event_id}</span>
                </td>
                <td>{letter.subject ?? "—"}</td>
                <td>{letter.error_dest ?? "—"}</td>
                <td>
                  {letter.error_code ?? ""} {letter.error_detail ?? ""}
                </td>
                <td>
                  <Time at={letter.received_at} />
                </td>
                <td data-field="replayed">
                  {letter.replayed
                    ? `Yes (${letter.replay_count}×)`
                    : letter.replay_count > 0
                      ? `Failed: ${letter.last_replay_error ?? letter.last_replay_status ?? ""}`
                      : "No"}
                </td>
                <td>
                  <div class="actions">
                    <form method="post" action={`/admin/dead-letters/${letter.id}/replay`} data-once>
                      <Csrf token={session.csrf} />
                      <button type="submit" aria-label={`Replay dead letter ${letter.id}`}>
                        Replay
                      </button>
                    </form>
                    {mayDiscard && (
                      <form method="post" action={`/admin/dead-letters/${letter.id}/delete`} data-once>
                        <Csrf token={session.csrf} />
                        <button type="submit" class="danger" aria-label={`Delete dead letter ${letter.id}`}>
                          Delete
                        </button>
                      </form>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </Table>
          <Pager
            page={page}
            limit={PER_PAGE}
            total={list.total}
            href={(to) =>
              `/admin/dead-letters?${new URLSearchParams({ ...(waiting && { replayed: "false" }), page: String(to) })}`
            }
          />
        </>,
      );
    })
    .post("/dead-letters/:id{[0-9]+}/replay", async (c) => {
      const id = c.req.param("id");
      const answer = await c.get("api").send<{ status: number }>("POST", `/api/dead-letters/${id}/replay`);
      return redirectWith(
        c,
        "/admin/dead-letters",
        answer.ok
          ? { ok: `Dead letter ${id} replayed (its subscriber answered ${answer.body.status}).` }
          : { error: detailOf(answer) },
      );
    })
    .post("/dead-letters/:id{[0-9]+}/delete", async (c) => {
      const id = c.req.param("id");
      const answer = await c.get("api").send("DELETE", `/api/dead-letters/${id}`);
      return redirectWith(
        c,
        "/admin/dead-letters",
        answer.ok ? { ok: `Dead letter ${id} deleted.` } : { error: detailOf(answer) },
      );
    });
}
