/**
 * Batches started from the playground page: an uploaded items file is parsed and run as a local
 * batch (runLocalBatch, the same pipeline as `pdf-export batch`, on a small pool of warm browsers
 * separate from the API's own browser so previews stay quick) into `<dir>/<job id>/`, always with
 * `reports.zip` and, if asked, `volume.pdf`.
 *
 * Local only: the dev server owns this; the Lambda handler never sees it. One batch runs at a
 * time (a second one gets 503 RENDERER_BUSY, in Chinese: a clerk reads it), progress is read by
 * polling `view()`, and only the last few batches are kept on disk. What a clerk can do with a
 * batch besides watching it:
 *
 * - cancel it: the documents in progress finish, nothing new starts, and the batch is finished
 *   with what was done (manifest with `cancelled`, ZIP, volume naming the rest). Not a failure;
 * - find it again after a reload: `list()` holds every batch this server ran (newest first);
 * - re-run the items that have no PDF (failed, or not started because of a cancel) as a new batch,
 *   with the same records: for a failure that may not happen twice (a browser that crashed twice,
 *   a timeout on a busy machine), or to finish a cancelled batch;
 * - download those items' rows in the uploaded file's own format, to fix them and upload again.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseCsv } from 'csv-parse/sync';
import type { BatchItem } from '../batch/BatchItem';
import type { BatchItemError, BatchManifest } from '../batch/BatchManifest';
import { parseBatchItems, type ItemsFileFormat } from '../batch/parseBatchItems';
import { XLSX_MEDIA_TYPE, type WorkbookLimits } from '../batch/readWorkbook';
import { writeWorkbook } from '../batch/writeWorkbook';
import { manifestItemOf, manifestOfRun, type BatchCounts, type BatchItemResult } from '../batch/runBatch';
import type { RendererPool } from '../batch/runLocalBatch';
import type { App } from '../compose';
import { InvalidRequestError, RendererBusyError, RouteNotFoundError } from '../core/errors';
import { MANIFEST_FILE, VOLUME_FILE, VOLUME_STEM, ZIP_FILE } from '../core/storageLayout';
import type { Template } from '../core/TemplateStore';
import { errorCodeOf } from '../http/errorResponse';

/** `20241128-141530-a3f9c2`: sorts by start time, names a folder, carries nothing the client sent. */
export const JOB_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

/** `cancelled`: stopped by the clerk and finished with what was done; like `done`, not a failure. */
export type JobPhase = 'rendering' | 'packing' | 'binding' | 'done' | 'cancelled' | 'failed';
export type ItemState = 'pending' | 'rendering' | 'ok' | 'failed' | 'skipped' | 'not_done';

/** Seconds a second upload is told to wait while a batch runs. */
const BUSY_RETRY_SECONDS = 2;

/** Completions the time estimate averages over: recent enough to follow a change of pace. */
const ETA_WINDOW = 20;

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

/** A job's counts: runBatch's, as the page shows them. */
export type JobCounts = BatchCounts;

/** What the list of batches shows of each. */
export interface JobSummary {
  readonly id: string;
  readonly template: string;
  readonly templateTitle: string;
  readonly source: string;
  readonly phase: JobPhase;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly counts: JobCounts;
  /** The batch whose failed or unfinished items this one re-runs. */
  readonly rerunOf: string | null;
}

export interface JobView extends JobSummary {
  /** The clerk asked to cancel; the documents in progress are finishing. */
  readonly cancelRequested: boolean;
  /** While rendering, seconds left at the recent pace; null before the first item or once rendering ended. */
  readonly etaSeconds: number | null;
  /** Items without a PDF once the batch ended, which `rerun` and `failed-rows` cover. */
  readonly unfinished: { readonly failed: number; readonly notDone: number };
  /** The uploaded file's format, which the failed rows are downloaded in. */
  readonly format: string;
  readonly items: readonly JobItemView[];
  /** The manifest as written so far (`finishedAt: null` while running). */
  readonly manifest: BatchManifest;
  readonly zip: { bytes: number } | null;
  readonly volume: { bytes: number; pages: number; tagged: boolean } | null;
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
  readonly format: ItemsFileFormat;
  /** The file's text (JSON, JSON Lines, CSV). */
  readonly text?: string;
  /** The file's bytes: an .xlsx workbook (or a text file not yet decoded). */
  readonly bytes?: Uint8Array;
  /** How much of a workbook may be read; needed for .xlsx. */
  readonly workbook?: WorkbookLimits;
  /** The uploaded file's name, for display only. */
  readonly source: string;
  readonly volume: boolean;
}

