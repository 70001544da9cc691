/**
 * The batch core: many items, one template, a pool of warm renderers. Every entry point (the
 * `batch` command, the Step Functions Lambda) parses its input into BatchItems, hands them to
 * runBatch with a sink that stores PDFs its own way, and maps the results. Nothing here knows
 * about files, S3, Lambda or terminals.
 *
 * - Each renderer (one browser each: the bundled Chromium is single-process, so N tabs in one
 *   browser do not run in parallel, N browsers do; docs/architecture.md) is driven by one worker pulling the
 *   next item, so a slow document never holds up the others.
 * - Items are independent: a bad record, invalid data or a failed print is that item's result,
 *   never an exception out of runBatch.
 * - A Chromium crash mid-print fails only the render in flight; the renderer relaunches its
 *   browser on the next call, so that item is printed once more before it counts as failed.
 * - The sink may know a stored PDF that is still current for the item (same template, same data:
 *   same input hash); the item is then skipped without validating or printing.
 */
import { performance } from 'node:perf_hooks';
import { reportInputHash } from '../core/contentHash';
import { ChromiumError, StorageError, isPdfExportError } from '../core/errors';
import type { PreparedReport, RenderedReport, ReportRenderer } from '../core/ReportRenderer';
import type { BatchItem } from './BatchItem';
import { buildManifest, type BatchItemError, type BatchManifest, type ManifestItem } from './BatchManifest';

/** `not_done`: never started because the time budget ran out (or the run was interrupted). */
export type BatchItemStatus = 'ok' | 'failed' | 'skipped' | 'not_done';

/** A PDF as the sink stored it. */
export interface StoredPdf {
  /** A file name relative to the output folder, or an object key: whatever the sink uses. */
  readonly location: string;
  readonly bytes: number;
  readonly pages: number;
  readonly sha256: string;
  /** The document title (PDF metadata); names the item in a bound volume's contents. */
  readonly title: string;
}

export interface BatchItemResult {
  readonly id: string;
  readonly status: BatchItemStatus;
  readonly stored: StoredPdf | undefined;
  /** Template + data hash; undefined when the record could not be read. */
  readonly inputHash: string | undefined;
  /** Time spent on this item: validation, printing and storing. */
  readonly ms: number;
  /** Prints attempted: 0 (skipped or failed before Chromium), 1, or 2 after a Chromium crash. */
  readonly attempts: number;
  readonly error: BatchItemError | undefined;
}

export interface BatchSink {
  /** The stored PDF if it is still current for this item and input hash (resume), else undefined. */
  findCurrent?(item: BatchItem, inputHash: string): Promise<StoredPdf | undefined>;
  store(item: BatchItem, report: RenderedReport): Promise<StoredPdf>;
}

export interface BatchCounts {
  readonly total: number;
  readonly done: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  readonly notDone: number;
}

export interface RunBatchOptions {
  readonly templateId: string;
  readonly items: readonly BatchItem[];
  /** One worker per renderer; each renderer should own its own browser. */
  readonly renderers: readonly ReportRenderer[];
  readonly sink: BatchSink;
  /** Asked before each item; once it says no, the remaining items are returned as `not_done`. */
  readonly mayStart?: () => boolean;
  /** Called as each item finishes; `index` is the item's position in `items`. */
  readonly onItemDone?: (result: BatchItemResult, counts: BatchCounts, index: number) => void;
  /**
   * Awaited once, before the first print (not at all when every item is skipped or invalid),
   * e.g. to start the browsers. If it fails, runBatch fails with its error: a Chromium that
   * cannot start is one problem, not one failure per item.
   */
  readonly warmUp?: () => Promise<void>;
  /** Pause before printing again after a Chromium crash, so the dead browser is noticed first. */
  readonly chromiumRetryDelayMs?: number;
}

export interface BatchOutcome {
  readonly templateId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** In input order, one per item. */
  readonly results: readonly BatchItemResult[];
  readonly counts: BatchCounts;
}

const DEFAULT_RETRY_DELAY_MS = 250;

/** The manifest of a run so far: `results` in input order, holes for items not finished yet. */
export function manifestOfRun(run: {
  readonly templateId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | undefined;
  readonly results: readonly (BatchItemResult | undefined)[];
}): BatchManifest {
  return buildManifest({
    templateId: run.templateId,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    total: run.results.length,
    items: run.results.flatMap((result) => {
      const item = result && manifestItemOf(result);
      return item ? [item] : [];
    }),
  });
}

