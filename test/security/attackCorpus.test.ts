/**
 * Attack corpus: the vectors that made other HTML-to-PDF services leak files, environment or
 * internal HTTP endpoints (wkhtmltopdf CVE-2022-35583, Gotenberg CVE-2024-21527 and its bypasses,
 * jsreport CVE-2020-7762, html-pdf CVE-2019-15138), run against the real sealed Chromium and a
 * loopback canary that counts every request and every TCP connection.
 *
 * Two kinds of case:
 * - hostile *templates* (the future where users upload templates): the template rules refuse
 *   them, and even printed directly, bypassing the rules, they reach nothing and leak nothing;
 * - hostile *data* through the real template: it prints as inert text or is rejected (422 / exit 2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChromiumRenderer } from '../../lambda/src/chromium/ChromiumRenderer';
import { DataValidationError } from '../../lambda/src/core/errors';
import { lintTemplate } from '../../lambda/src/core/lintTemplate';
import type { App } from '../../lambda/src/compose';
import type { ReportRenderer } from '../../lambda/src/core/ReportRenderer';
import { testApp } from '../helpers/app';
import { startCanary, type Canary } from '../helpers/canaryServer';
import { compact, pdfText } from '../helpers/pdfTools';

const ENV_SECRET = `ENVSECRET${Date.now()}`;
const FILE_SECRET = `FILESECRET${Date.now()}`;

describe('attack corpus against the sealed renderer', () => {
  let canary: Canary;
  let app: App;
  let chromium: ChromiumRenderer;
  let reports: ReportRenderer;
  let secretDir: string;
  let secretFile: string;
  const blocked: string[] = [];
  const results: { name: string; outcome: string }[] = [];

  beforeAll(async () => {
    // Planted secrets: in this process's environment (a Lambda's keys live there) and in a file.
    process.env.PDF_EXPORT_TEST_SECRET = ENV_SECRET;
    process.env.AWS_SECRET_ACCESS_KEY = ENV_SECRET;
    secretDir = mkdtempSync(join(tmpdir(), 'secret-'));
    secretFile = join(secretDir, 'secret.txt');
    writeFileSync(secretFile, FILE_SECRET);
    canary = await startCanary();
    app = testApp({ ...process.env, RENDER_TIMEOUT_MS: '15000' }, { onBlockedRequest: (url) => blocked.push(url) });
    chromium = app.chromium;
    reports = app.reports;
  });

  afterAll(async () => {
    await app.close();
    await canary.close();
    rmSync(secretDir, { recursive: true, force: true });
    delete process.env.PDF_EXPORT_TEST_SECRET;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    // The closing note quotes this summary.
    console.log(`attack corpus: ${results.length} cases, canary requests ${canary.hits.length}, canary connections ${canary.connections()}, blocked requests ${blocked.length}\n` +
      results.map((r) => `  ${r.name}: ${r.outcome}`).join('\n'));
  });

  function assertNothingLeaked(pdf: Buffer): void {
    const text = compact(pdfText(pdf));
    const raw = pdf.toString('latin1');
    for (const secret of [ENV_SECRET, FILE_SECRET, 'root:x:0:0', 'CANARY-LEAKED', 'AWS_', 'PATH=']) {
      expect(text).not.toContain(secret);
      expect(raw).not.toContain(secret);
    }
  }

  // Each entry: [name, head, body, where it is stopped]. `C` is the canary's origin, `F` the
  // planted file's URL. 'interception': Chromium issues the request and our handler aborts it;
  // 'browser': Chromium itself never issues it (file: from an https page, JavaScript off, no
  // speculative connections through the dead proxy and the null host resolver). 'either': a
  // refresh fires on a timer after `load`, so whether the print has finished by then is a race;
  // either way nothing leaves (the canary and leak checks still apply).
  const templateCases = (C: string, F: string): [string, string, string, 'interception' | 'browser' | 'either'][] => {
    const port = new URL(C).port;
    return [
      ['img http', '', `<img src="${C}/img">`, 'interception'],
      ['img upper-case scheme', '', `<img src="HTTP://127.0.0.1:${port}/upper">`, 'interception'],
      ['img decimal host', '', `<img src="http://2130706433:${port}/decimal">`, 'interception'],
      ['img hex host', '', `<img src="http://0x7f000001:${port}/hex">`, 'interception'],
      ['img short host 127.1', '', `<img src="http://127.1:${port}/short">`, 'interception'],
      ['img IPv4-mapped IPv6', '', `<img src="http://[::ffff:127.0.0.1]:${port}/mapped">`, 'interception'],
      ['img localhost', '', `<img src="http://localhost:${port}/localhost">`, 'interception'],
      ['img DNS-rebinding name', '', `<img src="http://127.0.0.1.nip.io:${port}/rebind">`, 'interception'],
      ['Lambda runtime API', '', '<img src="http://127.0.0.1:9001/2018-06-01/runtime/invocation/next">', 'interception'],
      ['instance metadata', '', '<img src="http://169.254.169.254/latest/meta-data/iam/security-credentials/">', 'interception'],
      ['iframe file', '', `<iframe src="${F}"></iframe>`, 'browser'],
      ['iframe FILE upper-case', '', `<iframe src="${F.replace('file:', 'FILE:')}"></iframe>`, 'browser'],
      ['iframe /proc/self/environ', '', '<iframe src="file:///proc/self/environ"></iframe>', 'browser'],
      ['iframe /etc/passwd', '', '<iframe src="file:///etc/passwd"></iframe>', 'browser'],
      ['iframe view-source file', '', `<iframe src="view-source:${F}"></iframe>`, 'browser'],
      ['iframe http', '', `<iframe src="${C}/frame"></iframe>`, 'interception'],
      ['iframe srcdoc with img', '', `<iframe srcdoc="<img src='${C}/srcdoc'>"></iframe>`, 'interception'],
      ['object file', '', `<object data="${F}" type="text/plain"></object>`, 'browser'],
      ['object http', '', `<object data="${C}/object"></object>`, 'interception'],
      ['embed file', '', `<embed src="${F}" type="text/plain">`, 'browser'],
      ['css @import', `<style>@import url("${C}/import.css");</style>`, '<p>x</p>', 'interception'],
      ['css background url', `<style>p { background: url("${C}/bg.png") }</style>`, '<p>x</p>', 'interception'],
      ['css url() spelt with an escape', `<style>p { background: \\75 rl("${C}/escaped.png") }</style>`, '<p>x</p>', 'interception'],
      ['table cell background attribute', '', `<table><tr><td background="${C}/td.png">x</td></tr></table>`, 'interception'],
      ['css @font-face', `<style>@font-face { font-family: Evil; src: url("${C}/font.ttf") } p { font-family: Evil }</style>`, '<p>x</p>', 'interception'],
      ['css image-set and cursor', `<style>p { background-image: image-set("${C}/set.png" 1x); cursor: url("${C}/cur.cur"), auto; list-style-image: url("${C}/li.png") }</style>`, '<ul><li><p>x</p></li></ul>', 'interception'],
      ['svg image', '', `<svg xmlns="http://www.w3.org/2000/svg"><image href="${C}/svg.png" width="10" height="10"/></svg>`, 'interception'],
      ['svg xlink file', '', `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="${F}" width="10" height="10"/></svg>`, 'browser'],
      ['svg use', '', `<svg xmlns="http://www.w3.org/2000/svg"><use href="${C}/sprite.svg#a"/></svg>`, 'browser'],
      ['base href', `<base href="${C}/">`, '<img src="relative.png">', 'interception'],
      ['meta refresh http', `<meta http-equiv="refresh" content="0;url=${C}/refresh">`, '<p>x</p>', 'either'],
      ['meta refresh file', `<meta http-equiv="refresh" content="0;url=${F}">`, '<p>x</p>', 'browser'],
      ['link preload', `<link rel="preload" href="${C}/preload.png" as="image">`, '<p>x</p>', 'interception'],
      ['link prefetch', `<link rel="prefetch" href="${C}/prefetch">`, '<p>x</p>', 'browser'],
      ['link preconnect', `<link rel="preconnect" href="${C}">`, '<p>x</p>', 'browser'],
      ['link dns-prefetch', `<link rel="dns-prefetch" href="//canary.example">`, '<p>x</p>', 'browser'],
      ['link stylesheet remote', `<link rel="stylesheet" href="${C}/remote.css">`, '<p>x</p>', 'interception'],
      ['video and audio', '', `<video src="${C}/v.mp4" poster="${C}/poster.png"><track src="${C}/t.vtt"></video><audio src="${C}/a.mp3"></audio>`, 'interception'],
      ['img srcset', '', `<img srcset="${C}/srcset.png 1x">`, 'interception'],
      ['input image', '', `<input type="image" src="${C}/input.png">`, 'interception'],
      ['script src', '', `<script src="${C}/script.js"></script>`, 'browser'],
      ['inline script fetch and XHR', '', `<script>fetch("${C}/fetch"); new Image().src = "${C}/js-img"; document.write("JS-RAN")</script>`, 'browser'],
      ['worker and service worker', '', `<script>new Worker("${C}/w.js"); navigator.serviceWorker.register("${C}/sw.js")</script>`, 'browser'],
      ['frame to own document', '', '<iframe src="https://report.invalid/index.html"></iframe>', 'interception'],
      ['asset as navigation', '', '<iframe src="https://report.invalid/style.css"></iframe>', 'interception'],
      ['data: document with img', '', `<iframe src="data:text/html,<img src='${C}/data-frame'>"></iframe>`, 'interception'],
    ];
  };

  it('refuses every hostile template, and prints each one inertly even when the rules are bypassed', async () => {
    const C = canary.url;
    const F = `file://${secretFile}`;
    const cases = templateCases(C, F);
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const [name, head, body, stoppedBy] of cases) {
      const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="stylesheet" href="style.css">${head}</head><body><div>安全</div>${body}</body></html>`;
      const lint = lintTemplate({ html, css: '', partials: {} });
      // This render's own list: a late request of the previous document (a refresh timer) lands
      // in the shared log, not here.
      const { pdf, blockedRequests } = await chromium.renderPdf({
        html,
        assets: new Map([['style.css', { contentType: 'text/css', body: Buffer.from('body { font-family: "Noto Serif SC" }') }]]),
        outline: false,
      });
      expect({ name, requests: canary.hits, connections: canary.connections() }).toEqual({ name, requests: [], connections: 0 });
      assertNothingLeaked(pdf);
      expect(pdfText(pdf)).not.toContain('JS-RAN');
      expect(compact(pdfText(pdf))).toContain('安全');
      const aborted = blockedRequests.length;
      results.push({ name, outcome: `refused by the template rules (${lint.length} problem(s)); printed inertly; stopped by ${stoppedBy} (${aborted} aborted)` });
      expect({ name, ruleProblems: lint.length > 0 }).toEqual({ name, ruleProblems: true });
      if (stoppedBy !== 'either') expect({ name, intercepted: aborted > 0 }).toEqual({ name, intercepted: stoppedBy === 'interception' });
    }
  }, 120_000);

  it('never passes the function’s environment to Chromium', async () => {
    await chromium.renderPdf({ html: '<p>x</p>', assets: new Map(), outline: false });
    const pid = await chromium.browserPid();
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    expect(environ).not.toContain(ENV_SECRET);
    expect(environ).not.toMatch(/AWS_|PDF_EXPORT_TEST_SECRET/);
    expect(environ).toContain('FONTCONFIG_FILE=');
  });

  const sample = (): Record<string, any> => {
    const template = reports.templates.get('county-annual-report');
    return structuredClone(template.sampleData[template.samples[0]]) as Record<string, any>;
  };

  it.each([
    ['markup in a name', (d: Record<string, any>) => (d.county.name = '<img src=x>县'), '<imgsrc=x>县'],
    ['closing tags and script in a name', (d: Record<string, any>) => (d.county.name = '</p><script>1</script>县'), '</p><script>1</script>县'],
    ['mustache in data', (d: Record<string, any>) => (d.county.name = '{{county.name}}县'), '{{county.name}}县'],
    ['quotes and ampersands', (d: Record<string, any>) => (d.county.name = `"&'县`), `"&'县`],
  ])('prints hostile data as inert text: %s', async (_name, mutate, expected) => {
    const data = sample();
    mutate(data);
    const canaryBefore = canary.hits.length;
    const report = await reports.render('county-annual-report', data);
    const text = compact(pdfText(report.pdf));
    expect(text).toContain(expected);
    expect(canary.hits.length).toBe(canaryBefore);
    assertNothingLeaked(report.pdf);
    results.push({ name: `data: ${_name}`, outcome: 'printed as text' });
  });

  it.each([
    ['__proto__ key', () => JSON.parse(`{"__proto__": {"polluted": 1}, ${JSON.stringify(sample()).slice(1)}`), '/__proto__'],
    ['constructor key nested', (d = sample()) => ({ ...d, county: { ...d.county, constructor: { prototype: 1 } } }), '/county/constructor'],
    ['lone surrogate in a name', (d = sample()) => ((d.county.name = '青\ud800县'), d), '/county/name'],
    ['NUL in a name', (d = sample()) => ((d.county.name = '青\u0000县'), d), '/county/name'],
    ['bidi override in a name', (d = sample()) => ((d.county.name = '\u202e县山青'), d), '/county/name'],
    ['deep nesting', (d = sample()) => {
      let deep: unknown = 1;
      for (let i = 0; i < 5000; i++) deep = { a: deep };
      return { ...d, county: deep };
    }, '/county'],
    ['path traversal in a name', (d = sample()) => ((d.county.name = '../../etc/passwd'), d), null],
    ['huge string', (d = sample()) => ((d.county.name = '县'.repeat(50_000)), d), '/county/name'],
  ])('rejects or neutralises hostile data before Chromium: %s', async (_name, make, path) => {
    const data = make();
    if (path === null) {
      // Allowed characters in a name are printed, never used as a path or key.
      const report = await reports.render('county-annual-report', data);
      expect(compact(pdfText(report.pdf))).toContain('../../etc/passwd');
      assertNothingLeaked(report.pdf);
      results.push({ name: `data: ${_name}`, outcome: 'printed as text' });
      return;
    }
    const error = await reports.render('county-annual-report', data).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataValidationError);
    expect((error as DataValidationError).details.map((d) => d.path)).toContainEqual(expect.stringMatching(new RegExp(`^${path}(/|$)`)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    results.push({ name: `data: ${_name}`, outcome: 'rejected (422 / exit 2)' });
  });
});
