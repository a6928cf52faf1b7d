/**
 * Just enough Markdown for the docs checks: links, headings with GitHub's anchors, shell blocks and inline
 * commands, each with the line it is on so a failure names file and line.
 */

export interface Located<T> {
  line: number;
  value: T;
}

export interface ShellBlock {
  line: number;
  /** Logical lines: continuations (`\` at the end) joined, blank and comment-only lines dropped. */
  commands: Located<string>[];
}

interface Fence {
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  lines: string[];
}

/** The page split into fenced code blocks and the prose lines outside them (line numbers kept). */
function split(text: string): { fences: Fence[]; prose: Located<string>[] } {
  const fences: Fence[] = [];
  const prose: Located<string>[] = [];
  let open: Fence | undefined;
  text.split("\n").forEach((content, index) => {
    const fence = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(content);
    if (open) {
      if (fence) {
        fences.push(open);
        open = undefined;
      } else open.lines.push(content);
    } else if (fence) open = { line: index + 1, language: fence[2] ?? "", lines: [] };
    else prose.push({ line: index + 1, value: content });
  });
  return { fences, prose };
}

/** Prose with inline code spans blanked, so a link shown as code is not taken for a link. */
const withoutCode = (line: string): string => line.replace(/`[^`]*`/g, (span) => " ".repeat(span.length));

/** Every link target: `[text](target)`, `![alt](target)` and `<https://...>` autolinks. */
export function linksOf(text: string): Located<string>[] {
  const links: Located<string>[] = [];
  for (const { line, value } of split(text).prose) {
    const prose = withoutCode(value);
    for (const match of prose.matchAll(/\]\(([^()\s]+)(?:\s+"[^"]*")?\)/g))
      links.push({ line, value: match[1] ?? "" });
    for (const match of prose.matchAll(/<(https?:\/\/[^>\s]+)>/g))
      links.push({ line, value: match[1] ?? "" });
  }
  return links;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor the page's headings make; a repeated heading gets -1, -2... as on GitHub. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { value } of split(text).prose) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(value);
    if (!heading?.[1]) continue;
    const slug = slugOf(heading[1]);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** The ```bash / ```sh / ```shell blocks, one logical command line each. */
export function shellBlocksOf(text: string): ShellBlock[] {
  return split(text)
    .fences.filter((fence) => ["bash", "sh", "shell"].includes(fence.language))
    .map((fence) => {
      const commands: Located<string>[] = [];
      let pending: Located<string> | undefined;
      fence.lines.forEach((content, index) => {
        const line = pending?.line ?? fence.line + 1 + index;
        const joined = pending ? `${pending.value} ${content.trim()}` : content;
        if (joined.endsWith("\\")) {
          pending = { line, value: joined.slice(0, -1).trimEnd() };
          return;
        }
        pending = undefined;
        if (joined.trim() !== "" && !joined.trim().startsWith("#"))
          commands.push({ line, value: joined.trim() });
      });
      return { line: fence.line, commands };
    });
}

/** Inline code in prose that is a command: `npm run x`, `npx ...`, `VAR=value npm start`. */
export function inlineCommandsOf(text: string): Located<string>[] {
  const commands: Located<string>[] = [];
  for (const { line, value } of split(text).prose) {
    for (const match of value.matchAll(/`([^`]+)`/g)) {
      const code = match[1] ?? "";
      if (/^([A-Z][A-Z0-9_]*=\S+\s+)*(npm|npx|node|curl)\s/.test(code)) commands.push({ line, value: code });
    }
  }
  return commands;
}
