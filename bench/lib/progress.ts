/**
 * Progress of a long run: one line rewritten in place when stdout is a terminal, plain lines (at most one every
 * `plainEveryMs`) otherwise, so logs and CI output stay readable.
 */
export class Progress {
  private readonly tty: boolean;
  private lastPlain = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stdout,
    private readonly plainEveryMs = 5_000,
  ) {
    this.tty = stream.isTTY;
  }

  update(line: string): void {
    if (this.tty) {
      const width = Math.max(20, (this.stream.columns || 120) - 1);
      this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      this.shown = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = now;
      this.stream.write(`${line}\n`);
    }
  }

  /** Ends the progress display, printing `line` as the final state. */
  done(line?: string): void {
    if (this.tty) {
      if (this.shown) this.stream.write('\r\x1b[2K');
      this.shown = false;
    }
    if (line !== undefined) this.stream.write(`${line}\n`);
    this.lastPlain = 0;
  }

  /** A message that must not be overwritten (warnings during a run). */
  note(line: string): void {
    if (this.tty && this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
    this.stream.write(`${line}\n`);
  }
}
