import { badUserInput } from "./errors.ts";

/** Relay cursor connections: forward paging with `first`/`after`, keyset cursors. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface PageRequest {
  /** How many items the page holds at most. */
  size: number;
  /** The keyset position to continue after (decoded cursor), or null for the first page. */
  after: string | null;
}

export function pageRequest(args: PageArgs): PageRequest {
  const size = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be a whole number from 0 to ${MAX_PAGE_SIZE}`, "first");
  }
  return { size, after: args.after == null ? null : decodeCursor(args.after) };
}

export function encodeCursor(position: string | number): string {
  return Buffer.from(`cursor:${position}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  if (!decoded.startsWith("cursor:") || encodeCursor(decoded.slice(7)) !== cursor) {
    throw badUserInput(`"${cursor}" is not a cursor from this API`, "after");
  }
  return decoded.slice(7);
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** A number, or a function GraphQL calls only when the client asks for it. */
  totalCount: number | (() => Promise<number>);
}

/**
 * Shapes a page from rows fetched with one extra row (size + 1): the extra row only tells
 * that a next page exists.
 */
export function connectionFromRows<T>(rows: T[], request: PageRequest, position: (row: T) => string | number, totalCount: Connection<T>["totalCount"]): Connection<T> {
  const nodes = rows.slice(0, request.size);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(position(node)), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > request.size,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
