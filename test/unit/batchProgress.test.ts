/**
 * Batch progress: plain periodic lines when the output is not a terminal, a live bar with rate
 * and ETA when it is.
 */
import { BatchProgress } from '../../lambda/src/cli/BatchProgress';
import type { BatchCounts } from '../../lambda/src/batch/runBatch';

const counts = (done: number, failed = 0, skipped = 0): BatchCounts => ({ total: 50, done, ok: done - failed - skipped, failed, skipped, notDone: 0 });

describe('BatchProgress', () => {
  it('writes a plain line with counts, rate and ETA every interval, and stops writing when stopped', async () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new BatchProgress(50, { write: (s) => void lines.push(s) }, { intervalMs: 20, now: () => now });
    now = 4_000;
    progress.update(counts(20, 2, 1));
    expect(progress.line()).toBe('batch: 20/50 (40%), 17 ok, 2 failed, 1 skipped; 5.0 docs/s; ETA 6s');
    await new Promise((r) => setTimeout(r, 70));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toBe('batch: 20/50 (40%), 17 ok, 2 failed, 1 skipped; 5.0 docs/s; ETA 6s\n');
    progress.stop();
    const written = lines.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(written);
  });

  it('says the ETA is unknown before anything is done, and counts minutes', () => {
    let now = 0;
    const progress = new BatchProgress(1000, { write: () => undefined }, { now: () => now });
    expect(progress.line()).toMatch(/ETA \?$/);
    now = 10_000;
    progress.update({ total: 1000, done: 50, ok: 50, failed: 0, skipped: 0, notDone: 0 });
    expect(progress.line()).toBe('batch: 50/1000 (5%), 50 ok, 0 failed, 0 skipped; 5.0 docs/s; ETA 3m10s');
    progress.stop();
  });

  it('draws a bar with rate and ETA on a terminal', () => {
    let drawn = '';
    const tty = {
      isTTY: true,
      columns: 120,
      write: (s: string) => ((drawn += s), true),
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      clearScreenDown: () => true,
      on: () => tty,
      removeListener: () => tty,
    } as unknown as NodeJS.WriteStream;
    const progress = new BatchProgress(50, { tty, write: () => undefined });
    progress.update(counts(25, 1));
    progress.stop();
    expect(drawn).toMatch(/█+░+ 25\/50 \| [\d.]+ docs\/s \| ETA \S+ \| ok 24, skipped 0, failed 1/);
  });
});
