/**
 * Progress of an experiment on stderr: one bar for the whole grid (cells finished of all) and one
 * per running run. On a TTY the block is redrawn in place (≤ ~10 times a second); on a pipe or in
 * CI a plain snapshot at most every few seconds, and one line whenever a run finishes.
 */
import { barLine } from './progress';

interface RunBar { label: string; fraction: number; detail: string }

export class GridProgress {
  private readonly bars = new Map<number, RunBar>();
  private finished = 0;
  private drawnLines = 0;
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(private readonly title: string, private readonly total: number, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  update(runId: number, label: string, fraction: number, detail = ''): void {
    this.bars.set(runId, { label, fraction, detail });
    this.draw(false);
  }

  /** A run ended: its bar goes, a line says how, the whole-grid bar moves on. */
  finish(runId: number, label: string, outcome: string): void {
    this.bars.delete(runId);
    this.finished++;
    this.clear();
    this.stream.write(`${label}: ${outcome} (${this.finished}/${this.total})\n`);
    this.draw(true);
  }

  close(): void {
    this.clear();
  }

  private lines(): string[] {
    const overall = barLine(this.title, this.total ? this.finished / this.total : 1, `${this.finished}/${this.total} runs`);
    return [overall, ...[...this.bars.values()].map((b) => `  ${barLine(b.label, b.fraction, b.detail)}`)];
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    const lines = this.lines();
    if (!this.tty) {
      this.stream.write(lines.join('\n') + '\n');
      return;
    }
    this.clear();
    const cols = (this.stream.columns ?? 120) - 1;
    this.stream.write(lines.map((l) => l.slice(0, cols)).join('\n') + '\n');
    this.drawnLines = lines.length;
  }

  /** Erases the block drawn last (TTY only): up that many lines, clear to the end of the screen. */
  private clear(): void {
    if (!this.tty || this.drawnLines === 0) return;
    this.stream.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.drawnLines = 0;
  }
}
