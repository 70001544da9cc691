/**
 * A batch on this machine, for `pdf-export batch` and the playground's batches: render every item
 * on a pool of warm browsers into a folder, keep manifest.json current while it runs, then pack
 * and bind what was rendered (finishBatch). The callers only read their input and show progress.
 *
 * A run that stops early (Ctrl-C, a server shutting down) writes its manifest and no ZIP or volume:
 * the items not started are `notDone`, and `--resume` renders them. A run that was cancelled
 * (`finishStopped`, the playground's 取消) is finished instead: the manifest lists the items not
 * started under `cancelled`, and the ZIP and the volume hold what was done, the volume's cover
 * naming the rest.
 */
import { performance } from 'node:perf_hooks';
import type { ReportRenderer } from '../core/ReportRenderer';
import type { PdfRenderer } from '../core/ports';
import type { Template } from '../core/TemplateStore';
import type { BatchItem } from './BatchItem';
import { manifestJson, type BatchManifest } from './BatchManifest';
import { finishBatch, type FinishedBatch } from './finishBatch';
import { MANIFEST_FILE } from '../core/storageLayout';
import type { BatchFolder, LocalBatchFolder } from './ports';
import { manifestOfRun, runBatch, type BatchCounts, type BatchItemResult, type BatchOutcome } from './runBatch';

/**
 * Most browsers a local batch may use: 16 browsers are ~3.5 GB of memory; beyond that a machine is
 * better served by more processes.
 */
export const MAX_POOL_SIZE = 16;

/** Warm renderers, one browser each; the first also prints the volume's cover and contents. */
export interface RendererPool {
  readonly reports: readonly ReportRenderer[];
  readonly printers: readonly PdfRenderer[];
  /** Starts the browsers, so a broken Chromium is one error before the batch, not one per item. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalBatchRequest {
  readonly template: Template;
  readonly items: readonly BatchItem[];
  /** Where the PDFs, manifest.json, reports.zip and volume.pdf go. */
  readonly folder: LocalBatchFolder;
  /** Skip items whose PDF in the folder is still current for their data (the earlier manifest says so). */
  readonly resume: boolean;
  readonly pool: RendererPool;
  /** Renderers to use from the pool (a 3-item batch needs no 4th browser). */
  readonly concurrency?: number;
  readonly zip: boolean;
  readonly volume: boolean;
  /** Asked before each item; once it says no, the run stops after the items in progress. */
  readonly mayStart?: () => boolean;
  /**
   * Asked when the run stopped early: true to finish it anyway with what was done (a batch the
   * user cancelled: manifest with `cancelled`, ZIP, volume), false to leave it for `--resume`.
   */
  readonly finishStopped?: () => boolean;
  /** Asked before binding the volume (a server shutting down skips it); `mayStart` when not given. */
  readonly mayBind?: () => boolean;
  /** Told once the folder is read, before any item: whether an earlier run was found to resume. */
  readonly onStart?: (resuming: { readonly requested: boolean; readonly found: boolean }) => void;
  readonly onItemDone?: (result: BatchItemResult, counts: BatchCounts, index: number) => void;
  /** Told when every item has its result, before packing and binding. */
  readonly onRendered?: (outcome: BatchOutcome, manifest: BatchManifest) => void;
  readonly onPhase?: (phase: 'packing' | 'binding') => void;
  /** Rewrite manifest.json at most this often while rendering, so a killed run can be resumed. */
  readonly checkpointEveryMs?: number;
}

export interface LocalBatchResult extends FinishedBatch {
  readonly outcome: BatchOutcome;
  readonly manifest: BatchManifest;
  /** True when items were left unstarted; nothing was packed or bound unless the run was cancelled (`finishStopped`). */
  readonly stoppedEarly: boolean;
}

/** Rewrites the manifest at most every `intervalMs` while the batch runs, one write at a time. */
class Checkpoints {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly folder: BatchFolder,
    private readonly intervalMs: number,
    private readonly snapshot: () => BatchManifest,
  ) {}

  maybeWrite(): void {
    const now = performance.now();
    if (this.writing || now - this.lastWrite < this.intervalMs) return;
    this.lastWrite = now;
    // A failed checkpoint is not fatal: the final write reports a real problem with the folder.
    this.writing = this.folder
      .writeFile(MANIFEST_FILE, manifestJson(this.snapshot()), 'application/json; charset=utf-8')
      .catch(() => undefined)
      .finally(() => {
        this.writing = undefined;
      });
  }

  async settle(): Promise<void> {
    await this.writing;
  }
}

export async function runLocalBatch(request: LocalBatchRequest): Promise<LocalBatchResult> {
  const { template, items, pool, folder } = request;
  await folder.removeLeftovers();
  const previous = request.resume ? await folder.readManifest() : undefined;
  request.onStart?.({ requested: request.resume, found: previous !== undefined });
  const startedAt = new Date();
  const results: (BatchItemResult | undefined)[] = new Array(items.length);
  const snapshot = (finishedAt?: Date): BatchManifest => manifestOfRun({ templateId: template.id, startedAt, finishedAt, results });
  const checkpoints = request.checkpointEveryMs === undefined ? undefined : new Checkpoints(folder, request.checkpointEveryMs, () => snapshot());
  let outcome: BatchOutcome;
  try {
    outcome = await runBatch({
      templateId: template.id,
      items,
      renderers: pool.reports.slice(0, request.concurrency ?? pool.reports.length),
      sink: folder.sink(previous),
      // Browsers start only when the first item needs printing: a resumed run with nothing left
      // to do starts none.
      warmUp: () => pool.warmUp(),
      mayStart: request.mayStart,
      onItemDone: (result, counts, index) => {
        results[index] = result;
        request.onItemDone?.(result, counts, index);
        checkpoints?.maybeWrite();
      },
    });
  } finally {
    await checkpoints?.settle();
  }
  const stoppedEarly = outcome.counts.notDone > 0;
  const cancelled = stoppedEarly && (request.finishStopped?.() ?? false);
  const notStarted = cancelled ? items.filter((_, i) => outcome.results[i].status === 'not_done').map((item) => item.id) : [];
  const manifest: BatchManifest = {
    ...snapshot(stoppedEarly && !cancelled ? undefined : outcome.finishedAt),
    ...(cancelled ? { cancelled: { at: outcome.finishedAt.toISOString(), notStarted } } : {}),
  };
  // Written now, before packing: the run's result is on disk even if the ZIP or volume fails.
  await folder.writeFile(MANIFEST_FILE, manifestJson(manifest), 'application/json; charset=utf-8');
  request.onRendered?.(outcome, manifest);
  if (stoppedEarly && !cancelled) return { outcome, manifest, stoppedEarly };
  const finished = await finishBatch(folder, manifest, {
    zip: request.zip,
    volume: request.volume
      ? { title: template.title, date: outcome.finishedAt, printer: pool.printers[0], notStarted, schema: template.schema }
      : undefined,
    mayBind: request.mayBind ?? request.mayStart,
    onPhase: request.onPhase,
  });
  return { outcome, manifest, stoppedEarly, ...finished };
}
