/**
 * Progress of a local batch: on a terminal, a live bar with rate and ETA redrawn in place; in a
 * log or CI (not a TTY), one plain line every few seconds, since a redrawn bar there becomes
 * thousands of lines of control characters.
 */
import { SingleBar } from 'cli-progress';
import type { BatchCounts } from '../batch/runBatch';

export interface ProgressOutput {
  /** The terminal to draw on; undefined when output is not a TTY. */
  readonly tty?: NodeJS.WriteStream;
  /** Where plain lines go when there is no TTY. */
  readonly write: (text: string) => void;
}

export interface BatchProgressOptions {
  /** Seconds between plain lines. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const DEFAULT_INTERVAL_MS = 5_000;

function seconds(value: number): string {
  if (!Number.isFinite(value)) return '?';
  const s = Math.max(0, Math.round(value));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export class BatchProgress {
  private readonly startedAt: number;
  private readonly now: () => number;
  private counts: BatchCounts;
  private readonly bar: SingleBar | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    total: number,
    private readonly output: ProgressOutput,
    options: BatchProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.counts = { total, done: 0, ok: 0, failed: 0, skipped: 0, notDone: 0 };
    if (output.tty) {
      this.bar = new SingleBar({
        stream: output.tty,
        format: ' {bar} {value}/{total} | {rate} docs/s | ETA {etaText} | ok {ok}, skipped {skipped}, failed {failed}',
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        fps: 5,
      });
      this.bar.start(total, 0, this.payload());
    } else {
      this.timer = setInterval(() => this.output.write(`${this.line()}\n`), options.intervalMs ?? DEFAULT_INTERVAL_MS);
      // Never keeps the process alive on its own.
      this.timer.unref();
    }
  }

  /** Items per second so far, and the seconds left at that rate. */
  rate(): { perSecond: number; etaSeconds: number } {
    const elapsed = (this.now() - this.startedAt) / 1000;
    const perSecond = elapsed > 0 ? this.counts.done / elapsed : 0;
    const left = this.counts.total - this.counts.done;
    return { perSecond, etaSeconds: left === 0 ? 0 : perSecond > 0 ? left / perSecond : Number.POSITIVE_INFINITY };
  }

  /** The plain progress line, e.g. `batch: 20/50 (40%), 18 ok, 2 failed, 0 skipped; 9.4 docs/s; ETA 3s`. */
  line(): string {
    const { total, done, ok, failed, skipped } = this.counts;
    const { perSecond, etaSeconds } = this.rate();
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    return `batch: ${done}/${total} (${pct}%), ${ok} ok, ${failed} failed, ${skipped} skipped; ${perSecond.toFixed(1)} docs/s; ETA ${seconds(etaSeconds)}`;
  }

  update(counts: BatchCounts): void {
    this.counts = counts;
    this.bar?.update(counts.done, this.payload());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.bar) {
      this.bar.update(this.counts.done, this.payload());
      this.bar.stop();
    }
  }

  private payload(): Record<string, string | number> {
    const { perSecond, etaSeconds } = this.rate();
    return { rate: perSecond.toFixed(1), etaText: seconds(etaSeconds), ok: this.counts.ok, skipped: this.counts.skipped, failed: this.counts.failed };
  }
}
