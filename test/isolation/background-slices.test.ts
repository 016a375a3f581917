import { describe, expect, it } from "vitest";
import { SliceScheduler } from "../../src/isolation/background-slices.ts";
import { RequestsInProgress } from "../../src/isolation/requests-in-progress.ts";
import { runInSlices, SLICE_MS } from "../../src/isolation/run-in-slices.ts";

/*
 * The scheduler of background slices on its own: counts of steps and turns of the event loop,
 * never times. Each step below takes a little over a millisecond, so a work of `steps` steps
 * spans several 5 ms slices, each of which waits for the scheduler.
 */

/** `steps` steps, each spinning past a millisecond; `done` counts the ones run. */
function* busySteps(steps: number, done: { count: number }): Generator<void, number> {
  for (let i = 0; i < steps; i++) {
    const until = performance.now() + 1.2;
    while (performance.now() < until);
    done.count++;
    yield;
  }
  return done.count;
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe("background slices", () => {
  it("wait while a request is in progress and run once it ends", async () => {
    const requests = new RequestsInProgress();
    const scheduler = new SliceScheduler(requests, Number.POSITIVE_INFINITY);
    const end = requests.started();
    const done = { count: 0 };
    const finished = runInSlices(busySteps(4 * SLICE_MS, done), scheduler.work());
    await turns(50);
    expect(done.count).toBe(0);
    expect(scheduler.waiting).toBe(1);
    end();
    await expect(finished).resolves.toBe(4 * SLICE_MS);
    expect(scheduler.granted.idle).toBeGreaterThan(1);
    expect(scheduler.granted.overdue).toBe(0);
  });

  it("still finish under requests that never stop, one slice per bound", async () => {
    const requests = new RequestsInProgress();
    const scheduler = new SliceScheduler(requests, 2);
    const end = requests.started();
    const done = { count: 0 };
    await expect(runInSlices(busySteps(4 * SLICE_MS, done), scheduler.work())).resolves.toBe(4 * SLICE_MS);
    expect(scheduler.granted.overdue).toBeGreaterThan(1);
    expect(scheduler.granted.idle).toBe(0);
    end();
  });

  it("take turns, one slice at a time, when several wait", async () => {
    const requests = new RequestsInProgress();
    const scheduler = new SliceScheduler(requests, Number.POSITIVE_INFINITY);
    const end = requests.started();
    const a = { count: 0 };
    const b = { count: 0 };
    const both = Promise.all([runInSlices(busySteps(4 * SLICE_MS, a), scheduler.work()), runInSlices(busySteps(4 * SLICE_MS, b), scheduler.work())]);
    await turns(10);
    expect(scheduler.waiting).toBe(2);
    end();
    await both;
    // Each of the two works' slices was granted on its own (the first one of each too).
    expect(scheduler.granted.idle).toBeGreaterThanOrEqual(4);
  });

  it("run as foreground work once a request awaits them, and so does what they await: no starving behind the request waiting for them", async () => {
    const requests = new RequestsInProgress();
    // No bound: without the promotion, these would never run while the request is in progress.
    const scheduler = new SliceScheduler(requests, Number.POSITIVE_INFINITY);
    const end = requests.started();
    const warmUp = scheduler.work();
    const report = scheduler.work();
    report.awaits(warmUp);
    const warmed = { count: 0 };
    const scanned = { count: 0 };
    const warming = runInSlices(busySteps(3 * SLICE_MS, warmed), warmUp);
    const scan = warming.then(() => runInSlices(busySteps(3 * SLICE_MS, scanned), report));
    await turns(50);
    expect(warmed.count).toBe(0);
    // The request asks for the report: the report and the warm-up it waits for are promoted.
    report.promote();
    expect(warmUp.promoted).toBe(true);
    await scan;
    expect(scanned.count).toBe(3 * SLICE_MS);
    expect(scheduler.granted).toEqual({ idle: 0, overdue: 0 });
    expect(requests.now).toBe(1);
    end();
  });

  it("do not wait for a request whose body is still arriving; it counts again once read, and its end counts once", async () => {
    const requests = new RequestsInProgress();
    const message = {};
    const end = requests.started(message);
    let arrive!: () => void;
    const reading = requests.awaitingClient(message, new Promise<void>((resolve) => (arrive = resolve)));
    expect(requests.now).toBe(0);
    arrive();
    await reading;
    expect(requests.now).toBe(1);
    end();
    expect(requests.now).toBe(0);
    // A connection closed while its body arrives: ended once, not counted again when the read settles.
    const other = {};
    const closed = requests.started(other);
    const counted = requests.started();
    let fail!: (error: Error) => void;
    const broken = requests.awaitingClient(other, new Promise<void>((_, reject) => (fail = reject)));
    closed();
    fail(new Error("aborted"));
    await expect(broken).rejects.toThrow("aborted");
    expect(requests.now).toBe(1);
    counted();
    expect(requests.now).toBe(0);
  });

  it("promote what a work awaits even when it is promoted before saying so", () => {
    const scheduler = new SliceScheduler(new RequestsInProgress(), Number.POSITIVE_INFINITY);
    const report = scheduler.work();
    report.promote();
    const warmUp = scheduler.work();
    report.awaits(warmUp);
    expect(warmUp.promoted).toBe(true);
  });
});
