/**
 * Every sample of the county report, printed by the real Chromium, checked the way a reader would:
 * the words (pdftotext), the fonts (pdffonts), the page size, the bookmarks, the page numbers and
 * the pixels of the title (invisible CJK glyphs still extract as text, so text alone proves nothing).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChromiumRenderer, mayFetch } from '../../lambda/src/chromium/ChromiumRenderer';
import type { App } from '../../lambda/src/compose';
import type { RenderedReport } from '../../lambda/src/core/ReportRenderer';
import { compactChromiumPdf } from '../../lambda/src/pdf/compactChromiumPdf';
import { testApp } from '../helpers/app';
import { compact, darkShare, pdfFonts, pdfInfo, pdfOutline, pdfStructureProblems, pdfText, pdfWords, rasterisePage, readFixture } from '../helpers/pdfTools';

const TEMPLATE = 'county-annual-report';

/** Visible text of each paragraph-level element of the printed HTML, entities decoded. */
function paragraphsOf(html: string): string[] {
  const decode = (s: string): string =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x2F;/g, '/').replace(/&#x60;/g, '`').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
  const body = html.slice(html.indexOf('<body'));
  const out: string[] = [];
  for (const m of body.matchAll(/<(p|h1|h2|h3)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
    const text = compact(decode(m[2].replace(/<[^>]+>/g, '')));
    if (text) out.push(text);
  }
  return out;
}

/** PDF text without white space and without the "— N —" page numbers that interrupt paragraphs at page breaks. */
function bodyText(pdf: Buffer): string {
  return compact(pdfText(pdf)).replace(/—\d+—/g, '');
}

describe(`${TEMPLATE}: every sample printed by the real Chromium`, () => {
  let handle: App;
  const reports = new Map<string, { report: RenderedReport; html: string }>();
  const samples = (): string[] => handle.reports.templates.get(TEMPLATE).samples as string[];

  beforeAll(async () => {
    handle = testApp();
    const template = handle.reports.templates.get(TEMPLATE);
    expect(template.samples.length).toBeGreaterThanOrEqual(3);
    for (const sample of template.samples) {
      const prepared = handle.reports.prepare(TEMPLATE, template.sampleData[sample]);
      reports.set(sample, { report: await handle.reports.print(prepared), html: prepared.html });
    }
  }, 120_000);
  afterAll(() => handle.close());

  it('prints every paragraph of the report, with the fixed prose and the sample’s own names and figures', () => {
    const prose = JSON.parse(readFixture(TEMPLATE, 'prose.json')) as { paragraph: string; fragments: string[] }[];
    expect(prose.length).toBeGreaterThan(20);
    for (const sample of samples()) {
      const { report, html } = reports.get(sample)!;
      const text = bodyText(report.pdf);
      for (const { paragraph, fragments } of prose) {
        for (const fragment of fragments) {
          if (!text.includes(compact(fragment))) throw new Error(`${sample}: paragraph ${paragraph} lacks "${fragment}"`);
        }
      }
      // Every paragraph as rendered from this sample's data (names, figures, 增长/下降 wording).
      const paragraphs = paragraphsOf(html);
      expect(paragraphs.length).toBeGreaterThan(30);
      for (const paragraph of paragraphs) {
        if (!text.includes(paragraph)) throw new Error(`${sample}: PDF lacks paragraph "${paragraph.slice(0, 40)}…"`);
      }
      const data = handle.reports.templates.get(TEMPLATE).sampleData[sample] as { county: { name: string } };
      expect(text).toContain(data.county.name);
      expect(text).not.toMatch(/XX|\{\{|\}\}|undefined|NaN|\[object/);
    }
  });

  it('embeds the named CJK fonts as TrueType subsets, never Type 3, all from the small core files', () => {
    for (const sample of samples()) {
      const fonts = pdfFonts(reports.get(sample)!.report.pdf);
      const names = fonts.map((f) => f.name.replace(/^[A-Z]{6}\+/, ''));
      // One subset per face: a second one would mean a character came from an "Extended" file,
      // which costs ~10 ms per render (scripts/build-fonts.mjs); the template's own prose and
      // ordinary names stay inside GB 2312.
      expect(names.sort()).toEqual(['LXGWWenKai-Regular', 'NotoSansSC-Regular', 'NotoSerifSC-Bold', 'NotoSerifSC-Regular']);
      for (const font of fonts) {
        expect(font).toMatchObject({ embedded: true, subset: true });
        expect(font.type).not.toMatch(/Type 3/);
      }
    }
  });

  it('prints a rare character outside GB 2312 in the same typeface, from the extended font', async () => {
    // 浉 (U+6D49, as in 信阳市浉河区) and 䢺 (U+48BA, as in 重庆 䢺子坝) are real place-name
    // characters missing from GB 2312: the core files lack them, the extended files have them.
    const template = handle.reports.templates.get(TEMPLATE);
    const data = structuredClone(template.sampleData[samples()[0]]) as { county: { name: string } };
    data.county.name = '浉䢺县';
    const report = await handle.reports.render(TEMPLATE, data);
    expect(bodyText(report.pdf)).toContain('浉䢺县');
    const fonts = pdfFonts(report.pdf);
    const names = fonts.map((f) => f.name.replace(/^[A-Z]{6}\+/, ''));
    // The body (仿宋 stand-in) and the title (小标宋 stand-in) each print the name: each embeds a
    // second subset of its own face, from "Noto Serif SC Extended", not some other family's.
    expect(names.filter((n) => n === 'NotoSerifSC-Regular')).toHaveLength(2);
    expect(names.filter((n) => n === 'NotoSerifSC-Bold')).toHaveLength(2);
    for (const font of fonts) expect(font).toMatchObject({ embedded: true, subset: true, type: 'CID TrueType' });
    // The title line still has ink where the name is: no invisible glyphs, no empty boxes.
    expect(darkShare(rasterisePage(report.pdf, 1), { x: 28, y: 37, w: 156, h: 22 })).toBeGreaterThan(0.02);
  }, 30_000);

  it('is A4 with metadata from the data and a bookmark for each part and the appendix', async () => {
    for (const sample of samples()) {
      const { report } = reports.get(sample)!;
      const info = pdfInfo(report.pdf);
      // A4 is 595.28 × 841.89 pt; Chromium rounds to its device units (594.96 × 841.92).
      const [width, height] = /^([\d.]+) x ([\d.]+) pts \(A4\)$/.exec(info['Page size'])!.slice(1).map(Number);
      expect(Math.abs(width - 595.28)).toBeLessThan(1);
      expect(Math.abs(height - 841.89)).toBeLessThan(1);
      expect(Number(info.Pages)).toBe(report.pages);
      const data = handle.reports.templates.get(TEMPLATE).sampleData[sample] as { county: { name: string } };
      expect(info.Title).toContain(data.county.name);
      expect(info.Title).toBe(report.meta.title);
      expect(info.Author).toBe(report.meta.author);
      expect(info.Subject).toBe(report.meta.subject);
      expect(info.Keywords).toBe(report.meta.keywords!.join(' '));
      expect(info.Keywords).toContain(data.county.name);
      expect(info.Creator).toBe('pdf-export');
      expect(info.Producer).toMatch(/^Skia\/PDF/);
      expect(pdfStructureProblems(report.pdf)).toEqual([]);
      const titles = (await pdfOutline(report.pdf)).map((o) => o.title);
      for (const heading of ['一、', '二、', '三、', '四、']) expect(titles.some((t) => t.startsWith(heading))).toBe(true);
      expect(titles.some((t) => t.includes('主要经济指标'))).toBe(true);
    }
  });

  it('numbers pages "— N —", odd pages on the right and even pages on the left, below the text block', () => {
    const { report } = reports.get(samples()[0])!;
    expect(report.pages).toBeGreaterThanOrEqual(4);
    const pageWidth = 595.28;
    for (let page = 1; page <= report.pages; page++) {
      // pdftotext's plain mode drops the narrow spaces between CJK-style glyphs, so read the words
      // of the bottom line with their boxes: "—", "N", "—", separated by visible gaps.
      const words = pdfWords(report.pdf, page);
      const bottom = Math.max(...words.map((w) => w.yMin));
      const line = words.filter((w) => Math.abs(w.yMin - bottom) < 1).sort((a, b) => a.xMin - b.xMin);
      expect(line.map((w) => w.text)).toEqual(['—', String(page), '—']);
      expect(line[1].xMin - line[0].xMax).toBeGreaterThan(1);
      expect(line[2].xMin - line[1].xMax).toBeGreaterThan(1);
      // Below the text block: the bottom margin is 35 mm (≈ 99 pt) and the number sits about 7 mm into it.
      expect(bottom).toBeGreaterThan(841.89 - 99);
      // Odd pages right, even pages left, one character (14 pt) in from the text block's edge.
      if (page % 2 === 1) {
        expect(line[2].xMax).toBeGreaterThan(pageWidth - 74 - 14 - 3);
        expect(line[2].xMax).toBeLessThan(pageWidth - 74 - 14 + 3);
      } else {
        expect(line[0].xMin).toBeGreaterThan(79 + 14 - 3);
        expect(line[0].xMin).toBeLessThan(79 + 14 + 3);
      }
    }
  });

  it('draws the title in visible ink (a missing CJK font prints invisible glyphs)', () => {
    for (const sample of samples()) {
      const image = rasterisePage(reports.get(sample)!.report.pdf, 1);
      // The title sits at the top of the text block: 37 mm from the top, 28 mm from the left.
      expect(darkShare(image, { x: 28, y: 37, w: 156, h: 22 })).toBeGreaterThan(0.02);
    }
  });

  it('the ink check fails when Chromium has no CJK font', async () => {
    // Same HTML, with only the Latin fonts @sparticuz/chromium unpacks next to itself (Open Sans):
    // Chromium then prints the Chinese as invisible glyphs while pdftotext still extracts it, the
    // failure docs/architecture.md records. This proves the pixel check above can fail.
    const latinFonts = join(tmpdir(), 'fonts', 'fonts');
    expect(existsSync(latinFonts)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'latin-fonts-'));
    const conf = join(dir, 'fonts.conf');
    writeFileSync(conf, `<?xml version="1.0"?><fontconfig><dir>${latinFonts}</dir><cachedir>${dir}/cache</cachedir></fontconfig>`);
    const bare = new ChromiumRenderer({ fontconfigFile: conf, renderTimeoutMs: 20_000 });
    try {
      const renderer = handle.rendererFor(bare);
      const sample = samples()[0];
      const report = await renderer.render(TEMPLATE, handle.reports.templates.get(TEMPLATE).sampleData[sample]);
      expect(compact(pdfText(report.pdf))).toContain('述学述职述廉述法报告');
      expect(darkShare(rasterisePage(report.pdf, 1), { x: 28, y: 37, w: 156, h: 22 })).toBeLessThan(0.02);
    } finally {
      await bare.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the samples differ visibly, and a falling indicator reads 下降, never 增长-', () => {
    const texts = samples().map((s) => bodyText(reports.get(s)!.report.pdf));
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.some((t) => t.includes('下降'))).toBe(true);
    for (const t of texts) expect(t).not.toMatch(/增长-|下降-/);
  });

  it('keeps Chromium’s memory flat over many renders', async () => {
    // Without memory-pressure notifications the bundled Chromium grows ~5 MB per report.
    const rssMb = async (): Promise<number> => {
      const status = readFileSync(`/proc/${await handle.chromium.browserPid()}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
    };
    const template = handle.reports.templates.get(TEMPLATE);
    const data = template.sampleData[template.samples[0]];
    for (let i = 0; i < 5; i++) await handle.reports.render(TEMPLATE, data);
    const before = await rssMb();
    for (let i = 0; i < 20; i++) await handle.reports.render(TEMPLATE, data);
    expect((await rssMb()) - before).toBeLessThan(40);
  }, 60_000);

  it('keeps a sample PDF small', () => {
    for (const sample of samples()) expect(reports.get(sample)!.report.bytes).toBeLessThan(300 * 1024);
  });

  it('rewrites the report’s print in one pass (not pdf-lib), its small objects in several object streams', async () => {
    const template = handle.reports.templates.get(TEMPLATE);
    const prepared = handle.reports.prepare(TEMPLATE, template.sampleData[template.samples[0]]);
    const { pdf: printed } = await handle.chromium.renderPdf({ html: prepared.html, assets: template.assets, outline: true });
    const compacted = compactChromiumPdf(printed, prepared.meta);
    expect(compacted).toBeDefined();
    expect(compacted!.pages).toBe(11);
    expect(pdfStructureProblems(compacted!.pdf)).toEqual([]);
    expect(compacted!.pdf.toString('latin1').match(/\/Type \/ObjStm/g)!.length).toBeGreaterThanOrEqual(2);
    expect(bodyText(compacted!.pdf)).toBe(bodyText(printed));
  });

  it('writes documents that fetch nothing, so none waits for a load hold or lays out for a screen', () => {
    // The renderer holds the load of (and lays out for the screen) any document that may fetch;
    // an attribute or url() that slipped into the template would cost every report a layout.
    for (const sample of samples()) expect([sample, mayFetch(reports.get(sample)!.html)]).toEqual([sample, false]);
  });
});
