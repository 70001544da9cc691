/**
 * The batch core on real Chromium, for the paths a command-line run cannot hit on purpose: a
 * browser killed while it prints a given document, a time budget running out, a browser that
 * cannot start, a sink that fails, a volume whose contents run over several pages, and a volume
 * of real reports read back as a tagged PDF (its structure tree walked object by object, and by
 * poppler) with the counties left out named on its cover.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCounties } from '../helpers/syntheticCounties';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString, type PDFObject } from 'pdf-lib';
import { bindVolume } from '../../lambda/src/batch/bindVolume';
import { RecyclingRenderer } from '../../lambda/src/chromium/RecyclingRenderer';
import type { BatchItem } from '../../lambda/src/batch/BatchItem';
import { runBatch, type BatchSink, type StoredPdf } from '../../lambda/src/batch/runBatch';
import { ChromiumRenderer } from '../../lambda/src/chromium/ChromiumRenderer';
import type { PdfRenderRequest, PdfRenderResult } from '../../lambda/src/core/ports';
import { ChromiumError, StorageError } from '../../lambda/src/core/errors';
import type { RenderedReport, ReportRenderer } from '../../lambda/src/core/ReportRenderer';
import { testApp } from '../helpers/app';
import { compact, pdfFonts, pdfInfo, pdfOutline, pdfStructureProblems, pdfText } from '../helpers/pdfTools';

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

    sink.failWith = new TypeError('boom');
    const bug = await runBatch({ templateId: TEMPLATE, items: items.slice(0, 1), renderers: [reports], sink });
    expect(bug.results[0].error).toEqual({ code: 'INTERNAL_ERROR', message: expect.stringMatching(/unexpectedly \(boom\)/), details: [] });
  });

  it('fails as a whole when the store is unavailable, so a remote group is retried, leaving the rest not done', async () => {
    const sink = new MemorySink();
    const unavailable = new StorageError('The report storage is unavailable; try again later.');
    sink.failWith = unavailable;
    const done: string[] = [];
    await expect(
      runBatch({ templateId: TEMPLATE, items, renderers: [reports], sink, onItemDone: (result) => void done.push(result.status) }),
    ).rejects.toBe(unavailable);
    expect(done[0]).toBe('failed');
    expect(done.slice(1).every((status) => status === 'not_done')).toBe(true);
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
    // Blank pdf-lib pages carry no marked content: such a volume does not claim to be tagged.
    expect(volume.tagged).toBe(false);
    expect(pdfInfo(volume.pdf).Tagged).toBe('no');
  });

  it('binds real reports into a tagged volume whose structure tree reaches every page, and names what was left out', async () => {
    const reports = app.rendererFor(printer);
    const counties = generateCounties(2, 7);
    const rendered = [];
    for (const { data } of counties) rendered.push(await reports.print(reports.prepare(TEMPLATE, data)));
    const leftOut = Array.from({ length: 8 }, (_, i) => ({ name: `未收县${i + 1}`, reason: i === 0 ? '数据有误（地区生产总值（亿元））' : '批次已取消，未生成' }));
    const volume = await bindVolume({
      title: '县长年度述学述职述廉述法报告',
      subtitle: '汇编',
      date: new Date(2024, 4, 1),
      printer,
      entries: rendered.map((report) => ({ title: report.meta.title, load: async () => report.pdf })),
      leftOut,
    });
    const pages = rendered.reduce((sum, report) => sum + report.pages, 0);
    expect(volume.pages).toBe(volume.frontPages + pages);
    expect(volume.tagged).toBe(true);

    // Well formed, tagged, in Chinese, every font embedded, as each report is.
    expect(pdfStructureProblems(volume.pdf)).toEqual([]);
    const info = pdfInfo(volume.pdf);
    expect(info.Tagged).toBe('yes');
    expect(pdfFonts(volume.pdf).filter((font) => !font.embedded)).toEqual([]);
    const tree = await readStructure(volume.pdf);
    expect(tree.lang).toBe('zh-CN');
    expect(tree.problems).toEqual([]);
    // One Document: the front matter, then one Part per report, titled like its bookmark.
    expect(tree.parts).toEqual([{ type: 'Part', title: '县长年度述学述职述廉述法报告：封面与目录' }, ...rendered.map((r) => ({ type: 'Part', title: r.meta.title }))]);
    // Every page's marked content is reached from the tree: no page is left out of it.
    expect(tree.pagesReached).toBe(volume.pages);
    // Table cells still name their header cells, now by IDs unique in the whole volume.
    expect(tree.headersChecked).toBeGreaterThan(0);

    // A screen reader's view (poppler reads the tree and the marked content together): each
    // report's text under its own Part, the cover's under the first.
    const struct = structText(volume.pdf);
    const parts = struct.split(/^ {2}Part/m).slice(1).map(compact);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toContain('另有8份未收入本汇编');
    counties.forEach(({ data }, i) => expect(parts[i + 1]).toContain(`${data.county.name}县长${data.year}年`));

    // The cover names the first few left out and why; the rest follow the contents.
    const cover = compact(pdfText(volume.pdf, 1));
    expect(cover).toContain('共2份');
    expect(cover).toContain('另有8份未收入本汇编');
    expect(cover).toContain('未收县1：数据有误（地区生产总值（亿元））');
    expect(cover).toContain('未收县5：批次已取消，未生成');
    expect(cover).not.toContain('未收县6');
    expect(cover).toContain('完整名单见目录之后');
    const list = compact(pdfText(volume.pdf, volume.frontPages));
    expect(list).toContain('未收入本汇编的8份');
    for (const entry of leftOut) expect(list).toContain(`${entry.name}：${entry.reason}`);
  });

  it('names a single county left out on the cover alone', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([595.28, 841.89]);
    const bytes = await doc.save();
    const volume = await bindVolume({
      title: '汇编测试',
      date: new Date(2024, 4, 1),
      printer,
      entries: [{ title: '甲县报告', load: async () => bytes }],
      leftOut: [{ name: '乙县', reason: '数据有误（县名）' }],
    });
    const cover = compact(pdfText(volume.pdf, 1));
    expect(cover).toContain('共1份另有1份未收入本汇编：乙县：数据有误（县名）');
    expect(volume.frontPages).toBe(2);
  });
});

/** `pdfinfo -struct-text`: the structure tree with the text each element marks, as poppler reads it. */
function structText(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'pdf-struct-'));
  try {
    writeFileSync(join(dir, 'doc.pdf'), pdf);
    return execFileSync('pdfinfo', ['-enc', 'UTF-8', '-struct-text', join(dir, 'doc.pdf')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The structure tree read object by object, checking what a tagged PDF promises: every element's
 * page (`/Pg`) is a page of this document, the parent tree maps every page's `/StructParents` to
 * elements of the tree, element IDs are unique and found through the ID tree, table cells'
 * `/Headers` name existing IDs.
 */
async function readStructure(pdf: Uint8Array): Promise<{
  lang: string | undefined;
  parts: { type: string; title: string | undefined }[];
  pagesReached: number;
  headersChecked: number;
  problems: string[];
}> {
  const doc = await PDFDocument.load(pdf);
  const context = doc.context;
  const problems: string[] = [];
  const text = (value: PDFObject | undefined): string | undefined =>
    value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : undefined;
  const bytes = (value: PDFObject | undefined): string | undefined =>
    value instanceof PDFString || value instanceof PDFHexString ? Buffer.from(value.asBytes()).toString('hex') : undefined;
  const root = doc.catalog.lookupMaybe(PDFName.of('StructTreeRoot'), PDFDict);
  if (!root) return { lang: undefined, parts: [], pagesReached: 0, headersChecked: 0, problems: ['no StructTreeRoot'] };
  const pageRefs = new Set(doc.getPages().map((page) => page.ref.toString()));
  const elements = new Map<string, PDFDict>();
  const ids = new Map<string, string>();
  const headers: string[] = [];
  const pagesWithContent = new Set<string>();
  const walk = (object: PDFObject, parent: string): void => {
    if (object instanceof PDFNumber) return;
    const ref = object instanceof PDFRef ? object.toString() : undefined;
    const element = object instanceof PDFRef ? context.lookupMaybe(object, PDFDict) : object instanceof PDFDict ? object : undefined;
    if (!element) return void problems.push(`${parent}: a kid that is not an element`);
    const type = element.get(PDFName.of('Type'));
    const page = element.get(PDFName.of('Pg'));
    if (page !== undefined) {
      if (!pageRefs.has(page.toString())) problems.push(`${ref ?? parent}: /Pg ${page.toString()} is not a page of the document`);
      else pagesWithContent.add(page.toString());
    }
    // Marked content on another page than its element's (a paragraph running over a page break).
    if (type === PDFName.of('MCR') || type === PDFName.of('OBJR')) return;
    if (ref) {
      if (elements.has(ref)) return void problems.push(`${ref} appears twice in the tree`);
      elements.set(ref, element);
    }
    const id = bytes(element.get(PDFName.of('ID')));
    if (id !== undefined) {
      if (ids.has(id)) problems.push(`ID ${id} is used twice`);
      ids.set(id, ref ?? '');
    }
    const attributes = element.lookup(PDFName.of('A'));
    for (const owner of attributes instanceof PDFArray ? attributes.asArray() : attributes ? [attributes] : []) {
      const list = (owner instanceof PDFRef ? context.lookupMaybe(owner, PDFDict) : owner instanceof PDFDict ? owner : undefined)?.lookupMaybe(PDFName.of('Headers'), PDFArray);
      for (const header of list?.asArray() ?? []) headers.push(bytes(header) ?? '');
    }
    const kids = element.get(PDFName.of('K'));
    for (const kid of kids instanceof PDFArray ? kids.asArray() : kids ? [kids] : []) walk(kid, ref ?? parent);
  };
  const top = root.get(PDFName.of('K'));
  const document = top instanceof PDFRef ? context.lookup(top, PDFDict) : undefined;
  if (!document || document.get(PDFName.of('S')) !== PDFName.of('Document')) problems.push('the root is not one Document element');
  walk(top!, 'root');

  // Parent tree: every page's key present once, every value an element of the tree.
  const nums = root.lookup(PDFName.of('ParentTree'), PDFDict).lookupMaybe(PDFName.of('Nums'), PDFArray)?.asArray() ?? [];
  const keys = new Map<number, PDFObject>();
  for (let i = 0; i < nums.length; i += 2) {
    const key = (nums[i] as PDFNumber).asNumber();
    if (keys.has(key)) problems.push(`parent tree key ${key} twice`);
    keys.set(key, nums[i + 1]);
  }
  const nextKey = root.lookup(PDFName.of('ParentTreeNextKey'), PDFNumber).asNumber();
  if (Math.max(...keys.keys()) >= nextKey) problems.push('ParentTreeNextKey is not past every key');
  for (const page of doc.getPages()) {
    const key = page.node.lookupMaybe(PDFName.of('StructParents'), PDFNumber)?.asNumber();
    if (key === undefined) continue;
    const value = keys.get(key);
    if (!(value instanceof PDFRef || value instanceof PDFArray)) {
      problems.push(`page ${page.ref.toString()}: /StructParents ${key} has no parent tree entry`);
      continue;
    }
    const array = value instanceof PDFRef ? context.lookup(value, PDFArray) : value;
    for (const element of array.asArray()) if (element instanceof PDFRef && !elements.has(element.toString())) problems.push(`parent tree ${key}: ${element.toString()} is not in the tree`);
  }
  // ID tree: every ID resolves to its own element; every header cell named exists.
  const names = root.lookupMaybe(PDFName.of('IDTree'), PDFDict)?.lookupMaybe(PDFName.of('Names'), PDFArray)?.asArray() ?? [];
  const idTree = new Map<string, string>();
  for (let i = 0; i < names.length; i += 2) idTree.set(bytes(names[i])!, names[i + 1].toString());
  for (const [id, ref] of ids) if (idTree.get(id) !== ref) problems.push(`ID ${Buffer.from(id, 'hex').toString('latin1')} is not in the ID tree as ${ref}`);
  const sorted = [...idTree.keys()];
  if (sorted.join() !== [...sorted].sort().join()) problems.push('the ID tree is not sorted');
  for (const header of headers) if (!ids.has(header)) problems.push(`a /Headers entry names no element: ${Buffer.from(header, 'hex').toString('latin1')}`);

  const parts = (document?.lookupMaybe(PDFName.of('K'), PDFArray)?.asArray() ?? []).map((kid) => {
    const part = context.lookup(kid as PDFRef, PDFDict);
    return { type: (part.get(PDFName.of('S')) as PDFName).decodeText(), title: text(part.get(PDFName.of('T'))) };
  });
  const lang = text(doc.catalog.get(PDFName.of('Lang')));
  return { lang, parts, pagesReached: pagesWithContent.size, headersChecked: headers.length, problems };
}

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
