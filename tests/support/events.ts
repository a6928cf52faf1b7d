import { binaryEvent, type EventOptions } from "../../shared/testing";
import { call, type Answer } from "./http";

export type { EventOptions } from "../../shared/testing";

/**
 * POSTs a binary-mode CloudEvent to `url` (usually a function's `/events`), as the broker delivers it.
 * Data is not checked against the catalog, so a test can send what a broken producer would.
 */
export function deliver<T = any>(
  url: string,
  type: string,
  data: unknown,
  options: EventOptions = {},
): Promise<Answer<T>> {
  const { headers, body } = binaryEvent(type, data, options);
  return call<T>("POST", url, { headers, raw: body });
}
