/**
 * The Chromium boundary on the real bundled Chromium: reuse, relaunch after a crash, timeouts,
 * JavaScript off, network sealed.
 */
import { testApp } from '../helpers/app';
import { ChromiumError, RenderTimeoutError } from '../../lambda/src/core/errors';
import { ChromiumRenderer, chromiumArgs, mayFetch, withBase } from '../../lambda/src/chromium/ChromiumRenderer';
import type { PdfRenderRequest } from '../../lambda/src/core/ports';
import { compactChromiumPdf } from '../../lambda/src/pdf/compactChromiumPdf';
import { startCanary, type Canary } from '../helpers/canaryServer';
import { compact, pdfImages, pdfInfo, pdfOutline, pdfStructureProblems, pdfText } from '../helpers/pdfTools';
import { noisePng } from '../helpers/png';

const config = testApp().config.render;
const css = '@page { size: A4; margin: 20mm } body { font-family: "Noto Serif SC"; font-size: 16pt }';
const doc = (body: string, head = ''): PdfRenderRequest => ({
  html: `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试</title><link rel="stylesheet" href="style.css">${head}</head><body>${body}</body></html>`,
  assets: new Map([['style.css', { contentType: 'text/css', body: Buffer.from(css) }]]),
  outline: false,
});

describe('ChromiumRenderer', () => {
  let renderer: ChromiumRenderer;
  let canary: Canary;
  const blocked: string[] = [];

  beforeAll(async () => {
    canary = await startCanary();
    renderer = new ChromiumRenderer({
      fontconfigFile: config.fontconfigFile,
      renderTimeoutMs: 10_000,
      onBlockedRequest: (url) => blocked.push(url),
    });
  });
  afterAll(async () => {
    await renderer.close();
    await canary.close();
  });

  it('puts the one <base> first in the head, so relative asset URLs resolve under the sealed origin', () => {
    expect(withBase('<html><head><title>t</title></head></html>')).toBe('<html><head><base href="https://report.invalid/"><title>t</title></head></html>');
    expect(withBase('<HEAD lang="zh"><link rel="stylesheet" href="style.css">')).toBe('<HEAD lang="zh"><base href="https://report.invalid/"><link rel="stylesheet" href="style.css">');
    // <header> is not <head>.
    expect(withBase('<header>x</header>')).toBe('<base href="https://report.invalid/"><header>x</header>');
    // No <head>: after the doctype, or the page would be in quirks mode.
    expect(withBase('<!DOCTYPE html><p>x</p>', '<style></style>')).toBe('<!DOCTYPE html><base href="https://report.invalid/"><style></style><p>x</p>');
  });

  it('holds the load only of documents that may fetch something once laid out', () => {
    const fetching = [
      '<img src="assets/a.png">',
      '<img/src=a.png>',
      '<img alt="x"src=a.png>',
      '<link rel="stylesheet" href="x.css">',
      '<svg><image xlink:href="a.png"/></svg>',
      '<object data="x">',
      '<td background="assets/a.png">',
      '<BODY BACKGROUND=a.png>',
      '<p style="background: url(assets/b.png)">',
      '<style>div { background: image-set("a.png" 1x) }</style>',
      '<style>@import "x.css";</style>',
      // A CSS escape spells url( without the letters.
      '<style>div { background-image: \\75 rl(assets/a.png) }</style>',
    ];
    for (const html of fetching) {
      expect([html, mayFetch(html)]).toEqual([html, true]);
    }
    // TemplateStore writes every inlined stylesheet as <style data-href>: that is no URL attribute.
    for (const html of ['<style data-href="style.css">p { color: black }</style><p>正文</p>', '<p data-src="x" x-href="y">正文</p>']) {
      expect([html, mayFetch(html)]).toEqual([html, false]);
    }
  });

  it('prints tagged PDFs of the one shape compactChromiumPdf rewrites, bookmarks included', async () => {
    // compactChromiumPdf falls back to pdf-lib (~15 ms slower) for any other shape: a Chromium
    // upgrade that changed how PDFs are written must fail here, not silently slow every render.
    const { pdf } = await renderer.renderPdf({ ...doc('<h1>一、总体情况</h1><p>正文</p><h2>二、主要指标</h2><p>正文</p>'), outline: true });
    const compacted = compactChromiumPdf(pdf, { title: '测试', lang: 'zh-CN' });
    expect(compacted).toBeDefined();
    expect(compacted!.pages).toBe(1);
    expect(pdfStructureProblems(compacted!.pdf)).toEqual([]);
    expect((await pdfOutline(compacted!.pdf)).map((o) => o.title)).toEqual(['一、总体情况', '二、主要指标']);
  });

  it('drops the flags that would weaken the page and resolves no host names', () => {
    const args = chromiumArgs();
    expect(args).not.toContain('--disable-web-security');
    expect(args).not.toContain('--allow-running-insecure-content');
    expect(args.some((a) => a.startsWith('--host-resolver-rules=MAP * ~NOTFOUND'))).toBe(true);
  });

  it('prints Chinese text with the stylesheet served from memory and reuses one browser', async () => {
    const first = await renderer.renderPdf(doc('<p>青山县人民政府</p>'));
    const pid = await renderer.browserPid();
    const second = await renderer.renderPdf(doc('<p>第二份文件</p>'));
    expect(await renderer.browserPid()).toBe(pid);
    expect(compact(pdfText(first.pdf))).toContain('青山县人民政府');
    expect(compact(pdfText(second.pdf))).toContain('第二份文件');
    // The stylesheet's @page rule took effect: A4, not the Letter default.
    expect(pdfInfo(first.pdf)['Page size']).toContain('A4');
    expect(first.blockedRequests).toEqual([]);
  });

  it('prints the template’s images, from <img> and from its CSS, though its pages never draw a frame', async () => {
    // Pages get no frames (openSealedPage), so nothing computes styles before `load`: without the
    // renderer's LoadHold an image the CSS asks for would first be requested while printing. (The
    // attack corpus, whose CSS cases expect their requests to be seen, fails without it.)
    // Large, uncompressed images (2 and 3 MB) so that neither can arrive "instantly".
    // The stylesheet is inline, as TemplateStore hands every template's stylesheets to the renderer.
    const assets = new Map([
      ['assets/a.png', { contentType: 'image/png', body: noisePng(900, 800) }],
      ['assets/b.png', { contentType: 'image/png', body: noisePng(1000, 1000) }],
      ['assets/c.png', { contentType: 'image/png', body: noisePng(100, 90) }],
      ['assets/d.png', { contentType: 'image/png', body: noisePng(110, 80) }],
    ]);
    // Also the two ways past the renderer's quick look for URLs: an HTML background attribute, and
    // a CSS escape spelling url(.
    const box = 'width: 40mm; height: 40mm; background-repeat: no-repeat; background-size: 100% 100%';
    const style = `<style>${css} div { ${box}; background-image: url(assets/b.png) } span { display: block; ${box}; background-image: \\75 rl(assets/d.png) } td { ${box} }</style>`;
    const body = '<p>图片</p><img src="assets/a.png" style="width: 40mm"><div></div><table><tr><td background="assets/c.png">表</td></tr></table><span></span>';
    const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">${style}</head><body>${body}</body></html>`;
    for (let round = 0; round < 2; round++) {
      const { pdf, blockedRequests } = await renderer.renderPdf({ html, assets, outline: false });
      expect(blockedRequests).toEqual([]);
      expect(pdfImages(pdf)).toEqual(
        expect.arrayContaining([{ width: 900, height: 800 }, { width: 1000, height: 1000 }, { width: 100, height: 90 }, { width: 110, height: 80 }]),
      );
    }
    // Each of those alone: no other URL in the document to give it away.
    const alone = (head: string, body: string): string => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>${css} td, span { ${box} } span { display: block }</style>${head}</head><body>${body}</body></html>`;
    const backgroundAttribute = await renderer.renderPdf({ html: alone('', '<table><tr><td background="assets/c.png">表</td></tr></table>'), assets, outline: false });
    expect(pdfImages(backgroundAttribute.pdf)).toEqual([{ width: 100, height: 90 }]);
    const escapedUrl = await renderer.renderPdf({ html: alone('<style>span { background-image: \\75 rl(assets/d.png) }</style>', '<span></span>'), assets, outline: false });
    expect(pdfImages(escapedUrl.pdf)).toEqual([{ width: 110, height: 80 }]);
  }, 30_000);

  it('gives every render its own assets, though all templates serve them under one origin', async () => {
    // Two templates may both have an assets/logo.png; Chromium's memory cache is shared by all
    // pages of the browser, so a cached image would print in the wrong report.
    const style = '<style>div { width: 40mm; height: 40mm; background: url(assets/bg.png) no-repeat; background-size: 100% 100% }</style>';
    const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">${style}</head><body><p>图</p><img src="assets/img.png" style="width: 40mm"><div></div></body></html>`;
    for (const [width, height] of [[300, 200], [400, 100], [300, 200]]) {
      const assets = new Map([
        ['assets/img.png', { contentType: 'image/png', body: noisePng(width, height) }],
        ['assets/bg.png', { contentType: 'image/png', body: noisePng(height, width) }],
      ]);
      const { pdf } = await renderer.renderPdf({ html, assets, outline: false });
      expect(pdfImages(pdf)).toEqual(expect.arrayContaining([{ width, height }, { width: height, height: width }]));
      expect(pdfImages(pdf)).toHaveLength(2);
    }
  });

  it('runs no JavaScript from the document', async () => {
    const { pdf } = await renderer.renderPdf(
      doc('<p id="t">静态文本</p><script>document.getElementById("t").textContent = "SCRIPT-RAN";</script>'),
    );
    const text = pdfText(pdf);
    expect(text).not.toContain('SCRIPT-RAN');
    expect(compact(text)).toContain('静态文本');
  });

  it('aborts every request except the document and its assets, and still prints', async () => {
    blocked.length = 0;
    const { pdf, blockedRequests } = await renderer.renderPdf(
      doc(
        `<p>正文</p><img src="${canary.url}/img.png"><iframe src="${canary.url}/frame"></iframe>` +
          `<object data="${canary.url}/object"></object><img src="https://report.invalid/not-an-asset.png">`,
        `<link rel="stylesheet" href="${canary.url}/remote.css"><style>@import url("${canary.url}/import.css");</style>`,
      ),
    );
    expect(canary.hits).toEqual([]);
    expect(blockedRequests.length).toBeGreaterThanOrEqual(4);
    expect(blockedRequests).toEqual(expect.arrayContaining([`${canary.url}/img.png`, `${canary.url}/remote.css`, 'https://report.invalid/not-an-asset.png']));
    expect(blocked).toEqual(blockedRequests);
    expect(compact(pdfText(pdf))).toContain('正文');
  });

  it('bounds a render by the timeout and recovers with a new browser', async () => {
    const slow = new ChromiumRenderer({ fontconfigFile: config.fontconfigFile, renderTimeoutMs: 1_000 });
    try {
      // Tens of thousands of table cells take Chromium far longer than a second to lay out and print.
      const cells = '<tr>' + '<td>单元格</td>'.repeat(50) + '</tr>';
      await expect(slow.renderPdf(doc(`<table>${cells.repeat(1500)}</table>`))).rejects.toBeInstanceOf(RenderTimeoutError);
      const { pdf } = await slow.renderPdf(doc('<p>恢复正常</p>'));
      expect(compact(pdfText(pdf))).toContain('恢复正常');
    } finally {
      await slow.close();
    }
  });

  it('relaunches the browser after it was killed', async () => {
    const pid = await renderer.browserPid();
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    // Give puppeteer a moment to notice the closed pipe.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { pdf } = await renderer.renderPdf(doc('<p>重新启动</p>'));
    expect(await renderer.browserPid()).not.toBe(pid);
    expect(compact(pdfText(pdf))).toContain('重新启动');
  });

  it('refuses to render after close', async () => {
    const closed = new ChromiumRenderer({ fontconfigFile: config.fontconfigFile, renderTimeoutMs: 5_000 });
    await closed.close();
    await expect(closed.renderPdf(doc('<p>x</p>'))).rejects.toBeInstanceOf(ChromiumError);
  });
});
