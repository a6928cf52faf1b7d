import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rootDir } from "../../scripts/dev/services";
import { isFixture, scan } from "./secrets";

/**
 * No secret or key material in the repository: every file git tracks, plus new files it would pick up (not
 * ignored), is read line by line for private keys (PEM, JWK with "d"), tokens and passwords in settings.
 * Test fixtures are allowed made-up credentials only where FIXTURES says so, and never key material.
 */

const files = (): string[] =>
  [
    ...new Set(
      execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: rootDir })
        .toString("utf8")
        .split("\0")
        .filter(Boolean),
    ),
  ].filter((file) => {
    const path = join(rootDir, file);
    try {
      // Deleted in the worktree but still tracked, or too big to be config: skip.
      return statSync(path).isFile() && statSync(path).size < 2_000_000 && file !== "package-lock.json";
    } catch {
      return false;
    }
  });

const KEY_MATERIAL = new Set([
  "PEM private key",
  "private JWK",
  "JWT",
  "AWS access key",
  "GitHub token",
  "Slack token",
  "Stripe live key",
  "Google API key",
]);

describe("secret scan", () => {
  it("finds no key material anywhere and no credentials outside the declared fixtures", () => {
    const scanned = files();
    const findings = scanned.flatMap((file) => {
      const text = readFileSync(join(rootDir, file), "utf8");
      if (text.includes("\0")) return []; // binary
      return scan(file, text).filter((f) => KEY_MATERIAL.has(f.kind) || !isFixture(f.file));
    });
    console.info(`secret scan: ${scanned.length} files, ${findings.length} findings`);
    expect(scanned.length).toBeGreaterThan(300);
    expect(findings).toEqual([]);
  });

  // Each detector on a made-up sample, so a scan that finds nothing is known to be able to find something.
  it.each([
    ["PEM private key", "x.pem", `-----BEGIN ${"PRIVATE"} KEY-----`],
    ["PEM private key", "id", `-----BEGIN OPENSSH ${"PRIVATE"} KEY-----`],
    ["private JWK", "key.json", `{"kty":"OKP","crv":"Ed25519","x":"abc","d":"${"Q".repeat(43)}"}`],
    ["JWT", "notes.md", `token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.${"s".repeat(40)}`],
    ["AWS access key", "a.ts", `const id = "AKIA${"ABCDEFGHIJKLMNOP"}";`],
    ["GitHub token", "ci.yaml", `GH: ghp_${"a1".repeat(18)}`],
    ["credentials in a URL", "compose.yaml", "DATABASE_URL: postgres://app:s3cr3t-value@db:5432/app"],
    ["secret in a settings file", "values.yaml", "  adminPassword: hunter2hunter2"],
    ["secret in a settings file", ".env", "API_TOKEN=abcdef123456"],
    ["secret literal in code", "functions/x/src/config.ts", `const apiKey = "live-${"k".repeat(12)}";`],
    [
      "secret literal in code",
      "functions/x/src/config.ts",
      `  ADMIN_PASSWORD: z.string().default("${"p".repeat(14)}"),`,
    ],
  ])("detects %s", (kind, file, line) => {
    expect(scan(file, line).map((f) => f.kind)).toContain(kind);
  });

  it.each([
    ["compose.yaml", "AMQP_URL: amqp://guest:guest@rabbitmq:5672"],
    ["compose.yaml", "      ADMIN_PASSWORD:"],
    ["compose.yaml", "      ADMIN_PASSWORD: ${ADMIN_PASSWORD}"],
    ["smoke.sh", 'password="smoke-$(head -c 12 /dev/urandom)"'],
    ["functions/x/src/config.ts", "ADMIN_PASSWORD: z.string().min(12).optional(),"],
    ["functions/x/src/sessions.ts", 'token_type: "Bearer",'],
  ])("lets a reference or a placeholder pass: %s %s", (file, line) => {
    expect(scan(file, line)).toEqual([]);
  });
});
