/**
 * Binds many report PDFs into one volume: a cover, a contents page (titles and page numbers),
 * then every report, with one bookmark per report pointing at its first page.
 *
 * - The cover and contents are Chinese text, which needs the CJK fonts: they are printed as HTML
 *   by the same Chromium (a small built-in page, every text escaped), not drawn with pdf-lib,
 *   whose standard fonts have no Chinese glyphs.
 * - Pages are merged with pdf-lib's copyPages, which keeps each report's fonts and content as
 *   printed; pdf-lib has no outline API, so the bookmarks are built from its low-level objects.
 * - The contents' page numbers are the volume's own page numbers (what a PDF viewer shows); they
 *   depend on how many pages the contents take, so the front matter is printed until that
 *   number is stable (once, normally twice).
 */
import { PDFArray, PDFDocument, PDFHexString, PDFName, PDFNull, PDFNumber, type PDFRef } from 'pdf-lib';
import type { PdfRenderer } from '../core/ports';

export interface VolumeEntry {
  /** Shown in the contents and as the bookmark, e.g. the report's title. */
  readonly title: string;
  /** The report's PDF; loaded one at a time, so a volume of many reports is not all in memory twice. */
  readonly load: () => Promise<Uint8Array>;
}

export interface VolumeOptions {
  /** The volume's title, on the cover and in the PDF metadata. */
  readonly title: string;
  /** A second line on the cover, e.g. 汇编. */
  readonly subtitle?: string;
  /** The date printed on the cover. */
  readonly date: Date;
  readonly entries: readonly VolumeEntry[];
  /** Prints the cover and contents; pass a ChromiumRenderer so the CJK fonts are those of the reports. */
  readonly printer: PdfRenderer;
}

