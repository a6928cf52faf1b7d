import { serve as listen } from "@hono/node-server";
import type { Hono } from "hono";
import type { Logger } from "pino";
import type { AppEnv } from "./context";

export interface ServeOptions {
  port: number;
  logger: Logger;
  graceSeconds: number;
  /** Called on SIGTERM so readiness turns false while in-flight requests finish. */
  onDraining?: () => void;
  /** Closes what the function opened (relay timers, database) after the server stopped. */
  onShutdown?: () => Promise<void> | void;
}

/** Listens on $PORT and drains on SIGTERM/SIGINT as Knative expects: stop accepting, finish, exit. */
export function serve(app: Hono<AppEnv>, options: ServeOptions): Promise<{ close: () => Promise<void> }> {
  const { logger } = options;
  return new Promise((resolve) => {
    const server = listen({ fetch: app.fetch, port: options.port, hostname: "0.0.0.0" }, (info) => {
      logger.info({ port: info.port }, "listening");
      resolve({ close: shutdown });
    });
    let closing: Promise<void> | undefined;
    async function shutdown(): Promise<void> {
      closing ??= (async () => {
        options.onDraining?.();
        const force = setTimeout(
          () => "closeAllConnections" in server && server.closeAllConnections(),
          options.graceSeconds * 1000,
        );
        force.unref();
        await new Promise<void>((done) => {
          server.close(() => done());
          if ("closeIdleConnections" in server) server.closeIdleConnections();
        });
        clearTimeout(force);
        await options.onShutdown?.();
      })();
      return closing;
    }
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        logger.info({ signal }, "draining");
        void shutdown().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, "shutdown failed");
            process.exit(1);
          },
        );
      });
    }
  });
}
