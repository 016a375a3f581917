import { describe, expect, it } from "vitest";
import { CONNECTORS } from "../../src/connectors/connectors.ts";
import { withOwnershipHints } from "../../src/connectors/ownership-hints.ts";
import { ownershipConflictMessage } from "../../src/inventory/ownership-conflict.ts";
import { INVENTORY_KINDS, type InventoryKind } from "../../src/inventory/snapshot.ts";
import type { KindChanges, SyncResult } from "../../src/inventory/sync-inventory.ts";

/*
 * A refusal for ids another source owns gets the connector's hint for that kind, once, before
 * the ids: the same whether the sync ran on the database or in the service (whose userErrors
 * carry the same messages).
 */
const none: KindChanges = { created: 0, updated: 0, removed: 0, unchanged: 0 };
const refused = (errors: SyncResult["errors"]): SyncResult => ({
  status: "REFUSED",
  source: "ams-globex",
  runId: 2,
  complete: true,
  totals: none,
  changes: Object.fromEntries(INVENTORY_KINDS.map((k) => [k, none])) as Record<InventoryKind, KindChanges>,
  warnings: [],
  errors,
});
const owned = (kind: string, index: number, key: string) => ({ path: [kind, String(index), "id"], message: ownershipConflictMessage(kind === "hosts" ? "host" : "virtual machine", key, "ams-acme") });

describe("ownership hints", () => {
  it("puts the OpenStack hint for hosts first, once however many hosts another source describes", () => {
    const errors = [owned("hosts", 0, "ams-cloud/compute-03"), owned("hosts", 1, "ams-cloud/compute-04")];
    const { errors: hinted } = withOwnershipHints(CONNECTORS.openstack, refused(errors));
    expect(hinted).toEqual([{ path: ["hosts"], message: expect.stringContaining("set describe-hosts: false on every other source of the cloud") }, ...errors]);
  });

  it("gives each kind its own hint: a server two sources list is a listing to split, not a setting", () => {
    const errors = [owned("virtualMachines", 0, "b0000000-0000-4000-8000-0000000000b1"), owned("hosts", 0, "ams-cloud/compute-03")];
    const { errors: hinted } = withOwnershipHints(CONNECTORS.openstack, refused(errors));
    expect(hinted.map((e) => e.path.join("."))).toEqual(["virtualMachines", "hosts", "virtualMachines.0.id", "hosts.0.id"]);
    expect(hinted[0].message).toMatch(/list each project's servers in one source only/);
  });

  it("leaves other refusals, and connectors without hints, as they are", () => {
    const other = refused([{ path: ["hosts", "0", "datacenter"], message: 'datacenter "x" is not known' }]);
    expect(withOwnershipHints(CONNECTORS.openstack, other)).toBe(other);
    const aws = refused([owned("hosts", 0, "h-1")]);
    expect(withOwnershipHints(CONNECTORS.aws, aws)).toBe(aws);
  });
});
