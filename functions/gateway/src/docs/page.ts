import type { JsonSchema } from "./json-schema";
import type { OpenApiDocument, OpenApiOperation } from "./openapi";

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
  .DELETE { background: #fbe3e3; }
  .input { font-size: 13px; } .input div { margin-bottom: .2rem; } .place { color: #6e6e73; }`;

/** `string`, `string (email)`, `a | b` for an enum, `integer[]` for an array: enough to write a request. */
function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map(String).join(" | ");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
  if (schema.type === "array" && schema.items) return `${typeOf(schema.items)}[]`;
  if (schema.type === "object" && schema.properties) return `{ ${fieldsOf(schema)} }`;
  return `${schema.type ?? "any"}${schema.format ? ` (${schema.format})` : ""}`;
}

/** `name*: string, phone: string`; a star marks a required field. */
function fieldsOf(schema: JsonSchema): string {
  // Alternative shapes (an order's single product or list of items): each in braces, "or" between.
  if (!schema.properties) return (schema.anyOf ?? []).map((branch) => `{ ${fieldsOf(branch)} }`).join(" or ");
  const required = new Set(schema.required);
  return Object.entries(schema.properties)
    .map(([name, field]) => `${name}${required.has(name) ? "*" : ""}: ${typeOf(field)}`)
    .join(", ");
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: JsonSchema;
}

/** The path, query and header parameters and the body of one operation, as the functions validate them. */
function inputOf(operation: OpenApiOperation): string {
  const parameters = (operation["parameters"] ?? []) as Parameter[];
  const lines = ["path", "query", "header"].flatMap((place) => {
    const here = parameters.filter((parameter) => parameter.in === place);
    const fields = here.map((p) => `${p.name}${p.required ? "*" : ""}: ${typeOf(p.schema)}`).join(", ");
    return here.length > 0 ? [[place, fields]] : [];
  });
  const body = operation["requestBody"] as
    { required: boolean; content: Record<string, { schema: JsonSchema }> } | undefined;
  const bodySchema = body?.content["application/json"]?.schema;
  if (bodySchema) lines.push([body.required ? "body*" : "body", fieldsOf(bodySchema)]);
  return lines
    .map(
      ([place = "", fields = ""]) => `<div><span class="place">${place}</span> ${escapeHtml(fields)}</div>`,
    )
    .join("");
}

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
        `<span class="input">${inputOf(operation)}</span>`,
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
        `<th>Rate limit</th><th>What</th><th>Input (* required)</th></tr></thead><tbody>\n${body.join("\n")}\n</tbody></table>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(info.title)}</h1>
<p>${escapeHtml(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1), generated from the schemas the
functions validate requests with; errors are <code>application/problem+json</code>. Authenticate with
<code>Authorization: Bearer &lt;token&gt;</code> from <code>POST /auth/login</code>.</p>
${sections}
</body>
</html>
`;
}
