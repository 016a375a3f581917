import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFleet, random, type Fleet } from "../../bench/fleet.ts";
import { reportFindingsSteps } from "../../src/domain/report-findings.ts";
import { acceptFinding } from "../../src/findings/finding-store.ts";
import { updateFindings, type FindingsUpdate, type KnownFindings } from "../../src/findings/update-findings.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { IsolationIndex } from "../../src/isolation/isolation-index.ts";
import { savePolicy } from "../../src/isolation/policy-store.ts";
import { runInSlices } from "../../src/isolation/run-in-slices.ts";
import type { SqlClient } from "../../src/db/sql-client.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * The findings update compares only the findings whose digest moved since its last update
 * (src/domain/report-findings.ts). Property: after any run of random syncs, policy changes and
 * acceptances, the findings it keeps, and their events, are exactly those of an update that
 * compares every finding every time (a second database given the same changes), and exactly
 * what the report says is wrong now. Each change is one a digest might miss: units moved
 * together (the shared thing changes, the levels do not), a unit more or less (the pair count),
 * an organization (the relationship), a rack's power domains, a removed VM, rules, the policy.
 */
const SIZE = { name: "tiny", hosts: 120, vms: 300, containers: 900, tenants: 12, workloads: 48 };
const ROUNDS = 14;

let incremental: TestDatabase;
let full: TestDatabase;
beforeAll(async () => {
  [incremental, full] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});
afterAll(async () => {
  await Promise.all([incremental?.drop(), full?.drop()]);
});

type Mutable = Fleet & { virtualMachines: Record<string, any>[]; containers: Record<string, any>[] };

/** One random change of the kinds listed above. */
function mutate(fleet: Mutable, rnd: () => number, serial: number) {
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
  const onPrem = fleet.virtualMachines.filter((vm) => vm.host);
  const kinds = [
    () => (pick(onPrem).host = pick(fleet.hosts).id),
    () => {
      // Every VM of one host onto another: what they share moves, their levels need not.
      const [from, to] = [pick(onPrem).host, pick(fleet.hosts).id];
      for (const vm of onPrem) if (vm.host === from) vm.host = to;
    },
    () => {
      const ct = pick(fleet.containers);
      delete ct.host;
      delete ct.virtualMachine;
      if (rnd() < 0.7) ct.virtualMachine = pick(fleet.virtualMachines).id;
      else ct.host = pick(fleet.hosts).id;
    },
    () => fleet.containers.splice(Math.floor(rnd() * fleet.containers.length), 1),
    () => {
      const vm = pick(fleet.virtualMachines);
      fleet.containers.push({ id: `extra-${serial}`, virtualMachine: vm.id, runtime: "runc", tenant: vm.tenant, workload: vm.workload });
    },
    () => {
      const ct = pick(fleet.containers);
      ct.runtime = ct.runtime === "gvisor" ? "runc" : "gvisor";
    },
    () => (pick(fleet.tenants).organization = pick(fleet.tenants).organization),
    () => {
      const w = pick(fleet.workloads) as Record<string, unknown>;
      if (w.minimumIsolation) delete w.minimumIsolation;
      else w.minimumIsolation = pick(["VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER"]);
    },
    () => {
      const rack = pick(fleet.racks);
      rack.powerDomains = [pick(fleet.powerDomains.filter((p) => p.datacenter === rack.datacenter)).id];
    },
    () => {
      const host = pick(fleet.hosts) as Record<string, unknown>;
      host.rack = pick(fleet.racks).id;
      delete host.datacenter;
    },
    () => fleet.virtualMachines.splice(Math.floor(rnd() * fleet.virtualMachines.length), 1),
    () => (pick(fleet.workloads).antiAffinity = rnd() < 0.5 ? [] : [{ level: pick(["HOST", "RACK", "POWER_DOMAIN", "DATACENTER"]) }]),
  ];
  pick(kinds)();
}

async function findingsOf(sql: SqlClient) {
  const findings = await sql.query<any>(`SELECT id, kind, workload, workload_tenant, tenant, subject, state, severity, evidence, opened_evidence, resolved_at IS NULL AS unresolved, accepted_until FROM finding ORDER BY id`);
  const events = await sql.query<any>(`SELECT finding, change, state, severity, evidence FROM finding_event ORDER BY finding, id`);
  return { findings, events };
}

