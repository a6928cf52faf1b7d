import type { UpstreamAnswer } from "../proxy/upstream";

interface Entry {
  answer: UpstreamAnswer;
  storedAt: number;
  expiresAt: number;
  /** What it holds in memory, roughly: body, key and headers. */
  bytes: number;
}

export interface MicroCacheOptions {
  /** How long an answer is served from memory, unless the function's Cache-Control asks for less. */
  ttlMs: number;
  /** Bytes held at most (bodies, keys, headers); the oldest entries go first. Query strings are the client's. */
  maxBytes?: number;
  now?: () => number;
}

const NOT_SHARED = /(?:^|,)\s*(?:no-store|no-cache|private)\b/i;
const MAX_AGE = /(?:^|,)\s*(s-maxage|max-age)\s*=\s*"?(\d+)"?/gi;

/**
 * How long a function's answer may be shared with other clients: only a 200 that sets no cookie, names no
 * Vary, and whose Cache-Control (if any) allows a shared cache; s-maxage, else max-age, shortens the TTL.
 */
export function sharedLifetimeMs(answer: UpstreamAnswer, ttlMs: number): number {
  if (answer.status !== 200) return 0;
  let lifetime = ttlMs;
  for (const [name, value] of answer.headers) {
    if (name === "set-cookie" || name === "vary") return 0;
    if (name !== "cache-control") continue;
    if (NOT_SHARED.test(value)) return 0;
    const ages = new Map(
      [...value.matchAll(MAX_AGE)].map(([, key, seconds]) => [key?.toLowerCase(), seconds]),
    );
    const seconds = ages.get("s-maxage") ?? ages.get("max-age");
    if (seconds !== undefined) lifetime = Math.min(lifetime, Number(seconds) * 1000);
  }
  return lifetime;
}

/**
 * A short-lived cache of the public catalog's answers at the edge, by a key the caller makes (host, path and
 * query): in a burst of reads most answers come from memory and only one request per key and TTL reaches
 * the function. Concurrent misses of one key wait for the first one's answer rather than all asking the
 * function. Each hit carries an Age header (RFC 9111 §5.1). Errors and anything not meant for sharing are
 * never kept.
 */
export class MicroCache {
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<UpstreamAnswer>>();
  readonly #ttlMs: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: MicroCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.#now = options.now ?? (() => Date.now());
  }

  /** The answer for `key`, from memory while fresh, else from `fetch` (kept if it may be shared). */
  async through(key: string, fetch: () => Promise<UpstreamAnswer>): Promise<UpstreamAnswer> {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) return withAge(entry, now);
    if (entry) this.#drop(key, entry);

    const pending = this.#pending.get(key);
    if (pending) {
      const answer = await pending.catch(() => undefined);
      const stored = this.#entries.get(key);
      // The first request's answer was not kept (an error, or not shareable): ask for this one's own.
      if (stored && answer) return withAge(stored, this.#now());
      return fetch();
    }
    const call = fetch();
    this.#pending.set(key, call);
    try {
      const answer = await call;
      this.#store(key, answer);
      return answer;
    } finally {
      this.#pending.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #store(key: string, answer: UpstreamAnswer): void {
    const lifetime = sharedLifetimeMs(answer, this.#ttlMs);
    if (lifetime <= 0) return;
    const headers = answer.headers.filter(([name]) => name !== "age");
    const bytes =
      answer.body.byteLength +
      key.length +
      headers.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
    if (bytes > this.#maxBytes / 4) return;
    const storedAt = this.#now();
    const previous = this.#entries.get(key);
    if (previous) this.#drop(key, previous);
    this.#bytes += bytes;
    // The Age each hit gets is the cache's own; a function has none to give.
    this.#entries.set(key, {
      answer: { ...answer, headers },
      storedAt,
      expiresAt: storedAt + lifetime,
      bytes,
    });
    for (const [oldKey, old] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#drop(oldKey, old);
    }
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/** A copy for one client: its own header list (the app adds per-request headers to it) and its Age. */
const withAge = ({ answer, storedAt }: Entry, now: number): UpstreamAnswer => ({
  status: answer.status,
  headers: [...answer.headers, ["age", String(Math.floor((now - storedAt) / 1000))]],
  body: answer.body,
});
