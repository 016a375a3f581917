/*
 * Compares what a README shows an example printing with what it printed, after masking what
 * changes from run to run (times, API token secrets, opaque global ids). In the shown text, `…`
 * stands for "any text" within a line, and a line holding only `…` for any number of lines:
 * the README's way of abbreviating.
 */
const MASKS: [RegExp, string][] = [
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g, "<time>"],
  [/\b\d\d:\d\d UTC\b/g, "<hh:mm> UTC"],
  [/\bts_[A-Za-z0-9_-]+/g, "ts_<secret>"],
];

/** An opaque global id: base64 of `Type:key`. */
const GLOBAL_ID = /\b[A-Za-z0-9+/]{12,}={0,2}/g;

export function maskVolatile(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of MASKS) masked = masked.replace(pattern, replacement);
  return masked.replace(GLOBAL_ID, (candidate) => (isGlobalId(candidate) ? "<id>" : candidate));
}

function isGlobalId(candidate: string): boolean {
  if (candidate.length % 4 !== 0) return false;
  const decoded = Buffer.from(candidate, "base64").toString("utf8");
  return /^[A-Z][A-Za-z]+:\S+$/.test(decoded) && Buffer.from(decoded, "utf8").toString("base64") === candidate;
}

/** Masks every string inside a parsed JSON value. */
export function maskJson(value: unknown): unknown {
  if (typeof value === "string") return maskVolatile(value);
  if (Array.isArray(value)) return value.map(maskJson);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v)]));
  return value;
}

const ELLIPSIS = "…";

function lineMatches(shown: string, actual: string): boolean {
  if (!shown.includes(ELLIPSIS)) return shown === actual;
  const pattern = shown
    .split(ELLIPSIS)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(actual);
}

export interface TextComparison {
  matches: boolean;
  /** The shown text with each abbreviation replaced by the actual text it stands for, so a diff against the actual shows only real differences. */
  resolved: string;
  actual: string;
}

/** Both sides masked, trailing blank lines ignored. */
export function compareShownText(shown: string, printed: string): TextComparison {
  const expected = trimLines(maskVolatile(shown));
  const actual = trimLines(maskVolatile(printed));
  const resolved: string[] = [];
  let j = 0;
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] === ELLIPSIS) {
      const next = expected[i + 1];
      while (j < actual.length && (next === undefined || !lineMatches(next, actual[j]))) resolved.push(actual[j++]);
      continue;
    }
    if (j < actual.length && lineMatches(expected[i], actual[j])) resolved.push(actual[j++]);
    else resolved.push(expected[i]);
  }
  const text = resolved.join("\n");
  const actualText = actual.join("\n");
  return { matches: text === actualText, resolved: text, actual: actualText };
}

function trimLines(text: string): string[] {
  const lines = text
    .replace(/\s+$/, "")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""));
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}
