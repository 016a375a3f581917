import { describe, expect, it } from "vitest";
import { diffResults } from "../../src/compliance/diff-results.ts";
import { canonicalJson, digestOf, resultLists, rowKey } from "../../src/compliance/result-rows.ts";

describe("the rows of a result", () => {
  it("finds each list of objects top-down, a connection's edges as their nodes, and leaves a row's own lists inside it", () => {
    const data = {
      antiAffinityViolations: { totalCount: 1, nodes: [{ workload: { key: "ledger" }, replicas: [{ key: "a" }, { key: "b" }] }] },
      hosts: { edges: [{ cursor: "x", node: { key: "h-1" } }] },
      tenant: { key: "acme", workloads: { nodes: [] } },
      tags: ["a", "b"],
    };
    expect(resultLists(data)).toEqual([
      { list: "antiAffinityViolations.nodes", rows: [data.antiAffinityViolations.nodes[0]] },
      { list: "hosts.edges", rows: [{ key: "h-1" }] },
      { list: "tenant.workloads.nodes", rows: [] },
    ]);
  });

  it("keys a row by id, else key, else its identifying fields, else its whole content", () => {
    expect(rowKey({ id: "Vk06", key: "k" })).toBe("Vk06");
    expect(rowKey({ key: "vm-1", tenantKey: "acme" })).toBe("vm-1");
    expect(rowKey({ workload: { key: "ledger" }, level: "RACK", kind: "MAX_SKEW", domain: "fra1-r01", excess: 1, message: "…" })).toBe("domain=fra1-r01 kind=MAX_SKEW level=RACK workload=ledger");
    expect(rowKey({ workloadKey: "payments", tenantKey: "globex", outcome: "NOT_ISOLATED" })).toBe("tenantKey=globex workloadKey=payments");
    expect(rowKey({ count: 3 })).toBe('{"count":3}');
  });

  it("writes canonical JSON (sorted keys), so equal results have equal digests whatever their key order", () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: "x" }] })).toBe('{"a":[{"c":"x","d":null}],"b":1}');
    expect(digestOf({ a: 1, b: 2 })).toBe(digestOf({ b: 2, a: 1 }));
    expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: 2 }));
  });
});

describe("the diff of two results", () => {
  const violation = (domain: string, excess: number) => ({ workload: { key: "ledger" }, level: "RACK", kind: "MAX_PER_DOMAIN", domain, excess });
  it("says which rows appeared, disappeared and changed, matched by list and key", () => {
    const before = { antiAffinityViolations: { nodes: [violation("r1", 1), violation("r2", 1)] } };
    const after = { antiAffinityViolations: { nodes: [violation("r2", 2), violation("r3", 1)] } };
    const diff = diffResults(before, after);
    expect(diff.appeared.map((r) => r.key)).toEqual(["domain=r3 kind=MAX_PER_DOMAIN level=RACK workload=ledger"]);
    expect(diff.disappeared.map((r) => r.key)).toEqual(["domain=r1 kind=MAX_PER_DOMAIN level=RACK workload=ledger"]);
    expect(diff.changed).toEqual([{ list: "antiAffinityViolations.nodes", key: "domain=r2 kind=MAX_PER_DOMAIN level=RACK workload=ledger", before: violation("r2", 1), after: violation("r2", 2) }]);
    expect(diffResults(after, after)).toEqual({ appeared: [], disappeared: [], changed: [] });
  });

  it("keeps rows with one key apart instead of losing one", () => {
    const diff = diffResults({ xs: [{ n: 1 }] }, { xs: [{ n: 1 }, { n: 1 }] });
    expect(diff.appeared).toEqual([{ list: "xs", key: '{"n":1} #2', row: { n: 1 } }]);
  });
});
