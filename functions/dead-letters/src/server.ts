import { verifierFromConfig } from "@bazaar/shared/auth";
import { loadConfig } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { deadLettersConfigSchema, replayTargetUrls } from "./config";
import { migrationsFolder, schema } from "./db";
import { createReplayer, type Replayer } from "./domain/replay";
import { createReplayTargets } from "./domain/replay-targets";

const config = loadConfig(deadLettersConfigSchema);
const verify = verifierFromConfig(config);
let replayer: Replayer | undefined;

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: ({ http, database, outbox, eventKeys, metrics }) => {
    replayer = createReplayer({ timeoutMs: config.REPLAY_TIMEOUT_MS, metrics });
    return createApp({
      http,
      database,
      outbox,
      eventKeys,
      verify,
      replayer,
      replayTargets: createReplayTargets(replayTargetUrls(config)),
      fallbackTarget: config.K_SINK,
    });
  },
  onShutdown: () => replayer?.shutdown(),
});
