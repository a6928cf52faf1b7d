/**
 * The event catalog of docs/events.md: every type of shared/events/catalog.ts with its one producer
 * (producerOf), the subscribers the Trigger manifests route it to (knative/triggers, which the dev broker
 * reads too) and the fields of its data, from the zod schema consumers validate it with.
 */
import { resolve } from "node:path";
import * as z from "zod";
import { eventCatalog, eventTypes, producerOf } from "@bazaar/shared/events";
import { loadTriggers, type Trigger } from "../../broker/triggers";

const triggersDir = resolve(import.meta.dirname, "../../knative/triggers");

interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  format?: string;
}

/** A field's type in a few words: `integer`, `string or null`, `[{product_id, quantity}]`. */
function typeText(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(typeText).join(" or ");
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" \\| ");
  if (schema.type === "array" && schema.items) return `[${typeText(schema.items)}]`;
  if (schema.type === "object" && schema.properties) return `{${Object.keys(schema.properties).join(", ")}}`;
  if (schema.format === "date-time") return "date-time";
  return Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
}

function fieldsText(type: keyof typeof eventCatalog): string {
  const schema = z.toJSONSchema(eventCatalog[type]) as JsonSchema;
  return Object.entries(schema.properties ?? {})
    .map(([name, field]) => `\`${name}\`: ${typeText(field)}`)
    .join(", ");
}

/** A subscriber, with its path when it is not the usual `/events`. */
const subscriberText = ({ subscriber }: Trigger): string =>
  subscriber.uri === "/events" ? subscriber.service : `${subscriber.service} (\`${subscriber.uri ?? "/"}\`)`;

/** The markdown table; a type no Trigger routes says so rather than vanish. */
export function eventCatalogTable(): string {
  const triggers = loadTriggers(triggersDir, { urls: {} });
  const lines = ["| Type | Producer | Subscribers (Trigger) | Data |", "| --- | --- | --- | --- |"];
  for (const type of eventTypes) {
    const subscribers = triggers
      .filter((trigger) => trigger.filter["type"] === type)
      .map(subscriberText)
      .sort();
    const columns = [
      `\`${type}\``,
      producerOf[type],
      subscribers.length > 0 ? subscribers.join(", ") : "none",
      fieldsText(type),
    ];
    lines.push(`| ${columns.join(" | ")} |`);
  }
  return lines.join("\n");
}
