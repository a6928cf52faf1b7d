/**
 * A small seeded random source (mulberry32), so a chaos schedule or a fuzz run can be repeated exactly:
 * the seed is printed with every failure, and the same seed makes the same cases.
 */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One of the items, weighted: [[weight, item], ...]. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from nothing");
      return items[int(0, items.length - 1)] as (typeof items)[number];
    },
    weighted: (choices) => {
      const total = choices.reduce((sum, [weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [weight, item] of choices) {
        roll -= weight;
        if (roll < 0) return item;
      }
      return (choices.at(-1) as (typeof choices)[number])[1];
    },
  };
}

/** The seed from an environment variable (to rerun a failure), else a fixed default so CI is repeatable. */
export const seedFrom = (variable: string | undefined, fallback: number): number => {
  const parsed = Number(variable);
  return Number.isSafeInteger(parsed) ? parsed : fallback;
};
