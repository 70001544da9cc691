/**
 * Batches started from the playground page: an uploaded items file is parsed and run as a local
 * batch (runLocalBatch, the same pipeline as `pdf-export batch`, on a small pool of warm browsers
 * separate from the API's own browser so previews stay quick) into `<dir>/<job id>/`, always with
 * `reports.zip` and, if asked, `volume.pdf`.
 *
 * Local only: the dev server owns this; the Lambda handler never sees it. One batch runs at a
 * time (a second one gets 503 RENDERER_BUSY), progress is read by polling `view()`, and only the
 * last few batches are kept on disk.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchItem } from '../batch/BatchItem';
import type { BatchItemError, BatchManifest } from '../batch/BatchManifest';
import { parseBatchItems, type BatchFormat } from '../batch/parseBatchItems';
import { manifestItemOf, manifestOfRun, type BatchItemResult } from '../batch/runBatch';
import type { RendererPool } from '../batch/runLocalBatch';
import type { App } from '../compose';
import { RendererBusyError } from '../core/errors';
import { MANIFEST_FILE, VOLUME_FILE, VOLUME_STEM, ZIP_FILE } from '../core/storageLayout';
import type { Template } from '../core/TemplateStore';
import { errorCodeOf } from '../http/errorResponse';

/** `20241128-141530-a3f9c2`: sorts by start time, names a folder, carries nothing the client sent. */
export const JOB_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

export type JobPhase = 'rendering' | 'packing' | 'binding' | 'done' | 'failed';
export type ItemState = 'pending' | 'rendering' | 'ok' | 'failed' | 'skipped' | 'not_done';

export interface JobItemView {
  readonly index: number;
  readonly id: string;
  /** `line 3`, `row 4`: where the record is in the uploaded file. */
  readonly where: string;
  readonly status: ItemState;
  readonly file: string | null;
  readonly title: string | null;
  readonly bytes: number | null;
  readonly pages: number | null;
  readonly ms: number | null;
  readonly error: BatchItemError | null;
}

export interface JobView {
  readonly id: string;
  readonly template: string;
  readonly templateTitle: string;
  readonly source: string;
  readonly phase: JobPhase;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly counts: { total: number; done: number; ok: number; failed: number; skipped: number; notDone: number };
  readonly items: readonly JobItemView[];
  /** The manifest as written so far (`finishedAt: null` while running). */
  readonly manifest: BatchManifest;
  readonly zip: { bytes: number } | null;
  readonly volume: { bytes: number; pages: number } | null;
  /** Set when the run as a whole failed (e.g. Chromium could not start); items keep their own errors. */
  readonly error: { code: string; message: string } | null;
}

export interface BatchJobsOptions {
  /** Parent of the job folders. */
  readonly dir: string;
  /** Templates, and the pool of batch browsers and the local batch pipeline. */
  readonly app: Pick<App, 'templates' | 'rendererPool' | 'runLocalBatch'>;
  /** Browsers in the batch pool. */
  readonly concurrency: number;
  /** Job folders kept on disk. */
  readonly keep: number;
  readonly onError?: (message: string, error: unknown) => void;
}

export interface StartOptions {
  readonly templateId: string;
  readonly format: BatchFormat;
  readonly text: string;
  /** The uploaded file's name, for display only. */
  readonly source: string;
  readonly volume: boolean;
}

class Job {
  phase: JobPhase = 'rendering';
  readonly results: (BatchItemResult | undefined)[];
  readonly startedAt = new Date();
  finishedAt: Date | undefined;
  zip: { bytes: number } | null = null;
  volume: { bytes: number; pages: number } | null = null;
  error: { code: string; message: string } | null = null;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly template: Template,
    readonly source: string,
    readonly items: readonly BatchItem[],
    readonly concurrency: number,
  ) {
    this.results = new Array(items.length);
  }

  manifest(): BatchManifest {
    return manifestOfRun({ templateId: this.template.id, startedAt: this.startedAt, finishedAt: this.finishedAt, results: this.results });
  }

  /** Files the job wrote that may be downloaded: only names it chose itself. */
  pdfFiles(): Set<string> {
    return new Set(this.results.flatMap((r) => (r?.stored && (r.status === 'ok' || r.status === 'skipped') ? [r.stored.location] : [])));
  }

  view(): JobView {
    // Workers take items in input order, so the in-flight ones are the first pending ones.
    let inFlight = this.phase === 'rendering' ? this.concurrency : 0;
    const items = this.items.map((item, index): JobItemView => {
      const result = this.results[index];
      const entry = result && manifestItemOf(result);
      let status: ItemState = result ? result.status : 'pending';
      if (!result && inFlight > 0) {
        status = 'rendering';
        inFlight--;
      }
      return {
        index,
        id: item.id,
        where: item.where,
        status,
        file: entry?.file ?? null,
        title: entry?.title ?? null,
        bytes: entry?.bytes ?? null,
        pages: entry?.pages ?? null,
        ms: result ? result.ms : null,
        error: result?.error ?? null,
      };
    });
    const manifest = this.manifest();
    const done = this.results.filter(Boolean).length;
    return {
      id: this.id,
      template: this.template.id,
      templateTitle: this.template.title,
      source: this.source,
      phase: this.phase,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt?.toISOString() ?? null,
      counts: {
        total: this.items.length,
        done,
        ok: manifest.succeeded,
        failed: manifest.failed,
        skipped: manifest.skipped,
        notDone: this.results.filter((r) => r?.status === 'not_done').length,
      },
      items,
      manifest,
      zip: this.zip,
      volume: this.volume,
      error: this.error,
    };
  }
}

