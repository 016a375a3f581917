import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots } from "../../src/inventory/demo-inventory.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * Findings driven by real syncs through the API: they open, resolve, reopen, worsen and
 * improve with the report; an acceptance keeps a finding visible but not open, and it reopens
 * when the acceptance runs out or the finding gets worse. Report rows and violations carry
 * `since` and `acceptedUntil`.
 */
let demo: SecuredDemo;
let auditor: string;
let tenant: string;
let campus: any;
beforeAll(async () => {
  demo = await startSecuredDemo();
  auditor = await createToken(demo.service.url, ADMIN_TOKEN, { name: "auditor", role: "COMPLIANCE" });
  tenant = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-reader", role: "TENANT", tenant: "geology" });
  const snapshots = new Map((await demoSnapshots()).map(({ snapshot }) => [snapshot.source, snapshot as any]));
  campus = snapshots.get("dcim-campus");
  await settled();
}, 120_000);
afterAll(async () => demo.close());

const as = (token: string, query: string, variables?: Record<string, unknown>) => gqlAs(demo.service.url, token, query, variables).then((r) => r.body);
const admin = async (query: string, variables?: Record<string, unknown>) => {
  const body = await as(ADMIN_TOKEN, query, variables);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
};
/** Waits until the findings are brought up to the inventory and policy in force. */
async function settled() {
  for (let i = 0; i < 300; i++) {
    if (await findingsUpToDate(demo.t.db.sql)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the findings did not catch up within 30 s");
}
const sync = async (snapshot: unknown) => {
  const data = await admin(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: snapshot });
  expect(data.syncInventory.status).toBe("APPLIED");
  await settled();
};
const FINDING = `id kind state severity workloadKey tenantKey since firstSeenAt resolvedAt evidence openedEvidence
  acceptance { by reason until current } history { totalCount nodes { change state severity actor evidence } }`;
const pairFinding = async (workload: string, other: string) => {
  const data = await admin(`query($w: String!, $t: String!) { findings(filter: { workload: $w, tenant: $t, kind: ISOLATION }) { nodes { ${FINDING} } } }`, { w: workload, t: other });
  return data.findings.nodes.find((f: { tenantKey: string }) => f.tenantKey === other);
};
const changes = (f: { history: { nodes: { change: string }[] } }) => f.history.nodes.map((e) => e.change);

describe("findings", () => {
  it("opens one finding per report pair and per violation, with since on the rows", async () => {
    const data = await admin(`{
      report: isolationReport(first: 1000) { totalCount nodes { workloadKey tenantKey since acceptedUntil finding { id state } } }
      violations: antiAffinityViolations(first: 1000) { totalCount nodes { workload { key } since finding { id kind } } }
      open: findings(filter: { states: [OPEN] }) { totalCount }
    }`);
    expect(data.open.totalCount).toBe(data.report.totalCount + data.violations.totalCount);
    for (const row of [...data.report.nodes, ...data.violations.nodes]) {
      expect(Date.parse(row.since)).not.toBeNaN();
      expect(row.finding).not.toBeNull();
    }
    expect(new Set(data.report.nodes.map((r: { finding: { id: string } }) => r.finding.id)).size).toBe(data.report.totalCount);
    const genome = await pairFinding("genome-pipeline", "geology");
    expect(genome).toMatchObject({ kind: "ISOLATION", state: "OPEN", severity: "NOT_ISOLATED", resolvedAt: null, acceptance: null });
    expect(genome.evidence).toMatchObject({ outcome: "NOT_ISOLATED", actual: "PROCESS", weakestPair: { otherUnit: "container c-3", shared: "VM vm-1" } });
    expect(changes(genome)).toEqual(["OPENED"]);
  });

  it("resolves a finding the report no longer has, and reopens it with the same id when it comes back", async () => {
    const before = await pairFinding("genome-pipeline", "geology");
    const moved = structuredClone(campus);
    const c3 = moved.containers.find((c: { id: string }) => c.id === "c-3");
    delete c3.virtualMachine;
    c3.host = "h-004";
    moved.virtualMachines.find((v: { id: string }) => v.id === "vm-3").host = "h-002";
    await sync(moved);
    const verdict = (await admin(`{ isolation(workload: "genome-pipeline", tenant: "geology") { outcome since } }`)).isolation;
    expect(verdict).toEqual({ outcome: "ISOLATED", since: null });
    const resolved = await pairFinding("genome-pipeline", "geology");
    expect(resolved).toMatchObject({ id: before.id, state: "RESOLVED", since: before.since, firstSeenAt: before.firstSeenAt });
    expect(Date.parse(resolved.resolvedAt)).toBeGreaterThan(Date.parse(before.since));
    // The evidence as it was when it left the report.
    expect(resolved.evidence).toEqual(before.evidence);

    await sync(campus);
    const back = await pairFinding("genome-pipeline", "geology");
    expect(back).toMatchObject({ id: before.id, state: "OPEN", resolvedAt: null, firstSeenAt: before.firstSeenAt });
    expect(Date.parse(back.since)).toBeGreaterThan(Date.parse(resolved.resolvedAt));
    expect(changes(back)).toEqual(["OPENED", "RESOLVED", "REOPENED"]);
    const since = (await admin(`{ isolation(workload: "genome-pipeline", tenant: "geology") { since } }`)).isolation.since;
    expect(since).toBe(back.since);
    // Only findings opened since a moment.
    const recent = await admin(`query($s: DateTime) { findings(filter: { since: $s }) { nodes { id since } } }`, { s: resolved.resolvedAt });
    expect(recent.findings.nodes.map((f: { id: string }) => f.id)).toContain(before.id);
    for (const f of recent.findings.nodes) expect(Date.parse(f.since)).toBeGreaterThanOrEqual(Date.parse(resolved.resolvedAt));
    const all = await admin(`{ findings { totalCount } }`);
    expect(recent.findings.nodes.length).toBeLessThan(all.findings.totalCount);
  });

  it("accepts a finding: visible but not open, reopened when it worsens", async () => {
    const violation = async () => {
      const data = await admin(`{ findings(filter: { workload: "ledger", kind: ANTI_AFFINITY }) { nodes { ${FINDING} subject } } }`);
      expect(data.findings.nodes).toHaveLength(1);
      return data.findings.nodes[0];
    };
    const target = await violation();
    expect(target).toMatchObject({ state: "OPEN", severity: "HARD", evidence: { excess: 3 }, subject: { level: "POWER_DOMAIN", violation: "MAX_PER_DOMAIN", domain: "fra1-pdu-a" } });
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const accepted = await as(
      auditor,
      `mutation($id: ID!, $until: DateTime!) { acceptFinding(id: $id, reason: "the second feed is being installed", until: $until) { finding { state acceptance { by reason until current } } userErrors { path message } } }`,
      {
        id: target.id,
        until,
      },
    );
    expect(accepted.data.acceptFinding).toEqual({
      finding: { state: "ACCEPTED", acceptance: { by: "token:auditor", reason: "the second feed is being installed", until, current: true } },
      userErrors: [],
    });
    const rows = await admin(`{ antiAffinityViolations(workload: "ledger") { nodes { domain since acceptedUntil } } }`);
    expect(rows.antiAffinityViolations.nodes.find((v: { domain: string }) => v.domain === "fra1-pdu-a")).toEqual({ domain: "fra1-pdu-a", since: target.since, acceptedUntil: until });
    expect((await admin(`{ findings(filter: { states: [ACCEPTED] }) { nodes { id } } }`)).findings.nodes).toEqual([{ id: target.id }]);

    // One more ledger VM behind the same PDU: the violation gets worse, the acceptance ends.
    const fra = (await demoSnapshots()).find((s) => s.snapshot.source === "dcim-fra")!.snapshot as any;
    const worse = structuredClone(fra);
    worse.virtualMachines.push({ id: "ledger-5", host: "fra-h3", tenant: "treasury", workload: "ledger" });
    await sync(worse);
    const reopened = await violation();
    expect(reopened).toMatchObject({ id: target.id, state: "OPEN", evidence: { excess: 4 }, openedEvidence: { excess: 3 }, acceptance: { current: false }, since: target.since });
    expect(changes(reopened), JSON.stringify(reopened.history)).toEqual(["OPENED", "ACCEPTED", "WORSENED"]);
    expect(reopened.history.nodes[1].actor).toBe("token:auditor");
    expect((await admin(`{ antiAffinityViolations(workload: "ledger") { nodes { acceptedUntil } } }`)).antiAffinityViolations.nodes[0].acceptedUntil).toBeNull();

    await sync(fra);
    const better = await violation();
    expect(better).toMatchObject({ state: "OPEN", evidence: { excess: 3 } });
    expect(changes(better).at(-1)).toBe("IMPROVED");
  });

  it("reopens an accepted finding when the acceptance runs out", async () => {
    const target = await pairFinding("genome-pipeline", "geology");
    const until = new Date(Date.now() + 1500).toISOString();
    const accepted = await admin(`mutation($id: ID!, $until: DateTime!) { acceptFinding(id: $id, reason: "until the move", until: $until) { finding { state } userErrors { message } } }`, { id: target.id, until });
    expect(accepted.acceptFinding).toEqual({ finding: { state: "ACCEPTED" }, userErrors: [] });
    let state = "ACCEPTED";
    for (let i = 0; i < 100 && state === "ACCEPTED"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = (await pairFinding("genome-pipeline", "geology")).state;
    }
    const expired = await pairFinding("genome-pipeline", "geology");
    expect(expired.state, JSON.stringify(expired.history)).toBe("OPEN");
    expect(changes(expired).slice(-2)).toEqual(["ACCEPTED", "ACCEPTANCE_EXPIRED"]);
    expect((await admin(`{ isolation(workload: "genome-pipeline", tenant: "geology") { acceptedUntil } }`)).isolation.acceptedUntil).toBeNull();
  });

  it("says when each finding was last seen: by the last update while it is not resolved, by the last one before it left once it is", async () => {
    const lastUpdate = async () => {
      const [row] = await demo.t.db.sql.query<{ at: Date }>(`SELECT updated_at AS at FROM findings_state WHERE id = 1`);
      return new Date(row.at).toISOString();
    };
    const open = async () => (await admin(`{ findings(filter: { states: [OPEN, ACCEPTED] }, first: 1000) { nodes { id lastSeenAt history { totalCount } } } }`)).findings.nodes;
    const before = await open();
    const seenBefore = await lastUpdate();
    for (const f of before) expect(f.lastSeenAt).toBe(seenBefore);
    const genome = await pairFinding("genome-pipeline", "geology");
    expect(genome.state).toBe("OPEN");

    const moved = structuredClone(campus);
    const c3 = moved.containers.find((c: { id: string }) => c.id === "c-3");
    delete c3.virtualMachine;
    c3.host = "h-004";
    await sync(moved);
    const seenNow = await lastUpdate();
    expect(Date.parse(seenNow)).toBeGreaterThan(Date.parse(seenBefore));
    // Findings the update left alone (no new event) were seen by it all the same.
    const untouched = (await open()).filter((f: any) => before.some((b: any) => b.id === f.id && b.history.totalCount === f.history.totalCount));
    expect(untouched.length).toBeGreaterThan(0);
    for (const f of untouched) expect(f.lastSeenAt).toBe(seenNow);
    const gone = (await admin(`query($id: ID!) { finding(id: $id) { state lastSeenAt resolvedAt } }`, { id: genome.id })).finding;
    expect(gone).toMatchObject({ state: "RESOLVED", lastSeenAt: seenBefore });
    expect(Date.parse(gone.resolvedAt)).toBeGreaterThan(Date.parse(gone.lastSeenAt));

    await sync(campus);
    const back = (await admin(`query($id: ID!) { finding(id: $id) { state lastSeenAt } }`, { id: genome.id })).finding;
    expect(back).toEqual({ state: "OPEN", lastSeenAt: await lastUpdate() });
  });

  it("refuses a bad acceptance with userErrors, and keeps findings from tenants", async () => {
    const target = await pairFinding("genome-pipeline", "geology");
    const refuse = async (id: string, reason: string, until: string) =>
      (await admin(`mutation($id: ID!, $r: String!, $u: DateTime!) { acceptFinding(id: $id, reason: $r, until: $u) { finding { id } userErrors { path message } } }`, { id, r: reason, u: until })).acceptFinding;
    const later = new Date(Date.now() + 86_400_000).toISOString();
    expect(await refuse(target.id, "  ", later)).toEqual({ finding: null, userErrors: [{ path: ["reason"], message: "say why the finding is accepted: the reason is kept with it and shown to auditors" }] });
    expect((await refuse(target.id, "ok", "2020-01-01")).userErrors[0]).toEqual({ path: ["until"], message: "until (2020-01-01T00:00:00.000Z) must be in the future" });
    expect((await refuse(target.id, "ok", "2099-01-01")).userErrors[0].message).toMatch(/^an acceptance runs at most 366 days/);
    expect((await refuse("isolation-0000", "ok", later)).userErrors).toEqual([{ path: ["id"], message: 'no finding has the id "isolation-0000"' }]);
    const gone = (await admin(`{ findings(filter: { states: [RESOLVED] }) { nodes { id } } }`)).findings.nodes;
    if (gone.length > 0) expect((await refuse(gone[0].id, "ok", later)).userErrors[0].message).toMatch(/is resolved: there is nothing to accept$/);

    for (const query of [`{ findings { totalCount } }`, `mutation { acceptFinding(id: "${target.id}", reason: "mine", until: "${later}") { userErrors { message } } }`]) {
      expect((await as(tenant, query)).errors[0].extensions.code).toBe("FORBIDDEN");
    }
    const own = await as(tenant, `{ isolation(workload: "seismic-model", tenant: "biology") { since finding { id } } }`);
    expect(own.errors[0].extensions.code).toBe("FORBIDDEN");
  });
});
