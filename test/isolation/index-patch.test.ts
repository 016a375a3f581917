import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { antiAffinityViolations } from "../../src/domain/anti-affinity.ts";
import { fleetReport, type FleetReport } from "../../src/domain/fleet-report.ts";
import { unitId } from "../../src/domain/separation.ts";
import { PARTS } from "../../src/domain/patch-topology.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { unitsIndex } from "../../src/domain/units-index.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";
import { pruneHistory } from "../../src/history/prune-history.ts";
import { bumpInventoryVersion } from "../../src/inventory/inventory-version.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { IsolationIndex, type IsolationView } from "../../src/isolation/isolation-index.ts";
import { loadTopology } from "../../src/isolation/load-topology.ts";
import { rng } from "../support/random-inventory.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * A per-sync patch of the isolation index must give exactly what a full load gives: random
 * syncs (hosts, racks, datacenters, VMs, containers, KubeVirt, workloads, tenants, rule
 * overrides: added, removed, moved, changed) land one after another, and after each the
 * patched index's topology (its maps in the loader's order), its units of each workload,
 * tenant and host, every verdict, the anti-affinity violations and the report are compared with a fresh
 * load of the same version. A second index, asked only every few syncs, patches several
 * versions at once, as a replica that was idle does.
 */
type Obj = Record<string, unknown> & { id: string };
type Kind = "datacenters" | "powerDomains" | "networkDomains" | "racks" | "hosts" | "tenants" | "workloads" | "virtualMachines" | "containers";
type Model = Record<string, Partial<Record<Kind, Obj[]>>>;

const LEVELS = [null, "CONTAINER", "VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER", "HAZARD_ZONE", "PLANET"];
const RULE_LEVELS = ["HOST", "RACK", "POWER_DOMAIN", "NETWORK_DOMAIN", "DATACENTER", "HAZARD_ZONE", "PLANET"];

