import fc from "fast-check";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { connectionFromRows, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE, pageRequest, type PageArgs } from "../../src/graphql/pagination.ts";

/* pagination.ts on its own: page sizes, cursors and the shape of a page, case by case. */

/** The error pageRequest throws, as the client sees it: message, code and argument. */
function refusal(args: PageArgs) {
  try {
    pageRequest(args);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { message: error.message, ...error.extensions };
  }
  throw new Error(`pageRequest(${JSON.stringify(args)}) was accepted`);
}

const cursorOf = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("pageRequest", () => {
  it.each<[string, PageArgs, { size: number; after: string | null }]>([
    ["no arguments: the default size", {}, { size: DEFAULT_PAGE_SIZE, after: null }],
    ["first: null is no first", { first: null, after: null }, { size: DEFAULT_PAGE_SIZE, after: null }],
    ["first: 0 (a count only)", { first: 0 }, { size: 0, after: null }],
    ["first: 1", { first: 1 }, { size: 1, after: null }],
    ["first: the maximum", { first: MAX_PAGE_SIZE }, { size: MAX_PAGE_SIZE, after: null }],
    ["after a string position", { after: encodeCursor("vm-7") }, { size: DEFAULT_PAGE_SIZE, after: "vm-7" }],
    ["after a numeric position", { first: 3, after: encodeCursor(42) }, { size: 3, after: "42" }],
    ["after an empty position", { after: encodeCursor("") }, { size: DEFAULT_PAGE_SIZE, after: "" }],
    ["after a position holding the prefix", { after: encodeCursor("cursor:x") }, { size: DEFAULT_PAGE_SIZE, after: "cursor:x" }],
  ])("%s", (_, args, expected) => {
    expect(pageRequest(args)).toEqual(expected);
  });

  const sizeMessage = `first must be a whole number from 0 to ${MAX_PAGE_SIZE}`;
  it.each<[string, number]>([
    ["one over the maximum", MAX_PAGE_SIZE + 1],
    ["negative", -1],
    ["a fraction", 1.5],
    ["not a number", Number.NaN],
    ["infinite", Number.POSITIVE_INFINITY],
  ])("refuses first %s, naming the argument", (_, first) => {
    expect(refusal({ first })).toEqual({ message: sizeMessage, code: "BAD_USER_INPUT", argument: "first" });
  });

  it.each<[string, string]>([
    ["not base64url", "!!!"],
    ["empty", ""],
    ["another prefix", cursorOf("offset:10")],
    ["the prefix without its colon", cursorOf("cursor")],
    ["a global id", cursorOf("VirtualMachine:vm-1")],
    ["padded base64", `${encodeCursor("ab")}=`],
    ["standard base64 of a position with + or /", Buffer.from("cursor:>>>?", "utf8").toString("base64")],
    ["a character short", encodeCursor("vm-1").slice(0, -1)],
  ])("refuses a cursor that is %s, naming the argument", (_, after) => {
    expect(refusal({ after })).toEqual({ message: `"${after}" is not a cursor from this API`, code: "BAD_USER_INPUT", argument: "after" });
  });

  it("reads back every position it encodes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "grapheme" }), fc.integer({ min: 0 })), (position) => {
        expect(pageRequest({ after: encodeCursor(position) }).after).toBe(String(position));
      }),
    );
  });
});

describe("connectionFromRows", () => {
  const rows = ["a", "b", "c"].map((key, i) => ({ key, n: i }));
  const position = (row: { key: string }) => row.key;

  it.each<[string, number, number, boolean]>([
    ["a page and one more row: a next page", 2, 3, true],
    ["exactly a page: no next page", 3, 3, false],
    ["less than a page", 5, 3, false],
    ["nothing", 2, 0, false],
    ["size 0 with rows: no nodes, but a next page", 0, 3, true],
  ])("%s", (_, size, available, hasNextPage) => {
    const page = connectionFromRows(rows.slice(0, available), { size, after: null }, position, 99);
    const kept = rows.slice(0, Math.min(size, available));
    expect(page.nodes).toEqual(kept);
    expect(page.edges).toEqual(kept.map((node) => ({ cursor: encodeCursor(node.key), node })));
    expect(page.pageInfo).toEqual({
      hasNextPage,
      hasPreviousPage: false,
      startCursor: kept.length > 0 ? encodeCursor(kept[0].key) : null,
      endCursor: kept.length > 0 ? encodeCursor(kept.at(-1)!.key) : null,
    });
    expect(page.totalCount).toBe(99);
  });

  it("continues after its end cursor: walking every page visits every row once, in order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), (keys, size) => {
        const sorted = [...keys].sort();
        const seen: string[] = [];
        let after: string | null = null;
        for (let pages = 0; pages <= sorted.length; pages++) {
          const request = pageRequest({ first: size, after: after === null ? null : encodeCursor(after) });
          const fetched = sorted.filter((k) => request.after === null || k > request.after).slice(0, size + 1);
          const page = connectionFromRows(
            fetched,
            request,
            (k) => k,
            () => Promise.resolve(sorted.length),
          );
          seen.push(...page.nodes);
          if (!page.pageInfo.hasNextPage) break;
          after = page.nodes.at(-1)!;
        }
        expect(seen).toEqual(sorted);
      }),
    );
  });
});
