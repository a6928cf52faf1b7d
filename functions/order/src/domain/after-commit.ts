import type { Tx } from "@bazaar/shared/db";
import type { Outbox } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";

/** Queues work to run once the transaction `tx` belongs to has committed. */
export type Later = (tx: Tx<OrderSchema>, effect: () => void) => void;

export interface AfterCommit {
  /** The outbox to hand the event receiver: it runs what was queued after each write that commits. */
  outbox: Outbox<OrderSchema>;
  later: Later;
}

/**
 * Event handlers run inside the receiver's transaction, but a saga metric must count what committed: a write
 * that fails at commit is retried by the broker, and counting inside it would count that outcome twice.
 * Handlers queue such effects with `later`; a write that fails drops its queue.
 */
export function afterCommit(outbox: Outbox<OrderSchema>): AfterCommit {
  const queues = new WeakMap<Tx<OrderSchema>, (() => void)[]>();
  return {
    outbox: {
      async write(trace, work) {
        const queue: (() => void)[] = [];
        const result = await outbox.write(trace, (tx, emit) => {
          queues.set(tx, queue);
          return work(tx, emit);
        });
        for (const effect of queue) effect();
        return result;
      },
    },
    later(tx, effect) {
      const queue = queues.get(tx);
      if (!queue) throw new Error("later() needs a transaction of its own outbox's write");
      queue.push(effect);
    },
  };
}
