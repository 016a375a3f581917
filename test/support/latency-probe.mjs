// A client of its own, in its own process: every 200 ms for `ms` milliseconds it asks for
// /healthz, /readyz and a small query, each given 2 s at most, and prints what it saw as JSON.
// Run apart from an attack, so the attacker's own work cannot delay what it measures.
const [url, token, ms] = process.argv.slice(2);
// Node loads its HTTP client on first use: warm it up before the clock starts.
await fetch(url.replace("/graphql", "/healthz")).catch(() => undefined);
const until = Date.now() + Number(ms);
const result = { probes: 0, slowestHealthz: 0, slowestReadyz: 0, slowestQuery: 0, failures: [] };
const timed = async (work) => {
  const started = Date.now();
  const outcome = await work().catch((error) => error.name);
  return [outcome, Date.now() - started];
};
while (Date.now() < until) {
  const [health, healthMs] = await timed(() => fetch(url.replace("/graphql", "/healthz"), { signal: AbortSignal.timeout(2_000) }).then((r) => r.status));
  const [ready, readyMs] = await timed(() => fetch(url.replace("/graphql", "/readyz"), { signal: AbortSignal.timeout(2_000) }).then((r) => r.status));
  const [query, queryMs] = await timed(() =>
    fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query: `{ tenant(key: "geology") { key workloads { nodes { key } } } }` }),
      signal: AbortSignal.timeout(2_000),
    }).then(async (r) => (await r.json()).data?.tenant?.key ?? r.status),
  );
  result.probes++;
  result.slowestHealthz = Math.max(result.slowestHealthz, healthMs);
  result.slowestReadyz = Math.max(result.slowestReadyz, readyMs);
  result.slowestQuery = Math.max(result.slowestQuery, queryMs);
  if (ready !== 200) result.failures.push(`readyz: ${ready}`);
  if (health !== 200) result.failures.push(`healthz: ${health}`);
  if (query !== "geology") result.failures.push(`query: ${query}`);
  await new Promise((r) => setTimeout(r, 200));
}
console.log(JSON.stringify(result));
