import { NEEDS, needNames, type Need } from "./needs";

/** Where the tests get a need from: this machine, or a container the global setup starts. */
export type Source = "local" | "container";

export interface Situation {
  /** What the selected test files need. */
  needs: ReadonlySet<Need>;
  /** The needs this machine lacks, each with what was looked for ("nothing answers on 127.0.0.1:5672"). */
  absent: ReadonlyMap<Need, string>;
  /** Whether a Docker engine answers (only asked when a container is wanted: see containersWanted). */
  docker: boolean;
  /** BAZAAR_TEST_SERVICES=containers: containers even where this machine has the service. */
  preferContainers: boolean;
  /** Under CI the machine must have everything itself (.ci/run installs it): no containers, nothing skipped. */
  ci: boolean;
}

export interface Plan {
  sources: Map<Need, Source>;
  /** One line per missing piece saying how to get it; the run stops before any test when there is one. */
  missing: string[];
}

const wantsContainer = (need: Need, situation: Omit<Situation, "docker">): boolean =>
  NEEDS[need].container && (situation.preferContainers || (situation.absent.has(need) && !situation.ci));

/** The needs that would come from a container, so the Docker engine is asked only when one is wanted. */
export const containersWanted = (situation: Omit<Situation, "docker">): Need[] =>
  needNames.filter((need) => situation.needs.has(need) && wantsContainer(need, situation));

/** Decides, for every need, where the tests get it, or the line that says it is missing. */
export function plan(situation: Situation): Plan {
  const sources = new Map<Need, Source>();
  const missing: string[] = [];
  for (const need of needNames.filter((name) => situation.needs.has(name))) {
    const { label, install } = NEEDS[need];
    const absent = situation.absent.get(need);
    if (wantsContainer(need, situation)) {
      if (situation.docker) sources.set(need, "container");
      else if (absent === undefined)
        missing.push(
          `${label}: BAZAAR_TEST_SERVICES=containers but no Docker engine is reachable — start Docker`,
        );
      else missing.push(`${label}: ${absent} and no Docker engine is reachable — ${install}`);
    } else if (absent === undefined) sources.set(need, "local");
    else if (situation.ci)
      missing.push(`${label}: ${absent} under CI — .ci/run installs it; see why it did not`);
    else missing.push(`${label}: ${absent} — ${install}`);
  }
  return { sources, missing };
}
