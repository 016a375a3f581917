import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../src/access/api-tokens.ts";
import { childEnv, graphqlRequest, TENANCY_BIN } from "../support/cli-process.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";
import { compareShownText, maskJson } from "../support/match-shown-output.ts";
import { consoleSteps, readmeExamples, type ReadmeExample } from "../support/readme-examples.ts";
import { ShellSession } from "../support/shell-session.ts";

/**
 * Every example of README.md, run in order against the demo, as one reader following the
 * README in one terminal: the demo inventory on a fresh database, the service over it, and a
 * shell (in a scratch folder holding `examples/`) where `npx tenancy` is this checkout's
 * command and `localhost:4000` is the service. Each example's output is compared with the
 * block the README shows after it (see readme-examples.ts for how blocks are found, and
 * match-shown-output.ts for what is masked and what `…` means).
 *
 * - `graphql` blocks are posted to /graphql as an admin would: with no token while none
 *   exists (the demo's loopback mode), with an admin token of the test's once the README
 *   has created tokens.
 * - A console `$ cat FILE` of a file that does not exist yet writes the shown content into it:
 *   the README shows a file the reader writes.
 * - README_ACTUAL=some-file.md writes a copy of the README with every compared output replaced
 *   by what the examples printed (unmasked), to update the README after a change in behaviour:
 *   `README_ACTUAL=/tmp/README.actual.md npx vitest run test/readme; diff README.md /tmp/README.actual.md`.
 */
const README = path.resolve("README.md");
const markdown = readFileSync(README, "utf8");
const examples = readmeExamples(markdown);

let demo: DemoServices;
let shell: ShellSession;
let sandbox: string;
let adminToken: string | null = null;
/** README line of an output block (or of a console block) → what the example printed there. */
const printed = new Map<number, string>();

beforeAll(async () => {
  demo = await startDemoServices();
  sandbox = mkdtempSync(path.join(tmpdir(), "readme-examples-"));
  symlinkSync(path.resolve("examples"), path.join(sandbox, "examples"));
  const bin = path.join(sandbox, ".bin");
  mkdirSync(bin);
  // `npx tenancy` from a clone runs the package's own bin; elsewhere npx would look it up.
  writeFileSync(
    path.join(bin, "npx"),
    `#!/bin/sh\nif [ "$1" = tenancy ]; then shift; exec "${process.execPath}" "${TENANCY_BIN}" "$@"; fi\nexec npx "$@"\n`,
    { mode: 0o755 },
  );
  const env = childEnv({
    DATABASE_URL: demo.t.url,
    TENANCY_URL: demo.services[0].url,
    TENANCY_DATA_DIR: path.join(sandbox, ".tenancy-data"),
    TENANCY_TOKEN: undefined,
    TENANCY_ADMIN_TOKEN: undefined,
    LOG_LEVEL: undefined,
    NODE_ENV: undefined,
    NO_COLOR: "1",
    TERM: "dumb",
    PATH: `${bin}:${process.env.PATH}`,
  });
  shell = new ShellSession(sandbox, env);
});

afterAll(async () => {
  shell?.close();
  await demo?.close();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
  if (process.env.README_ACTUAL) writeFileSync(process.env.README_ACTUAL, readmeWithPrinted());
});

describe("README.md examples, run against the demo", () => {
  for (const example of examples) {
    const title = `README.md:${example.line} ${example.language || "block"}: ${summary(example.code)}`;
    if (example.skip) {
      it.skip(`${title} (not run: ${example.skip})`, () => undefined);
      continue;
    }
    it(title, async () => {
      if (example.language === "graphql") await runGraphql(example);
      else if (example.language === "console") await runConsole(example);
      else await runScript(example);
    });
  }
});

function summary(code: string): string {
  const first = code.split("\n").find((l) => l.trim() !== "") ?? "";
  return first.length > 70 ? `${first.slice(0, 69)}…` : first;
}

function forService(command: string): string {
  const port = new URL(demo.services[0].url).port;
  return command.replace(/\b(localhost|127\.0\.0\.1):4000\b/g, `$1:${port}`);
}

async function runGraphql(example: ReadmeExample): Promise<void> {
  let response = await graphqlRequest(demo.services[0].url, example.code, undefined, adminHeaders());
  if (response.status === 401 && !adminToken) {
    // The README has created API tokens, which closes the no-token loopback mode.
    const created = await createApiToken(demo.t.db.sql, { name: "readme-test-admin", role: "admin" }, "readme-test");
    if (!("secret" in created)) throw new Error(`could not create the test's admin token: ${JSON.stringify(created.errors)}`);
    adminToken = created.secret;
    response = await graphqlRequest(demo.services[0].url, example.code, undefined, adminHeaders());
  }
  const where = `README.md:${example.line} (graphql block)`;
  if (!example.output) {
    expect(response.body.errors, `${where} answered with errors`).toBeUndefined();
    return;
  }
  printed.set(example.output.line, JSON.stringify(response.body));
  compareJson(example.output.text, response.body, `${where}: the answer differs from the README's block at line ${example.output.line}`);
}

function adminHeaders(): Record<string, string> {
  return adminToken ? { authorization: `Bearer ${adminToken}` } : {};
}

async function runScript(example: ReadmeExample): Promise<void> {
  const result = await shell.run(forService(example.code));
  const where = `README.md:${example.line} (${example.language} block)`;
  if (!example.output) {
    expect(result.code, `${where} exited with ${result.code}:\n${result.output}`).toBe(0);
    return;
  }
  printed.set(example.output.line, result.output.replace(/\s+$/, ""));
  const message = `${where}: the output differs from the README's block at line ${example.output.line} (exit ${result.code})`;
  if (example.output.language === "json") compareJson(example.output.text, parseJson(result.output, message), message);
  else compareText(example.output.text, result.output, message);
}

async function runConsole(example: ReadmeExample): Promise<void> {
  const lines: string[] = [];
  for (const step of consoleSteps(example)) {
    const cat = /^cat ([\w./-]+)$/.exec(step.command);
    if (cat && !existsSync(path.join(sandbox, cat[1]))) writeFileSync(path.join(sandbox, cat[1]), `${step.output}\n`);
    const result = await shell.run(forService(step.command));
    lines.push(`$ ${step.command}`, ...(result.output.trim() ? [result.output.replace(/\r$/gm, "").replace(/\s+$/, "")] : []));
    const message = `README.md:${step.line}: \`$ ${step.command.split("\n")[0]}\` printed something else than the README shows (exit ${result.code})`;
    compareText(step.output, result.output, message);
  }
  printed.set(example.line, lines.join("\n"));
}

function compareText(shown: string, output: string, message: string): void {
  const comparison = compareShownText(shown, output);
  // expect.soft: a console block reports every command that differs, not only the first.
  if (!comparison.matches) expect.soft(comparison.actual, message).toBe(comparison.resolved);
}

function compareJson(shown: string, actual: unknown, message: string): void {
  expect.soft(maskJson(actual), message).toEqual(maskJson(parseJson(shown, `the README's JSON is not valid JSON (${message})`)));
}

function parseJson(text: string, message: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${message}: not JSON (${(error as Error).message}):\n${text}`);
  }
}

/** The README with each compared output block (or console block) holding what was printed. */
function readmeWithPrinted(): string {
  const lines = markdown.split("\n");
  const blocks = [...printed.entries()].sort((a, b) => b[0] - a[0]);
  for (const [line, text] of blocks) {
    const close = lines.findIndex((l, j) => j > line - 1 && l.startsWith("```"));
    lines.splice(line, close - line, ...text.split("\n"));
  }
  return lines.join("\n");
}
