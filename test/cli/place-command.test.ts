import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, runCli } from "../support/cli-process.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

/*
 * `tenancy place` as a terminal user runs it (a real child process, through the service):
 * exit 0 when some candidate may take the replica, 1 when every one is refused, 2 on wrong
 * usage; a described workload; JSON out.
 */
let demo: DemoServices;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  demo = await startDemoServices();
  env = childEnv({ DATABASE_URL: demo.t.url, TENANCY_URL: demo.services[0].url, TENANCY_TOKEN: undefined });
});
afterAll(async () => demo.close());

describe("tenancy place", () => {
  it("exits 0 when a candidate is proven, 1 when all are refused, each refusal with its reason", async () => {
    const [some, none] = await Promise.all([runCli(["place", "seismic-model", "--host", "h-001", "--host", "h-004"], env), runCli(["place", "payments", "--host", "h-002", "--vm", "i-0glx1"], env)]);
    expect(some.code, some.stderr).toBe(0);
    expect(some.stdout).toMatch(/HOST\s+h-004\s+PROVEN\s+0\n.*HOST\s+h-001\s+REFUSED\s+1/s);
    expect(some.stdout).toContain("REFUSED host h-001:\n  HARD anti-affinity: 2 replicas of seismic-model share host h-001; at most 1 allowed");
    expect(none.code).toBe(1);
    expect(none.stdout).toContain("payments (acme-payments) needs HOST separation from tenant geology, but the new VM replica and geology's VM vm-4 share host h-002");
  }, 120_000);

  it("describes a new workload, prints JSON, and refuses wrong usage with exit 2", async () => {
    const described = await runCli(["place", "quake-alerts", "--tenant", "geology", "--minimum-isolation", "host", "--anti-affinity", '[{"level":"RACK"}]', "--anywhere-in-datacenter", "rtm1", "--format", "json"], env);
    expect(described.code, described.stderr).toBe(0);
    const advice = JSON.parse(described.stdout);
    expect(advice).toMatchObject({ workloadKey: "quake-alerts", tenantKey: "geology" });
    expect(advice.candidates.nodes.map((n: { key: string; outcome: string }) => `${n.key} ${n.outcome}`)).toEqual(["rtm1 POSSIBLE", "h-101 REFUSED"]);
    const [level, rules] = await Promise.all([
      runCli(["place", "x", "--tenant", "geology", "--minimum-isolation", "castle", "--host", "h-001"], env),
      runCli(["place", "x", "--tenant", "geology", "--anti-affinity", "{", "--host", "h-001"], env),
    ]);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain("the level is one of PROCESS, CONTAINER");
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain("a JSON array of rules");
  }, 120_000);

  // Last: once a token exists, the demo no longer trusts its loopback callers as admin.
  it("makes a scheduler token on the database that the extender routes take, and nothing else", async () => {
    const created = await runCli(["token", "create", "--role", "scheduler", "--name", "kube-scheduler"], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain("created token kube-scheduler (scheduler); keep its secret now, it is not shown again:");
    const secret = created.stdout.trim();
    const base = demo.services[0].url.replace(/\/graphql$/, "");
    const pod = { metadata: { name: "web-1", namespace: "default", labels: { "app.kubernetes.io/name": "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } };
    const filter = await fetch(`${base}/scheduler/k8s/token/${secret}/filter`, { method: "POST", body: JSON.stringify({ Pod: pod, NodeNames: ["unsynced-node"] }) });
    expect(filter.status).toBe(200);
    expect(await filter.json()).toMatchObject({ NodeNames: ["unsynced-node"], FailedAndUnresolvableNodes: {} });
    const graphql = await fetch(demo.services[0].url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${secret}` }, body: JSON.stringify({ query: "{ tenants { totalCount } }" }) });
    expect(((await graphql.json()) as any).errors[0].extensions.code).toBe("FORBIDDEN");
  }, 120_000);
});
