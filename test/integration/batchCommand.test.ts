/**
 * `pdf-export batch` end to end on real Chromium and real files: 50 synthetic counties (three of
 * them bad) rendered by two browsers while one browser is killed mid-batch, then resumed, then
 * resumed after one county changed; the ZIP and the bound volume read back with unzip and pdf-lib.
 *
 * One shared run feeds most assertions, to keep the suite's time modest on two cores.
 */
import { generateCounties, type SyntheticCounty } from '../helpers/syntheticCounties';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import type { BatchManifest } from '../../lambda/src/batch/BatchManifest';
import { runCli } from '../../lambda/src/entrypoints/cli';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import type { CountyAnnualReportData } from '../helpers/countyAnnualReportData';
import { countyView } from '../unit/helpers/countyAnnualReportFiles';
import { compact, pdfInfo, pdfOutline, pdfStructureProblems, pdfText } from '../helpers/pdfTools';

const root = resolve(__dirname, '..', '..');
const TEMPLATE = 'county-annual-report';

type Item = SyntheticCounty;


async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

const readManifest = (dir: string): BatchManifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BatchManifest;

/** Chromium processes started by this test process (the renderers' browsers). */
function chromiumChildren(): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim();
    for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chromium')) pids.push(pid);
      } catch {
        /* already gone */
      }
    }
  }
  return pids;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Expected phrases of a county's report, from the same view model the template prints. */
function expectedPhrases(data: CountyAnnualReportData): string[] {
  const view = countyView(data);
  return [data.county.name, data.county.slogan, view.economy.gdp, view.investment.negotiatedProjects, data.ecology.wetland].map(compact);
}

