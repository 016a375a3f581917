import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSecuredDemo, ADMIN_TOKEN, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/* Workload.spread: a workload's replicas per domain at a level, what the spread page draws. */
let demo: SecuredDemo;
beforeAll(async () => {
  demo = await startSecuredDemo();
});
afterAll(async () => demo.close());
const admin = async (query: string) => (await gqlAs(demo.service.url, ADMIN_TOKEN, query)).body;

describe("Workload.spread", () => {
  it("counts ledger's replicas per power domain as its rule does, and lists the one it cannot place", async () => {
    const { data, errors } = await admin(`{ workload(key: "ledger") {
      spread(level: POWER_DOMAIN) { level domains { domain replicaCount replicas { key } } unverifiable { key } }
      antiAffinityViolations: antiAffinityAudit { violations { domain replicas { key } } } } }`);
    expect(errors).toBeUndefined();
    const spread = data.workload.spread;
    expect(spread.level).toBe("POWER_DOMAIN");
    // ledger-4's rack is fed by both PDUs: it counts in each, as the rule counts it.
    expect(spread.domains[0]).toEqual({ domain: "fra1-pdu-a", replicaCount: 4, replicas: [{ key: "ledger-1" }, { key: "ledger-2" }, { key: "ledger-3" }, { key: "ledger-4" }] });
    expect(spread.unverifiable).toEqual([{ key: "ledger-dr" }]);
    // Every crowded domain the audit names is in the spread with the same replicas.
    for (const violation of data.workload.antiAffinityViolations.flatMap((a: any) => a.violations)) {
      expect(spread.domains.find((d: any) => d.domain === violation.domain)?.replicas).toEqual(violation.replicas);
    }
    const counts = spread.domains.map((d: any) => d.replicaCount);
    expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a));
  });

  it("answers at a level with no rule, and only for a workload the token may read", async () => {
    const { data } = await admin(`{ workload(key: "ledger") { spread(level: DATACENTER) { domains { domain replicaCount } } } }`);
    expect(data.workload.spread.domains.reduce((n: number, d: any) => n + d.replicaCount, 0)).toBeGreaterThan(0);
    const geology = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-spread", role: "TENANT", tenant: "geology" });
    const other = (await gqlAs(demo.service.url, geology, `{ workload(key: "ledger") { spread(level: HOST) { domains { domain } } } }`)).body;
    expect(other.data.workload).toBeNull();
    const own = (await gqlAs(demo.service.url, geology, `{ workload(key: "seismic-model") { spread(level: POWER_DOMAIN) { domains { domain replicaCount } } } }`)).body;
    expect(own.data.workload.spread.domains).toContainEqual({ domain: "ams1-pdu-a", replicaCount: 2 });
  });
});