describe("findings updated from the digests that moved", () => {
  it("keeps exactly the findings and events of a comparison of every finding, through random changes", async () => {
    const rnd = random(1414);
    const fleet = generateFleet(SIZE, 5, "tiny-fleet") as Mutable;
    const indexes = { incremental: new IndexOf(incremental), full: new IndexOf(full) };
    const compared: FindingsUpdate["compared"][] = [];
    const totals = { opened: 0, changed: 0, resolved: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) for (let i = 0, n = 1 + Math.floor(rnd() * 5); i < n; i++) mutate(fleet, rnd, round * 10 + i);
      const policyChange = round % 5 === 4 ? { sameTenant: "PROCESS", sameOrganization: rnd() < 0.5 ? "CONTAINER" : "VIRTUAL_MACHINE", otherOrganization: rnd() < 0.5 ? "VIRTUAL_MACHINE" : "HOST" } : null;
      for (const t of [incremental, full]) {
        const result = await syncInventory(t.db.sql, structuredClone(fleet));
        expect(["APPLIED", "UNCHANGED"], JSON.stringify(result.errors)).toContain(result.status);
        if (policyChange) await savePolicy(t.db.sql, policyChange as never);
      }
      const a = await indexes.incremental.update(true);
      const b = await indexes.full.update(false);
      compared.push(a.compared);
      expect(b.compared).toBe("ALL");
      for (const k of ["opened", "changed", "resolved"] as const) totals[k] += a[k];
      expect(a).toEqual({ ...b, compared: a.compared });
      const [stateA, stateB] = await Promise.all([findingsOf(incremental.db.sql), findingsOf(full.db.sql)]);
      expect(stateA.findings).toEqual(stateB.findings);
      expect(stateA.events).toEqual(stateB.events);
      await expectWhatTheReportSays(indexes.incremental, stateA.findings);

      // The same acceptance in both: a finding accepted keeps its state unless it worsens.
      const open = stateA.findings.filter((f: any) => f.state === "OPEN");
      if (open.length > 0 && round % 2 === 1) {
        const id = open[Math.floor(rnd() * open.length)].id;
        const until = new Date(Date.now() + 86_400_000);
        for (const t of [incremental, full]) await acceptFinding(t.db.sql, { id, reason: "property test", until, actor: "test" });
      }
    }
    // The digests were what the incremental side compared after its first update.
    expect(compared[0]).toBe("ALL");
    expect(compared.slice(1).every((c) => c === "CHANGED")).toBe(true);
    expect(totals.resolved).toBeGreaterThan(0);
    const changes = new Set((await findingsOf(incremental.db.sql)).events.map((e: any) => e.change));
    for (const change of ["OPENED", "RESOLVED", "REOPENED", "WORSENED", "IMPROVED", "CHANGED", "ACCEPTED"]) expect(changes).toContain(change);
  }, 240_000);
});

/** One database's index and its findings update: with the digests it knew, or comparing every finding. */
class IndexOf {
  private readonly index: IsolationIndex;
  private known: KnownFindings | null = null;
  constructor(private readonly t: TestDatabase) {
    this.index = new IsolationIndex(t.db.sql);
  }
  view() {
    return this.index.view();
  }
  async update(useKnown: boolean): Promise<FindingsUpdate> {
    const done = await updateFindings(this.t.db.sql, await this.index.view(), useKnown ? this.known : null);
    if (!done) throw new Error("the update was skipped");
    this.known = done.known;
    return done.update;
  }
}

/** The findings not resolved are the report's and violations' now, with their severity and evidence. */
async function expectWhatTheReportSays(index: IndexOf, stored: any[]) {
  const view = await index.view();
  const found = await runInSlices(reportFindingsSteps(await view.report(), await view.violations()));
  const facts = await runInSlices(found.factsSteps(found.digests.keys()));
  const unresolved = stored.filter((f) => f.state !== "RESOLVED");
  expect(unresolved.map((f) => f.id).sort()).toEqual([...facts.keys()].sort());
  for (const f of unresolved) {
    const now = facts.get(f.id)!;
    expect({ severity: f.severity, evidence: f.evidence }).toEqual({ severity: now.severity, evidence: now.evidence });
  }
}
