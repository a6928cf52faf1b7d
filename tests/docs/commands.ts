/**
 * Checks a shell command shown in the README or docs/ against the repository, without running it: the npm
 * scripts it names exist and take its options, the files it runs exist, a curl to the gateway hits a route of
 * its routing table with that method, and every variable it sets is one the configuration page documents.
 * Each check returns the problems it found, in words fit for a failure message.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { routeTable } from "../../functions/gateway/src/routes-table";
import { parseOptions } from "../../scripts/dev/options";

export const repoRoot = join(import.meta.dirname, "../..");

const scripts = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: object })
  .scripts;

/** Every variable name in backticks on docs/configuration.md: the generated table and the tests' own. */
export const documentedVariables = (): Set<string> =>
  new Set(
    [...readFileSync(join(repoRoot, "docs/configuration.md"), "utf8").matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map(
      (match) => match[1] ?? "",
    ),
  );

/**
 * The simple commands of one command line, as words: split at `&&`, `||`, `;`, `|`, and at `$(` ... `)`,
 * whose inner command is a command of its own; quotes are removed, a `#` word starts a comment.
 */
export function simpleCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quote) {
      if (char === quote) quote = undefined;
      else word = (word ?? "") + char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= "";
    } else if (char === "$" && line[i + 1] === "(") {
      word = `${word ?? ""}$()`;
      endCommand();
      i++;
    } else if (char === ")" || char === ";" || char === "|" || char === "&") {
      endCommand();
      if ((char === "|" || char === "&") && line[i + 1] === char) i++;
    } else if (/\s/.test(char)) endWord();
    else if (char === "#" && word === undefined) break;
    else word = (word ?? "") + char;
  }
  endCommand();
  return commands;
}

/** A word that names a file of this repository: relative, with a slash, its first part present at the root. */
function repoPathOf(word: string): string | undefined {
  if (!/^(\.{1,2}\/)?[\w.-]+(\/[\w.-]*)+$/.test(word)) return undefined;
  const first = word.replace(/^\.\//, "").split("/")[0] ?? "";
  return first !== "" && existsSync(join(repoRoot, first)) ? word : undefined;
}

const missingPaths = (words: readonly string[]): string[] =>
  words.flatMap((word) => {
    const path = repoPathOf(word);
    return path && !existsSync(join(repoRoot, path)) ? [`${path} does not exist`] : [];
  });

/** `N` and other placeholders in prose (`--replicas=N`) stand for a valid number. */
const concrete = (option: string): string => option.replace(/=(?!\d+$).*$/, "=1");

function checkNpm(args: readonly string[], inProse: boolean): string[] {
  const [command = "", ...rest] = args;
  const dashes = rest.indexOf("--");
  const passed = dashes < 0 ? [] : rest.slice(dashes + 1);
  const hasScript = (name: string) => Object.hasOwn(scripts, name);
  switch (command) {
    case "ci":
    case "install":
    case "audit":
      return [];
    case "start":
    case "test": {
      if (!hasScript(command)) return [`package.json has no "${command}" script`];
      if (command === "test") return missingPaths(passed);
      try {
        parseOptions(inProse ? passed.map(concrete) : passed);
        return [];
      } catch (error) {
        return [`npm start does not take ${passed.join(" ")}: ${(error as Error).message}`];
      }
    }
    case "run": {
      const name = rest[0] ?? "";
      return hasScript(name) ? missingPaths(passed) : [`package.json has no "${name}" script`];
    }
    default:
      return [`no check knows "npm ${command}"`];
  }
}

/** Hono's `/api/orders/:id` as a pattern of concrete paths. */
const patternOf = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/:[^/]+/g, "[^/]+")}$`);

function checkCurl(args: readonly string[]): string[] {
  let method: string | undefined;
  let url: string | undefined;
  let sendsData = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-X" || arg === "--request") method = args[++i];
    else if (/^-X[A-Z]+$/.test(arg)) method = arg.slice(2);
    else if (["-d", "--data", "--data-raw", "--json"].includes(arg)) {
      sendsData = true;
      i++;
    } else if (["-H", "--header", "-o", "-u"].includes(arg)) i++;
    else if (!arg.startsWith("-")) url ??= arg;
  }
  method ??= sendsData ? "POST" : "GET";
  const target = /^(?:https?:\/\/)?(?:localhost|127\.0\.0\.1):(\d+)(\/[^?#]*)?/.exec(url ?? "");
  if (!target) return [`curl to ${url ?? "nothing"}: only the gateway at localhost:8080 is checked`];
  if (target[1] !== "8080") return [`curl to port ${target[1]}: only the gateway (8080) is public`];
  const path = target[2] ?? "/";
  const routes = routeTable.filter((route) => patternOf(route.path).test(path));
  if (routes.length === 0) return [`the gateway routes no ${path} (functions/gateway/src/routes-table.ts)`];
  if (!routes.some((route) => route.method === method))
    return [
      `the gateway routes ${path} for ${routes.map((route) => route.method).join(", ")}, not ${method}`,
    ];
  return [];
}

function checkExecutable(program: string): string[] {
  if (!existsSync(join(repoRoot, program))) return [`${program} does not exist`];
  try {
    accessSync(join(repoRoot, program), constants.X_OK);
    return [];
  } catch {
    return [`${program} is not executable`];
  }
}

/** Programs shown with no check of their own beyond the files they name. */
const plainPrograms = new Set(["docker", "kubectl", "kn", "kind", "cd", "echo"]);

/** The problems of one simple command; `inProse` allows placeholders such as `--replicas=N`. */
export function checkSimpleCommand(
  words: readonly string[],
  variables: Set<string>,
  inProse = false,
): string[] {
  const assignments = words.filter((_, i) => words.slice(0, i + 1).every((w) => /^[A-Za-z_]\w*=/.test(w)));
  const [program, ...args] = words.slice(assignments.length);
  if (program === undefined) return []; // a shell variable of the example (TOKEN=$(...))
  const problems = assignments
    .map((assignment) => assignment.split("=")[0] ?? "")
    .filter((name) => !variables.has(name))
    .map((name) => `${name} is not in docs/configuration.md`);
  if (program === "npm") problems.push(...checkNpm(args, inProse));
  else if (program === "curl") problems.push(...checkCurl(args));
  else if (["npx", "node"].includes(program) || plainPrograms.has(program))
    problems.push(...missingPaths(args));
  else if (program.includes("/")) problems.push(...checkExecutable(program), ...missingPaths(args));
  else problems.push(`no check knows the program "${program}" (tests/docs/commands.ts)`);
  return problems;
}

/** Every problem of one command line. */
export const checkCommandLine = (line: string, variables: Set<string>, inProse = false): string[] =>
  simpleCommands(line).flatMap((words) => checkSimpleCommand(words, variables, inProse));
