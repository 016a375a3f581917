import { describe, expect, it } from "vitest";
import { mergeProviderRecords } from "../../src/connectors/merge-provider-records.ts";
import { mergeSnapshotRecords } from "../../src/connectors/merge-snapshot-records.ts";

describe("two records of one object", () => {
  it("merge to what both prove, the same whichever comes first", () => {
    const a = { id: "vm-1", host: "h-1", tenant: "acme", dedicated: true, runtime: "gvisor" };
    const b = { id: "vm-1", datacenter: "dc-1", tenant: "acme", dedicated: false, runtime: "runc" };
    const ab = mergeSnapshotRecords("virtualMachines", a, b);
    expect(ab).toEqual(mergeSnapshotRecords("virtualMachines", b, a));
    // Placement that disagrees is not known; dedication needs both; the weaker wall wins.
    expect(ab.record).toEqual({ id: "vm-1", tenant: "acme", dedicated: false, runtime: "runc" });
    expect(ab.conflicts.sort()).toEqual(["datacenter", "dedicated", "host", "runtime"]);
  });

  it("keep a container's node rights and node files when either record has them", () => {
    const kata = { id: "shop/builder", host: "n1", tenant: "acme", runtime: "kata", privileged: false, nodeFiles: true };
    const plain = { id: "shop/builder", host: "n1", tenant: "acme", runtime: "kata", privileged: true, nodeFiles: false };
    const merged = mergeSnapshotRecords("containers", kata, plain);
    expect(merged).toEqual(mergeSnapshotRecords("containers", plain, kata));
    expect(merged.record).toEqual({ ...kata, privileged: true, nodeFiles: true });
    expect(merged.conflicts).toEqual(["nodeFiles", "privileged"]);
  });

  it("put a host two records place in different placement groups (or one in none) in a group of its own, apart from no other host", () => {
    const slot = { id: "h", rack: "r", placementGroup: "aws/pg-1" };
    const merged = mergeSnapshotRecords("hosts", slot, { id: "h", rack: "r", placementGroup: "aws/pg-2" });
    expect(merged.record).toEqual({ id: "h", rack: "r", placementGroup: "aws/pg-1 & aws/pg-2" });
    expect(mergeSnapshotRecords("hosts", { id: "h", rack: "r" }, slot).record).toEqual(slot);
    expect(mergeSnapshotRecords("hosts", slot, { id: "h", rack: "r" }).record).toEqual(slot);
  });

  it("unite lists by value, rules too, in one order", () => {
    const x = { id: "r", datacenter: "d", powerDomains: ["p2"], antiAffinity: [{ level: "HOST" }] };
    const y = { id: "r", datacenter: "d", powerDomains: ["p1", "p2"], antiAffinity: [{ level: "RACK" }, { level: "HOST" }] };
    const { record } = mergeSnapshotRecords("racks", x, y);
    expect(record).toEqual({ id: "r", datacenter: "d", powerDomains: ["p1", "p2"], antiAffinity: [{ level: "HOST" }, { level: "RACK" }] });
    expect(mergeSnapshotRecords("racks", y, x).record).toEqual(record);
  });

  it("provider records: fields one lacks come from the other, disagreements are dropped and named", () => {
    const listed = { id: "/x/vm", powerState: "VM running", zones: ["1"], instanceView: null, tags: { tenant: "acme" } };
    const view = { id: "/x/vm", zones: ["2"], instanceView: { platformFaultDomain: 1 }, tags: { tenant: "acme", app: "sql" } };
    const one = mergeProviderRecords([listed, view]);
    expect(one).toEqual(mergeProviderRecords([view, listed]));
    expect(one.record).toEqual({ id: "/x/vm", powerState: "VM running", instanceView: { platformFaultDomain: 1 }, tags: { tenant: "acme", app: "sql" } });
    expect(one.conflicts).toEqual(["zones"]);
  });
});
