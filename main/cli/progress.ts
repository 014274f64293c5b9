/**
 * A progress bar on stderr for long CLI work. Draws in place on a TTY (at most ~10 redraws a
 * second); on a pipe or in CI it prints a plain line at most every few seconds, so logs stay readable.
 */
export class ProgressBar {
  private lastDraw = 0;
  private readonly tty: boolean;
  private readonly started = Date.now();
  private drawn = false;

  constructor(private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {
    this.tty = Boolean(stream.isTTY);
  }

  update(fraction: number, detail = ''): void {
    if (this.quiet) return;
    const now = Date.now();
    const interval = this.tty ? 100 : 5000;
    if (now - this.lastDraw < interval && fraction < 1) return;
    this.lastDraw = now;
    const line = barLine(this.label, fraction, detail);
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns ?? 120) - 1)}`);
      this.drawn = true;
    } else {
      this.stream.write(line + '\n');
    }
  }

  done(message = ''): void {
    if (this.quiet) return;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${this.label} done in ${secs}s${message ? ' — ' + message : ''}\n`);
  }
}

/** `label ██████░░░░  42% detail` — one bar, as every CLI progress display draws it. */
export function barLine(label: string, fraction: number, detail = ''): string {
  const f = Math.max(0, Math.min(1, fraction));
  const width = 24;
  const filled = Math.round(f * width);
  return `${label} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${`${Math.round(f * 100)}`.padStart(3)}% ${detail}`.trimEnd();
}

export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.round(seconds)}s left`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s left`;
}
