import { Redis } from "ioredis";

/** How long Redis may take to answer before a request is counted in memory instead. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * A Redis (or Valkey) connection for rate limits. While it is down a command fails at once rather than wait in
 * ioredis's offline queue, so a request is counted in memory instead of waiting; ioredis reconnects meanwhile.
 *
 * ioredis is about a quarter of the gateway's code, and only a gateway with RATE_LIMIT_REDIS_URL runs it:
 * rate-limit-store.ts imports this file when it needs it, and the build makes it a file of its own
 * (scripts/bundles-apart.ts), so other gateways never read it.
 */
export function openRedis(url: string): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on("error", () => undefined); // reported by openRateLimitStore's listener, or not at all
  return client;
}
