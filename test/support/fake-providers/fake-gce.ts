import { listen, type FakeServer } from "./listen.ts";

/*
 * A local Compute Engine REST API serving the `gcloud compute instances list` fixture as
 * `GET /compute/v1/projects/{project}/aggregated/instances` answers it: instances grouped by
 * zone, an empty zone with its NO_RESULTS_ON_PAGE warning, `nextPageToken` pages. 401 without
 * the token; a project in `unreachable` has a zone the API could not list.
 */
export async function fakeGce(instances: any[], options: { token?: string; unreachable?: string[]; pageSize?: number } = {}): Promise<FakeServer> {
  const token = options.token ?? "fake-gcp-token";
  const pageSize = options.pageSize ?? 2;
  return listen((request, _, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const json = (code: number, body: unknown) => {
      response.writeHead(code, { "content-type": "application/json; charset=UTF-8" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${token}`) {
      return json(401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    }
    const project = /^\/compute\/v1\/projects\/([^/]+)\/aggregated\/instances$/.exec(url.pathname)?.[1];
    if (!project) return json(404, { error: { code: 404, message: `no route ${url.pathname}`, status: "NOT_FOUND" } });
    const start = Number(url.searchParams.get("pageToken") || 0);
    const page = instances.slice(start, start + pageSize);
    const items: Record<string, unknown> = {};
    for (const instance of page) {
      const zone = `zones/${String(instance.zone).split("/").at(-1)}`;
      items[zone] = { instances: [...((items[zone] as { instances: unknown[] } | undefined)?.instances ?? []), instance] };
    }
    items["zones/asia-east1-a"] = { warning: { code: "NO_RESULTS_ON_PAGE", message: "There are no results for scope 'zones/asia-east1-a' on this page.", data: [{ key: "scope", value: "zones/asia-east1-a" }] } };
    if (options.unreachable?.includes(project)) {
      items["zones/us-east1-b"] = { warning: { code: "UNREACHABLE", message: "The zone 'projects/" + project + "/zones/us-east1-b' is unavailable.", data: [] } };
    }
    const next = start + pageSize < instances.length ? { nextPageToken: String(start + pageSize) } : {};
    json(200, { kind: "compute#instanceAggregatedList", id: `projects/${project}/aggregated/instances`, items, selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/aggregated/instances`, ...next });
  });
}
