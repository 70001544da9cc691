/**
 * The local batch's sink: `<dir>/<stem>.pdf`, written atomically (temp file + rename), so an
 * interrupted run never leaves a truncated PDF under a real name.
 *
 * Resume: an item is current when the previous manifest lists it as done with the same input
 * hash and the file on disk still has the recorded size and SHA-256. Anything else (file
 * deleted, edited, replaced, data or template changed) renders again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './writeFileAtomic';
import { sha256Hex } from '../core/contentHash';
import type { RenderedReport } from '../core/ReportRenderer';
import type { BatchItem } from '../batch/BatchItem';
import type { BatchManifest, ManifestItem } from '../batch/BatchManifest';
import type { BatchSink, StoredPdf } from '../batch/runBatch';

export class DirectorySink implements BatchSink {
  private readonly previous: ReadonlyMap<string, ManifestItem>;

  /** `previous`: the manifest of an earlier run in `dir`, given only when resuming. */
  constructor(
    readonly dir: string,
    previous?: BatchManifest,
  ) {
    this.previous = new Map((previous?.items ?? []).map((item) => [item.id, item]));
  }

  fileOf(item: BatchItem): string {
    if (item.stem === undefined) throw new RangeError(`item ${item.where} has no file name`);
    return `${item.stem}.pdf`;
  }

  async findCurrent(item: BatchItem, inputHash: string): Promise<StoredPdf | undefined> {
    const before = this.previous.get(item.id);
    if (!before || before.status === 'failed' || before.inputHash !== inputHash || before.file !== this.fileOf(item)) return undefined;
    if (before.bytes === null || before.sha256 === null || before.pages === null) return undefined;
    let pdf: Buffer;
    try {
      pdf = await readFile(join(this.dir, before.file));
    } catch {
      return undefined;
    }
    if (pdf.length !== before.bytes || sha256Hex(pdf) !== before.sha256) return undefined;
    return { location: before.file, bytes: before.bytes, pages: before.pages, sha256: before.sha256, title: before.title ?? item.id };
  }

  async store(item: BatchItem, report: RenderedReport): Promise<StoredPdf> {
    const file = this.fileOf(item);
    await writeFileAtomic(join(this.dir, file), report.pdf);
    return { location: file, bytes: report.bytes, pages: report.pages, sha256: report.sha256, title: report.meta.title };
  }
}
