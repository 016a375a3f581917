import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { BlockList } from "node:net";
import { resolveReceiver, type Lookup } from "./webhook-address.ts";

/*
 * One POST to a webhook, connected to the address resolveReceiver checked: the socket's own
 * lookup answers with that address, so no second resolution can point it elsewhere. TLS still
 * verifies the certificate against the URL's host name. Redirects are not followed.
 */
export class AttemptTimeout extends Error {}

/** `resolve` is the system's resolver; a test passes its own to show no other resolution happens. */
export async function postWebhook(url: string, headers: Record<string, string>, body: string, allowed: BlockList, timeoutMs: number, resolve?: Lookup): Promise<number> {
  const target = new URL(url);
  const receiver = await resolveReceiver(target, allowed, resolve);
  // Safe: it answers as dns.lookup does for both of the forms a socket asks (an address and family,
  // or with `all` a list); LookupFunction's overloads cannot be written as one arrow function.
  const pinned = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [receiver]);
    else callback(null, receiver.address, receiver.family);
  }) as unknown as LookupFunction;
  const client = target.protocol === "https:" ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(target, { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, lookup: pinned, agent: false });
    const timer = setTimeout(() => request.destroy(new AttemptTimeout()), timeoutMs);
    request.on("response", (response) => {
      clearTimeout(timer);
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
