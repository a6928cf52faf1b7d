import { describe, expect, it } from "vitest";
import { Mutex } from "./mutex";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Mutex", () => {
  it("runs work one at a time, in the order it was queued", async () => {
    const mutex = new Mutex();
    const order: number[] = [];
    let active = 0;
    let maxActive = 0;
    // Later work sleeps less, so anything but FIFO would show in `order`.
    await Promise.all(
      [0, 1, 2, 3, 4].map((n) =>
        mutex.run(async () => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          await tick(10 - 2 * n);
          order.push(n);
          active -= 1;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(maxActive).toBe(1);
  });

  it("returns the work's value and lets the queue move on after a failure", async () => {
    const mutex = new Mutex();
    const failed = mutex.run(async () => {
      throw new Error("boom");
    });
    const next = mutex.run(async () => "after");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("after");
  });
});
