/**
 * The least any Node function with a libSQL database can start: node:http answering /healthz, with a libSQL
 * database file open and one prepared statement run per answer, and no framework. Part 4 starts it beside the
 * stack's least app (app.ts), so that a start reads against both: what Node and libSQL take, and what Hono and
 * its Node adapter add (the adapter loads Node's undici at import).
 */
import { createServer } from "node:http";
import { join } from "node:path";
import Database from "libsql";

const database = new Database(join(process.env["DATA_DIR"] ?? ".", "stack-floor.db"));
const ping = database.prepare("select 1");

createServer((_request, response) => {
  ping.get();
  response.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
}).listen(Number(process.env["PORT"]));
