import type http from "node:http";
import type { Logger } from "pino";
import type { Principal } from "../access/principal.ts";
import type { ConnectorOptions } from "../connectors/connector.ts";
import type { ScheduledSource } from "../connectors/sources-config.ts";
import type { IsolationIndex } from "../isolation/isolation-index.ts";
import type { RequestLimits } from "../request-limits.ts";
import { admissionResponse, AdmissionReviewError, pinnedNodeName } from "../scheduler/admission-review.ts";
import { extenderFilter, extenderPrioritize, ExtenderArgsError, nodeRefs, parseExtenderArgs } from "../scheduler/extender-protocol.ts";
import { kubernetesNodeUnits } from "../inventory/kubernetes-nodes.ts";
import type { SqlClient } from "../db/sql-client.ts";
import { readBody } from "./read-body.ts";
import { redactPathSecret } from "./path-secret.ts";

/*
 * POST /scheduler/<source>/filter and /scheduler/<source>/prioritize (kube-scheduler's
 * extender verbs) and /scheduler/<source>/admit (a validating admission webhook), for the
 * Kubernetes source <source>: its settings in TENANCY_SOURCES (tenant and workload labels,
 * runtime classes, nodes as VMs or hosts) map pods and nodes as its sync does; a source not
 * listed there uses the connector's defaults. The caller needs a SCHEDULER (or ADMIN) token,
 * as a bearer header, or — kube-scheduler's extender client sends no headers — as the path
 * segment /scheduler/<source>/token/<secret>/<verb>.
 */
export interface SchedulerDeps {
  sql: SqlClient;
  index: IsolationIndex;
  sources: readonly ScheduledSource[];
  limits: RequestLimits;
  logger: Logger;
}

const PATH = /^\/scheduler\/([^/]+)(?:\/token\/([^/]+))?\/(filter|prioritize|admit)$/;

type Reply = (status: number, body: unknown) => void;

export function schedulerRoutes(deps: SchedulerDeps) {
  return {
    /** Moves a token given in the path to the Authorization header, so that the one bearer check applies. */
    takeTokenFromPath(request: http.IncomingMessage, url: URL) {
      const token = decodedSegment(PATH.exec(url.pathname)?.[2]);
      // A segment that is not valid percent-encoding is no token: the bearer check answers 401.
      if (token && !request.headers.authorization) request.headers.authorization = `Bearer ${token}`;
    },

    async handle(caller: Principal, url: URL, request: http.IncomingMessage, response: http.ServerResponse, reply: Reply) {
      const match = PATH.exec(url.pathname);
      if (!match) return reply(404, { Error: `no route ${redactPathSecret(url.pathname)}; the verbs are /scheduler/<source>/filter, /prioritize and /admit` });
      if (request.method !== "POST") return reply(405, { Error: `${match[3]} takes POST` });
      const [, segment, , verb] = match;
      const source = decodedSegment(segment);
      if (source === null) return reply(400, { Error: "the <source> segment of the path is not valid percent-encoding" });
      const read = await readBody(request, response, deps.limits.bodyBytes[caller.role], deps.limits.bodyTimeoutMs[caller.role]);
      if (read.kind === "too large") return reply(413, { Error: `the body is larger than a ${caller.role} token's limit of ${deps.limits.bodyBytes[caller.role]} bytes` });
      if (read.kind === "too slow") return reply(408, { Error: "the body did not arrive in time" });
      let body: unknown;
      try {
        body = JSON.parse(read.body.toString("utf8"));
      } catch (error) {
        return reply(400, { Error: `the body is not valid JSON: ${(error as Error).message}` });
      }
      const view = await deps.index.view();
      await view.warmed(); // replicas and shared places, built in slices after the index is published
      const options = connectorOptions(deps.sources, source);
      try {
        // Nodes by name as the source last synced them: a cloud node's VM is keyed by its instance id.
        if (verb === "admit") {
          const node = pinnedNodeName(body);
          const synced = node === undefined ? undefined : (await kubernetesNodeUnits(deps.sql, source, [node])).get(node);
          return reply(200, admissionResponse(view.topology, view.policy, options, body, synced));
        }
        const args = parseExtenderArgs(body);
        const refs = nodeRefs(args);
        const synced = await kubernetesNodeUnits(
          deps.sql,
          source,
          refs.map((r) => r.name),
        );
        const nodes = refs.map((r) => ({ ...r, synced: synced.get(r.name) }));
        const answer = verb === "filter" ? extenderFilter(view.topology, view.policy, options, args, nodes) : extenderPrioritize(view.topology, view.policy, options, args, nodes);
        deps.logger.debug({ verb, pod: `${args.pod.metadata?.namespace}/${args.pod.metadata?.name}`, nodes: (args.nodes ?? args.nodeNames ?? []).length }, "scheduler extender");
        return reply(200, answer);
      } catch (error) {
        if (error instanceof ExtenderArgsError || error instanceof AdmissionReviewError) return reply(400, { Error: error.message });
        throw error;
      }
    },
  };
}

/** The Kubernetes source's settings from TENANCY_SOURCES, or the connector's defaults. */
function connectorOptions(sources: readonly ScheduledSource[], source: string): ConnectorOptions {
  const configured = sources.find((s) => s.source === source && s.connector === "kubernetes");
  return { source, settings: configured?.settings ?? {} };
}

/** A path segment decoded, or null when it is not valid percent-encoding (decodeURIComponent throws URIError). */
function decodedSegment(segment: string | undefined): string | null {
  if (segment === undefined) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
