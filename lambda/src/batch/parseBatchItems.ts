/**
 * Items files: `.json` (an array of `{"id", "data"}`), `.jsonl` (one such object a line) or
 * `.csv` (an `id` column plus dotted field columns, see csvRowToData).
 *
 * Two kinds of problems, treated differently on purpose:
 * - the file as a whole is unusable (not JSON/CSV, unknown columns, duplicate ids, no items):
 *   InvalidRequestError, nothing is rendered, the user fixes the file;
 * - one record is bad (a broken line, no id, invalid data): that item fails, the rest render.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { InvalidRequestError } from '../core/errors';
import { batchItemFromRecord, duplicateIdProblems, unreadableItem, type BatchItem } from './BatchItem';
import { csvColumnProblem, ID_COLUMN } from './csvRowToData';

export type BatchFormat = 'json' | 'jsonl' | 'csv';

const EXTENSIONS: Readonly<Record<string, BatchFormat>> = { '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv' };

export function batchFormatOf(path: string): BatchFormat {
  const ext = /\.[^./\\]+$/.exec(path)?.[0].toLowerCase() ?? '';
  const format = EXTENSIONS[ext];
  if (!format) throw new InvalidRequestError(`cannot tell the format of ${path}; name the items file .json, .jsonl or .csv.`);
  return format;
}

export interface ParseOptions {
  /** File stems the output needs for itself (e.g. `volume`); an item id mapping to one is refused. */
  readonly reservedStems?: readonly string[];
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
  let rows: string[][];
  try {
    rows = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new InvalidRequestError(`the items file is not valid CSV: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new InvalidRequestError('the CSV file is empty; its first row must name the columns (id, then field paths such as economy.gdp).');
  const header = rows[0].map((cell) => cell.trim());
  if (!header.includes(ID_COLUMN)) {
    throw new InvalidRequestError('the CSV file has no "id" column; add one with a unique id (e.g. the county name) per row.');
  }
  const repeated = header.filter((column, i) => header.indexOf(column) !== i);
  if (repeated.length > 0) throw new InvalidRequestError(`the CSV header repeats ${[...new Set(repeated)].map((c) => `"${c}"`).join(', ')}; give every column once.`);
  const problems = header.map((column) => csvColumnProblem(column, schema)).filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new InvalidRequestError(`the CSV header does not match the template: ${problems.slice(0, 5).join('; ')}${more}.`);
  }
  // Spreadsheet row numbers: the header is row 1.
  return rows.slice(1).map((cells, i) => {
    const where = `row ${i + 2}`;
    if (cells.length !== header.length) {
      const id = cells[header.indexOf(ID_COLUMN)]?.trim() || undefined;
      return unreadableItem(where, new InvalidRequestError(`${where} has ${cells.length} cells but the header has ${header.length} columns; check for a stray comma or a missing cell.`), id);
    }
    const record = Object.fromEntries(header.map((column, j) => [column, cells[j]]));
    return batchItemFromRecord(record, where, { rows: true, schema });
  });
}

/** The items of a file's text. Throws InvalidRequestError when the file as a whole is unusable. */
export function parseBatchItems(text: string, format: BatchFormat, schema: Schema, options: ParseOptions = {}): BatchItem[] {
  const body = text.replace(/^\uFEFF/, '');
  const items = format === 'json' ? fromJson(body) : format === 'jsonl' ? fromJsonLines(body) : fromCsv(body, schema);
  if (items.length === 0) throw new InvalidRequestError('the items file holds no items.');
  const clashes = duplicateIdProblems(items, options.reservedStems);
  if (clashes.length > 0) {
    const more = clashes.length > 5 ? ` (and ${clashes.length - 5} more)` : '';
    throw new InvalidRequestError(`item ids must be unique: ${clashes.slice(0, 5).join('; ')}${more}.`);
  }
  return items;
}
