// Progress on stderr, drawn by hand (no dependency): on a terminal one line rewritten in place with \r;
// otherwise (a log file, CI, a pipe) a plain line every few seconds, so logs stay readable.

/** Where the bar is drawn: process.stderr, or anything with write() (tests). */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  total: number;
  /** Items already done before this run (a resumed copy): counted as done, not as speed. */
  initial?: number;
  label?: string;
  /** Seconds between plain lines when the stream is not a terminal. */
  plainIntervalMs?: number;
  now?: () => number;
}

// The speed is measured over the last few seconds, so the ETA follows a slowdown (throttling) quickly
// instead of averaging it away over the whole run.
const RATE_WINDOW_MS = 10_000;
const REDRAW_MS = 100;

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** A progress bar with items done/total, items per second and an ETA. */
export class ProgressBar {
  private done: number;
  private readonly startedAt: number;
  private readonly initial: number;
  private readonly samples: { at: number; done: number }[] = [];
  private lastDraw = -Infinity;
  private lastPlain: number;
  private drawn = false;
  private label: string;
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.initial = options.initial ?? 0;
    this.done = this.initial;
    this.label = options.label ?? '';
    this.startedAt = this.now();
    this.lastPlain = this.startedAt;
    this.samples.push({ at: this.startedAt, done: this.done });
  }

  /** Items per second over the recent window (over the whole run while the window is still short). */
  rate(): number {
    const at = this.now();
    while (this.samples.length > 2 && at - this.samples[1].at > RATE_WINDOW_MS) this.samples.shift();
    const oldest = this.samples[0];
    const seconds = (at - oldest.at) / 1000;
    return seconds > 0 ? (this.done - oldest.done) / seconds : 0;
  }

  /** Names what is being worked on (shown after the figures). */
  setLabel(label: string): void {
    this.label = label;
    this.draw(false);
  }

  /** Counts n more items done and redraws (at most every 100 ms on a terminal). */
  advance(n: number): void {
    this.done += n;
    this.samples.push({ at: this.now(), done: this.done });
    this.draw(false);
  }

  /** Writes a line of other output without leaving a half-drawn bar behind it. */
  note(line: string): void {
    this.clear();
    this.stream.write(line.endsWith('\n') ? line : `${line}\n`);
    if (this.stream.isTTY) this.draw(true);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw(true);
    if (this.stream.isTTY && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  /** The one-line rendering of the current state. */
  render(): string {
    const { total } = this.options;
    const rate = this.rate();
    const eta = rate > 0 ? formatDuration((total - this.done) / rate) : '--:--';
    const share = total > 0 ? Math.min(1, this.done / total) : 1;
    const figures =
      `${this.done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${(share * 100).toFixed(1)}%)` +
      `  ${Math.round(rate).toLocaleString('en-US')} items/s  ETA ${eta}`;
    const elapsed = `  elapsed ${formatDuration((this.now() - this.startedAt) / 1000)}`;
    const label = this.label ? `  ${this.label}` : '';
    if (!this.stream.isTTY) return `${figures}${elapsed}${label}`;
    // On a narrow terminal the elapsed time goes first, then bar width: the figures and label matter most.
    const columns = this.stream.columns || 80; // 0 when the terminal does not report a size
    const extra = figures.length + elapsed.length + label.length + 14 < columns ? elapsed : '';
    const barWidth = Math.max(10, Math.min(30, columns - figures.length - extra.length - label.length - 4));
    const filled = Math.round(share * barWidth);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${figures}${extra}${label}`;
    return line.length >= columns ? line.slice(0, columns - 1) : line;
  }

  private clear(): void {
    if (this.stream.isTTY && this.drawn) this.stream.write('\r\x1b[K');
  }

  private draw(force: boolean): void {
    const at = this.now();
    if (this.stream.isTTY) {
      if (!force && at - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = at;
      this.stream.write(`\r\x1b[K${this.render()}`);
      this.drawn = true;
      return;
    }
    if (!force && at - this.lastPlain < (this.options.plainIntervalMs ?? 5_000)) return;
    this.lastPlain = at;
    this.stream.write(`progress: ${this.render()}\n`);
  }
}
