import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import { childEnv, startServe, type ServeProcess } from "../support/cli-process.ts";
import { rawExchange } from "../support/raw-http.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * A short mixed attack on `tenancy serve` in its own process, with the default limits, from a
 * tenant's token: depth bombs, alias floods, huge bodies, trickled bodies and a request flood,
 * all at once for a few seconds (every loop bounded, loopback only). Meanwhile a probe asks
 * for /healthz, /readyz and a small query every 200 ms: each must answer within 2 s, and the server's
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
/** CPU seconds the process has used (user + system), from /proc. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("keeps answering /healthz and a small query within 2 s, with bounded memory, through a mixed attack", async () => {
  const url = serve.url;
  const port = Number(new URL(url).port);
  const attacker = await createToken(url, ADMIN, { name: "attacker", role: "TENANT", tenant: "geology" });
  const prober = await createToken(url, ADMIN, { name: "prober", role: "TENANT", tenant: "geology" });
  const pid = serve.child.pid!;
  const baseline = rssMb(pid);
  let peak = baseline;
  const cpuBefore = cpuSeconds(pid);
  const ownCpuBefore = process.cpuUsage();
  const until = Date.now() + ATTACK_MS;
  const attacking = () => Date.now() < until;

  // The probe, in its own process: /healthz and a small query every 200 ms, each given 2 s at most.
  const probe = new Promise<{ probes: number; slowestHealthz: number; slowestReadyz: number; slowestQuery: number; failures: string[] }>((resolve, reject) => {
    const child = spawn(process.execPath, [path.resolve("test/support/latency-probe.mjs"), url, prober, String(ATTACK_MS)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => (out ? resolve(JSON.parse(out)) : reject(new Error("the probe printed nothing"))));
  });
  const memory = (async () => {
    while (attacking()) {
      peak = Math.max(peak, rssMb(pid));
      await wait(100);
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
  const floodStatuses: Record<number, number> = {};

  const loops = [
    // Depth bombs and alias floods, 8 at a time.
    ...Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; i < 400 && attacking(); i++) count(await post(i % 2 === worker % 2 ? depthBomb : aliasFlood));
    }),
    // A flood of small requests from the same token, 4 at a time.
    ...Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 1000 && attacking(); i++) {
        const status = await post(`{ viewer { role } }`);
        floodStatuses[status] = (floodStatuses[status] ?? 0) + 1;
      }
    }),
    // Huge bodies: a 200 MB Content-Length, and an endless chunked body.
    (async () => {
      for (let i = 0; i < 20 && attacking(); i++) {
        await rawExchange(
          port,
          async (socket) => {
            socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${attacker}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
            const chunk = Buffer.alloc(256 * 1024, "a");
            for (let j = 0; j < 800 && !socket.destroyed && socket.writable; j++) {
              socket.write(`${chunk.length.toString(16)}\r\n`);
              socket.write(chunk);
              socket.write("\r\n");
              if (socket.writableLength > 4 * 1024 * 1024) await wait(5);
            }
          },
          3_000,
        );
      }
    })(),
    // Trickled bodies, 20 at once, a byte every 100 ms.
    ...Array.from({ length: 20 }, async () => {
      while (attacking()) {
        await rawExchange(
          port,
          async (socket) => {
            socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${attacker}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`);
            for (let j = 0; j < 100 && !socket.destroyed && attacking(); j++) {
              socket.write("{");
              await wait(100);
            }
          },
          4_000,
        );
      }
    }),
  ];
  await Promise.all([memory, ...loops]);
  const { probes, slowestHealthz, slowestReadyz, slowestQuery, failures } = await probe;

  const serverCpu = cpuSeconds(pid) - cpuBefore;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  console.log(
    `mixed attack: server used ${serverCpu.toFixed(2)} s CPU, the attacker ${((ownCpu.user + ownCpu.system) / 1e6).toFixed(2)} s; ${probes} probes, slowest /healthz ${slowestHealthz} ms, /readyz ${slowestReadyz} ms, slowest query ${slowestQuery} ms; RSS ${baseline.toFixed(0)} → peak ${peak.toFixed(0)} MB; bombs answered ${JSON.stringify(statuses)}, small requests ${JSON.stringify(floodStatuses)}`,
  );
  expect(failures).toEqual([]);
  expect(probes).toBeGreaterThan(5);
  expect(slowestHealthz).toBeLessThan(2_000);
  expect(slowestReadyz).toBeLessThan(2_000);
  expect(slowestQuery).toBeLessThan(2_000);
  expect(peak - baseline).toBeLessThan(300);
  // The bombs were refused (400) or slowed (429), never run; the small requests were held to the token's rate.
  expect(Object.keys(statuses).every((s) => ["400", "429"].includes(s))).toBe(true);
  // (How many reach the rate depends on how fast this machine lets the flood go: test/http/transport-limits.test.ts checks the 429 itself.)
  expect(Object.keys(floodStatuses).every((s) => ["200", "429"].includes(s))).toBe(true);
  // And the server is still itself afterwards.
  const after = await gqlAs(url, prober, `{ viewer { role tenantKey } }`);
  expect(after.body.data.viewer).toEqual({ role: "TENANT", tenantKey: "geology" });
}, 120_000);
