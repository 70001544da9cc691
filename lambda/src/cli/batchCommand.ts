/**
 * `pdf-export batch <template> <items> -o <dir> [-c N] [--resume] [--zip] [--volume]`: the local
 * adapter over the batch core. It reads the items file, runs runBatch on a pool of N browsers
 * with a DirectorySink, and maps the outcome to files, a progress display, a summary and an exit
 * code (0 all done, 1 some item failed, 2 bad usage or input). See docs/batch.md.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { bindVolume } from '../batch/bindVolume';
import { BatchProgress } from '../batch/BatchProgress';
import { buildManifest, readManifest, type BatchManifest } from '../batch/BatchManifest';
import { createRendererPool, MAX_POOL_SIZE } from '../batch/createRendererPool';
import { DirectorySink } from '../batch/DirectorySink';
import { batchFormatOf, parseBatchItems } from '../batch/parseBatchItems';
import { runBatch, type BatchItemResult, type BatchOutcome, type StoredPdf } from '../batch/runBatch';
import { writeZip } from '../batch/writeZip';
import type { BatchItem } from '../batch/BatchItem';
import type { PdfRenderer } from '../chromium/ChromiumRenderer';
import { BatchInterruptedError, BatchItemsFailedError, InvalidRequestError, invalidDataLine } from '../core/errors';
import { loadRenderConfig } from '../core/renderConfig';
import { TemplateStore } from '../core/TemplateStore';
import { writeFileAtomic } from './main';

export interface BatchCommandIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

interface BatchOptions {
  output: string;
  concurrency?: number;
  resume?: boolean;
  zip?: boolean;
  volume?: boolean;
}

export const MANIFEST_FILE = 'manifest.json';
export const ZIP_FILE = 'reports.zip';
export const VOLUME_FILE = 'volume.pdf';
/** Failed items listed in the summary; the manifest has them all. */
const MAX_FAILURES_SHOWN = 20;
/** A killed run can be resumed from its last checkpoint; rewriting more often buys little. */
const CHECKPOINT_INTERVAL_MS = 2_000;

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_POOL_SIZE) {
    throw new InvalidArgumentError(`use a whole number of browsers from 1 to ${MAX_POOL_SIZE} (each needs ~220 MB).`);
  }
  return n;
}

/** One line for a failed item, e.g. `invalid data: /economy/gdp: must be >= 0（地区生产总值（亿元））`. */
function failureReason(result: BatchItemResult): string {
  const error = result.error;
  if (!error) return 'failed';
  if (error.details.length > 0) return invalidDataLine(error.details);
  return error.message;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Rewrites manifest.json at most every few seconds while the batch runs, one write at a time. */
class ManifestCheckpoints {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => BatchManifest,
  ) {}

  maybeWrite(): void {
    const now = performance.now();
    if (this.writing || now - this.lastWrite < CHECKPOINT_INTERVAL_MS) return;
    this.lastWrite = now;
    // A failed checkpoint is not fatal: the final write reports a real problem with the folder.
    this.writing = writeFileAtomic(this.path, `${JSON.stringify(this.snapshot(), null, 2)}\n`)
      .catch(() => undefined)
      .finally(() => {
        this.writing = undefined;
      });
  }

  async settle(): Promise<void> {
    await this.writing;
  }
}

