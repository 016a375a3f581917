import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapAzure } from "../../src/connectors/azure/map-azure.ts";
import { mapEc2 } from "../../src/connectors/aws/map-ec2.ts";
import type { ConnectorResult } from "../../src/connectors/connector.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * Hosts that another account or subscription owns, over HTTP: each cloud account (AWS) or
 * subscription (Azure) is a source of its own, synced with its own sync token through
 * `syncInventory`, the verdicts read back with a compliance token. A connector only names such
 * a host (its owner's source describes it), and a name nobody has described proves no host
 * apart (docs/separation.md, "References to objects nobody synced").
 */
const ADMIN = "admin-token-for-cross-account-hosts";

let t: TestDatabase;
let service: RunningService;
let compliance: string;
beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url, { adminToken: ADMIN });
  compliance = await createToken(service.url, ADMIN, { name: "audit", role: "COMPLIANCE" });
}, 60_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
});

/** Syncs a connector's snapshot with a sync token of its own source; the run's status and errors. */
async function sync({ snapshot }: ConnectorResult) {
  const token = await createToken(service.url, ADMIN, { name: `sync-${snapshot.source}`, role: "SYNC", sources: [snapshot.source] });
  const { body } = await gqlAs(service.url, token, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { message } } }`, { s: snapshot });
  expect(body.errors).toBeUndefined();
  return body.data.syncInventory;
}

async function isolation(workload: string, tenant: string) {
  const { body } = await gqlAs(service.url, compliance, `{ isolation(workload: "${workload}", tenant: "${tenant}") { actual possible } }`);
  expect(body.errors).toBeUndefined();
  return body.data.isolation;
}

describe("AWS: members of other accounts' partition groups, named before their owners are synced", () => {
  /** Account 222… runs acme's kafka broker in partition 1 of 111…'s group, and globex's ledger in partition 1 of 333…'s (both shared through AWS RAM). */
  const zones = { AvailabilityZones: [{ ZoneName: "eu-west-1c", ZoneId: "euw1-az3", RegionName: "eu-west-1" }] };
  const group = (name: string, owner: string) => ({ GroupName: name, GroupId: `pg-0${name}`, GroupArn: `arn:aws:ec2:eu-west-1:${owner}:placement-group/${name}`, Strategy: "partition", PartitionCount: 3 });
  const member = (id: string, name: string, partition: number, tenant: string, workload: string) => ({
    InstanceId: id,
    State: { Name: "running" },
    Placement: { AvailabilityZone: "eu-west-1c", GroupName: name, GroupId: `pg-0${name}`, PartitionNumber: partition, Tenancy: "default" },
    Tags: [
      { Key: "tenant", Value: tenant },
      { Key: "workload", Value: workload },
    ],
  });
  const groups = { PlacementGroups: [group("kafka", "111111111111"), group("ledger", "333333333333")] };
  const participant = mapEc2([{ Reservations: [{ OwnerId: "222222222222", Instances: [member("i-kafka", "kafka", 1, "acme", "brokers"), member("i-ledger", "ledger", 1, "globex", "payments")] }] }, zones, groups], {
    source: "aws-222",
    settings: {},
  });

  it("syncs the participant, and proves only each side's VM wall between the two: the two partitions it names may be one machine", { timeout: 60_000 }, async () => {
    expect(await sync(participant)).toEqual({ status: "APPLIED", userErrors: [] });
    expect(await isolation("brokers", "globex")).toEqual({ actual: "VIRTUAL_MACHINE", possible: "PLANET" });
  });

  it("syncs the owner too (it describes the partition the participant named), and the verdict stays within what is proven", { timeout: 60_000 }, async () => {
    const owner = mapEc2([{ Reservations: [{ OwnerId: "111111111111", Instances: [member("i-owner", "kafka", 1, "initech", "stream")] }] }, zones, groups], {
      source: "aws-111",
      settings: {},
    });
    expect(await sync(owner)).toEqual({ status: "APPLIED", userErrors: [] });
    // The broker's partition is described now (a slot of kafka, in euw1-az3); the ledger's is still only named.
    expect(await isolation("brokers", "globex")).toEqual({ actual: "VIRTUAL_MACHINE", possible: "PLANET" });
    // One partition in two accounts: one slot, shared.
    expect(await isolation("brokers", "initech")).toEqual({ actual: "VIRTUAL_MACHINE", possible: "VIRTUAL_MACHINE" });
  });
});

describe("Azure: a VM on a dedicated host of another subscription", () => {
  const A = "aaaaaaaa-0000-4000-8000-00000000000a";
  const B = "bbbbbbbb-0000-4000-8000-00000000000b";
  const hostGroup = `/subscriptions/${A}/resourceGroups/HOSTS/providers/Microsoft.Compute/hostGroups/hg-shared`;
  const host = `${hostGroup}/hosts/host-01`;
  const locations = (subscription: string) => ({
    value: [{ id: `/subscriptions/${subscription}/locations/westeurope`, name: "westeurope", type: "Region", availabilityZoneMappings: [{ logicalZone: "1", physicalZone: "westeurope-az3" }] }],
  });
  const vm = (subscription: string, name: string, tenant: string, workload: string, placement: Record<string, unknown>) => ({
    id: `/subscriptions/${subscription}/resourceGroups/APP/providers/Microsoft.Compute/virtualMachines/${name}`,
    name,
    location: "westeurope",
    zones: ["1"],
    powerState: "VM running",
    tags: { tenant, workload },
    host: null,
    hostGroup: null,
    ...placement,
  });
  // A: hooli's api on host-01, and hooli's batch VM that the host group places automatically (its host not known).
  const subscriptionA = mapAzure([[vm(A, "api-1", "hooli", "az-api", { host: { id: host } }), vm(A, "batch-1", "hooli", "az-batch", { hostGroup: { id: hostGroup } })], locations(A)], { source: "azure-a", settings: {} });
  // B: umbrella's ledger on A's host-01 (the host group is shared with B).
  const subscriptionB = mapAzure([[vm(B, "ledger-1", "umbrella", "az-ledger", { host: { id: host } })], locations(B)], { source: "azure-b", settings: {} });

  it("names the other subscription's host, describes it not, and does not call its VM dedicated", () => {
    const ledger = subscriptionB.snapshot.virtualMachines.find((v) => v.id.endsWith("/ledger-1"));
    expect(ledger).toMatchObject({ host: host.toLowerCase(), dedicated: false });
    expect(subscriptionB.snapshot.hosts).toEqual([]);
    // Its own subscription's source describes it.
    expect(subscriptionA.snapshot.hosts).toEqual([{ id: host.toLowerCase(), datacenter: "westeurope-az3", dedicatedTo: "hooli" }]);
  });

  it("syncs both subscriptions as sources of their own, one after the other", { timeout: 60_000 }, async () => {
    expect(await sync(subscriptionA)).toEqual({ status: "APPLIED", userErrors: [] });
    expect(await sync(subscriptionB)).toEqual({ status: "APPLIED", userErrors: [] });
  });

  it("proves no host apart from the dedication: the ledger shares host-01 with the api, and may share it with the batch VM", async () => {
    expect(await isolation("az-api", "umbrella")).toEqual({ actual: "VIRTUAL_MACHINE", possible: "VIRTUAL_MACHINE" });
    // The batch VM may be on host-01, where the ledger is: nothing keeps it off.
    expect(await isolation("az-batch", "umbrella")).toEqual({ actual: "VIRTUAL_MACHINE", possible: "RACK" });
  });
});
