/**
 * `<dir>/manifest.json`: what a batch run produced, item by item, in input order. It is the
 * record a city office reads to see what succeeded and why something failed, and what `--resume`
 * reads to skip PDFs that are still current (same `inputHash`, file unchanged on disk).
 *
 * While a batch runs the manifest is also written as a checkpoint (`finishedAt: null`, only the
 * items done so far), so a run that is killed can still be resumed from where it got to.
 */
import { readFile } from 'node:fs/promises';
import type { BatchItemError, BatchItemResult } from './runBatch';

export type ManifestStatus = 'ok' | 'failed' | 'skipped';

export interface ManifestItem {
  readonly id: string;
  readonly status: ManifestStatus;
  /** File name relative to the manifest's folder; null when no PDF was written. */
  readonly file: string | null;
  readonly bytes: number | null;
  readonly pages: number | null;
  /** SHA-256 hex of the PDF file. */
  readonly sha256: string | null;
  /** Milliseconds spent on the item in this run. */
  readonly ms: number;
  readonly error: BatchItemError | null;
  /** Hash of template + data; `--resume` skips an item whose hash and file are unchanged. */
  readonly inputHash: string | null;
  /** The PDF's title, used for the bound volume's contents and bookmarks. */
  readonly title: string | null;
  /** Prints attempted in this run (2 after a Chromium crash was retried). */
  readonly attempts: number;
}

export interface BatchManifest {
  readonly template: string;
  readonly startedAt: string;
  /** null while the batch is still running (a checkpoint) or when it was interrupted. */
  readonly finishedAt: string | null;
  readonly total: number;
  /** Rendered in this run. */
  readonly succeeded: number;
  readonly failed: number;
  /** Already current from an earlier run (`--resume`). */
  readonly skipped: number;
  /** Items not attempted because the run was interrupted; they render on `--resume`. */
  readonly notDone: number;
  readonly items: readonly ManifestItem[];
}

export function manifestItem(result: BatchItemResult): ManifestItem | undefined {
  if (result.status === 'not_done') return undefined;
  const stored = result.stored;
  return {
    id: result.id,
    status: result.status,
    file: stored?.location ?? null,
    bytes: stored?.bytes ?? null,
    pages: stored?.pages ?? null,
    sha256: stored?.sha256 ?? null,
    ms: result.ms,
    error: result.error ?? null,
    inputHash: result.inputHash ?? null,
    title: stored?.title ?? null,
    attempts: result.attempts,
  };
}

export interface ManifestInput {
  readonly templateId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | undefined;
  readonly total: number;
  /** In input order; holes for items not finished yet. */
  readonly results: readonly (BatchItemResult | undefined)[];
}

export function buildManifest(input: ManifestInput): BatchManifest {
  const items = input.results.flatMap((result) => {
    const item = result && manifestItem(result);
    return item ? [item] : [];
  });
  const count = (status: ManifestStatus): number => items.filter((item) => item.status === status).length;
  return {
    template: input.templateId,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt?.toISOString() ?? null,
    total: input.total,
    succeeded: count('ok'),
    failed: count('failed'),
    skipped: count('skipped'),
    notDone: input.total - items.length,
    items,
  };
}

function isManifestItem(value: unknown): value is ManifestItem {
  const item = value as Partial<ManifestItem> | null;
  return typeof item === 'object' && item !== null && typeof item.id === 'string' && typeof item.status === 'string';
}

/**
 * The manifest of an earlier run in `path`, or undefined when there is none. An unreadable one
 * (hand-edited, torn by a crash before atomic writes existed) is treated as absent: resuming then
 * renders everything again, which is slow but never wrong.
 */
export async function readManifest(path: string): Promise<BatchManifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<BatchManifest>;
    if (typeof parsed.template !== 'string' || !Array.isArray(parsed.items)) return undefined;
    return { ...(parsed as BatchManifest), items: parsed.items.filter(isManifestItem) };
  } catch {
    return undefined;
  }
}
