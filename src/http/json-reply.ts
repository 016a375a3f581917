import type http from "node:http";
import { currentRequestId } from "../observability/request-context.ts";

/* Answers every route shares: a body with its content type, and errors in GraphQL's shape. */

export function send(response: http.ServerResponse, status: number, contentType: string, body: string) {
  response.statusCode = status;
  response.setHeader("content-type", contentType);
  response.end(body);
}

/** Any JSON value as the answer. */
export function sendJson(response: http.ServerResponse, status: number, body: unknown) {
  send(response, status, "application/json", JSON.stringify(body));
}

/** An error in GraphQL's shape (`errors[0].extensions.code`), with the request's id. */
export function jsonError(response: http.ServerResponse, status: number, code: string, message: string, requestId = currentRequestId()) {
  sendJson(response, status, { errors: [{ message, extensions: { code, requestId } }] });
}

/**
 * An error answered before the body was read: the connection is closed after it, so an unread
 * (large or trickling) body is not read on for nothing.
 */
export function refuse(response: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader("connection", "close");
  jsonError(response, status, code, message);
}