/** The uploaded file, kept (in memory, with the job) to give back the rows that failed. */
interface Upload {
  readonly format: ItemsFileFormat;
  readonly input: string | Uint8Array;
  readonly source: string;
  readonly workbook?: WorkbookLimits;
}

/** A file to download: its bytes, type and the name to save it under. */
export interface DownloadFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly fileName: string;
  /** An ASCII name for clients that cannot read the UTF-8 one. */
  readonly ascii: string;
}

/** 503 while a batch runs: names it, so the page can link to it. Same code as any busy renderer. */
export class BatchRunningError extends RendererBusyError {
  constructor(readonly running: JobSummary) {
    super(
      `已有批次正在生成（${running.source}，已完成 ${running.counts.done} / ${running.counts.total}）。一次只能运行一个批次：请等它完成，或在批量生成页取消它，再开始下一批。`,
      BUSY_RETRY_SECONDS,
    );
  }
}

class Job {
  phase: JobPhase = 'rendering';
  readonly results: (BatchItemResult | undefined)[];
  readonly startedAt = new Date();
  finishedAt: Date | undefined;
  zip: { bytes: number } | null = null;
  volume: { bytes: number; pages: number; tagged: boolean } | null = null;
  error: { code: string; message: string } | null = null;
  cancelRequested = false;
  /** The manifest runLocalBatch wrote, once rendering ended. */
  written: BatchManifest | undefined;
  /** performance.now() of each finished item, for the time estimate. */
  readonly doneAt: number[] = [];
  readonly renderStart = performance.now();
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly template: Template,
    readonly upload: Upload,
    readonly items: readonly BatchItem[],
    /** Each item's position among the items of the upload (a re-run holds some of them). */
    readonly positions: readonly number[],
    readonly concurrency: number,
    readonly withVolume: boolean,
    readonly rerunOf: string | null,
  ) {
    this.results = new Array(items.length);
  }

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'cancelled' || this.phase === 'failed';
  }

  manifest(): BatchManifest {
    return this.written ?? manifestOfRun({ templateId: this.template.id, startedAt: this.startedAt, finishedAt: this.finishedAt, results: this.results });
  }

  /** Files the job wrote that may be downloaded: only names it chose itself. */
  pdfFiles(): Set<string> {
    return new Set(this.results.flatMap((r) => (r?.stored && (r.status === 'ok' || r.status === 'skipped') ? [r.stored.location] : [])));
  }

  /** Indexes (into `items`) of the items that have no PDF once the batch ended: failed, or never started (cancelled). */
  unfinished(): number[] {
    if (!this.finished) return [];
    return this.items.flatMap((_, i) => {
      const status = this.results[i]?.status;
      return status === 'failed' || status === 'not_done' || status === undefined ? [i] : [];
    });
  }

  counts(): JobCounts {
    let ok = 0;
    let failed = 0;
    let skipped = 0;
    let notDone = 0;
    for (const result of this.results) {
      if (result?.status === 'ok') ok++;
      else if (result?.status === 'failed') failed++;
      else if (result?.status === 'skipped') skipped++;
      else if (result?.status === 'not_done') notDone++;
    }
    return { total: this.items.length, done: ok + failed + skipped + notDone, ok, failed, skipped, notDone };
  }

  /**
   * Seconds left: the items still to do at the pace of the last few completions (throughput, so
   * it holds for any number of browsers), or of the whole run so far while there are few.
   */
  etaSeconds(): number | null {
    const done = this.doneAt.length;
    const remaining = this.items.length - done;
    if (this.phase !== 'rendering' || this.cancelRequested || done === 0 || remaining <= 0) return null;
    const recent = this.doneAt.slice(-ETA_WINDOW);
    const perItem = recent.length >= 5 ? (recent[recent.length - 1] - recent[0]) / (recent.length - 1) : (performance.now() - this.renderStart) / done;
    return Math.max(1, Math.round((remaining * perItem) / 1000));
  }

  summary(): JobSummary {
    return {
      id: this.id,
      template: this.template.id,
      templateTitle: this.template.title,
      source: this.upload.source,
      phase: this.phase,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt?.toISOString() ?? null,
      counts: this.counts(),
      rerunOf: this.rerunOf,
    };
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
    const unfinished = this.unfinished();
    const failed = unfinished.filter((i) => this.results[i]?.status === 'failed').length;
    return {
      ...this.summary(),
      cancelRequested: this.cancelRequested,
      etaSeconds: this.etaSeconds(),
      unfinished: { failed, notDone: unfinished.length - failed },
      format: this.upload.format,
      items,
      manifest: this.manifest(),
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

/** A CSV cell as Excel writes it: quoted only when it has to be. */
const csvCell = (cell: string): string => (/[",\r\n]/.test(cell) || /^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

const textOf = (input: string | Uint8Array): string => (typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));

/** The records of the picked items, cut from the uploaded text file. */
export interface PickedRows {
  readonly body: string;
  readonly format: 'jsonl' | 'json' | 'csv';
}

/**
 * Records of a text upload, picked by their item's position among the file's items (and, for a
 * CSV, by the row it names), in the file's own format, as written: JSON lines as they were, CSV
 * rows under the same header (re-quoted only where a cell needs it, the BOM and line ends kept),
 * a JSON array of the same objects.
 */
export function rowsOfUpload(upload: Upload, picked: readonly { readonly position: number; readonly item: BatchItem }[]): PickedRows {
  const { format } = upload;
  if (format === 'jsonl') {
    const text = textOf(upload.input);
    // One item per line that is not blank, in order: as parseBatchItems reads JSON Lines.
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
    const eol = /\r\n/.test(text) ? '\r\n' : '\n';
    return { format, body: picked.map(({ position }) => `${lines[position]}${eol}`).join('') };
  }
  if (format === 'json') {
    const parsed = JSON.parse(textOf(upload.input).replace(/^\uFEFF/, '')) as unknown[];
    return { format, body: `${JSON.stringify(picked.map(({ position }) => parsed[position]), null, 2)}\n` };
  }
  if (format === 'xlsx') throw new RangeError('a workbook\'s rows are written by failedRows (writeWorkbook)');
  // CSV: every record, blank ones included, so that record N is spreadsheet row N.
  const text = textOf(upload.input);
  const records = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  const filled = (cells: readonly string[]): boolean => cells.some((cell) => cell.trim() !== '');
  const headerAt = records.findIndex(filled);
  const dataRows = records.map((cells, i) => ({ cells, row: i + 1 })).filter((record, i) => i > headerAt && filled(record.cells));
  const rows = picked.flatMap(({ item, position }) => {
    const record = item.row !== undefined ? records[item.row - 1] : dataRows[position]?.cells;
    return record ? [record] : [];
  });
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  return { format, body: bom + [records[headerAt] ?? [], ...rows].map((cells) => cells.map(csvCell).join(',')).join(eol) + eol };
}

const DOWNLOAD_TYPES: Readonly<Record<ItemsFileFormat, string>> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: XLSX_MEDIA_TYPE,
};

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
    this.checkFree();
    const template = this.options.app.templates.get(options.templateId);
    const input = options.format === 'xlsx' ? options.bytes : (options.text ?? options.bytes);
    if (input === undefined) throw new RangeError('start needs the file: text, or bytes for .xlsx');
    const items = parseBatchItems(input, options.format, template.schema, { reservedStems: [VOLUME_STEM], workbook: options.workbook });
    const upload: Upload = { format: options.format, input, source: options.source, workbook: options.workbook };
    return this.launch(template, upload, items, items.map((_, i) => i), options.volume, null);
  }

  /**
   * A new batch of the items of batch `id` that have no PDF (failed, or not started because it
   * was cancelled), from the same records: the same ids, the same lines of the same file.
   */
  async rerun(id: string): Promise<JobView> {
    const job = this.get(id);
    if (!job.finished) throw new InvalidRequestError('这个批次还在生成：等它完成（或取消它）之后，才能重新生成其中失败的县。');
    const picked = job.unfinished();
    if (picked.length === 0) throw new InvalidRequestError('这个批次没有失败或未生成的县，不需要重新生成。');
    this.checkFree();
    return this.launch(job.template, job.upload, picked.map((i) => job.items[i]), picked.map((i) => job.positions[i]), job.withVolume, job.id);
  }

  /** Asks batch `id` to stop after the documents in progress; a batch past rendering is left as it is. */
  cancel(id: string): JobView {
    const job = this.get(id);
    if (job.phase === 'rendering') job.cancelRequested = true;
    return job.view();
  }

  /** Every batch this server holds, newest first. */
  list(): JobSummary[] {
    return [...this.jobs.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((job) => job.summary());
  }

  view(id: string): JobView | undefined {
    return this.jobs.get(id)?.view();
  }

  /**
   * The records of batch `id` that have no PDF, as a file in the uploaded file's format. A
   * workbook's are written as a new data sheet (writeWorkbook: the same columns, notes and
   * validation as 下载 Excel 模板) with each county's id and data as read; a cell that could not be
   * read at all is empty there, and the page and the manifest say which it was.
   */
  async failedRows(id: string): Promise<DownloadFile> {
    const job = this.get(id);
    const picked = job.unfinished().map((i) => ({ position: job.positions[i], item: job.items[i] }));
    if (picked.length === 0) throw new RouteNotFoundError(`批次 ${id} 没有失败或未生成的县（或者还在生成）。`);
    const { upload } = job;
    const stem = upload.source.replace(/\.[^.]*$/, '') || 'items';
    let body: Buffer;
    if (upload.format === 'xlsx') {
      // A record without a usable id is named by its row (`第 7 行`), which is no id to write back.
      const rows = picked.map(({ item }) => ({ id: item.id === item.where ? '' : item.id, data: item.data ?? {} }));
      body = await writeWorkbook(job.template, rows, { maxRows: upload.workbook?.maxRows ?? rows.length });
    } else {
      body = Buffer.from(rowsOfUpload(upload, picked).body, 'utf8');
    }
    return {
      body,
      contentType: DOWNLOAD_TYPES[upload.format],
      fileName: `${stem}-未完成的${picked.length}条.${upload.format}`,
      ascii: `unfinished-${id}.${upload.format}`,
    };
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

  private get(id: string): Job {
    const job = JOB_ID.test(id) ? this.jobs.get(id) : undefined;
    if (!job) throw new RouteNotFoundError(`没有批次 ${id.slice(0, 40)}：服务器重新启动后，之前的批次不再保留。`);
    return job;
  }

  private checkFree(): void {
    if (this.closing) throw new RendererBusyError('服务器正在关闭：重新启动 npm start 之后再开始批次。', 5);
    if (this.running) throw new BatchRunningError(this.running.summary());
  }

  private async launch(
    template: Template,
    upload: Upload,
    items: readonly BatchItem[],
    positions: readonly number[],
    volume: boolean,
    rerunOf: string | null,
  ): Promise<JobView> {
    await this.removeOldJobs();
    // Checked again: another upload may have started one while the old folders were removed.
    this.checkFree();
    let id = newJobId();
    while (this.jobs.has(id)) id = newJobId();
    const job = new Job(id, join(this.options.dir, id), template, upload, items, positions, Math.min(this.options.concurrency, items.length), volume, rerunOf);
    this.jobs.set(id, job);
    this.running = job;
    job.done = this.run(job).finally(() => {
      if (this.running === job) this.running = undefined;
    });
    return job.view();
  }

  private getPool(): RendererPool {
    this.pool ??= this.options.app.rendererPool(this.options.concurrency);
    return this.pool;
  }

  private async run(job: Job): Promise<void> {
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
        volume: job.withVolume,
        mayStart: () => !this.closing && !job.cancelRequested,
        // A cancel is finished with what was done; a server shutting down is not.
        finishStopped: () => !this.closing && job.cancelRequested,
        mayBind: () => !this.closing,
        onItemDone: (itemResult, _counts, index) => {
          job.results[index] = itemResult;
          job.doneAt.push(performance.now());
        },
        onRendered: (outcome, manifest) => {
          job.finishedAt = outcome.finishedAt;
          job.written = manifest;
          job.phase = 'packing';
        },
        onPhase: (phase) => {
          job.phase = phase;
        },
      });
      if (result.zipBytes !== undefined) job.zip = { bytes: result.zipBytes };
      if (result.volume) job.volume = { bytes: result.volume.bytes, pages: result.volume.pages, tagged: result.volume.tagged };
      if (result.manifest.cancelled) job.phase = 'cancelled';
      else if (result.stoppedEarly) {
        job.phase = 'failed';
        job.error = { code: 'BATCH_INTERRUPTED', message: '服务器关闭，批次没有做完：重新启动 npm start 后，用“重新生成”做完其余的县。' };
      } else job.phase = 'done';
    } catch (error) {
      job.finishedAt ??= new Date();
      job.phase = 'failed';
      job.error = {
        code: errorCodeOf(error),
        message: '批次中断：打印程序无法运行。详情见服务器日志；请重试，或重新启动 npm start。',
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
