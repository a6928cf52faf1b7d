/**
 * What a committed secret looks like. Each detector reads one line of one file; the patterns are written so
 * that this file does not match itself (`-{5}` rather than five dashes).
 */

export interface Finding {
  file: string;
  line: number;
  kind: string;
  /** The matching text, cut short so the report does not repeat a whole secret. */
  excerpt: string;
}

/** Credentials in URLs that are public knowledge: RabbitMQ's local-only default, and doc placeholders. */
const KNOWN_URL_CREDENTIALS = new Set(["guest:guest", "user:password", "user:pass", "username:password"]);

/** Secret-looking values that are not secrets: references, placeholders, empties. */
const isPlaceholder = (value: string): boolean =>
  value === "" ||
  /^(\$|<|\{|\[|\||>|~|null$|true$|false$|changeme|change-me|example|xxx|\*+$)/i.test(value) ||
  value.includes("$");

const detectors: { kind: string; test: (line: string, file: string) => string | undefined }[] = [
  { kind: "PEM private key", test: (line) => /-{5}BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-{5}/.exec(line)?.[0] },
  { kind: "private JWK", test: (line) => /"d"\s*:\s*"[\w-]{20,}"/.exec(line)?.[0] },
  { kind: "JWT", test: (line) => /\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/.exec(line)?.[0] },
  { kind: "AWS access key", test: (line) => /\b(AKIA|ASIA)[0-9A-Z]{16}\b/.exec(line)?.[0] },
  { kind: "GitHub token", test: (line) => /\bgh[pousr]_[A-Za-z0-9]{36,}\b/.exec(line)?.[0] },
  { kind: "Slack token", test: (line) => /\bxox[abprs]-[A-Za-z0-9-]{10,}/.exec(line)?.[0] },
  { kind: "Stripe live key", test: (line) => /\b[sr]k_live_[A-Za-z0-9]{16,}/.exec(line)?.[0] },
  { kind: "Google API key", test: (line) => /\bAIza[0-9A-Za-z_-]{35}\b/.exec(line)?.[0] },
  {
    kind: "credentials in a URL",
    test: (line) => {
      const credentials = /\/\/([^/\s:@'"`]+:[^/\s@'"`]+)@/.exec(line)?.[1];
      return credentials &&
        !KNOWN_URL_CREDENTIALS.has(credentials) &&
        !isPlaceholder(credentials.split(":")[1] ?? "")
        ? credentials
        : undefined;
    },
  },
  {
    // Settings files: `password: hunter2`, `API_TOKEN=abc`. In code a secret is read from the environment.
    kind: "secret in a settings file",
    test: (line, file) => {
      if (!/\.(ya?ml|json|env|ini|toml|conf|properties|sh)$|(^|\/)(Dockerfile|\.env[\w.]*)$/.test(file))
        return undefined;
      const match =
        /\b[\w.-]*(password|passwd|secret|token|api_?key|private_?key)[\w.-]*["']?\s*[:=]\s*["']?([^\s"'#,}]*)/i.exec(
          line,
        );
      return match && !isPlaceholder(match[2] ?? "") ? match[0] : undefined;
    },
  },
  {
    // Code: a literal assigned to something named like a secret, or a secret setting with a default value.
    kind: "secret literal in code",
    test: (line, file) => {
      if (!/\.(ts|js|mjs|cjs)$/.test(file)) return undefined;
      const literal =
        /\b\w*(password|passwd|secret|api_?key|private_?key)\w*["']?\s*[:=]\s*["'`]([^"'`]{6,})["'`]/i.exec(
          line,
        );
      if (literal && !isPlaceholder(literal[2] ?? "")) return literal[0];
      return /\b[A-Z_]*(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_JWK)[A-Z_]*\b.*\.default\(\s*["'`][^"'`]+["'`]/.exec(
        line,
      )?.[0];
    },
  },
];

export function scan(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split("\n").forEach((line, index) => {
    for (const detector of detectors) {
      const hit = detector.test(line, file);
      if (hit) findings.push({ file, line: index + 1, kind: detector.kind, excerpt: hit.slice(0, 60) });
    }
  });
  return findings;
}

/**
 * Where made-up credentials are allowed, each with its reason: test and benchmark code logs in to throwaway
 * shops it starts itself (fresh data folder, accounts it registers), so their passwords protect nothing.
 */
export const FIXTURES: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /(^|\/)[^/]+\.test\.ts$/, why: "unit and integration tests register throwaway accounts" },
  {
    pattern: /^tests\//,
    why: "test support: the throwaway admin of every test shop (tests/support/system.ts)",
  },
  { pattern: /(^|\/)testing(\.ts|\/)/, why: "test kits beside the code" },
  { pattern: /^scripts\/bench\//, why: "benchmarks start their own throwaway shops" },
];

export const isFixture = (file: string): boolean => FIXTURES.some((f) => f.pattern.test(file));
