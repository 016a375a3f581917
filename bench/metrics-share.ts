/** The parts of a V8 CPU profile (.cpuprofile) the share needs. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Code that runs only for metrics: prom-client, the GraphQL plugin, the HTTP series and the
 * process series' observers (GC). A sample counts when any frame of its stack is one of these.
 */
const METRICS_CODE = [/\/node_modules\/prom-client\//, /\/src\/graphql\/plugins\/use-metrics\.ts /, /\/src\/http\/metrics\.ts /, /^node:internal\/perf\/observe observerCallback$/];

/** Not the service's work: the profiler's idle and unattributed ticks. */
const NOT_WORK = new Set(["(idle)", "(program)"]);

/**
 * The share of a service's on-CPU samples that were in metrics code, from the profile's own
 * samples: a ratio within one process over the same seconds, so the machine's load, which
 * swings CPU time per verdict from one turn to the next, moves both sides alike. It prices
 * the code that runs for metrics; what it adds elsewhere (garbage collected later, Apollo
 * awaiting one more hook) is not in it, and shows in the on/off comparison only.
 */
export function metricsShare(profile: CpuProfile): { share: number; workMs: number } {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inMetrics = new Map<number, boolean>();
  const metricsStack = (id: number): boolean => {
    const known = inMetrics.get(id);
    if (known !== undefined) return known;
    const { url, functionName } = byId.get(id)!.callFrame;
    const up = parent.get(id);
    const found = METRICS_CODE.some((pattern) => pattern.test(`${url} ${functionName}`)) || (up !== undefined && metricsStack(up));
    inMetrics.set(id, found);
    return found;
  };
  let work = 0;
  let metrics = 0;
  profile.samples.forEach((id, i) => {
    if (NOT_WORK.has(byId.get(id)!.callFrame.functionName)) return;
    work += profile.timeDeltas[i];
    if (metricsStack(id)) metrics += profile.timeDeltas[i];
  });
  return { share: work === 0 ? 0 : metrics / work, workMs: work / 1000 };
}
