/**
 * The playground's form, as a county clerk uses it, in a real Chromium (puppeteer-core +
 * @sparticuz/chromium, JavaScript on) against the dev server (issue #16, "a playground a clerk can
 * trust"):
 *
 * - a number that does not read as one is shown as typed, marked, and never rendered or offered
 *   for download as current; what does read is read like the batch's spreadsheet cells;
 * - Enter renders at once;
 * - 载入示例 and opening a file or draft ask before dropping unsaved data, and can be undone;
 *   named drafts per template; one county saved and opened as a JSON or one-row Excel file
 *   (the Excel through the dev server's POST /playground/templates/{id}/sheet.xlsx and /rows);
 * - every message in Chinese: JSON syntax errors with line and column, schema problems by field
 *   title, the template picker and the samples by name, a hint for a pasted batch line;
 * - a phone can jump to the preview and back, and its stats do not wrap per character; skip links
 *   and per-section links reach the preview and 下载 PDF by keyboard; ranges are always visible;
 * - renaming the county points at the fields that still carry the old name.
 *
 * Screenshots of an invalid number (desktop 1280×900, phone 390×844 at 2×) and of the other states
 * go to test-artifacts/playground/ (git-ignored).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { parseCellNumber } from '../../lambda/src/batch/csvRowToData';
import type { DevServer } from '../../lambda/src/entrypoints/devServer';
import { projectTemplates } from '../helpers/app';
import { compact, pdfInfo, pdfText } from '../helpers/pdfTools';
import { delay, saveScreenshot, SECOND, startPlayground, TEMPLATE, watchPage, type Dom, type Playground } from './helpers/playgroundHarness';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const GDP = '[data-path="/economy/gdp"]';
const GROWTH = '[data-path="/economy/gdpGrowth"]';
const NAME = '[data-path="/county/name"]';

describe('playground form a clerk can trust, in a real browser', () => {
  let playground: Playground;
  let dir: string;
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const reportPosts: number[] = [];
  const sample = structuredClone(projectTemplates().get(TEMPLATE).sampleData.chengwan) as Dom;

  // ------------------------------------------------------------------ helpers

  /** A fresh page on the form with the first sample (no autosave from an earlier test). */
  async function open(viewport: typeof DESKTOP | typeof PHONE = DESKTOP): Promise<Page> {
    const p = await browser.newPage();
    await p.setViewport(viewport);
    // Chromium logs every 4xx answer; the 422 for invalid data is the page working as designed.
    watchPage(p, problems, /status of 422/);
    p.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/reports') reportPosts.push(Date.now());
    });
    await p.goto(`${server.url}/#template=${TEMPLATE}`);
    await p.evaluate(() => (globalThis as Dom).localStorage.clear());
    await p.reload();
    await p.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    page = p;
    await waitForPreview();
    return p;
  }

  const renderState = (): Promise<string> => page.$eval('#preview', (el) => (el as Dom).dataset.renderState);
  const reportId = (): Promise<string> => page.$eval('#preview', (el) => (el as Dom).dataset.reportId ?? '');
  const value = (selector: string): Promise<string> => page.$eval(selector, (el) => (el as Dom).value);
  const text = (selector: string): Promise<string> => page.$eval(selector, (el) => el.textContent ?? '');
  const isHidden = (selector: string): Promise<boolean> =>
    page.$eval(selector, (el) => {
      const box = (el as Dom).getBoundingClientRect();
      return (el as Dom).hidden || (globalThis as Dom).getComputedStyle(el).display === 'none' || box.height === 0;
    });
  const formData = (): Promise<Dom> => page.evaluate(() => JSON.parse((globalThis as Dom).localStorage.getItem('pdf-export.playground.draft.county-annual-report')));
  const activeId = (): Promise<string> => page.evaluate(() => (globalThis as Dom).document.activeElement?.id ?? '');

  /** Waits until the preview is ready and shows a report other than `previous`. */
  async function waitForPreview(previous = ''): Promise<string> {
    await page.waitForFunction(
      (prev) => {
        const el = (globalThis as Dom).document.getElementById('preview') as Dom;
        return el.dataset.renderState === 'ready' && el.dataset.reportId !== undefined && el.dataset.reportId !== prev;
      },
      { timeout: 20_000 },
      previous,
    );
    return reportId();
  }

  /** The PDF the preview shows, read through the URL the page holds. */
  async function previewPdf(): Promise<Buffer> {
    const path = await page.$eval('#preview', (el) => (el as Dom).dataset.previewUrl ?? '');
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  }

  /** Replaces an input's value by typing, as a person would. */
  async function retype(selector: string, typed: string): Promise<void> {
    await page.focus(selector);
    await page.$eval(selector, (el) => (el as Dom).select());
    await page.keyboard.press('Backspace');
    await page.keyboard.type(typed, { delay: 30 });
  }

  /** The message shown under a field ('' when none), and whether the field is marked invalid. */
  const fieldError = (pointer: string): Promise<{ message: string; invalid: boolean }> =>
    page.$eval(`[data-path="${pointer}"]`, (input) => {
      const error = (input.closest('[data-field]') as Dom).querySelector(`[data-error-for="${input.getAttribute('data-path')}"]`) as Dom;
      return { message: error.hidden ? '' : (error.textContent as string), invalid: input.getAttribute('aria-invalid') === 'true' };
    });

  /** 下载 PDF cannot be used: no link, marked disabled. */
  const downloadState = (): Promise<[boolean, string | null]> =>
    page.$eval('#download', (el) => [el.hasAttribute('href'), el.getAttribute('aria-disabled')] as [boolean, string | null]);

  /** Saves a screenshot as a test artifact and checks it has content at the expected size. */
  const screenshot = (name: string, viewport: { width: number; height: number; deviceScaleFactor?: number } = DESKTOP): Promise<void> =>
    saveScreenshot(page, name, viewport);

  /** Waits for the page's own confirmation dialog and answers it. */
  async function answerDialog(answer: 'ok' | 'cancel'): Promise<string> {
    await page.waitForSelector('#confirm-dialog[open]', { timeout: 5_000 });
    const question = await text('#confirm-dialog');
    await page.click(answer === 'ok' ? '#confirm-ok' : '#confirm-cancel');
    await page.waitForSelector('#confirm-dialog:not([open])');
    return question;
  }

  async function chooseSample(label: string): Promise<void> {
    const name = await page.$eval('#sample-select', (el, wanted) => [...(el as Dom).options].find((o: Dom) => o.textContent === wanted)?.value, label);
    expect(name).toBeDefined();
    await page.select('#sample-select', name as string);
  }

  async function uploadFile(path: string): Promise<void> {
    await page.click('#file-open');
    await page.waitForSelector('#file-dialog[open]');
    const input = await page.$('#open-file-input');
    await (input as ElementHandle<Dom>).uploadFile(path);
  }

  async function downloadsTo(folder: string): Promise<void> {
    mkdirSync(folder, { recursive: true });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: folder, eventsEnabled: true });
  }

  async function waitForFile(folder: string, suffix: string): Promise<string> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const found = readdirSync(folder).find((name) => name.endsWith(suffix));
      if (found) return join(folder, found);
      await delay(100);
    }
    throw new Error(`no ${suffix} file downloaded to ${folder}`);
  }

  // ------------------------------------------------------------------ setup

  beforeAll(async () => {
    playground = await startPlayground({ prefix: 'pdf-export-playground-form-', viewport: DESKTOP, problems });
    ({ dir, server, browser } = playground);
  }, 60_000);

  afterAll(() => playground?.close());

  afterEach(async () => {
    await page?.close();
    // No script error or CSP violation on the page, in any step.
    expect(problems.splice(0)).toEqual([]);
  });

  // ------------------------------------------------------------------ numbers

  it('reads numbers as the batch reads spreadsheet cells', async () => {
    await open();
    const inputs = ['386.42', '１２３', '1,234.5', '－2.4', '\u22125', '+7', '.5', '1e', '1e5', '1.2.3', '386,42', 'abc', '-', '12.', '1 234', '0x10', '', '  8  '];
    // A string, not a function: the test's own compiled import() would not survive into the page.
    const read = (await page.evaluate(`import('/playground/schemaForm.js').then((m) => ${JSON.stringify(inputs)}.map((t) => m.readNumber(t)))`)) as Dom[];
    inputs.forEach((input, i) => {
      // The page's reader and parseCellNumber (lambda/src/batch/csvRowToData.ts) agree on every spelling.
      expect({ input, value: read[i].value }).toEqual({ input, value: input === '' ? undefined : parseCellNumber(input) });
    });
    // What could still become a number is "not finished", not wrong.
    expect(read[inputs.indexOf('-')]).toMatchObject({ incomplete: true });
    expect(read[inputs.indexOf('12.')]).toMatchObject({ incomplete: true });
    expect(read[inputs.indexOf('1e')]).toMatchObject({ bad: true });
    // Followed by the field's own unit, as the batch also allows (csvRowToData's withoutUnit).
    const withUnit = (await page.evaluate(`import('/playground/schemaForm.js').then((m) => [m.readNumber('386.42亿元', '亿元'), m.readNumber('６.３％', '%'), m.readNumber('386.42万元', '亿元')])`)) as Dom[];
    expect(withUnit.map((r) => r.value)).toEqual([386.42, 6.3, undefined]);
  });

  it('never marks a preview or a download current while a number did not parse', async () => {
    await open();
    const before = await reportId();
    expect(await renderState()).toBe('ready');

    // `1e`: shown as typed, marked, the last PDF kept and visibly stale, nothing to download.
    await retype(GDP, '1e');
    await page.waitForFunction((sel) => (globalThis as Dom).document.querySelector(sel).getAttribute('aria-invalid') === 'true', {}, GDP);
    const posts = reportPosts.length;
    expect(await value(GDP)).toBe('1e');
    expect(await fieldError('/economy/gdp')).toEqual({ message: expect.stringContaining('不是有效的数字'), invalid: true });
    expect(await renderState()).toBe('invalid');
    expect(await text('#render-status')).toContain('“地区生产总值（亿元）”里的“1e”不是有效的数字');
    expect(await downloadState()).toEqual([false, 'true']);
    expect(await isHidden('#preview-stale')).toBe(false);
    expect(await page.$eval('#preview-frame-box', (el) => el.classList.contains('stale'))).toBe(true);
    expect(await text('#error-summary-list')).toContain('地区生产总值（亿元）：不是有效的数字');
    expect(await page.$eval('[data-path="/economy/gdp"]', (el) => el.closest('section')?.querySelector('.badge')?.textContent)).toBe('1 处问题');
    // Still so a while later: no render was started and none came back "ready".
    await delay(1500);
    expect(await renderState()).toBe('invalid');
    expect(await reportId()).toBe(before);
    expect(reportPosts.length).toBe(posts);
    // Not even in the autosave: the data holds no figure the box does not show.
    expect((await formData()).economy.gdp).toBeUndefined();

    // The screenshot the report asks for: desktop, the invalid number in view.
    await page.$eval(GDP, (el) => el.scrollIntoView({ block: 'center' }));
    await screenshot('form-invalid-number-desktop.png');

    // Other slips are refused too, each with its reason, and never rewritten.
    await retype(GDP, '1.2.3');
    expect(await fieldError('/economy/gdp')).toEqual({ message: expect.stringContaining('只能有一个小数点'), invalid: true });
    expect(await value(GDP)).toBe('1.2.3');
    await retype(GDP, 'abc');
    const abc = await fieldError('/economy/gdp');
    expect(abc.message).toContain('不能含文字');
    expect(abc.message).not.toContain('必填');
    // `386,42` could still become 386,420 while typing: marked when the clerk leaves the field.
    await retype(GDP, '386,42');
    expect(await value(GDP)).toBe('386,42');
    expect(await renderState()).not.toBe('ready');
    await page.keyboard.press('Tab');
    await page.waitForFunction((sel) => (globalThis as Dom).document.querySelector(sel).getAttribute('aria-invalid') === 'true', {}, GDP);
    expect((await fieldError('/economy/gdp')).message).toContain('逗号只用来分隔千位');
    expect(await renderState()).toBe('invalid');
    expect(await downloadState()).toEqual([false, 'true']);

    // Typing `-` to begin a negative number flashes nothing.
    await retype(GDP, '386.42');
    await retype(GROWTH, '-');
    expect(await fieldError('/economy/gdpGrowth')).toEqual({ message: '', invalid: false });
    expect(await renderState()).toBe('pending');
    expect(await downloadState()).toEqual([false, 'true']);
    await page.keyboard.type('2.5', { delay: 30 });
    const negative = await waitForPreview(before);
    expect(await fieldError('/economy/gdpGrowth')).toEqual({ message: '', invalid: false });
    expect(compact(pdfText(await previewPdf()))).toContain('全年完成地区生产总值386.42亿元、下降2.5%');

    // Full-width digits and thousands commas are numbers: rendered, and left as typed.
    await retype(GDP, '１,２３４.５');
    await waitForPreview(negative);
    expect(await value(GDP)).toBe('１,２３４.５');
    expect((await formData()).economy.gdp).toBe(1234.5);
    expect(compact(pdfText(await previewPdf()))).toContain('全年完成地区生产总值1234.50亿元');
    expect(await downloadState()).toEqual([true, null]);
  });

  it('shows the invalid number on a phone, with a way to the preview and back', async () => {
    await open(PHONE);
    // Stats labels stay on one line each.
    await page.$eval('#stats', (el) => el.scrollIntoView({ block: 'center' }));
    const stats = await page.$$eval('#stats dt, #stats dd', (els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return { text: el.textContent, lines: Math.round(box.height / parseFloat((globalThis as Dom).getComputedStyle(el).lineHeight)) };
      }),
    );
    for (const stat of stats) expect(stat).toEqual({ text: stat.text, lines: 1 });

    await retype(GDP, '1e');
    await page.waitForFunction((sel) => (globalThis as Dom).document.querySelector(sel).getAttribute('aria-invalid') === 'true', {}, GDP);
    expect(await renderState()).toBe('invalid');
    await page.$eval(GDP, (el) => el.scrollIntoView({ block: 'center' }));
    // The bar at the bottom says the preview is not current and leads to it.
    expect(await isHidden('#jump-preview')).toBe(false);
    expect(await text('#jump-state')).toBe('预览未更新');
    await screenshot('form-invalid-number-phone.png', PHONE);

    const inView = (selector: string): Promise<boolean> =>
      page.$eval(selector, (el) => {
        const box = el.getBoundingClientRect();
        return box.top >= -1 && box.top < (globalThis as Dom).innerHeight;
      });
    expect(await inView('#preview-title')).toBe(false);
    await page.tap('#jump-preview');
    await page.waitForFunction(() => (globalThis as Dom).document.activeElement?.id === 'preview-title');
    expect(await inView('#preview-title')).toBe(true);
    expect(await isHidden('#preview-stale')).toBe(false);
    await screenshot('form-phone-preview.png', PHONE);
    // And back to the field being edited.
    await page.tap('#back-to-form');
    expect(await page.evaluate(() => (globalThis as Dom).document.activeElement?.dataset.path)).toBe('/economy/gdp');
    expect(await inView(GDP)).toBe(true);
  });

  it('renders at once on Enter, and marks an unfinished number on Enter', async () => {
    await open();
    const before = await reportId();
    await retype(GDP, '401.5');
    await page.keyboard.press('Enter');
    // No debounce wait: the render is under way as soon as Enter is handled.
    expect(await renderState()).toBe('busy');
    await waitForPreview(before);
    expect(compact(pdfText(await previewPdf()))).toContain('全年完成地区生产总值401.50亿元');

    await retype(GROWTH, '-');
    expect((await fieldError('/economy/gdpGrowth')).message).toBe('');
    await page.keyboard.press('Enter');
    expect(await fieldError('/economy/gdpGrowth')).toEqual({ message: '数字没有写完', invalid: true });
    expect(await renderState()).toBe('invalid');
  });

  // ------------------------------------------------------------------ replacing and undoing

  it('asks before 载入示例 drops edits, and undoes it with 撤销 and Ctrl+Z', async () => {
    await open();
    // Unedited data is one of the samples: replacing it loses nothing, so nothing is asked.
    await chooseSample('苇塘县');
    await page.click('#sample-load');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '苇塘县');
    expect(await page.$('#confirm-dialog[open]')).toBeNull();
    await page.click('#undo');
    expect(await value(NAME)).toBe('澄湾县');

    await retype(GDP, '777');
    await waitForPreview();
    await chooseSample('青岚县');
    await page.click('#sample-load');
    const question = await answerDialog('cancel');
    expect(question).toContain('载入示例“青岚县”会替换表单中现在的数据（澄湾县');
    expect(question).toContain('撤销');
    expect(await value(GDP)).toBe('777');
    expect(await value(NAME)).toBe('澄湾县');

    await page.click('#sample-load');
    await answerDialog('ok');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '青岚县');
    expect(await text('#undo')).toBe('撤销：载入示例“青岚县”');
    expect(await text('#data-note')).toContain('已载入示例“青岚县”');
    await screenshot('form-undo-offered.png');

    await page.click('#undo');
    expect(await value(NAME)).toBe('澄湾县');
    expect(await value(GDP)).toBe('777');
    await waitForPreview();
    expect(compact(pdfText(await previewPdf()))).toContain('全年完成地区生产总值777.00亿元');

    // Ctrl+Y / Ctrl+Shift+Z redo, Ctrl+Z undoes — outside text fields.
    await page.focus('#sample-load');
    await page.keyboard.down('Control');
    await page.keyboard.press('y');
    await page.keyboard.up('Control');
    expect(await value(NAME)).toBe('青岚县');
    await page.keyboard.down('Control');
    await page.keyboard.press('z');
    await page.keyboard.up('Control');
    expect(await value(NAME)).toBe('澄湾县');
    expect(await value(GDP)).toBe('777');

    // Inside a text field, Ctrl+Z is the field's own undo: no replacement is undone there.
    await page.click('#redo');
    expect(await value(NAME)).toBe('青岚县');
    await page.focus(NAME);
    await page.keyboard.down('Control');
    await page.keyboard.press('z');
    await page.keyboard.up('Control');
    expect(await value(NAME)).toBe('青岚县');

    // Pasting another county into the JSON tab over edits is a replacement too: asked, undoable.
    await retype(GDP, '95.5');
    await page.click('#tab-json');
    const paste = (json: string): Promise<void> =>
      page.$eval(
        '#json-text',
        (el, v) => {
          el.dispatchEvent(new Event('paste', { bubbles: true }));
          (el as Dom).value = v;
          el.dispatchEvent(new Event('input', { bubbles: true }));
        },
        json,
      );
    await paste(JSON.stringify(sample, null, 2));
    expect(await answerDialog('cancel')).toContain('粘贴的 JSON（澄湾县）会替换表单中现在的数据（青岚县');
    // The dialog's close event (which settles the question) is a task queued after the attribute
    // goes: wait for the page's answer instead of reading the text box in between.
    await page.waitForFunction(() => (globalThis as Dom).document.getElementById('json-status').textContent === '已取消粘贴：表单中的数据没有变。');
    expect(JSON.parse(await value('#json-text')).county.name).toBe('青岚县');
    await paste(JSON.stringify(sample, null, 2));
    await answerDialog('ok');
    await page.waitForFunction(() => (globalThis as Dom).document.getElementById('undo').textContent === '撤销：粘贴的 JSON（澄湾县）');
    await page.click('#undo');
    await page.click('#tab-form');
    expect(await value(NAME)).toBe('青岚县');
    expect(await value(GDP)).toBe('95.5');
  });

  it('keeps named drafts per template: save as, open, delete', async () => {
    await open();
    await retype(GDP, '555');
    await page.click('#drafts-open');
    await page.waitForSelector('#drafts-dialog[open]');
    expect(await value('#draft-name')).toMatch(/^澄湾县 \d{4}-\d\d-\d\d \d\d:\d\d$/);
    await page.$eval('#draft-name', (el) => (el as Dom).select());
    await page.keyboard.type('澄湾县初稿');
    await page.click('#draft-save');
    await page.waitForFunction(() => (globalThis as Dom).document.getElementById('drafts-status').textContent.includes('已另存为草稿'));
    expect(await page.$$eval('#drafts-list .draft-name', (els) => els.map((e) => e.textContent))).toEqual(['澄湾县初稿']);
    const stored = await page.evaluate(() => JSON.parse((globalThis as Dom).localStorage.getItem('pdf-export.playground.drafts.county-annual-report')));
    expect(stored).toEqual([expect.objectContaining({ name: '澄湾县初稿', data: expect.objectContaining({ economy: expect.objectContaining({ gdp: 555 }) }) })]);
    await page.click('#drafts-close');

    // Saved as a draft, the data is kept elsewhere: loading a sample does not need to ask.
    await chooseSample('青岚县');
    await page.click('#sample-load');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '青岚县');
    expect(await page.$('#confirm-dialog[open]')).toBeNull();
    // Edited, it would be lost: opening the draft asks first.
    await retype('[data-path="/county/province"]', '东川省');
    await page.click('#drafts-open');
    await page.waitForSelector('#drafts-dialog[open]');
    await page.click('#drafts-list button[aria-label="打开草稿“澄湾县初稿”"]');
    expect(await answerDialog('ok')).toContain('打开草稿“澄湾县初稿”');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/economy/gdp"]').value === '555');
    expect(await value(NAME)).toBe('澄湾县');
    expect(await text('#undo')).toBe('撤销：打开草稿“澄湾县初稿”');
    await page.click('#undo');
    expect(await value('[data-path="/county/province"]')).toBe('东川省');

    // Drafts belong to their template.
    await page.select('#template-select', SECOND);
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county"]')?.value === '岚溪县');
    await page.click('#drafts-open');
    // The list is redrawn once the dialog's close event has run: wait for it, do not race it.
    await page.waitForFunction(() => (globalThis as Dom).document.querySelectorAll('#drafts-list li').length === 0);
    expect(await page.$eval('#drafts-dialog', (el) => (el as Dom).open)).toBe(true);
    expect(await isHidden('#drafts-empty')).toBe(false);
    await page.click('#drafts-close');
    await page.select('#template-select', TEMPLATE);
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]')?.value !== undefined);

    // Deleting asks, then the draft is gone.
    await page.waitForSelector('#drafts-open:not([disabled])');
    await page.click('#drafts-open');
    await page.waitForSelector('#drafts-dialog[open]');
    await page.click('#drafts-list button[aria-label="删除草稿“澄湾县初稿”"]');
    expect(await answerDialog('ok')).toContain('草稿“澄湾县初稿”将从这个浏览器中删除');
    // The list is redrawn once the dialog's close event has run: wait for it, do not race it.
    await page.waitForFunction(() => (globalThis as Dom).document.querySelectorAll('#drafts-list li').length === 0);
    expect(await page.$eval('#drafts-dialog', (el) => (el as Dom).open)).toBe(true);
    await page.click('#drafts-close');
  });

  it('saves one county as a JSON file and opens it again, asking first and undoable', async () => {
    await open();
    const folder = join(dir, 'downloads-json');
    await downloadsTo(folder);
    await retype(GDP, '612.5');
    await waitForPreview();
    await page.click('#file-open');
    await page.waitForSelector('#file-dialog[open]');
    await page.click('#save-json');
    const saved = await waitForFile(folder, '.json');
    expect(saved.endsWith('澄湾县-报告数据.json')).toBe(true);
    const json = JSON.parse(readFileSync(saved, 'utf8'));
    expect(json).toEqual({ ...sample, economy: { ...sample.economy, gdp: 612.5 } });
    await page.click('#file-close');

    // Another county in the form, edited; then the file: asked, replaced, undoable.
    await chooseSample('青岚县');
    await page.click('#sample-load');
    await answerDialog('ok');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '青岚县');
    await retype(GDP, '1');
    await uploadFile(saved);
    expect(await answerDialog('ok')).toContain('打开文件“澄湾县-报告数据.json”（澄湾县）');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '澄湾县');
    expect(await value(GDP)).toBe('612.5');
    await waitForPreview();
    expect(compact(pdfText(await previewPdf()))).toContain('全年完成地区生产总值612.50亿元');
    await page.click('#undo');
    expect(await value(NAME)).toBe('青岚县');
    expect(await value(GDP)).toBe('1');

    // A batch line and a JSON-lines file open too: the line's data; one county picked of several.
    const line = join(dir, 'line.json');
    writeFileSync(line, JSON.stringify({ id: 'cw', data: json }));
    await uploadFile(line);
    await answerDialog('ok');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '澄湾县');
    const lines = join(dir, 'two.jsonl');
    const other = { ...json, county: { ...json.county, name: '青禾县' } };
    writeFileSync(lines, `${JSON.stringify({ id: 'a', data: json })}\n${JSON.stringify({ id: 'b', data: other })}\n`);
    await uploadFile(lines);
    await page.waitForSelector('#pick-dialog[open]');
    expect(await page.$$eval('#pick-list button', (els) => els.map((e) => e.textContent))).toEqual(['澄湾县 · 第 1 行', '青禾县 · 第 2 行']);
    await page.click('#pick-list li:nth-child(2) button');
    await answerDialog('ok');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '青禾县');

    // A broken file is refused with the reason in Chinese, and nothing changes.
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "county": {"name": "甲县"}\n  "year": 2020\n}');
    await uploadFile(broken);
    await page.waitForFunction(() => /第 2 行第 \d+ 列/.test((globalThis as Dom).document.getElementById('file-status').textContent));
    expect(await text('#file-status')).toContain('缺少逗号');
    await page.click('#file-close');
    expect(await value(NAME)).toBe('青禾县');
  });

  it('saves one county as a one-row Excel file and opens it again', async () => {
    await open();
    const folder = join(dir, 'downloads-xlsx');
    await downloadsTo(folder);
    await retype(GDP, '623.25');
    await waitForPreview();
    await page.click('#file-open');
    await page.waitForSelector('#file-dialog[open]');
    await page.click('#save-xlsx');
    const saved = await waitForFile(folder, '.xlsx');
    expect(saved.endsWith('澄湾县-报告数据.xlsx')).toBe(true);
    expect(readFileSync(saved).subarray(0, 2).toString('latin1')).toBe('PK');
    await page.click('#file-close');

    await chooseSample('青岚县');
    await page.click('#sample-load');
    await answerDialog('ok');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '青岚县');
    await uploadFile(saved);
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '澄湾县', { timeout: 20_000 });
    expect(await value(GDP)).toBe('623.25');
    // The whole county comes back as it was saved: every field, lists included.
    expect(await formData()).toEqual({ ...sample, economy: { ...sample.economy, gdp: 623.25 } });
    await waitForPreview();
    expect(compact(pdfText(await previewPdf()))).toContain('全年完成地区生产总值623.25亿元');
    expect(await text('#undo')).toContain('撤销：打开文件“澄湾县-报告数据.xlsx”');
  });

  // ------------------------------------------------------------------ Chinese everywhere

  it('speaks Chinese: picker, samples, JSON syntax errors, schema problems by title, batch lines', async () => {
    await open();
    // The template picker shows titles only; samples are listed by county, not by file name.
    const titles = [...projectTemplates().list().map((t) => t.title), '县域经济简报'].sort();
    expect(titles).toContain('县长年度述学述职述廉述法报告');
    expect(await page.$$eval('#template-select option', (els) => els.map((e) => e.textContent).sort())).toEqual(titles);
    expect(await page.$$eval('#sample-select option', (els) => els.map((e) => e.textContent))).toEqual(['澄湾县', '青岚县', '苇塘县']);

    await page.click('#tab-json');
    const setJson = async (json: string): Promise<void> => {
      await page.$eval(
        '#json-text',
        (el, v) => {
          (el as Dom).value = v;
          el.dispatchEvent(new Event('input', { bubbles: true }));
        },
        json,
      );
    };
    const before = await reportId();

    // A syntax error: line, column and the reason in Chinese; the preview is not current.
    const pretty = JSON.stringify(sample, null, 2).split('\n');
    pretty[2] = pretty[2].replace(/,$/, '');
    await setJson(pretty.join('\n'));
    await page.waitForFunction(() => (globalThis as Dom).document.getElementById('json-status').textContent.includes('不是合法的 JSON'));
    const status = await text('#json-status');
    expect(status).toBe(`不是合法的 JSON，未应用：第 3 行第 ${pretty[2].length + 1} 列，这一项后面缺少逗号（,）。`);
    expect(await renderState()).toBe('invalid');
    expect(await downloadState()).toEqual([false, 'true']);
    await screenshot('form-json-syntax-error.png');
    await page.click('#json-goto');
    expect(await page.$eval('#json-text', (el) => (el as Dom).selectionStart)).toBe(pretty.slice(0, 2).join('\n').length + 1 + pretty[2].length);
    // A Chinese comma, said as such.
    await setJson(JSON.stringify(sample).replace('"year":2020,', '"year":2020，'));
    await page.waitForFunction(() => (globalThis as Dom).document.getElementById('json-status').textContent.includes('中文标点'));
    expect(await text('#json-status')).toMatch(/第 1 行第 \d+ 列，这里是中文标点“，”，JSON 须用英文半角标点（,）/);

    // Schema problems by the fields' Chinese titles, not JSON paths.
    const wrong = structuredClone(sample);
    wrong.economy.gdp = -1;
    wrong.economy.gpd = 1;
    await setJson(JSON.stringify(wrong, null, 2));
    await page.waitForFunction(() => (globalThis as Dom).document.querySelectorAll('#json-errors li').length === 2, { timeout: 20_000 });
    const listed = await page.$$eval('#json-errors li', (els) => els.map((e) => e.textContent));
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.stringContaining('主要经济指标 › 地区生产总值（亿元）：不能小于 0'),
        expect.stringContaining('主要经济指标 › “gpd”：不是本模板的字段：请删除，或检查拼写'),
      ]),
    );
    for (const item of listed) expect(item).not.toMatch(/\/economy|must|is not/);
    await screenshot('form-json-schema-problems.png');

    // One line of a batch file: a hint, the form untouched; its data on request, undoable.
    await setJson(JSON.stringify(sample));
    expect(await waitForPreview()).toBe(before);
    const batchLine = { id: 'qinghe', data: { ...sample, county: { ...sample.county, name: '青禾县' } } };
    await setJson(JSON.stringify(batchLine));
    await page.waitForSelector('#json-hint-box:not([hidden])');
    expect(await text('#json-status')).toBe('这像是批量文件中的一行（id：“qinghe”），未应用：报告数据在它的 "data" 里。');
    expect(await renderState()).toBe('invalid');
    await page.click('#tab-form');
    expect(await value(NAME)).toBe('澄湾县');
    expect(await page.$eval('#error-summary', (el) => (el as Dom).hidden)).toBe(true);
    await page.click('#tab-json');
    await page.click('#json-use');
    await page.waitForFunction(() => (globalThis as Dom).document.querySelector('[data-path="/county/name"]').value === '青禾县');
    expect(JSON.parse(await value('#json-text')).county.name).toBe('青禾县');
    expect(await text('#undo')).toContain('撤销：使用粘贴的 JSON');
    await waitForPreview();
  });

  // ------------------------------------------------------------------ keyboard

  it('reaches the preview and 下载 PDF by keyboard, and shows ranges without focus', async () => {
    await open();
    await page.goto('about:blank');
    await page.goto(`${server.url}/#template=${TEMPLATE}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    await waitForPreview();
    const stops: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      stops.push(await page.evaluate(() => (globalThis as Dom).document.activeElement.textContent));
    }
    expect(stops).toEqual(['跳到主要内容', '跳到预览', '跳到“下载 PDF”']);
    await page.keyboard.press('Enter');
    expect(await activeId()).toBe('download');
    await screenshot('form-skip-to-download.png');

    // From a field, the end of its section offers the way out: a few Tab stops, not 134.
    await page.focus(NAME);
    let presses = 0;
    while (presses < 10) {
      await page.keyboard.press('Tab');
      presses++;
      if (await page.evaluate(() => (globalThis as Dom).document.activeElement.classList.contains('section-skip'))) break;
    }
    expect(presses).toBeLessThanOrEqual(3);
    expect(await page.evaluate(() => (globalThis as Dom).document.activeElement.textContent)).toBe('跳到预览和“下载 PDF”');
    await page.keyboard.press('Enter');
    expect(await activeId()).toBe('download');

    // Ranges are in view and in the accessible description while the field has no focus.
    await page.focus('#template-select');
    const range = await page.$eval(GDP, (input) => {
      const field = input.closest('[data-field]') as Dom;
      const el = field.querySelector('.range') as Dom;
      const box = el.getBoundingClientRect();
      return { text: el.textContent, visible: box.height > 0 && box.width > 0, described: (input.getAttribute('aria-describedby') ?? '').split(' ').includes(el.id) };
    });
    expect(range).toEqual({ text: '取值 0 至 100000', visible: true, described: true });
    expect(await page.$eval('[data-path="/year"]', (input) => (input.closest('[data-field]') as Dom).querySelector('.range').textContent)).toBe('取值 2000 至 2100 的整数');
  });

  // ------------------------------------------------------------------ renaming the county

  it('points out the fields that still carry the old county name, and fixes them on request', async () => {
    await open();
    await retype(NAME, '青禾县');
    await page.keyboard.press('Tab');
    await page.waitForSelector('#rename-notice:not([hidden])');
    expect(await text('#rename-title')).toMatch(/^县名已从“澄湾县”改为“青禾县”，还有 \d+ 处写着旧县名：$/);
    const listed = await page.$$eval('#rename-list li', (els) => els.map((e) => e.textContent));
    expect(listed).toEqual(expect.arrayContaining(['发展定位口号：滨海强县、实力澄湾', '报告单位：澄湾县人民政府']));
    expect(await text('[data-note-for="/county/slogan"]')).toBe('仍写着旧县名“澄湾”');
    await page.$eval('#rename-notice', (el) => el.scrollIntoView({ block: 'start' }));
    await screenshot('form-rename-notice.png');

    const before = await waitForPreview();
    // A link puts the cursor in the field.
    await page.$$eval('#rename-list a', (links) => (links.find((a) => a.textContent?.startsWith('报告单位')) as Dom).click());
    expect(await page.evaluate(() => (globalThis as Dom).document.activeElement?.dataset.path)).toBe('/reporter/office');

    await page.click('#rename-fix');
    expect(await value('[data-path="/county/slogan"]')).toBe('滨海强县、实力青禾');
    expect(await value('[data-path="/reporter/office"]')).toBe('青禾县人民政府');
    expect(await isHidden('#rename-notice')).toBe(true);
    await waitForPreview(before);
    const pdf = await previewPdf();
    expect(pdfInfo(pdf).Author).toBe('青禾县人民政府 林海明');
    const words = compact(pdfText(pdf));
    expect(words).toContain('实力青禾');
    expect(words).not.toContain('澄湾');
    // Undoable like every replacement.
    expect(await text('#undo')).toBe('撤销：把旧县名改为新县名');
  });
});
