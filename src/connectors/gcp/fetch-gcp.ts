import { keyList, setting, type ConnectorOptions } from "../connector.ts";

/*
 * Reads GCP live through @google-cloud/compute (REST) into the `gcloud compute instances list`
 * shape `mapGcp` takes: every instance of each project, every zone, page by page
 * (`aggregated/instances`). Credentials: Application Default Credentials, or `token` (an
 * OAuth access token, e.g. `gcloud auth print-access-token`). `endpoint` points it at another
 * API root (a test server). Any failure, or a zone the API could not list, throws.
 */
export async function fetchGcp(options: ConnectorOptions): Promise<unknown[]> {
  // Loaded on first use: the SDK is large, and most commands never call it.
  const { InstancesClient } = await import("@google-cloud/compute");
  const projects = keyList(setting(options, "project", process.env.GOOGLE_CLOUD_PROJECT ?? ""));
  if (projects.length === 0) throw new Error("gcp: name the project(s) with --set project=… (or GOOGLE_CLOUD_PROJECT)");
  const token = setting(options, "token");
  const endpoint = setting(options, "endpoint");
  const target = endpoint ? new URL(endpoint) : null;
  let authClient: unknown;
  if (token) {
    const { OAuth2Client } = await import("google-auth-library");
    const client = new OAuth2Client();
    client.setCredentials({ access_token: token, expiry_date: Date.now() + 60 * 60 * 1000 });
    authClient = client;
  }
  const client = new InstancesClient({
    fallback: true,
    // Safe: an OAuth2Client from google-auth-library, which the client accepts; its type comes
    // from the copy of google-auth-library bundled with google-gax, a different declaration.
    ...(authClient ? { authClient: authClient as never } : {}),
    ...(target ? { apiEndpoint: target.hostname, port: Number(target.port || (target.protocol === "http:" ? 80 : 443)), protocol: target.protocol.replace(":", "") } : {}),
  });
  const instances: unknown[] = [];
  try {
    for (const project of projects) {
      for await (const [scope, list] of client.aggregatedListAsync({ project, maxResults: 500 })) {
        // A zone the API could not answer for is a partial read: refuse it whole.
        if (list.warning && list.warning.code !== "NO_RESULTS_ON_PAGE") throw new Error(`${scope}: ${list.warning.code}: ${list.warning.message}`);
        for (const i of list.instances ?? []) {
          instances.push({
            name: i.name,
            zone: i.zone,
            selfLink: i.selfLink,
            status: i.status,
            labels: i.labels ?? {},
            scheduling: { nodeAffinities: (i.scheduling?.nodeAffinities ?? []).map((a) => ({ key: a.key, operator: a.operator, values: a.values ?? [] })) },
          });
        }
      }
    }
  } catch (error) {
    throw new Error(`gcp: ${(error as Error).message.split("\n")[0]}`);
  } finally {
    await client.close();
  }
  return [instances];
}
