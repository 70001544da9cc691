/**
 * The Lambda batch's sink: each PDF goes to the report store (S3) under its batch,
 * `batches/<template>/<batchId>/<hash>.pdf`. The key is derived from the content (template +
 * data hash, as for single reports), never from the item's id; the id only becomes the download
 * name (`<id>.pdf`, cleaned by itemFileStem).
 *
 * Because the key follows from the data, a retried batch (Step Functions retries a Lambda that
 * timed out or crashed) finds what it already stored and skips it instead of printing again.
 */
import type { RenderedReport } from '../core/ReportRenderer';
import type { ReportStore } from '../core/ports';
import { batchReportKey } from '../core/storageLayout';
import type { BatchItem } from './BatchItem';
import type { BatchSink, StoredPdf } from './runBatch';

export class ReportStoreSink implements BatchSink {
  constructor(
    private readonly reports: ReportStore,
    private readonly templateId: string,
    private readonly batchId: string,
  ) {}

  async findCurrent(_item: BatchItem, inputHash: string): Promise<StoredPdf | undefined> {
    const key = batchReportKey({ template: this.templateId, batchId: this.batchId }, inputHash);
    const found = await this.reports.find(key);
    if (!found || found.templateId !== this.templateId) return undefined;
    return { location: key, bytes: found.bytes, pages: found.pages, sha256: found.sha256, title: found.fileName.replace(/\.pdf$/i, '') };
  }

  async store(item: BatchItem, report: RenderedReport): Promise<StoredPdf> {
    const key = batchReportKey({ template: this.templateId, batchId: this.batchId }, report.inputHash);
    await this.reports.put(key, report.pdf, {
      templateId: this.templateId,
      sha256: report.sha256,
      pages: report.pages,
      fileName: `${item.stem ?? 'report'}.pdf`,
    });
    return { location: key, bytes: report.bytes, pages: report.pages, sha256: report.sha256, title: report.meta.title };
  }
}
