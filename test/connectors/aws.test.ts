import { describe, expect, it } from "vitest";
import { mapEc2 } from "../../src/connectors/aws/map-ec2.ts";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";
import { fixture, ids, record } from "./fixtures.ts";
import { topologyOf, vm } from "./truth-support.ts";
import { separation } from "../../src/domain/separation.ts";

const instances = fixture("aws", "describe-instances.json");
const zones = fixture("aws", "describe-availability-zones.json");
const groups = fixture("aws", "describe-placement-groups.json");
const valid = (snapshot: unknown) => {
  const checked = validateSnapshot(snapshot);
  return checked.ok ? [] : checked.problems;
};
const map = (documents: unknown[], settings: Record<string, string> = {}) => mapEc2(documents, { source: "aws-prod", settings });

/** The exports with each group's GroupId, as newer CLI versions print it on instances too. */
function snapshotWithGroupIds() {
  const ids: Record<string, string> = { "checkout-spread": "pg-0checkout", "kafka-partitions": "pg-0kafka" };
  const withIds = JSON.parse(JSON.stringify(instances), (key, value) => (value && typeof value === "object" && typeof value.GroupName === "string" && ids[value.GroupName] ? { ...value, GroupId: ids[value.GroupName] } : value));
  const groupsWithIds = JSON.parse(JSON.stringify(groups), (key, value) => (value && typeof value === "object" && typeof value.GroupName === "string" && ids[value.GroupName] ? { ...value, GroupId: ids[value.GroupName] } : value));
  return map([withIds, zones, groupsWithIds]);
}

