/**
 * The batch core on real Chromium, for the paths a command-line run cannot hit on purpose: a
 * browser killed while it prints a given document, a time budget running out, a browser that
 * cannot start, a sink that fails, and a volume whose contents run over several pages.
 */
import { generateCounties } from '../helpers/syntheticCounties';
import { PDFDocument } from 'pdf-lib';
import { bindVolume } from '../../lambda/src/batch/bindVolume';
import { RecyclingRenderer } from '../../lambda/src/chromium/RecyclingRenderer';
import type { BatchItem } from '../../lambda/src/batch/BatchItem';
import { runBatch, type BatchSink, type StoredPdf } from '../../lambda/src/batch/runBatch';
import { ChromiumRenderer } from '../../lambda/src/chromium/ChromiumRenderer';
import type { PdfRenderRequest, PdfRenderResult } from '../../lambda/src/core/ports';
import { ChromiumError, StorageError } from '../../lambda/src/core/errors';
import type { RenderedReport, ReportRenderer } from '../../lambda/src/core/ReportRenderer';
import { testApp } from '../helpers/app';
import { compact, pdfOutline, pdfText } from '../helpers/pdfTools';

const TEMPLATE = 'county-annual-report';
const app = testApp();
const config = app.config.render;

/** A real ChromiumRenderer whose browser is SIGKILLed while it prints the chosen call. */
class KilledMidPrint extends ChromiumRenderer {
  calls = 0;
  killed: number[] = [];
  constructor(private readonly killOnCall: number) {
    super({ fontconfigFile: config.fontconfigFile, executablePath: config.chromiumPath, renderTimeoutMs: config.renderTimeoutMs });
  }
  override async renderPdf(request: PdfRenderRequest): Promise<PdfRenderResult> {
    this.calls++;
    if (this.calls !== this.killOnCall) return super.renderPdf(request);
    const pid = (await this.browserPid())!;
    const printing = super.renderPdf(request);
    // 40 ms in: past launching and opening the page, well before a ~250 ms print is done.
    await new Promise((r) => setTimeout(r, 40));
    process.kill(pid, 'SIGKILL');
    this.killed.push(pid);
    return printing;
  }
}

class MemorySink implements BatchSink {
  stored = new Map<string, RenderedReport>();
  failWith: Error | undefined;
  async store(item: BatchItem, report: RenderedReport): Promise<StoredPdf> {
    if (this.failWith) throw this.failWith;
    this.stored.set(item.id, report);
    return { location: item.id, bytes: report.bytes, pages: report.pages, sha256: report.sha256, title: report.meta.title };
  }
}

function counties(count: number): BatchItem[] {
  return generateCounties<unknown>(count, 99).map(({ id, data }, i) => ({ where: `line ${i + 1}`, id, stem: id, data, problem: undefined }));
}

describe('runBatch', () => {
  const items = counties(4);
  let chromium: KilledMidPrint;
  let reports: ReportRenderer;

  beforeAll(() => {
    chromium = new KilledMidPrint(2);
    reports = app.rendererFor(chromium);
  });
  afterAll(() => chromium.close());

  it('prints a document again when its browser is killed mid-print, on a fresh browser', async () => {
    const sink = new MemorySink();
    const outcome = await runBatch({ templateId: TEMPLATE, items, renderers: [reports], sink });
    expect(chromium.killed).toHaveLength(1);
    expect(outcome.results.map((r) => [r.status, r.attempts])).toEqual([
      ['ok', 1],
      ['ok', 2],
      ['ok', 1],
      ['ok', 1],
    ]);
    expect(outcome.counts).toEqual({ total: 4, done: 4, ok: 4, failed: 0, skipped: 0, notDone: 0 });
    expect(await chromium.browserPid()).not.toBe(chromium.killed[0]);
    const text = compact(pdfText(sink.stored.get(items[1].id)!.pdf));
    expect(text).toContain(items[1].id);
  });

  it('leaves items it may not start as not_done, in input order', async () => {
    let asked = 0;
    const done: number[] = [];
    const outcome = await runBatch({
      templateId: TEMPLATE,
      items,
      renderers: [reports],
      sink: new MemorySink(),
      mayStart: () => ++asked <= 2,
      onItemDone: (_result, counts, index) => done.push(index) && void expect(counts.done).toBe(done.length),
    });
    expect(outcome.results.map((r) => r.status)).toEqual(['ok', 'ok', 'not_done', 'not_done']);
    expect(outcome.counts).toMatchObject({ ok: 2, notDone: 2, done: 4 });
    expect(done).toEqual([0, 1, 2, 3]);
  });

  it('reports failures as data: bad records, bad data and a failing sink', async () => {
    const sink = new MemorySink();
    const bad: BatchItem[] = [
      { ...items[0], id: 'broken', stem: undefined, problem: new ChromiumError('never printed') },
      { ...items[1], id: 'invalid', data: { year: 'last' } },
    ];
    const outcome = await runBatch({ templateId: TEMPLATE, items: bad, renderers: [reports], sink });
    expect(outcome.results.map((r) => [r.id, r.status, r.error?.code, r.attempts])).toEqual([
      ['broken', 'failed', 'CHROMIUM_FAILED', 0],
      ['invalid', 'failed', 'VALIDATION_FAILED', 0],
    ]);
    expect(outcome.results[1].error?.details.map((d) => d.path)).toContain('/year');

    sink.failWith = new StorageError('The report storage is unavailable; try again later.');
    const storing = await runBatch({ templateId: TEMPLATE, items: items.slice(0, 1), renderers: [reports], sink });
    expect(storing.results[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'STORAGE_FAILED' } });
    sink.failWith = new TypeError('boom');
    const bug = await runBatch({ templateId: TEMPLATE, items: items.slice(0, 1), renderers: [reports], sink });
    expect(bug.results[0].error).toEqual({ code: 'INTERNAL_ERROR', message: expect.stringMatching(/unexpectedly \(boom\)/), details: [] });
  });

  it('fails as a whole, printing nothing, when the browsers cannot start', async () => {
    const sink = new MemorySink();
    const broken = new ChromiumError('Chromium could not be started; check CHROMIUM_PATH or reinstall @sparticuz/chromium.');
    await expect(
      runBatch({ templateId: TEMPLATE, items, renderers: [reports], sink, warmUp: () => Promise.reject(broken) }),
    ).rejects.toBe(broken);
    expect(sink.stored.size).toBe(0);
  });

  it('refuses an unknown template before looking at any item', async () => {
    await expect(runBatch({ templateId: 'nope', items, renderers: [reports], sink: new MemorySink() })).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
  });
});

