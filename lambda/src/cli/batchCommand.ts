/**
 * `pdf-export batch <template> <items> -o <dir> [-c N] [--resume] [--zip] [--volume]`: the local
 * adapter over the batch pipeline (batch/runLocalBatch.ts). It reads the items file, shows
 * progress, prints a summary and maps the outcome to an exit code (0 all done, 1 some item
 * failed, 2 bad usage or input). See docs/batch.md.
 */
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { BatchItem } from '../batch/BatchItem';
import { batchFormatOf, parseBatchItems, type ItemsFileFormat } from '../batch/parseBatchItems';
import type { WorkbookLimits } from '../batch/readWorkbook';
import type { BatchItemResult, BatchOutcome } from '../batch/runBatch';
import { MAX_POOL_SIZE } from '../batch/runLocalBatch';
import type { App } from '../compose';
import { BatchInterruptedError, BatchItemsFailedError, InvalidRequestError, invalidDataLine, LimitExceededError } from '../core/errors';
import { MANIFEST_FILE, VOLUME_FILE, VOLUME_STEM, ZIP_FILE } from '../core/storageLayout';
import { BatchProgress } from './BatchProgress';
import type { CliIo } from './CliIo';

interface BatchOptions {
  output: string;
  concurrency?: number;
  resume?: boolean;
  zip?: boolean;
  volume?: boolean;
}

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

/**
 * One line for a failed item, e.g. `invalid data: /economy/gdp: must be >= 0（地区生产总值（亿元））`;
 * for a spreadsheet row, its cells: `第 7 行 F 列（地区生产总值增速（%））：不能小于 -100`.
 */
