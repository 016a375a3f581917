import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../src/access/api-tokens.ts";
import { childEnv, graphqlRequest, TENANCY_BIN } from "../support/cli-process.ts";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { compareShownText, maskJson } from "../support/match-shown-output.ts";
import { chatSteps, consoleSteps, readmeExamples, type ReadmeExample } from "../support/readme-examples.ts";
import { ShellSession } from "../support/shell-session.ts";

/*
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
 * - A chat transcript (`> /tenancy …`) is posted to /chatops/slack, signed as Slack signs it,
 *   by the README's example user (U024BE7LH, compliance); the answer shown is the text of its
 *   blocks, one after the other.
 * - A console `$ cat FILE` of a file that does not exist yet writes the shown content into it:
 *   the README shows a file the reader writes.
 * - README_ACTUAL=some-file.md writes a copy of the README in which every output that differs
 *   is replaced by what the example printed (unmasked; matching ones keep the README's text), to
 *   update the README after a change in behaviour:
 *   `README_ACTUAL=/tmp/README.actual.md npx vitest run test/readme; diff README.md /tmp/README.actual.md`.
 */
const README = path.resolve("README.md");
const SLACK_SECRET = "readme-examples-signing-secret";
const markdown = readFileSync(README, "utf8");
const examples = readmeExamples(markdown);

let t: TestDatabase;
let service: RunningService;
let shell: ShellSession;
let sandbox: string;
let adminToken: string | null = null;
/** README line of an output block (or of a console or chat block) that differs → what to put there. */
const printed = new Map<number, string>();

beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  service = await startTestService(t.url, { slackSigningSecret: SLACK_SECRET, chatopsAccess: { users: { U024BE7LH: { role: "compliance" } }, channels: {} } });
  sandbox = mkdtempSync(path.join(tmpdir(), "readme-examples-"));
  symlinkSync(path.resolve("examples"), path.join(sandbox, "examples"));
  const bin = path.join(sandbox, ".bin");
  mkdirSync(bin);
  // `npx tenancy` from a clone runs the package's own bin; elsewhere npx would look it up.
  const npx =
    (process.env.PATH ?? "")
      .split(path.delimiter)
      .map((dir) => path.join(dir, "npx"))
      .find((file) => existsSync(file)) ?? "npx";
  writeFileSync(path.join(bin, "npx"), `#!/bin/sh\nif [ "$1" = tenancy ]; then shift; exec "${process.execPath}" "${TENANCY_BIN}" "$@"; fi\nexec "${npx}" "$@"\n`, { mode: 0o755 });
  const env = childEnv({
    DATABASE_URL: t.url,
    TENANCY_URL: service.url,
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
  await service?.close();
  await t?.drop();
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
    // A console block runs one CLI process per command, each a few seconds on a busy machine.
    const timeout = 60_000 * (example.language === "console" ? consoleSteps(example).length : 1);
    it(title, { timeout }, async () => {
      if (example.language === "graphql") await runGraphql(example);
      else if (example.language === "console") await runConsole(example);
      else if (example.language === "chat") await runChat(example);
      else await runScript(example);
    });
  }
});

function summary(code: string): string {
  const first = code.split("\n").find((l) => l.trim() !== "") ?? "";
  return first.length > 70 ? `${first.slice(0, 69)}…` : first;
}

function forService(command: string): string {
  const port = new URL(service.url).port;
  return command.replace(/\b(localhost|127\.0\.0\.1):4000\b/g, `$1:${port}`);
}

async function runGraphql(example: ReadmeExample): Promise<void> {
  let response = await graphqlRequest(service.url, example.code, undefined, adminHeaders());
  if (response.status === 401 && !adminToken) {
    // The README has created API tokens, which closes the no-token loopback mode.
    const created = await createApiToken(t.db.sql, { name: "readme-test-admin", role: "admin" }, "readme-test");
    if (!("secret" in created)) throw new Error(`could not create the test's admin token: ${JSON.stringify(created.errors)}`);
    adminToken = created.secret;
    response = await graphqlRequest(service.url, example.code, undefined, adminHeaders());
  }
  const where = `README.md:${example.line} (graphql block)`;
  if (!example.output) {
    expect(response.body.errors, `${where} answered with errors`).toBeUndefined();
    return;
  }
  const same = compareJson(example.output.text, response.body, `${where}: the answer differs from the README's block at line ${example.output.line}`);
  if (!same) printed.set(example.output.line, JSON.stringify(response.body));
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
  const text = result.output.replace(/\s+$/, "");
  const message = `${where}: the output differs from the README's block at line ${example.output.line} (exit ${result.code})`;
  const same = example.output.language === "json" ? compareJson(example.output.text, parseJson(result.output, message), message) : compareText(example.output.text, result.output, message);
  if (!same) printed.set(example.output.line, text);
}

async function runConsole(example: ReadmeExample): Promise<void> {
  const lines: string[] = [];
  let differs = false;
  for (const step of consoleSteps(example)) {
    const cat = /^cat ([\w./-]+)$/.exec(step.command);
    if (cat && !existsSync(path.join(sandbox, cat[1]))) writeFileSync(path.join(sandbox, cat[1]), `${step.output}\n`);
    const result = await shell.run(forService(step.command));
    const message = `README.md:${step.line}: \`$ ${step.command.split("\n")[0]}\` printed something else than the README shows (exit ${result.code})`;
    const same = compareText(step.output, result.output, message);
    const output = same ? step.output : result.output.replace(/\r$/gm, "").replace(/\s+$/, "");
    lines.push(`$ ${step.command}`, ...(output.trim() ? [output] : []));
    differs ||= !same;
  }
  if (differs) printed.set(example.line, lines.join("\n"));
}

async function runChat(example: ReadmeExample): Promise<void> {
  const answers: string[] = [];
  let differs = false;
  for (const step of chatSteps(example)) {
    const text = step.command.replace(/^\/tenancy\s*/, "");
    const body = new URLSearchParams({ command: "/tenancy", text, user_id: "U024BE7LH", channel_id: "C0README", team_id: "T0README" }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac("sha256", SLACK_SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    const response = await fetch(service.url.replace(/\/graphql$/, "/chatops/slack"), {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature },
    });
    const reply = (await response.json()) as { blocks?: { text?: { text: string }; elements?: { text: string }[] }[] };
    const shown = (reply.blocks ?? []).flatMap((b) => (b.text ? [b.text.text] : (b.elements ?? []).map((e) => e.text))).join("\n");
    const same = compareText(step.answer, shown, `README.md:${step.line}: chat \`${step.command}\` was answered differently than the README shows (HTTP ${response.status})`);
    answers.push(`> ${step.command}`, same ? step.answer : shown || JSON.stringify(reply), "");
    differs ||= !same;
  }
  if (differs) printed.set(example.line, answers.join("\n").trimEnd());
}

/** True when they match; otherwise a soft failure (a console block reports every command that differs, not only the first). */
function compareText(shown: string, output: string, message: string): boolean {
  const comparison = compareShownText(shown, output);
  if (!comparison.matches) expect.soft(comparison.actual, message).toBe(comparison.resolved);
  return comparison.matches;
}

/** True when they match; otherwise a soft failure. */
function compareJson(shown: string, actual: unknown, message: string): boolean {
  const expected = maskJson(parseJson(shown, `the README's JSON is not valid JSON (${message})`));
  const same = isDeepStrictEqual(maskJson(actual), expected);
  if (!same) expect.soft(maskJson(actual), message).toEqual(expected);
  return same;
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
