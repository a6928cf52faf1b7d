/**
 * Headers every answer to a request carries, gathered by middleware before the handler runs (request and
 * correlation ids, rate-limit state). A handler that builds its answer from its own header list with
 * `headersWith` gets them in the answer's init as plain fields, which @hono/node-server writes as they are;
 * on any other answer the app sets them afterwards on `c.res.headers`, which makes the adapter build a WHATWG
 * Headers object: a tenth of the gateway's CPU on a proxied request.
 */
export class AnswerHeaders {
  readonly #values: Record<string, string> = {};
  #included = false;

  set(name: string, value: string): void {
    this.#values[name.toLowerCase()] = value;
  }

  /** Whether an answer already carries them (built with `headersWith`). */
  get included(): boolean {
    return this.#included;
  }

  entries(): [string, string][] {
    return Object.entries(this.#values);
  }

  /**
   * An answer's headers (lower-case names) with these over them, ready for a Response's init: plain fields,
   * or a list where a name repeats (Set-Cookie), since one field cannot hold two values.
   */
  headersWith(headers: readonly [string, string][]): Record<string, string> | [string, string][] {
    this.#included = true;
    const merged: Record<string, string> = {};
    for (const [name, value] of headers) {
      if (name in merged) return [...headers.filter(([own]) => !(own in this.#values)), ...this.entries()];
      merged[name] = value;
    }
    return Object.assign(merged, this.#values);
  }
}
