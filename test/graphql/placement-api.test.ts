import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * placementAdvice over HTTP on the demo inventory: the ranking and its reasons in the verdicts'
 * and violations' words, a described workload, what a tenant token may ask and learn, bad
 * input, and a PROVEN place synced for real: the verdicts and the audit agree afterwards.
 */
let demo: SecuredDemo;
let geologyToken: string;
beforeAll(async () => {
  demo = await startSecuredDemo();
  geologyToken = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-team", role: "TENANT", tenant: "geology" });
});
afterAll(async () => demo.close());

const admin = async (query: string, variables?: Record<string, unknown>) => (await gqlAs(demo.service.url, ADMIN_TOKEN, query, variables)).body;
const ADVICE = `workloadKey tenantKey policyVersion provenCount possibleCount refusedCount
  candidates { totalCount nodes { kind key outcome reasons softBreaches crowding closestActual closestPossible } }`;

describe("placementAdvice", () => {
  it("ranks ams1 for seismic-model: proven first, the SOFT breach after, the hidden host possible, the crowded hosts refused with the violation", async () => {
    const { data, errors } = await admin(`{ placementAdvice(workload: "seismic-model", candidates: { anywhereInDatacenter: "ams1" }) { ${ADVICE} } }`);
    expect(errors).toBeUndefined();
    const nodes = data.placementAdvice.candidates.nodes;
    expect(nodes.map((n: any) => `${n.outcome} ${n.kind} ${n.key}`)).toEqual(["PROVEN HOST h-004", "PROVEN HOST h-legacy", "PROVEN HOST h-003", "POSSIBLE DATACENTER ams1", "REFUSED HOST h-001", "REFUSED HOST h-002"]);
    const byKey = Object.fromEntries(nodes.map((n: any) => [n.key, n]));
    expect(byKey["h-003"].softBreaches).toEqual(["SOFT anti-affinity: 3 replicas of seismic-model share power domain ams1-pdu-a; at most 1 allowed"]);
    expect(byKey["ams1"].reasons).toEqual(["the host spread of seismic-model (HARD) cannot be checked there: its host is hidden or not known"]);
    expect(byKey["h-001"].reasons).toContain("HARD anti-affinity: 2 replicas of seismic-model share host h-001; at most 1 allowed");
    expect(data.placementAdvice).toMatchObject({ workloadKey: "seismic-model", tenantKey: "geology", provenCount: 3, possibleCount: 1, refusedCount: 2 });
  });

  it("says why, in the verdict's words, in both directions", async () => {
    const { data } = await admin(`{ placementAdvice(workload: "payments", candidates: { hosts: ["h-002"], virtualMachines: ["i-0glx1"] }) { ${ADVICE} } }`);
    const [host, vm] = data.placementAdvice.candidates.nodes.sort((a: any, b: any) => a.key.localeCompare(b.key));
    expect(host.reasons).toEqual(["NOT ISOLATED: payments (acme-payments) needs HOST separation from tenant geology, but the new VM replica and geology's VM vm-4 share host h-002 (only a VIRTUAL_MACHINE boundary between them)."]);
    expect(vm.reasons).toEqual([
      "NOT ISOLATED: payments (acme-payments) needs HOST separation from tenant globex, but the new container replica runs inside globex's VM i-0glx1 (only a PROCESS boundary between them).",
      "NOT ISOLATED: analytics (globex) needs VIRTUAL_MACHINE separation from tenant acme-payments, but acme-payments's new container replica runs inside VM i-0glx1 (only a PROCESS boundary between them).",
    ]);
  });

  it("advises a described workload, and refuses a described one that takes a synced workload's name", async () => {
    const { data, errors } = await admin(`query($d: DescribedWorkloadInput!) { placementAdvice(describe: $d, candidates: { hosts: ["h-003", "h-004"] }, replica: { kind: CONTAINER, runtime: "gvisor" }) { ${ADVICE} } }`, {
      d: { name: "quake-alerts", tenant: "geology", minimumIsolation: "RACK" },
    });
    expect(errors).toBeUndefined();
    expect(data.placementAdvice.candidates.nodes.map((n: any) => n.outcome)).toEqual(["REFUSED", "REFUSED"]);
    expect(data.placementAdvice.candidates.nodes[0].reasons[0]).toMatch(/^NOT ISOLATED: quake-alerts \(geology\) needs RACK separation from tenant biology, but the new container replica and biology's /);
    const taken = await admin(`{ placementAdvice(describe: { name: "ledger", tenant: "geology" }, candidates: { hosts: ["h-004"] }) { workloadKey } }`);
    expect(taken.errors[0]).toMatchObject({ message: '"ledger" is a synced workload: ask with workload: "ledger"', extensions: { code: "BAD_USER_INPUT" } });
  });

  it("names what is wrong in bad input", async () => {
    const both = await admin(`{ placementAdvice(workload: "payments", describe: { tenant: "acme" }, candidates: { hosts: ["h-001"] }) { workloadKey } }`);
    expect(both.errors[0]).toMatchObject({ message: "give exactly one of workload and describe", extensions: { code: "BAD_USER_INPUT" } });
    const unknown = await admin(`{ placementAdvice(workload: "payments", candidates: { hosts: ["h-404"], kubernetesNodes: ["ip-10-0-0-1"] }) { workloadKey } }`);
    expect(unknown.errors[0].message).toBe('no host "h-404" has been synced; no Kubernetes node "ip-10-0-0-1" has been synced (as VM or host node/ip-10-0-0-1, or a VM keyed ip-10-0-0-1)');
    expect(unknown.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "candidates.hosts" });
    const none = await admin(`{ placementAdvice(workload: "payments", candidates: {}) { workloadKey } }`);
    expect(none.errors[0].message).toBe("name at least one candidate place");
    const vmInVm = await admin(`{ placementAdvice(workload: "payments", candidates: { virtualMachines: ["i-0pay1"] }, replica: { kind: VIRTUAL_MACHINE }) { workloadKey } }`);
    expect(vmInVm.errors[0].message).toBe("a VM replica goes on a host or in a datacenter, not in VM i-0pay1");
    const vmWithNodeFiles = await admin(`{ placementAdvice(workload: "payments", candidates: { hosts: ["h-004"] }, replica: { kind: VIRTUAL_MACHINE, nodeFiles: true }) { workloadKey } }`);
    expect(vmWithNodeFiles.errors[0]).toMatchObject({ message: "runtime, privileged and nodeFiles describe a container replica; a VM replica has its own wall", extensions: { code: "BAD_USER_INPUT", argument: "replica.kind" } });
  });

  it("a tenant token asks only of its own workloads and VMs, and learns no other tenant's name", async () => {
    const as = async (query: string) => (await gqlAs(demo.service.url, geologyToken, query)).body;
    const own = await as(`{ placementAdvice(workload: "seismic-model", candidates: { virtualMachines: ["vm-3", "vm-4"] }, replica: { kind: CONTAINER }) { ${ADVICE} } }`);
    expect(own.errors).toBeUndefined();
    const foreign = await as(`{ placementAdvice(workload: "payments", candidates: { virtualMachines: ["vm-3"] }) { workloadKey } }`);
    expect(foreign.errors[0]).toMatchObject({ message: 'no workload "payments" has been synced', extensions: { code: "NOT_FOUND" } });
    // Another tenant's VM, a host, a datacenter: the same words as names nobody synced.
    const probes: [string, string][] = [
      [`{ hosts: ["h-004"] }`, 'no host "h-004" has been synced'],
      [`{ hosts: ["h-404"] }`, 'no host "h-404" has been synced'],
      [`{ virtualMachines: ["vm-1"] }`, 'no VM "vm-1" has been synced'],
      [`{ virtualMachines: ["vm-404"] }`, 'no VM "vm-404" has been synced'],
      [`{ kubernetesNodes: ["i-0glx1"] }`, 'no Kubernetes node "i-0glx1" has been synced (as VM or host node/i-0glx1, or a VM keyed i-0glx1)'],
      [`{ anywhereInDatacenter: "ams1" }`, 'no datacenter "ams1" has been synced'],
      [`{ anywhereInRegion: "eu-west" }`, 'no synced datacenter is in region "eu-west"'],
    ];
    for (const [candidates, message] of probes) {
      const probe = await as(`{ placementAdvice(workload: "seismic-model", candidates: ${candidates}) { workloadKey } }`);
      expect(probe.errors[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT" } });
    }
    const described = await as(`{ placementAdvice(describe: { tenant: "biology" }, candidates: { virtualMachines: ["vm-3"] }) { workloadKey } }`);
    expect(described.errors[0]).toMatchObject({ message: 'no tenant "biology" has been synced', extensions: { code: "NOT_FOUND" } });
    // vm-3 stands on h-001 beside biology's vm-1: the reasons say so, naming no other tenant, workload, unit or host.
    const strict = await as(`{ placementAdvice(describe: { name: "vault", tenant: "geology", minimumIsolation: HAZARD_ZONE }, candidates: { virtualMachines: ["vm-3", "vm-5"] }) { ${ADVICE} } }`);
    expect(strict.errors).toBeUndefined();
    const text = JSON.stringify(strict.data.placementAdvice);
    for (const secret of ["biology", "globex", "treasury", "acme", "vm-1", "vm-2", "c-1", "genome", "ledger", "h-00"]) expect(text).not.toContain(secret);
    const vm3 = strict.data.placementAdvice.candidates.nodes.find((n: any) => n.key === "vm-3");
    expect(vm3.reasons).toEqual([
      "NOT ISOLATED: vault (geology) needs HAZARD_ZONE separation from tenant geology, but the new container replica runs inside geology's VM vm-3 (only a PROCESS boundary between them).",
      "NOT ISOLATED: seismic-model (geology) needs VIRTUAL_MACHINE separation from tenant geology, but geology's new container replica runs inside VM vm-3 (only a PROCESS boundary between them).",
      "NOT ISOLATED: vault (geology) needs HAZARD_ZONE separation from another tenant, but the new container replica and a unit of another tenant share a host (only a VIRTUAL_MACHINE boundary between them).",
    ]);
    // The admin asking the same learns who: one reason per tenant.
    const full = await admin(`{ placementAdvice(describe: { name: "vault", tenant: "geology", minimumIsolation: HAZARD_ZONE }, candidates: { virtualMachines: ["vm-3"] }) { ${ADVICE} } }`);
    expect(full.data.placementAdvice.candidates.nodes[0].reasons.join("\n")).toContain("biology's container c-1 share host h-001");
  });

  it("a PROVEN place, synced for real, comes out ISOLATED with no new violation", async () => {
    const { data } = await admin(`{ placementAdvice(workload: "seismic-model", candidates: { hosts: ["h-004"] }) { ${ADVICE} } }`);
    expect(data.placementAdvice.candidates.nodes[0].outcome).toBe("PROVEN");
    const before = await admin(`{ antiAffinityViolations(workload: "seismic-model") { nodes { message } } }`);
    const sync = await admin(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, {
      s: { source: "placement-test", virtualMachines: [{ id: "vm-6", host: "h-004", tenant: "geology", workload: "seismic-model" }] },
    });
    expect(sync.errors).toBeUndefined();
    const after = await admin(`{ antiAffinityViolations(workload: "seismic-model") { nodes { message } } }`);
    expect(after.data.antiAffinityViolations.nodes).toEqual(before.data.antiAffinityViolations.nodes);
    const tenants = await admin(`{ tenants(first: 50) { nodes { key } } }`);
    for (const { key } of tenants.data.tenants.nodes) {
      const v = await admin(`{ isolation(workload: "seismic-model", tenant: "${key}") { evidence(limit: 100) { unit { key } otherUnit { key } actual } required } }`);
      const rank = ["PROCESS", "CONTAINER", "SANDBOX", "VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER", "HAZARD_ZONE", "PLANET"];
      for (const pair of v.data.isolation.evidence.filter((p: any) => p.unit.key === "vm-6")) {
        expect(rank.indexOf(pair.actual)).toBeGreaterThanOrEqual(rank.indexOf(v.data.isolation.required));
      }
    }
    // And h-001, REFUSED before, is refused now for the same reason plus nothing new: the advice reads the new inventory.
    const again = await admin(`{ placementAdvice(workload: "seismic-model", candidates: { hosts: ["h-004"] }) { ${ADVICE} } }`);
    expect(again.data.placementAdvice.candidates.nodes[0]).toMatchObject({ outcome: "REFUSED", reasons: ["HARD anti-affinity: 2 replicas of seismic-model share host h-004; at most 1 allowed"] });
  });
});
