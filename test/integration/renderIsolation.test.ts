/**
 * One render's trouble stays that render's (issue #13), on the real bundled Chromium: a render that
 * times out, a browser killed or frozen under renders in flight. Nothing here races a timer
 * against Chromium's speed: the slow document needs tens of seconds against a deadline of a few,
 * and the browser is frozen (SIGSTOP) before it is killed, so a render is in flight for certain.
 */
import { ChromiumRenderer, PAGES_PER_BROWSER, type ChromiumRendererOptions } from '../../lambda/src/chromium/ChromiumRenderer';
import { CONFIG_TABLE } from '../../lambda/src/config/configTable';
import { ChromiumError, RenderTimeoutError } from '../../lambda/src/core/errors';
import type { PdfRenderRequest } from '../../lambda/src/core/ports';
import { testApp } from '../helpers/app';
import { compact, pdfText } from '../helpers/pdfTools';

const config = testApp().config.render;
const css = '@page { size: A4; margin: 20mm } body { font-family: "Noto Serif SC"; font-size: 12pt }';
const doc = (body: string): PdfRenderRequest => ({
  html: `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>${css}</style></head><body>${body}</body></html>`,
  assets: new Map(),
  outline: false,
});
/** A table of `rows` × 50 cells. *Measured* on the 2-core build machine: 300 rows print in 1.5 s, 1,500 in 13.9 s. */
const table = (rows: number): PdfRenderRequest => doc(`<table>${('<tr>' + '<td>单元格</td>'.repeat(50) + '</tr>').repeat(rows)}</table>`);
/** Minutes of layout: far beyond any deadline used here, even on a machine several times faster. */
const endless = table(5_000);

const renderers: ChromiumRenderer[] = [];
function renderer(options: Partial<ChromiumRendererOptions> & { renderTimeoutMs: number }): ChromiumRenderer {
  const created = new ChromiumRenderer({ fontconfigFile: config.fontconfigFile, executablePath: config.chromiumPath, ...options });
  renderers.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(renderers.splice(0).map((r) => r.close()));
});

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const settle = <T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
const codeOf = (outcome: { ok: boolean; error?: unknown }): string => (outcome.ok ? 'ok' : ((outcome.error as { code?: string }).code ?? String(outcome.error)));

/** Waits until the renderer runs a browser other than `pid`, and returns its pid. */
async function nextBrowserPid(chromium: ChromiumRenderer, pid: number): Promise<number> {
  for (;;) {
    const current = await chromium.browserPid();
    if (current !== undefined && current !== pid) return current;
    await delay(10);
  }
}

