/*
 * Where a JSON text first goes wrong, as line and column (1-based). JSON.parse on Node 20
 * often names the offending token but not where it is; an operator fixing a hand-edited
 * snapshot needs the line. Returns null when the text is valid JSON.
 */
export function locateJsonError(text: string): { line: number; column: number; offset: number } | null {
  const scan = new JsonScan(text);
  try {
    scan.document();
    return null;
  } catch (error) {
    if (!(error instanceof JsonSyntaxAt)) throw error;
    const offset = error.offset;
    const before = text.slice(0, offset);
    return { offset, line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
  }
}

/** The offset where the scan found the text is not JSON. */
class JsonSyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`not JSON at offset ${offset}`);
  }
}

/** A recursive-descent pass over JSON's grammar that only tracks where it is. */
class JsonScan {
  private i = 0;

  constructor(private readonly text: string) {}

  document() {
    this.value();
    this.ws();
    if (this.i < this.text.length) this.fail();
  }

  private fail(): never {
    throw new JsonSyntaxAt(this.i);
  }

  private ws() {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i])) this.i++;
  }

  private literal(word: string) {
    if (this.text.startsWith(word, this.i)) this.i += word.length;
    else this.fail();
  }

  private string() {
    const { text } = this;
    this.i++; // opening quote
    while (this.i < text.length && text[this.i] !== '"') {
      if (text.charCodeAt(this.i) < 0x20) this.fail();
      if (text[this.i] === "\\") {
        this.i++;
        if (text[this.i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 1, this.i + 5))) this.fail();
          this.i += 4;
        } else if (!'"\\/bfnrt'.includes(text[this.i] ?? "x")) this.fail();
      }
      this.i++;
    }
    if (this.i >= text.length) this.fail();
    this.i++;
  }

  private number() {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i));
    if (!match) this.fail();
    this.i += match[0].length;
  }

  private value(): void {
    this.ws();
    const c = this.text[this.i];
    if (c === "{") this.object();
    else if (c === "[") this.array();
    else if (c === '"') this.string();
    else if (c === "t") this.literal("true");
    else if (c === "f") this.literal("false");
    else if (c === "n") this.literal("null");
    else this.number();
  }

  private object() {
    this.i++;
    this.ws();
    if (this.text[this.i] === "}") return void this.i++;
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') this.fail();
      this.string();
      this.ws();
      if (this.text[this.i] !== ":") this.fail();
      this.i++;
      this.value();
      this.ws();
      if (this.text[this.i] === ",") this.i++;
      else if (this.text[this.i] === "}") return void this.i++;
      else this.fail();
    }
  }

  private array() {
    this.i++;
    this.ws();
    if (this.text[this.i] === "]") return void this.i++;
    for (;;) {
      this.value();
      this.ws();
      if (this.text[this.i] === ",") this.i++;
      else if (this.text[this.i] === "]") return void this.i++;
      else this.fail();
    }
  }
}

/** Why `text` is not JSON, with the line and column: "Unexpected token ']' at line 3, column 7". */
export function describeJsonError(text: string, error: Error): string {
  const at = locateJsonError(text);
  // Keep "Unexpected token ']'" and drop the excerpt Node appends after it.
  const reason = /^Unexpected (token '[^']*'|end of JSON input|non-whitespace character)/.exec(error.message)?.[0] ?? "not valid JSON";
  return at ? `${reason} at line ${at.line}, column ${at.column}` : reason;
}
