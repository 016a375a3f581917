import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/*
 * The rules a user reads live in the repository: every relative link of the README,
 * DEVELOPERS.md and docs/ leads to a file of the repository (and to a heading that exists),
 * and nothing a clone ships points outside it (to the folder beside the repository where the
 * product contract was first written).
 */
const ROOT = path.resolve(".");
/** A path to the shared folder beside the repository, written so that this line does not match itself. */
const OUTSIDE = new RegExp(["\\.\\./", "shared", "|", "shared", "/contract"].join(""));
const PAGES = [
  "README.md",
  "DEVELOPERS.md",
  ...readdirSync("docs")
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));
}

function links(file: string): { target: string; line: number }[] {
  const found: { target: string; line: number }[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) found.push({ target: m[1], line: i + 1 });
    });
  return found.filter((l) => !/^[a-z]+:/i.test(l.target));
}

describe("links of the README, DEVELOPERS.md and docs/", () => {
  for (const page of PAGES) {
    it(`${page}: every relative link leads to a file and heading inside the repository`, () => {
      const broken: string[] = [];
      for (const { target, line } of links(page)) {
        const [file, anchor] = target.split("#");
        const resolved = file ? path.resolve(path.dirname(page), file) : path.resolve(page);
        if (!resolved.startsWith(ROOT + path.sep) && resolved !== ROOT) broken.push(`${page}:${line}: ${target} points outside the repository`);
        else if (!existsSync(resolved)) broken.push(`${page}:${line}: ${target} does not exist`);
        else if (anchor && statSync(resolved).isFile() && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) {
          broken.push(`${page}:${line}: ${target}: no heading "#${anchor}" in ${path.relative(ROOT, resolved)}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }

  it("nothing in the documentation, the schema or the source points to a contract file outside the repository", () => {
    const files = ["README.md", "DEVELOPERS.md", "schema.graphql", "prisma/schema.prisma", ...PAGES, ...walk("src"), ...walk("test"), ...walk("bench")];
    const offenders = files.filter((f) => OUTSIDE.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" || entry.name === "node_modules" ? [] : walk(full);
    return /\.(ts|mjs|js|graphql|prisma|md)$/.test(entry.name) ? [full] : [];
  });
}
