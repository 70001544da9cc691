/**
 * Reading real PDFs in tests with poppler-utils (installed by scripts/ensure-system-deps.mjs) and
 * pdf-lib. Nothing here trusts the renderer: every check reads the bytes that were produced.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib';

function withPdfFile<T>(pdf: Uint8Array, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'pdf-test-'));
  try {
    const path = join(dir, 'doc.pdf');
    writeFileSync(path, pdf);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pdfText(pdf: Uint8Array, page?: number): string {
  return withPdfFile(pdf, (path) => {
    const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
    return execFileSync('pdftotext', ['-enc', 'UTF-8', ...range, path, '-'], { encoding: 'utf8' });
  });
}

/** Width × height of every image drawn on the pages (`pdfimages -list`), in order. */
export function pdfImages(pdf: Uint8Array): { width: number; height: number }[] {
  const out = withPdfFile(pdf, (path) => execFileSync('pdfimages', ['-list', path], { encoding: 'utf8' }));
  return out
    .split('\n')
    .slice(2)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, , , width, height] = line.trim().split(/\s+/);
      return { width: Number(width), height: Number(height) };
    });
}

/** Text with all white space removed: CJK lines wrap anywhere, so comparisons ignore layout. */
export function compact(text: string): string {
  return text.replace(/\s+/g, '');
}

export interface PdfFont {
  name: string;
  type: string;
  embedded: boolean;
  subset: boolean;
}

export function pdfFonts(pdf: Uint8Array): PdfFont[] {
  const out = withPdfFile(pdf, (path) => execFileSync('pdffonts', [path], { encoding: 'utf8' }));
  return out
    .split('\n')
    .slice(2)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // name  type (may contain spaces)  encoding  emb sub uni  object ID
      const m = /^(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/.exec(line);
      if (!m) throw new Error(`unexpected pdffonts line: ${line}`);
      return { name: m[1], type: m[2].trim(), embedded: m[4] === 'yes', subset: m[5] === 'yes' };
    });
}

export function pdfInfo(pdf: Uint8Array): Record<string, string> {
  const out = withPdfFile(pdf, (path) => execFileSync('pdfinfo', ['-enc', 'UTF-8', path], { encoding: 'utf8' }));
  const info: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) info[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return info;
}

/**
 * What `qpdf --check` finds wrong with a PDF's structure (cross-reference offsets, object
 * streams, stream lengths): empty when nothing. poppler and pdf-lib quietly repair or ignore a
 * broken cross-reference table, so reading a PDF with them proves little about how it was written.
 */
export function pdfStructureProblems(pdf: Uint8Array): string[] {
  const result = withPdfFile(pdf, (path) => spawnSync('qpdf', ['--check', path], { encoding: 'utf8' }));
  if (result.error) throw result.error;
  const problems = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^(?:WARNING|ERROR|qpdf):/.test(line));
  // qpdf exits 0 when clean, 3 with warnings, 2 with errors.
  if (result.status !== 0 && problems.length === 0) problems.push(`qpdf --check exited ${result.status}`);
  return problems;
}

/** Titles of the document outline (bookmarks), depth-first, with their nesting level. */
export async function pdfOutline(pdf: Uint8Array): Promise<{ title: string; level: number }[]> {
  const doc = await PDFDocument.load(pdf);
  const result: { title: string; level: number }[] = [];
  const outlines = doc.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict);
  const walk = (first: PDFDict | undefined, level: number): void => {
    for (let item = first; item; item = item.lookupMaybe(PDFName.of('Next'), PDFDict)) {
      const title = item.lookup(PDFName.of('Title'));
      if (title instanceof PDFString || title instanceof PDFHexString) result.push({ title: title.decodeText(), level });
      walk(item.lookupMaybe(PDFName.of('First'), PDFDict), level + 1);
    }
  };
  walk(outlines?.lookupMaybe(PDFName.of('First'), PDFDict), 0);
  return result;
}

/** Words with their boxes on one page (pdftotext -bbox), in PDF points from the top-left. */
export function pdfWords(pdf: Uint8Array, page: number): { text: string; xMin: number; xMax: number; yMin: number; yMax: number }[] {
  const html = withPdfFile(pdf, (path) =>
    execFileSync('pdftotext', ['-bbox', '-enc', 'UTF-8', '-f', String(page), '-l', String(page), path, '-'], { encoding: 'utf8' }),
  );
  const words = [];
  const re = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    words.push({ xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), text: m[5] });
  }
  return words;
}

/** A page rasterised to 8-bit grey (pdftoppm -gray, PGM). */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export function rasterisePage(pdf: Uint8Array, page: number, dpi = 60): GreyImage {
  const pgm = withPdfFile(pdf, (path) =>
    execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-f', String(page), '-l', String(page), path]),
  );
  // Binary PGM: "P5\n<width> <height>\n<maxval>\n" then width*height bytes.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not return a PGM image');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, pixels: pgm.subarray(header[0].length, header[0].length + width * height) };
}

/** Share of dark pixels (< 128) inside a rectangle given in millimetres from the page's top-left. */
export function darkShare(image: GreyImage, mm: { x: number; y: number; w: number; h: number }, pageWidthMm = 210): number {
  const px = image.width / pageWidthMm;
  const x0 = Math.round(mm.x * px);
  const y0 = Math.round(mm.y * px);
  const x1 = Math.round((mm.x + mm.w) * px);
  const y1 = Math.round((mm.y + mm.h) * px);
  let dark = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (image.pixels[y * image.width + x] < 128) dark++;
  return dark / ((x1 - x0) * (y1 - y0));
}

export function readFixture(...parts: string[]): string {
  return readFileSync(join(__dirname, '..', 'fixtures', ...parts), 'utf8');
}
