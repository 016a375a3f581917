/*
 * The examples of a README, found in the markdown itself so that a new example is tested
 * without touching the test:
 *
 * - a fenced `sh`, `console` or `graphql` block is an example that runs, and so is a `text`
 *   block that starts with `> /` (a chat transcript: each `> /command` line, then its answer);
 * - a `json` or `text` block right after it (only blank lines between) is what it prints;
 * - `<!-- readme-test: skip REASON -->` right before a block marks it as one a test cannot
 *   run (Docker, a live cloud account, a server that runs until stopped); it is listed as
 *   skipped with that reason. Any fenced block may carry the mark.
 *
 * Other blocks (a snapshot, a sources.yaml) are data the prose explains, not examples.
 */

export interface ShownOutput {
  language: string;
  text: string;
  /** 1-based line of the output block's opening fence. */
  line: number;
}

export interface ReadmeExample {
  language: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  output?: ShownOutput;
  /** Why the test does not run it, when marked. */
  skip?: string;
}

const RUNNABLE = new Set(["sh", "console", "graphql", "chat"]);
const OUTPUT = new Set(["json", "text", ""]);
const MARK = /^<!--\s*readme-test:\s*skip\s+(.+?)\s*-->$/;

interface Fence {
  language: string;
  code: string;
  line: number;
  /** Line index just after the closing fence. */
  end: number;
  skip?: string;
}

export function readmeExamples(markdown: string): ReadmeExample[] {
  const fences = fencedBlocks(markdown.split("\n"));
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < fences.length; i++) {
    const fence = fences[i];
    if (!RUNNABLE.has(fence.language) && !fence.skip) continue;
    const example: ReadmeExample = { language: fence.language, code: fence.code, line: fence.line, skip: fence.skip };
    const next = fences[i + 1];
    if (RUNNABLE.has(fence.language) && next && next.adjacent && OUTPUT.has(next.language) && !next.skip) {
      example.output = { language: next.language, text: next.code, line: next.line };
      i++;
    }
    examples.push(example);
  }
  return examples;
}

function fencedBlocks(lines: string[]): (Fence & { adjacent: boolean })[] {
  const fences: (Fence & { adjacent: boolean })[] = [];
  let pendingSkip: string | undefined;
  let lastEnd = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const mark = MARK.exec(line.trim());
    if (mark) {
      pendingSkip = mark[1];
      continue;
    }
    const open = /^```(\S*)\s*$/.exec(line);
    if (!open) {
      if (line.trim() !== "") pendingSkip = undefined;
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && l.startsWith("```"));
    if (close === -1) throw new Error(`README.md:${i + 1}: a fenced block that is never closed`);
    const adjacent = lastEnd >= 0 && lines.slice(lastEnd, i).every((l) => l.trim() === "");
    const code = lines.slice(i + 1, close).join("\n");
    const language = open[1] === "text" && code.startsWith("> /") ? "chat" : open[1];
    fences.push({ language, code, line: i + 1, end: close + 1, skip: pendingSkip, adjacent });
    pendingSkip = undefined;
    lastEnd = close + 1;
    i = close;
  }
  return fences;
}

/** One `$ command` of a console block and the lines it is shown to print. */
export interface ConsoleStep {
  command: string;
  output: string;
  /** 1-based README line of the `$`. */
  line: number;
}

/** Splits a console block into its commands (a trailing `\` continues one) and their output. */
export function consoleSteps(example: ReadmeExample): ConsoleStep[] {
  const steps: ConsoleStep[] = [];
  const lines = example.code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("$ ")) {
      if (steps.length === 0) throw new Error(`README.md:${example.line + 1 + i}: console output before any "$ " command`);
      const step = steps[steps.length - 1];
      step.output += (step.output ? "\n" : "") + lines[i];
      continue;
    }
    const line = example.line + 1 + i;
    let command = lines[i].slice(2);
    while (command.endsWith("\\") && i + 1 < lines.length) command = `${command}\n${lines[++i]}`;
    steps.push({ command, output: "", line });
  }
  return steps;
}

/** One `> /command` of a chat transcript and the answer shown under it. */
export interface ChatStep {
  command: string;
  answer: string;
  line: number;
}

/** Splits a chat transcript: `> /tenancy …` lines, each followed by its answer (blank lines between). */
export function chatSteps(example: ReadmeExample): ChatStep[] {
  const steps: ChatStep[] = [];
  example.code.split("\n").forEach((text, i) => {
    if (text.startsWith("> /")) steps.push({ command: text.slice(2), answer: "", line: example.line + 1 + i });
    else if (steps.length > 0) steps[steps.length - 1].answer += `${text}\n`;
  });
  return steps.map((s) => ({ ...s, answer: s.answer.trim() }));
}
