import { describe, expect, it } from "vitest";
import { WorkQueue } from "./queue";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("WorkQueue", () => {
  it("keeps FIFO order with one worker", async () => {
    const done: number[] = [];
    const queue = new WorkQueue<number>({
      workers: 1,
      handle: async (n) => {
        await tick(5 - n); // later items are faster: only the queue keeps them in order
        done.push(n);
      },
      onError: () => undefined,
    });
    for (const n of [1, 2, 3, 4]) queue.push(n);
    await tick(40);
    expect(done).toEqual([1, 2, 3, 4]);
  });

  it("runs at most `workers` handlers at once and reports its depth", async () => {
    let running = 0;
    let peak = 0;
    const depths: number[] = [];
    const queue = new WorkQueue<number>({
      workers: 3,
      handle: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick(10);
        running -= 1;
      },
      onError: () => undefined,
      onDepth: (depth) => depths.push(depth),
    });
    for (let n = 0; n < 9; n += 1) queue.push(n);
    expect(queue.depth).toBe(9);
    await tick(80);
    expect(peak).toBe(3);
    expect(queue.depth).toBe(0);
    expect(depths.at(-1)).toBe(0);
    expect(Math.max(...depths)).toBe(9);
  });

  it("reports a handler that throws and keeps going", async () => {
    const errors: number[] = [];
    const done: number[] = [];
    const queue = new WorkQueue<number>({
      workers: 1,
      handle: async (n) => {
        if (n === 1) throw new Error("boom");
        done.push(n);
      },
      onError: (_error, n) => errors.push(n),
    });
    for (const n of [1, 2]) queue.push(n);
    await tick(10);
    expect(errors).toEqual([1]);
    expect(done).toEqual([2]);
  });

  it("clears what has not started", async () => {
    const queue = new WorkQueue<number>({
      workers: 1,
      handle: async () => {
        await tick(20);
      },
      onError: () => undefined,
    });
    for (const n of [1, 2, 3]) queue.push(n);
    expect(queue.clear()).toEqual([2, 3]);
    expect(queue.depth).toBe(1);
    await tick(30);
    expect(queue.depth).toBe(0);
  });
});
