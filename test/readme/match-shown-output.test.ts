import { describe, expect, it } from "vitest";
import { compareShownText, maskJson, maskVolatile } from "../support/match-shown-output.ts";
import { consoleSteps, readmeExamples } from "../support/readme-examples.ts";

/** The README test's own parts: a lenient matcher would let the README drift unseen. */
describe("compareShownText", () => {
  it("masks times, secrets and global ids, and nothing else", () => {
    const id = Buffer.from("SavedQueryRun:12").toString("base64");
    expect(maskVolatile(`run ${id} at 2026-11-28T15:58:11.011Z (15:58 UTC) ts_AbC-9_x digest ccdddcb68fbf run 6`)).toBe("run <id> at <time> (<hh:mm> UTC) ts_<secret> digest ccdddcb68fbf run 6");
    expect(maskJson({ a: ["2026-11-28T15:58:11Z", 3], b: "seismic-model" })).toEqual({ a: ["<time>", 3], b: "seismic-model" });
  });

  it("lets … stand for text within a line, and a line of … for any lines", () => {
    expect(compareShownText("expected one of PROCESS, …", "expected one of PROCESS, CONTAINER, PLANET").matches).toBe(true);
    expect(compareShownText("first\n…\nlast", "first\na\nb\nlast").matches).toBe(true);
    expect(compareShownText("ts_5vV0…", "ts_Zz9-abc").matches).toBe(true);
  });

  it("still fails on a different word, a missing line, an extra line or a line in another place", () => {
    expect(compareShownText("dcim (run 6): UNCHANGED", "dcim (run 7): UNCHANGED").matches).toBe(false);
    expect(compareShownText("a\nb", "a").matches).toBe(false);
    expect(compareShownText("a", "a\nb").matches).toBe(false);
    expect(compareShownText("a\n…\nc", "a\nb").matches).toBe(false);
    expect(compareShownText("at most…", "at least 1").matches).toBe(false);
    expect(compareShownText("b\na", "a\nb").matches).toBe(false);
  });

  it("resolves abbreviations in what it reports, so a diff shows only the real difference", () => {
    const result = compareShownText("x …\nwrong", "x long text\nright");
    expect(result.resolved).toBe("x long text\nwrong");
    expect(result.actual).toBe("x long text\nright");
  });
});

describe("readmeExamples", () => {
  const markdown = [
    "```sh",
    "curl -s x",
    "```",
    "",
    "```json",
    "{}",
    "```", // 1-7
    "prose",
    "```json",
    '{"data": 1}',
    "```", // 8-11: data, not an output
    "<!-- readme-test: skip needs a cloud -->",
    "```sh",
    "aws ec2 describe-instances",
    "```", // 12-15
    "```console",
    "$ echo a \\",
    "  b",
    "a b",
    "$ true",
    "```", // 16-21
  ].join("\n");

  it("pairs a block with the output right after it, leaves data alone and keeps skip marks", () => {
    const examples = readmeExamples(markdown);
    expect(examples.map((e) => [e.line, e.language, e.output?.line ?? null, e.skip ?? null])).toEqual([
      [1, "sh", 5, null],
      [13, "sh", null, "needs a cloud"],
      [16, "console", null, null],
    ]);
    expect(consoleSteps(examples[2])).toEqual([
      { command: "echo a \\\n  b", output: "a b", line: 17 },
      { command: "true", output: "", line: 20 },
    ]);
  });
});
