/*
 * The rule for every text a snapshot carries (ids, references, names, regions, hazard zones):
 * at most MAX_INVENTORY_TEXT characters, printable, and with no space at either end. Printable
 * means letters, marks, digits, punctuation, symbols of any script, and the plain space inside:
 * no control characters (an ESC would recolour an operator's terminal), no format characters
 * (zero-width spaces and joiners, bidi overrides: "vm-1" and "vm-1\u200b" must not be two ids
 * that look the same), no other spaces (no-break, ideographic), separators, private-use or
 * unassigned code points. Text is also in Unicode's composed form (NFC): "zürich" written as
 * "u" plus a combining diaeresis prints exactly like "zürich" but is another string, so a
 * second source naming a datacenter that way would put its units in a different datacenter
 * (DATACENTER apart) from the very place it means. It also keeps every key well inside
 * PostgreSQL's index rows.
 */
export const MAX_INVENTORY_TEXT = 256;

// Printable ASCII with no space at either end: nearly every real key, checked without Unicode tables.
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const UNPRINTABLE = /[\p{C}\p{Z}]/u;

/** What is wrong with a text, or null when it follows the rule. */
export function inventoryTextProblem(text: string): string | null {
  if (text.length > MAX_INVENTORY_TEXT) return `is ${text.length} characters long; at most ${MAX_INVENTORY_TEXT} are allowed`;
  if (PLAIN.test(text)) return null;
  if (text !== text.trim()) return "must not start or end with a space";
  const bad = [...text].find((c) => c !== " " && UNPRINTABLE.test(c));
  if (bad) return `contains the unprintable character U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}; only printable characters and plain spaces are allowed`;
  if (text.normalize("NFC") !== text) return `is not in Unicode's composed form (NFC): it prints like ${JSON.stringify(text.normalize("NFC"))}, which is another text; send it composed`;
  return null;
}
