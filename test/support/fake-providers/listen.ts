import http from "node:http";

/** A local HTTP server on a free loopback port, for a fake provider API. */
export interface FakeServer {
  url: string;
  /** Every request's method and path, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function listen(handler: (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void): Promise<FakeServer> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      requests.push(`${request.method} ${request.url}`);
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
