import { setting, type ConnectorOptions } from "../connector.ts";

/*
 * Reads a cluster live through @kubernetes/client-node into the List `mapKubernetes` takes:
 * nodes, pods and namespaces page by page (`limit`/`continue`), and KubeVirt's
 * VirtualMachineInstances when the cluster has them. The kubeconfig is found the client's
 * standard way (KUBECONFIG, ~/.kube/config, in-cluster), or named by `kubeconfig`/`context`.
 */
const PAGE = 500;

export async function fetchKubernetes(options: ConnectorOptions): Promise<unknown[]> {
  // Loaded on first use: the client is large, and most commands never call it.
  const { CoreV1Api, CustomObjectsApi, KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  const file = setting(options, "kubeconfig");
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  const context = setting(options, "context");
  if (context) kc.setCurrentContext(context);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);

  const all = async (kind: string, list: (page: { limit: number; _continue?: string }) => Promise<{ items: unknown[]; metadata?: { _continue?: string } }>) => {
    const items: unknown[] = [];
    let next: string | undefined;
    do {
      const page = await list({ limit: PAGE, _continue: next });
      items.push(...page.items.map((item) => ({ ...(item as object), kind })));
      next = page.metadata?._continue || undefined;
    } while (next);
    return items;
  };
  try {
    const items = [...(await all("Namespace", (p) => core.listNamespace(p))), ...(await all("Node", (p) => core.listNode(p))), ...(await all("Pod", (p) => core.listPodForAllNamespaces(p)))];
    try {
      items.push(...(await all("VirtualMachineInstance", (p) => custom.listClusterCustomObject({ group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances", ...p }))));
    } catch (error) {
      // No KubeVirt in this cluster: no VMIs. Any other failure is a failure.
      if ((error as { code?: number }).code !== 404) throw error;
    }
    return [{ kind: "List", items }];
  } catch (error) {
    const code = (error as { code?: number }).code;
    throw new Error(`kubernetes: ${code ? `the API answered ${code}: ` : ""}${(error as Error).message.split("\n")[0]}`);
  }
}
