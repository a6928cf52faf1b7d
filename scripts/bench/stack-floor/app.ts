/**
 * The least app Bazaar's stack can start: Hono on @hono/node-server answering /healthz, with a libSQL database
 * file open and one prepared statement run per answer. Part 4 starts it as it starts a function, so that a
 * function's start can be read against what its named dependencies take before any of its own code runs.
 * Nothing else: no drizzle, zod, pino, metrics, migrations or routes.
 */
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import Database from "libsql";

const database = new Database(join(process.env["DATA_DIR"] ?? ".", "stack-floor.db"));
const ping = database.prepare("select 1");

const app = new Hono();
app.get("/healthz", (c) => {
  ping.get();
  return c.json({ status: "ok" });
});
serve({ fetch: app.fetch, port: Number(process.env["PORT"]) });
