/**
 * The last step of every batch, local or remote: pack the PDFs and the manifest into reports.zip,
 * bind the PDFs into volume.pdf, and write manifest.json last, so that once the manifest says a
 * batch finished, its files are there (GET /batches/{id} relies on it).
 *
 * - The ZIP is streamed: yazl asks for an entry's stream only when the previous entry is written,
 *   so one PDF is in flight at a time and the writer (a file, or a multipart upload) paces
 *   everything; a city's ~2,800 PDFs are never all in memory or on a Lambda's /tmp.
 * - PDFs are stored, not deflated: their content streams are already compressed, so deflating
 *   again costs seconds on a large batch and saves a few per cent. Entry names are UTF-8 (yazl sets
 *   the language-encoding flag), so 澄湾县.pdf unpacks as such on current Windows, macOS and Linux.
 */
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { PdfRenderer } from '../core/ports';
import { MANIFEST_FILE, VOLUME_FILE, ZIP_FILE } from '../core/storageLayout';
import { itemsWithPdf, manifestJson, type BatchManifest } from './BatchManifest';
import type { BatchFolder } from './ports';

export interface VolumeRequest {
  /** On the cover and in the PDF metadata: the template's title. */
  readonly title: string;
  readonly date: Date;
  /** Prints the cover and contents with the reports' fonts. */
  readonly printer: PdfRenderer;
}

export interface FinishOptions {
  /** Write reports.zip. */
  readonly zip: boolean;
  /** Bind volume.pdf (skipped when no item has a PDF, or when `mayBind` says no). */
  readonly volume?: VolumeRequest;
  /** Asked before binding: a server shutting down skips it. */
  readonly mayBind?: () => boolean;
  /** Told when packing and binding start, for a progress display. */
  readonly onPhase?: (phase: 'packing' | 'binding') => void;
}

export interface FinishedBatch {
  /** Bytes of reports.zip; undefined when none was written. */
  readonly zipBytes?: number;
  /** The bound volume; undefined when none was written. */
  readonly volume?: { readonly bytes: number; readonly pages: number; readonly bookmarks: number };
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Every PDF with a file name, then the manifest, as one ZIP stream. */
export function zipStream(folder: BatchFolder, manifest: BatchManifest, manifestText: string): Readable {
  const zip = new ZipFile();
  for (const item of itemsWithPdf(manifest)) {
    zip.addReadStreamLazy(item.file!, { compress: false }, (callback) => {
      try {
        callback(null, folder.openPdf(item));
      } catch (error) {
        callback(error as Error, undefined as unknown as Readable);
      }
    });
  }
  zip.addBuffer(Buffer.from(manifestText, 'utf8'), MANIFEST_FILE, { compress: true });
  zip.end();
  const output = zip.outputStream as Readable;
  // A PDF that cannot be read fails the ZIP's own stream, which the writer then sees.
  zip.on('error', (error: Error) => output.destroy(error));
  return output;
}

export async function finishBatch(folder: BatchFolder, manifest: BatchManifest, options: FinishOptions): Promise<FinishedBatch> {
  const text = manifestJson(manifest);
  let zipBytes: number | undefined;
  if (options.zip) {
    options.onPhase?.('packing');
    zipBytes = await folder.writeStream(ZIP_FILE, zipStream(folder, manifest, text), 'application/zip');
  }
  let volume: FinishedBatch['volume'];
  const bound = itemsWithPdf(manifest);
  if (options.volume && bound.length > 0 && (options.mayBind?.() ?? true)) {
    options.onPhase?.('binding');
    // Loaded here, not with this file: pdf-lib is needed only to bind, and the finalize function
    // never binds (its cold start would pay for pdf-lib for nothing).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { bindVolume } = require('./bindVolume') as typeof import('./bindVolume');
    const result = await bindVolume({
      title: options.volume.title,
      subtitle: '汇编',
      date: options.volume.date,
      printer: options.volume.printer,
      entries: bound.map((item) => ({ title: item.title ?? item.id, load: () => folder.readPdf(item) })),
    });
    await folder.writeFile(VOLUME_FILE, result.pdf, 'application/pdf');
    volume = { bytes: result.pdf.length, pages: result.pages, bookmarks: bound.length };
  }
  await folder.writeFile(MANIFEST_FILE, text, JSON_TYPE);
  return { zipBytes, volume };
}
