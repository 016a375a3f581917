import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { childEnv, runCli } from "../support/cli-process.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import type { TestDatabase } from "../support/test-database.ts";

/** A compliance session from the terminal: tokens made by an operator, saved queries run by an auditor. */
let demo: SecuredDemo;
let t: TestDatabase;
let service: RunningService;
let dir: string;
let secret: string;

beforeAll(async () => {
  demo = await startSecuredDemo();
  ({ t, service } = demo);
  dir = mkdtempSync(path.join(tmpdir(), "tenancy-cli-"));
}, 60_000);
afterAll(async () => demo?.close());

const operator = () => childEnv({ DATABASE_URL: t.url });
const auditor = (token = secret) => childEnv({ TENANCY_URL: service.url, TENANCY_TOKEN: token });

describe("tenancy token", () => {
  it("creates a token on the database, printing only its secret on standard output", async () => {
    const created = await runCli(["token", "create", "--role", "compliance", "--name", "q3-audit"], operator());
    expect(created.code).toBe(0);
    secret = created.stdout.trim();
    expect(secret).toMatch(/^ts_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created token q3-audit \(compliance\)/);

    const refused = await runCli(["token", "create", "--role", "tenant"], operator());
    expect(refused.code).toBe(2); // wrong usage, as README's exit codes say
    expect((await runCli(["token", "create", "--role", "compliance", "--name", "q3-audit"], operator())).code).toBe(1); // the name is taken: refused
    expect(refused.stderr).toMatch(/--tenant: a tenant token must name its tenant/);
    expect((await runCli(["token", "create"], operator())).code).toBe(2);
  });

  it("lists the tokens and revokes one at once", async () => {
    const other = (await runCli(["token", "create", "--role", "tenant", "--tenant", "geology", "--name", "geology-team"], operator())).stdout.trim();
    const list = await runCli(["token", "list"], operator());
    expect(list.stdout).toMatch(/geology-team\s+tenant geology/);
    expect(list.stdout).toMatch(/q3-audit\s+compliance/);
    expect((await runCli(["token", "revoke", "geology-team"], operator())).stdout).toMatch(/revoked geology-team/);
    const refused = await runCli(["query", "list"], auditor(other));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/refused the token: set TENANCY_TOKEN/);
    const [event] = await t.db.sql.query<{ actor: string; outcome: string }>(`SELECT actor, outcome FROM audit_event WHERE action = 'revokeApiToken'`);
    expect(event.actor).toMatch(/^cli:/);
    expect(event.outcome).toBe("OK");
  });
});

describe("tenancy query", () => {
  it("saves a query from a file, refusing one that does not validate, with the reason", async () => {
    const file = path.join(dir, "spread.graphql");
    writeFileSync(
      file,
      `query Spread($workload: String, $first: Int) {
  antiAffinityViolations(workload: $workload, first: $first) { nodes { workload { key } level kind domain excess replicas { key } message } }
}\n`,
    );
    const saved = await runCli(["query", "save", "spread", "--file", file, "--description", "Replica spread, for the quarterly audit"], auditor());
    expect(saved).toMatchObject({ code: 0, stdout: "saved spread version 1\n" });
    expect((await runCli(["query", "save", "spread", "--file", file], auditor())).stdout).toBe("spread is unchanged at version 1\n");

    writeFileSync(path.join(dir, "bad.graphql"), "{ hosts { nodes { serial } } }");
    const bad = await runCli(["query", "save", "bad", "--file", path.join(dir, "bad.graphql")], auditor());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/document: Cannot query field "serial" on type "Host"/);
  });

  it("runs it as a table, as JSON and as CSV a spreadsheet reads, with typed --var values", async () => {
    const table = await runCli(["query", "run", "spread", "--var", "workload=ledger"], auditor());
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^workload\.key\s+level\s+kind\s+domain\s+excess\s+replicas\.key\s+message$/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(lines.slice(2).every((l) => l.startsWith("ledger"))).toBe(true);
    expect(table.stderr).toMatch(/run \S+ of spread v1 by token:q3-audit at .*: \d+ row\(s\), inventory version \d+, inventory as of .*, digest [0-9a-f]{12}/);

    const json = await runCli(["query", "run", "spread", "--var", "workload=ledger", "--var", "first=1", "--format", "json"], auditor());
    expect(JSON.parse(json.stdout).data.antiAffinityViolations.nodes).toHaveLength(1);

    const csv = await runCli(["query", "run", "spread", "--format", "csv"], auditor());
    const rows = csv.stdout.split("\r\n");
    expect(rows[0]).toBe("workload.key,level,kind,domain,excess,replicas.key,message");
    expect(rows.at(-1)).toBe("");
    const ledger = rows.find((r) => r.startsWith("ledger,"))!;
    // Replicas joined in one cell, quoted because of the comma; the message quoted as well.
    expect(ledger).toMatch(/^ledger,[A-Z_]+,[A-Z_]+,[^,]*,\d+,"[^"]+, [^"]+",/);

    const wrong = await runCli(["query", "run", "spread", "--var", "first=many"], auditor());
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--var first=many: \$first is an Int/);
    expect((await runCli(["query", "run", "spread", "--var", "tenant=x"], auditor())).stderr).toMatch(/declares no variable \$tenant \(it has \$workload, \$first\)/);
  });

  it("lists the saved queries and says what changed between the last two runs", async () => {
    await runCli(["query", "run", "spread"], auditor());
    const set = await fetch(service.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ query: `mutation { setAntiAffinityRules(workload: "seismic-model", rules: [{ level: DATACENTER, minDomains: 3 }]) { userErrors { message } } }` }),
    });
    expect(((await set.json()) as any).data.setAntiAffinityRules.userErrors).toEqual([]);
    await runCli(["query", "run", "spread"], auditor());

    const diff = await runCli(["query", "diff", "spread"], auditor());
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^spread: run of .* \(v1\) against the run of .* \(v1\)\n/);
    expect(diff.stdout).toContain("+ antiAffinityViolations.nodes: kind=MIN_DOMAINS level=DATACENTER workload=seismic-model\n");
    expect(diff.stdout).toMatch(/^- antiAffinityViolations\.nodes: .*workload=seismic-model$/m);

    const list = await runCli(["query", "list"], auditor());
    expect(list.stdout).toMatch(/^name\s+version\s+runs\s+lastRun\s+updatedBy\s+description/);
    expect(list.stdout).toMatch(/spread\s+1\s+\d+\s+\S+\s+token:q3-audit\s+Replica spread, for the quarterly audit/);
  });

  it("says where the service is when it cannot reach it", async () => {
    const result = await runCli(["query", "list"], childEnv({ TENANCY_URL: "http://127.0.0.1:9/graphql", TENANCY_TOKEN: secret }));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cannot reach the service at http:\/\/127\.0\.0\.1:9\/graphql \(TENANCY_URL\)/);
  });
});
