/*
 * What the service's event loop went through over a stretch of the bench, read from its own
 * /metrics (prom-client's default metrics): its garbage collections by kind (their pauses'
 * count and sum, and how many paused 100 ms or more) and the longest event-loop delay (the
 * histogram behind `nodejs_eventloop_lag_max_seconds` restarts at each scrape, so nothing
 * else may scrape in between). It says how much of a latency tail is the collector's.
 */
const KINDS = ["major", "minor", "incremental"] as const;
type Kind = (typeof KINDS)[number];

interface Collections {
  count: number;
  seconds: number;
  /** Pauses of 100 ms or more: the count above the 0.1 s bucket. */
  long: number;
}

type Scrape = Record<Kind, Collections> & { lagMaxMs: number };

function sample(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((label) => l.includes(label)));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

async function scrape(metricsUrl: string): Promise<Scrape> {
  const text = await (await fetch(metricsUrl)).text();
  const lag = text.split("\n").find((l) => l.startsWith("nodejs_eventloop_lag_max_seconds "));
  const of = (kind: Kind): Collections => {
    const count = sample(text, "nodejs_gc_duration_seconds_count", `kind="${kind}"`);
    return { count, seconds: sample(text, "nodejs_gc_duration_seconds_sum", `kind="${kind}"`), long: count - sample(text, "nodejs_gc_duration_seconds_bucket", `le="0.1",kind="${kind}"`) };
  };
  return { major: of("major"), minor: of("minor"), incremental: of("incremental"), lagMaxMs: lag ? Number(lag.split(" ")[1]) * 1000 : 0 };
}

/** Starts a stretch (one scrape); the function returned ends it and describes what the collector and the event loop did meanwhile. */
export async function servicePauses(metricsUrl: string): Promise<() => Promise<string>> {
  const before = await scrape(metricsUrl);
  return async () => {
    const after = await scrape(metricsUrl);
    const ms = (kind: Kind) => Math.round((after[kind].seconds - before[kind].seconds) * 1000);
    const gc = (kind: Kind) => `${after[kind].count - before[kind].count} ${kind} (${ms(kind)} ms${after[kind].long > before[kind].long ? `, ${after[kind].long - before[kind].long} ≥ 100 ms` : ""})`;
    return `GC ${KINDS.map(gc).join(", ")}; longest loop delay ${Math.round(after.lagMaxMs)} ms`;
  };
}
