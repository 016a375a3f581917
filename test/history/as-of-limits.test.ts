import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSchema, parse } from "graphql";
import { PAST_MOMENT_WORK, queryCost } from "../../src/graphql/query-cost.ts";
import { typeDefs } from "../../src/graphql/type-defs.ts";
import { CONCURRENT_PAST_BUILDS, MAX_PAST_MOMENTS_PER_REQUEST } from "../../src/history/past-views.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

/*
 * asOf work is bounded: one request asking for more distinct past moments than a replica keeps
 * is refused (BAD_USER_INPUT on asOf) before it builds them, and a replica builds its past
 * topologies one at a time however many requests ask at once.
 */
let demo: DemoServices;
/** Moments each with its own inventory version: one more VM synced before each. */
const moments: string[] = [];

beforeAll(async () => {
  demo = await startDemoServices(1);
  for (let i = 0; i < MAX_PAST_MOMENTS_PER_REQUEST + 2; i++) {
    const snapshot = { source: `asof-limits-${i}`, virtualMachines: [{ id: `asof-vm-${i}`, host: "h-001", tenant: "geology" }] };
    expect((await demo.gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: snapshot })).data.syncInventory.status).toBe("APPLIED");
    await new Promise((resolve) => setTimeout(resolve, 20));
    moments.push(new Date().toISOString());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // And one more, so that no moment is the current version (whose topology is the index's own).
  const last = { source: "asof-limits-last", virtualMachines: [{ id: "asof-vm-last", host: "h-001", tenant: "geology" }] };
  expect((await demo.gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: last })).data.syncInventory.status).toBe("APPLIED");
}, 120_000);
afterAll(async () => demo?.close());

const reportsAt = (at: string[]) => `{ ${at.map((m, i) => `r${i}: isolationReport(first: 1, asOf: "${m}") { totalCount }`).join(" ")} }`;

describe("asOf work per request and per replica", () => {
  it("answers as many distinct moments as a replica keeps, and refuses one more naming asOf", async () => {
    const kept = await demo.gql(reportsAt(moments.slice(0, MAX_PAST_MOMENTS_PER_REQUEST)));
    expect(kept.errors).toBeUndefined();
    const many = await demo.gql(reportsAt(moments));
    expect(many.errors.length).toBeGreaterThan(0);
    for (const error of many.errors) {
      expect(error.extensions.code).toBe("BAD_USER_INPUT");
      expect(error.message).toBe(`a request may ask for at most ${MAX_PAST_MOMENTS_PER_REQUEST} distinct asOf moments (each is a whole past inventory); ask for the others in another request`);
    }
    // The same moment asked twice is one moment.
    const same = await demo.gql(reportsAt(Array(MAX_PAST_MOMENTS_PER_REQUEST + 3).fill(moments[0])));
    expect(same.errors).toBeUndefined();
  });

  it("builds past topologies one at a time across concurrent requests", async () => {
    const index = demo.services[0].http.isolationIndex;
    let peak = 0;
    let waited = 0;
    let done = false;
    const sample = async () => {
      while (!done) {
        peak = Math.max(peak, index.pastBuilds.active);
        waited = Math.max(waited, index.pastBuilds.waiting);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const sampling = sample();
    // The last two moments were never built (the refused request stopped at the first four): two builds, two requests.
    const answers = await Promise.all(moments.slice(-2).map((m) => demo.gql(reportsAt([m]))));
    done = true;
    await sampling;
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(peak).toBe(CONCURRENT_PAST_BUILDS);
    expect(waited).toBeGreaterThan(0);
  });

  it("prices each asOf field as a past inventory", () => {
    const schema = buildSchema(typeDefs);
    const now = queryCost(schema, parse(`{ isolationReport(first: 1) { totalCount } }`), {}, undefined);
    const past = queryCost(schema, parse(`query($m: DateTime) { isolationReport(first: 1, asOf: $m) { totalCount } }`), { m: moments[0] }, undefined);
    expect(past - now).toBe(PAST_MOMENT_WORK);
  });
});
