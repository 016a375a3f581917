import { spawn } from "node:child_process";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, startServe, type ServeProcess } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * Clean stops, on real child processes and NOT under NODE_ENV=test (Apollo installs its own
 * signal handlers only outside tests, which is how a SIGTERM used to end in exit 143): the
 * signal drains a request in flight, closes the database, logs "stopped" and exits 0; `npm
 * start` passes SIGTERM on to the service.
 */
let t: TestDatabase;
let env: NodeJS.ProcessEnv;
const started: ServeProcess[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
  env = childEnv({ DATABASE_URL: t.url, PORT: "0", TENANCY_ADMIN_TOKEN: undefined, NODE_ENV: "development" });
});
afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill("SIGKILL");
  await t.drop();
});

/** Sends a GraphQL request's headers and half its body; `finish()` sends the rest and resolves to the answer. */
function halfSentRequest(url: string) {
  const body = JSON.stringify({ query: "{ viewer { role } }" });
  const target = new URL(url);
  const request = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.on("response", (response) => {
      let text = "";
      response.on("data", (d) => (text += d));
      response.on("end", () => resolve({ status: response.statusCode!, text }));
    });
    request.on("error", reject);
  });
  request.write(body.slice(0, 10));
  return {
    finish() {
      request.end(body.slice(10));
      return answer;
    },
  };
}

describe("clean stops", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} lets a request in flight finish, closes the database, logs "stopped" and exits 0`, async () => {
      const served = await startServe(env, 300_000);
      started.push(served);
      const inFlight = halfSentRequest(served.url);
      await new Promise((r) => setTimeout(r, 300));
      served.child.kill(signal);
      await new Promise((r) => setTimeout(r, 500));
      const answer = await inFlight.finish();
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ data: { viewer: { role: "ADMIN" } } });
      expect(await served.exited).toBe(0);
      const logs = served.logs();
      expect(logs).toContain(`"signal":"${signal}"`);
      expect(logs).toContain('"database closed"');
      expect(logs).toContain('"msg":"stopped"');
      // New connections are refused once it stops.
      await expect(fetch(served.url.replace("/graphql", "/healthz"))).rejects.toThrow();
    }, 600_000);
  }

  it("npm start passes SIGTERM on to the service, which stops cleanly", async () => {
    const npm = spawn("npm", ["start", "--silent"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    npm.stdout.on("data", (d) => (output += d));
    npm.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => npm.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 300_000;
    while (!output.includes('"serving GraphQL"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const url = JSON.parse(output.split("\n").find((l) => l.includes('"serving GraphQL"'))!).url as string;
    npm.kill("SIGTERM");
    await exited;
    const deadlineStop = Date.now() + 60_000;
    while (!output.includes('"msg":"stopped"') && Date.now() < deadlineStop) await new Promise((r) => setTimeout(r, 200));
    expect(output).toContain('"msg":"stopped"');
    // Nothing is left behind on the port.
    await expect(fetch(url.replace("/graphql", "/healthz"))).rejects.toThrow();
  }, 600_000);
});
