import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mapEc2 } from "../../src/connectors/aws/map-ec2.ts";
import { mapKubernetes } from "../../src/connectors/kubernetes/map-kubernetes.ts";
import { canonical, container, expectAtMost, rotated, RUNS, shuffled, topologyOf, vm } from "./truth-support.ts";

/*
 * Connector truthfulness, AWS and EKS: two units that the provider data places in one zone, on
 * one host, in one partition never come out further apart than that, whatever the order of
 * the files, whichever account or cluster they come from. Zone names are dealt to each account
 * at random (as AWS does), and instance ids are not lowercase hex.
 */
const ZONE_IDS = ["euw1-az1", "euw1-az2", "euw1-az3"];
const NAMES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
const GROUPS = ["none", "spread", "spread-host", "partition", "cluster", "dedicated", "dedicated-instance"] as const;
const TENANTS = ["acme", "globex"];

const accountArb = fc.record({ zoneIds: shuffled(ZONE_IDS), zonesExport: fc.boolean() });
const instanceArb = fc.record({
  account: fc.nat(1),
  zone: fc.nat(2),
  group: fc.constantFrom(...GROUPS),
  // Two groups of each strategy per account: AWS spreads within a group only.
  groupIndex: fc.nat(1),
  partition: fc.nat(1),
  // A second tenant in the account: Dedicated Instances keep other accounts away, not other tenants.
  otherTenant: fc.boolean(),
  zoneIdOnInstance: fc.boolean(),
  suffix: fc.stringMatching(/^[0-9A-Za-z]{1,6}$/),
});
type Account = { zoneIds: string[]; zonesExport: boolean };
type Inst = { id: string; account: number; zone: number; group: (typeof GROUPS)[number]; groupIndex: number; partition: number; otherTenant?: boolean; zoneIdOnInstance: boolean };

/** The zone's name in this account: its names are dealt at random. */
const nameIn = (account: Account, zone: number) => NAMES[account.zoneIds.indexOf(ZONE_IDS[zone])];

function ec2Exports(account: Account, a: number, instances: Inst[], split: boolean): unknown[] {
  const json = (i: Inst) => ({
    InstanceId: i.id,
    InstanceType: "m6i.large",
    State: { Code: 16, Name: "running" },
    Placement: {
      AvailabilityZone: nameIn(account, i.zone),
      ...(i.zoneIdOnInstance ? { AvailabilityZoneId: ZONE_IDS[i.zone] } : {}),
      Tenancy: i.group === "dedicated" ? "host" : i.group === "dedicated-instance" ? "dedicated" : "default",
      ...(i.group === "dedicated" ? { HostId: `h-0${a}${i.zone}f00d` } : {}),
      ...(["none", "dedicated", "dedicated-instance"].includes(i.group) ? {} : { GroupName: `web-${i.group}-${i.groupIndex}`, GroupId: `pg-${a}${i.group}${i.groupIndex}` }),
      ...(i.group === "partition" ? { PartitionNumber: i.partition + 1 } : {}),
    },
    Tags: [{ Key: "tenant", Value: i.otherTenant ? "initech" : TENANTS[a] }],
  });
  const reservations = instances.map((i) => ({ ReservationId: `r-${i.id}`, OwnerId: `12345678901${a}`, Instances: [json(i)] }));
  const documents: unknown[] = split ? [{ Reservations: reservations.filter((_, n) => n % 2 === 0) }, { Reservations: reservations.filter((_, n) => n % 2 === 1) }] : [{ Reservations: reservations }];
  documents.push({
    PlacementGroups: ["spread", "spread-host", "partition", "cluster"].flatMap((g) =>
      [0, 1].map((n) => ({
        GroupName: `web-${g}-${n}`,
        State: "available",
        Strategy: g.startsWith("spread") ? "spread" : g,
        GroupId: `pg-${a}${g}${n}`,
        ...(g.startsWith("spread") ? { SpreadLevel: g === "spread-host" ? "host" : "rack" } : {}),
      })),
    ),
  });
  if (account.zonesExport) {
    documents.push({
      AvailabilityZones: NAMES.map((name, n) => ({ State: "available", OptInStatus: "opt-in-not-required", RegionName: "eu-west-1", ZoneName: name, ZoneId: account.zoneIds[n], ZoneType: "availability-zone" })),
    });
  }
  return documents;
}

const hidden = (i: Inst) => i.group === "none" || i.group === "cluster" || i.group === "dedicated-instance";
/** One spread or partition group: the only instances AWS keeps apart. */
const oneGroup = (x: Inst, y: Inst) => x.account === y.account && x.group === y.group && x.groupIndex === y.groupIndex && ["spread", "spread-host", "partition"].includes(x.group);

