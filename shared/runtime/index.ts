import type { Hono } from "hono";
import type { BaseConfig } from "../config";
import { defaultDatabaseUrl, openDatabase, type Database } from "../db";
import { createOutbox, createRelay, sourceOf, type Outbox, type Relay } from "../events";
import { serve, type AppEnv, type HttpDeps } from "../http";
import { createLogger, createMetrics, type Logger, type Metrics } from "../observability";

/** What server.ts hands to a function's createApp: everything with I/O, opened once. */
export interface FunctionKit<S extends Record<string, unknown>> {
  http: HttpDeps;
  logger: Logger;
  metrics: Metrics;
  database: Database<S>;
  outbox: Outbox<S>;
  relay: Relay;
}

export interface StartOptions<S extends Record<string, unknown>> {
  config: BaseConfig;
  schema: S;
  migrationsFolder: string;
  createApp: (kit: FunctionKit<S>) => Hono<AppEnv> | Promise<Hono<AppEnv>>;
  /** Extra work after the server stopped (timers the function started). */
  onShutdown?: () => Promise<void> | void;
}

/**
 * The side effects of a function's server.ts, in order: logger and metrics, database with migrations,
 * outbox relay (re-sends on start and on a timer), the app, listening on $PORT, draining on SIGTERM.
 */
export async function startFunction<S extends Record<string, unknown>>(
  options: StartOptions<S>,
): Promise<FunctionKit<S>> {
  const { config } = options;
  const logger = createLogger(config.K_SERVICE, config.LOG_LEVEL);
  const metrics = createMetrics(config.K_SERVICE);
  const database = await openDatabase({
    url: config.DATABASE_URL ?? defaultDatabaseUrl(config.DATA_DIR, config.K_SERVICE),
    authToken: config.DATABASE_AUTH_TOKEN,
    schema: options.schema,
    migrationsFolder: options.migrationsFolder,
  });
  const relay = createRelay({ database, sink: config.K_SINK, logger, metrics });
  const outbox = createOutbox({ database, source: sourceOf(config.K_SERVICE), onCommit: relay.kick });

  let draining = false;
  const http: HttpDeps = {
    service: config.K_SERVICE,
    logger,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    isReady: async () => !draining && (await database.ping()),
  };
  const kit: FunctionKit<S> = { http, logger, metrics, database, outbox, relay };
  const app = await options.createApp(kit);
  // A PingSource calls this in a cluster: a scaled-to-zero function has no timer to re-send its outbox.
  app.post("/tasks/outbox", async (c) => c.json({ published: await relay.flush() }));

  await serve(app, {
    port: config.PORT,
    logger,
    graceSeconds: config.SHUTDOWN_GRACE_SECONDS,
    onDraining: () => (draining = true),
    onShutdown: async () => {
      await options.onShutdown?.();
      await relay.stop();
      database.close();
    },
  });
  relay.start(config.OUTBOX_INTERVAL_MS);
  return kit;
}
