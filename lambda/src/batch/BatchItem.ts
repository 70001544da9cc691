/**
 * One item of a batch: an id (it names the output) and the report data. A record that cannot be
 * read as an item (no id, no data, a broken JSON line) still becomes an item, carrying its
 * `problem`: it is reported as failed like any invalid data, and never stops the batch.
 */
import { InvalidRequestError, type PdfExportError } from '../core/errors';
import { csvRowToData, ID_COLUMN } from './csvRowToData';
import { itemFileStem } from './itemFileStem';

export interface BatchItem {
  /** Where the record is in the input, for messages: `line 5`, `row 12`, `item 3`. */
  readonly where: string;
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

/** A parsed record (`{"id": "...", "data": {...}}`, or a flat row) → an item. Never throws. */
export function batchItemFromRecord(record: unknown, where: string, shapes: RecordShapes): BatchItem {
  if (!isObject(record)) {
    return unreadableItem(where, new InvalidRequestError(`${where} is not an object; write {"id": "...", "data": {...}}.`));
  }
  const id = idOf(record[ID_COLUMN]);
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
    if (reservedSet.has(key)) {
      problems.push(`id "${group[0].id}" (${group[0].where}) would overwrite the ${key}.pdf this batch writes itself`);
    }
    if (group.length < 2) continue;
    const ids = [...new Set(group.map((i) => `"${i.id}"`))].join(' and ');
    const where = group.map((i) => i.where).join(', ');
    problems.push(group.every((i) => i.id === group[0].id) ? `id ${ids} appears more than once (${where})` : `ids ${ids} name the same file ${group[0].stem}.pdf (${where})`);
  }
  return problems;
}
