import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceClient } from "../../src/cli/service-client.ts";
import { databaseSyncTarget, serviceSyncTarget } from "../../src/cli/sync-target.ts";
import type { RunningService } from "../../src/service.ts";
import { campusSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * A CLI sync, straight into the database or through the service: the same result either way,
 * a dry run of an invalid snapshot leaves no REFUSED run behind, and the mass-removal refusal
 * names the flag of whoever asked (the CLI's --allow-mass-removal, the API's allowMassRemoval).
 */
let t: TestDatabase;
let service: RunningService;
beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url);
});
afterAll(async () => {
  await service.close();
  await t.drop();
});

const runs = async () => (await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_run`))[0].n;
const invalid = { source: "dcim-ams", hosts: [{ id: "h", colour: "red" }] };

describe("CLI syncs", () => {
  it("a dry run of an invalid snapshot is refused but not recorded, directly and through the service", async () => {
    const client = serviceClient({}, service.url);
    for (const target of [databaseSyncTarget(t.db.sql), serviceSyncTarget(client)]) {
      const before = await runs();
      const result = await target(invalid, { dryRun: true });
      expect(result).toMatchObject({ status: "REFUSED", runId: null, errors: [{ path: ["hosts", "0", "colour"], message: 'unknown field "colour" on hosts' }] });
      expect(await runs()).toBe(before);
    }
    // Without --dry-run the refusal is recorded, as the README says.
    const recorded = await databaseSyncTarget(t.db.sql)(invalid, {});
    expect(recorded.runId).not.toBeNull();
  });

  it("gives the same result through the service as straight into the database", async () => {
    const direct = await databaseSyncTarget(t.db.sql)(campusSnapshot(), {});
    expect(direct.status).toBe("APPLIED");
    const again = await serviceSyncTarget(serviceClient({}, service.url))(campusSnapshot(), {});
    expect(again).toEqual({ ...direct, status: "UNCHANGED", runId: again.runId, totals: { created: 0, updated: 0, removed: 0, unchanged: direct.totals.created }, changes: again.changes });
    expect(again.runId).toBe(direct.runId! + 1);
  });

  it("names --allow-mass-removal to a CLI user and allowMassRemoval to an API caller", async () => {
    const emptied = { source: campusSnapshot().source, complete: true };
    const cli = [await databaseSyncTarget(t.db.sql)(emptied, {}), await serviceSyncTarget(serviceClient({}, service.url))(emptied, {})];
    for (const result of cli) {
      expect(result.status).toBe("REFUSED");
      expect(result.errors[0].message).toMatch(/more than half\); if that is intended, sync again with --allow-mass-removal$/);
    }
    const api = await fetch(service.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation($s: JSON!) { syncInventory(snapshot: $s) { userErrors { message } } }`, variables: { s: emptied } }),
    });
    const { data } = (await api.json()) as { data: { syncInventory: { userErrors: { message: string }[] } } };
    expect(data.syncInventory.userErrors[0].message).toMatch(/sync again with allowMassRemoval: true$/);
    expect(data.syncInventory.userErrors[0].message).not.toContain("--allow-mass-removal");
  });
});
