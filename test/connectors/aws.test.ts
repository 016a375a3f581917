import { describe, expect, it } from "vitest";
import { mapEc2 } from "../../src/connectors/aws/map-ec2.ts";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";
import { fixture, ids, record } from "./fixtures.ts";

const instances = fixture("aws", "describe-instances.json");
const zones = fixture("aws", "describe-availability-zones.json");
const groups = fixture("aws", "describe-placement-groups.json");
const map = (documents: unknown[], settings: Record<string, string> = {}) => mapEc2(documents, { source: "aws-prod", settings });

describe("the AWS EC2 connector", () => {
  const { snapshot, warnings } = map([instances, zones, groups]);

  it("makes each availability zone a datacenter keyed by its zone id, with its region", () => {
    expect(snapshot.datacenters).toEqual([
      { id: "euw1-az3", name: "eu-west-1a", provider: "aws", region: "eu-west-1" },
      { id: "euw1-az1", name: "eu-west-1b", provider: "aws", region: "eu-west-1" },
      { id: "euw1-az2", name: "eu-west-1c", provider: "aws", region: "eu-west-1" },
    ]);
  });

  it("leaves out instances that do not run, and those with no tenant, saying so", () => {
    expect(ids(snapshot, "virtualMachines")).toEqual(["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003", "i-0a1b2c3d4e5f60004", "i-0a1b2c3d4e5f60005", "i-0a1b2c3d4e5f60009", "i-0a1b2c3d4e5f60010", "i-0a1b2c3d4e5f60011"]);
    expect(warnings).toContainEqual({ subject: "describe-instances", message: "left out instances that do not run: 1 terminated, 1 stopped" });
    expect(warnings).toContainEqual({ subject: "i-0a1b2c3d4e5f60008", message: expect.stringMatching(/^no tenant: none of the tags tenant, Tenant is set/) });
  });

  it("gives each spread group member a rack and host of its own, so rack-level rules can be proven", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60001")).toEqual({ id: "i-0a1b2c3d4e5f60001", host: "aws-spread/euw1-az3/checkout-spread/i-0a1b2c3d4e5f60001", tenant: "acme", workload: "checkout", dedicated: false });
    expect(record(snapshot, "hosts", "aws-spread/euw1-az3/checkout-spread/i-0a1b2c3d4e5f60001")).toEqual({ id: "aws-spread/euw1-az3/checkout-spread/i-0a1b2c3d4e5f60001", rack: "aws-spread/euw1-az3/checkout-spread/i-0a1b2c3d4e5f60001" });
    expect(record(snapshot, "racks", "aws-spread/euw1-az1/checkout-spread/i-0a1b2c3d4e5f60002")).toEqual({ id: "aws-spread/euw1-az1/checkout-spread/i-0a1b2c3d4e5f60002", datacenter: "euw1-az1", powerDomains: [], networkDomains: [] });
  });

  it("gives each partition of a partition group one rack and one (conservatively shared) host", () => {
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60003").host).toBe("aws-partition/euw1-az3/kafka-partitions/1");
    expect(record(snapshot, "virtualMachines", "i-0a1b2c3d4e5f60004").host).toBe("aws-partition/euw1-az3/kafka-partitions/2");
    expect(record(snapshot, "racks", "aws-partition/euw1-az3/kafka-partitions/1").datacenter).toBe("euw1-az3");
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

  it("keys a zone by its name, with a warning, when the zone ids are not given; and says when a group's strategy is unknown", () => {
    const alone = map([instances]);
    expect(record(alone.snapshot, "virtualMachines", "i-0a1b2c3d4e5f60010")).toMatchObject({ datacenter: "eu-west-1a" });
    // The instance that carries its own AvailabilityZoneId needs no lookup.
    expect(record(alone.snapshot, "virtualMachines", "i-0a1b2c3d4e5f60001")).toMatchObject({ datacenter: "euw1-az3" });
    expect(alone.warnings).toContainEqual({ subject: "eu-west-1b", message: expect.stringMatching(/zone id is not known/) });
    expect(alone.warnings).toContainEqual({ subject: "i-0a1b2c3d4e5f60003", message: expect.stringMatching(/placement group kafka-partitions: its strategy is not known/) });
  });

  it("warns when two groups share a zone, since AWS keeps racks apart only within one group", () => {
    expect(warnings).toContainEqual({ subject: "euw1-az3", message: expect.stringMatching(/^placement groups checkout-spread, kafka-partitions share this zone/) });
  });

  it("produces a snapshot the contract accepts", () => {
    const checked = validateSnapshot(snapshot);
    expect(checked.ok ? [] : checked.problems).toEqual([]);
  });
});
