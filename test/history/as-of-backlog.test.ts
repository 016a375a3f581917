import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONCURRENT_PAST_BUILDS, KEPT_PAST_TOPOLOGIES, WAITING_PAST_BUILDS } from "../../src/history/past-views.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

/*
 * A past build is never abandoned, so the past builds waiting on a replica must be bounded: a
 * caller asking, request after request, for more distinct versions than a replica keeps would
 * otherwise queue whole-inventory builds without end (each within its request's cost budget),
 * and the backlog would run on long after it stopped. One more moment than may wait is refused
 * (RATE_LIMITED, naming asOf); what waits is answered.
 */
let demo: DemoServices;
/** Moments each with its own inventory version, more than may be kept and wait at once. */
const moments: string[] = [];
const VERSIONS = KEPT_PAST_TOPOLOGIES + WAITING_PAST_BUILDS + 3;

beforeAll(async () => {
  demo = await startDemoServices(1);
  for (let i = 0; i <= VERSIONS; i++) {
    const snapshot = { source: `backlog-${i}`, virtualMachines: [{ id: `backlog-vm-${i}`, host: "h-001", tenant: "geology" }] };
    expect((await demo.gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: snapshot })).data.syncInventory.status).toBe("APPLIED");
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The last sync is the current version, whose topology is the index's own: not a moment here.
    if (i < VERSIONS) moments.push(new Date().toISOString());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}, 180_000);
afterAll(async () => demo?.close());

const verdictAt = (at: string) => `{ isolation(workload: "seismic-model", tenant: "biology", asOf: "${at}") { outcome } }`;

describe("past builds waiting on a replica", () => {
  it("are bounded: a moment of one more version is refused, not queued, and the others are answered", async () => {
    const index = demo.services[0].http.isolationIndex;
    let waited = 0;
    let done = false;
    const sample = async () => {
      while (!done) {
        waited = Math.max(waited, index.pastBuilds.waiting);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const sampling = sample();
    const answers = await Promise.all(moments.map((m) => demo.gql(verdictAt(m))));
    done = true;
    await sampling;
    expect(waited).toBeLessThanOrEqual(WAITING_PAST_BUILDS);
    const refused = answers.filter((a) => a.errors);
    const answered = answers.filter((a) => !a.errors);
    expect(answered.length).toBeGreaterThanOrEqual(CONCURRENT_PAST_BUILDS + WAITING_PAST_BUILDS);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.errors[0].extensions).toMatchObject({ code: "RATE_LIMITED", argument: "asOf" });
      expect(answer.errors[0].message).toMatch(/^this replica is already building \d+ past inventories for asOf answers; try again in a few seconds$/);
    }
    for (const answer of answered) expect(answer.data.isolation.outcome).toBe("ISOLATED");
    // Nothing is left building once the answers are in: no backlog runs on.
    expect(index.pastBuilds).toEqual({ active: 0, waiting: 0 });
    // Once the builds are done, a refused moment is answered.
    const again = await demo.gql(verdictAt(moments[answers.indexOf(refused[0])]));
    expect(again.errors).toBeUndefined();
  });
});
