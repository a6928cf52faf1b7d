export { isBusyError, isUniqueViolation } from "./client";
export {
  defaultDatabaseUrl,
  openDatabase,
  type Database,
  type Db,
  type OpenDatabaseOptions,
  type Tx,
} from "./database";
export { Mutex } from "./mutex";
export type { Execute } from "./open-transaction";
