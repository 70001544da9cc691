/**
 * The fast rewrite of Chromium's PDFs, on PDFs the bundled Chromium printed: fixtures/pdf/
 * chromium-tagged.pdf (tagged, with an outline, Chinese text in two embedded fonts, a table, two
 * pages) and chromium-ascii.pdf (ASCII title and bookmarks, which Skia writes as literal strings
 * with escaped parentheses). Whether today's Chromium still prints this shape is checked in
 * ChromiumRenderer.test.ts; the county report's own print, in renderSamples.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString, type PDFObject, type PDFRef } from 'pdf-lib';
import { compactChromiumPdf } from '../../lambda/src/pdf/compactChromiumPdf';
import type { PdfMetadata } from '../../lambda/src/core/ports';
import { stampPdfMetadata, stampWithPdfLib } from '../../lambda/src/pdf/stampPdfMetadata';
import { pdfFonts, pdfInfo, pdfOutline, pdfStructureProblems, pdfText } from '../helpers/pdfTools';

const chromiumPdf = readFileSync(join(__dirname, '..', 'fixtures', 'pdf', 'chromium-tagged.pdf'));
const asciiPdf = readFileSync(join(__dirname, '..', 'fixtures', 'pdf', 'chromium-ascii.pdf'));
const meta: PdfMetadata = {
  title: '青山县县长2020年述学述职述廉述法报告',
  author: '青山县人民政府',
  subject: '述学述职述廉述法报告',
  keywords: ['青山县', '2020年'],
  lang: 'zh-CN',
};

/** Each indirect object's number → a comparable form: its text, or a stream's dictionary and bytes. */
async function objectsOf(pdf: Uint8Array): Promise<{ doc: PDFDocument; objects: Map<number, string> }> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const objects = new Map<number, string>();
  const describe = (object: PDFObject): string =>
    object instanceof PDFRawStream ? `${object.dict.toString()} ${Buffer.from(object.contents).toString('hex')}` : object.toString();
  for (const [ref, object] of doc.context.enumerateIndirectObjects()) objects.set((ref as PDFRef).objectNumber, describe(object));
  return { doc, objects };
}

/** The same bytes with `find` replaced by `replacement` inside the object whose text matches `inObject`. */
function edited(pdf: Buffer, inObject: RegExp, find: string, replacement: string): Buffer {
  const text = pdf.toString('latin1');
  const object = inObject.exec(text);
  if (!object) throw new Error(`fixture has no object matching ${inObject}`);
  const at = text.indexOf(find, object.index);
  if (at < 0 || at > object.index + object[0].length) throw new Error(`"${find}" not in that object`);
  return Buffer.from(text.slice(0, at) + replacement + text.slice(at + find.length), 'latin1');
}

const CATALOG = /\d+ 0 obj\s*<<\/Type \/Catalog[\s\S]*?endobj/;

/** `pdf` with `bytes` inserted after object `after`'s `endobj`, every offset after it moved along. */
function insertedAfter(pdf: Buffer, after: number, bytes: string): Buffer {
  const text = pdf.toString('latin1');
  const objectAt = text.indexOf(`\n${after} 0 obj\n`) + 1;
  const at = text.indexOf('endobj\n', objectAt) + 'endobj\n'.length;
  const xrefAt = text.lastIndexOf('\nxref\n') + 1;
  const moved = (offset: number): number => (offset >= at ? offset + bytes.length : offset);
  const xref = text
    .slice(xrefAt)
    .replace(/^(\d{10})( \d{5} n)/gm, (_, offset: string, rest: string) => `${String(moved(Number(offset))).padStart(10, '0')}${rest}`)
    .replace(/startxref\n(\d+)/, (_, offset: string) => `startxref\n${moved(Number(offset))}`);
  return Buffer.from(text.slice(0, at) + bytes + text.slice(at, xrefAt) + xref, 'latin1');
}

/** The same bytes with the trailer dictionary's entries rewritten (the trailer follows every offset). */
function withTrailer(pdf: Buffer, edit: (entries: string) => string): Buffer {
  const text = pdf.toString('latin1');
  const at = text.lastIndexOf('trailer\n<<') + 'trailer\n<<'.length;
  const end = text.indexOf('>>', at);
  return Buffer.from(text.slice(0, at) + edit(text.slice(at, end)) + text.slice(end), 'latin1');
}

