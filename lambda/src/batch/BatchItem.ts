/**
 * One item of a batch: an id (it names the output) and the report data. A record that cannot be
 * read as an item (no id, no data, a broken JSON line) still becomes an item, carrying its
 * `problem`: it is reported as failed like any invalid data, and never stops the batch.
 *
 * Items read from a spreadsheet (sheetItems.ts) carry their row, and their problems name row,
 * column and field. When such items travel as JSON Lines (`POST /batches` and the playground turn
 * a workbook into JSON Lines), each record keeps that in `"sheet"`:
 * `{"id", "data", "sheet": {"row": 7, "error"?: {"code", "message", "details"}}}`, so the item
 * fails later with the same words (recordOfBatchItem writes it, batchItemFromRecord reads it).
 */
import { DataValidationError, InvalidRequestError, type ErrorDetail, type PdfExportError } from '../core/errors';
import { csvRowToData, ID_COLUMN, rowId } from './csvRowToData';
import { itemFileStem } from './itemFileStem';

export interface BatchItem {
  /** Where the record is in the input, for messages: `line 5`, `item 3`, `第 12 行`. */
  readonly where: string;
  /** The spreadsheet row (xlsx, CSV) the item was read from; its problems then name their cells. */
  readonly row?: number;
  /** The id as given; for a record without a usable id, `where`. */
  readonly id: string;
  /** File stem / key segment derived from the id (see itemFileStem); undefined when the record is unusable. */
  readonly stem: string | undefined;
  readonly data: unknown;
  /** Set when the record itself is unusable; the item is then reported failed without rendering. */
  readonly problem: PdfExportError | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Ids are text; a spreadsheet or JSON writer may have turned a numeric code into a number. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const id = value.trim();
  return id === '' ? undefined : id;
}

/** An item that failed before it had a usable id or data. */
export function unreadableItem(where: string, problem: PdfExportError, id?: string): BatchItem {
  return { where, id: id ?? where, stem: undefined, data: undefined, problem };
}

export interface RecordShapes {
  /** Accept flat rows (`{"id", "economy.gdp", …}`) besides `{"id", "data"}`: Step Functions' CSV reader. */
  readonly rows: boolean;
  /** The template's JSON Schema, to shape rows; required when `rows` is true. */
  readonly schema?: Readonly<Record<string, unknown>>;
}

const MAX_SHEET_ROW = 1_048_576;
const MAX_CARRIED_DETAILS = 100;
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The `"sheet"` of a record: its row, and the problem it was found to have when the sheet was read. */
function sheetOf(value: unknown): { row: number; problem: PdfExportError | undefined } | undefined {
  if (!isObject(value)) return undefined;
  const { row, error } = value;
  if (typeof row !== 'number' || !Number.isInteger(row) || row < 1 || row > MAX_SHEET_ROW) return undefined;
  if (error === undefined || error === null) return { row, problem: undefined };
  if (!isObject(error) || typeof error.message !== 'string' || (error.details !== undefined && !Array.isArray(error.details))) return undefined;
  const details: ErrorDetail[] = ((error.details as unknown[] | undefined) ?? [])
    .filter((d): d is { path: string; message: string } => isObject(d) && typeof d.path === 'string' && typeof d.message === 'string')
    .slice(0, MAX_CARRIED_DETAILS)
    .map((d) => ({ path: clip(d.path, 300), message: clip(d.message, 300) }));
  const message = clip(error.message, 2000);
  return { row, problem: error.code === 'VALIDATION_FAILED' ? new DataValidationError(message, { details }) : new InvalidRequestError(message, { details }) };
}

/** An item as one JSON Lines record, keeping its spreadsheet row and problem (see above). */
export function recordOfBatchItem(item: BatchItem): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (item.stem !== undefined || item.id !== item.where) record.id = item.id;
  if (item.data !== undefined) record.data = item.data;
  if (item.row !== undefined) {
    const problem = item.problem;
    record.sheet = problem ? { row: item.row, error: { code: problem.code, message: problem.message, details: problem.details } } : { row: item.row };
  }
  return record;
}