describe('pdf-export batch', () => {
  let work: string;
  let out: string;
  let itemsFile: string;
  let items: Item[];
  let lines: string[];
  let first: { code: number; stdout: string; stderr: string };
  let manifest: BatchManifest;
  let killedPid: number | undefined;
  const browsersSeen = new Set<number>();
  const BAD = { negativeGdp: 5, missingName: 17, brokenLine: 33 };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'batch-cli-'));
    out = join(work, 'out');
    itemsFile = join(work, 'counties.jsonl');
    items = generateCounties(50, 2024);
    lines = items.map((item) => JSON.stringify(item));
    // Three bad records of three kinds: a value out of range, a missing field, a broken line.
    const negative = structuredClone(items[BAD.negativeGdp]);
    negative.data.economy.gdp = -5;
    lines[BAD.negativeGdp] = JSON.stringify(negative);
    const nameless = structuredClone(items[BAD.missingName]) as unknown as { data: { county: Record<string, unknown> } };
    delete nameless.data.county.name;
    lines[BAD.missingName] = JSON.stringify(nameless);
    lines[BAD.brokenLine] = lines[BAD.brokenLine].slice(0, 200);
    writeFileSync(itemsFile, `${lines.join('\n')}\n`);

    // Kill one of the two browsers once a few PDFs are written, at a moment it is printing (its
    // CPU time is rising): a real SIGKILL mid-batch.
    const cpuTicks = (pid: number): number => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    let lastTicks: number | undefined;
    const killer = setInterval(() => {
      const browsers = chromiumChildren();
      browsers.forEach((pid) => browsersSeen.add(pid));
      let pdfs = 0;
      try {
        pdfs = readdirSync(out).filter((f) => f.endsWith('.pdf')).length;
      } catch {
        return;
      }
      if (pdfs < 8 || killedPid !== undefined || browsers.length === 0) return;
      try {
        const ticks = cpuTicks(browsers[0]);
        const busy = lastTicks !== undefined && ticks - lastTicks >= 2;
        lastTicks = ticks;
        if (!busy) return;
      } catch {
        return;
      }
      killedPid = browsers[0];
      process.kill(killedPid, 'SIGKILL');
    }, 40);
    try {
      first = await cli('batch', TEMPLATE, itemsFile, '-o', out, '-c', '2', '--zip', '--volume');
    } finally {
      clearInterval(killer);
    }
    manifest = readManifest(out);
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('renders 47 PDFs, reports the three bad records with readable reasons, and exits 1', () => {
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/pdf-export: 3 of 50 items failed; see .*manifest\.json for why\.\n$/);
    expect(first.stdout).toMatch(/^50 items: 47 rendered, 0 already current, 3 failed in [\d.]+ s \([\d.]+ docs\/s\)/);
    expect(manifest).toMatchObject({ template: TEMPLATE, total: 50, succeeded: 47, failed: 3, skipped: 0, notDone: 0 });
    expect(Date.parse(manifest.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
    // Input order, one entry per item.
    expect(manifest.items.map((i) => i.id)).toEqual(items.map((item, i) => (i === BAD.brokenLine ? `line ${i + 1}` : item.id)));

    const failed = manifest.items.filter((i) => i.status === 'failed');
    expect(failed.map((i) => i.id)).toEqual([items[BAD.negativeGdp].id, items[BAD.missingName].id, `line ${BAD.brokenLine + 1}`]);
    expect(failed[0].error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: '/economy/gdp', message: expect.stringMatching(/must be >= 0.*地区生产总值/) }] });
    expect(failed[1].error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: '/county/name', message: expect.stringMatching(/is required.*县名/) }] });
    expect(failed[2].error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^line 34 is not valid JSON/) });
    for (const item of failed) expect(item).toMatchObject({ file: null, bytes: null, sha256: null });
    expect(first.stdout).toContain(`${items[BAD.negativeGdp].id} (line ${BAD.negativeGdp + 1}): invalid data: /economy/gdp: must be >= 0`);
    expect(first.stdout).toContain(`line ${BAD.brokenLine + 1}: line ${BAD.brokenLine + 1} is not valid JSON`);
  });

  it('writes each good county once, with the text of its own data and the recorded size and hash', () => {
    const pdfs = readdirSync(out).filter((f) => f.endsWith('.pdf') && f !== 'volume.pdf');
    expect(pdfs).toHaveLength(47);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const ok = manifest.items.filter((i) => i.status === 'ok');
    expect(ok).toHaveLength(47);
    for (const entry of ok) {
      const item = items.find((i) => i.id === entry.id)!;
      expect(entry.file).toBe(`${item.id}.pdf`);
      const pdf = readFileSync(join(out, entry.file!));
      expect(pdf.length).toBe(entry.bytes);
      expect(sha256Hex(pdf)).toBe(entry.sha256);
      expect(entry.pages).toBeGreaterThan(1);
      expect(entry.title).toContain(item.data.county.name);
      expect(entry.inputHash).toMatch(/^[0-9a-f]{64}$/);
      const text = compact(pdfText(pdf));
      for (const phrase of expectedPhrases(item.data)) expect(text).toContain(phrase);
    }
  });

  it('survives a browser killed mid-batch: a new browser takes over, every good county rendered once', () => {
    expect(killedPid).toBeDefined();
    expect(browsersSeen.has(killedPid!)).toBe(true);
    expect(isAlive(killedPid!)).toBe(false);
    const ok = manifest.items.filter((i) => i.status === 'ok');
    expect(new Set(ok.map((i) => i.id)).size).toBe(47);
    // A document in flight in the killed browser is printed again (batchCore.test.ts proves that
    // path deterministically); never more than twice.
    expect(manifest.items.every((i) => i.attempts <= 2)).toBe(true);
  });

  it('adds a ZIP with every PDF and the manifest', () => {
    const names = execFileSync('unzip', ['-Z1', join(out, 'reports.zip')], { encoding: 'utf8' }).trim().split('\n').sort();
    const expected = [...manifest.items.filter((i) => i.file).map((i) => i.file!), 'manifest.json'].sort();
    expect(names).toEqual(expected);
    execFileSync('unzip', ['-tq', join(out, 'reports.zip')]);
    const one = manifest.items.find((i) => i.status === 'ok')!;
    const unzipped = execFileSync('unzip', ['-p', join(out, 'reports.zip'), one.file!], { maxBuffer: 16 * 1024 * 1024 });
    expect(sha256Hex(unzipped)).toBe(one.sha256);
  });

  it('binds a volume: cover, contents, every county with one bookmark at its first page', async () => {
    const volume = readFileSync(join(out, 'volume.pdf'));
    const doc = await PDFDocument.load(volume);
    const ok = manifest.items.filter((i) => i.status === 'ok');
    const bodyPages = ok.reduce((sum, i) => sum + i.pages!, 0);
    const frontPages = doc.getPageCount() - bodyPages;
    expect(frontPages).toBeGreaterThanOrEqual(2);
    expect(frontPages).toBeLessThanOrEqual(5);

    const outline = await pdfOutline(volume);
    expect(outline).toEqual(ok.map((i) => ({ title: i.title, level: 0 })));

    // Each bookmark points at the first page of its county: front pages + the pages before it.
    const pageIndex = new Map(doc.getPages().map((page, i) => [page.ref.toString(), i]));
    const targets: number[] = [];
    const outlines = doc.catalog.lookup(PDFName.of('Outlines'), PDFDict);
    for (let item = outlines.lookupMaybe(PDFName.of('First'), PDFDict); item; item = item.lookupMaybe(PDFName.of('Next'), PDFDict)) {
      const dest = item.lookup(PDFName.of('Dest'), PDFArray);
      targets.push(pageIndex.get((dest.get(0) as PDFRef).toString())!);
    }
    let page = frontPages;
    const expected = ok.map((i) => {
      const start = page;
      page += i.pages!;
      return start;
    });
    expect(targets).toEqual(expected);

    const cover = compact(pdfText(volume, 1));
    expect(cover).toContain('县长年度述学述职述廉述法报告');
    expect(cover).toContain('共47份');
    // The three counties left out, named on the cover with the reason.
    expect(cover).toContain('另有3份未收入本汇编');
    expect(cover).toContain(`${items[BAD.negativeGdp].id}：数据有误（地区生产总值（亿元））`);
    expect(cover).toContain(`${items[BAD.missingName].id}：数据有误（`);
    expect(cover).toContain(`第${BAD.brokenLine + 1}行：数据文件中这一条无法读取`);
    // Tagged like each report, and well formed.
    expect(pdfInfo(volume).Tagged).toBe('yes');
    expect(pdfStructureProblems(volume)).toEqual([]);
    const contents = compact(pdfText(volume, 2));
    expect(contents).toContain('目录');
    expect(contents).toContain(`${ok[0].title}${expected[0] + 1}`);
    // The first county's own first page follows the contents.
    expect(compact(pdfText(volume, expected[0] + 1))).toContain(ok[0].id);
    expect(first.stdout).toContain(`(${doc.getPageCount()} pages, 47 bookmarks`);
  });

  it('--resume renders nothing again when nothing changed', async () => {
    const before = new Map(readdirSync(out).map((f) => [f, statSync(join(out, f)).mtimeMs]));
    const again = await cli('batch', TEMPLATE, itemsFile, '-o', out, '-c', '2', '--resume');
    expect(again.code).toBe(1);
    const resumed = readManifest(out);
    expect(resumed).toMatchObject({ total: 50, succeeded: 0, skipped: 47, failed: 3 });
    expect(again.stdout).toMatch(/^50 items: 0 rendered, 47 already current, 3 failed/);
    for (const [file, mtime] of before) if (file.endsWith('.pdf')) expect(statSync(join(out, file)).mtimeMs).toBe(mtime);
    // Skipped items keep what the manifest needs for the next resume and the volume.
    const skipped = resumed.items.find((i) => i.status === 'skipped')!;
    expect(skipped).toMatchObject(manifest.items.find((i) => i.id === skipped.id)!.status === 'ok' ? { file: `${skipped.id}.pdf` } : {});
    expect(skipped.sha256).toBe(manifest.items.find((i) => i.id === skipped.id)!.sha256);
  });

  it('--resume after one county changed re-renders exactly that one', async () => {
    const changed = structuredClone(items[0]);
    changed.data.economy.gdp = 1234.56;
    changed.data.county.slogan = '改过的口号、焕新之县';
    lines[0] = JSON.stringify(changed);
    writeFileSync(itemsFile, `${lines.join('\n')}\n`);
    const again = await cli('batch', TEMPLATE, itemsFile, '-o', out, '-c', '2', '--resume');
    expect(again.code).toBe(1);
    const resumed = readManifest(out);
    expect(resumed).toMatchObject({ total: 50, succeeded: 1, skipped: 46, failed: 3 });
    expect(resumed.items.filter((i) => i.status === 'ok').map((i) => i.id)).toEqual([changed.id]);
    const text = compact(pdfText(readFileSync(join(out, `${changed.id}.pdf`))));
    for (const phrase of expectedPhrases(changed.data)) expect(text).toContain(phrase);
  });

  it('reads a CSV items file (an id column and dotted field columns)', async () => {
    const [a, b] = generateCounties(2, 7);
    const flatten = (value: unknown, prefix = ''): Record<string, string> =>
      Array.isArray(value)
        ? { [prefix]: value.join('、') }
        : typeof value === 'object' && value !== null
          ? Object.assign({}, ...Object.entries(value).map(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k)))
          : { [prefix]: String(value) };
    const rows = [a, b].map((item) => ({ id: item.id, ...flatten(item.data) }));
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    const csv = [columns.join(','), ...rows.map((row) => columns.map((c) => (row as Record<string, string>)[c] ?? '').join(','))].join('\n');
    const csvFile = join(work, 'counties.csv');
    writeFileSync(csvFile, csv);
    const csvOut = join(work, 'csv-out');
    const r = await cli('batch', TEMPLATE, csvFile, '-o', csvOut, '-c', '1');
    expect(r.stderr).not.toMatch(/pdf-export:/);
    expect(r.code).toBe(0);
    expect(readManifest(csvOut)).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    const text = compact(pdfText(readFileSync(join(csvOut, `${b.id}.pdf`))));
    for (const phrase of expectedPhrases(b.data)) expect(text).toContain(phrase);
  });

  it('survives Ctrl-C (a separate process): no partial PDF, and --resume finishes the rest', async () => {
    const dir = join(work, 'interrupted');
    mkdirSync(dir, { recursive: true });
    // 20 good counties: enough to interrupt mid-way, small enough to keep the suite quick.
    const smallFile = join(work, 'small.jsonl');
    writeFileSync(smallFile, `${items.slice(0, 20).map((item) => JSON.stringify(item)).join('\n')}\n`);
    const stale = '甲县.pdf.999999.tmp';
    writeFileSync(join(dir, stale), 'left behind by a killed run');
    const child = spawn(process.execPath, [join(root, 'bin', 'pdf-export.js'), 'batch', TEMPLATE, smallFile, '-o', dir, '-c', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const started = Date.now();
    // Late enough for a manifest checkpoint (every 2 s) to exist.
    while (readdirSync(dir).filter((f) => f.endsWith('.pdf')).length < 6 && Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const code = await exited;
    // 1: the command stopped after the documents in flight and wrote its manifest. 130: puppeteer's
    // own SIGINT handler ended the process first (ChromiumRenderer launches with handleSIGINT on).
    expect([1, 130]).toContain(code);
    if (code === 1) {
      expect(stderr).toMatch(/pdf-export: interrupted after \d+ of 20 items; run the same command with --resume to finish\.\n$/);
      expect(readManifest(dir)).toMatchObject({ finishedAt: null });
    }
    const stopped = readManifest(dir);
    expect(stopped.items.length).toBeLessThan(20);
    // Whatever was on disk was complete: PDFs are renamed into place only when fully written.
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.pdf'))) {
      expect((await PDFDocument.load(readFileSync(join(dir, file)))).getPageCount()).toBeGreaterThan(1);
    }

    const resumed = await cli('batch', TEMPLATE, smallFile, '-o', dir, '-c', '2', '--resume');
    expect(resumed.code).toBe(0);
    const finished = readManifest(dir);
    expect(finished).toMatchObject({ total: 20, failed: 0, notDone: 0 });
    expect(finished.succeeded + finished.skipped).toBe(20);
    // Items recorded by the interrupted run's checkpoint were not printed again.
    expect(finished.skipped).toBeGreaterThanOrEqual(stopped.items.filter((i) => i.status === 'ok').length);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const entry of finished.items.filter((i) => i.file)) expect(sha256Hex(readFileSync(join(dir, entry.file!)))).toBe(entry.sha256);
  });

  it('refuses bad usage and unusable input with exit 2 and one line, starting no browser', async () => {
    const dupes = join(work, 'dupes.jsonl');
    writeFileSync(dupes, `${lines[1]}\n${lines[2]}\n${lines[1]}\n`);
    const cases: [string[], RegExp][] = [
      [['batch', TEMPLATE, dupes, '-o', join(work, 'x')], /^pdf-export: item ids must be unique: id ".+" appears more than once \(line 1, line 3\)\.\n$/],
      [['batch', 'no-such-template', itemsFile, '-o', join(work, 'x')], /^pdf-export: Unknown template "no-such-template"/],
      [['batch', TEMPLATE, join(work, 'missing.jsonl'), '-o', join(work, 'x')], /^pdf-export: cannot read items file .*missing\.jsonl: ENOENT\n$/],
      [['batch', TEMPLATE, join(work, 'items.txt'), '-o', join(work, 'x')], /name the items file \.json, \.jsonl, \.csv or \.xlsx/],
      [['batch', TEMPLATE, itemsFile, '-o', itemsFile], /is a file; give a folder/],
      [['batch', TEMPLATE, itemsFile, '-o', join(work, 'x'), '-c', '0'], /use a whole number of browsers from 1 to 16/],
      [['batch', TEMPLATE, itemsFile], /required option '-o, --output <dir>' not specified/],
    ];
    for (const [args, pattern] of cases) {
      const r = await cli(...args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: expect.stringMatching(pattern) });
    }
    expect(chromiumChildren()).toEqual([]);
  });
});
