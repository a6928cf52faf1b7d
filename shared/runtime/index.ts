import type { Hono } from "hono";
import { tracingSettingsOf, type BaseConfig } from "../config";
import { defaultDatabaseUrl, openDatabase, type Database } from "../db";
import {
  createEventKeyring,
  createOutbox,
  createRelay,
  defaultEventKeysDir,
  loadEventSigningKey,
  producers,
  sourceOf,
  type EventKeyring,
  type EventSigningKey,
  type Outbox,
  type Producer,
  type Relay,
} from "../events";
import { serve, type AppEnv, type HttpDeps } from "../http";
import { createJobTimers, defineJob, mountJobs, type JobTimer } from "../jobs";
import {
  createLogger,
  createMetrics,
  detached,
  inSpan,
  SpanKind,
  startTracing,
  tracingOn,
  type Logger,
  type Metrics,
} from "../observability";

/** What server.ts hands to a function's createApp: everything with I/O, opened once. */
export interface FunctionKit<S extends Record<string, unknown>> {
  http: HttpDeps;
  logger: Logger;
  metrics: Metrics;
  database: Database<S>;
  outbox: Outbox<S>;
  relay: Relay;
  /** Every producer's public event keys, for the function's event receiver. */
  eventKeys: EventKeyring;
  /**
   * Runs a job (its route mounted by the app) on a timer too, once the server listens; stopped on SIGTERM.
   * An interval of 0 leaves only the route (a cluster, where a PingSource calls it).
   */
  schedule: (timer: JobTimer) => void;
}

export interface StartOptions<S extends Record<string, unknown>> {
  config: BaseConfig;
  schema: S;
  migrationsFolder: string;
  createApp: (kit: FunctionKit<S>) => Hono<AppEnv> | Promise<Hono<AppEnv>>;
  /** Extra work after the server stopped and the job timers with it. */
  onShutdown?: () => Promise<void> | void;
}

/**
 * The side effects of a function's server.ts, in order: logger and metrics, database with migrations,
 * outbox relay, the app with its jobs' routes (the outbox job's POST /tasks/outbox among them), listening on
 * $PORT, the job timers (the outbox job at once and every OUTBOX_INTERVAL_MS), draining on SIGTERM.
 */
export async function startFunction<S extends Record<string, unknown>>(
  options: StartOptions<S>,
): Promise<FunctionKit<S>> {
  const { config } = options;
  const logger = createLogger(config.K_SERVICE, config.LOG_LEVEL);
  const tracing = await startTracing(tracingSettingsOf(config), logger);
  const metrics = createMetrics(config.K_SERVICE);
  const database = tracedWrites(
    await openDatabase({
      url: config.DATABASE_URL ?? defaultDatabaseUrl(config.DATA_DIR, config.K_SERVICE),
      authToken: config.DATABASE_AUTH_TOKEN,
      schema: options.schema,
      migrationsFolder: options.migrationsFolder,
    }),
    config.K_SERVICE,
  );
  const keysDir = config.EVENT_KEYS_DIR ?? defaultEventKeysDir(config.DATA_DIR);
  const signingKey = eventSigningKeyOf(config, keysDir);
  const eventKeys = createEventKeyring(keysDir);
  if (signingKey && eventKeys.find(signingKey.kid)?.producer !== signingKey.producer) {
    logger.error(
      { kid: signingKey.kid, keys_dir: keysDir },
      "this function's event key is not among the public keys: receivers will refuse its events",
    );
  }
  const relay = createRelay({ database, sink: config.K_SINK, signingKey, logger, metrics });
  // Each commit's events are claimed by it and posted by this replica at once (no pass: no read, no claim of
  // their own); the post is work of its own, not of the request whose commit set it off.
  const outbox = createOutbox({
    database,
    source: sourceOf(config.K_SERVICE),
    claimMs: relay.claimMs,
    onCommit: (committed) => void detached(() => relay.publishClaimed(committed)),
  });

  let draining = false;
  const http: HttpDeps = {
    service: config.K_SERVICE,
    logger,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    isReady: async () => !draining && (await database.ping()),
  };
  const outboxJob = defineJob({
    name: "outbox",
    run: async () => ({ published: await relay.tick() }),
    logger,
    metrics,
  });
  const timers = createJobTimers();
  timers.schedule({ job: outboxJob, intervalMs: config.OUTBOX_INTERVAL_MS, atStart: true });
  const schedule = (timer: JobTimer) => timers.schedule(timer);
  const kit: FunctionKit<S> = { http, logger, metrics, database, outbox, relay, eventKeys, schedule };
  const app = await options.createApp(kit);
  mountJobs(app, [outboxJob]);

  await serve(app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    graceSeconds: config.SHUTDOWN_GRACE_SECONDS,
    onDraining: () => (draining = true),
    onShutdown: async () => {
      await timers.stop();
      await options.onShutdown?.();
      await relay.stop();
      database.close();
      await tracing.shutdown();
    },
  });
  if (!config.K_SINK)
    logger.warn("K_SINK is not set: events are kept in the outbox until a broker is configured");
  timers.start();
  return kit;
}

/**
 * With tracing on, each write transaction of a traced request or event is a span (a database client span:
 * the time it waited for the write lock included). Background transactions (a relay's claim, a sweep) make
 * no trace of their own.
 */
function tracedWrites<S extends Record<string, unknown>>(database: Database<S>, name: string): Database<S> {
  if (!tracingOn()) return database;
  const span = {
    name: `transaction ${name}`,
    kind: SpanKind.CLIENT,
    attributes: { "db.system.name": "sqlite", "db.namespace": name, "db.operation.name": "transaction" },
  };
  return { ...database, write: (work) => inSpan(span, () => database.write(work), { withinTrace: true }) };
}

const isProducer = (service: string): service is Producer =>
  (producers as readonly string[]).includes(service);

/** A producer's signing key; a function that emits no events has none. */
function eventSigningKeyOf(config: BaseConfig, keysDir: string): EventSigningKey | undefined {
  if (!isProducer(config.K_SERVICE)) return undefined;
  return loadEventSigningKey({
    producer: config.K_SERVICE,
    privateJwk: config.EVENT_PRIVATE_JWK,
    dataDir: config.DATA_DIR,
    keysDir,
  });
}
