import { writeFileSync } from "node:fs";
import { listen, type FakeServer } from "./listen.ts";

/*
 * A local Kubernetes API serving the fixtures' namespaces, nodes, pods and KubeVirt VMIs as
 * the API server does: typed lists (items without kind), `limit` and `continue` paging, 401
 * without the bearer token, 404 for KubeVirt when the cluster has none.
 */
export async function fakeKubernetes(list: { items: any[] }, vmis: { items: any[] } | null, token = "fake-token"): Promise<FakeServer> {
  const of = (kind: string) => list.items.filter((i) => i.kind === kind).map(({ kind: _, ...rest }) => rest);
  const routes: Record<string, [string, any[]]> = {
    "/api/v1/namespaces": ["NamespaceList", of("Namespace")],
    "/api/v1/nodes": ["NodeList", of("Node")],
    "/api/v1/pods": ["PodList", of("Pod")],
  };
  if (vmis) routes["/apis/kubevirt.io/v1/virtualmachineinstances"] = ["VirtualMachineInstanceList", vmis.items.map(({ kind: _, ...rest }) => rest)];
  return listen((request, _, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${token}`) return json(401, { kind: "Status", apiVersion: "v1", status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
    const route = routes[url.pathname];
    if (!route) return json(404, { kind: "Status", apiVersion: "v1", status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", code: 404 });
    const limit = Number(url.searchParams.get("limit") ?? 0) || route[1].length;
    const start = Number(url.searchParams.get("continue") || 0);
    const items = route[1].slice(start, start + Math.min(limit, 3));
    const next = start + items.length < route[1].length ? String(start + items.length) : undefined;
    json(200, { kind: route[0], apiVersion: url.pathname.startsWith("/apis/") ? "kubevirt.io/v1" : "v1", metadata: { resourceVersion: "48213377", ...(next ? { continue: next } : {}) }, items });
  });
}

/** A kubeconfig file that points the client at `server` with a bearer token. */
export function writeKubeconfig(file: string, server: string, token = "fake-token"): void {
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      // The client refuses plain HTTP unless TLS checks are off; the fake speaks plain HTTP.
      clusters: [{ name: "fake", cluster: { server, "insecure-skip-tls-verify": true } }],
      users: [{ name: "fake", user: { token } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
      "current-context": "fake",
    }),
  );
}
