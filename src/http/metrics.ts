/**
 * Prometheus text exposition for /metrics: request counts by route and status, GraphQL
 * operations, SQL statements sent, and the process's memory.
 */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private sqlStatements = 0;
  private graphqlErrors = 0;

  countRequest(route: string, status: number) {
    const key = `route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }
  countStatement() {
    this.sqlStatements++;
  }
  countGraphqlErrors(n: number) {
    this.graphqlErrors += n;
  }

  render(): string {
    const memory = process.memoryUsage();
    const lines = [
      "# HELP tenancy_http_requests_total HTTP requests served, by route and status.",
      "# TYPE tenancy_http_requests_total counter",
      ...[...this.requests].map(([labels, n]) => `tenancy_http_requests_total{${labels}} ${n}`),
      "# HELP tenancy_sql_statements_total SQL statements sent to the database.",
      "# TYPE tenancy_sql_statements_total counter",
      `tenancy_sql_statements_total ${this.sqlStatements}`,
      "# HELP tenancy_graphql_errors_total Errors returned in GraphQL responses.",
      "# TYPE tenancy_graphql_errors_total counter",
      `tenancy_graphql_errors_total ${this.graphqlErrors}`,
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      `process_resident_memory_bytes ${memory.rss}`,
      "# HELP nodejs_heap_used_bytes V8 heap in use, in bytes.",
      "# TYPE nodejs_heap_used_bytes gauge",
      `nodejs_heap_used_bytes ${memory.heapUsed}`,
    ];
    return lines.join("\n") + "\n";
  }
}