describe("the AWS EC2 connector", () => {
  const { snapshot, warnings } = map([instances, zones, groups]);

  it("makes each availability zone a datacenter keyed by its zone id, with its region", () => {
    // No name: eu-west-1a is another zone in another account, and every account describing euw1-az3 must agree on it.
    expect(snapshot.datacenters).toEqual([
      { id: "euw1-az3", provider: "aws", region: "eu-west-1" },
      { id: "euw1-az1", provider: "aws", region: "eu-west-1" },
      { id: "euw1-az2", provider: "aws", region: "eu-west-1" },
    ]);
  });

  it("leaves out instances that do not run, and those with no tenant, saying so", () => {
    expect(ids(snapshot, "virtualMachines")).toEqual(["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003", "i-0a1b2c3d4e5f60004", "i-0a1b2c3d4e5f60005", "i-0a1b2c3d4e5f60009", "i-0a1b2c3d4e5f60010", "i-0a1b2c3d4e5f60011"]);
    expect(warnings).toContainEqual({ subject: "describe-instances", message: "left out instances that do not run: 1 terminated, 1 stopped" });
    expect(warnings).toContainEqual({ subject: "i-0a1b2c3d4e5f60008", message: expect.stringMatching(/^no tenant: none of the tags tenant, Tenant is set/) });
  });

  it("gives each spread group member a rack and host of its own, so rack-level rules can be proven", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60001")).toEqual({ id: "i-0a1b2c3d4e5f60001", host: "aws-spread/euw1-az3/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60001", tenant: "acme", workload: "checkout", dedicated: false });
    // A slot of the group, keyed and named by the zone's and the group's ids (the group's from describe-placement-groups: these instances do not print it).
    expect(record(snapshot, "hosts", "aws-spread/euw1-az3/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60001")).toEqual({
      id: "aws-spread/euw1-az3/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60001",
      rack: "aws-spread/euw1-az3/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60001",
      placementGroup: "aws/pg-0a1b2c3d4e5f60001",
    });
    // Without any group id, the slot and its group are named within this account: group names repeat across accounts.
    const noIds = JSON.parse(JSON.stringify(groups), (key, value) => (key === "GroupId" ? undefined : value));
    const key = "aws-spread/123456789012/eu-west-1a/checkout-spread/i-0a1b2c3d4e5f60001";
    expect(record(map([instances, zones, noIds]).snapshot, "hosts", key)).toMatchObject({ placementGroup: "aws/123456789012/checkout-spread" });
    expect(record(snapshot, "racks", "aws-spread/euw1-az1/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60002")).toEqual({
      id: "aws-spread/euw1-az1/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60002",
      datacenter: "euw1-az1",
      // AWS gives each such rack its own power and network: listed, so its rack is proven apart.
      powerDomains: ["aws-spread/euw1-az1/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60002/power"],
      networkDomains: ["aws-spread/euw1-az1/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60002/network"],
    });
  });

  it("gives each partition of a partition group one rack and one (conservatively shared) host", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60003").host).toBe("aws-partition/euw1-az3/pg-0a1b2c3d4e5f60002/1");
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60004").host).toBe("aws-partition/euw1-az3/pg-0a1b2c3d4e5f60002/2");
    expect(record(snapshot, "racks", "aws-partition/euw1-az3/pg-0a1b2c3d4e5f60002/1").datacenter).toBe("euw1-az3");
  });

  it("keeps hosts hidden otherwise: the VM names its zone; a cluster group proves nothing", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60011")).toEqual({ id: "i-0a1b2c3d4e5f60011", datacenter: "euw1-az2", tenant: "platform", workload: null, dedicated: false });
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60010")).toEqual({ id: "i-0a1b2c3d4e5f60010", datacenter: "euw1-az3", tenant: "platform", workload: null, dedicated: false });
  });

  it("maps a Dedicated Host to a known host dedicated to the tenant, and dedicated tenancy to a VM dedicated when its account holds one tenant", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60005")).toEqual({ id: "i-0a1b2c3d4e5f60005", host: "h-0123456789abcdef0", tenant: "globex", workload: "ledger", dedicated: true });
    expect(record(snapshot, "hosts", "h-0123456789abcdef0")).toEqual({ id: "h-0123456789abcdef0", datacenter: "euw1-az1", dedicatedTo: "globex" });
    // A Dedicated Instance keeps other accounts off its hardware; this account also holds acme's
    // instances, which may share it: not dedicated to globex.
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60009")).toMatchObject({ datacenter: "euw1-az3", dedicated: false, tenant: "globex", workload: "analytics" });
    expect(warnings).toContainEqual({ subject: "account 123456789012", message: expect.stringMatching(/^dedicated tenancy keeps other accounts off an instance's hardware, not this account's other tenants \(acme, globex, platform\)/) });
    // An account of one tenant: its Dedicated Instances are that tenant's.
    const solo = map([instances, zones, groups], { "tenant-tag": "no-such-tag", "default-tenant": "solo" });
    expect(record(solo.snapshot, "virtualMachines", "i-0a1b2c3d4e5f60009")).toMatchObject({ dedicated: true, tenant: "solo" });
    expect(solo.warnings.filter((w) => /dedicated tenancy/.test(w.message))).toEqual([]);
  });

  it("names a Dedicated Host that describe-hosts shows another account to own, and leaves describing it to the owner's source", () => {
    const hosts = (owner: string) => ({
      Hosts: [{ HostId: "h-0123456789abcdef0", OwnerId: owner, AvailabilityZone: "eu-west-1c", State: "available", Instances: [{ InstanceId: "i-0a1b2c3d4e5f60005", InstanceType: "m5.large", OwnerId: "123456789012" }] }],
    });
    const shared = map([instances, zones, groups, hosts("999999999999")]).snapshot;
    expect(record(shared, "virtualMachines", "i-0a1b2c3d4e5f60005")).toMatchObject({ host: "h-0123456789abcdef0", dedicated: true });
    expect(ids(shared, "hosts")).not.toContain("h-0123456789abcdef0");
    expect(valid(shared)).toEqual([]);
    // Its own host: described as before.
    expect(ids(map([instances, zones, groups, hosts("123456789012")]).snapshot, "hosts")).toContain("h-0123456789abcdef0");
    // A document of none of these kinds is named in a warning (a braces slip once swallowed it).
    expect(map([instances, zones, groups, { Volumes: [] }]).warnings).toContainEqual({ subject: "document 4", message: expect.stringMatching(/^not describe-instances/) });
  });

  it("takes tenant and workload from the configured tag keys, and a default tenant for the untagged", () => {
    expect(snapshot.workloads).toEqual([
      { id: "checkout", tenant: "acme" },
      { id: "kafka", tenant: "acme" },
      { id: "ledger", tenant: "globex" },
      { id: "analytics", tenant: "globex" },
    ]);
    const custom = map([instances, zones, groups], { "tenant-tag": "Name", "workload-tag": "eks:cluster-name", "default-tenant": "shared" }).snapshot;
    expect(record(custom, "virtualMachines", "i-0a1b2c3d4e5f60008")).toMatchObject({ tenant: "bastion", workload: null });
    expect(record(custom, "virtualMachines", "i-0a1b2c3d4e5f60010")).toMatchObject({ tenant: "shared", workload: "prod" });
  });

  it("names no datacenter when a zone's id is not given (its name means another zone in another account); says when a group's strategy is unknown", () => {
    const alone = map([instances]);
    expect(record(alone.snapshot, "virtualMachines", "i-0a1b2c3d4e5f60010")).toMatchObject({ datacenter: null });
    expect(ids(alone.snapshot, "datacenters")).toEqual(["euw1-az3"]);
    // The instance that carries its own AvailabilityZoneId needs no lookup.
    expect(record(alone.snapshot, "virtualMachines", "i-0a1b2c3d4e5f60001")).toMatchObject({ datacenter: "euw1-az3" });
    expect(alone.warnings).toContainEqual({ subject: "eu-west-1b", message: expect.stringMatching(/zone id is not known .*its instances' datacenter is unknown/) });
    expect(alone.warnings).toContainEqual({ subject: "i-0a1b2c3d4e5f60003", message: expect.stringMatching(/placement group kafka-partitions: its strategy is not known/) });
    // Group members whose zone id is not known keep their own hosts, without racks (a rack needs a
    // datacenter), in a group named within their account (the zone's name means another zone elsewhere).
    const noZones = map([instances, groups]).snapshot;
    const key = "aws-spread/123456789012/eu-west-1b/checkout-spread/i-0a1b2c3d4e5f60002";
    expect(record(noZones, "virtualMachines", "i-0a1b2c3d4e5f60002").host).toBe(key);
    expect(record(noZones, "hosts", key)).toEqual({ id: key, placementGroup: "aws/123456789012/checkout-spread" });
    expect(valid(noZones)).toEqual([]);
  });

  it("spreads a group with SpreadLevel host over hosts, not racks", () => {
    const hostLevel = { PlacementGroups: (groups as any).PlacementGroups.map((g: any) => (g.GroupName === "checkout-spread" ? { ...g, SpreadLevel: "host" } : g)) };
    const s = map([instances, zones, hostLevel]).snapshot;
    const key = "aws-spread-host/euw1-az3/pg-0a1b2c3d4e5f60001/i-0a1b2c3d4e5f60001";
    expect(record(s, "virtualMachines", "i-0a1b2c3d4e5f60001").host).toBe(key);
    expect(record(s, "hosts", key)).toEqual({ id: key, datacenter: "euw1-az3", placementGroup: "aws/pg-0a1b2c3d4e5f60001" });
    expect(ids(s, "racks").filter((r) => r.includes("checkout-spread"))).toEqual([]);
    expect(valid(s)).toEqual([]);
  });

  it("keeps racks apart within one group only: members of two groups in one zone may share a host", () => {
    const topology = topologyOf([snapshotWithGroupIds()]);
    // i-…01 (checkout-spread) and i-…03 (kafka-partitions, partition 1) are both in euw1-az3.
    expect(separation(topology, vm("i-0a1b2c3d4e5f60001"), vm("i-0a1b2c3d4e5f60003"))).toMatchObject({ actual: "VIRTUAL_MACHINE", possible: "RACK" });
    // Two partitions of one group: racks apart, as AWS promises.
    expect(separation(topology, vm("i-0a1b2c3d4e5f60003"), vm("i-0a1b2c3d4e5f60004"))).toMatchObject({ actual: "RACK", possible: "RACK" });
    // The group's id, where the export gives it, names the group across accounts.
    expect(record(snapshotWithGroupIds().snapshot, "hosts", "aws-partition/euw1-az3/pg-0kafka/1")).toMatchObject({ placementGroup: "aws/pg-0kafka" });
    expect(warnings.filter((w) => /share this zone/.test(w.message))).toEqual([]);
  });

  it("matches a partition group shared through AWS RAM by zone id and group id, and leaves describing its slots to the owner's source", () => {
    // One group of account 111…, shared with 222…; euw1-az3 is eu-west-1a in one account and eu-west-1c in the other.
    const arn = "arn:aws:ec2:eu-west-1:111111111111:placement-group/kafka-shared";
    const sharedGroup = { PlacementGroups: [{ GroupName: "kafka-shared", GroupId: "pg-0shared", GroupArn: arn, Strategy: "partition", PartitionCount: 3, State: "available" }] };
    const zonesOf = (name: string) => ({ AvailabilityZones: [{ ZoneName: name, ZoneId: "euw1-az3", RegionName: "eu-west-1", State: "available" }] });
    const member = (id: string, zone: string, partition: number) => ({
      InstanceId: id,
      State: { Name: "running" },
      Placement: { AvailabilityZone: zone, GroupName: "kafka-shared", GroupId: "pg-0shared", PartitionNumber: partition, Tenancy: "default" },
      Tags: [{ Key: "tenant", Value: "acme" }],
    });
    const exportOf = (account: string, zone: string, members: [string, number][]) => ({ Reservations: [{ OwnerId: account, Instances: members.map(([id, p]) => member(id, zone, p)) }] });
    const owner = mapEc2([exportOf("111111111111", "eu-west-1a", [["i-a1", 1]]), zonesOf("eu-west-1a"), sharedGroup], { source: "aws-a", settings: {} });
    const participant = mapEc2(
      [
        exportOf("222222222222", "eu-west-1c", [
          ["i-b1", 1],
          ["i-b2", 2],
        ]),
        zonesOf("eu-west-1c"),
        sharedGroup,
      ],
      { source: "aws-b", settings: {} },
    );
    // The participant names the owner's slots and describes none (two sources describing one would be refused).
    expect(record(participant.snapshot, "virtualMachines", "i-b1").host).toBe("aws-partition/euw1-az3/pg-0shared/1");
    expect(ids(participant.snapshot, "hosts")).toEqual([]);
    expect(ids(participant.snapshot, "racks")).toEqual([]);
    const topology = topologyOf([owner, participant]);
    // One partition in both accounts: one slot, shared; never RACK.
    expect(separation(topology, vm("i-a1"), vm("i-b1")).actual).toBe("VIRTUAL_MACHINE");
    // Without the zone's id the participant's member cannot be matched with the owner's slot: no group (it might share a host).
    const blind = mapEc2([exportOf("222222222222", "eu-west-1c", [["i-b1", 1]]), sharedGroup], { source: "aws-b", settings: {} });
    expect(record(blind.snapshot, "virtualMachines", "i-b1").host).toBeUndefined();
    expect(blind.warnings).toContainEqual({ subject: "i-b1", message: expect.stringMatching(/is account 111111111111's, shared with this one/) });
    expect(separation(topologyOf([owner, blind]), vm("i-a1"), vm("i-b1")).actual).toBe("VIRTUAL_MACHINE");
    // Once the owner's source describes the partitions, the participant's members are matched with them: apart as the group's racks are.
    const owner2 = mapEc2(
      [
        exportOf("111111111111", "eu-west-1a", [
          ["i-a1", 1],
          ["i-a2", 2],
        ]),
        zonesOf("eu-west-1a"),
        sharedGroup,
      ],
      { source: "aws-a", settings: {} },
    );
    const matched = topologyOf([owner2, participant]);
    expect(separation(matched, vm("i-b2"), vm("i-a1"))).toMatchObject({ actual: "RACK", possible: "RACK" });
    expect(separation(matched, vm("i-b1"), vm("i-b2"))).toMatchObject({ actual: "RACK", possible: "RACK" });
  });

  /** One member per group, each group another account's, shared with account 222… (AWS RAM); the zone is euw1-az3. */
  function participantOf(members: { id: string; tenant: string; group: string; owner: string; strategy: "spread" | "partition"; partition?: number }[]) {
    const placementGroups = members.map((m) => ({ GroupName: m.group, GroupId: `pg-0${m.group}`, GroupArn: `arn:aws:ec2:eu-west-1:${m.owner}:placement-group/${m.group}`, Strategy: m.strategy, State: "available" }));
    const instance = (m: (typeof members)[number]) => ({
      InstanceId: m.id,
      State: { Name: "running" },
      Placement: { AvailabilityZone: "eu-west-1c", GroupName: m.group, GroupId: `pg-0${m.group}`, PartitionNumber: m.partition, Tenancy: "default" },
      Tags: [{ Key: "tenant", Value: m.tenant }],
    });
    return [{ Reservations: [{ OwnerId: "222222222222", Instances: members.map(instance) }] }, { AvailabilityZones: [{ ZoneName: "eu-west-1c", ZoneId: "euw1-az3", RegionName: "eu-west-1" }] }, { PlacementGroups: placementGroups }];
  }

  it("proves no host apart between members of two other accounts' partition groups before their owners are synced: the slots they name may be one machine", () => {
    const participant = mapEc2(
      participantOf([
        { id: "i-acme", tenant: "acme", group: "kafka", owner: "111111111111", strategy: "partition", partition: 1 },
        { id: "i-globex", tenant: "globex", group: "ledger", owner: "333333333333", strategy: "partition", partition: 1 },
      ]),
      { source: "aws-b", settings: {} },
    );
    // Named, not described: the owners' sources describe their partitions.
    expect(record(participant.snapshot, "virtualMachines", "i-acme").host).toBe("aws-partition/euw1-az3/pg-0kafka/1");
    expect(ids(participant.snapshot, "hosts")).toEqual([]);
    // Two groups keep racks apart within each only: the two partitions may be one machine.
    expect(separation(topologyOf([participant]), vm("i-acme"), vm("i-globex"))).toMatchObject({ actual: "VIRTUAL_MACHINE", possible: "PLANET" });
  });

  it("describes its own members' slots of a spread group another account owns (no other account lists them), as slots of the owner's group", () => {
    const participant = mapEc2(
      participantOf([
        { id: "i-b1", tenant: "acme", group: "web", owner: "111111111111", strategy: "spread" },
        { id: "i-b2", tenant: "globex", group: "db", owner: "333333333333", strategy: "spread" },
      ]),
      { source: "aws-b", settings: {} },
    );
    const slot = "aws-spread/euw1-az3/pg-0web/i-b1";
    expect(record(participant.snapshot, "virtualMachines", "i-b1").host).toBe(slot);
    expect(record(participant.snapshot, "hosts", slot)).toEqual({ id: slot, rack: slot, placementGroup: "aws/pg-0web" });
    const owner = mapEc2(
      [
        {
          Reservations: [
            {
              OwnerId: "111111111111",
              Instances: [{ InstanceId: "i-a1", State: { Name: "running" }, Placement: { AvailabilityZone: "eu-west-1a", AvailabilityZoneId: "euw1-az3", GroupName: "web", GroupId: "pg-0web" }, Tags: [{ Key: "tenant", Value: "initech" }] }],
            },
          ],
        },
        { PlacementGroups: [{ GroupName: "web", GroupId: "pg-0web", GroupArn: "arn:aws:ec2:eu-west-1:111111111111:placement-group/web", Strategy: "spread" }] },
      ],
      { source: "aws-a", settings: {} },
    );
    const topology = topologyOf([owner, participant]);
    // One group across the accounts: its members' racks apart, as AWS spreads them.
    expect(separation(topology, vm("i-a1"), vm("i-b1"))).toMatchObject({ actual: "RACK", possible: "RACK" });
    // Two groups: members may share a machine.
    expect(separation(topology, vm("i-b1"), vm("i-b2"))).toMatchObject({ actual: "VIRTUAL_MACHINE", possible: "RACK" });
  });

  it("produces a snapshot the contract accepts", () => {
    expect(valid(snapshot)).toEqual([]);
  });
});
