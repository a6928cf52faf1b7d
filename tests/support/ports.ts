import { createServer } from "node:net";

/**
 * Ports for the services a test starts. They are picked below Linux's ephemeral range (32768-60999 by
 * default): a port the OS hands out for "any free port" can be taken again by an outgoing connection in the
 * moment between the check here and the service's own listen, which made a suite fail with EADDRINUSE.
 * Tests never use the fixed dev ports either, so `npm start` can run beside them.
 */
const FIRST = 20_000;
const LAST = 32_000;
const handedOut = new Set<number>();

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (handedOut.has(port)) continue;
    if (await isFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${FIRST} and ${LAST}`);
}
