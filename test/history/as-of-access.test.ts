import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots } from "../../src/inventory/demo-inventory.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * The same access rules in the past as now: a tenant token sees its own past only (its rows as
 * they were then, the other side of a verdict redacted), and the operators' fields stay refused.
 */
let demo: SecuredDemo;
let geology: string;
let before: Date;
beforeAll(async () => {
  demo = await startSecuredDemo();
  geology = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-reader", role: "TENANT", tenant: "geology" });
  await new Promise((resolve) => setTimeout(resolve, 10));
  before = new Date();
  await new Promise((resolve) => setTimeout(resolve, 10));
  // seismic-model passes from geology to biology.
  const campus = structuredClone((await demoSnapshots()).find((s) => s.snapshot.source === "dcim-campus")!.snapshot) as any;
  campus.workloads.find((w: { id: string }) => w.id === "seismic-model").tenant = "biology";
  for (const unit of [...campus.virtualMachines, ...campus.containers]) if (unit.workload === "seismic-model") unit.tenant = "biology";
  const { body } = await gqlAs(demo.service.url, ADMIN_TOKEN, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: campus });
  expect(body.data.syncInventory.status).toBe("APPLIED");
}, 120_000);
afterAll(async () => demo.close());

const as = (token: string, query: string, variables?: Record<string, unknown>) => gqlAs(demo.service.url, token, query, variables).then((r) => r.body);

describe("asOf under a tenant token", () => {
  it("shows the tenant what was its own then, and not what is no longer its own", async () => {
    const query = `query($asOf: DateTime) { workload(key: "seismic-model", asOf: $asOf) { key tenantKey replicas { key } } }`;
    expect((await as(geology, query, { asOf: before.toISOString() })).data.workload).toEqual({
      key: "seismic-model",
      tenantKey: "geology",
      replicas: [{ key: "vm-3" }, { key: "vm-4" }, { key: "vm-5" }],
    });
    expect((await as(geology, query, { asOf: null })).data.workload).toBeNull();
    const verdict = await as(geology, `query($asOf: DateTime) { isolation(workload: "seismic-model", tenant: "biology", asOf: $asOf) { outcome pairCount evidence { unit { key } otherUnit { key } shared { kind key } } } }`, {
      asOf: before.toISOString(),
    });
    expect(verdict.errors).toBeUndefined();
    expect(verdict.data.isolation.pairCount).toBeNull();
    for (const pair of verdict.data.isolation.evidence) expect(pair.otherUnit).toBeNull();
    const now = await as(geology, `{ isolation(workload: "seismic-model", tenant: "biology") { outcome } }`);
    expect(now.errors[0].extensions.code).toBe("NOT_FOUND");
  });

  it("never shows another tenant's past rows, and keeps the operators' fields refused", async () => {
    expect((await as(geology, `query($asOf: DateTime) { workload(key: "genome-pipeline", asOf: $asOf) { key } }`, { asOf: before.toISOString() })).data.workload).toBeNull();
    const report = await as(geology, `query($asOf: DateTime) { isolationReport(asOf: $asOf) { totalCount } }`, { asOf: before.toISOString() });
    expect(report.errors[0].extensions.code).toBe("FORBIDDEN");
    const host = await as(geology, `query($asOf: DateTime) { host(key: "h-001", asOf: $asOf) { key } }`, { asOf: before.toISOString() });
    expect(host.errors[0].extensions.code).toBe("FORBIDDEN");
  });
});
