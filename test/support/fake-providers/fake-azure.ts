import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { listen, type FakeServer } from "./listen.ts";

/*
 * A local Azure Resource Manager serving the `az vm list -d` fixture as ARM answers it:
 * `GET /subscriptions/{id}/providers/Microsoft.Compute/virtualMachines`, the VM model with its
 * `properties`, or with `statusOnly=true` the instance views, in pages linked by `nextLink`;
 * and `GET /subscriptions/{id}/locations` with the zone mappings it is given.
 * Over HTTPS with a throwaway self-signed certificate (the SDK sends bearer tokens only over
 * TLS); `caFile` is that certificate. 401 without the token, 403 for a denied subscription.
 */
export interface FakeArm extends FakeServer {
  caFile: string;
}

export function selfSignedCertificate(): { key: string; cert: string; caFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-tls-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8"), caFile: cert };
}

export async function fakeArm(vms: any[], options: { token?: string; deniedSubscriptions?: string[]; pageSize?: number; locations?: any[] } = {}): Promise<FakeArm> {
  const token = options.token ?? "fake-arm-token";
  const pageSize = options.pageSize ?? 3;
  const tls = selfSignedCertificate();
  const model = (vm: any) => ({
    name: vm.name,
    id: vm.id,
    type: "Microsoft.Compute/virtualMachines",
    location: vm.location,
    ...(vm.tags ? { tags: vm.tags } : {}),
    ...(vm.zones ? { zones: vm.zones } : {}),
    properties: {
      vmId: vm.vmId,
      hardwareProfile: vm.hardwareProfile,
      ...(vm.availabilitySet ? { availabilitySet: { id: vm.availabilitySet.id } } : {}),
      ...(vm.host ? { host: { id: vm.host.id } } : {}),
      ...(vm.hostGroup ? { hostGroup: { id: vm.hostGroup.id } } : {}),
      provisioningState: vm.provisioningState,
    },
  });
  const status = (vm: any) => ({
    name: vm.name,
    id: vm.id,
    type: "Microsoft.Compute/virtualMachines",
    location: vm.location,
    properties: {
      instanceView: {
        ...((vm.instanceView?.platformFaultDomain ?? vm.platformFaultDomain) !== null && (vm.instanceView?.platformFaultDomain ?? vm.platformFaultDomain) !== undefined
          ? { platformFaultDomain: vm.instanceView?.platformFaultDomain ?? vm.platformFaultDomain }
          : {}),
        ...(vm.instanceView?.assignedHost ? { assignedHost: vm.instanceView.assignedHost } : {}),
        statuses: [
          { code: "ProvisioningState/succeeded", level: "Info", displayStatus: "Provisioning succeeded" },
          { code: `PowerState/${String(vm.powerState).replace(/^VM /, "")}`, level: "Info", displayStatus: vm.powerState },
        ],
      },
    },
  });
  const server = await listen((request, _, response) => {
    const url = new URL(request.url ?? "/", "https://localhost");
    const json = (code: number, body: unknown) => {
      response.writeHead(code, { "content-type": "application/json; charset=utf-8" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${token}`) {
      return json(401, { error: { code: "InvalidAuthenticationToken", message: "The access token is invalid." } });
    }
    const locations = /^\/subscriptions\/([^/]+)\/locations$/.exec(url.pathname);
    if (locations) return json(200, { value: (options.locations ?? []).filter((l) => l.id.startsWith(`/subscriptions/${locations[1]}/`)) });
    const match = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines$/.exec(url.pathname);
    if (!match) return json(404, { error: { code: "NotFound", message: `no route ${url.pathname}` } });
    if (options.deniedSubscriptions?.includes(match[1])) {
      return json(403, { error: { code: "AuthorizationFailed", message: `The client does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/${match[1]}'.` } });
    }
    const statusOnly = url.searchParams.get("statusOnly") === "true";
    const start = Number(url.searchParams.get("$skiptoken") ?? 0);
    const page = vms.slice(start, start + pageSize).map((vm) => (statusOnly ? status(vm) : model(vm)));
    const next = start + pageSize < vms.length ? new URL(url.toString()) : null;
    next?.searchParams.set("$skiptoken", String(start + pageSize));
    json(200, { value: page, ...(next ? { nextLink: `${server.url}${next.pathname}${next.search}` } : {}) });
  }, tls);
  return Object.assign(server, { caFile: tls.caFile });
}