/** A parsed record (`{"id": "...", "data": {...}}`, or a flat row) → an item. Never throws. */
export function batchItemFromRecord(record: unknown, where: string, shapes: RecordShapes): BatchItem {
  if (!isObject(record)) {
    return unreadableItem(where, new InvalidRequestError(`${where} is not an object; write {"id": "...", "data": {...}}.`));
  }
  // A flat row (Step Functions' CSV reader) is all columns; only an {"id", "data"} record carries a sheet.
  if ('sheet' in record && !(shapes.rows && !('data' in record))) {
    const sheet = sheetOf(record.sheet);
    if (!sheet) {
      return unreadableItem(where, new InvalidRequestError(`${where}: "sheet" must be {"row": <spreadsheet row>, "error"?: {"code", "message", "details"}}.`), idOf(record[ID_COLUMN]));
    }
    const { sheet: _sheet, ...rest } = record;
    const item = batchItemFromRecord(rest, `第 ${sheet.row} 行`, { rows: false });
    return { ...item, row: sheet.row, problem: sheet.problem ?? item.problem };
  }
  const id = idOf(shapes.rows && shapes.schema && !('data' in record) ? rowId(record, shapes.schema) : record[ID_COLUMN]);
  if (id === undefined) {
    return unreadableItem(where, new InvalidRequestError(`${where} has no "id"; give every item a unique id (it names the PDF).`));
  }
  const stem = itemFileStem(id);
  if (stem === undefined) {
    return unreadableItem(
      where,
      new InvalidRequestError(`${where}: the id "${id.slice(0, 80)}" has no letters or digits to name a file with; use e.g. the county name.`),
      id,
    );
  }
  if ('data' in record) {
    if (!isObject(record.data)) {
      return unreadableItem(where, new InvalidRequestError(`${where}: "data" must be an object with the report's fields.`), id);
    }
    return { where, id, stem, data: record.data, problem: undefined };
  }
  if (shapes.rows && shapes.schema) {
    const { data, unknownColumns } = csvRowToData(record, shapes.schema);
    if (unknownColumns.length > 0) {
      const columns = unknownColumns.slice(0, 5).map((c) => `"${c}"`).join(', ');
      return unreadableItem(where, new InvalidRequestError(`${where}: ${columns} ${unknownColumns.length === 1 ? 'is not a field' : 'are not fields'} of this template; check the spelling.`), id);
    }
    return { where, id, stem, data, problem: undefined };
  }
  return unreadableItem(where, new InvalidRequestError(`${where} has no "data"; write {"id": "...", "data": {...}}.`), id);
}

/**
 * Ids name files, so two items may not share one, not even in different letter case (macOS and
 * Windows would write them to the same file) or after cleaning (`a/b` and `a_b`). Returns one
 * line per clash, empty when every id is unique. `reserved` are stems the output needs itself.
 */
export function duplicateIdProblems(items: readonly BatchItem[], reserved: readonly string[] = []): string[] {
  const byStem = new Map<string, BatchItem[]>();
  for (const item of items) {
    if (item.stem === undefined) continue;
    const key = item.stem.toLowerCase();
    byStem.set(key, [...(byStem.get(key) ?? []), item]);
  }
  const problems: string[] = [];
  const reservedSet = new Set(reserved.map((r) => r.toLowerCase()));
  for (const [key, group] of byStem) {
    // Rows of a spreadsheet are a clerk's: told in Chinese, by row.
    const sheet = group[0].row !== undefined;
    if (reservedSet.has(key)) {
      problems.push(
        sheet
          ? `编号“${group[0].id}”（${group[0].where}）与本批自己生成的 ${key}.pdf 同名，请换一个`
          : `id "${group[0].id}" (${group[0].where}) would overwrite the ${key}.pdf this batch writes itself`,
      );
    }
    if (group.length < 2) continue;
    const same = group.every((i) => i.id === group[0].id);
    if (sheet) {
      const ids = [...new Set(group.map((i) => `“${i.id}”`))].join('和');
      const rows = group.map((i) => i.where.replace(/^第 | 行$/g, '')).join('、');
      problems.push(same ? `编号${ids}出现在第 ${rows} 行` : `编号${ids}会写成同一个文件 ${group[0].stem}.pdf（第 ${rows} 行）`);
      continue;
    }
    const ids = [...new Set(group.map((i) => `"${i.id}"`))].join(' and ');
    const where = group.map((i) => i.where).join(', ');
    problems.push(same ? `id ${ids} appears more than once (${where})` : `ids ${ids} name the same file ${group[0].stem}.pdf (${where})`);
  }
  return problems;
}
