/**
 * The fast rewrite of Chromium's PDFs, on a PDF the bundled Chromium printed (tagged, with an
 * outline, Chinese text in two embedded fonts, a table, two pages): fixtures/pdf/chromium-tagged.pdf.
 * Whether today's Chromium still prints this shape is checked in ChromiumRenderer.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString, type PDFObject, type PDFRef } from 'pdf-lib';
import { compactChromiumPdf } from '../../lambda/src/pdf/compactChromiumPdf';
import { stampPdfMetadata, stampWithPdfLib, type PdfMetadata } from '../../lambda/src/pdf/stampPdfMetadata';
import { pdfFonts, pdfInfo, pdfOutline, pdfStructureProblems, pdfText } from '../helpers/pdfTools';

const chromiumPdf = readFileSync(join(__dirname, '..', 'fixtures', 'pdf', 'chromium-tagged.pdf'));
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
    // The same file with the catalog's /Lang blanked out (same length, so every offset still holds).
    const withoutLang = edited(chromiumPdf, CATALOG, '/Lang (zh-CN)', ' '.repeat('/Lang (zh-CN)'.length));
    expect((await PDFDocument.load(withoutLang)).catalog.get(PDFName.of('Lang'))).toBeUndefined();
    const added = await PDFDocument.load(compactChromiumPdf(withoutLang, meta)!.pdf);
    expect(added.catalog.lookup(PDFName.of('Lang'), PDFString).decodeText()).toBe('zh-CN');
    const preferences = added.catalog.lookup(PDFName.of('ViewerPreferences'), PDFDict);
    expect(preferences.get(PDFName.of('DisplayDocTitle'))?.toString()).toBe('true');
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
    const stamped = await stampPdfMetadata(byPdfLib, { ...meta, title: '另一个标题' });
    expect(pdfInfo(stamped.pdf)).toMatchObject({ Title: '另一个标题', Author: meta.author, Creator: 'pdf-export' });
    expect(stamped.pages).toBe(2);
  });
});
