import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/*
 * Where a webhook may post (docs/history.md "Webhooks"): never to this machine, the cloud's
 * metadata service or a private network unless the operator allows that network
 * (TENANCY_WEBHOOK_ALLOW_NETWORKS). The host is resolved once per attempt, every address it
 * resolves to is checked, and the connection goes to the checked address (a second resolution
 * could answer differently: DNS rebinding).
 */
export class WebhookAddressError extends Error {}

/** A resolved receiver: the address to connect to, checked. */
export interface Receiver {
  address: string;
  family: 4 | 6;
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;
const systemLookup: Lookup = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Refused whatever the operator allows: they hand out the machine's cloud credentials. */
const METADATA: [string, number, "ipv4" | "ipv6"][] = [
  ["169.254.169.254", 32, "ipv4"],
  ["169.254.170.2", 32, "ipv4"],
  ["100.100.100.200", 32, "ipv4"],
  ["fd00:ec2::254", 128, "ipv6"],
];

/** Why an address is not a public receiver, most specific first. */
const INTERNAL: [string, number, "ipv4" | "ipv6", string][] = [
  ["0.0.0.0", 8, "ipv4", "unspecified"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["10.0.0.0", 8, "ipv4", "private"],
  ["172.16.0.0", 12, "ipv4", "private"],
  ["192.168.0.0", 16, "ipv4", "private"],
  ["100.64.0.0", 10, "ipv4", "shared (carrier-grade NAT)"],
  ["169.254.0.0", 16, "ipv4", "link-local"],
  ["192.0.0.0", 24, "ipv4", "reserved"],
  ["198.18.0.0", 15, "ipv4", "reserved"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["240.0.0.0", 4, "ipv4", "reserved"],
  ["::", 128, "ipv6", "unspecified"],
  ["::1", 128, "ipv6", "loopback"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["fec0::", 10, "ipv6", "site-local"],
  ["fc00::", 7, "ipv6", "unique-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];

const blockList = (entries: [string, number, "ipv4" | "ipv6"][]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of entries) list.addSubnet(network, prefix, family);
  return list;
};
const metadata = blockList(METADATA);
const internal = INTERNAL.map(([network, prefix, family, kind]) => ({ list: blockList([[network, prefix, family]]), kind }));

/** TENANCY_WEBHOOK_ALLOW_NETWORKS: comma-separated CIDRs (10.20.0.0/16, fd12::/64); throws naming the bad entry. */
export function parseAllowedNetworks(text: string | undefined): string[] {
  const networks = (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const network of networks) allowedList([network]);
  return networks;
}

export function allowedList(networks: string[]): BlockList {
  const list = new BlockList();
  for (const network of networks) {
    const [address, prefix, extra] = network.split("/");
    const family = isIP(address);
    const bits = Number(prefix);
    if (family === 0 || extra !== undefined || !/^\d+$/.test(prefix ?? "") || bits > (family === 4 ? 32 : 128)) {
      throw new WebhookAddressError(`"${network}" is not a network in CIDR notation (like 10.20.0.0/16 or fd12:3456::/64)`);
    }
    list.addSubnet(address, bits, family === 4 ? "ipv4" : "ipv6");
  }
  return list;
}

/** The 8 groups of an IPv6 address (a trailing dotted quad and a zone allowed). */
function ipv6Groups(address: string): number[] {
  let text = address.split("%")[0].toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const middle = tail === undefined ? [] : Array<string>(8 - front.length - back.length).fill("0");
  return [...front, ...middle, ...back].map((group) => parseInt(group, 16));
}

/** The IPv4 address an IPv6 address carries to the same host (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(5) && g[5] === 0xffff) return quad(g[6], g[7]);
  if (zeroTo(6) && (g[6] !== 0 || g[7] > 1)) return quad(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return quad(g[6], g[7]);
  if (g[0] === 0x2002) return quad(g[1], g[2]);
  return null;
}

/** Why `address` may not receive webhooks, or null when it may. */
export function refusal(address: string, allowed: BlockList): string | null {
  const family = isIP(address);
  const embedded = family === 6 ? embeddedIpv4(address) : null;
  const [checked, type] = embedded ? [embedded, "ipv4" as const] : [address, family === 4 ? ("ipv4" as const) : ("ipv6" as const)];
  if (metadata.check(checked, type)) return `${address} is a cloud metadata address`;
  const kind = internal.find((entry) => entry.list.check(checked, type))?.kind;
  if (!kind || allowed.check(checked, type)) return null;
  return `${address} is a ${kind} address (an operator can allow its network with TENANCY_WEBHOOK_ALLOW_NETWORKS)`;
}

/** Resolves the URL's host once and checks every address it resolves to; throws WebhookAddressError. */
export async function resolveReceiver(url: URL, allowed: BlockList, resolve: Lookup = systemLookup): Promise<Receiver> {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new WebhookAddressError(`the host "${host}" does not resolve (${(error as NodeJS.ErrnoException).code ?? "lookup failed"})`);
    }
  }
  if (addresses.length === 0) throw new WebhookAddressError(`the host "${host}" does not resolve`);
  for (const { address } of addresses) {
    const why = refusal(address, allowed);
    if (why) throw new WebhookAddressError(host === address ? `the receiver's address ${why}` : `the host "${host}" resolves to ${why}`);
  }
  return { address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}
