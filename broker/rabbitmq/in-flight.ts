import { setTimeout as sleep } from "node:timers/promises";

/** Counts the messages being handled, per queue, so a shutdown can wait for them and a gauge can show them. */
export class InFlight {
  readonly #counts = new Map<string, number>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  of(queue: string): number {
    return this.#counts.get(queue) ?? 0;
  }

  async track(queue: string, work: () => Promise<void>): Promise<void> {
    this.#add(queue, 1);
    try {
      await work();
    } finally {
      this.#add(queue, -1);
    }
  }

  /** Resolves when nothing is in flight or the deadline (epoch ms) passed; true when idle. */
  async idle(deadline: number): Promise<boolean> {
    while (this.#total > 0 && Date.now() < deadline) await sleep(20);
    return this.#total === 0;
  }

  #add(queue: string, delta: number): void {
    this.#counts.set(queue, this.of(queue) + delta);
    this.#total += delta;
  }
}
