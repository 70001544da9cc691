/**
 * `manifest.json`: what a batch produced, item by item, in input order. The one shape for every
 * batch: `pdf-export batch -o <dir>`, a playground batch and a remote batch on AWS (which adds
 * `batchId`, `zip` and each item's object `key`). It is the record a city office reads to see what
 * succeeded and why something failed, and what `--resume` reads to skip PDFs that are still current
 * (same `inputHash`, file unchanged on disk). docs/batch.md describes every field.
 *
 * While a local batch runs the manifest is also written as a checkpoint (`finishedAt: null`, only
 * the items done so far), so a run that is killed can still be resumed from where it got to.
 */
import type { ErrorDetail } from '../core/errors';

export type ManifestStatus = 'ok' | 'failed' | 'skipped';

export interface BatchItemError {
  /** Stable error code, e.g. VALIDATION_FAILED, CHROMIUM_FAILED, NOT_RUN. */
  readonly code: string;
  readonly message: string;
  /** For invalid data: every problem, located by JSON pointer. */
  readonly details: readonly ErrorDetail[];
}

export interface ManifestItem {
  readonly id: string;
  readonly status: ManifestStatus;
  /** The PDF's name beside the manifest and inside reports.zip; null when no PDF was written. */
  readonly file: string | null;
  /** Remote batches: the PDF's object key in the bucket. */
  readonly key?: string | null;
  readonly bytes: number | null;
  readonly pages: number | null;
  /** SHA-256 hex of the PDF. */
  readonly sha256: string | null;
  /** Milliseconds spent on the item in this run. */
  readonly ms: number;
  readonly error: BatchItemError | null;
  /** Local batches: hash of template + data; `--resume` skips an item whose hash and file are unchanged. */
  readonly inputHash?: string | null;
  /** Local batches: the PDF's title, used for the bound volume's contents and bookmarks. */
  readonly title?: string | null;
  /** Prints attempted in this run (2 after a Chromium crash was retried). */
  readonly attempts: number;
}

export interface BatchManifest {
  /** Remote batches: the batch id (the Step Functions execution name). */
  readonly batchId?: string;
  readonly template: string;
  readonly startedAt: string;
  /** null while the batch is still running (a checkpoint) or when it was interrupted. */
  readonly finishedAt: string | null;
  readonly total: number;
  /** Rendered in this run. */
  readonly succeeded: number;
  readonly failed: number;
  /** Already current from an earlier run (`--resume`, or a retried group on AWS). */
  readonly skipped: number;
  /** Items not attempted because the run was interrupted; they render on `--resume`. Always 0 remotely. */
  readonly notDone: number;
  /** Remote batches: the key of reports.zip, or null when none was written. */
  readonly zip?: string | null;
  /** Local batches cancelled from the playground and finished with what was done. */
  readonly cancelled?: {
    /** When the last item in progress finished. */
    readonly at: string;
    /** Ids never started, in input order; the volume's cover names them too. */
    readonly notStarted: readonly string[];
  };
  readonly items: readonly ManifestItem[];
}

/** An item that produced no PDF, with the reason it is listed as failed. */
export function failedItem(id: string, error: BatchItemError): ManifestItem {
  return { id, status: 'failed', file: null, key: null, bytes: null, pages: null, sha256: null, ms: 0, attempts: 0, error };
}

export interface ManifestInput {
  readonly batchId?: string;
  readonly templateId: string;
  readonly startedAt: Date | string;
  readonly finishedAt: Date | string | undefined;
  /** Items the input holds; those not listed in `items` count as not done. */
  readonly total: number;
  readonly zip?: string | null;
  /** Finished items in input order. */
  readonly items: readonly ManifestItem[];
}

const iso = (date: Date | string): string => (typeof date === 'string' ? date : date.toISOString());

/** The manifest of finished items, counted. */
export function buildManifest(input: ManifestInput): BatchManifest {
  const count = (status: ManifestStatus): number => input.items.filter((item) => item.status === status).length;
  return {
    ...(input.batchId === undefined ? {} : { batchId: input.batchId }),
    template: input.templateId,
    startedAt: iso(input.startedAt),
    finishedAt: input.finishedAt === undefined ? null : iso(input.finishedAt),
    total: input.total,
    succeeded: count('ok'),
    failed: count('failed'),
    skipped: count('skipped'),
    notDone: input.total - input.items.length,
    ...(input.zip === undefined ? {} : { zip: input.zip }),
    items: input.items,
  };
}

/** The manifest as written to `manifest.json`. */
export function manifestJson(manifest: BatchManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The items that have a PDF (rendered now or already current): what the ZIP and the volume hold. */
export function itemsWithPdf(manifest: BatchManifest): ManifestItem[] {
  return manifest.items.filter((item) => (item.status === 'ok' || item.status === 'skipped') && item.file !== null);
}

function isManifestItem(value: unknown): value is ManifestItem {
  const item = value as Partial<ManifestItem> | null;
  return typeof item === 'object' && item !== null && typeof item.id === 'string' && typeof item.status === 'string';
}

/**
 * The manifest in `text`, or undefined when it cannot be read. An unreadable one (hand-edited,
 * torn by a crash) is treated as absent: resuming then renders everything again, which is slow but
 * never wrong.
 */
export function parseManifest(text: string): BatchManifest | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<BatchManifest>;
    if (typeof parsed.template !== 'string' || !Array.isArray(parsed.items)) return undefined;
    return { ...(parsed as BatchManifest), items: parsed.items.filter(isManifestItem) };
  } catch {
    return undefined;
  }
}
