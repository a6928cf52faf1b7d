import type { Child, FC } from "hono/jsx";
import type { TimelineEntry } from "../api-types";
import { label, tone, when } from "./format";

export const Badge: FC<{ status: string; field?: string }> = ({ status, field }) => (
  <span class={`badge ${tone(status)}`} data-field={field}>
    {label(status)}
  </span>
);

export const Time: FC<{ at: string | null | undefined }> = ({ at }) =>
  at ? <time datetime={at}>{when(at)}</time> : <span class="muted">—</span>;

/** The saga's steps, oldest first. */
export const Timeline: FC<{ entries: TimelineEntry[] }> = ({ entries }) => (
  <ol class="timeline" data-field="timeline">
    {entries.map((entry) => (
      <li>
        <time datetime={entry.at}>{when(entry.at)}</time>
        <strong>{entry.event}</strong> — {entry.detail}{" "}
        <span class={`badge ${tone(entry.status)}`}>{label(entry.status)}</span>
      </li>
    ))}
  </ol>
);

/** A table that scrolls sideways on a narrow screen instead of widening the page. */
export const Table: FC<{ caption: string; head: string[]; numeric?: number[]; children?: Child }> = ({
  caption,
  head,
  numeric = [],
  children,
}) => (
  <div class="table-wrap">
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {head.map((name, index) => (
            <th scope="col" class={numeric.includes(index) ? "num" : undefined}>
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);

/** Previous/next links for a paged list. */
export const Pager: FC<{ page: number; limit: number; total: number; href: (page: number) => string }> = ({
  page,
  limit,
  total,
  href,
}) => {
  const pages = Math.max(1, Math.ceil(total / limit));
  if (pages <= 1) return <></>;
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={href(page - 1)}>Previous</a> : <span class="muted">Previous</span>}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages ? <a href={href(page + 1)}>Next</a> : <span class="muted">Next</span>}
    </nav>
  );
};

/** A filter form's status field: "Any", then each status by its label, the one filtered by selected. */
export const StatusField: FC<{ statuses: readonly string[]; selected: string | undefined }> = ({
  statuses,
  selected,
}) => (
  <div class="field">
    <label for="status">Status</label>
    <select id="status" name="status">
      <option value="">Any</option>
      {statuses.map((s) => (
        <option value={s} selected={s === selected}>
          {label(s)}
        </option>
      ))}
    </select>
  </div>
);
