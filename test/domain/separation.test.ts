import { describe, expect, it } from "vitest";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { runtimeBoundary } from "../../src/domain/scale.ts";
import { separation } from "../../src/domain/separation.ts";
import type { UnitKind } from "../../src/domain/topology.ts";

/*
 * Hand-worked cases, one or more per rule of the contract's "Separation of two units".
 * Each names the two units as "kind:key" (c: container, v: VM, h: host).
 */
const KIND: Record<string, UnitKind> = { c: "container", v: "virtualMachine", h: "host" };
const ref = (s: string) => ({ kind: KIND[s.split(":")[0]], key: s.split(":")[1] });

/** A campus: ams1 and ams2 share a hazard zone, fra1 does not; moon1 is on the moon. */
const base: TopologyInput = {
  datacenters: [
    { id: "ams1", region: "eu-west", hazardZones: ["seismic:nl", "weather:north-sea"] },
    { id: "ams2", region: "eu-west", hazardZones: ["weather:north-sea"] },
    { id: "fra1", region: "eu-central", hazardZones: ["flood:rhine"] },
    { id: "az1", region: "us-east-1" },
    { id: "az2", region: "us-east-1" },
    { id: "az3", region: "us-west-2" },
    { id: "moon1", planet: "moon", hazardZones: ["meteorite"] },
  ],
  racks: [
    { id: "r1", datacenter: "ams1", powerDomains: ["pdu-a"], networkDomains: ["tor-1"] },
    { id: "r2", datacenter: "ams1", powerDomains: ["pdu-a"], networkDomains: ["tor-2"] },
    { id: "r3", datacenter: "ams1", powerDomains: ["pdu-b"], networkDomains: ["tor-2"] },
    { id: "r4", datacenter: "ams1", powerDomains: ["pdu-c"], networkDomains: ["tor-4"] },
    { id: "r5", datacenter: "ams2", powerDomains: ["pdu-x"], networkDomains: ["tor-x"] },
    { id: "r6", datacenter: "fra1" },
    { id: "r7", datacenter: "moon1" },
    { id: "r-no-power", datacenter: "ams1", networkDomains: ["tor-8"] },
    { id: "r-no-network", datacenter: "ams1", powerDomains: ["pdu-a"] },
  ],
  hosts: [
    { id: "h1", rack: "r1" },
    { id: "h1b", rack: "r1" },
    { id: "h2", rack: "r2" },
    { id: "h3", rack: "r3" },
    { id: "h4", rack: "r4" },
    { id: "h5", rack: "r5" },
    { id: "h6", rack: "r6" },
    { id: "h7", rack: "r7" },
    { id: "h-norack", datacenter: "ams1" },
    { id: "h-no-power", rack: "r-no-power" },
    { id: "h-no-network", rack: "r-no-network" },
    { id: "h-norack2", datacenter: "ams1" },
    { id: "h-nowhere" },
    { id: "h-dedicated", rack: "r4", dedicatedTo: "acme" },
    { id: "h-dangling-rack", rack: "r-unsynced" },
    { id: "h-dangling-rack2", rack: "r-unsynced" },
    { id: "h-other-dangling-rack", rack: "r-unsynced-2" },
    { id: "h-dangling-dc", datacenter: "dc-unsynced" },
    { id: "h-dangling-dc2", datacenter: "dc-unsynced-2" },
    { id: "h-platform", datacenter: "az1", dedicatedTo: "platform" },
    // Names fra1, but its rack r1 is in ams1: in one of the two, nobody knows which.
    { id: "h-torn", rack: "r1", datacenter: "fra1" },
  ],
  virtualMachines: [
    { id: "v1", host: "h1", tenant: "acme" },
    { id: "v1b", host: "h1", tenant: "globex" },
    { id: "v1c", host: "h1b", tenant: "globex" },
    { id: "v2", host: "h2", tenant: "globex" },
    { id: "v3", host: "h3", tenant: "globex" },
    { id: "v4", host: "h4", tenant: "globex" },
    { id: "v5", host: "h5", tenant: "globex" },
    { id: "v6", host: "h6", tenant: "globex" },
    { id: "v7", host: "h7", tenant: "globex" },
    { id: "v-norack", host: "h-norack", tenant: "acme" },
    { id: "v-no-power", host: "h-no-power", tenant: "globex" },
    { id: "v-no-network", host: "h-no-network", tenant: "globex" },
    { id: "v-norack2", host: "h-norack2", tenant: "globex" },
    { id: "v-nowhere-host", host: "h-nowhere", tenant: "acme" },
    { id: "cloud1", datacenter: "az1", tenant: "acme" },
    { id: "cloud2", datacenter: "az1", tenant: "globex" },
    { id: "cloud3", datacenter: "az2", tenant: "globex" },
    { id: "cloud4", datacenter: "az3", tenant: "globex" },
    { id: "cloud-ams1", datacenter: "ams1", tenant: "globex" },
    { id: "cloud-dedicated", datacenter: "az1", tenant: "acme", dedicated: true },
    { id: "cloud-acme2", datacenter: "az1", tenant: "acme" },
    { id: "v-on-dedicated-host", host: "h-dedicated", tenant: "acme" },
    { id: "cloud-ams1-globex", datacenter: "ams1", tenant: "globex" },
    { id: "v-unplaced", tenant: "globex" },
    { id: "v-on-dangling-host", host: "h-unsynced", tenant: "acme" },
    { id: "v-on-dangling-host2", host: "h-unsynced", tenant: "globex" },
    { id: "v-on-other-dangling-host", host: "h-unsynced-2", tenant: "globex" },
    { id: "v-dangling-rack", host: "h-dangling-rack", tenant: "acme" },
    { id: "v-dangling-rack2", host: "h-dangling-rack2", tenant: "globex" },
    { id: "v-other-dangling-rack", host: "h-other-dangling-rack", tenant: "globex" },
    { id: "v-dangling-dc", host: "h-dangling-dc", tenant: "acme" },
    { id: "v-dangling-dc2", host: "h-dangling-dc2", tenant: "globex" },
    { id: "cloud-dangling-dc", datacenter: "dc-unsynced", tenant: "acme" },
    { id: "kubevirt", container: "c-launcher", tenant: "acme" },
    { id: "v-in-dangling-container", container: "c-unsynced", tenant: "acme" },
    { id: "v-in-dangling-container2", container: "c-unsynced", tenant: "globex" },
    // A platform's nodes (EKS on dedicated tenancy): dedicated VMs, and a host dedicated to it.
    { id: "n1", datacenter: "az1", tenant: "platform", dedicated: true },
    { id: "n2", datacenter: "az1", tenant: "platform", dedicated: true },
    { id: "n3", host: "h-platform", tenant: "platform" },
    { id: "n4", datacenter: "az1", tenant: "platform" },
    // A KubeVirt VM flagged dedicated, inside a pod on the platform's shared node n4.
    { id: "kubevirt-dedicated", container: "c-launcher-n4", tenant: "acme", dedicated: true },
    { id: "v-torn", host: "h-torn", tenant: "acme" },
    { id: "cloud-fra1", datacenter: "fra1", tenant: "globex" },
  ],
  containers: [
    { id: "c1", virtualMachine: "v1", runtime: "runc", tenant: "acme" },
    { id: "c1b", virtualMachine: "v1", runtime: "runc", tenant: "globex" },
    { id: "c1-crun", virtualMachine: "v1", runtime: "crun", tenant: "globex" },
    { id: "c1-gvisor", virtualMachine: "v1", runtime: "gvisor", tenant: "globex" },
    { id: "c1-gvisor2", virtualMachine: "v1", runtime: "runsc", tenant: "acme" },
    { id: "c1-kata", virtualMachine: "v1", runtime: "kata", tenant: "acme" },
    { id: "c1-firecracker", virtualMachine: "v1", runtime: "firecracker", tenant: "globex" },
    { id: "c-on-h1", host: "h1", runtime: "runc", tenant: "globex" },
    { id: "c-in-v1b", virtualMachine: "v1b", runtime: "runc", tenant: "globex" },
    { id: "c-launcher", virtualMachine: "v1", runtime: "runc", tenant: "acme" },
    { id: "c-in-kubevirt", virtualMachine: "kubevirt", tenant: "acme" },
    { id: "c-cloud1", virtualMachine: "cloud1", tenant: "acme" },
    { id: "c-cloud2", virtualMachine: "cloud2", tenant: "globex" },
    { id: "c-unplaced", tenant: "globex" },
    { id: "c-in-dangling-vm", virtualMachine: "vm-unsynced", tenant: "acme" },
    { id: "c-in-dangling-vm2", virtualMachine: "vm-unsynced", tenant: "globex", runtime: "gvisor" },
    { id: "c-pa", virtualMachine: "n1", tenant: "acme" },
    { id: "c-pb", virtualMachine: "n2", tenant: "globex" },
    { id: "c-pa-host", virtualMachine: "n3", tenant: "acme" },
    { id: "c-pb-hidden", virtualMachine: "n4", tenant: "globex" },
    { id: "c-platform-in-globex", virtualMachine: "cloud2", tenant: "platform" },
    { id: "c-launcher-n4", virtualMachine: "n4", tenant: "acme" },
    { id: "c-in-kubevirt-dedicated", virtualMachine: "kubevirt-dedicated", tenant: "acme" },
  ],
  tenants: [
    { id: "acme", organization: "acme" },
    { id: "globex", organization: "globex" },
  ],
};
const topology = buildTopology(base);

