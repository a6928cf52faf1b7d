/**
 * The README and docs/ cannot drift from the code: every link resolves (file and heading), every command
 * shown names scripts, options, files, routes and variables that exist, and the generated pages are what
 * `npm run docs` writes now.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { configurationTable } from "../scripts/docs/configuration";
import { BEGIN, END, expectedPages, regenerate } from "../scripts/docs/generate";
import { variableRows } from "../scripts/docs/variables";
import { checkCommandLine, documentedVariables, repoRoot, simpleCommands } from "./docs/commands";
import { anchorsOf, inlineCommandsOf, linksOf, shellBlocksOf, slugOf } from "./docs/markdown";

const pages = [
  "README.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];
/** Their links are checked too: they link into the README and docs/, and those pages link to them. */
const linkedPages = [
  ...pages,
  "BENCHMARKS.md",
  "RELIABILITY.md",
  "knative/README.md",
  "observability/README.md",
];
const read = (path: string): string => readFileSync(join(repoRoot, path), "utf8");

/** Web links may only point at the system itself, as a reader runs it; nothing here goes to the network. */
const allowedHosts = new Set(["localhost"]);

/** The problem with one link from `page`, if any. */
function linkProblem(page: string, target: string): string | undefined {
  if (/^[a-z]+:/i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return `${target} is not a URL`;
    }
    return allowedHosts.has(url.hostname) ? undefined : `${url.hostname} is not on the allow-list of hosts`;
  }
  const [path = "", fragment] = target.split("#");
  const file = path === "" ? join(repoRoot, page) : join(repoRoot, dirname(page), decodeURIComponent(path));
  if (!existsSync(file)) return `${relative(repoRoot, file)} does not exist`;
  if (fragment === undefined) return undefined;
  if (!file.endsWith(".md") || statSync(file).isDirectory())
    return `#${fragment} in a file that is not Markdown`;
  return anchorsOf(readFileSync(file, "utf8")).has(fragment)
    ? undefined
    : `${relative(repoRoot, file)} has no heading #${fragment}`;
}

describe("README and docs/", () => {
  it("are found: the README and at least the pages it links to", () => {
    expect(pages).toEqual(expect.arrayContaining(["README.md", "docs/configuration.md", "docs/events.md"]));
  });

  it.each(linkedPages)(
    "%s: every relative link reaches a file and heading, every web link an allowed host",
    (page) => {
      const problems = linksOf(read(page)).flatMap(({ line, value }) => {
        const problem = linkProblem(page, value);
        return problem ? [`${page}:${line}: (${value}) ${problem}`] : [];
      });
      expect(problems).toEqual([]);
    },
  );

  it.each(pages)("%s: every command in a shell block names what exists", (page) => {
    const variables = documentedVariables();
    const problems = shellBlocksOf(read(page)).flatMap((block) =>
      block.commands.flatMap(({ line, value }) =>
        checkCommandLine(value, variables).map((problem) => `${page}:${line}: ${value}\n  ${problem}`),
      ),
    );
    expect(problems).toEqual([]);
  });

  it.each(pages)("%s: every command in inline code names what exists", (page) => {
    const variables = documentedVariables();
    const problems = inlineCommandsOf(read(page)).flatMap(({ line, value }) =>
      checkCommandLine(value, variables, true).map((problem) => `${page}:${line}: ${value}\n  ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it("have the generated pages as `npm run docs` writes them from the schemas, catalog and Triggers", async () => {
    for (const [path, expected] of await expectedPages()) {
      expect(read(path), `${path} is out of date: run \`npm run docs\` and commit the result`).toBe(expected);
    }
  });
});

