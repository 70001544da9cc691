/**
 * The playground's batch tab as a clerk uses it, in a real Chromium (puppeteer-core + the bundled
 * @sparticuz/chromium, JavaScript on) against the dev server: a batch with one failed county
 * (time left while it runs, the failures-only filter, desktop and phone screenshots, the bound
 * volume read back as a tagged PDF naming the county left out), a reload that finds the batch
 * again (finished, and while it runs), a cancel that keeps what was finished, re-running only
 * the counties without a PDF, their rows downloaded to fix and upload again, a second batch
 * refused in Chinese with a link to the running one, an unusable file's reason shown as the
 * server wrote it, and the Excel template offered for download.
 *
 * Setup as test/e2e/playground.test.ts: a copy of templates/, the embedded S3, its own
 * PLAYGROUND_DIR, one batch browser (PLAYGROUND_BATCH_CONCURRENCY's default). Screenshots go to
 * test-artifacts/playground/ (git-ignored) and are checked to have content.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import type { DevServer } from '../../lambda/src/entrypoints/devServer';
import { compact, pdfFonts, pdfInfo, pdfStructureProblems, pdfText } from '../helpers/pdfTools';
import { generateCounties, toCsv, type SyntheticCounty } from '../helpers/syntheticCounties';
import { projectTemplates } from '../helpers/app';
import { parseBatchItems } from '../../lambda/src/batch/parseBatchItems';
import { writeWorkbook } from '../../lambda/src/batch/writeWorkbook';
import { ARTIFACTS, delay, SECOND, saveScreenshot, startPlayground, TEMPLATE, watchPage, type Dom, type Playground } from './helpers/playgroundHarness';

const DESKTOP = { width: 1280, height: 900 };
// Without isMobile: puppeteer reloads the page to change it, and this step checks the page as it is.
const PHONE = { width: 390, height: 844, deviceScaleFactor: 2 };

/** `pdfinfo -struct-text`: the structure tree with the text each element marks, as a screen reader gets it. */
function structText(pdf: Uint8Array, dir: string): string {
  const path = join(dir, 'struct.pdf');
  writeFileSync(path, pdf);
  return execFileSync('pdfinfo', ['-enc', 'UTF-8', '-struct-text', path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe('playground batches a clerk can control, in a real browser', () => {
  let playground: Playground;
  let dir: string;
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  /** The first batch: eight counties, the third one's GDP impossible. */
  let counties: SyntheticCounty[];
  let lines: string[];
  let firstJob: string;

  const files = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  const jsonLines = (items: readonly unknown[]): string => items.map((item) => JSON.stringify(item)).join('\n') + '\n';

  async function fetchBytes(url: string): Promise<Buffer> {
    const response = await fetch(url.startsWith('http') ? url : `${server.url}${url}`);
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  }

  async function jobView(id: string): Promise<Dom> {
    return (await fetch(`${server.url}/playground/batches/${id}`)).json();
  }

  const shownJob = (on: Page = page): Promise<string> => on.$eval('#batch-progress-box', (el) => (el as Dom).dataset.job ?? '');
  const shownPhase = (on: Page = page): Promise<string> => on.$eval('#batch-progress-box', (el) => (el as Dom).dataset.phase ?? '');
  const text = (selector: string, on: Page = page): Promise<string> => on.$eval(selector, (el) => el.textContent ?? '');

  /** Waits until the batch shown is in one of `phases`; other than `notJob` when given. */
  async function waitForPhase(phases: readonly string[], on: Page = page, notJob = '', timeout = 90_000): Promise<void> {
    await on.waitForFunction(
      (wanted: string[], previous: string) => {
        const box = (globalThis as Dom).document.getElementById('batch-progress-box');
        return !box.hidden && box.dataset.job !== previous && wanted.includes(box.dataset.phase);
      },
      { timeout, polling: 100 },
      phases as string[],
      notJob,
    );
  }

  /** Counties done in the batch shown, as its rows say. */
  const rowsDone = (on: Page = page): Promise<number> =>
    on.$$eval('#batch-table tbody tr', (trs) => trs.filter((tr) => /status-(ok|failed|skipped)/.test(tr.className)).length);

  async function openBatchTab(on: Page = page): Promise<void> {
    await on.click('#tab-batch');
    await on.waitForSelector('#panel-batch:not([hidden])');
  }

  async function upload(path: string, on: Page = page): Promise<void> {
    const input = await on.$('#batch-file');
    await (input as ElementHandle<Dom>).uploadFile(path);
    await on.waitForSelector('#batch-start:not([disabled])');
    await on.click('#batch-start');
  }

  async function load(on: Page = page, template = TEMPLATE): Promise<void> {
    await on.goto(`${server.url}/#template=${template}`);
    await on.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  }

  /** Saves a screenshot as a test artifact and checks it shows the page, not a blank. */
  const screenshot = (name: string, size: { width: number; height: number; deviceScaleFactor?: number }): Promise<void> => saveScreenshot(page, name, size);

  async function newPage(): Promise<Page> {
    const tab = await browser.newPage();
    await tab.setViewport(DESKTOP);
    // Chromium logs every 4xx/5xx answer; refusals (400, 503) are the page working as designed.
    watchPage(tab, problems, /status of (400|404|422|503)/);
    return tab;
  }

  beforeAll(async () => {
    // A second template (in the harness): the second batch is tried from it.
    playground = await startPlayground({ prefix: 'pdf-export-batches-', viewport: DESKTOP, problems, unset: ['PLAYGROUND_BATCH_CONCURRENCY'] });
    ({ dir, server, browser } = playground);
    page = await newPage();

    counties = generateCounties(8, 16);
    lines = counties.map((county) => JSON.stringify(county));
    const bad = structuredClone(counties[2]);
    bad.data.economy.gdp = -1;
    lines[2] = JSON.stringify(bad);
  }, 90_000);

  afterAll(() => playground?.close());

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });

  it('offers the Excel template and takes .xlsx files in the picker', async () => {
    await load();
    await openBatchTab();
    expect(await page.$eval('#batch-file', (el) => (el as Dom).accept.split(','))).toEqual(expect.arrayContaining(['.xlsx', '.csv', '.jsonl', '.json']));
    const href = await page.$eval('#batch-sheet', (el) => (el as Dom).getAttribute('href'));
    expect(href).toBe(`/playground/templates/${TEMPLATE}/sheet.xlsx`);
    expect(await text('#batch-sheet')).toContain('Excel 模板');
    const response = await fetch(`${server.url}${href}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('spreadsheetml');
    // An .xlsx file is a ZIP.
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 2).toString('latin1')).toBe('PK');
  });

  it('runs a batch with one failed county: time left while it runs, a failures-only filter, a tagged volume naming the county left out', async () => {
    await upload(files('counties.jsonl', `${lines.join('\n')}\n`));
    // Time left, in Chinese, once the first counties are done.
    await page.waitForFunction(() => ((globalThis as Dom).document.getElementById('batch-eta').textContent ?? '') !== '', { timeout: 60_000, polling: 50 });
    expect(await text('#batch-eta')).toMatch(/^预计还需(不到 10 秒|约 \d+ 秒|约 \d+ 分( \d+ 秒|钟))$/);
    expect(await page.$eval('#batch-cancel', (el) => (el as Dom).hidden)).toBe(false);
    await waitForPhase(['done', 'failed', 'cancelled']);
    expect(await shownPhase()).toBe('done');
    firstJob = await shownJob();
    expect(await text('#batch-status')).toBe('完成：共 8 个县，成功 7，失败 1。');
    expect(await text('#batch-eta')).toBe('');
    expect(await page.$eval('#batch-cancel', (el) => (el as Dom).hidden)).toBe(true);

    // 只看失败的县: one row left, the failed one, with its line and reason.
    expect(await text('#batch-only-failed-label')).toBe('只看失败的县（1）');
    const visibleRows = (): Promise<{ id: string; note: string }[]> =>
      page.$$eval('#batch-table tbody tr', (trs) =>
        trs.filter((tr) => (tr as Dom).offsetParent !== null).map((tr) => ({ id: tr.querySelector('th')?.textContent ?? '', note: tr.children[6].textContent ?? '' })),
      );
    expect(await visibleRows()).toHaveLength(8);
    await page.click('#batch-only-failed');
    const failedRows = await visibleRows();
    expect(failedRows).toEqual([{ id: counties[2].id, note: '第 3 行：数据有误：地区生产总值（亿元）：不能小于 0' }]);
    await page.click('#batch-only-failed');
    expect(await visibleRows()).toHaveLength(8);

    // What to do about it: re-run, or download the row to fix it.
    expect(await text('#batch-rerun')).toBe('重新生成失败的 1 个县');
    expect(await text('#batch-failed-rows')).toBe('下载失败的 1 行（.jsonl），改好后重新上传');

    await page.$eval('#batch-status', (el) => el.scrollIntoView({ block: 'start' }));
    await screenshot('batch-failure-desktop.png', DESKTOP);
    await page.setViewport(PHONE);
    await page.$eval('#batch-status', (el) => el.scrollIntoView({ block: 'start' }));
    // A phone shows each county as a card: nothing wider than the screen.
    expect(await page.evaluate(() => (globalThis as Dom).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const card = await page.$eval(`#batch-table tbody tr.status-failed`, (tr) => {
      const box = tr.getBoundingClientRect();
      return { width: box.width, background: (globalThis as Dom).getComputedStyle(tr).backgroundColor };
    });
    expect(card.width).toBeLessThanOrEqual(PHONE.width);
    expect(card.background).not.toBe('rgba(0, 0, 0, 0)');
    await screenshot('batch-failure-phone.png', PHONE);
    await page.setViewport(DESKTOP);

    // The volume: the seven reports, the cover naming the county left out and why, tagged like
    // each report (qpdf finds nothing wrong, poppler reads the tree with each county's text).
    const links = await page.$$eval('#batch-downloads a', (as) => as.map((a) => (a as Dom).getAttribute('href')));
    const volume = await fetchBytes(links.find((href) => href.endsWith('/volume.pdf'))!);
    expect(pdfStructureProblems(volume)).toEqual([]);
    expect(pdfInfo(volume).Tagged).toBe('yes');
    expect(pdfFonts(volume).filter((font) => !font.embedded)).toEqual([]);
    const cover = compact(pdfText(volume, 1));
    expect(cover).toContain('共7份');
    expect(cover).toContain(`另有1份未收入本汇编：${counties[2].id}：数据有误（地区生产总值（亿元））`);
    const parts = structText(volume, dir).split(/^ {2}Part/m).slice(1).map(compact);
    expect(parts).toHaveLength(8);
    expect(parts[0]).toContain('另有1份未收入本汇编');
    counties.filter((_, i) => i !== 2).forEach((county, i) => expect(parts[i + 1]).toContain(`${county.id}县长`));
    const view = await jobView(firstJob);
    expect(view.volume).toMatchObject({ tagged: true });
  });

  it('finds the finished batch again after a reload, with its table and downloads', async () => {
    const key = await page.evaluate((id) => (globalThis as Dom).localStorage.getItem(`pdf-export.playground.batch.${id}`), TEMPLATE);
    expect(key).toBe(firstJob);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.waitForFunction((id: string) => (globalThis as Dom).document.getElementById('batch-progress-box').dataset.job === id, { timeout: 20_000 }, firstJob);
    await openBatchTab();
    expect(await shownPhase()).toBe('done');
    expect(await text('#batch-status')).toBe('完成：共 8 个县，成功 7，失败 1。');
    expect(await page.$$eval('#batch-table tbody tr', (trs) => trs.map((tr) => tr.className))).toEqual(counties.map((_, i) => (i === 2 ? 'status-failed' : 'status-ok')));
    const links = await page.$$eval('#batch-downloads a', (as) => as.map((a) => (a as Dom).getAttribute('href')));
    expect(links).toEqual([`/playground/batches/${firstJob}/reports.zip`, `/playground/batches/${firstJob}/volume.pdf`, `/playground/batches/${firstJob}/manifest.json`]);
    // The server's list: every batch it holds, newest first, with its phase and counts.
    const list = (await (await fetch(`${server.url}/playground/batches`)).json()) as Dom;
    expect(list.batches[0]).toMatchObject({ id: firstJob, template: TEMPLATE, phase: 'done', counts: { total: 8, ok: 7, failed: 1 } });
    expect(await page.$eval('#batch-recent-select', (el) => (el as Dom).value)).toBe(firstJob);
  });

  it('re-runs only the failed county from the same record, and gives its row back as a file to fix and upload', async () => {
    await page.click('#batch-rerun');
    await waitForPhase(['done', 'failed', 'cancelled'], page, firstJob);
    const rerunJob = await shownJob();
    const rerun = await jobView(rerunJob);
    // Only the failed county, from the same line of the same file: the same data fails the same way.
    expect(rerun).toMatchObject({ rerunOf: firstJob, counts: { total: 1, failed: 1 }, source: 'counties.jsonl' });
    expect(rerun.items.map((item: Dom) => [item.id, item.where, item.error?.code])).toEqual([[counties[2].id, 'line 3', 'VALIDATION_FAILED']]);
    expect(await text('#batch-phase')).toContain(`重新生成（批次 ${firstJob} 中未完成的县）`);

    // The row to fix, exactly as uploaded.
    const href = await page.$eval('#batch-failed-rows', (el) => (el as Dom).getAttribute('href'));
    const response = await fetch(`${server.url}${href}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain(encodeURIComponent('counties-未完成的1条.jsonl'));
    const row = await response.text();
    expect(row).toBe(`${lines[2]}\n`);

    // Fixed and uploaded again: now it renders.
    const fixed = JSON.parse(row);
    fixed.data.economy.gdp = 12.5;
    await page.$eval('#batch-file', (el) => ((el as Dom).value = ''));
    await upload(files('fixed.jsonl', jsonLines([fixed])));
    await waitForPhase(['done', 'failed', 'cancelled'], page, rerunJob);
    expect(await text('#batch-status')).toBe('完成：共 1 个县，成功 1，失败 0。');
    expect(await page.$eval('#batch-rerun', (el) => (el as Dom).hidden)).toBe(true);
  });

  it('follows a running batch across a reload, cancels it after the documents in progress, keeps what was done, and finishes the rest on demand', async () => {
    const many = generateCounties(24, 61);
    await page.$eval('#batch-file', (el) => ((el as Dom).value = ''));
    const before = await shownJob();
    await upload(files('many.jsonl', jsonLines(many)));
    await waitForPhase(['rendering'], page, before);
    const job = await shownJob();
    await page.waitForFunction(() => (globalThis as Dom).document.querySelectorAll('#batch-table tbody tr.status-ok').length >= 1, { timeout: 60_000, polling: 50 });

    // Reload mid-batch: the page finds it again and keeps following it.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.waitForFunction((id: string) => (globalThis as Dom).document.getElementById('batch-progress-box').dataset.job === id, { timeout: 20_000 }, job);
    await openBatchTab();
    expect(await shownPhase()).toBe('rendering');
    const afterReload = await rowsDone();
    await page.waitForFunction((n: number) => (globalThis as Dom).document.querySelectorAll('#batch-table tbody tr.status-ok').length > n, { timeout: 60_000, polling: 50 }, afterReload);

    // Cancel: the page says so at once; the county in progress finishes, no other starts.
    await page.click('#batch-cancel');
    await page.waitForFunction(() => ((globalThis as Dom).document.getElementById('batch-status').textContent ?? '').startsWith('正在取消'), { timeout: 10_000, polling: 50 });
    await waitForPhase(['done', 'failed', 'cancelled'], page);
    expect(await shownPhase()).toBe('cancelled');
    const view = await jobView(job);
    const done = view.items.filter((item: Dom) => item.status === 'ok').map((item: Dom) => item.id);
    const notDone = view.items.filter((item: Dom) => item.status === 'not_done').map((item: Dom) => item.id);
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(notDone.length).toBeGreaterThan(0);
    expect(done.length + notDone.length).toBe(24);
    // Not a failure: no error, the rest simply not done.
    expect(view).toMatchObject({ phase: 'cancelled', error: null, counts: { failed: 0, notDone: notDone.length } });
    expect(await text('#batch-status')).toBe(`已取消：共 24 个县，已生成 ${done.length}，失败 0，未生成 ${notDone.length}。已完成的部分可以下载。`);
    const notes = await page.$$eval('#batch-table tbody tr.status-not_done', (trs) => trs.map((tr) => [tr.children[2].textContent, tr.children[6].textContent]));
    expect(notes).toEqual(notDone.map(() => ['未生成', '批次已取消，未生成']));
    await page.$eval('#batch-status', (el) => el.scrollIntoView({ block: 'start' }));
    await screenshot('batch-cancelled-desktop.png', DESKTOP);

    // The manifest says what was not done; the ZIP and the volume hold what was.
    const manifest = JSON.parse((await fetchBytes(`/playground/batches/${job}/manifest.json`)).toString('utf8'));
    expect(manifest).toMatchObject({ total: 24, succeeded: done.length, failed: 0, notDone: notDone.length, cancelled: { notStarted: notDone } });
    expect(manifest.finishedAt).not.toBeNull();
    const zip = await fetchBytes(`/playground/batches/${job}/reports.zip`);
    for (const id of done) expect(zip.includes(Buffer.from(`${id}.pdf`))).toBe(true);
    for (const id of notDone) expect(zip.includes(Buffer.from(`${id}.pdf`))).toBe(false);
    const volume = await fetchBytes(`/playground/batches/${job}/volume.pdf`);
    const cover = compact(pdfText(volume, 1));
    expect(cover).toContain(`共${done.length}份`);
    expect(cover).toContain(`另有${notDone.length}份未收入本汇编`);
    expect(cover).toContain(`${notDone[0]}：批次已取消，未生成`);

    // The rest, on demand: the counties not done, and only those.
    expect(await text('#batch-rerun')).toBe(`生成其余未生成的 ${notDone.length} 个县`);
    await page.click('#batch-rerun');
    await waitForPhase(['done', 'failed', 'cancelled'], page, job);
    const rest = await jobView(await shownJob());
    expect(rest).toMatchObject({ phase: 'done', rerunOf: job, counts: { total: notDone.length, ok: notDone.length, failed: 0 } });
    expect(rest.items.map((item: Dom) => item.id)).toEqual(notDone);
  });

  it('refuses a second batch in Chinese with a link to the running one', async () => {
    const before = await shownJob();
    await page.$eval('#batch-file', (el) => ((el as Dom).value = ''));
    await upload(files('again.jsonl', jsonLines(generateCounties(30, 77))));
    await waitForPhase(['rendering'], page, before);
    const running = await shownJob();

    // A second tab, on the other template (on this one it would find the running batch itself),
    // another upload: refused, in Chinese, with a way to the running batch.
    const other = await newPage();
    try {
      await load(other, SECOND);
      await openBatchTab(other);
      expect(await other.$eval('#batch-progress-box', (el) => (el as Dom).hidden)).toBe(true);
      const brief = { id: '岚溪县', data: (await (await fetch(`${server.url}/templates/${SECOND}`)).json() as Dom).sample };
      await upload(files('second.jsonl', jsonLines([brief])), other);
      await other.waitForSelector('#batch-alert:not([hidden]) .batch-link', { timeout: 20_000 });
      const alert = await text('#batch-alert', other);
      expect(alert).toMatch(/^已有批次正在生成（again\.jsonl，已完成 \d+ \/ 30）。一次只能运行一个批次：请等它完成，或在批量生成页取消它，再开始下一批。/);
      expect(alert).toContain('查看正在运行的批次');
      expect(await other.$eval('#batch-alert .batch-link', (a) => (a as Dom).getAttribute('href'))).toBe(`#batch=${running}`);
      await other.setViewport(DESKTOP);
      await other.screenshot({ path: join(ARTIFACTS, 'batch-refused-desktop.png') });
      await other.click('#batch-alert .batch-link');
      await other.waitForFunction((id: string) => (globalThis as Dom).document.getElementById('batch-progress-box').dataset.job === id, { timeout: 20_000 }, running);
      expect(await other.$eval('#batch-alert', (el) => (el as Dom).hidden)).toBe(true);
      // The same link opened as a page: the batch tab, showing that batch.
      await other.goto(`${server.url}/#batch=${running}`);
      await other.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      await other.waitForSelector('#panel-batch:not([hidden])', { timeout: 20_000 });
      await other.waitForFunction((id: string) => (globalThis as Dom).document.getElementById('batch-progress-box').dataset.job === id, { timeout: 20_000 }, running);
      // Cancelled from the second tab, seen in the first.
      await other.click('#batch-cancel');
      await waitForPhase(['cancelled', 'done'], other);
    } finally {
      await other.close();
    }
    await waitForPhase(['cancelled', 'done'], page);

    // The same refusal through the API: 503 with Retry-After, the stable code.
    const post = (body: string): Promise<Response> =>
      fetch(`${server.url}/playground/batches?template=${TEMPLATE}&name=a.jsonl`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', origin: server.url }, body });
    const started = await post(jsonLines(generateCounties(6, 3)));
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as Dom;
    const busy = await post(jsonLines(generateCounties(1, 4)));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(((await busy.json()) as Dom).error).toMatchObject({ code: 'RENDERER_BUSY', message: expect.stringMatching(/^已有批次正在生成/) });
    const cancel = await fetch(`${server.url}/playground/batches/${id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: '{}' });
    expect([200, 202]).toContain(cancel.status);
    const deadline = Date.now() + 60_000;
    while (!['done', 'cancelled', 'failed'].includes((await jobView(id)).phase) && Date.now() < deadline) await delay(200);
  });

  it("gives a workbook's and a CSV's unfinished rows back in their own format, ready to fix and upload", async () => {
    const schema = projectTemplates().get(TEMPLATE).schema;
    const three = generateCounties(3, 23);
    three[1].data.economy.gdp = -2;
    const post = (name: string, body: Uint8Array | string): Promise<Response> =>
      fetch(`${server.url}/playground/batches?template=${TEMPLATE}&name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', origin: server.url },
        body,
      });
    const finished = async (response: Response): Promise<Dom> => {
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as Dom;
      const deadline = Date.now() + 60_000;
      let view: Dom;
      do {
        await delay(200);
        view = await jobView(id);
      } while (!['done', 'cancelled', 'failed'].includes(view.phase) && Date.now() < deadline);
      return view;
    };

    // An Excel workbook (the template's own data sheet, three counties): its failed row comes
    // back as a data sheet, which reads back with the value to fix.
    const workbook = await writeWorkbook({ id: TEMPLATE, title: '县长报告', schema }, three, { maxRows: 100 });
    const fromSheet = await finished(await post('数据.xlsx', workbook));
    expect(fromSheet).toMatchObject({ phase: 'done', format: 'xlsx', counts: { ok: 2, failed: 1 } });
    const sheet = await fetch(`${server.url}/playground/batches/${fromSheet.id}/failed-rows`);
    expect(sheet.headers.get('content-type')).toContain('spreadsheetml');
    expect(sheet.headers.get('content-disposition')).toContain(encodeURIComponent('数据-未完成的1条.xlsx'));
    const limits = { maxBytes: 10 * 1024 * 1024, maxUnzippedBytes: 100 * 1024 * 1024, maxRows: 100 };
    const back = parseBatchItems(new Uint8Array(await sheet.arrayBuffer()), 'xlsx', schema, { workbook: limits });
    expect(back.map((item) => [item.id, (item.data as Dom).economy.gdp])).toEqual([[three[1].id, -2]]);

    // A CSV: the header and the failed row, as they were.
    const csv = toCsv(three);
    const [header, ...csvRows] = csv.trim().split('\n');
    const fromCsv = await finished(await post('counties.csv', csv));
    expect(fromCsv).toMatchObject({ phase: 'done', format: 'csv', counts: { ok: 2, failed: 1 } });
    const rows = await fetch(`${server.url}/playground/batches/${fromCsv.id}/failed-rows`);
    expect(rows.headers.get('content-type')).toContain('text/csv');
    expect(await rows.text()).toBe(`${header}\n${csvRows[1]}\n`);
  });

  it("shows an unusable file's reason as the server wrote it, and renders nothing", async () => {
    const csv = 'id,economy.gpd\n甲县,1\n';
    const response = await fetch(`${server.url}/playground/batches?template=${TEMPLATE}&name=bad.csv`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', origin: server.url },
      body: csv,
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Dom;
    const before = await shownJob();
    await page.$eval('#batch-file', (el) => ((el as Dom).value = ''));
    await upload(files('bad.csv', csv));
    await page.waitForSelector('#batch-alert:not([hidden])', { timeout: 20_000 });
    const alert = await text('#batch-alert > p');
    expect(alert).toBe(`文件无法使用，没有生成任何报告：${error.message}`);
    const details = await page.$$eval('#batch-alert li', (lis) => lis.map((li) => li.textContent));
    expect(details).toEqual(error.details.map((d: Dom) => (d.path ? `${d.path}：${d.message}` : d.message)));
    // The batch shown before is still the one shown.
    expect(await shownJob()).toBe(before);
  });

  it('accepts cancel and re-run only from the page itself', async () => {
    const command = (path: string, headers: Record<string, string>): Promise<Response> =>
      fetch(`${server.url}/playground/batches/${firstJob}/${path}`, { method: 'POST', headers, body: '{}' });
    expect((await command('cancel', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await command('rerun', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await command('cancel', { 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(403);
    expect((await command('rerun', { 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(403);
    // A finished batch is left as it is.
    const finished = await command('cancel', { 'content-type': 'application/json', origin: server.url });
    expect(finished.status).toBe(200);
    expect(((await finished.json()) as Dom).phase).toBe('done');
    expect((await fetch(`${server.url}/playground/batches/20200101-000000-abcdef/failed-rows`)).status).toBe(404);
  });
});
