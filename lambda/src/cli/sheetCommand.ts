/**
 * `pdf-export sheet <template> -o <file.xlsx> [--items <file>]`: the template's Excel data sheet
 * (batch/writeWorkbook.ts), for a clerk to fill in and give back to `pdf-export batch`. Without
 * `--items` its one row is the template's first sample; with it, one row per item of an items
 * file (.json, .jsonl, .csv or .xlsx), so existing data can be edited in Excel. See docs/batch.md.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Command } from 'commander';
import { batchFormatOf, parseBatchItems } from '../batch/parseBatchItems';
import { defaultRowId, workbookColumns, writeWorkbook, type WorkbookRow } from '../batch/writeWorkbook';
import type { App } from '../compose';
import { InvalidRequestError, LimitExceededError } from '../core/errors';
import { writeFileAtomic } from '../files/writeFileAtomic';
import { readItemsFile, workbookLimitsOf } from './batchCommand';
import type { CliIo } from './CliIo';

interface SheetOptions {
  output: string;
  items?: string;
}

export function sheetCommand(io: CliIo, start: (hooks: { onBlockedRequest: (url: string) => void }) => App): Command {
  return (
    new Command('sheet')
      .description('write the Excel data sheet of a template, to fill in and render with `pdf-export batch` (see docs/batch.md)')
      .argument('<template>', 'template id (see `pdf-export templates`)')
      .requiredOption('-o, --output <file.xlsx>', 'where to write the workbook')
      .option('--items <file>', 'fill it with the items of a .json, .jsonl, .csv or .xlsx file instead of the first sample')
      // addCommand does not pass the program's settings on: errors must come back, not exit.
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError(false)
      .exitOverride()
      .action(async (templateId: string, opts: SheetOptions) => {
        const app = start({ onBlockedRequest: () => undefined });
        try {
          await runSheetCommand(io, app, templateId, opts);
        } finally {
          await app.close();
        }
      })
  );
}

async function runSheetCommand(io: CliIo, app: App, templateId: string, opts: SheetOptions): Promise<void> {
  const template = app.templates.get(templateId);
  if (!/\.xlsx$/i.test(opts.output)) throw new InvalidRequestError(`-o ${opts.output}: name the workbook .xlsx (Excel opens it as such).`);
  const existing = await stat(resolve(opts.output)).catch(() => undefined);
  if (existing?.isDirectory()) throw new InvalidRequestError(`-o ${opts.output} is a folder; give a file name ending in .xlsx.`);
  const limits = workbookLimitsOf(app);

  let rows: WorkbookRow[];
  let what: string;
  if (opts.items) {
    const format = batchFormatOf(opts.items);
    const items = parseBatchItems(await readItemsFile(opts.items, format, limits.maxBytes), format, template.schema, { workbook: limits });
    const usable = items.filter((item) => item.data !== undefined);
    for (const item of items.filter((i) => i.data === undefined)) io.stderr(`sheet: skipped ${item.where}: ${item.problem?.message ?? 'no data'}\n`);
    if (usable.length > limits.maxRows) {
      throw new LimitExceededError(`${opts.items} has ${usable.length} items; a workbook takes up to ${limits.maxRows} (MAX_BATCH_ITEMS). Split it.`);
    }
    rows = usable.map((item) => ({ id: item.id, data: item.data }));
    what = `${rows.length} row${rows.length === 1 ? '' : 's'} from ${basename(opts.items)}`;
  } else {
    const sample = template.samples[0];
    const data = sample === undefined ? {} : template.sampleData[sample];
    rows = [{ id: defaultRowId(template.schema, data), data }];
    what = sample === undefined ? '1 empty row' : `1 sample row (${sample})`;
  }
  const bytes = await writeWorkbook(template, rows, { maxRows: limits.maxRows });
  await writeFileAtomic(resolve(opts.output), bytes);
  const fields = workbookColumns(template.schema, rows);
  const required = fields.filter((f) => f.required).length;
  io.stdout(`${opts.output}: ${fields.length + 1} columns (${required + 1} required), ${what}, ${(bytes.length / 1024).toFixed(0)} KB\n`);
}