/** The checks themselves: each must refuse what it exists to refuse. */
describe("the docs checks", () => {
  const variables = new Set(["AMQP_URL"]);

  it("refuse a missing file, a missing heading and a host not on the allow-list", () => {
    expect(linkProblem("README.md", "docs/nowhere.md")).toBe("docs/nowhere.md does not exist");
    expect(linkProblem("README.md", "docs/events.md#no-such-heading")).toMatch(/has no heading/);
    expect(linkProblem("docs/events.md", "../README.md#two-commands")).toBeUndefined();
    expect(linkProblem("docs/events.md", "#catalog")).toBeUndefined();
    expect(linkProblem("README.md", "https://example.com/")).toMatch(/allow-list/);
    expect(linkProblem("README.md", "http://localhost:8080/shop")).toBeUndefined();
  });

  it("make anchors as GitHub does", () => {
    expect(slugOf("Signed events: trust nothing on the network")).toBe(
      "signed-events-trust-nothing-on-the-network",
    );
    expect(slugOf("What `npm test` needs")).toBe("what-npm-test-needs");
    expect([...anchorsOf("# A\n\n## A\n\n```\n# not a heading\n```\n")]).toEqual(["a", "a-1"]);
  });

  it("find links outside code only, and join continued command lines", () => {
    expect(linksOf("[a](b.md) `[c](d.md)`\n```\n[e](f.md)\n```\n").map((link) => link.value)).toEqual([
      "b.md",
    ]);
    const [block] = shellBlocksOf(
      "```bash\n# comment\ncurl -s \\\n  localhost:8080/api/products\nnpm test\n```\n",
    );
    expect(block?.commands).toEqual([
      { line: 3, value: "curl -s localhost:8080/api/products" },
      { line: 5, value: "npm test" },
    ]);
  });

  it("split a line into its simple commands, a $(...) included", () => {
    expect(simpleCommands(`T=$(curl -s a | node -pe 'x(1)') && npm test # done`)).toEqual([
      ["T=$()"],
      ["curl", "-s", "a"],
      ["node", "-pe", "x(1)"],
      ["npm", "test"],
    ]);
  });

  it("refuse an npm script, an npm start option or a file that does not exist", () => {
    expect(checkCommandLine("npm run no-such-script", variables)).toEqual([
      'package.json has no "no-such-script" script',
    ]);
    expect(checkCommandLine("npm start -- --replicas=2", variables)).toEqual([]);
    expect(checkCommandLine("npm start -- --replicas=N", variables, true)).toEqual([]);
    expect(checkCommandLine("npm start -- --workers=2", variables)[0]).toMatch(
      /^npm start does not take --workers=2/,
    );
    expect(checkCommandLine("npm start -- --replicas=99", variables)[0]).toMatch(/--replicas must be/);
    expect(checkCommandLine("npx tsx scripts/no-such.ts", variables)).toEqual([
      "scripts/no-such.ts does not exist",
    ]);
    expect(checkCommandLine("scripts/kind/nothing.sh", variables)).toEqual([
      "scripts/kind/nothing.sh does not exist",
    ]);
    expect(checkCommandLine("make everything", variables)[0]).toMatch(/no check knows the program "make"/);
  });

  it("refuse a curl to a route the gateway does not have, or with another method", () => {
    expect(checkCommandLine("curl -s localhost:8080/api/orders/7 -H 'x: y'", variables)).toEqual([]);
    expect(checkCommandLine("curl -s localhost:8080/api/nothing", variables)).toEqual([
      "the gateway routes no /api/nothing (functions/gateway/src/routes-table.ts)",
    ]);
    expect(checkCommandLine("curl -s -XDELETE localhost:8080/auth/login", variables)).toEqual([
      "the gateway routes /auth/login for POST, not DELETE",
    ]);
    expect(checkCommandLine(`curl -d '{}' localhost:8080/api/products/1`, variables)[0]).toMatch(/not POST$/);
  });

  it("refuse a variable the configuration page does not document", () => {
    expect(checkCommandLine("AMQP_URL=amqp://x npm start", variables)).toEqual([]);
    expect(checkCommandLine("NO_SUCH_SETTING=1 npm start", variables)).toEqual([
      "NO_SUCH_SETTING is not in docs/configuration.md",
    ]);
  });

  it("refuse to generate a table that leaves out a variable or keeps one no process reads", () => {
    const withoutPort = variableRows.filter(
      (row) => !("pattern" in row.names) && !row.names.includes("PORT"),
    );
    expect(() => configurationTable(withoutPort)).toThrow(
      /PORT is read by broker, customer.* but has no row/,
    );
    const withStale = [...variableRows, { names: ["NO_LONGER_READ"], meaning: "gone" }];
    expect(() => configurationTable(withStale)).toThrow(/`NO_LONGER_READ` has a row but no process reads it/);
  });

  it("replace only what lies between the markers, and refuse a page without them", async () => {
    const page = `# Title\n\nBefore.\n\n${BEGIN}\n\nstale\n\n${END}\n\nAfter.\n`;
    expect(await regenerate("docs/x.md", page, "| a | b |\n| - | - |\n| 1 | 2 |")).toBe(
      `# Title\n\nBefore.\n\n${BEGIN}\n\n| a   | b   |\n| --- | --- |\n| 1   | 2   |\n\n${END}\n\nAfter.\n`,
    );
    await expect(regenerate("docs/x.md", "# No markers\n", "x")).rejects.toThrow(/needs a line/);
  });
});