function newJobId(now = new Date()): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export class BatchJobs {
  private readonly jobs = new Map<string, Job>();
  private running: Job | undefined;
  private pool: RendererPool | undefined;
  private closing = false;

  constructor(private readonly options: BatchJobsOptions) {}

  /**
   * Parses the file and starts rendering in the background. Throws InvalidRequestError when the
   * file as a whole is unusable, TemplateNotFoundError, or RendererBusyError while a batch runs.
   */
  async start(options: StartOptions): Promise<JobView> {
    if (this.closing) throw new RendererBusyError('The server is shutting down; start the batch again after restarting it.', 5);
    if (this.running) {
      throw new RendererBusyError(`Batch ${this.running.id} is still running; wait for it to finish, then start the next one.`, 2);
    }
    const template = this.options.app.templates.get(options.templateId);
    const items = parseBatchItems(options.text, options.format, template.schema, { reservedStems: [VOLUME_STEM] });
    await this.removeOldJobs();
    let id = newJobId();
    while (this.jobs.has(id)) id = newJobId();
    const job = new Job(id, join(this.options.dir, id), template, options.source, items, Math.min(this.options.concurrency, items.length));
    this.jobs.set(id, job);
    this.running = job;
    job.done = this.run(job, options.volume).finally(() => {
      if (this.running === job) this.running = undefined;
    });
    return job.view();
  }

  view(id: string): JobView | undefined {
    return this.jobs.get(id)?.view();
  }

  /**
   * The path of a file of a job, or undefined. `name` is `reports.zip`, `volume.pdf`,
   * `manifest.json` or one of the job's own PDF names: never a path the client made up.
   */
  filePath(id: string, name: string): string | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (name === ZIP_FILE && job.zip) return join(job.dir, ZIP_FILE);
    if (name === VOLUME_FILE && job.volume) return join(job.dir, VOLUME_FILE);
    if (name === MANIFEST_FILE && job.finishedAt) return join(job.dir, MANIFEST_FILE);
    if (name.endsWith('.pdf') && job.pdfFiles().has(name)) return join(job.dir, name);
    return undefined;
  }

  /** Lets a running batch stop after the documents in progress, then closes its browsers. */
  async close(): Promise<void> {
    this.closing = true;
    await this.running?.done;
    await this.pool?.close();
    this.pool = undefined;
  }

  private getPool(): RendererPool {
    this.pool ??= this.options.app.rendererPool(this.options.concurrency);
    return this.pool;
  }

  private async run(job: Job, volume: boolean): Promise<void> {
    try {
      const result = await this.options.app.runLocalBatch({
        dir: job.dir,
        template: job.template,
        items: job.items,
        pool: this.getPool(),
        // A 3-item batch needs no 4th browser; extra ones simply stay idle.
        concurrency: job.concurrency,
        resume: false,
        zip: true,
        volume,
        mayStart: () => !this.closing,
        onItemDone: (itemResult, _counts, index) => {
          job.results[index] = itemResult;
        },
        onRendered: (outcome) => {
          job.finishedAt = outcome.finishedAt;
          job.phase = 'packing';
        },
        onPhase: (phase) => {
          job.phase = phase;
        },
      });
      if (result.zipBytes !== undefined) job.zip = { bytes: result.zipBytes };
      if (result.volume) job.volume = { bytes: result.volume.bytes, pages: result.volume.pages };
      job.phase = 'done';
    } catch (error) {
      job.finishedAt ??= new Date();
      job.phase = 'failed';
      job.error = {
        code: errorCodeOf(error),
        message: 'The batch stopped: the printer could not run. Details are in the server log; try again, or restart `npm start`.',
      };
      this.options.onError?.('playground batch failed', error);
    }
  }

  /** Keeps the newest `keep - 1` job folders (the new job makes `keep`); never one that runs. */
  private async removeOldJobs(): Promise<void> {
    const names = (await readdir(this.options.dir).catch(() => [] as string[])).filter((name) => JOB_ID.test(name)).sort();
    const excess = names.slice(0, Math.max(0, names.length - (this.options.keep - 1)));
    for (const name of excess) {
      if (this.running?.id === name) continue;
      this.jobs.delete(name);
      await rm(join(this.options.dir, name), { recursive: true, force: true });
    }
  }
}
