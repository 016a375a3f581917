import { listen, type FakeServer } from "./listen.ts";

/** A local NetBox API: each endpoint's fixture in pages of two, linked by absolute `next` URLs; 403 without the token. */
export async function fakeNetbox(pages: Record<string, { results: any[] }>, token = "0123456789abcdef"): Promise<FakeServer> {
  const server: FakeServer = await listen((request, _, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Token ${token}`) return json(403, { detail: "Authentication credentials were not provided." });
    const endpoint = /^\/api\/([a-z-]+\/[a-z-]+)\/$/.exec(url.pathname)?.[1];
    const all = endpoint ? pages[endpoint]?.results : undefined;
    if (!all) return json(404, { detail: "Not found." });
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const results = all.slice(offset, offset + 2);
    const next = offset + 2 < all.length ? `${server.url}/api/${endpoint}/?limit=2&offset=${offset + 2}` : null;
    json(200, { count: all.length, next, previous: null, results });
  });
  return server;
}