export interface BoundVolume {
  readonly pdf: Uint8Array;
  readonly pages: number;
  /** Cover plus contents pages, before the first report. */
  readonly frontPages: number;
  /** 1-based page on which each entry starts, in entry order. */
  readonly firstPages: readonly number[];
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Same page geometry and font stacks as the reports (GB/T 9704: A4, 37/26/35/28 mm margins). */
const VOLUME_CSS = `
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
:root {
  --font-fangsong: "仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif SC", "Noto Serif SC Extended", serif;
  --font-title: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif SC", "Noto Serif SC Extended", serif;
  --font-hei: "黑体", "SimHei", "Noto Sans SC", "Noto Sans SC Extended", sans-serif;
}
html { font-family: var(--font-fangsong); font-size: 16pt; line-height: 28.9pt; color: #000; }
body { margin: 0; }
.cover { height: 225mm; display: flex; flex-direction: column; align-items: center; text-align: center; break-after: page; }
.cover h1 { font-family: var(--font-title); font-weight: normal; font-size: 26pt; line-height: 1.5; margin: 40mm 0 0; }
.cover .subtitle { font-family: var(--font-title); font-size: 22pt; margin: 8mm 0 0; }
.cover .count { margin: 24mm 0 0; }
.cover .date { margin-top: auto; }
.contents h2 { font-family: var(--font-hei); font-weight: normal; font-size: 22pt; text-align: center; margin: 0 0 4mm; letter-spacing: 1em; }
.contents .note { font-size: 12pt; line-height: 20pt; text-align: center; margin: 0 0 4mm; }
.contents ol { list-style: none; margin: 0; padding: 0; }
.contents li { display: flex; align-items: baseline; break-inside: avoid; }
.contents .leader { flex: 1; border-bottom: 1.2pt dotted #000; margin: 0 4pt; min-width: 2em; }
.contents .page { font-variant-numeric: tabular-nums; }
`;

function frontMatterHtml(options: VolumeOptions, firstPages: readonly number[]): string {
  const d = options.date;
  const date = `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
  const rows = options.entries
    .map((entry, i) => `<li><span class="title">${escapeHtml(entry.title)}</span><span class="leader"></span><span class="page">${firstPages[i]}</span></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title><link rel="stylesheet" href="volume.css"></head>
<body>
<section class="cover">
<h1>${escapeHtml(options.title)}</h1>
${options.subtitle ? `<p class="subtitle">${escapeHtml(options.subtitle)}</p>` : ''}
<p class="count">共${options.entries.length}份</p>
<p class="date">${date}</p>
</section>
<section class="contents">
<h2>目录</h2>
<p class="note">页码为本汇编的页次</p>
<ol>
${rows}
</ol>
</section>
</body></html>`;
}

async function printFrontMatter(options: VolumeOptions, bodyStarts: readonly number[]): Promise<PDFDocument> {
  // A guess: the cover and ~20 contents lines a page. Corrected below if the print disagrees.
  let frontPages = 1 + Math.ceil((options.entries.length + 2) / 20);
  for (let attempt = 0; ; attempt++) {
    const firstPages = bodyStarts.map((start) => frontPages + start);
    const { pdf } = await options.printer.renderPdf({
      html: frontMatterHtml(options, firstPages),
      assets: new Map([['volume.css', { contentType: 'text/css; charset=utf-8', body: Buffer.from(VOLUME_CSS) }]]),
      outline: false,
    });
    const doc = await PDFDocument.load(pdf);
    // More digits can lengthen a line only by a character, so this settles within a few prints.
    if (doc.getPageCount() === frontPages || attempt >= 4) return doc;
    frontPages = doc.getPageCount();
  }
}

/** An outline (bookmarks) with one top-level item per entry, pointing at its first page. */
function addOutline(volume: PDFDocument, items: readonly { title: string; page: PDFRef }[]): void {
  if (items.length === 0) return;
  const context = volume.context;
  const outlinesRef = context.nextRef();
  const refs = items.map(() => context.nextRef());
  items.forEach((item, i) => {
    const dest = PDFArray.withContext(context);
    // XYZ with null left/top/zoom: go to the page and keep the reader's zoom.
    dest.push(item.page);
    dest.push(PDFName.of('XYZ'));
    dest.push(PDFNull);
    dest.push(PDFNull);
    dest.push(PDFNull);
    const dict = context.obj({ Title: PDFHexString.fromText(item.title), Parent: outlinesRef, Dest: dest });
    if (i > 0) dict.set(PDFName.of('Prev'), refs[i - 1]);
    if (i < items.length - 1) dict.set(PDFName.of('Next'), refs[i + 1]);
    context.assign(refs[i], dict);
  });
  const outlines = context.obj({ Type: 'Outlines', First: refs[0], Last: refs[refs.length - 1] });
  outlines.set(PDFName.of('Count'), PDFNumber.of(items.length));
  context.assign(outlinesRef, outlines);
  volume.catalog.set(PDFName.of('Outlines'), outlinesRef);
  // Open with the bookmarks panel showing: a volume of many reports is navigated by them.
  volume.catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}

export async function bindVolume(options: VolumeOptions): Promise<BoundVolume> {
  const volume = await PDFDocument.create();
  volume.setTitle(options.title, { showInWindowTitleBar: true });
  volume.setLanguage('zh-CN');
  volume.setCreator('pdf-export');
  volume.setProducer('pdf-export (pdf-lib)');

  // Body first: the contents need every report's page count.
  const bodyStarts: number[] = [];
  const firstPageRefs: PDFRef[] = [];
  for (const entry of options.entries) {
    const source = await PDFDocument.load(await entry.load());
    const pages = await volume.copyPages(source, source.getPageIndices());
    bodyStarts.push(volume.getPageCount() + 1);
    pages.forEach((page) => volume.addPage(page));
    firstPageRefs.push(pages[0].ref);
  }

  const front = await printFrontMatter(options, bodyStarts);
  const frontPages = await volume.copyPages(front, front.getPageIndices());
  frontPages.forEach((page, i) => volume.insertPage(i, page));

  addOutline(
    volume,
    options.entries.map((entry, i) => ({ title: entry.title, page: firstPageRefs[i] })),
  );
  const pdf = await volume.save({ useObjectStreams: true });
  return {
    pdf,
    pages: volume.getPageCount(),
    frontPages: frontPages.length,
    firstPages: bodyStarts.map((start) => frontPages.length + start),
  };
}
