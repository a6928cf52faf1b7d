/**
 * A Trigger's filter as the RabbitMQ broker applies it: a headers-exchange binding with `x-match: all`, so
 * every filter attribute must equal the event's attribute or extension exactly (AND). No prefix, suffix or
 * CESQL dialects exist there, so none exist here. An empty filter lets every event through.
 */
export function matches(
  filter: Readonly<Record<string, string>>,
  attributes: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(filter).every(([name, value]) => attributes[name] === value);
}