type Case = [rule: string, a: string, b: string, actual: string, possible: string, shared: string];
const CASES: Case[] = [
  // 1. one contains the other
  ["container in its VM", "c:c1", "v:v1", "PROCESS", "PROCESS", "UNIT virtualMachine:v1 contains"],
  ["container in a VM on the host", "h:h1", "c:c1", "PROCESS", "PROCESS", "UNIT host:h1 contains"],
  ["a VM inside a container (KubeVirt)", "c:c-launcher", "v:kubevirt", "PROCESS", "PROCESS", "UNIT container:c-launcher contains"],
  ["a container in a KubeVirt VM, further down", "v:v1", "c:c-in-kubevirt", "PROCESS", "PROCESS", "UNIT virtualMachine:v1 contains"],
  // 2. sharing a compute unit: each side's strongest wall below it, the weaker of the two
  ["two runc containers on one VM", "c:c1", "c:c1b", "CONTAINER", "CONTAINER", "UNIT virtualMachine:v1"],
  ["crun is a container", "c:c1", "c:c1-crun", "CONTAINER", "CONTAINER", "UNIT virtualMachine:v1"],
  ["gVisor beside runc: the weaker side", "c:c1-gvisor", "c:c1", "CONTAINER", "CONTAINER", "UNIT virtualMachine:v1"],
  ["gVisor beside runsc", "c:c1-gvisor", "c:c1-gvisor2", "SANDBOX", "SANDBOX", "UNIT virtualMachine:v1"],
  ["kata beside firecracker", "c:c1-kata", "c:c1-firecracker", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "UNIT virtualMachine:v1"],
  ["kata beside gVisor", "c:c1-kata", "c:c1-gvisor", "SANDBOX", "SANDBOX", "UNIT virtualMachine:v1"],
  ["two VMs on one host", "v:v1", "v:v1b", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "UNIT host:h1"],
  ["runc container on host h beside a VM on h", "c:c-on-h1", "v:v1", "CONTAINER", "CONTAINER", "UNIT host:h1"],
  ["runc container in VM v1 on h beside VM v2 on h", "c:c1", "v:v1b", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "UNIT host:h1"],
  ["containers in two VMs on one host", "c:c1", "c:c-in-v1b", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "UNIT host:h1"],
  ["a container in a KubeVirt VM beside a container of the same outer VM", "c:c-in-kubevirt", "c:c1b", "CONTAINER", "CONTAINER", "UNIT virtualMachine:v1"],
  ["the KubeVirt VM beside a container of the outer VM", "v:kubevirt", "c:c1b", "CONTAINER", "CONTAINER", "UNIT virtualMachine:v1"],
  // 3. different hosts
  ["same rack", "v:v1", "v:v1c", "HOST", "HOST", "RACK r1"],
  ["racks sharing a power domain", "v:v1", "v:v2", "HOST", "HOST", "POWER_DOMAIN pdu-a"],
  ["racks sharing a network domain", "v:v2", "v:v3", "HOST", "HOST", "NETWORK_DOMAIN tor-2"],
  ["separate racks of one datacenter", "v:v1", "v:v4", "RACK", "RACK", "DATACENTER ams1"],
  // A rack listing no power (or no network) domain may hang on any: unknown, not none.
  ["a rack that lists no power domain", "v:v4", "v:v-no-power", "HOST", "RACK", "DATACENTER ams1"],
  ["a rack that lists no network domain", "v:v4", "v:v-no-network", "HOST", "RACK", "DATACENTER ams1"],
  ["a rack that lists no network domain, sharing a listed power domain", "v:v1", "v:v-no-network", "HOST", "HOST", "POWER_DOMAIN pdu-a"],
  ["datacenters sharing a hazard zone", "v:v1", "v:v5", "DATACENTER", "DATACENTER", "HAZARD_ZONE weather:north-sea"],
  ["datacenters with no hazard zone in common", "v:v1", "v:v6", "HAZARD_ZONE", "HAZARD_ZONE", "PLANET earth"],
  ["different planets", "v:v1", "v:v7", "PLANET", "PLANET", "NOTHING"],
  ["hosts themselves, same rack", "h:h1", "h:h1b", "HOST", "HOST", "RACK r1"],
  // rule 3 across hidden hosts: datacenters known to differ
  ["cloud zones listing no hazard zone, one region", "v:cloud1", "v:cloud3", "DATACENTER", "DATACENTER", "REGION us-east-1"],
  ["cloud zones listing no hazard zone, two regions", "v:cloud1", "v:cloud4", "HAZARD_ZONE", "HAZARD_ZONE", "PLANET earth"],
  ["a zone listing none beside one listing some", "v:cloud1", "v:v1", "HAZARD_ZONE", "HAZARD_ZONE", "PLANET earth"],
  // 4. unknown placement
  ["two cloud VMs in one zone, hosts hidden", "v:cloud1", "v:cloud2", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  ["containers in two hidden-host VMs: each side counts its VM", "c:c-cloud1", "c:c-cloud2", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  ["a hidden-host VM beside a known host's VM in one datacenter", "v:cloud-ams1", "v:v1", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST ams1"],
  ["a hidden-host VM beside a host itself: might run on it", "v:cloud-ams1", "h:h1", "PROCESS", "RACK", "POSSIBLE_HOST ams1"],
  ["a VM with no placement at all", "v:v-unplaced", "v:cloud1", "VIRTUAL_MACHINE", "PLANET", "POSSIBLE_HOST az1"],
  ["a container with no placement beside a VM: its runc wall only", "c:c-unplaced", "v:cloud1", "CONTAINER", "PLANET", "POSSIBLE_HOST az1"],
  ["dedicated VM, other tenant: no shared host", "v:cloud-dedicated", "v:cloud2", "HOST", "RACK", "POSSIBLE_HOST az1"],
  ["dedicated VM, same tenant: may share", "v:cloud-dedicated", "v:cloud-acme2", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  ["dedicated on the other side counts too", "v:cloud2", "v:cloud-dedicated", "HOST", "RACK", "POSSIBLE_HOST az1"],
  ["host dedicated to acme, hidden globex VM in its datacenter", "v:v-on-dedicated-host", "v:cloud-ams1-globex", "HOST", "RACK", "POSSIBLE_HOST ams1"],
  // dedication keeps off other tenants' host-level units (VMs on the machine), not whose containers run in them
  ["other tenants' containers in one platform's dedicated nodes: may share", "c:c-pa", "c:c-pb", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  ["a host dedicated to the platform, and a container in its hidden node", "c:c-pa-host", "c:c-pb-hidden", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  ["a platform's dedicated node keeps off another tenant's VM", "c:c-pa", "v:cloud2", "HOST", "RACK", "POSSIBLE_HOST az1"],
  ["a container in a platform's node is kept off another tenant's dedicated VM", "c:c-pb", "v:cloud-dedicated", "HOST", "RACK", "POSSIBLE_HOST az1"],
  ["never more than before: the reserved tenant's own container in another's VM", "v:n1", "c:c-platform-in-globex", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  // dedication is about the machine a VM sits on: a VM inside a container sits on none of its own
  ["a dedicated flag on a VM inside a pod keeps nobody off the node's machine", "v:kubevirt-dedicated", "v:cloud2", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  ["nor does it for a container inside that VM", "c:c-in-kubevirt-dedicated", "c:c-cloud2", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST az1"],
  ["a dangling host-level unit: dedication rules nothing out", "c:c-in-dangling-vm2", "v:cloud-dedicated", "VIRTUAL_MACHINE", "PLANET", "POSSIBLE_HOST az1"],
  ["different hosts, racks unknown, one datacenter", "v:v-norack", "v:v-norack2", "HOST", "RACK", "DATACENTER ams1"],
  ["different hosts, one rack unknown, one datacenter", "v:v-norack", "v:v1b", "HOST", "RACK", "DATACENTER ams1"],
  ["different hosts, nothing known of one", "v:v-nowhere-host", "v:v1b", "HOST", "PLANET", "NOTHING"],
  // dangling references
  ["two VMs on dangling host h: they share it", "v:v-on-dangling-host", "v:v-on-dangling-host2", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "UNIT host:h-unsynced"],
  // a name nobody described says nothing about which machine it is (another account's slot, another source's host)
  ["two different dangling hosts: may be one machine", "v:v-on-dangling-host", "v:v-on-other-dangling-host", "VIRTUAL_MACHINE", "PLANET", "POSSIBLE_HOST null"],
  ["a dangling host and a synced one: may be one machine", "v:v-on-dangling-host", "v:v1b", "VIRTUAL_MACHINE", "PLANET", "POSSIBLE_HOST ams1"],
  ["containers in one dangling VM: it is still a VM they share", "c:c-in-dangling-vm", "c:c-in-dangling-vm2", "CONTAINER", "CONTAINER", "UNIT virtualMachine:vm-unsynced"],
  ["a dangling container still counts as runc", "v:v-in-dangling-container", "v:v-in-dangling-container2", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "UNIT container:c-unsynced"],
  ["a dangling VM vs a placed VM: may share a host", "c:c-in-dangling-vm", "v:v1b", "VIRTUAL_MACHINE", "PLANET", "POSSIBLE_HOST ams1"],
  ["hosts in one dangling rack", "v:v-dangling-rack", "v:v-dangling-rack2", "HOST", "HOST", "RACK r-unsynced"],
  ["hosts in two dangling racks", "v:v-dangling-rack", "v:v-other-dangling-rack", "HOST", "PLANET", "NOTHING"],
  ["two different dangling datacenters", "v:v-dangling-dc", "v:v-dangling-dc2", "DATACENTER", "PLANET", "NOTHING"],
  ["a dangling datacenter beside a synced one", "v:cloud-dangling-dc", "v:v1", "DATACENTER", "PLANET", "NOTHING"],
  ["a host and a hidden VM in one dangling datacenter", "v:v-dangling-dc", "v:cloud-dangling-dc", "VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST dc-unsynced"],
  // a host naming a datacenter other than its rack's: it may be in either, so neither its rack nor its datacenter is read
  ["a host in one of two datacenters, and a hidden VM in the one it names", "v:v-torn", "v:cloud-fra1", "VIRTUAL_MACHINE", "PLANET", "POSSIBLE_HOST fra1"],
  ["a host in one of two datacenters, and a hidden VM in its rack's", "v:v-torn", "v:cloud-ams1", "VIRTUAL_MACHINE", "PLANET", "POSSIBLE_HOST ams1"],
  ["a host in one of two datacenters, and a host of the rack it names", "v:v-torn", "v:v1c", "HOST", "PLANET", "NOTHING"],
  ["a host in one of two datacenters, and a host of a third", "v:v-torn", "v:v7", "HOST", "PLANET", "NOTHING"],
];

const sharedText = (s: ReturnType<typeof separation>["shared"]) => {
  switch (s.kind) {
    case "UNIT":
      return `UNIT ${s.unit.kind}:${s.unit.key}${s.contains ? " contains" : ""}`;
    case "POSSIBLE_HOST":
      return `POSSIBLE_HOST ${s.datacenter}`;
    case "NOTHING":
      return "NOTHING";
    default:
      return `${s.kind} ${s.key}`;
  }
};

describe("separation of two units: the contract's rules by hand", () => {
  it.each(CASES)("%s (%s / %s)", (_rule, a, b, actual, possible, shared) => {
    const forward = separation(topology, ref(a), ref(b));
    expect({ actual: forward.actual, possible: forward.possible, shared: sharedText(forward.shared) }).toEqual({ actual, possible, shared });
    // The same from the other side.
    const backward = separation(topology, ref(b), ref(a));
    expect([backward.actual, backward.possible]).toEqual([actual, possible]);
  });

  it("maps runtimes to walls", () => {
    expect(["runc", "crun", "youki", "gvisor", "runsc", "kata", "firecracker", "GVisor"].map(runtimeBoundary)).toEqual(["CONTAINER", "CONTAINER", "CONTAINER", "SANDBOX", "SANDBOX", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "SANDBOX"]);
  });
});