describe("the AWS connector never proves more than the provider data", () => {
  it("keeps two instances of one zone within RACK, and within VIRTUAL_MACHINE when a host may be shared (in two placement groups too), whatever the accounts and file order", () => {
    fc.assert(
      fc.property(fc.array(accountArb, { minLength: 2, maxLength: 2 }), fc.array(instanceArb, { minLength: 2, maxLength: 8 }), fc.boolean(), fc.nat(), (accounts, raw, split, seed) => {
        const instances: Inst[] = raw.map((r, n) => ({ ...r, id: `i-${n}${r.suffix}` }));
        const results = accounts.map((account, a) => {
          const documents = ec2Exports(
            account,
            a,
            instances.filter((i) => i.account === a),
            split,
          );
          const result = mapEc2(documents, { source: `aws-${a}`, settings: {} });
          // The order of the files changes nothing.
          expect(canonical(mapEc2(rotated(documents, seed), { source: `aws-${a}`, settings: {} }))).toEqual(canonical(result));
          return result;
        });
        const topology = topologyOf(results);
        for (const x of instances) {
          for (const y of instances) {
            if (x === y || x.zone !== y.zone) continue;
            expectAtMost(topology, vm(x.id), vm(y.id), "RACK", "are in one zone");
            // A Dedicated Host runs only the instances placed on it (never a hidden one), a
            // Dedicated Instance keeps other accounts off its hardware (not its own account's).
            const tenantOf = (i: Inst) => (i.otherTenant ? "initech" : TENANTS[i.account]);
            const dedicatedElsewhere = (d: Inst, o: Inst) => (d.group === "dedicated" && tenantOf(d) !== tenantOf(o)) || (d.group === "dedicated-instance" && d.account !== o.account);
            if ((hidden(x) || hidden(y)) && !dedicatedElsewhere(x, y) && !dedicatedElsewhere(y, x)) {
              expectAtMost(topology, vm(x.id), vm(y.id), "VIRTUAL_MACHINE", "may share a host");
            }
            // Two placement groups (of one account or two) promise nothing against each other.
            const twoDedicatedHosts = x.group === "dedicated" && y.group === "dedicated"; // known host ids: apart when they differ
            if (!oneGroup(x, y) && !twoDedicatedHosts && !dedicatedElsewhere(x, y) && !dedicatedElsewhere(y, x)) {
              expectAtMost(topology, vm(x.id), vm(y.id), "VIRTUAL_MACHINE", "are not in one placement group, so they may share a host");
            }
            const sameHost = x.account === y.account && ((x.group === "dedicated" && y.group === "dedicated") || (x.group === "partition" && y.group === "partition" && x.partition === y.partition));
            if (sameHost) expectAtMost(topology, vm(x.id), vm(y.id), "VIRTUAL_MACHINE", "may share a host (one Dedicated Host, or one partition)");
            // A host-level spread group (Outposts) keeps hosts apart, not racks.
            if (x.account === y.account && x.group === "spread-host" && y.group === "spread-host") expectAtMost(topology, vm(x.id), vm(y.id), "HOST", "are spread over hosts only");
          }
        }
      }),
      RUNS,
    );
  });
});

const NODE_KINDS = ["linked", "zone-id", "zone-name"] as const;
const nodeArb = fc.record({ zone: fc.nat(2), kind: fc.constantFrom(...NODE_KINDS), suffix: fc.stringMatching(/^[0-9A-Za-z]{1,6}$/) });
/** What in a pod's spec gives it its node's rights (docs/separation.md, "A privileged container"); hostNetwork alone does not. */
const RIGHTS: Record<string, Record<string, unknown>> = {
  none: {},
  hostNetwork: { hostNetwork: true },
  privileged: { containers: [{ name: "main", image: "nginx:1.27", securityContext: { privileged: true } }] },
  initPrivileged: { initContainers: [{ name: "init", image: "busybox:1.36", securityContext: { privileged: true } }] },
  ephemeralPrivileged: { ephemeralContainers: [{ name: "debugger", image: "busybox:1.36", securityContext: { privileged: true } }] },
  hostPID: { hostPID: true },
  hostIPC: { hostIPC: true },
  hostPath: { volumes: [{ name: "root", hostPath: { path: "/", type: "" } }] },
  sysAdmin: { containers: [{ name: "main", image: "nginx:1.27", securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }] },
};
const podArb = fc.record({ node: fc.nat(4), namespace: fc.constantFrom("shop", "analytics"), runtime: fc.constantFrom(undefined, "gvisor", "kata-qemu"), rights: fc.constantFrom(...Object.keys(RIGHTS)) });
/**
 * Whether the pod reaches its node past its own wall: its node's files (a hostPath volume) under
 * any runtime, shared into a Kata micro-VM too; any other node right unless a micro-VM holds it.
 */
