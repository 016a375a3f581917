import type { BackgroundWork } from "./background-slices.ts";

/*
 * Runs a generator of work to its end, giving the event loop a turn whenever a slice of
 * `SLICE_MS` has passed: long scans (an index reload, the fleet report) then never hold up
 * /healthz or the requests that do not need them. Background work (`background`, from
 * background-slices.ts) waits for its turn before each slice, the first one too: it runs only
 * while no request is being handled, or once it has waited its bound. Two milliseconds, not
 * five: with 5 ms slices a verdict's p99 on fleet M during syncs was 2.7× the trivial query's;
 * with 2 ms, 1.5× to 1.6× (`npm run bench -- M reload`), the findings of three syncs under full
 * load written in 85 to 95 s instead of 45 to 55 s.
 */
export const SLICE_MS = 2;

export async function runInSlices<T>(steps: Generator<void, T>, background?: BackgroundWork): Promise<T> {
  const nextTurn = background ? () => background.turn() : () => new Promise<void>((resolve) => setImmediate(resolve));
  if (background) await nextTurn();
  let started = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - started >= SLICE_MS) {
      await nextTurn();
      started = performance.now();
    }
  }
}