describe('compactChromiumPdf', () => {
  it('keeps every object of Chromium’s PDF byte for byte, except the information dictionary and the catalog’s language', async () => {
    const compacted = compactChromiumPdf(chromiumPdf, meta);
    expect(compacted).toBeDefined();
    const before = await objectsOf(chromiumPdf);
    const after = await objectsOf(compacted!.pdf);
    const infoNumber = (before.doc.context.trailerInfo.Info as PDFRef).objectNumber;
    const catalogNumber = (before.doc.context.trailerInfo.Root as PDFRef).objectNumber;
    expect(before.objects.size).toBeGreaterThan(40);
    for (const [number, object] of before.objects) {
      if (number === infoNumber || number === catalogNumber) continue;
      expect(after.objects.get(number)).toBe(object);
    }
    const catalog = (doc: PDFDocument): string => {
      const copy = doc.catalog.clone();
      copy.delete(PDFName.of('Lang'));
      return copy.toString();
    };
    expect(catalog(after.doc)).toBe(catalog(before.doc));
  });

  it('writes a well-formed PDF: every cross-reference offset, object stream and length checks out', () => {
    expect(pdfStructureProblems(chromiumPdf)).toEqual([]);
    expect(pdfStructureProblems(compactChromiumPdf(chromiumPdf, meta)!.pdf)).toEqual([]);
    // The check itself: the same file with every object moved by a few bytes is damaged.
    const shifted = Buffer.from(compactChromiumPdf(chromiumPdf, meta)!.pdf.toString('latin1').replace('%PDF-1.5\n', '%PDF-1.5\n%shift\n'), 'latin1');
    expect(pdfStructureProblems(shifted)).not.toEqual([]);
  });

  it('reads the same as Chromium’s PDF: text, fonts, bookmarks, pages', async () => {
    const compacted = compactChromiumPdf(chromiumPdf, meta)!;
    expect(pdfText(compacted.pdf)).toBe(pdfText(chromiumPdf));
    expect(pdfFonts(compacted.pdf)).toEqual(pdfFonts(chromiumPdf));
    expect(await pdfOutline(compacted.pdf)).toEqual(await pdfOutline(chromiumPdf));
    expect((await pdfOutline(compacted.pdf)).map((o) => o.title)).toEqual(expect.arrayContaining(['一、总体情况', '二、主要指标']));
    expect(compacted.pages).toBe(2);
    expect(Number(pdfInfo(compacted.pdf).Pages)).toBe(2);
    expect(pdfInfo(compacted.pdf).Tagged).toBe('yes');
  });

  it('writes the document information, keeping Chromium’s producer and dates', () => {
    const info = pdfInfo(compactChromiumPdf(chromiumPdf, meta)!.pdf);
    const original = pdfInfo(chromiumPdf);
    expect(info).toMatchObject({
      Title: meta.title,
      Author: meta.author,
      Subject: meta.subject,
      Keywords: '青山县 2020年',
      Creator: 'pdf-export',
      Producer: original.Producer,
      CreationDate: original.CreationDate,
      ModDate: original.ModDate,
    });
    expect(original.Producer).toMatch(/^Skia\/PDF/);
  });

  it('writes any title as text: PDF delimiters, keywords of the format, characters beyond the BMP', () => {
    const title = 'a) (b \\ endobj >> %%EOF 𠀀县';
    const info = pdfInfo(compactChromiumPdf(chromiumPdf, { title, lang: 'zh-CN' })!.pdf);
    expect(info.Title).toBe(title);
    expect(info.Author).toBeUndefined();
    expect(info.Keywords).toBeUndefined();
  });

  it('sets the document language, replacing Chromium’s or adding it, and shows the title in the title bar', async () => {
    const replaced = await PDFDocument.load(compactChromiumPdf(chromiumPdf, { ...meta, lang: 'zh-Hant-TW' })!.pdf);
    expect(replaced.catalog.lookup(PDFName.of('Lang'), PDFString).decodeText()).toBe('zh-Hant-TW');
    // The same file with the catalog's /Lang and viewer preferences blanked out (same length, so
    // every offset still holds), as Chromium writes a document without lang or <title>.
    const blank = (text: string): string => ' '.repeat(text.length);
    const preferencesText = /\/ViewerPreferences <<[^>]*>>/.exec(CATALOG.exec(chromiumPdf.toString('latin1'))![0])![0];
    const bare = edited(edited(chromiumPdf, CATALOG, '/Lang (zh-CN)', blank('/Lang (zh-CN)')), CATALOG, preferencesText, blank(preferencesText));
    const bareCatalog = (await PDFDocument.load(bare)).catalog;
    expect([bareCatalog.get(PDFName.of('Lang')), bareCatalog.get(PDFName.of('ViewerPreferences'))]).toEqual([undefined, undefined]);
    const added = await PDFDocument.load(compactChromiumPdf(bare, meta)!.pdf);
    expect(added.catalog.lookup(PDFName.of('Lang'), PDFString).decodeText()).toBe('zh-CN');
    const preferences = added.catalog.lookup(PDFName.of('ViewerPreferences'), PDFDict);
    expect(preferences.get(PDFName.of('DisplayDocTitle'))?.toString()).toBe('true');
    expect(pdfStructureProblems(compactChromiumPdf(bare, meta)!.pdf)).toEqual([]);
  });

  it('rewrites ASCII titles and bookmarks, which Chromium writes as literal strings with escapes', async () => {
    expect(asciiPdf.toString('latin1')).toContain('/Title (1. Overview \\(part A\\))');
    const compacted = compactChromiumPdf(asciiPdf, { title: 'Annual report', lang: 'en' });
    expect(compacted).toBeDefined();
    expect(pdfStructureProblems(compacted!.pdf)).toEqual([]);
    expect(pdfText(compacted!.pdf)).toBe(pdfText(asciiPdf));
    expect((await pdfOutline(compacted!.pdf)).map((o) => o.title)).toEqual(['1. Overview (part A)', '2. Figures']);
    expect(pdfInfo(compacted!.pdf).Title).toBe('Annual report');
  });

  it('reads every end-of-line form of the cross-reference table', () => {
    for (const eol of [' \r', '\r\n']) {
      const text = chromiumPdf.toString('latin1');
      const xrefAt = text.lastIndexOf('\nxref\n') + 1;
      const pdf = Buffer.from(text.slice(0, xrefAt) + text.slice(xrefAt).replace(/( [nf]) \n/g, `$1${eol}`), 'latin1');
      expect(pdf.toString('latin1')).toContain(`00000 n${eol}`);
      const compacted = compactChromiumPdf(pdf, meta);
      expect([JSON.stringify(eol), compacted?.pages]).toEqual([JSON.stringify(eol), 2]);
      expect(pdfStructureProblems(compacted!.pdf)).toEqual([]);
    }
  });

  it('copies a stream whose binary data happens to hold the bytes "endobj"', async () => {
    const text = chromiumPdf.toString('latin1');
    const font = /(\d+) 0 obj\n<<\/Length1[^>]*>>\s*stream\n/.exec(text)!;
    const at = font.index + font[0].length + 100;
    const pdf = Buffer.from(text.slice(0, at) + 'endobj' + text.slice(at + 'endobj'.length), 'latin1');
    const compacted = compactChromiumPdf(pdf, meta);
    expect(compacted).toBeDefined();
    const number = Number(font[1]);
    expect((await objectsOf(compacted!.pdf)).objects.get(number)).toBe((await objectsOf(pdf)).objects.get(number));
  });

  it('writes a new information dictionary when the file has none', () => {
    const withoutInfo = withTrailer(chromiumPdf, (entries) => entries.replace(/\/Info \d+ 0 R/, ''));
    const compacted = compactChromiumPdf(withoutInfo, meta);
    expect(compacted).toBeDefined();
    expect(pdfStructureProblems(compacted!.pdf)).toEqual([]);
    expect(pdfInfo(compacted!.pdf)).toMatchObject({ Title: meta.title, Author: meta.author, Creator: 'pdf-export' });
  });

  it('is no larger than pdf-lib’s rewrite of the same PDF, and smaller than Chromium’s', async () => {
    const compacted = compactChromiumPdf(chromiumPdf, meta)!;
    const byPdfLib = await stampWithPdfLib(chromiumPdf, meta);
    expect(compacted.pdf.length).toBeLessThan(chromiumPdf.length);
    expect(compacted.pdf.length).toBeLessThanOrEqual(byPdfLib.pdf.length);
  });

  it('leaves a PDF of any other shape to pdf-lib, which still stamps it', async () => {
    const text = chromiumPdf.toString('latin1');
    const byPdfLib = (await stampWithPdfLib(chromiumPdf, meta)).pdf; // a cross-reference stream
    const others: Record<string, Buffer> = {
      'cross-reference stream': byPdfLib,
      'incremental update': Buffer.from(text.replace('trailer\n<<', 'trailer\n<</Prev 9 '), 'latin1'),
      encrypted: Buffer.from(text.replace('trailer\n<<', 'trailer\n<</Encrypt 9 0 R '), 'latin1'),
      // One byte more after the header moves every object off its cross-reference offset.
      'offsets that do not match': Buffer.from(text.replace('%PDF-1.4\n', '%PDF-1.4\n\n'), 'latin1'),
      truncated: chromiumPdf.subarray(0, chromiumPdf.length - 100),
      'not a PDF': Buffer.from('<html>not a pdf</html>'),
    };
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    for (const [shape, pdf] of Object.entries(others)) {
      expect([shape, compactChromiumPdf(pdf, meta)]).toEqual([shape, undefined]);
    }
    const ascii = asciiPdf.toString('latin1');
    const catalogNumber = /(\d+) 0 obj\s*<<\/Type \/Catalog/.exec(text)![1];
    const oddities: Record<string, Buffer> = {
      'a cross-reference stream offset beside the table': withTrailer(chromiumPdf, (entries) => `${entries} /XRefStm 9`),
      'an object of generation 1': Buffer.from(text.replace(/( 00000 n)(?![\s\S]* 00000 n)/, ' 00001 n'), 'latin1'),
      'information dictionary that does not exist': withTrailer(chromiumPdf, (entries) => entries.replace(/\/Info \d+ 0 R/, '/Info 999 0 R')),
      'information dictionary that is the catalog': withTrailer(chromiumPdf, (entries) => entries.replace(/\/Info \d+ 0 R/, `/Info ${catalogNumber} 0 R`)),
      // Bytes the table does not list, after a stream and after a small object: never taken into one.
      'an unlisted object after a stream': insertedAfter(chromiumPdf, Number(/(\d+) 0 obj\n<<\/Length1/.exec(text)![1]), '99 0 obj\n<</Dead true>>\nendobj\n'),
      'an unlisted object after a small object': insertedAfter(chromiumPdf, Number(catalogNumber), '99 0 obj\n<</Dead true>>\nendobj\n'),
      'a comment between objects': insertedAfter(chromiumPdf, Number(catalogNumber), '%comment\n'),
      'an unlisted stream after a stream': insertedAfter(chromiumPdf, Number(/(\d+) 0 obj\n<<\/Length1/.exec(text)![1]), '99 0 obj\n<</Length 3>>\nstream\nabc\nendstream\nendobj\n'),
      // "endobj" inside a literal string of a kept object (here a bookmark): pdf-lib reads strings.
      'endobj inside a string': Buffer.from(ascii.replace('(1. Overview \\(part A\\))', '(1. endobj \\(part A\\))'), 'latin1'),
    };
    for (const [shape, pdf] of Object.entries(oddities)) {
      expect([shape, pdf.length > 1000, compactChromiumPdf(pdf, meta)]).toEqual([shape, true, undefined]);
    }
    // Those with bytes between objects are sound PDFs all the same, refused only for their shape.
    for (const shape of ['an unlisted object after a stream', 'an unlisted object after a small object', 'a comment between objects', 'an unlisted stream after a stream']) {
      expect([shape, pdfStructureProblems(oddities[shape])]).toEqual([shape, []]);
    }
    expect(compactChromiumPdf(chromiumPdf, { ...meta, lang: 'x(y' })).toBeUndefined();
    const stampedOddity = await stampPdfMetadata(oddities['endobj inside a string'], meta);
    expect((await pdfOutline(stampedOddity.pdf)).map((o) => o.title)).toContain('1. endobj (part A)');
    expect(pdfInfo(stampedOddity.pdf).Title).toBe(meta.title);
    const stamped = await stampPdfMetadata(byPdfLib, { ...meta, title: '另一个标题' });
    expect(pdfInfo(stamped.pdf)).toMatchObject({ Title: '另一个标题', Author: meta.author, Creator: 'pdf-export' });
    expect(stamped.pages).toBe(2);
  });
});
