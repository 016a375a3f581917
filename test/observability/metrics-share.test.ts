import { describe, expect, it } from "vitest";
import { metricsShare, type CpuProfile } from "../../bench/metrics-share.ts";

const root = "file:///app";
const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url }, children });

/**
 * The bench's load-independent figure: which samples count as metrics code. A profile built by
 * hand, so each rule is seen to count (or not) one sample of a known length.
 */
const profile: CpuProfile = {
  nodes: [
    frame(1, "(root)", "", [2, 3, 4, 5, 8, 9, 11]),
    frame(2, "(idle)", ""),
    frame(3, "verdictFor", `${root}/src/graphql/resolvers/isolation.ts`, [6]),
    frame(4, "willSendResponse", `${root}/src/graphql/plugins/use-metrics.ts`, [7]),
    frame(5, "observerCallback", "node:internal/perf/observe"),
    frame(6, "observe", `${root}/node_modules/prom-client/lib/histogram.js`),
    frame(7, "getComplexity", `${root}/node_modules/graphql-query-complexity/dist/esm/QueryComplexity.js`),
    frame(8, "hasObserver", "node:internal/perf/observe"),
    frame(9, "timeRequest", `${root}/src/http/metrics.ts`),
    frame(10, "unused", ""),
    frame(11, "(program)", ""),
  ],
  // idle 1000 µs, verdict 400, prom-client under the verdict 100, plugin 50 and its callee 50,
  // GC observer 20, node's own observer check 30, HTTP timing 10, unattributed 500.
  samples: [2, 3, 6, 4, 7, 5, 8, 9, 11],
  timeDeltas: [1000, 400, 100, 50, 50, 20, 30, 10, 500],
};

describe("the bench's share of CPU in metrics code", () => {
  it("counts a sample whose stack holds metrics code, over the samples the service worked", () => {
    const { share, workMs } = metricsShare(profile);
    expect(workMs).toBeCloseTo(0.66, 6); // idle and (program) are not work
    expect(share).toBeCloseTo((100 + 50 + 50 + 20 + 10) / 660, 6);
  });

  it("is zero for a profile with no work", () => {
    expect(metricsShare({ nodes: [frame(1, "(root)", "", [2]), frame(2, "(idle)", "")], samples: [2], timeDeltas: [5] })).toEqual({ share: 0, workMs: 0 });
  });
});
