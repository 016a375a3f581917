/*
 * The unit id a cloud VM gets from its own connector, from a Kubernetes node's
 * `spec.providerID`, so a node links to the VM under it across sources. Null for a provider
 * no connector here maps, or a providerID that is not well formed.
 *
 * Each form accepts what the provider's own Kubernetes cloud provider accepts, so the two
 * connectors never disagree on what an instance is:
 * - `aws://<anything>/[<zone>/]i-…`: the AWS cloud provider takes the last of one or two path
 *   segments and requires `i-` followed by anything but `/` (EC2 ids are not always lowercase
 *   hex); the AWS connector keys an instance by its InstanceId as is.
 * - `gce://<project>/<zone>/<instance>`: the GCP connector's `<project>/<zone>/<name>`.
 * - `azure:///subscriptions/…/virtualMachines/<name>`, or a scale set's instance
 *   `…/virtualMachineScaleSets/<set>/virtualMachines/<n>` (AKS node pools): Azure ids are
 *   case-insensitive, so the Azure connector keys them lower-cased.
 * - `openstack://[<region>]/<server id>`: the OpenStack connector keys a server by its id.
 */
export function vmKeyFromProviderId(providerId: string): string | null {
  const aws = /^aws:\/\/[^/]*\/(?:[^/]*\/)?(i-[^/]*)$/.exec(providerId);
  if (aws) return aws[1];
  const gce = /^gce:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(providerId);
  if (gce) return `${gce[1]}/${gce[2]}/${gce[3]}`;
  const azure = /^azure:\/\/(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.compute\/(?:virtualmachines\/[^/]+|virtualmachinescalesets\/[^/]+\/virtualmachines\/[^/]+))$/i.exec(providerId);
  if (azure) return azure[1].toLowerCase();
  const openstack = /^openstack:\/\/[^/]*\/([^/]+)$/.exec(providerId);
  if (openstack) return openstack[1];
  return null;
}
