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
 * - The volume's cover names every item without a PDF, with the reason in Chinese (leftOutOf): the
 *   volume is printed and handed on, away from the manifest that explains the gaps.
 */
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { PdfRenderer } from '../core/ports';
import { MANIFEST_FILE, VOLUME_FILE, ZIP_FILE } from '../core/storageLayout';
import type { ErrorDetail } from '../core/errors';
import { itemsWithPdf, manifestJson, type BatchItemError, type BatchManifest } from './BatchManifest';
import type { LeftOutEntry } from './bindVolume';
import type { BatchFolder } from './ports';
import { labelAt, type SchemaNode } from '../core/schemaLabels';

export interface VolumeRequest {
  /** On the cover and in the PDF metadata: the template's title. */
  readonly title: string;
  readonly date: Date;
  /** Prints the cover and contents with the reports' fonts. */
  readonly printer: PdfRenderer;
  /** Ids of items never started (a cancelled batch), named on the cover after the failed ones. */
  readonly notStarted?: readonly string[];
  /** The template's JSON Schema: names a refused field on the cover by its title when the message does not. */
  readonly schema?: Readonly<Record<string, unknown>>;
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
  readonly volume?: {
    readonly bytes: number;
    readonly pages: number;
    readonly bookmarks: number;
    /** A tagged PDF (structure tree, `/MarkInfo`), as every report printed by this service is. */
    readonly tagged: boolean;
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Fields named per left-out item on the cover; the manifest has them all. */
const COVER_FIELDS = 2;

/** `must be >= 0（地区生产总值（亿元））` → 地区生产总值（亿元）; else the schema's title; else the pointer. */
function fieldName(detail: ErrorDetail, schema: SchemaNode | undefined): string {
  const message = String(detail.message);
  const open = message.indexOf('（');
  if (open > 0 && message.endsWith('）')) return message.slice(open + 1, -1);
  return (schema && labelAt(schema, detail.path)) ?? (detail.path || '数据');
}

/** Why an item has no PDF, in the few words a reader of the printed volume needs. */
function leftOutReason(error: BatchItemError | null, schema: SchemaNode | undefined): string {
  switch (error?.code) {
    case 'VALIDATION_FAILED': {
      const fields = [...new Set(error.details.map((detail) => fieldName(detail, schema)))];
      if (fields.length === 0) return '数据有误';
      const more = fields.length > COVER_FIELDS ? `等${fields.length}处` : '';
      return `数据有误（${fields.slice(0, COVER_FIELDS).join('、')}${more}）`;
    }
    case 'INVALID_REQUEST':
      return '数据文件中这一条无法读取';
    case 'CHROMIUM_FAILED':
      return '打印出错，可重新生成';
    case 'RENDER_TIMEOUT':
      return '生成超时，可重新生成';
    case 'STORAGE_FAILED':
      return '保存失败，可重新生成';
    case 'LIMIT_EXCEEDED':
      return '数据超出限制';
    case 'NOT_RUN':
      return '未运行';
    default:
      return `生成失败（${error?.code ?? '原因不明'}）`;
  }
}

/** `line 34` / `row 5` / `item 2`: an id-less record, named by where it is in the file. */
function itemName(id: string): string {
  const m = /^(line|row|item) (\d+)$/.exec(id);
  if (!m) return id;
  return m[1] === 'item' ? `第${m[2]}条记录` : `第${m[2]}行`;
}

/** Every item without a PDF, in manifest order, then those never started, each with its reason. */
export function leftOutOf(manifest: BatchManifest, notStarted: readonly string[] = [], schema?: Readonly<Record<string, unknown>>): LeftOutEntry[] {
  const failed = manifest.items
    .filter((item) => item.status === 'failed')
    .map((item) => ({ name: itemName(item.id), reason: leftOutReason(item.error, schema as SchemaNode | undefined) }));
  return [...failed, ...notStarted.map((id) => ({ name: itemName(id), reason: '批次已取消，未生成' }))];
}

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
      leftOut: leftOutOf(manifest, options.volume.notStarted, options.volume.schema),
    });
    await folder.writeFile(VOLUME_FILE, result.pdf, 'application/pdf');
    volume = { bytes: result.pdf.length, pages: result.pages, bookmarks: bound.length, tagged: result.tagged };
  }
  await folder.writeFile(MANIFEST_FILE, text, JSON_TYPE);
  return { zipBytes, volume };
}
