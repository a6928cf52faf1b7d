import { serve as listen } from "@hono/node-server";
import type { Hono } from "hono";
import type { Logger } from "pino";
import type { AppEnv } from "./context";

export interface ServeOptions {
  port: number;
  /**
   * Address to listen on: config HOST, loopback by default. A container must say 0.0.0.0 (the image does):
   * kubelet's liveness probe and Prometheus reach the pod on its own IP, not through loopback.
   */
  host: string;
  logger: Logger;
  graceSeconds: number;
  /** Called on SIGTERM so readiness turns false while in-flight requests finish. */
  onDraining?: () => void;
  /** Closes what the function opened (relay timers, database) after the server stopped. */
  onShutdown?: () => Promise<void> | void;
}

export interface Serving {
  /** Where the server listens (port 0 in options: the port the system chose). */
  host: string;
  port: number;
  close: () => Promise<void>;
}

/** Listens on $HOST:$PORT and drains on SIGTERM/SIGINT as Knative expects: stop accepting, finish, exit. */
export function serve(app: Hono<AppEnv>, options: ServeOptions): Promise<Serving> {
  const { logger } = options;
  return new Promise((resolve) => {
    const server = listen({ fetch: app.fetch, port: options.port, hostname: options.host }, (info) => {
      logger.info({ host: info.address, port: info.port }, "listening");
      resolve({ host: info.address, port: info.port, close: shutdown });
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
