/**
 * The ports of the core: everything it needs from the outside world, as small interfaces. The
 * adapters implement them (Chromium in `chromium/`, PDF post-processing in `pdf/`, S3 in
 * `storage/`, the logger in `compose.ts`) and `compose.ts` plugs them in. Nothing in `core/`
 * imports an adapter; `npm test` checks that (test/architecture/dependencies.test.ts). See
 * docs/architecture.md for the picture.
 */

// ── Printing: HTML → PDF (chromium/) ─────────────────────────────────────────────────────────

/** A file served to the page from memory, addressed by its path relative to the document. */
export interface PageAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

export interface PdfRenderRequest {
  readonly html: string;
  /** Relative path (e.g. `style.css`) → asset. Nothing else can be loaded by the page. */
  readonly assets: ReadonlyMap<string, PageAsset>;
  /** Emit PDF bookmarks from h1–h6 (forces a tagged PDF, see docs/architecture.md). */
  readonly outline: boolean;
}

/** What a print tells besides the bytes: blocked requests are data, not failures. */
export interface PdfRenderResult {
  readonly pdf: Buffer;
  readonly blockedRequests: readonly string[];
}

/** Prints one sealed document; one implementation owns one browser. */
export interface PdfRenderer {
  renderPdf(request: PdfRenderRequest): Promise<PdfRenderResult>;
  close(): Promise<void>;
}

// ── Finishing a printed PDF: metadata, language, compaction (pdf/) ───────────────────────────

export interface PdfMetadata {
  readonly title: string;
  readonly author?: string;
  readonly subject?: string;
  readonly keywords?: readonly string[];
  /** BCP 47 language tag, e.g. zh-CN. */
  readonly lang: string;
}

export interface FinishedPdf {
  readonly pdf: Buffer;
  readonly pages: number;
}

/** Sets the document information and language of a printed PDF and counts its pages. */
export type PdfFinisher = (pdf: Uint8Array, meta: PdfMetadata) => Promise<FinishedPdf>;

// ── Storing reports and signing links (storage/) ─────────────────────────────────────────────

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

/**
 * A PDF is put once under its content-derived key (core/storageLayout.ts), found again by that key,
 * and handed out through a time-limited signed link.
 */
export interface ReportStore {
  /**
   * The stored report under `key`, or undefined when there is none, it lacks our metadata, or its
   * bytes are not the ones the metadata describes (SHA-256 and size): a caller renders again and
   * overwrites it rather than hand out a link to bytes nobody vouched for.
   */
  find(key: string): Promise<StoredReport | undefined>;
  put(key: string, pdf: Buffer, metadata: StoredReportMetadata): Promise<void>;
  /** A GET link valid for `expiresInSeconds` that downloads as `downloadName`. */
  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<SignedLink>;
}

// ── Logging and time ─────────────────────────────────────────────────────────────────────────

/** Structured logs, one JSON line each; Powertools' Logger satisfies it (compose.ts). */
/**
 * Keys the JSON log line itself uses: Powertools drops an attribute of one of these names (with
 * no more than a warning), so the reason an item failed logged as `message` would be lost. The
 * type makes such an attribute a compile error; name it for what it is (`reason`, `error`).
 */
export type ReservedLogKey = 'level' | 'message' | 'sampling_rate' | 'service' | 'timestamp' | 'xray_trace_id';

/** What a log line carries besides its message. */
export type LogAttributes = Record<string, unknown> & { readonly [K in ReservedLogKey]?: never };

export interface Logger {
  info(message: string, attributes: LogAttributes): void;
  warn(message: string, attributes: LogAttributes): void;
  error(message: string, attributes: LogAttributes): void;
}

/** The time now; tests pass another one. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
