import { clampConcurrency, ConcurrencyLimiter } from '../../lambda/src/core/ConcurrencyLimiter';
import { RendererBusyError } from '../../lambda/src/core/errors';

/** A task that runs until its `finish` is called. */
function controllable(): { task: () => Promise<string>; started: boolean; finish: (value: string) => void; fail: (e: Error) => void } {
  const handle = {
    started: false,
    finish: (_value: string): void => undefined,
    fail: (_e: Error): void => undefined,
    task: (): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        handle.started = true;
        handle.finish = resolve;
        handle.fail = reject;
      }),
  };
  return handle;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('runs up to maxConcurrent at once, queues up to maxQueued, refuses the rest', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 2, maxQueued: 1, retryAfterSeconds: 4 });
    const [a, b, c] = [controllable(), controllable(), controllable()];
    const pa = limiter.run(a.task);
    const pb = limiter.run(b.task);
    const pc = limiter.run(c.task);
    await tick();
    expect([a.started, b.started, c.started]).toEqual([true, true, false]);
    expect(limiter.stats()).toEqual({ active: 2, queued: 1 });

    const refused = await limiter.run(async () => 'never').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RendererBusyError);
    expect(refused).toMatchObject({ code: 'RENDERER_BUSY', retryAfterSeconds: 4 });
    expect((refused as Error).message).toMatch(/retry in 4 s/);

    a.finish('a');
    await expect(pa).resolves.toBe('a');
    await tick();
    expect(c.started).toBe(true);
    expect(limiter.stats()).toEqual({ active: 2, queued: 0 });
    b.fail(new Error('boom'));
    await expect(pb).rejects.toThrow('boom');
    c.finish('c');
    await expect(pc).resolves.toBe('c');
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('refuses at once when nothing may wait', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 0, retryAfterSeconds: 1 });
    const a = controllable();
    const pa = limiter.run(a.task);
    await expect(limiter.run(async () => 1)).rejects.toBeInstanceOf(RendererBusyError);
    a.finish('done');
    await pa;
    await expect(limiter.run(async () => 1)).resolves.toBe(1);
  });

  it('keeps its slots after tasks throw synchronously', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 0, retryAfterSeconds: 1 });
    for (let i = 0; i < 3; i++) {
      await expect(limiter.run(() => { throw new Error('sync'); })).rejects.toThrow('sync');
    }
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('clamps concurrency to what the renderer runs at once, queueing the rest instead of refusing it', () => {
    // Issue #13: MAX_CONCURRENT_RENDERS=16 put 16 pages into one single-process browser.
    expect(clampConcurrency({ maxConcurrent: 16, maxQueued: 1000, retryAfterSeconds: 2 }, 2)).toEqual({ maxConcurrent: 2, maxQueued: 1014, retryAfterSeconds: 2 });
    expect(clampConcurrency({ maxConcurrent: 16, maxQueued: 0, retryAfterSeconds: 2 }, 2)).toEqual({ maxConcurrent: 2, maxQueued: 14, retryAfterSeconds: 2 });
    // At or under the ceiling nothing changes.
    expect(clampConcurrency({ maxConcurrent: 2, maxQueued: 8, retryAfterSeconds: 2 }, 2)).toEqual({ maxConcurrent: 2, maxQueued: 8, retryAfterSeconds: 2 });
    expect(clampConcurrency({ maxConcurrent: 1, maxQueued: 0, retryAfterSeconds: 2 }, 2)).toEqual({ maxConcurrent: 1, maxQueued: 0, retryAfterSeconds: 2 });
    expect(() => clampConcurrency({ maxConcurrent: 1, maxQueued: 0, retryAfterSeconds: 2 }, 0)).toThrow(RangeError);
  });

  it('admits as many tasks clamped as configured, and runs only the clamped number at once', async () => {
    const limiter = new ConcurrencyLimiter(clampConcurrency({ maxConcurrent: 4, maxQueued: 1, retryAfterSeconds: 3 }, 2));
    const tasks = Array.from({ length: 5 }, () => controllable());
    const running = tasks.map((t) => limiter.run(t.task));
    await tick();
    expect(tasks.map((t) => t.started)).toEqual([true, true, false, false, false]);
    expect(limiter.stats()).toEqual({ active: 2, queued: 3 });
    await expect(limiter.run(async () => 'sixth')).rejects.toBeInstanceOf(RendererBusyError);
    for (const [i, t] of tasks.entries()) {
      await tick();
      t.finish(String(i));
    }
    await expect(Promise.all(running)).resolves.toEqual(['0', '1', '2', '3', '4']);
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('rejects impossible limits', () => {
    expect(() => new ConcurrencyLimiter({ maxConcurrent: 0, maxQueued: 1, retryAfterSeconds: 1 })).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: -1, retryAfterSeconds: 1 })).toThrow(RangeError);
  });
});
