import { fileURLToPath } from "node:url";
import * as schema from "./schema";

export { schema };
export type BrokerSchema = typeof schema;
/** Beside this file in dev; copied beside the bundle by the build. */
export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
