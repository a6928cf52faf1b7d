import { serve as listen } from "@hono/node-server";
import type { Hono } from "hono";
import type { Logger } from "pino";
import { answerClientError } from "./client-error";
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

const EVERY_INTERFACE = new Set(["0.0.0.0", "::"]);

/**
 * The hostname to give Node's listen for a configured HOST. Node looks up any host it is given before it
 * binds (loading `dns`), and the filter after that lookup compiles a large IPv6 regular expression: 4–5 ms
 * of every start. Every interface needs neither: without a host Node binds `::`, which takes IPv4
 * connections too (or 0.0.0.0 where the machine has no IPv6).
 */
export const listenHostname = (host: string): string | undefined =>
  EVERY_INTERFACE.has(host) ? undefined : host;

/** Listens on $HOST:$PORT and drains on SIGTERM/SIGINT as Knative expects: stop accepting, finish, exit. */
export function serve(app: Hono<AppEnv>, options: ServeOptions): Promise<Serving> {
  const { logger } = options;
  return new Promise((resolve) => {
    const hostname = listenHostname(options.host);
    const server = listen({ fetch: app.fetch, port: options.port, hostname }, (info) => {
      logger.info({ host: info.address, port: info.port }, "listening");
      resolve({ host: info.address, port: info.port, close: shutdown });
    });
    server.on("clientError", answerClientError);
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
