import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCsv, formatTable } from "../../src/cli/result-table.ts";
import { terminalText } from "../../src/cli/terminal-text.ts";
import { childEnv, runCli } from "../support/cli-process.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * Text that others wrote (a saved query's description, a snapshot's field names) reaches an
 * operator's terminal through the CLI: its control characters must show, not act.
 */
const ESC = "\u001b";
const HOSTILE = `${ESC}]0;owned${ESC}\\${ESC}[2J\rfake line\u202e`;

describe("terminalText", () => {
  it("shows control, format and separator characters as escapes and leaves the rest", () => {
    expect(terminalText(HOSTILE)).toBe("\\x1b]0;owned\\x1b\\\\x1b[2J\\x0dfake line\\u{202e}");
    expect(terminalText("Zürich lab/β-2 (東京) ✓")).toBe("Zürich lab/β-2 (東京) ✓");
  });

  it("is applied to every cell of a table and a CSV", () => {
    const data = { tokens: { nodes: [{ name: HOSTILE, [`x${ESC}`]: 1 }] } };
    expect(formatTable(data)).not.toContain(ESC);
    expect(formatCsv(data)).not.toContain(ESC);
  });
});

describe("the CLI, printing what others wrote", () => {
  let demo: SecuredDemo;
  beforeAll(async () => {
    demo = await startSecuredDemo();
  }, 60_000);
  afterAll(async () => demo?.close());

  it("escapes a hostile saved query description in `query list`", async () => {
    const author = await createToken(demo.service.url, ADMIN_TOKEN, { name: "mallory", role: "COMPLIANCE" });
    const saved = await gqlAs(demo.service.url, author, `mutation($d: String) { saveQuery(name: "innocent", document: "{ viewer { role } }", description: $d) { userErrors { message } } }`, { d: HOSTILE });
    expect(saved.body.data.saveQuery.userErrors).toEqual([]);
    const reader = await createToken(demo.service.url, ADMIN_TOKEN, { name: "auditor", role: "COMPLIANCE" });
    const list = await runCli(["query", "list"], childEnv({ TENANCY_URL: demo.service.url, TENANCY_TOKEN: reader }));
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("innocent");
    expect(list.stdout).toContain("\\x1b]0;owned");
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a terminal
    expect(list.stdout + list.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
  });

  it("escapes what a refused snapshot names in `tenancy sync`", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "tenancy-esc-")), "bad.json");
    writeFileSync(file, JSON.stringify({ source: "odd", hosts: [{ id: "h-1", [`colour${ESC}[31m`]: "red" }] }));
    const sync = await runCli(["sync", "--file", file], childEnv({ DATABASE_URL: demo.t.url }));
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain("unknown field");
    expect(sync.stderr).toContain("colour\\x1b[31m");
    expect(sync.stdout + sync.stderr).not.toContain(ESC);
  });
});
