import type { OpenApiDocument } from "./openapi";

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char,
  );

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d1d1f; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e3e6; vertical-align: top; }
  th { background: #f5f5f7; font-weight: 600; }
  code { font: 13px ui-monospace, monospace; }
  .method { font: 600 12px ui-monospace, monospace; padding: .1rem .4rem; border-radius: 4px; background: #eef; }
  .GET { background: #e3f2e6; } .POST { background: #e6eefc; } .PUT, .PATCH { background: #fdf1dc; }
  .DELETE { background: #fbe3e3; }`;

/**
 * A readable page of the API, rendered on the server from the OpenAPI document: plain HTML and CSS, nothing
 * fetched from a CDN, so it works offline and inside a cluster without egress.
 */
export function docsPage(document: OpenApiDocument): string {
  const rows = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const upper = method.toUpperCase();
      const limit = operation["x-rate-limit"];
      const cells = [
        `<span class="method ${upper}">${upper}</span>`,
        `<code>${escapeHtml(path)}</code>`,
        escapeHtml(operation["x-roles"].join(", ")),
        limit ? escapeHtml(`${limit.class}: ${limit.limit} / ${limit.window_seconds} s`) : "none",
        escapeHtml(operation.summary),
      ];
      const tag = operation.tags[0] ?? "other";
      rows.set(tag, [
        ...(rows.get(tag) ?? []),
        `<tr>${cells.map((cell) => `<td>${cell}</td>`).join("")}</tr>`,
      ]);
    }
  }
  const info = document["info"] as { title: string; description: string };
  const sections = [...rows]
    .map(
      ([tag, body]) =>
        `<h2>${escapeHtml(tag)}</h2>\n<table><thead><tr><th>Method</th><th>Path</th><th>Who</th>` +
        `<th>Rate limit</th><th>What</th></tr></thead><tbody>\n${body.join("\n")}\n</tbody></table>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(info.title)}</h1>
<p>${escapeHtml(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authenticate with
<code>Authorization: Bearer &lt;token&gt;</code> from <code>POST /auth/login</code>.</p>
${sections}
</body>
</html>
`;
}
