/*
 * Text from the service or the database, made safe to print on a terminal: control characters
 * (ESC starts the sequences that recolour, move the cursor or retitle a window; CR and BS
 * overwrite what was printed), format characters (bidi overrides, zero-width ones that hide
 * text) and line or paragraph separators are shown as escapes (`\x1b`, `\u202e`) instead of
 * acting. The CLI passes every value it did not write itself through this.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

export function terminalText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
