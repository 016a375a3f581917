/*
 * Runs a generator of work to its end, giving the event loop a turn whenever a slice of
 * `sliceMs` has passed: long scans (an index reload, the fleet report) then never hold up
 * /healthz or the requests that do not need them.
 */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs = 5): Promise<T> {
  let started = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - started >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
}