describe('render isolation', () => {
  it('prints at most PAGES_PER_BROWSER renders on one browser; the rest wait, their deadlines not yet started', async () => {
    const chromium = renderer({ renderTimeoutMs: 60_000 });
    await chromium.renderPdf(doc('<p>预热</p>'));
    const outcomes = [settle(chromium.renderPdf(endless)), ...[1, 2, 3].map((i) => settle(chromium.renderPdf(doc(`<p>排队${i}</p>`))))];
    expect(chromium.stats()).toMatchObject({ printing: PAGES_PER_BROWSER, waiting: 4 - PAGES_PER_BROWSER });
    // Closing fails what is in flight and waiting; only the count above was the point.
    await chromium.close();
    await Promise.all(outcomes);
  });

  it('lets only the render that timed out fail: the renders beside it and behind it get their PDFs', async () => {
    const chromium = renderer({ renderTimeoutMs: 8_000 });
    await chromium.renderPdf(doc('<p>预热</p>'));
    const firstPid = await chromium.browserPid();

    // The slow render and one more print in the browser, the rest wait their turn.
    const slow = settle(chromium.renderPdf(endless));
    const others = [1, 2, 3, 4].map((i) => settle(chromium.renderPdf(doc(`<p>旁观者${i}号</p>`))));
    const outcomes = await Promise.all([slow, ...others]);
    expect(outcomes.map(codeOf)).toEqual(['RENDER_TIMEOUT', 'ok', 'ok', 'ok', 'ok']);
    const [timedOut, ...printed] = outcomes;
    expect(!timedOut.ok && timedOut.error).toBeInstanceOf(RenderTimeoutError);
    printed.forEach((outcome, i) => expect(outcome.ok && compact(pdfText(outcome.value.pdf))).toContain(`旁观者${i + 1}号`));
    // The browser went with the slow render; what was printing beside it was printed again.
    expect(await chromium.browserPid()).not.toBe(firstPid);
    expect(chromium.stats()).toMatchObject({ printing: 0, waiting: 0, retried: PAGES_PER_BROWSER - 1 });
  });

  it('prints a render again, once, when Chromium is killed under it', async () => {
    const chromium = renderer({ renderTimeoutMs: 30_000, retryAfterCrash: true });
    const pid = (await chromium.browserPid())!;
    // Frozen first, so the render is surely in flight (and cannot finish) when the browser dies.
    process.kill(pid, 'SIGSTOP');
    const printing = chromium.renderPdf(doc('<p>崩溃后重印</p>'));
    await delay(300);
    process.kill(pid, 'SIGKILL');
    const { pdf } = await printing;
    expect(compact(pdfText(pdf))).toContain('崩溃后重印');
    expect(await chromium.browserPid()).not.toBe(pid);
    expect(chromium.stats().retried).toBe(1);
  });

  it('gives up after that one retry, and retries nothing unless asked (runBatch counts its own attempts)', async () => {
    const retrying = renderer({ renderTimeoutMs: 30_000, retryAfterCrash: true });
    const pid = (await retrying.browserPid())!;
    process.kill(pid, 'SIGSTOP');
    // 300 rows: over a second of printing, so the retry is still in flight when its browser is stopped.
    const printing = settle(retrying.renderPdf(table(300)));
    await delay(300);
    process.kill(pid, 'SIGKILL');
    const second = await nextBrowserPid(retrying, pid);
    process.kill(second, 'SIGSTOP');
    await delay(300);
    process.kill(second, 'SIGKILL');
    const outcome = await printing;
    expect(codeOf(outcome)).toBe('CHROMIUM_FAILED');
    expect(!outcome.ok && (outcome.error as Error).message).toMatch(/crashed.*try again/);
    expect(retrying.stats().retried).toBe(1);

    const plain = renderer({ renderTimeoutMs: 30_000 });
    const plainPid = (await plain.browserPid())!;
    process.kill(plainPid, 'SIGSTOP');
    const once = plain.renderPdf(doc('<p>不重试</p>'));
    await delay(300);
    process.kill(plainPid, 'SIGKILL');
    await expect(once).rejects.toBeInstanceOf(ChromiumError);
    expect(plain.stats().retried).toBe(0);
    // The next render simply gets a fresh browser.
    expect(compact(pdfText((await plain.renderPdf(doc('<p>下一份</p>'))).pdf))).toContain('下一份');
  });

  it('turns a frozen browser into one RENDER_TIMEOUT and a fresh browser, not a hang', async () => {
    const chromium = renderer({ renderTimeoutMs: 3_000 });
    const pid = (await chromium.browserPid())!;
    process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    const outcomes = await Promise.all([1, 2, 3].map((i) => settle(chromium.renderPdf(doc(`<p>冻结${i}</p>`)))));
    // The first deadline to fire is blamed and kills the browser; the others were bystanders.
    expect(outcomes.map(codeOf)).toEqual(['RENDER_TIMEOUT', 'ok', 'ok']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await chromium.browserPid()).not.toBe(pid);
  });

  it('closes a frozen browser without waiting for it', async () => {
    const chromium = renderer({ renderTimeoutMs: 3_000 });
    await chromium.renderPdf(doc('<p>关闭</p>'));
    const pid = (await chromium.browserPid())!;
    process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    await chromium.close();
    expect(Date.now() - started).toBeLessThan(15_000);
    await delay(500);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('says in the configuration table how many renders one browser prints at once', () => {
    expect(CONFIG_TABLE.MAX_CONCURRENT_RENDERS.meaning).toContain(`at most ${PAGES_PER_BROWSER}`);
  });
});