async function readItemsText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidRequestError(`cannot read items file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

async function ensureOutputDir(dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new InvalidRequestError(`-o ${dir} is a file; give a folder for the PDFs and manifest.json.`);
}

/** writeFileAtomic's and writeZip's temporary files: `<name>.<pid>.tmp`. */
const TEMP_FILE = /^.+\.(\d+)\.tmp$/;

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * A run killed mid-write leaves its temporary file behind (never a truncated PDF under a real
 * name). Those of processes no longer running are removed, so the folder holds only results.
 */
async function removeStaleTempFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(TEMP_FILE.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid)) await rm(join(dir, name), { force: true });
  }
}

export function batchCommand(io: BatchCommandIo): Command {
  return (
    new Command('batch')
      .description('render one report per item of a .json, .jsonl or .csv file (see docs/batch.md)')
      .argument('<template>', 'template id (see `pdf-export templates`)')
      .argument('<items>', 'items file: .json array or .jsonl of {"id","data"}, or .csv with an id column and dotted field columns')
      .requiredOption('-o, --output <dir>', 'folder for <id>.pdf and manifest.json')
      .option('-c, --concurrency <n>', `browsers rendering in parallel, 1..${MAX_POOL_SIZE} (default: CPU count)`, parseConcurrency)
      .option('--resume', 'skip items whose PDF in <dir> is still current for their data; render what is missing or changed')
      .option('--zip', `also write <dir>/${ZIP_FILE} with every PDF and the manifest`)
      .option('--volume', `also write <dir>/${VOLUME_FILE}: every report bound with a cover, contents and bookmarks`)
      // addCommand does not pass the program's settings on: errors must come back, not exit.
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError(false)
      .exitOverride()
      .action((templateId: string, itemsPath: string, opts: BatchOptions) => runBatchCommand(io, templateId, itemsPath, opts))
  );
}

async function runBatchCommand(io: BatchCommandIo, templateId: string, itemsPath: string, opts: BatchOptions): Promise<void> {
  const config = loadRenderConfig();
  const templates = TemplateStore.load(config.templatesDir);
  const template = templates.get(templateId);
  const format = batchFormatOf(itemsPath);
  const items = parseBatchItems(await readItemsText(itemsPath), format, template.schema, {
    reservedStems: opts.volume ? [basename(VOLUME_FILE, '.pdf')] : [],
  });
  const outDir = resolve(opts.output);
  await ensureOutputDir(outDir);
  await removeStaleTempFiles(outDir);
  const manifestPath = join(outDir, MANIFEST_FILE);
  const shownDir = relative(process.cwd(), outDir) || '.';

  let previous: BatchManifest | undefined;
  if (opts.resume) {
    previous = await readManifest(manifestPath);
    if (!previous) io.stderr(`batch: no readable ${MANIFEST_FILE} in ${shownDir}, so nothing to resume; rendering every item.\n`);
  }
  const size = Math.min(opts.concurrency ?? availableParallelism(), MAX_POOL_SIZE, items.length);
  io.stderr(`batch: ${items.length} items from ${basename(itemsPath)}, template ${template.id}, ${size} browser${size === 1 ? '' : 's'} → ${shownDir}\n`);

  const pool = createRendererPool(config, size, {
    templates,
    onBlockedRequest: (url) => io.stderr(`warning: blocked request ${url}\n`),
  });
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    io.stderr('\nbatch: interrupted; stopping after the documents in progress (Ctrl-C again to abort)\n');
  };
  try {
    const sink = new DirectorySink(outDir, previous);
    const startedAt = new Date();
    const results: (BatchItemResult | undefined)[] = new Array(items.length);
    const snapshot = (finishedAt?: Date): BatchManifest => buildManifest({ templateId: template.id, startedAt, finishedAt, total: items.length, results });
    const checkpoints = new ManifestCheckpoints(manifestPath, () => snapshot());
    const progress = new BatchProgress(items.length, {
      tty: process.stderr.isTTY ? process.stderr : undefined,
      write: io.stderr,
    });
    process.once('SIGINT', onSigint);
    let outcome: BatchOutcome;
    try {
      outcome = await runBatch({
        templateId: template.id,
        items,
        renderers: pool.reports,
        sink,
        // Browsers start only when the first item needs printing: a resumed run with nothing
        // left to do starts none.
        warmUp: () => pool.warmUp(),
        mayStart: () => !interrupted,
        onItemDone: (result, counts, index) => {
          results[index] = result;
          progress.update(counts);
          checkpoints.maybeWrite();
        },
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
      progress.stop();
      await checkpoints.settle();
    }
    const manifest = snapshot(interrupted ? undefined : outcome.finishedAt);
    await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

    printSummary(io, items, outcome, shownDir);
    if (interrupted) {
      throw new BatchInterruptedError(
        `interrupted after ${outcome.counts.done - outcome.counts.notDone} of ${items.length} items; run the same command with --resume to finish.`,
      );
    }
    const done = outcome.results.flatMap((r) => ((r.status === 'ok' || r.status === 'skipped') && r.stored ? [r.stored] : []));
    if (opts.zip) await writeReportsZip(io, outDir, shownDir, done);
    if (opts.volume) await writeVolume(io, outDir, shownDir, done, { title: template.title, date: outcome.finishedAt, printer: pool.printers[0] });
    if (outcome.counts.failed > 0) {
      throw new BatchItemsFailedError(`${outcome.counts.failed} of ${items.length} items failed; see ${join(shownDir, MANIFEST_FILE)} for why.`);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    await pool.close();
  }
}

async function writeReportsZip(io: BatchCommandIo, outDir: string, shownDir: string, pdfs: readonly StoredPdf[]): Promise<void> {
  const zipPath = join(outDir, ZIP_FILE);
  await writeZip(zipPath, [
    ...pdfs.map((pdf) => ({ file: join(outDir, pdf.location), name: pdf.location })),
    { file: join(outDir, MANIFEST_FILE), name: MANIFEST_FILE, compress: true },
  ]);
  io.stdout(`zip: ${join(shownDir, ZIP_FILE)} (${pdfs.length} PDFs, ${mb((await stat(zipPath)).size)})\n`);
}

async function writeVolume(
  io: BatchCommandIo,
  outDir: string,
  shownDir: string,
  pdfs: readonly StoredPdf[],
  front: { title: string; date: Date; printer: PdfRenderer },
): Promise<void> {
  if (pdfs.length === 0) {
    io.stderr('batch: no PDF to bind, so no volume was written.\n');
    return;
  }
  const volume = await bindVolume({
    ...front,
    subtitle: '汇编',
    entries: pdfs.map((pdf) => ({ title: pdf.title, load: () => readFile(join(outDir, pdf.location)) })),
  });
  await writeFileAtomic(join(outDir, VOLUME_FILE), volume.pdf);
  io.stdout(`volume: ${join(shownDir, VOLUME_FILE)} (${volume.pages} pages, ${pdfs.length} bookmarks, ${mb(volume.pdf.length)})\n`);
}

function printSummary(io: BatchCommandIo, items: readonly BatchItem[], outcome: BatchOutcome, shownDir: string): void {
  const { counts } = outcome;
  const seconds = (outcome.finishedAt.getTime() - outcome.startedAt.getTime()) / 1000;
  const rendered = counts.ok + counts.failed;
  const rate = seconds > 0 ? ` (${(counts.ok / seconds).toFixed(1)} docs/s)` : '';
  const notDone = counts.notDone > 0 ? `, ${counts.notDone} not started` : '';
  io.stdout(
    `${counts.total} items: ${counts.ok} rendered, ${counts.skipped} already current, ${counts.failed} failed${notDone} ` +
      `in ${seconds.toFixed(1)} s${rendered > 0 ? rate : ''} → ${join(shownDir, MANIFEST_FILE)}\n`,
  );
  const failures = outcome.results.map((result, i) => ({ result, item: items[i] })).filter(({ result }) => result.status === 'failed');
  if (failures.length === 0) return;
  io.stdout('failed:\n');
  for (const { result, item } of failures.slice(0, MAX_FAILURES_SHOWN)) {
    const where = item.id === item.where ? item.where : `${item.id} (${item.where})`;
    io.stdout(`  ${where}: ${failureReason(result)}\n`);
  }
  if (failures.length > MAX_FAILURES_SHOWN) io.stdout(`  … and ${failures.length - MAX_FAILURES_SHOWN} more in ${join(shownDir, MANIFEST_FILE)}\n`);
}
