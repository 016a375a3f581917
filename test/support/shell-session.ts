import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";

/*
 * One bash process that a README's console commands run in, one after the other, the way a
 * reader types them into one terminal: `export`, `cd` and files carry over from one command to
 * the next. Each command's standard output and error are read together, in the order written.
 */
export interface ShellResult {
  output: string;
  code: number;
}

export class ShellSession {
  private readonly bash: ChildProcessWithoutNullStreams;
  private buffer = "";
  private waiting: (() => void) | null = null;
  private exited = false;
  /** The command before this one: commands run one at a time even if a caller stops waiting. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.bash = spawn("bash", ["--noprofile", "--norc"], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const take = (data: Buffer) => {
      this.buffer += data.toString("utf8");
      this.waiting?.();
    };
    this.bash.stdout.on("data", take);
    this.bash.stderr.on("data", take);
    this.bash.on("close", () => {
      this.exited = true;
      this.waiting?.();
    });
  }

  /** Runs one command line (it may span lines) and waits for it to finish. */
  run(command: string, timeoutMs = 60_000): Promise<ShellResult> {
    const result = this.queue.then(() => this.runNow(command, timeoutMs));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(command: string, timeoutMs: number): Promise<ShellResult> {
    if (this.exited) throw new Error("the shell session has ended (an example ran `exit`?)");
    const marker = `__readme_done_${randomBytes(6).toString("hex")}__`;
    this.buffer = "";
    // The group keeps the command's own redirections; `</dev/null` keeps it off our stdin; `:`
    // makes a command that is only a comment a valid group.
    this.bash.stdin.write(`{ :\n${command}\n} </dev/null 2>&1\nprintf '\\n${marker}%d\\n' "$?"\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.buffer.indexOf(marker);
      if (at !== -1 && /\d+\n/.test(this.buffer.slice(at + marker.length))) {
        const code = Number.parseInt(this.buffer.slice(at + marker.length), 10);
        // printf added one newline before the marker.
        const output = this.buffer.slice(0, at).replace(/\n$/, "");
        return { output, code };
      }
      if (this.exited) throw new Error(`the shell ended while running: ${command}\n${this.buffer}`);
      if (Date.now() > deadline) throw new Error(`still running after ${timeoutMs} ms: ${command}\n${this.buffer}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = null;
    }
  }

  close(): void {
    if (!this.exited) this.bash.stdin.end("exit\n");
  }
}
