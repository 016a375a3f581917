import { describe, expect, it } from "vitest";
import { mapEc2 } from "../../src/connectors/aws/map-ec2.ts";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";
import { fixture, ids, record } from "./fixtures.ts";

const instances = fixture("aws", "describe-instances.json");
const zones = fixture("aws", "describe-availability-zones.json");
const groups = fixture("aws", "describe-placement-groups.json");
const valid = (snapshot: unknown) => {
  const checked = validateSnapshot(snapshot);
  return checked.ok ? [] : checked.problems;
};
const map = (documents: unknown[], settings: Record<string, string> = {}) => mapEc2(documents, { source: "aws-prod", settings });

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
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60001")).toEqual({ id: "i-0a1b2c3d4e5f60001", host: "aws-spread/eu-west-1a/checkout-spread/i-0a1b2c3d4e5f60001", tenant: "acme", workload: "checkout", dedicated: false });
    expect(record(snapshot, "hosts", "aws-spread/eu-west-1a/checkout-spread/i-0a1b2c3d4e5f60001")).toEqual({ id: "aws-spread/eu-west-1a/checkout-spread/i-0a1b2c3d4e5f60001", rack: "aws-spread/eu-west-1a/checkout-spread/i-0a1b2c3d4e5f60001" });
    expect(record(snapshot, "racks", "aws-spread/eu-west-1b/checkout-spread/i-0a1b2c3d4e5f60002")).toEqual({ id: "aws-spread/eu-west-1b/checkout-spread/i-0a1b2c3d4e5f60002", datacenter: "euw1-az1", powerDomains: [], networkDomains: [] });
  });

  it("gives each partition of a partition group one rack and one (conservatively shared) host", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60003").host).toBe("aws-partition/eu-west-1a/kafka-partitions/1");
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60004").host).toBe("aws-partition/eu-west-1a/kafka-partitions/2");
    expect(record(snapshot, "racks", "aws-partition/eu-west-1a/kafka-partitions/1").datacenter).toBe("euw1-az3");
  });

  it("keeps hosts hidden otherwise: the VM names its zone; a cluster group proves nothing", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60011")).toEqual({ id: "i-0a1b2c3d4e5f60011", datacenter: "euw1-az2", tenant: "platform", workload: null, dedicated: false });
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60010")).toEqual({ id: "i-0a1b2c3d4e5f60010", datacenter: "euw1-az3", tenant: "platform", workload: null, dedicated: false });
  });

  it("maps a Dedicated Host to a known host dedicated to the tenant, and dedicated tenancy to a dedicated VM", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60005")).toEqual({ id: "i-0a1b2c3d4e5f60005", host: "h-0123456789abcdef0", tenant: "globex", workload: "ledger", dedicated: true });
    expect(record(snapshot, "hosts", "h-0123456789abcdef0")).toEqual({ id: "h-0123456789abcdef0", datacenter: "euw1-az1", dedicatedTo: "globex" });
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60009")).toMatchObject({ datacenter: "euw1-az3", dedicated: true, tenant: "globex", workload: "analytics" });
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
    // Group members whose zone id is not known keep their own hosts, without racks (a rack needs a datacenter).
    const noZones = map([instances, groups]).snapshot;
    expect(record(noZones, "virtualMachines", "i-0a1b2c3d4e5f60002").host).toBe("aws-spread/eu-west-1b/checkout-spread/i-0a1b2c3d4e5f60002");
    expect(record(noZones, "hosts", "aws-spread/eu-west-1b/checkout-spread/i-0a1b2c3d4e5f60002")).toEqual({ id: "aws-spread/eu-west-1b/checkout-spread/i-0a1b2c3d4e5f60002" });
    expect(valid(noZones)).toEqual([]);
  });

  it("spreads a group with SpreadLevel host over hosts, not racks", () => {
    const hostLevel = { PlacementGroups: (groups as any).PlacementGroups.map((g: any) => (g.GroupName === "checkout-spread" ? { ...g, SpreadLevel: "host" } : g)) };
    const s = map([instances, zones, hostLevel]).snapshot;
    const key = "aws-spread-host/eu-west-1a/checkout-spread/i-0a1b2c3d4e5f60001";
    expect(record(s, "virtualMachines", "i-0a1b2c3d4e5f60001").host).toBe(key);
    expect(record(s, "hosts", key)).toEqual({ id: key, datacenter: "euw1-az3" });
    expect(ids(s, "racks").filter((r) => r.includes("checkout-spread"))).toEqual([]);
    expect(valid(s)).toEqual([]);
  });

  it("warns when two groups share a zone, since AWS keeps racks apart only within one group", () => {
    expect(warnings).toContainEqual({ subject: "euw1-az3", message: expect.stringMatching(/^placement groups checkout-spread, kafka-partitions share this zone/) });
  });

  it("produces a snapshot the contract accepts", () => {
    expect(valid(snapshot)).toEqual([]);
  });
});
