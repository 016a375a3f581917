import { readFileSync } from "node:fs";
import type { PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { keyList, setting, type ConnectorOptions } from "../connector.ts";

/*
 * Reads Azure live through @azure/arm-compute into the `az vm list -d` shape `mapAzure` takes:
 * every VM of each subscription (page by page), joined with its run-time status
 * (`statusOnly=true`: power state and fault domain), and the subscription's locations with their
 * zone mappings (what `az account list-locations` prints). Credentials: DefaultAzureCredential (the
 * environment, a managed identity, `az login`), or `token` (an ARM access token). `endpoint`
 * and `ca-file` point it at another ARM (Azure Stack, a test server). Any failure throws.
 */
export async function fetchAzure(options: ConnectorOptions): Promise<unknown[]> {
  // Loaded on first use: the SDK is large, and most commands never call it.
  const { ComputeManagementClient } = await import("@azure/arm-compute");
  const subscriptions = keyList(setting(options, "subscription", process.env.AZURE_SUBSCRIPTION_ID ?? ""));
  if (subscriptions.length === 0) throw new Error("azure: name the subscription(s) with --set subscription=… (or AZURE_SUBSCRIPTION_ID)");
  const token = setting(options, "token");
  const credential = token ? { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }) } : new (await import("@azure/identity")).DefaultAzureCredential();
  const endpoint = setting(options, "endpoint");
  const caFile = setting(options, "ca-file");
  const vms: unknown[] = [];
  const locations: unknown[] = [];
  for (const subscription of subscriptions) {
    const client = new ComputeManagementClient(credential, subscription, {
      ...(endpoint ? { endpoint } : {}),
      ...(caFile ? { tlsOptions: { ca: readFileSync(caFile, "utf8") } } : {}),
    });
    try {
      const status = new Map<string, { platformFaultDomain?: number; assignedHost?: string; statuses?: { code?: string; displayStatus?: string }[] }>();
      for await (const vm of client.virtualMachines.listAll({ statusOnly: "true" })) if (vm.id && vm.instanceView) status.set(vm.id.toLowerCase(), vm.instanceView);
      for await (const vm of client.virtualMachines.listAll()) {
        const view = vm.instanceView ?? status.get((vm.id ?? "").toLowerCase());
        const power = view?.statuses?.find((s) => s.code?.startsWith("PowerState/"));
        vms.push({
          id: vm.id,
          name: vm.name,
          location: vm.location,
          zones: vm.zones ?? null,
          tags: vm.tags ?? null,
          availabilitySet: vm.availabilitySet ?? null,
          host: vm.host ?? null,
          // A host group's automatic placement names no host here: the instance view's assignedHost does.
          hostGroup: vm.hostGroup ?? null,
          instanceView: { assignedHost: view?.assignedHost ?? null },
          platformFaultDomain: view?.platformFaultDomain ?? vm.platformFaultDomain ?? null,
          // As `az vm list -d` words it; a VM whose status is not known is taken as running.
          powerState: power?.displayStatus ?? (power?.code ? `VM ${power.code.slice("PowerState/".length)}` : "VM running"),
        });
      }
      locations.push(...(await subscriptionLocations(client, endpoint ?? "https://management.azure.com", subscription)));
    } catch (error) {
      throw new Error(`azure: subscription ${subscription}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return [vms, locations];
}

/** ARM's list of a subscription's locations, with `availabilityZoneMappings` (api-version 2022-12-01 and later). */
async function subscriptionLocations(client: { sendRequest(request: PipelineRequest): Promise<PipelineResponse> }, endpoint: string, subscription: string): Promise<unknown[]> {
  const url = `${endpoint.replace(/\/$/, "")}/subscriptions/${encodeURIComponent(subscription)}/locations?api-version=2022-12-01`;
  const { createPipelineRequest } = await import("@azure/core-rest-pipeline");
  const response = await client.sendRequest(createPipelineRequest({ url, method: "GET" }));
  const body = JSON.parse(response.bodyAsText ?? "{}") as { value?: unknown[]; error?: { message?: string } };
  if (response.status !== 200) throw new Error(body.error?.message ?? `locations: HTTP ${response.status}`);
  return body.value ?? [];
}
