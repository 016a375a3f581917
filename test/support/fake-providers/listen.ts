import http from "node:http";
import https from "node:https";

/** A local HTTP server on a free loopback port, for a fake provider API. */
export interface FakeServer {
  url: string;
  /** Every request's method and path, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function listen(handler: (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void, tls?: { key: string; cert: string }): Promise<FakeServer> {
  const requests: string[] = [];
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      requests.push(`${request.method} ${request.url}`);
      handler(request, body, response);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
