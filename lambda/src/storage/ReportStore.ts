/**
 * The storage port of the report service: a PDF is put once under its content-derived key, found
 * again by that key, and handed out through a time-limited signed link. `S3ReportStore` is the
 * only implementation and the only file that knows about the AWS SDK.
 */

/** What is stored beside the PDF, so a later request can answer without rendering or reading it. */
export interface StoredReportMetadata {
  readonly templateId: string;
  /** SHA-256 hex of the stored PDF bytes. */
  readonly sha256: string;
  readonly pages: number;
  /** Download name, e.g. `青岚县县长2020年度述学述职述廉述法报告.pdf`. */
  readonly fileName: string;
}

export interface StoredReport extends StoredReportMetadata {
  readonly key: string;
  readonly bytes: number;
}

export interface SignedLink {
  readonly url: string;
  /** The moment the link stops working. */
  readonly expiresAt: Date;
}

export interface ReportStore {
  /** The stored report under `key`, or undefined when there is none (or it lacks our metadata). */
  find(key: string): Promise<StoredReport | undefined>;
  put(key: string, pdf: Buffer, metadata: StoredReportMetadata): Promise<void>;
  /** A GET link valid for `expiresInSeconds` that downloads as `downloadName`. */
  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<SignedLink>;
}
