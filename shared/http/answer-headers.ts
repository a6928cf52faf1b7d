/**
 * Headers every answer to a request carries, gathered by middleware before the handler runs (request and
 * correlation ids, rate-limit state). A handler that passes on another server's headers (the gateway's proxy)
 * merges them in with `headersWith`, as plain fields of the answer's init, which @hono/node-server writes as
 * they are; any other answer gets them on Node's own response once the handler is done (shared/http/app.ts).
 * Setting them on `c.res.headers` would make the adapter build a WHATWG Headers object per answer.
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
