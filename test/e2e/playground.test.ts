/**
 * The playground page (`npm start` → http://127.0.0.1:3000/) driven as a person would, in a real
 * Chromium (puppeteer-core + @sparticuz/chromium, JavaScript on) against the dev server with its
 * embedded S3: load the page, switch templates, change a figure and read the new figure out of the
 * rendered PDF, enter an invalid value and find the message next to that field, download the PDF
 * through the signed link, and run a 5-county batch from an uploaded file.
 *
 * Every step saves a screenshot to test-artifacts/playground/ (git-ignored) and checks that it
 * has content. This Chromium (headless shell) has no PDF viewer, so the page shows its "cannot
 * display PDFs here" note where a desktop browser shows the PDF; the PDF's text is read with
 * pdftotext from the URL the page holds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import type { DevServer } from '../../lambda/src/entrypoints/devServer';
import { compact, pdfInfo, pdfText } from '../helpers/pdfTools';
import { decodePng, imageStats } from '../helpers/png';
import { delay, ROOT, saveScreenshot, SECOND, startPlayground, TEMPLATE, watchPage, type Dom, type Playground } from './helpers/playgroundHarness';
import { projectTemplates } from '../helpers/app';

const VIEWPORT = { width: 1280, height: 800 };

describe('playground page in a real browser', () => {
  let playground: Playground;
  let dir: string;
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const reportPosts: number[] = [];
  let blankStdDev = Number.NaN;

  async function fetchBytes(url: string): Promise<Buffer> {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  }

  /** The PDF the preview shows, read through the URL the page holds. */
  async function previewPdf(): Promise<Buffer> {
    const path = await page.$eval('#preview', (el) => (el as Dom).dataset.previewUrl ?? '');
    expect(path).toMatch(/^\/playground\/reports\/.+\.pdf$/);
    return fetchBytes(`${server.url}${path}`);
  }

  const previewData = (): Promise<Record<string, string>> =>
    page.$eval('#preview', (el) => ({ ...(el as Dom).dataset }) as Record<string, string>);

  /** Waits until the preview is ready and shows a report other than `previous`. */
  async function waitForPreview(previous?: string): Promise<Record<string, string>> {
    await page.waitForFunction(
      (prev) => {
        const el = (globalThis as Dom).document.getElementById('preview') as Dom;
        return el.dataset.renderState === 'ready' && el.dataset.reportId !== undefined && el.dataset.reportId !== prev;
      },
      { timeout: 20_000 },
      previous ?? '',
    );
    return previewData();
  }

  /** Saves a screenshot as a test artifact and checks it is not blank. */
  const screenshot = (name: string): Promise<void> => saveScreenshot(page, name, VIEWPORT);

  /** Replaces an input's value by typing, as a person would. */
  async function retype(selector: string, text: string): Promise<void> {
    await page.focus(selector);
    await page.$eval(selector, (el) => (el as Dom).select());
    await page.keyboard.press('Backspace');
    await page.keyboard.type(text, { delay: 40 });
  }

  beforeAll(async () => {
    playground = await startPlayground({ prefix: 'pdf-export-playground-', viewport: VIEWPORT, problems });
    ({ dir, server, browser } = playground);
    page = await browser.newPage();
    // Chromium logs every 4xx answer; the 422 for invalid data is the page working as designed.
    watchPage(page, problems, /status of 422/);
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/reports') reportPosts.push(Date.now());
      // The page talks only to the dev server; the download link goes to the embedded S3.
      const url = request.url();
      const allowed = [server.url, server.localS3!.endpoint, 'data:', 'about:'];
      if (!allowed.some((prefix) => url.startsWith(prefix))) problems.push(`request elsewhere: ${url}`);
    });
    // The checker must tell a blank page from a page with content.
    await page.goto('about:blank');
    blankStdDev = imageStats(decodePng(Buffer.from(await page.screenshot({ type: 'png' })))).lumaStdDev;
  }, 60_000);

  afterAll(() => playground?.close());

  afterEach(() => {
    // No script error, CSP violation or stray request on the page, in any step.
    expect(problems.splice(0)).toEqual([]);
  });

  it('opens on a form generated from the schema and a rendered preview', async () => {
    expect(blankStdDev).toBeLessThan(1);
    const response = await page.goto(`${server.url}/`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    const preview = await waitForPreview();
    expect(preview.reportId.startsWith(`${TEMPLATE}.`)).toBe(true);
    // The signed link points at the embedded S3; the preview frame at this server.
    expect(preview.pdfUrl.startsWith(`${server.localS3!.endpoint}/`)).toBe(true);

    const options = await page.$$eval('#template-select option', (els) => els.map((o) => (o as Dom).value));
    // Every folder of templates/ is offered, with nothing to register: plus the test's own second one.
    const shipped = readdirSync(join(ROOT, 'templates'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(shipped).toContain(TEMPLATE);
    expect(options.sort()).toEqual([...shipped, SECOND].sort());

    // Labels, units and sections come from the schema's Chinese titles.
    const gdp = await page.$eval('[data-path="/economy/gdp"]', (input) => {
      const field = input.closest('[data-field]') as Dom;
      return {
        label: (input as Dom).labels?.[0]?.textContent,
        unit: field.querySelector('.unit')?.textContent,
        type: (input as Dom).type,
        section: input.closest('section')?.querySelector('h2')?.textContent,
      };
    });
    // A text box read like a spreadsheet cell (playgroundForm.test.ts), not type="number".
    expect(gdp).toEqual({ label: '地区生产总值（亿元）*', unit: '亿元', type: 'text', section: '主要经济指标' });
    const sections = await page.$$eval('#report-form > section > h2 > span:first-child', (els) => els.map((e) => e.textContent));
    expect(sections).toEqual(expect.arrayContaining(['县情', '基本信息', '主要经济指标', '招商引资', '报告人']));
    // Lists of names are repeatable inputs.
    expect(await page.$$eval('[data-field="/investment/centralEnterprises"] li input', (els) => els.length)).toBeGreaterThan(0);

    // Every control has an accessible name.
    const unnamed = await page.$$eval('input, select, textarea, button, a[href]', (els) =>
      els
        .filter((el) => {
          const control = el as Dom;
          const labelled = (control.labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          return !labelled && !(el.tagName === 'BUTTON' || el.tagName === 'A' ? el.textContent?.trim() : '');
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    expect(unnamed).toEqual([]);

    const text = compact(pdfText(await previewPdf()));
    const sample = await page.$eval('[data-path="/county/name"]', (el) => (el as Dom).value);
    expect(text).toContain(`${sample}县长2020`);
    expect(await page.$eval('#stat-pages', (el) => el.textContent)).toMatch(/^\d+ 页$/);
    expect(await page.$eval('#stat-bytes', (el) => el.textContent)).toMatch(/^\d+ KB$/);
    expect(await page.$eval('#stat-time', (el) => el.textContent)).toMatch(/^\d+\.\d+ 秒/);
    await screenshot('01-loaded.png');
  });

  it('switches templates with the keyboard and renders the other one', async () => {
    const before = (await previewData()).reportId;
    await page.focus('#template-select');
    // The second option, chosen with the arrow key as a keyboard user would.
    const index = await page.$eval('#template-select', (el, id) => [...(el as Dom).options].findIndex((o) => o.value === id), SECOND);
    const current = await page.$eval('#template-select', (el) => (el as Dom).selectedIndex);
    await page.keyboard.press(index > current ? 'ArrowDown' : 'ArrowUp');
    const preview = await waitForPreview(before);
    expect(preview.reportId.startsWith(`${SECOND}.`)).toBe(true);
    // The form now has the other schema's fields, with its sample data.
    expect(await page.$eval('[data-path="/county"]', (el) => (el as Dom).value)).toBe('岚溪县');
    expect(await page.$('[data-path="/investment/centralEnterprises/0"]')).toBeNull();
    expect(compact(pdfText(await previewPdf()))).toContain('岚溪县2021年县域经济简报');
    await screenshot('02-second-template.png');

    await page.select('#template-select', TEMPLATE);
    const back = await waitForPreview(preview.reportId);
    expect(back.reportId.startsWith(`${TEMPLATE}.`)).toBe(true);
  });

  it('re-renders shortly after typing stops and shows the new figure in the PDF', async () => {
    const before = (await previewData()).reportId;
    const postsBefore = reportPosts.length;
    await retype('[data-path="/economy/gdp"]', '512.34');
    // While typing, the preview waits (debounced) instead of rendering every keystroke.
    const preview = await waitForPreview(before);
    expect(reportPosts.length - postsBefore).toBeLessThanOrEqual(2);
    const text = compact(pdfText(await previewPdf()));
    expect(text).toContain('全年完成地区生产总值512.34亿元');
    expect(Number(preview.pages)).toBeGreaterThan(5);
    expect(await page.$eval('#render-status', (el) => el.textContent)).toMatch(/预览已更新：\d+ 页/);
    await screenshot('03-figure-changed.png');
  });

  it('applies edits made in the raw-JSON tab to the form and the preview', async () => {
    const before = (await previewData()).reportId;
    await page.focus('#tab-form');
    await page.keyboard.press('ArrowRight');
    expect(await page.$eval('#tab-json', (el) => el.getAttribute('aria-selected'))).toBe('true');
    expect(await page.$eval('#panel-json', (el) => (el as Dom).hidden)).toBe(false);
    const json = JSON.parse(await page.$eval('#json-text', (el) => (el as Dom).value));
    expect(json.economy.gdp).toBe(512.34);
    json.economy.retailSales = 77.7;
    await page.$eval('#json-text', (el, value) => {
      (el as Dom).value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, JSON.stringify(json, null, 2));
    await waitForPreview(before);
    expect(compact(pdfText(await previewPdf()))).toContain('实现社会消费品零售总额77.70亿元');
    await page.keyboard.press('ArrowLeft');
    expect(await page.$eval('[data-path="/economy/retailSales"]', (el) => (el as Dom).value)).toBe('77.7');
  });

  it("shows the server's validation message next to the field it concerns", async () => {
    const before = await previewData();
    await retype('[data-path="/economy/gdp"]', '-5');
    await page.waitForSelector('[data-error-for="/economy/gdp"]:not([hidden])', { timeout: 20_000 });
    const shown = await page.$eval('[data-path="/economy/gdp"]', (input) => {
      const field = input.closest('[data-field]') as Dom;
      const error = field.querySelector('[data-error-for="/economy/gdp"]') as Dom;
      const style = (globalThis as Dom).getComputedStyle(error);
      return {
        message: error.textContent,
        visible: !error.hidden && style.display !== 'none' && error.getBoundingClientRect().height > 0,
        invalid: input.getAttribute('aria-invalid'),
        describedBy: (input.getAttribute('aria-describedby') ?? '').split(' ').includes(error.id),
        badge: input.closest('section')?.querySelector('.badge')?.textContent,
      };
    });
    expect(shown).toEqual({ message: '不能小于 0', visible: true, invalid: 'true', describedBy: true, badge: '1 处问题' });
    expect(await page.$eval('#error-summary', (el) => (el as Dom).hidden)).toBe(false);
    expect(await page.$eval('#error-summary-list', (el) => el.textContent)).toContain('地区生产总值（亿元）：不能小于 0');
    expect(await page.$eval('#preview', (el) => (el as Dom).dataset.renderState)).toBe('invalid');
    // The last good PDF stays (dimmed) until the data is valid again, but cannot be downloaded
    // as if it matched the form.
    expect((await previewData()).reportId).toBe(before.reportId);
    expect(await page.$eval('#download', (el) => [el.hasAttribute('href'), el.getAttribute('aria-disabled')])).toEqual([false, 'true']);
    await page.$eval('[data-path="/economy/gdp"]', (el) => el.scrollIntoView({ block: 'center' }));
    await screenshot('04-validation-message.png');

    // Following the summary's link puts the focus on the field.
    await page.$eval('#error-summary-list a', (el) => (el as Dom).focus());
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => ((globalThis as Dom).document.activeElement as Dom)?.dataset.path)).toBe('/economy/gdp');
  });

  it('downloads the PDF through the signed link', async () => {
    await retype('[data-path="/economy/gdp"]', '512.34');
    await page.waitForSelector('[data-error-for="/economy/gdp"][hidden]', { timeout: 20_000 });
    const preview = await waitForPreview();
    expect(await page.$eval('#download', (el) => (el as Dom).href)).toBe(preview.pdfUrl);
    const downloads = join(dir, 'downloads');
    mkdirSync(downloads);
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, eventsEnabled: true });
    await page.focus('#download');
    await page.keyboard.press('Enter');
    const deadline = Date.now() + 20_000;
    let files: string[] = [];
    while (Date.now() < deadline) {
      files = readdirSync(downloads).filter((name) => !name.endsWith('.crdownload'));
      if (files.length > 0) break;
      await delay(100);
    }
    await cdp.detach();
    // Saved under the Chinese name from Content-Disposition, byte for byte the rendered report.
    const county = await page.$eval('[data-path="/county/name"]', (el) => (el as Dom).value);
    expect(files).toEqual([`${county}县长2020年述学述职述廉述法报告.pdf`]);
    const pdf = readFileSync(join(downloads, files[0]));
    expect(sha256Hex(pdf)).toBe(preview.sha256);
    expect(pdf.length).toBe(Number(preview.bytes));
    expect(compact(pdfText(pdf))).toContain('全年完成地区生产总值512.34亿元');
    await screenshot('05-downloaded.png');
  });

  it('runs a 5-county batch from an uploaded file, with progress, manifest, ZIP and volume', async () => {
    // Five synthetic counties; the third one's GDP made impossible, so one fails.
    const items = join(dir, 'counties.jsonl');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-reports.mjs'), 'county-annual-report', '5', '--seed', '1', '-o', items]);
    const lines = readFileSync(items, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(5);
    lines[2].data.economy.gdp = -1;
    writeFileSync(items, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');

    // To the batch tab with the arrow keys.
    await page.focus('#tab-form');
    await page.keyboard.press('End');
    expect(await page.evaluate(() => (globalThis as Dom).document.activeElement?.id)).toBe('tab-batch');
    expect(await page.$eval('#panel-batch', (el) => (el as Dom).hidden)).toBe(false);
    const input = await page.$('#batch-file');
    await (input as ElementHandle<Dom>).uploadFile(items);
    await page.waitForSelector('#batch-start:not([disabled])');
    await page.focus('#batch-start');
    await page.keyboard.press('Enter');

    // Per-county progress: rows appear at once and change state while the batch runs.
    await page.waitForSelector('#batch-table tbody tr');
    const seen = new Set<string>();
    const finish = Date.now() + 45_000;
    for (;;) {
      const states = await page.$$eval('#batch-table tbody tr', (rows) => rows.map((r) => r.className));
      states.forEach((s) => seen.add(s));
      const phase = await page.$eval('#batch-progress-box', (el) => (el as Dom).dataset.phase);
      if (phase === 'done' || phase === 'failed' || Date.now() > finish) break;
      await delay(100);
    }
    expect(await page.$eval('#batch-progress-box', (el) => (el as Dom).dataset.phase)).toBe('done');
    expect([...seen]).toEqual(expect.arrayContaining(['status-ok', 'status-failed']));
    expect(seen.has('status-rendering') || seen.has('status-pending')).toBe(true);

    const rows = await page.$$eval('#batch-table tbody tr', (trs) =>
      trs.map((tr) => ({
        id: tr.querySelector('th')?.textContent,
        status: tr.className,
        note: tr.children[6].textContent,
        background: (globalThis as Dom).getComputedStyle(tr).backgroundColor,
      })),
    );
    expect(rows.map((r) => r.id)).toEqual(lines.map((l) => l.id));
    expect(rows.map((r) => r.status)).toEqual(['status-ok', 'status-ok', 'status-failed', 'status-ok', 'status-ok']);
    expect(rows[2].note).toContain('地区生产总值（亿元）：不能小于 0');
    // Failures are highlighted, not only named.
    expect(rows[2].background).not.toBe(rows[0].background);
    expect(await page.$eval('#batch-status', (el) => el.textContent)).toBe('完成：共 5 个县，成功 4，失败 1。');
    expect(await page.$eval('#batch-progress', (el) => [(el as Dom).value, (el as Dom).max])).toEqual([5, 5]);
    await page.$eval('#batch-table', (el) => el.scrollIntoView({ block: 'end' }));
    await screenshot('06-batch-done.png');

    // The manifest, the ZIP and the volume, through the links the page shows.
    const job = await page.$eval('#batch-progress-box', (el) => (el as Dom).dataset.job ?? '');
    const view = (await (await fetch(`${server.url}/playground/batches/${job}`)).json()) as Dom;
    expect(view.manifest).toMatchObject({ template: TEMPLATE, total: 5, succeeded: 4, failed: 1, skipped: 0 });
    expect(view.manifest.items[2]).toMatchObject({ id: lines[2].id, status: 'failed', error: { code: 'VALIDATION_FAILED' } });
    expect(existsSync(join(dir, 'playground', 'batches', job, 'manifest.json'))).toBe(true);
    const links = await page.$$eval('#batch-downloads a', (as) => as.map((a) => (a as Dom).href));
    const zipUrl = links.find((href) => href.endsWith('/reports.zip'));
    const volumeUrl = links.find((href) => href.endsWith('/volume.pdf'));
    expect(zipUrl).toBeDefined();
    expect(volumeUrl).toBeDefined();
    const zip = await fetchBytes(zipUrl!);
    expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
    for (const line of lines.filter((_, i) => i !== 2)) expect(zip.includes(Buffer.from(`${line.id}.pdf`))).toBe(true);
    expect(zip.includes(Buffer.from(`${lines[2].id}.pdf`))).toBe(false);
    expect(zip.includes(Buffer.from('manifest.json'))).toBe(true);
    const volume = await fetchBytes(volumeUrl!);
    const pages = view.items.reduce((sum: number, item: { pages: number | null }) => sum + (item.pages ?? 0), 0);
    expect(Number(pdfInfo(volume).Pages)).toBeGreaterThan(pages);
    const volumeText = compact(pdfText(volume, 2));
    expect(volumeText).toContain('目录');
    for (const line of lines.filter((_, i) => i !== 2)) expect(volumeText).toContain(line.id);
  });

  it('takes CSV too, refuses an unusable file whole, and runs one batch at a time', async () => {
    const post = (name: string, body: string): Promise<Response> =>
      fetch(`${server.url}/playground/batches?template=${TEMPLATE}&name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', origin: server.url },
        body,
      });
    // A CSV row per sample county: dotted columns, lists joined with 、.
    const samples = ['qinglan', 'weitang'].map((name) => structuredClone(projectTemplates().get(TEMPLATE).sampleData[name]) as { county: { name: string } });
    const flat = (value: unknown, prefix = ''): [string, string][] =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([key, child]) => flat(child, prefix ? `${prefix}.${key}` : key))
        : [[prefix, Array.isArray(value) ? value.join('、') : String(value)]];
    const columns = flat(samples[0]).map(([column]) => column);
    const quote = (cell: string): string => `"${cell.replace(/"/g, '""')}"`;
    const csv = [
      ['id', ...columns].join(','),
      ...samples.map((data) => {
        const cells = new Map(flat(data));
        return [data.county.name, ...columns.map((c) => cells.get(c) ?? '')].map(quote).join(',');
      }),
    ].join('\r\n');

    const refused = await post('bad.csv', csv.replace('economy.gdp,', 'economy.gpd,'));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Dom).error.message).toContain('economy.gpd');

    const started = await post('counties.csv', csv);
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as Dom;
    const busy = await post('counties.csv', csv);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('2');

    let view: Dom;
    const deadline = Date.now() + 30_000;
    do {
      await delay(200);
      view = await (await fetch(`${server.url}/playground/batches/${id}`)).json();
    } while (view.phase !== 'done' && view.phase !== 'failed' && Date.now() < deadline);
    expect(view.phase).toBe('done');
    expect(view.manifest).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    expect(view.items.map((item: Dom) => item.id)).toEqual(samples.map((data) => data.county.name));
    const pdf = await fetchBytes(`${server.url}/playground/batches/${id}/files/${encodeURIComponent(view.items[0].file)}`);
    expect(compact(pdfText(pdf, 1))).toContain(`${samples[0].county.name}县长`);
  });

  it('keeps the playground on the dev server only, for this server only', async () => {
    // The Lambda's handler has no page and no batch routes.
    for (const path of ['/', '/playground/app.js', '/playground/batches']) {
      const response = await server.app.httpApi()({ method: 'GET', path, headers: {}, body: undefined, isBase64Encoded: false, requestId: 't' });
      expect(response.statusCode).toBe(404);
    }
    // Another site cannot start batches (CSRF) or read the page through DNS rebinding.
    const items = '{"id":"a","data":{}}\n';
    const post = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${server.url}/playground/batches?template=${TEMPLATE}&name=a.jsonl`, { method: 'POST', headers, body: items });
    expect((await post({ 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post({ 'content-type': 'application/octet-stream', origin: 'http://evil.example' })).status).toBe(403);
    const rebound = await new Promise<number>((resolve, reject) => {
      // fetch() will not send a foreign Host header; node's http will.
      const req = httpRequest(`${server.url}/`, { headers: { host: 'evil.example:80' } }, (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    // Batch files are served only by the names the batch chose.
    const job = await page.$eval('#batch-progress-box', (el) => (el as Dom).dataset.job ?? '');
    expect((await fetch(`${server.url}/playground/batches/${job}/files/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('is usable with the keyboard alone: every control in the Tab order shows its focus', async () => {
    // A fresh load (a new hash alone would not reload), with the focus at the top of the page.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#template=${TEMPLATE}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    await waitForPreview();
    const visited: { id: string; outline: string }[] = [];
    for (let i = 0; i < 26; i++) {
      await page.keyboard.press('Tab');
      visited.push(
        await page.evaluate(() => {
          const el = (globalThis as Dom).document.activeElement as Dom;
          const style = (globalThis as Dom).getComputedStyle(el);
          return { id: el.id || el.className || el.tagName, outline: `${style.outlineStyle} ${style.outlineWidth}` };
        }),
      );
    }
    const ids = visited.map((v) => v.id);
    expect(ids.slice(0, 7)).toEqual(['skip-link', 'skip-preview', 'skip-download', 'template-select', 'sample-select', 'sample-load', 'tab-form']);
    // Then the data bar (草稿…, 文件…), the form itself: section links and the first fields.
    expect(ids.slice(7, 9)).toEqual(['drafts-open', 'file-open']);
    expect(ids).toContain('f-county-name');
    for (const { id, outline } of visited) expect({ id, outline }).toEqual({ id, outline: expect.stringMatching(/^solid [1-9]/) });
  });
});
