/**
 * Items files: `.json` (an array of `{"id", "data"}`), `.jsonl` (one such object a line), `.csv`
 * or `.xlsx` (a header row naming the columns, one county a row: sheetItems.ts; the columns are
 * fieldColumns.ts's).
 *
 * Two kinds of problems, treated differently on purpose:
 * - the file as a whole is unusable (not JSON/CSV/xlsx, unknown or missing columns, duplicate
 *   ids, no items, over a limit): InvalidRequestError or LimitExceededError, nothing is rendered,
 *   the user fixes the file;
 * - one record is bad (a broken line, no id, invalid data): that item fails, the rest render.
 *
 * Messages about JSON and JSON Lines name `line 5`/`item 3` as they always did; messages about
 * spreadsheets are for the clerk who filled them in: Chinese, by row and column.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { InvalidRequestError } from '../core/errors';
import { batchItemFromRecord, duplicateIdProblems, unreadableItem, type BatchItem } from './BatchItem';
import { readWorkbook, type WorkbookLimits } from './readWorkbook';
import { sheetItems } from './sheetItems';
import { isEmptyCell, type SheetRow } from './SheetTable';

/** The items files that are text. */
export type BatchFormat = 'json' | 'jsonl' | 'csv';
/** Every items file: the text ones and Excel workbooks. */
export type ItemsFileFormat = BatchFormat | 'xlsx';

const EXTENSIONS: Readonly<Record<string, ItemsFileFormat>> = { '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.xlsx': 'xlsx' };

/** Spreadsheet files a clerk may well have, which need saving as .xlsx first. */
const OTHER_SHEETS: Readonly<Record<string, string>> = {
  '.xls': 'Excel 97-2003 工作簿',
  '.xlsm': '启用宏的 Excel 工作簿',
  '.xlsb': 'Excel 二进制工作簿',
  '.et': 'WPS 表格',
  '.ods': 'OpenDocument 表格',
  '.numbers': 'Numbers 表格',
};

export function batchFormatOf(path: string): ItemsFileFormat {
  const ext = /\.[^./\\]+$/.exec(path)?.[0].toLowerCase() ?? '';
  const format = EXTENSIONS[ext];
  if (format) return format;
  const sheet = OTHER_SHEETS[ext];
  if (sheet) throw new InvalidRequestError(`${path} 是${sheet}（${ext}）；请另存为“Excel 工作簿（*.xlsx）”或 CSV UTF-8 后再用。`);
  throw new InvalidRequestError(`cannot tell the format of ${path}; name the items file .json, .jsonl, .csv or .xlsx.`);
}

export interface ParseOptions {
  /** File stems the output needs for itself (e.g. `volume`); an item id mapping to one is refused. */
  readonly reservedStems?: readonly string[];
  /** How much of a workbook may be read (MAX_WORKBOOK_BYTES, MAX_WORKBOOK_UNZIPPED_BYTES, MAX_BATCH_ITEMS); needed for .xlsx. */
  readonly workbook?: WorkbookLimits;
}

type Schema = Readonly<Record<string, unknown>>;

function fromJson(text: string): BatchItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`the items file is not valid JSON (${(error as Error).message}); fix it, or use .jsonl to let one broken line fail alone.`);
  }
  if (!Array.isArray(parsed)) {
    throw new InvalidRequestError('a .json items file must hold an array of {"id": "...", "data": {...}} items.');
  }
  return parsed.map((record, i) => batchItemFromRecord(record, `item ${i + 1}`, { rows: false }));
}

function fromJsonLines(text: string): BatchItem[] {
  const items: BatchItem[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `line ${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      items.push(unreadableItem(where, new InvalidRequestError(`${where} is not valid JSON (${(error as Error).message}); write one {"id", "data"} object per line.`)));
      return;
    }
    items.push(batchItemFromRecord(record, where, { rows: false }));
  });
  return items;
}

function fromCsv(text: string, schema: Schema): BatchItem[] {
  let records: string[][];
  try {
    // Empty lines are kept (and skipped below), so row numbers are the ones Excel shows.
    records = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (error) {
    throw new InvalidRequestError(`CSV 文件格式有误（${(error as Error).message}）；请检查引号是否成对，或在 Excel 中另存为“CSV UTF-8（逗号分隔）”。`);
  }
  const rows: SheetRow[] = records
    .map((cells, i) => ({ row: i + 1, cells: cells.map((cell) => (cell === '' ? undefined : { kind: 'text' as const, text: cell })) }))
    .filter((row) => !row.cells.every(isEmptyCell));
  if (rows.length === 0) {
    throw new InvalidRequestError('CSV 文件是空的；第 1 行应是标题（编号、县名……，或 id 与 economy.gdp 这样的字段路径），下面每行一个县。');
  }
  return sheetItems({ name: 'CSV 文件', header: rows[0], rows: rows.slice(1), fixedWidth: true }, schema);
}

/** Text formats are UTF-8; a CSV saved by a Chinese Excel as “CSV（逗号分隔）” is GB18030, and read as such. */
export function textOf(input: string | Uint8Array, format: ItemsFileFormat): string {
  if (typeof input === 'string') return input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    if (format === 'csv') {
      try {
        return new TextDecoder('gb18030', { fatal: true }).decode(input);
      } catch {
        /* neither */
      }
    }
    throw new InvalidRequestError(
      format === 'csv'
        ? 'CSV 文件的编码无法识别；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。'
        : 'The file is not UTF-8 text; save it as UTF-8.',
    );
  }
}

function itemsOf(input: string | Uint8Array, format: ItemsFileFormat, schema: Schema, options: ParseOptions): BatchItem[] {
  if (format === 'xlsx') {
    if (typeof input === 'string') throw new InvalidRequestError('An .xlsx workbook must be read as bytes, not text; upload the file itself.');
    if (!options.workbook) throw new RangeError('parseBatchItems needs options.workbook (its limits) to read an .xlsx file');
    return sheetItems(readWorkbook(input, options.workbook), schema);
  }
  const body = textOf(input, format).replace(/^\uFEFF/, '');
  return format === 'json' ? fromJson(body) : format === 'jsonl' ? fromJsonLines(body) : fromCsv(body, schema);
}

/** The items of a file (its text, or its bytes). Throws InvalidRequestError when the file as a whole is unusable. */
export function parseBatchItems(input: string | Uint8Array, format: ItemsFileFormat, schema: Schema, options: ParseOptions = {}): BatchItem[] {
  const items = itemsOf(input, format, schema, options);
  if (items.length === 0) throw new InvalidRequestError('the items file holds no items.');
  const clashes = duplicateIdProblems(items, options.reservedStems);
  if (clashes.length > 0) {
    const more = clashes.length > 5 ? ` (and ${clashes.length - 5} more)` : '';
    if (items[0].row !== undefined) {
      throw new InvalidRequestError(`编号必须唯一：${clashes.slice(0, 5).join('；')}${clashes.length > 5 ? `；另有 ${clashes.length - 5} 处` : ''}。编号是 PDF 的文件名，请给每个县一个不重复的编号。`);
    }
    throw new InvalidRequestError(`item ids must be unique: ${clashes.slice(0, 5).join('; ')}${more}.`);
  }
  return items;
}