/** A fleet of four sources that change at random; units only ever sit in units made before them (no cycle). */
function randomFleet(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  let serial = 0;
  const model: Model = {
    dcim: { datacenters: [], powerDomains: [], networkDomains: [], racks: [], hosts: [] },
    cloud: { datacenters: [], virtualMachines: [], containers: [] },
    apps: { tenants: [], workloads: [] },
    kube: { virtualMachines: [], containers: [] },
  };
  const list = (source: string, kind: Kind) => model[source][kind]!;
  const all = (kind: Kind) => Object.keys(model).flatMap((s) => model[s][kind] ?? []);
  const ids = (kind: Kind) => all(kind).map((o) => o.id);
  const serialOf = (id: string) => Number(id.split("-").pop());
  const tenantId = () => (chance(0.05) ? "t-ghost" : (pick(ids("tenants")) ?? "t-ghost"));
  const maybe = <T>(p: number, value: () => T) => (chance(p) ? value() : undefined);

  const datacenter = (): Obj => ({ id: `dc-${serial++}`, region: pick(["ra", "rb", null]), hazardZones: ["z1", "z2", "z3"].filter(() => chance(0.3)), planet: chance(0.1) ? "moon" : "earth" });
  const rack = (): Obj => ({
    id: `rack-${serial++}`,
    datacenter: chance(0.9) ? (pick(ids("datacenters")) ?? "dc-ghost") : "dc-ghost",
    powerDomains: ids("powerDomains").filter(() => chance(0.3)),
    networkDomains: ids("networkDomains").filter(() => chance(0.3)),
  });
  const placeHost = (h: Obj) => {
    delete h.rack;
    delete h.datacenter;
    const where = r();
    if (where < 0.75) h.rack = chance(0.9) ? (pick(ids("racks")) ?? "rack-ghost") : "rack-ghost";
    else if (where < 0.9) h.datacenter = pick(ids("datacenters")) ?? "dc-ghost";
    return h;
  };
  const host = (): Obj => placeHost({ id: `host-${serial++}`, dedicatedTo: maybe(0.15, tenantId), placementGroup: maybe(0.1, () => pick(["g1", "g2"])) });
  const workloadId = () => maybe(0.7, () => (chance(0.05) ? "w-ghost" : pick(ids("workloads"))));
  const placeVm = (vm: Obj) => {
    delete vm.host;
    delete vm.container;
    delete vm.datacenter;
    const where = r();
    const containers = ids("containers").filter((c) => serialOf(c) < serialOf(vm.id));
    if (where < 0.15 && containers.length > 0) vm.container = pick(containers);
    else if (where < 0.75) vm.host = chance(0.95) ? (pick(ids("hosts")) ?? "host-ghost") : "host-ghost";
    else vm.datacenter = pick(ids("datacenters")) ?? "dc-ghost";
    return vm;
  };
  const vm = (): Obj => placeVm({ id: `vm-${serial++}`, tenant: tenantId(), workload: workloadId(), dedicated: chance(0.15) });
  const placeContainer = (c: Obj) => {
    delete c.virtualMachine;
    delete c.host;
    const vms = ids("virtualMachines").filter((v) => serialOf(v) < serialOf(c.id));
    if (vms.length > 0 && chance(0.7)) c.virtualMachine = pick(vms);
    else c.host = pick(ids("hosts")) ?? "host-ghost";
    return c;
  };
  const container = (): Obj => placeContainer({ id: `ct-${serial++}`, tenant: tenantId(), workload: workloadId(), runtime: pick(["runc", "crun", "gvisor", "kata"]) });
  const workload = (): Obj => ({
    id: `w-${serial++}`,
    tenant: pick(ids("tenants")) ?? "t-ghost",
    minimumIsolation: pick(LEVELS),
    antiAffinity: chance(0.5) ? [{ level: pick(RULE_LEVELS), mode: pick(["HARD", "SOFT"]) }] : undefined,
  });
  const tenant = (): Obj => ({ id: `t-${serial++}`, organization: pick(["o1", "o2", "o3"]) });

  // The initial fleet.
  for (let i = 0; i < 3; i++) list("dcim", "datacenters").push(datacenter());
  for (let i = 0; i < 3; i++) list("dcim", "powerDomains").push({ id: `pdu-${serial++}`, datacenter: pick(ids("datacenters")) });
  for (let i = 0; i < 3; i++) list("dcim", "networkDomains").push({ id: `tor-${serial++}`, datacenter: pick(ids("datacenters")) });
  list("cloud", "datacenters").push({ id: `dc-${serial++}`, region: "rc", hazardZones: ["z4"] }, { id: list("dcim", "datacenters")[0].id, hazardZones: ["z5"] });
  for (let i = 0; i < 5; i++) list("dcim", "racks").push(rack());
  for (let i = 0; i < 8; i++) list("dcim", "hosts").push(host());
  for (let i = 0; i < 4; i++) list("apps", "tenants").push(tenant());
  for (let i = 0; i < 6; i++) list("apps", "workloads").push(workload());
  for (let i = 0; i < 10; i++) list(pick(["cloud", "kube"]), "virtualMachines").push(vm());
  for (let i = 0; i < 20; i++) list(pick(["cloud", "kube"]), "containers").push(container());

  /** Something of `kind` in `source`, or undefined when there is none. */
  const some = (source: string, kind: Kind) => pick(list(source, kind));
  const remove = (source: string, kind: Kind) => {
    const xs = list(source, kind);
    if (xs.length > 1) xs.splice(Math.floor(r() * xs.length), 1);
  };
  /** `object` given new fields, its id kept. */
  const remake = (object: Obj, make: () => Obj) => Object.assign(object, { ...make(), id: object.id });
  /** Each mutation changes one source's snapshot and returns the source to sync. */
  const mutations: (() => string)[] = [
    () => (list("dcim", "hosts").push(host()), "dcim"),
    () => (remove("dcim", "hosts"), "dcim"),
    () => (placeHost(some("dcim", "hosts")), "dcim"),
    () => (Object.assign(some("dcim", "hosts"), { dedicatedTo: maybe(0.5, tenantId), placementGroup: maybe(0.3, () => pick(["g1", "g2"])) }), "dcim"),
    () => (list("dcim", "racks").push(rack()), "dcim"),
    () => (remove("dcim", "racks"), "dcim"),
    () => (remake(some("dcim", "racks"), rack), "dcim"),
    () => (list("dcim", "datacenters").push(datacenter()), "dcim"),
    () => (remove("dcim", "datacenters"), "dcim"),
    () => (remake(some("dcim", "datacenters"), datacenter), "dcim"),
    () => (Object.assign(list("cloud", "datacenters")[1], { hazardZones: ["z1", "z5", "z6"].filter(() => chance(0.5)) }), "cloud"),
    () => {
      const source = pick(["cloud", "kube"]);
      list(source, "virtualMachines").push(vm());
      return source;
    },
    () => (remove("cloud", "virtualMachines"), "cloud"),
    () => (placeVm(some("kube", "virtualMachines") ?? list("kube", "virtualMachines")[0] ?? vm()), "kube"),
    () => (Object.assign(some("cloud", "virtualMachines"), { tenant: tenantId(), workload: workloadId(), dedicated: chance(0.3) }), "cloud"),
    () => {
      const source = pick(["cloud", "kube"]);
      list(source, "containers").push(container());
      return source;
    },
    () => (remove("kube", "containers"), "kube"),
    () => (placeContainer(some("cloud", "containers")), "cloud"),
    () => (Object.assign(some("kube", "containers"), { tenant: tenantId(), workload: workloadId(), runtime: pick(["runc", "kata"]) }), "kube"),
    () => (Object.assign(some("kube", "containers"), { privileged: chance(0.5) }), "kube"),
    () => (Object.assign(some("kube", "containers"), { nodeFiles: chance(0.5) }), "kube"),
    () => (list("apps", "workloads").push(workload()), "apps"),
    () => (remove("apps", "workloads"), "apps"),
    // A workload moved to another tenant: its units' membership follows (build-topology.ts).
    () => (Object.assign(some("apps", "workloads"), { tenant: pick(ids("tenants")) }), "apps"),
    () => (Object.assign(some("apps", "workloads"), { minimumIsolation: pick(LEVELS), minHealthyReplicas: maybe(0.5, () => 1 + Math.floor(r() * 3)) }), "apps"),
    () => (list("apps", "tenants").push(tenant()), "apps"),
    () => (remove("apps", "tenants"), "apps"),
    () => (Object.assign(some("apps", "tenants"), { organization: pick(["o1", "o2", "o3"]) }), "apps"),
    () => "override",
  ];
  return {
    model,
    mutate: () => pick(mutations)(),
    workloadId: () => pick(ids("workloads")),
    rule: () => (chance(0.3) ? null : [{ level: pick(RULE_LEVELS), maxPerDomain: 1 + Math.floor(r() * 2), mode: pick(["HARD", "SOFT"]) }]),
    r,
  };
}

