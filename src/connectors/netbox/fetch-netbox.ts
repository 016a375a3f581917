import { setting, type ConnectorOptions } from "../connector.ts";
import { NETBOX_ENDPOINTS } from "./map-netbox.ts";

/*
 * Reads NetBox live through its REST API (there is no official npm SDK): every endpoint
 * `mapNetbox` maps, following `next` until the last page. `url` (or NETBOX_URL) and `token`
 * (or NETBOX_TOKEN). Any page that fails throws: nothing is synced.
 */
export async function fetchNetbox(options: ConnectorOptions): Promise<unknown[]> {
  const base = (setting(options, "url") ?? process.env.NETBOX_URL)?.replace(/\/+$/, "");
  if (!base) throw new Error("netbox: name the server with --url (or NETBOX_URL)");
  const token = setting(options, "token") ?? process.env.NETBOX_TOKEN;
  const documents: unknown[] = [];
  for (const endpoint of NETBOX_ENDPOINTS) {
    let next: string | null = `${base}/api/${endpoint}/?limit=1000`;
    const results: unknown[] = [];
    while (next) {
      const response: Response = await fetch(next, { headers: { accept: "application/json", ...(token ? { authorization: `Token ${token}` } : {}) } });
      if (!response.ok) throw new Error(`netbox: ${endpoint}: the API answered ${response.status} ${response.statusText}`);
      const page = (await response.json()) as { results?: unknown[]; next?: string | null };
      results.push(...(page.results ?? []));
      next = page.next ?? null;
    }
    documents.push({ results });
  }
  return documents;
}
