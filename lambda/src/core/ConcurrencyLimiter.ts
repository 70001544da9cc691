/**
 * Bounds how many renders run at once and how many may wait. Chromium is the scarce resource: the
 * bundled build runs single-process, so extra parallel pages barely help (docs/architecture.md) while every
 * waiting request holds its prepared HTML in memory. Beyond the queue the caller is told to come
 * back later (RendererBusyError → 503 + Retry-After) instead of piling up until the process dies.
 */
import { RendererBusyError } from './errors';

export interface ConcurrencyLimits {
  /** Tasks running at the same time (≥ 1). */
  readonly maxConcurrent: number;
  /** Tasks allowed to wait for a slot (≥ 0); the next one is refused. */
  readonly maxQueued: number;
  /** What a refused caller is told to wait before retrying. */
  readonly retryAfterSeconds: number;
}

/**
 * `limits` with at most `ceiling` tasks at once, those configured beyond it waiting instead: as
 * many tasks are admitted as before (running + waiting), none is refused for the clamp.
 * For a renderer that can really run only `ceiling` renders at once (ChromiumRenderer's one
 * single-process browser), so that a generous MAX_CONCURRENT_RENDERS queues renders here, where
 * the queue is bounded and its overflow is a 503, instead of piling pages into Chromium.
 */
export function clampConcurrency(limits: ConcurrencyLimits, ceiling: number): ConcurrencyLimits {
  if (!Number.isInteger(ceiling) || ceiling < 1) throw new RangeError('the ceiling must be a whole number ≥ 1');
  const maxConcurrent = Math.min(limits.maxConcurrent, ceiling);
  return { ...limits, maxConcurrent, maxQueued: limits.maxQueued + (limits.maxConcurrent - maxConcurrent) };
}

export interface LimiterStats {
  readonly active: number;
  readonly queued: number;
}

export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: ConcurrencyLimits) {
    if (!Number.isInteger(limits.maxConcurrent) || limits.maxConcurrent < 1) throw new RangeError('maxConcurrent must be a whole number ≥ 1');
    if (!Number.isInteger(limits.maxQueued) || limits.maxQueued < 0) throw new RangeError('maxQueued must be a whole number ≥ 0');
  }

  stats(): LimiterStats {
    return { active: this.active, queued: this.waiting.length };
  }

  /** Runs `task` when a slot is free; throws RendererBusyError at once when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limits.maxConcurrent) {
      this.active++;
    } else if (this.waiting.length < this.limits.maxQueued) {
      // release() hands its slot straight to us, so `active` is not incremented here.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new RendererBusyError(
        `The renderer is busy (${this.active} rendering, ${this.waiting.length} waiting); retry in ${this.limits.retryAfterSeconds} s.`,
        this.limits.retryAfterSeconds,
      );
    }
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