function failureReason(result: BatchItemResult, item: BatchItem): string {
  const error = result.error;
  if (!error) return 'failed';
  if (item.row !== undefined) {
    const located = error.details.length > 0 && error.details.every((d) => d.message.startsWith(item.where));
    const reason = located ? error.details.map((d) => d.message).join('；') : error.message;
    return reason.startsWith(item.where) ? reason : `${item.where}：${reason}`;
  }
  if (error.details.length > 0) return invalidDataLine(error.details);
  return error.message;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** How much of a workbook is read (MAX_WORKBOOK_BYTES, MAX_WORKBOOK_UNZIPPED_BYTES, MAX_BATCH_ITEMS). */
export function workbookLimitsOf(app: App): WorkbookLimits {
  const { batch } = app.config;
  return { maxBytes: batch.maxWorkbookBytes, maxUnzippedBytes: batch.maxWorkbookUnzippedBytes, maxRows: batch.maxItems };
}

/**
 * An items file as parseBatchItems takes it: JSON as UTF-8 text, CSV and workbooks as bytes (a CSV
 * may be GB18030; a workbook is binary, and one over its limit is refused before it is read).
 */
export async function readItemsFile(path: string, format: ItemsFileFormat, maxWorkbookBytes: number): Promise<string | Buffer> {
  try {
    if (format === 'xlsx') {
      const { size } = await stat(path);
      if (size > maxWorkbookBytes) {
        throw new LimitExceededError(
          `工作簿 ${basename(path)} 有 ${(size / 1024 / 1024).toFixed(1)} MB，超过上限 ${(maxWorkbookBytes / 1024 / 1024).toFixed(1)} MB（MAX_WORKBOOK_BYTES）；请拆成几个文件。`,
        );
      }
    }
    return format === 'json' || format === 'jsonl' ? await readFile(path, 'utf8') : await readFile(path);
  } catch (error) {
    if (error instanceof LimitExceededError) throw error;
    throw new InvalidRequestError(`cannot read items file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

async function ensureOutputDir(dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new InvalidRequestError(`-o ${dir} is a file; give a folder for the PDFs and manifest.json.`);
}

export function batchCommand(io: CliIo, start: (hooks: { onBlockedRequest: (url: string) => void }) => App): Command {
  return (
    new Command('batch')
      .description('render one report per item of a .json, .jsonl, .csv or .xlsx file (see docs/batch.md)')
      .argument('<template>', 'template id (see `pdf-export templates`)')
      .argument('<items>', 'items file: .json array or .jsonl of {"id","data"}, or .csv/.xlsx with a 编号 (id) column and one column per field (see `pdf-export sheet`)')
      .requiredOption('-o, --output <dir>', 'folder for <id>.pdf and manifest.json')
      .option('-c, --concurrency <n>', `browsers rendering in parallel, 1..${MAX_POOL_SIZE} (default: CPU count)`, parseConcurrency)
      .option('--resume', 'skip items whose PDF in <dir> is still current for their data; render what is missing or changed')
      .option('--zip', `also write <dir>/${ZIP_FILE} with every PDF and the manifest`)
      .option('--volume', `also write <dir>/${VOLUME_FILE}: every report bound with a cover, contents and bookmarks`)
      // addCommand does not pass the program's settings on: errors must come back, not exit.
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError(false)
      .exitOverride()
      .action(async (templateId: string, itemsPath: string, opts: BatchOptions) => {
        const app = start({ onBlockedRequest: (url) => io.stderr(`warning: blocked request ${url}\n`) });
        try {
          await runBatchCommand(io, app, templateId, itemsPath, opts);
        } finally {
          await app.close();
        }
      })
  );
}

async function runBatchCommand(io: CliIo, app: App, templateId: string, itemsPath: string, opts: BatchOptions): Promise<void> {
  const template = app.templates.get(templateId);
  const format = batchFormatOf(itemsPath);
  const workbook = workbookLimitsOf(app);
  const input = await readItemsFile(itemsPath, format, workbook.maxBytes);
  const items = parseBatchItems(input, format, template.schema, { reservedStems: opts.volume ? [VOLUME_STEM] : [], workbook });
  const outDir = resolve(opts.output);
  await ensureOutputDir(outDir);
  const shownDir = relative(process.cwd(), outDir) || '.';
  const size = Math.min(opts.concurrency ?? availableParallelism(), MAX_POOL_SIZE, items.length);
  const pool = app.rendererPool(size);

  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    io.stderr('\nbatch: interrupted; stopping after the documents in progress (Ctrl-C again to abort)\n');
  };
  let progress: BatchProgress | undefined;
  try {
    process.once('SIGINT', onSigint);
    const result = await app.runLocalBatch({
      dir: outDir,
      template,
      items,
      pool,
      resume: opts.resume ?? false,
      zip: opts.zip ?? false,
      volume: opts.volume ?? false,
      checkpointEveryMs: CHECKPOINT_INTERVAL_MS,
      mayStart: () => !interrupted,
      onStart: ({ requested, found }) => {
        if (requested && !found) io.stderr(`batch: no readable ${MANIFEST_FILE} in ${shownDir}, so nothing to resume; rendering every item.\n`);
        io.stderr(`batch: ${items.length} items from ${basename(itemsPath)}, template ${template.id}, ${size} browser${size === 1 ? '' : 's'} → ${shownDir}\n`);
        progress = new BatchProgress(items.length, { tty: process.stderr.isTTY ? process.stderr : undefined, write: io.stderr });
      },
      onItemDone: (_result, counts) => progress?.update(counts),
      onRendered: (outcome) => {
        process.removeListener('SIGINT', onSigint);
        progress?.stop();
        printSummary(io, items, outcome, shownDir);
      },
    });
    if (result.stoppedEarly) {
      const counts = result.outcome.counts;
      throw new BatchInterruptedError(`interrupted after ${counts.done - counts.notDone} of ${items.length} items; run the same command with --resume to finish.`);
    }
    const pdfs = result.manifest.items.filter((item) => item.file !== null && item.status !== 'failed').length;
    if (result.zipBytes !== undefined) io.stdout(`zip: ${join(shownDir, ZIP_FILE)} (${pdfs} PDFs, ${mb(result.zipBytes)})\n`);
    if (opts.volume && pdfs === 0) io.stderr('batch: no PDF to bind, so no volume was written.\n');
    if (result.volume) io.stdout(`volume: ${join(shownDir, VOLUME_FILE)} (${result.volume.pages} pages, ${result.volume.bookmarks} bookmarks, ${mb(result.volume.bytes)})\n`);
    if (result.outcome.counts.failed > 0) {
      throw new BatchItemsFailedError(`${result.outcome.counts.failed} of ${items.length} items failed; see ${join(shownDir, MANIFEST_FILE)} for why.`);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress?.stop();
    await pool.close();
  }
}

function printSummary(io: CliIo, items: readonly BatchItem[], outcome: BatchOutcome, shownDir: string): void {
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
    // A spreadsheet row's reason names its row itself.
    const where = item.row !== undefined ? (item.id === item.where ? '' : item.id) : item.id === item.where ? item.where : `${item.id} (${item.where})`;
    io.stdout(`  ${where ? `${where}: ` : ''}${failureReason(result, item)}\n`);
  }
  if (failures.length > MAX_FAILURES_SHOWN) io.stdout(`  … and ${failures.length - MAX_FAILURES_SHOWN} more in ${join(shownDir, MANIFEST_FILE)}\n`);
}
