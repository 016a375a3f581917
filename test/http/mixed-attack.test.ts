import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import { childEnv, startServe, type ServeProcess } from "../support/cli-process.ts";
import { rawExchange } from "../support/raw-http.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/**
 * A short mixed attack on `tenancy serve` in its own process, with the default limits, from a
 * tenant's token: depth bombs, alias floods, huge bodies, trickled bodies and a request flood,
 * all at once for a few seconds (every loop bounded, loopback only). Meanwhile a probe asks
 * for /healthz and a small query every 200 ms: each must answer within 2 s, and the server's
 * memory must stay bounded.
 */
const ADMIN = "mixed-attack-admin-token-0123";
const ATTACK_MS = 6_000;
let t: TestDatabase;
let serve: ServeProcess;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  serve = await startServe(childEnv({ DATABASE_URL: t.url, TENANCY_ADMIN_TOKEN: ADMIN, PORT: "0", TENANCY_BODY_TIMEOUT_MS_TENANT: "2000" }));
}, 120_000);
afterAll(async () => {
  if (serve) {
    serve.child.kill("SIGTERM");
    await serve.exited;
  }
  await t?.drop();
});

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("keeps answering /healthz and a small query within 2 s, with bounded memory, through a mixed attack", async () => {
  const url = serve.url;
  const port = Number(new URL(url).port);
  const attacker = await createToken(url, ADMIN, { name: "attacker", role: "TENANT", tenant: "geology" });
  const prober = await createToken(url, ADMIN, { name: "prober", role: "TENANT", tenant: "geology" });
  const pid = serve.child.pid!;
  const baseline = rssMb(pid);
  let peak = baseline;
  const until = Date.now() + ATTACK_MS;
  const attacking = () => Date.now() < until;

  // The probe: /healthz and a small query, each given 2 s at most.
  const slowest = { healthz: 0, query: 0 };
  const failures: string[] = [];
  let probes = 0;
  const probe = (async () => {
    while (attacking()) {
      const started = Date.now();
      const health = await fetch(`${url.replace("/graphql", "/healthz")}`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, (e: Error) => e.name);
      slowest.healthz = Math.max(slowest.healthz, Date.now() - started);
      const asked = Date.now();
      const query = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${prober}`, "content-type": "application/json" },
        body: JSON.stringify({ query: `{ tenant(key: "geology") { key workloads { nodes { key } } } }` }),
        signal: AbortSignal.timeout(2_000),
      }).then(async (r) => ((await r.json()) as any).data?.tenant?.key ?? r.status, (e: Error) => e.name);
      slowest.query = Math.max(slowest.query, Date.now() - asked);
      if (health !== 200) failures.push(`healthz: ${health}`);
      if (query !== "geology") failures.push(`query: ${query}`);
      peak = Math.max(peak, rssMb(pid));
      probes++;
      await wait(200);
    }
  })();

  const post = (query: string) =>
    fetch(url, { method: "POST", headers: { authorization: `Bearer ${attacker}`, "content-type": "application/json" }, body: JSON.stringify({ query }) })
      .then((r) => r.status)
      .catch(() => 0);
  let depth = "key";
  for (let i = 0; i < 14; i++) depth = `tenant { virtualMachines(first: 1000) { nodes { ${depth} } } }`;
  const depthBomb = `{ tenant(key: "geology") { ${depth} } }`;
  const aliasFlood = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: isolation(workload: "seismic-model", tenant: "biology") { explanation evidence(limit: 100) { actual } }`).join(" ")} }`;
  const statuses: Record<number, number> = {};
  const count = (status: number) => void (statuses[status] = (statuses[status] ?? 0) + 1);

  const loops = [
    // A request flood mixing the bombs, 16 at a time.
    ...Array.from({ length: 16 }, async (_, worker) => {
      for (let i = 0; i < 400 && attacking(); i++) count(await post(i % 2 === worker % 2 ? depthBomb : aliasFlood));
    }),
    // Huge bodies: a 200 MB Content-Length, and an endless chunked body.
    (async () => {
      for (let i = 0; i < 20 && attacking(); i++) {
        await rawExchange(port, async (socket) => {
          socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${attacker}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
          const chunk = Buffer.alloc(256 * 1024, "a");
          for (let j = 0; j < 800 && !socket.destroyed && socket.writable; j++) {
            socket.write(`${chunk.length.toString(16)}\r\n`);
            socket.write(chunk);
            socket.write("\r\n");
            if (socket.writableLength > 4 * 1024 * 1024) await wait(5);
          }
        }, 3_000);
      }
    })(),
    // Trickled bodies, 20 at once, a byte every 100 ms.
    ...Array.from({ length: 20 }, async () => {
      while (attacking()) {
        await rawExchange(port, async (socket) => {
          socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${attacker}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`);
          for (let j = 0; j < 100 && !socket.destroyed && attacking(); j++) {
            socket.write("{");
            await wait(100);
          }
        }, 4_000);
      }
    }),
  ];
  await Promise.all([probe, ...loops]);

  console.log(`mixed attack: ${probes} probes, slowest /healthz ${slowest.healthz} ms, slowest query ${slowest.query} ms; RSS ${baseline.toFixed(0)} → peak ${peak.toFixed(0)} MB; attacker statuses ${JSON.stringify(statuses)}`);
  expect(failures).toEqual([]);
  expect(probes).toBeGreaterThan(5);
  expect(slowest.healthz).toBeLessThan(2_000);
  expect(slowest.query).toBeLessThan(2_000);
  expect(peak - baseline).toBeLessThan(300);
  // The bombs were refused (400) or slowed (429), never run.
  expect(Object.keys(statuses).every((s) => ["400", "429"].includes(s))).toBe(true);
  // And the server is still itself afterwards.
  const after = await gqlAs(url, prober, `{ viewer { role tenantKey } }`);
  expect(after.body.data.viewer).toEqual({ role: "TENANT", tenantKey: "geology" });
}, 120_000);
