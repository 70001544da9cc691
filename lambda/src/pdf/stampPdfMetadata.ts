/**
 * Chromium writes only the document title into a PDF's Info dictionary; archives and document
 * managers in government offices search by author, subject and keywords too. This sets them and
 * the document language without touching the page content, fonts, tags or outline, and packs
 * Chromium's many small structure-tree objects into compressed object streams (~10% smaller files).
 *
 * Chromium's own output takes the fast path (compactChromiumPdf); a PDF of any other shape is
 * rewritten by pdf-lib, which reads every PDF but costs ~15 ms more per report.
 */
import { ParseSpeeds, PDFDocument } from 'pdf-lib';
import type { FinishedPdf, PdfFinisher, PdfMetadata } from '../core/ports';
import { compactChromiumPdf, PDF_CREATOR } from './compactChromiumPdf';

/** The core's PdfFinisher: Chromium's own output takes the one-pass path, anything else pdf-lib's. */
export const stampPdfMetadata: PdfFinisher = async (pdf, meta) => compactChromiumPdf(pdf, meta) ?? stampWithPdfLib(pdf, meta);


/** The general path: any PDF pdf-lib can read. Exported for tests. */
export async function stampWithPdfLib(pdf: Uint8Array, meta: PdfMetadata): Promise<FinishedPdf> {
  // updateMetadata: false keeps Chromium's producer and creation date instead of pdf-lib's.
  // Fastest parse and no yielding between objects: a report is a few hundred objects, and
  // pdf-lib's default of yielding every 50 objects doubled the cost of this step.
  const doc = await PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  if (meta.author) doc.setAuthor(meta.author);
  if (meta.subject) doc.setSubject(meta.subject);
  if (meta.keywords && meta.keywords.length > 0) doc.setKeywords([...meta.keywords]);
  doc.setLanguage(meta.lang);
  doc.setCreator(PDF_CREATOR);
  const out = await doc.save({ useObjectStreams: true, objectsPerTick: Number.POSITIVE_INFINITY });
  return { pdf: Buffer.from(out), pages: doc.getPageCount() };
}
