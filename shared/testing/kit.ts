import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, sql } from "drizzle-orm";
import { createTokenVerifier, loadSigningKey, localKeys, signAccessToken, type TokenVerifier } from "../auth";
import { openDatabase, type Database } from "../db";
import {
  createOutbox,
  outbox,
  sourceOf,
  type EventData,
  type EventKeyring,
  type EventType,
  type Outbox,
} from "../events";
import type { HttpDeps, Role } from "../http";
import { createLogger, createMetrics, type Metrics } from "../observability";
import { eventKeysIn, signedEvent, type EventOptions, type TestEventKeys } from "./events";

/** What a test needs of an app: Hono's `app.request()`. */
export interface Requestable {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

/** An event a function wrote to its outbox. */
export interface Emitted {
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as a bearer token. */
  token?: string | undefined;
  headers?: Record<string, string>;
}

/** The dependencies every function's app takes, opened for a unit test, plus ways to drive the app. */
export interface TestKit<S extends Record<string, unknown>> {
  /** A temporary folder, deleted by close(). */
  dir: string;
  database: Database<S>;
  outbox: Outbox<S>;
  /** Every producer's public key, for the app's event receiver. */
  eventKeys: EventKeyring;
  /** Every producer's signing key too, so a test can sign (or forge) what it delivers. */
  signing: TestEventKeys;
  http: HttpDeps;
  metrics: Metrics;
  /** Verifies tokens made by tokenFor, as the customer function's JWKS would. */
  verify: TokenVerifier;
  /** An access token as the customer function would sign it. */
  tokenFor(role: Role, id?: number): Promise<string>;
  /** Events written to the outbox so far, oldest first. */
  emitted(): Promise<Emitted[]>;
  /** POSTs a binary-mode CloudEvent to the app's /events, signed by its producer, as the broker delivers it. */
  postEvent<T extends EventType>(
    app: Requestable,
    type: T,
    data: EventData<T>,
    options?: EventOptions,
  ): Promise<Response>;
  request(app: Requestable, method: string, path: string, options?: RequestOptions): Promise<Response>;
  /**
   * Another replica's view of the same database, as a second process of the function has it: its own client
   * on the same file and its own outbox. Closed by close().
   */
  replica(): Promise<Replica<S>>;
  /** Closes the database (and every replica's) and deletes the folder. */
  close(): void;
}

export interface Replica<S extends Record<string, unknown>> {
  database: Database<S>;
  outbox: Outbox<S>;
}

export interface TestKitOptions<S extends Record<string, unknown>> {
  service: string;
  schema: S;
  migrationsFolder: string;
  bodyLimitBytes?: number;
}

const tokenSettings = { issuer: "bazaar", audience: "bazaar" };

/** A temporary libSQL file migrated like production, silent logs, fresh metrics and a local signing key. */
export async function createTestKit<S extends Record<string, unknown>>(
  options: TestKitOptions<S>,
): Promise<TestKit<S>> {
  const { service, schema, migrationsFolder } = options;
  const dir = mkdtempSync(join(tmpdir(), `bazaar-${service}-`));
  const database = await openDatabase({
    url: `file:${join(dir, `${service}.db`)}`,
    schema,
    migrationsFolder,
  });
  const replicas: Database<S>[] = [];
  const key = await loadSigningKey({ dataDir: dir });
  const signing = eventKeysIn(dir);
  const metrics = createMetrics(service);
  const http: HttpDeps = {
    service,
    logger: createLogger(service, "silent"),
    metrics,
    bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024,
  };

  const request: TestKit<S>["request"] = async (app, method, path, { body, token, headers } = {}) =>
    app.request(path, {
      method,
      headers: {
        ...(body !== undefined && { "content-type": "application/json" }),
        ...(token && { authorization: `Bearer ${token}` }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });

  return {
    dir,
    database,
    // No relay in a unit test: events stay in the outbox, where emitted() reads them.
    outbox: createOutbox({ database, source: sourceOf(service), onCommit: () => undefined }),
    eventKeys: signing.keyring,
    signing,
    http,
    metrics,
    verify: createTokenVerifier(localKeys(key), tokenSettings),
    tokenFor: (role, id = 1) =>
      signAccessToken(
        key,
        { id, role, email: `${role}${id}@test.local` },
        { ...tokenSettings, ttlSeconds: 300 },
      ),
    emitted: async () => {
      const rows = await database.db
        .select()
        .from(outbox)
        .orderBy(asc(outbox.createdAt), sql`rowid`);
      return rows.map((row) => ({
        type: row.type,
        subject: row.subject,
        data: JSON.parse(row.data) as Record<string, unknown>,
      }));
    },
    postEvent: async (app, type, data, eventOptions) => {
      const { headers, body } = signedEvent(signing, type, data, eventOptions);
      return app.request("/events", { method: "POST", headers, body });
    },
    request,
    replica: async () => {
      const other = await openDatabase({
        url: `file:${join(dir, `${service}.db`)}`,
        schema,
        migrationsFolder,
      });
      replicas.push(other);
      return {
        database: other,
        outbox: createOutbox({ database: other, source: sourceOf(service), onCommit: () => undefined }),
      };
    },
    close: () => {
      for (const other of replicas) other.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A kit bound to one app, so a test writes `t.deliver(type, data)` and `t.get(path, token)`. */
export interface AppTestKit<
  S extends Record<string, unknown>,
  A extends Requestable = Requestable,
> extends Omit<TestKit<S>, "postEvent" | "request"> {
  app: A;
  /** POSTs a binary-mode CloudEvent to the app's /events, as the broker delivers it. */
  deliver<T extends EventType>(type: T, data: EventData<T>, options?: EventOptions): Promise<Response>;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  get(path: string, token?: string): Promise<Response>;
}

export function withApp<S extends Record<string, unknown>, A extends Requestable>(
  kit: TestKit<S>,
  app: A,
): AppTestKit<S, A> {
  const { postEvent, request, ...rest } = kit;
  return {
    ...rest,
    app,
    deliver: (type, data, options) => postEvent(app, type, data, options),
    request: (method, path, options) => request(app, method, path, options),
    get: (path, token) => request(app, "GET", path, { token }),
  };
}