/** A snapshot's objects without the fields left out. */
const clean = (objects: Obj[]) => objects.map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));

async function sync(t: TestDatabase, model: Model, source: string) {
  const snapshot = { source, complete: true, ...Object.fromEntries(Object.entries(model[source]).map(([kind, objects]) => [kind, clean(objects)])) };
  const result = await syncInventory(t.db.sql, snapshot, { allowMassRemoval: true });
  expect(result.errors, source).toEqual([]);
  expect(["APPLIED", "UNCHANGED"]).toContain(result.status);
}

/** An operator's rules for a workload, as setAntiAffinityRules writes them (src/graphql/resolvers/anti-affinity.ts). */
async function override(t: TestDatabase, workload: string, rules: unknown) {
  await t.db.sql.transaction(async (tx) => {
    if (rules === null) await tx.query(`DELETE FROM anti_affinity_override WHERE workload = $1`, [workload]);
    else await tx.query(`INSERT INTO anti_affinity_override (workload, rules) VALUES ($1, $2::jsonb) ON CONFLICT (workload) DO UPDATE SET rules = EXCLUDED.rules`, [workload, JSON.stringify(rules)]);
    await bumpInventoryVersion(tx);
  });
}

const sortedEntries = (map: ReadonlyMap<string, unknown>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function verdicts(topology: Topology) {
  const tenants = [...new Set([...topology.tenants.keys(), ...unitsIndex(topology).byTenant.keys()])].sort();
  return [...topology.workloads.keys()].flatMap((w) =>
    tenants.map((tenant) => {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- evidence is a closure over the verdict's pairs (verdict.ts), it reads no `this`
      const { evidence, ...verdict } = isolationVerdict(topology, w, tenant, DEFAULT_POLICY);
      return { ...verdict, evidence: evidence(10_000) };
    }),
  );
}

function reportRows(topology: Topology) {
  const report = fleetReport(topology, DEFAULT_POLICY);
  const rows = report.list();
  return Array.from({ length: rows.length }, (_, i) => {
    const row = rows.row(i);
    return [report.workload(row), report.tenant(row), report.required(row), report.actual(row), report.possible(row)].join(" ");
  });
}

/** The patched view against a fresh full load of the same version: everything a request can read. */
async function expectAsLoaded(t: TestDatabase, view: IsolationView, label: string) {
  const fresh = await loadTopology(t.db.sql);
  expect(view.inventoryVersion, label).toBe(fresh.version);
  const compare = () => {
    // The maps themselves, in the loader's order.
    for (const part of PARTS) expect([...view.topology[part].entries()], `${label}: ${part}`).toEqual([...fresh.topology[part].entries()]);
    const [patched, loaded] = [unitsIndex(view.topology), unitsIndex(fresh.topology)];
    expect(sortedEntries(patched.byWorkload), `${label}: units of each workload`).toEqual(sortedEntries(loaded.byWorkload));
    expect(sortedEntries(patched.byTenant), `${label}: units of each tenant`).toEqual(sortedEntries(loaded.byTenant));
    expect(sortedEntries(patched.byHost), `${label}: units on each host`).toEqual(sortedEntries(loaded.byHost));
  };
  compare();
  expect(verdicts(view.topology), `${label}: verdicts`).toEqual(verdicts(fresh.topology));
  // After the warm-up: its maps flattened, the same still; replicas, violations and the report too.
  await view.warmed();
  compare();
  expect(antiAffinityViolations(view.topology), `${label}: violations`).toEqual(antiAffinityViolations(fresh.topology));
  expect(reportRows(view.topology), `${label}: report`).toEqual(reportRows(fresh.topology));
  // The view's own report, patched from the one kept before (src/domain/patch-report.ts), weakest pairs included.
  expect(keptReportRows(await view.report()), `${label}: the view's report`).toEqual(keptReportRows(fleetReport(fresh.topology, DEFAULT_POLICY)));
}

function keptReportRows(report: FleetReport) {
  return Array.from({ length: report.count }, (_, row) => [report.workload(row), report.tenant(row), report.required(row), report.actual(row), report.possible(row), unitId(report.unit(row).ref), unitId(report.other(row).ref)].join(" "));
}

/** A new random fleet, synced into an inventory emptied first (each test's ids would clash with the last's). */
async function syncedFleet(seed: number) {
  await t.db.sql.exec("TRUNCATE datacenter, datacenter_description, power_domain, network_domain, rack, host, virtual_machine, container, tenant, workload, anti_affinity_override, source, source_digest");
  const fleet = randomFleet(seed);
  for (const source of Object.keys(fleet.model)) await sync(t, fleet.model, source);
  return fleet;
}

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe("the isolation index patched per sync", () => {
  it.each([1, 2, 3])("equals a full load after every random sync (seed %i)", async (seed) => {
    const fleet = await syncedFleet(seed);
    const eager = new IsolationIndex(t.db.sql);
    const idle = new IsolationIndex(t.db.sql);
    let version = (await eager.view()).inventoryVersion;
    let idleVersion = (await idle.view()).inventoryVersion;
    const moved = { eager: 0, idle: 0, idleSeveral: 0 };
    for (let round = 0; round < 40; round++) {
      const sources = new Set(Array.from({ length: 1 + Math.floor(fleet.r() * 3) }, () => fleet.mutate()));
      for (const source of sources) {
        if (source === "override") await override(t, fleet.workloadId(), fleet.rule());
        else await sync(t, fleet.model, source);
      }
      const view = await eager.view();
      if (view.inventoryVersion > version) moved.eager++;
      version = view.inventoryVersion;
      await expectAsLoaded(t, view, `seed ${seed} round ${round}`);
      if (round % 4 !== 3) continue;
      const idleView = await idle.view();
      if (idleView.inventoryVersion > idleVersion) moved.idle++;
      if (idleView.inventoryVersion > idleVersion + 1) moved.idleSeveral++;
      idleVersion = idleView.inventoryVersion;
      await expectAsLoaded(t, idleView, `seed ${seed} round ${round}, several versions at once`);
    }
    // Every version that moved was patched in, none loaded whole: else this proved nothing about patches.
    expect(moved.eager).toBeGreaterThan(30);
    expect(eager.patches).toBe(moved.eager);
    expect(eager.reportPatches).toBeGreaterThan(10);
    expect(idle.patches).toBe(moved.idle);
    expect(moved.idleSeveral).toBeGreaterThan(5);
  });

  it("loads whole when too much changed, or history no longer says what did; the same either way", async () => {
    const fleet = await syncedFleet(9);
    const few = new IsolationIndex(t.db.sql, { patchMaxRows: 2 });
    const index = new IsolationIndex(t.db.sql);
    await few.view();
    await index.view();
    fleet.model.cloud.containers!.push({ id: "ct-new-1", tenant: "t-ghost", host: "host-ghost" }, { id: "ct-new-2", tenant: "t-ghost", host: "host-ghost" });
    fleet.model.cloud.containers!.push({ id: "ct-new-3", tenant: "t-ghost", host: "host-ghost" });
    await sync(t, fleet.model, "cloud");
    await expectAsLoaded(t, await few.view(), "three rows, two at most");
    expect(few.patches).toBe(0);
    await expectAsLoaded(t, await index.view(), "three rows");
    expect(index.patches).toBe(1);
    // Retention pruned the version the index would need (the removed row's copy with it).
    fleet.model.cloud.containers!.pop();
    await sync(t, fleet.model, "cloud");
    expect((await pruneHistory(t.db.sql, new Date(Date.now() + 60_000))).ran).toBe(true);
    await expectAsLoaded(t, await index.view(), "history pruned");
    expect(index.patches).toBe(1);
  });
});
