import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/*
 * Every provider export the connector tests and examples/estate read is in the exact shape the
 * provider's CLI prints it, so the connectors are tested on what users feed them (a
 * hand-simplified fixture could hide a field the real export lacks, or one it adds).
 */
const read = (file: string): any => JSON.parse(readFileSync(path.resolve(file), "utf8"));
const T = "test/connectors/fixtures";
const E = "examples/estate";

/** `aws ec2 describe-instances`: Reservations, each with its Instances and OwnerId. */
function describeInstances(d: any) {
  expect(Object.keys(d)).toEqual(["Reservations"]);
  for (const r of d.Reservations) {
    expect(r).toEqual(expect.objectContaining({ ReservationId: expect.any(String), OwnerId: expect.any(String), Instances: expect.any(Array) }));
    for (const i of r.Instances)
      expect(i).toEqual(expect.objectContaining({ InstanceId: expect.any(String), State: expect.objectContaining({ Name: expect.any(String) }), Placement: expect.objectContaining({ AvailabilityZone: expect.any(String) }) }));
  }
}
/** `aws ec2 describe-availability-zones`: AvailabilityZones with ZoneName and ZoneId. */
function describeZones(d: any) {
  expect(Object.keys(d)).toEqual(["AvailabilityZones"]);
  for (const z of d.AvailabilityZones) expect(z).toEqual(expect.objectContaining({ ZoneName: expect.any(String), ZoneId: expect.any(String), RegionName: expect.any(String) }));
}
/** `kubectl get … -o json`: a List whose items carry their own kind. */
function kubectlList(d: any) {
  expect(d).toEqual(expect.objectContaining({ apiVersion: "v1", kind: "List", items: expect.any(Array), metadata: { resourceVersion: "" } }));
  for (const item of d.items) expect(item).toEqual(expect.objectContaining({ kind: expect.any(String), metadata: expect.objectContaining({ name: expect.any(String) }) }));
}
/** `gcloud compute instances list --format=json`: an array of instances, zone and selfLink as URLs. */
function gcloudInstances(d: any) {
  expect(Array.isArray(d)).toBe(true);
  for (const i of d) {
    expect(i).toEqual(expect.objectContaining({ kind: "compute#instance", name: expect.any(String), status: expect.any(String) }));
    expect(i.zone).toMatch(/^https:\/\/www\.googleapis\.com\/compute\/v1\/projects\/[^/]+\/zones\/[^/]+$/);
    expect(i.selfLink).toMatch(/\/projects\/[^/]+\/zones\/[^/]+\/instances\/[^/]+$/);
  }
}
/** `az vm list -d`: an array, power state flattened in, no instanceView. */
function azVmListD(d: any) {
  for (const v of d) {
    expect(v).not.toHaveProperty("instanceView");
    expect(v).toEqual(expect.objectContaining({ id: expect.any(String), powerState: expect.any(String), location: expect.any(String) }));
  }
}
/** `az vm get-instance-view`: an array, with instanceView (fault domain, statuses) and no powerState. */
function azInstanceView(d: any) {
  for (const v of d) {
    expect(v).not.toHaveProperty("powerState");
    expect(v.instanceView).toEqual(expect.objectContaining({ statuses: expect.any(Array) }));
  }
}
/** `openstack server list --long -f json`: an array of rows keyed by the table's column titles. */
function openstackServerList(d: any) {
  for (const s of d) {
    expect(Object.keys(s)).toEqual(expect.arrayContaining(["ID", "Name", "Status", "Power State", "Networks", "Flavor Name", "Availability Zone", "Host", "Properties"]));
    expect(typeof s.Properties).toBe("string"); // the CLI prints them as "k1='v1', k2='v2'"
  }
}
/** `openstack server group list --long -f json`. */
function openstackGroupList(d: any) {
  for (const g of d) expect(Object.keys(g)).toEqual(expect.arrayContaining(["ID", "Name", "Policy", "Members", "Project Id"]));
}
/** NetBox's REST list answer. */
function netboxList(d: any) {
  expect(Object.keys(d).sort()).toEqual(["count", "next", "previous", "results"]);
  expect(d.count).toBe(d.results.length);
}

const SHAPES: [string, (d: any) => void, string[]][] = [
  ["aws ec2 describe-instances", describeInstances, [`${T}/aws/describe-instances.json`, `${T}/cross-provider/aws-describe-instances.json`, `${E}/aws-prod/describe-instances.json`, `${E}/aws-data/describe-instances.json`]],
  [
    "aws ec2 describe-availability-zones",
    describeZones,
    [`${T}/aws/describe-availability-zones.json`, `${T}/cross-provider/aws-describe-availability-zones.json`, `${E}/aws-prod/describe-availability-zones.json`, `${E}/aws-data/describe-availability-zones.json`],
  ],
  [
    "kubectl get -o json",
    kubectlList,
    [
      `${T}/kubernetes/nodes-pods-namespaces.json`,
      `${T}/kubernetes/vmi.json`,
      `${T}/kubernetes/node-rights-pods.json`,
      `${T}/cross-provider/eks.json`,
      `${T}/cross-provider/eks-vmi.json`,
      `${T}/cross-provider/gke.json`,
      `${T}/cross-provider/aks.json`,
      `${E}/eks-prod/nodes-pods-namespaces.json`,
    ],
  ],
  ["gcloud compute instances list --format=json", gcloudInstances, [`${T}/gcp/instances-list.json`, `${T}/cross-provider/gcp-instances.json`, `${E}/gcp-fabrikam/instances.json`]],
  ["az vm list -d", azVmListD, [`${T}/azure/vm-list.json`, `${E}/azure-pay/vm-list.json`]],
  ["az vm get-instance-view", azInstanceView, [`${T}/azure/get-instance-view.json`, `${E}/azure-pay/vm-instance-views.json`]],
  [
    "openstack server list --long -f json",
    openstackServerList,
    [`${T}/openstack/server-list.json`, `${T}/openstack-projects/acme-server-list.json`, `${T}/openstack-projects/globex-server-list.json`, `${T}/openstack-projects/hooli-server-list.json`],
  ],
  ["openstack server group list --long -f json", openstackGroupList, [`${T}/openstack/server-group-list.json`, `${T}/openstack-projects/acme-server-group-list.json`, `${T}/openstack-projects/globex-server-group-list.json`]],
  ["NetBox API list", netboxList, [`${T}/netbox/devices.json`, `${T}/netbox/racks.json`, `${E}/netbox/devices.json`, `${E}/netbox/racks.json`]],
];

describe("provider exports in the tests and examples/estate", () => {
  for (const [cli, check, files] of SHAPES) {
    it(`are in the shape ${cli} prints`, () => {
      for (const file of files) {
        try {
          check(read(file));
        } catch (error) {
          throw new Error(`${file} is not in the shape ${cli} prints: ${(error as Error).message}`);
        }
      }
    });
  }
});
