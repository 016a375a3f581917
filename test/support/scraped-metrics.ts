import parsePrometheusTextFormat, { type PrometheusSample } from "parse-prometheus-text-format";

/*
 * A /metrics page read by a Prometheus text-format parser (which throws on a malformed line),
 * as Prometheus stores it: one series per name and label set, a histogram being its `_bucket`,
 * `_sum` and `_count` series. (The parser folds a histogram's series into one object, losing
 * their labels, so histograms and summaries are parsed a second time as plain series.)
 */
export class ScrapedMetrics {
  private readonly types = new Map<string, string>();
  private readonly series = new Map<string, PrometheusSample[]>();

  constructor(text: string) {
    for (const family of parsePrometheusTextFormat(text)) this.types.set(family.name, family.type);
    const flat = text.replace(/^# TYPE (\S+) (histogram|summary)$/gm, "# TYPE $1 untyped");
    for (const family of parsePrometheusTextFormat(flat)) this.series.set(family.name, [...(this.series.get(family.name) ?? []), ...family.metrics]);
  }

  type(name: string): string | undefined {
    return this.types.get(name);
  }

  /** The samples of the series `name` whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): PrometheusSample[] {
    const found = this.series.get(name);
    if (!found) throw new Error(`no series ${name} in the scrape`);
    return found.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** The value of the one sample with these labels. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.samples(name, labels);
    if (found.length !== 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return Number(found[0].value);
  }

  /** A histogram's observations and their total over the label sets that include `labels`. */
  histogram(name: string, labels: Record<string, string> = {}): { count: number; sum: number } {
    const total = (series: string) => this.samples(series, labels).reduce((n, m) => n + Number(m.value), 0);
    return { count: total(`${name}_count`), sum: total(`${name}_sum`) };
  }
}