/** The manifest entry of a finished item, its PDF named as the sink stored it; none for `not_done`. */
export function manifestItemOf(result: BatchItemResult): ManifestItem | undefined {
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

export function batchItemError(error: unknown): BatchItemError {
  if (isPdfExportError(error)) return { code: error.code, message: error.message, details: error.details };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL_ERROR', message: `Rendering failed unexpectedly (${message}); please report this item's data.`, details: [] };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class Tally {
  ok = 0;
  failed = 0;
  skipped = 0;
  notDone = 0;
  constructor(readonly total: number) {}
  add(status: BatchItemStatus): BatchCounts {
    if (status === 'ok') this.ok++;
    else if (status === 'failed') this.failed++;
    else if (status === 'skipped') this.skipped++;
    else this.notDone++;
    return this.snapshot();
  }
  snapshot(): BatchCounts {
    const { total, ok, failed, skipped, notDone } = this;
    return { total, done: ok + failed + skipped + notDone, ok, failed, skipped, notDone };
  }
}

export async function runBatch(options: RunBatchOptions): Promise<BatchOutcome> {
  const { templateId, items, renderers, sink } = options;
  if (renderers.length === 0) throw new RangeError('runBatch needs at least one renderer');
  // Fails fast (TemplateNotFoundError) before any item is looked at.
  const template = renderers[0].templates.get(templateId);
  const retryDelayMs = options.chromiumRetryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const startedAt = new Date();
  const results: BatchItemResult[] = new Array<BatchItemResult>(items.length);
  const tally = new Tally(items.length);
  let stopped = false;
  let fatal: { error: unknown } | undefined;
  let warming: Promise<void> | undefined;
  const warmUp = (): Promise<void> => (warming ??= options.warmUp?.() ?? Promise.resolve());

  const processItem = async (renderer: ReportRenderer, item: BatchItem): Promise<BatchItemResult> => {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const base = { id: item.id, stored: undefined, inputHash: undefined, attempts: 0, error: undefined };
    if (item.problem) return { ...base, status: 'failed', ms: elapsed(), error: batchItemError(item.problem) };
    const inputHash = reportInputHash(template.id, template.fingerprint, item.data);
    let attempts = 0;
    const print = (prepared: PreparedReport): Promise<RenderedReport> => {
      attempts++;
      return renderer.print(prepared);
    };
    try {
      const current = await sink.findCurrent?.(item, inputHash);
      if (current) return { ...base, status: 'skipped', stored: current, inputHash, ms: elapsed() };
      const prepared = renderer.prepare(templateId, item.data);
      try {
        await warmUp();
      } catch (error) {
        fatal ??= { error };
        stopped = true;
        throw error;
      }
      let report: RenderedReport;
      try {
        report = await print(prepared);
      } catch (error) {
        if (!(error instanceof ChromiumError) || (options.mayStart && !options.mayStart())) throw error;
        await delay(retryDelayMs);
        report = await print(prepared);
      }
      const stored = await sink.store(item, report);
      return { ...base, status: 'ok', stored, inputHash, attempts, ms: elapsed() };
    } catch (error) {
      // The store being unavailable is no fault of this item, and would fail every other one the
      // same way: the run stops and fails as a whole, so a remote group is retried (Step Functions
      // retries StorageError) and skips on its retry what it had stored.
      if (error instanceof StorageError) {
        fatal ??= { error };
        stopped = true;
      }
      // A browser that dies once the run is stopping (Ctrl-C reaches Chromium too; a Lambda out of
      // time) says nothing about the item: it is not done, and the next run renders it.
      const status = error instanceof ChromiumError && options.mayStart && !options.mayStart() ? 'not_done' : 'failed';
      return { ...base, status, inputHash, attempts, ms: elapsed(), error: status === 'failed' ? batchItemError(error) : undefined };
    }
  };

  let next = 0;
  const worker = async (renderer: ReportRenderer): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index];
      if (!stopped && options.mayStart && !options.mayStart()) stopped = true;
      const result: BatchItemResult = stopped
        ? { id: item.id, status: 'not_done', stored: undefined, inputHash: undefined, ms: 0, attempts: 0, error: undefined }
        : await processItem(renderer, item);
      results[index] = result;
      const counts = tally.add(result.status);
      options.onItemDone?.(result, counts, index);
    }
  };
  await Promise.all(renderers.map((renderer) => worker(renderer)));
  if (fatal) throw fatal.error;
  return { templateId, startedAt, finishedAt: new Date(), results, counts: tally.snapshot() };
}
