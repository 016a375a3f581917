import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/* IsolationVerdict.diagram: Mermaid and DOT text of where the weakest pairs meet, redacted for a tenant. */
let demo: SecuredDemo;
beforeAll(async () => {
  demo = await startSecuredDemo();
});
afterAll(async () => demo.close());
const as = async (token: string, query: string) => (await gqlAs(demo.service.url, token, query)).body;

/** Nodes (id → label), edges and the marked ids of a Mermaid flowchart as verdictDiagram writes it. */
function parseMermaid(text: string) {
  const labels = new Map([...text.matchAll(/^ {2}(n\d+)\["([^"]*)"\]$/gm)].map((m) => [m[1], m[2]]));
  const edges = [...text.matchAll(/^ {2}(n\d+) --> (n\d+)$/gm)].map((m) => [m[1], m[2]]);
  const marked = /^ {2}class ([n\d,]+) shared$/m.exec(text)?.[1].split(",") ?? [];
  return { labels, edges, marked };
}

const reaches = (edges: string[][], from: string, to: string): boolean => from === to || edges.some(([a, b]) => a === from && reaches(edges, b, to));

describe("IsolationVerdict.diagram", () => {
  it("draws genome-pipeline and geology meeting at VM vm-1, in Mermaid and DOT", async () => {
    const { data, errors } = await as(
      ADMIN_TOKEN,
      `{ isolation(workload: "genome-pipeline", tenant: "geology") {
      mermaid: diagram(format: MERMAID, limit: 2) dot: diagram(format: DOT, limit: 2) } }`,
    );
    expect(errors).toBeUndefined();
    const { labels, edges, marked } = parseMermaid(data.isolation.mermaid);
    expect(data.isolation.mermaid.split("\n").slice(0, 2)).toEqual(["%% genome-pipeline from tenant geology: NOT ISOLATED (needs CONTAINER, proven PROCESS)", "flowchart BT"]);
    expect(marked.map((id) => labels.get(id))).toEqual(["VM vm-1 · biology"]);
    const byLabel = (label: string) => [...labels].find(([, l]) => l === label)![0];
    // Both sides of each pair reach the shared VM.
    for (const unit of ["container c-1 · biology", "container c-3 · geology"]) expect(reaches(edges, byLabel(unit), marked[0])).toBe(true);
    expect(data.isolation.dot).toMatch(/^digraph verdict \{\n {2}label="genome-pipeline from tenant geology: NOT ISOLATED/);
    expect(data.isolation.dot).toContain('[label="VM vm-1 · biology", style="rounded,filled"');
    expect(data.isolation.dot).toMatch(/n\d+ -> n\d+;/);
  });

  it("climbs to a shared power domain through each side's host and rack", async () => {
    const { data } = await as(ADMIN_TOKEN, `{ isolation(workload: "ledger", tenant: "acme-payments") { outcome diagram(format: MERMAID, limit: 3) evidence(limit: 3) { unit { key } otherUnit { key } shared { kind description } } } }`);
    const { labels, edges, marked } = parseMermaid(data.isolation.diagram);
    for (const pair of data.isolation.evidence) {
      if (pair.shared.kind === "NOTHING") continue;
      const sharedId = marked.find((id) => labels.get(id)!.startsWith(pair.shared.description));
      expect(sharedId, pair.shared.description).toBeDefined();
      for (const key of [pair.unit.key, pair.otherUnit.key]) {
        const unitId = [...labels].find(([, l]) => l.split(" · ")[0].endsWith(` ${key}`))![0];
        expect(reaches(edges, unitId, sharedId!), `${key} → ${pair.shared.description}`).toBe(true);
      }
    }
  });

  it("shows a tenant token only its own units' keys", async () => {
    const secret = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-diagram", role: "TENANT", tenant: "geology" });
    const { data, errors } = await as(secret, `{ isolation(workload: "seismic-model", tenant: "biology") { diagram(format: MERMAID, limit: 10) } }`);
    expect(errors).toBeUndefined();
    const { labels, marked } = parseMermaid(data.isolation.diagram);
    const shown = [...labels.values()];
    expect(shown.filter((l) => l.startsWith("a unit of tenant biology")).length).toBeGreaterThan(0);
    // Keys only for geology's own units; the shared things by kind.
    for (const label of shown) expect(label).toMatch(/· geology$|^a unit of tenant biology$|^an? [a-z ]+$|^possibly a host$|^nothing known$/);
    expect(marked.length).toBeGreaterThan(0);
    expect(data.isolation.diagram).not.toMatch(/h-0|ams1|vm-1\b|c-1\b|genome|lab-notebooks/);
  });
});