describe('bindVolume', () => {
  let printer: ChromiumRenderer;
  beforeAll(() => {
    printer = new ChromiumRenderer({ fontconfigFile: config.fontconfigFile, executablePath: config.chromiumPath, renderTimeoutMs: config.renderTimeoutMs });
  });
  afterAll(() => printer.close());

  it('numbers a contents list running over several pages with the pages the entries land on', async () => {
    // 60 entries of 1–3 blank pages: enough for contents over three pages.
    const entries = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const doc = await PDFDocument.create();
        for (let p = 0; p <= i % 3; p++) doc.addPage([595.28, 841.89]);
        const bytes = await doc.save();
        return { title: `第${i + 1}县<测试>&“报告”`, load: async () => bytes };
      }),
    );
    const volume = await bindVolume({ title: '汇编测试', subtitle: '汇编', date: new Date(2024, 4, 1), entries, printer });
    const body = entries.reduce((sum, _e, i) => sum + (i % 3) + 1, 0);
    expect(volume.frontPages).toBeGreaterThanOrEqual(3);
    expect(volume.pages).toBe(volume.frontPages + body);
    expect((await PDFDocument.load(volume.pdf)).getPageCount()).toBe(volume.pages);
    expect(volume.firstPages[0]).toBe(volume.frontPages + 1);
    expect(volume.firstPages[59]).toBe(volume.pages - 2);
    const outline = await pdfOutline(volume.pdf);
    expect(outline).toHaveLength(60);
    expect(outline[59]).toEqual({ title: '第60县<测试>&“报告”', level: 0 });
    // Titles are printed as text (escaped), each with the page it starts on.
    const contents = compact(Array.from({ length: volume.frontPages - 1 }, (_, p) => pdfText(volume.pdf, p + 2)).join(''));
    expect(contents).toContain(`第1县<测试>&“报告”${volume.firstPages[0]}`);
    expect(contents).toContain(`第60县<测试>&“报告”${volume.firstPages[59]}`);
    expect(compact(pdfText(volume.pdf, 1))).toContain('2024年5月1日');
  });
});

describe('RecyclingRenderer', () => {
  const page = (text: string): PdfRenderRequest => ({ html: `<p>${text}</p>`, assets: new Map(), outline: false });
  const launch = (): ChromiumRenderer =>
    new ChromiumRenderer({ fontconfigFile: config.fontconfigFile, executablePath: config.chromiumPath, renderTimeoutMs: config.renderTimeoutMs });

  it('relaunches its browser between documents once it is over the memory limit', async () => {
    // A browser always uses more than 1 MB, so every document after the first gets a fresh one.
    const printer = new RecyclingRenderer(launch, { maxBrowserRssMb: 1, maxDocuments: 1000 });
    try {
      const pids: (number | undefined)[] = [];
      for (const text of ['第一份', '第二份', '第三份']) {
        const { pdf } = await printer.renderPdf(page(text));
        pids.push(await printer.browserPid());
        expect(compact(pdfText(pdf))).toContain(text);
      }
      expect(printer.recycled).toBe(2);
      expect(new Set(pids).size).toBe(3);
      expect(pids.filter((pid) => pid !== pids[2]).every((pid) => !isAlive(pid!))).toBe(true);
    } finally {
      await printer.close();
    }
  });

  it('keeps a browser under the limits, and relaunches after a number of documents', async () => {
    const printer = new RecyclingRenderer(launch, { maxBrowserRssMb: 100_000, maxDocuments: 2 });
    try {
      for (const text of ['一', '二', '三', '四']) await printer.renderPdf(page(text));
      expect(printer.recycled).toBe(1);
    } finally {
      await printer.close();
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
