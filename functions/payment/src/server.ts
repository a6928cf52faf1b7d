import { verifierFromConfig } from "@bazaar/shared/auth";
import { loadConfig } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { paymentConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";
import { createSimulatedProcessor } from "./domain/processor";
import { createSettler, settleJob, type Settler } from "./domain/settlement";

const config = loadConfig(paymentConfigSchema);
const verify = verifierFromConfig(config);
const processor = createSimulatedProcessor({
  slowMs: config.PAYMENT_SLOW_MS,
  limitCents: config.PAYMENT_LIMIT_CENTS,
});
let settler: Settler | undefined;

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: ({ http, database, outbox, eventKeys, logger, metrics, schedule }) => {
    // A claim outlasts the slowest charge (tok_slow) by 10 s; then another replica may charge the payment.
    const claimMs = config.PAYMENT_SLOW_MS + 10_000;
    settler = createSettler({ database, outbox, processor, logger, metrics, claimMs });
    // Charges left pending by a previous run are taken up at once (those a killed replica had claimed, once
    // its claim ran out).
    const job = settleJob(settler, { logger, metrics });
    schedule({ job, intervalMs: config.PAYMENT_SETTLE_INTERVAL_MS, atStart: true });
    return createApp({ http, database, outbox, eventKeys, verify, settler });
  },
  onShutdown: () => settler?.stop(),
});