const reachesNode = (p: { runtime: string | undefined; rights: string }) => p.rights === "hostPath" || (p.runtime !== "kata-qemu" && p.rights !== "none" && p.rights !== "hostNetwork");

describe("the Kubernetes connector on EKS never proves more than the provider data", () => {
  it("keeps pods within their node's VM and their node's zone, whether the node links to its instance or only names its zone", () => {
    fc.assert(
      fc.property(accountArb, fc.array(nodeArb, { minLength: 1, maxLength: 5 }), fc.array(podArb, { minLength: 1, maxLength: 8 }), fc.nat(2), fc.boolean(), (account, nodes, rawPods, otherZone, split) => {
        const nodeIds = nodes.map((n, k) => `i-${k}${n.suffix}`);
        const bare = { id: "i-Bare0", zone: otherZone };
        const instances: Inst[] = [...nodes.map((n, k) => ({ id: nodeIds[k], zone: n.zone })), bare].map((i) => ({ ...i, account: 0, group: "none", groupIndex: 0, partition: 0, zoneIdOnInstance: false }));
        const aws = mapEc2(ec2Exports({ ...account, zonesExport: true }, 0, instances, false), { source: "aws-prod", settings: { "default-tenant": "globex" } });
        const pods = rawPods.map((p, k) => ({ ...p, node: p.node % nodes.length, name: `${p.namespace}-${k}` }));
        const items = [
          ...nodes.map((n, k) => eksNode(`ip-10-0-${k}-1.eu-west-1.compute.internal`, nameIn(account, n.zone), ZONE_IDS[n.zone], n.kind, nodeIds[k])),
          ...pods.map((p) => pod(p.namespace, p.name, `ip-10-0-${p.node}-1.eu-west-1.compute.internal`, p.runtime, RIGHTS[p.rights])),
          namespace("shop", "acme"),
          namespace("analytics", "globex"),
        ];
        const lists = split ? [list(items.filter((_, k) => k % 2 === 0)), list(items.filter((_, k) => k % 2 === 1))] : [list(items)];
        const k8s = mapKubernetes(lists, { source: "eks-prod", settings: {} });
        expect(canonical(mapKubernetes(rotated(lists, 1), { source: "eks-prod", settings: {} }))).toEqual(canonical(k8s));
        const topology = topologyOf([aws, k8s]);
        for (const p of pods) {
          for (const q of pods) {
            if (p === q) continue;
            const [a, b] = [container(`${p.namespace}/${p.name}`), container(`${q.namespace}/${q.name}`)];
            if (p.node === q.node && (p.runtime !== "kata-qemu" || q.runtime !== "kata-qemu")) expectAtMost(topology, a, b, "SANDBOX", "run on one node, one outside a micro-VM");
            if (p.node === q.node && reachesNode(p)) expectAtMost(topology, a, b, "PROCESS", `run on one node, one reaching it past its wall (${p.rights}, ${p.runtime ?? "runc"})`);
            if (nodes[p.node].zone === nodes[q.node].zone) expectAtMost(topology, a, b, "VIRTUAL_MACHINE", "run on nodes of one zone, which may share a host");
          }
          if (nodes[p.node].zone === bare.zone) expectAtMost(topology, container(`${p.namespace}/${p.name}`), vm(bare.id), "VIRTUAL_MACHINE", "are in one zone with hidden hosts");
        }
      }),
      RUNS,
    );
  });
});

/** A node as `kubectl get nodes -o json` prints it on EKS. */
function eksNode(name: string, zoneName: string, zoneId: string, kind: (typeof NODE_KINDS)[number], instance: string) {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "topology.kubernetes.io/zone": zoneName,
        "topology.kubernetes.io/region": "eu-west-1",
        "eks.amazonaws.com/nodegroup": "general",
        ...(kind === "zone-name" ? {} : { "topology.k8s.aws/zone-id": zoneId }),
      },
    },
    spec: kind === "linked" ? { providerID: `aws:///${zoneName}/${instance}` } : {},
    status: { conditions: [{ type: "Ready", status: "True" }] },
  };
}

function pod(namespace: string, name: string, nodeName: string, runtimeClassName: string | undefined, rights: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels: { "app.kubernetes.io/name": namespace } },
    spec: { nodeName, ...(runtimeClassName ? { runtimeClassName } : {}), containers: [{ name: "main", image: "nginx:1.27" }], ...rights },
    status: { phase: "Running" },
  };
}

const namespace = (name: string, tenant: string) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "tenancy.io/tenant": tenant } }, status: { phase: "Active" } });

/** `kubectl get … -o json` wraps what it prints in a List. */
const list = (items: unknown[]) => ({ apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } });
