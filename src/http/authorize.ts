import type http from "node:http";
import { ROUTE_ROLES } from "../access/access-rules.ts";
import { authenticate, refusalReason, type LocalCli } from "../access/authenticate.ts";
import type { DenialLog } from "../access/denial-log.ts";
import type { Principal } from "../access/principal.ts";
import type { TokenCache } from "../access/token-cache.ts";
import type { RequestLimits } from "../request-limits.ts";
import { refuse } from "./json-reply.ts";
import type { RateLimits } from "./rate-limits.ts";

/* The bearer check every route that needs a caller runs before any other work. */

export interface AuthorizeDeps {
  adminToken: string | undefined;
  tokens: TokenCache;
  rates: RateLimits;
  denials: DenialLog;
  limits: RequestLimits;
  /** The secret CLI commands on this machine present (from loopback only). */
  localCli?: LocalCli;
}

/**
 * The caller, or null after answering 401 (no such token), 403 (a role without this route) or
 * 429 (over its rate, or an address that keeps failing to authenticate).
 */
export async function authorize(deps: AuthorizeDeps, request: http.IncomingMessage, response: http.ServerResponse, route?: keyof typeof ROUTE_ROLES): Promise<Principal | null> {
  const address = request.socket.remoteAddress ?? "unknown";
  const caller = await authenticated(deps, request, response, route ?? "/graphql", address);
  if (!caller) return null;
  if (route && !ROUTE_ROLES[route].includes(caller.role)) {
    await deps.denials.note({ actor: caller.actor, role: caller.role, action: "read", subject: route, target: route, detail: { reason: `a ${caller.role} token may not read ${route}` } });
    refuse(response, 403, "FORBIDDEN", `a ${caller.role} token may not read ${route}`);
    return null;
  }
  const wait = await deps.rates.request(caller);
  if (wait !== null) {
    const rate = deps.limits.requestsPerSecond[caller.role];
    refuse(response, 429, "RATE_LIMITED", `a ${caller.role} token may send ${rate} requests per second (TENANCY_RATE_LIMIT_${caller.role.toUpperCase()}); try again in ${wait} s`, { "retry-after": String(wait) });
    return null;
  }
  return caller;
}

/**
 * The token's principal, or null after recording the failure and answering 401, or 429 to an
 * address that keeps failing. A valid token is answered even from such an address: behind a
 * proxy or an ingress every caller shares its address, and one client sending bad tokens must
 * not lock every other one out.
 */
async function authenticated(deps: AuthorizeDeps, request: http.IncomingMessage, response: http.ServerResponse, where: string, address: string): Promise<Principal | null> {
  const local = deps.localCli && isLoopback(request.socket.remoteAddress) ? deps.localCli : undefined;
  const caller = await authenticate(request.headers.authorization, deps.adminToken, deps.tokens, local, request.headers.host);
  if (caller) return caller;
  const blocked = await deps.rates.blockedAddress(address);
  if (blocked !== null) {
    refuse(response, 429, "RATE_LIMITED", `too many requests without a valid token from ${address}; try again in ${blocked} s`, { "retry-after": String(blocked) });
    return null;
  }
  const reason = refusalReason(request.headers.authorization);
  await deps.denials.note({ actor: "unauthenticated", role: null, action: "authenticate", subject: `${where} ${reason}`, target: where, detail: { reason, address } });
  await deps.rates.failedAuthentication(address);
  refuse(response, 401, "UNAUTHENTICATED", "a valid bearer token is required (Authorization: Bearer <token>)", { "www-authenticate": 'Bearer realm="tenancy-scale"' });
  return null;
}

export const isLoopback = (address: string | undefined) => address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
