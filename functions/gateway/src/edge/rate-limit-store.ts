import { openDatabase } from "@bazaar/shared/db";
import type { Logger } from "@bazaar/shared/observability";
import { migrationsFolder, schema } from "../db";
import type { RateLimitStore } from "./rate-limit";

export interface RateLimitStoreSettings {
  /** redis:// or rediss:// (Valkey speaks the same protocol). */
  redisUrl: string | undefined;
  /** A libSQL URL: file:... shared by the replicas on one machine, or sqld over http(s). */
  databaseUrl: string | undefined;
  databaseAuthToken: string | undefined;
}

export interface OpenedRateLimitStore {
  store: RateLimitStore;
  close(): Promise<void>;
}

/** The store server.ts hands the app: Redis if a URL is set, else a libSQL database if set, else memory. */
export async function openRateLimitStore(
  settings: RateLimitStoreSettings,
  logger: Logger,
): Promise<OpenedRateLimitStore> {
  if (settings.redisUrl) {
    const { openRedis } = await import("./redis-client");
    const client = openRedis(settings.redisUrl);
    let warnedAt = -Infinity;
    client.on("error", (error: Error) => {
      if (Date.now() - warnedAt < 60_000) return;
      warnedAt = Date.now();
      logger.warn({ err: error }, "rate-limit store (Redis) unreachable; reconnecting");
    });
    logger.info(
      { store: "redis", host: new URL(settings.redisUrl).host },
      "rate limits shared through Redis",
    );
    return {
      store: { kind: "redis", client },
      close: async () => {
        await client.quit().catch(() => client.disconnect());
      },
    };
  }
  if (settings.databaseUrl) {
    const database = await openDatabase({
      url: settings.databaseUrl,
      authToken: settings.databaseAuthToken,
      schema,
      migrationsFolder,
    });
    logger.info({ store: "libsql" }, "rate limits shared through a libSQL database");
    return { store: { kind: "database", database }, close: async () => database.close() };
  }
  logger.info({ store: "memory" }, "rate limits counted in this process only (one gateway replica)");
  return { store: { kind: "memory" }, close: async () => undefined };
}
