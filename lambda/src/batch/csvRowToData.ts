/**
 * Spreadsheet rows → report data. A row has an id column and one column per field, named as
 * fieldColumns.ts says: the field's Chinese header (`地区生产总值（亿元）`) or its dotted path in the
 * template's schema (`economy.gdp`). Cells are text; the schema says what each field is, so
 * `386.42` becomes a number where the schema wants a number and stays text where it wants text (a
 * county code like `007` keeps its zeros).
 *
 * - Numbers may be written as a spreadsheet shows them: `1,234.5`, full-width `１２３`, `－2.4`, and
 *   followed by the field's unit (`386.42亿元`, `6.3%`). A cell that still is not a number is passed
 *   on as text, so schema validation names the field.
 * - A list of names (e.g. `investment.centralEnterprises`) is one cell separated by 、 or ;, or
 *   one column per entry with a 0-based index (`investment.centralEnterprises.0`, `.1`).
 * - An empty cell means "not given": the field is left out, and the schema says if it is required.
 *
 * Step Functions' CSV item reader hands the Lambda the same rows as objects (keys are the CSV's
 * headers), so both go through here; sheetItems.ts uses the same typing for CSV files and workbooks.
 */
import { fieldColumns, type FieldColumn, type HeaderMatch } from './fieldColumns';
import { INDEX, isListNode, isObject, resolveRefs, schemaAt, typesOf, type SchemaNode } from './schemaNodes';

/** The id column's name in JSON records and in Step Functions' rows from a CSV with an `id` header. */
export const ID_COLUMN = 'id';

/** Spreadsheet spellings of a number → the number, or undefined when the text is not one. */
export function parseCellNumber(text: string): number | undefined {
  // NFKC folds full-width digits, signs and the full-width point; U+2212 is the typographic minus.
  const s = text.normalize('NFKC').replace(/\u2212/g, '-').trim();
  if (!/^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$/.test(s)) return undefined;
  const value = Number(s.replace(/,/g, ''));
  return Number.isFinite(value) ? value : undefined;
}

/** `386.42亿元` → `386.42` when the field's unit is 亿元; `6.3％` → `6.3` for %. */
function withoutUnit(text: string, unit: string | undefined): string {
  if (unit === undefined) return text;
  const s = text.normalize('NFKC').trim();
  const u = unit.normalize('NFKC');
  return s.endsWith(u) ? s.slice(0, -u.length) : text;
}

/** `2024/3/5`, `2024.3.5`, `2024年3月5日` → `2024-03-05`; anything else stays as written. */
export function dateText(text: string): string {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(text.normalize('NFKC').trim());
  if (!m) return text;
  return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
}

const TRUE_WORDS = new Set(['true', '是', '对', 'yes']);
const FALSE_WORDS = new Set(['false', '否', '不', 'no']);

/** One cell's text as the type the schema asks for; text that does not fit stays text. */
export function coerceCellText(text: string, node: SchemaNode | undefined, schema: SchemaNode, unit?: string): unknown {
  const types = node ? typesOf(node) : [];
  if (node && isListNode(node)) {
    const items = resolveRefs(node.items, schema);
    return text
      .split(/[、;；]/)
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => coerceCellText(part, items, schema));
  }
  if (types.includes('integer') || types.includes('number')) {
    const value = parseCellNumber(withoutUnit(text, unit));
    if (value !== undefined) return value;
  }
  if (types.includes('boolean')) {
    const lower = text.trim().toLowerCase();
    if (TRUE_WORDS.has(lower)) return true;
    if (FALSE_WORDS.has(lower)) return false;
  }
  if (types.includes('string') && node?.format === 'date') return dateText(text);
  return text;
}

export function setPath(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node: Record<string, unknown> | unknown[] = target;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    const key: string | number = Array.isArray(node) ? Number(segment) : segment;
    if (last) {
      (node as Record<string | number, unknown>)[key] = value;
      return;
    }
    let child = (node as Record<string | number, unknown>)[key];
    if (typeof child !== 'object' || child === null) {
      child = INDEX.test(segments[i + 1]) ? [] : {};
      (node as Record<string | number, unknown>)[key] = child;
    }
    node = child as Record<string, unknown> | unknown[];
  });
}

/** Indexed columns with gaps (`.0` and `.2` filled, `.1` empty) give a list without holes. */
export function withoutHoles(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(withoutHoles);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutHoles(v)]));
  return value;
}

/** Where a matched column's value goes, the schema node that types it, and the unit it may carry. */
export function columnTarget(match: HeaderMatch, schema: SchemaNode): { segments: readonly string[]; node: SchemaNode | undefined; field?: FieldColumn } | undefined {
  switch (match.kind) {
    case 'field':
      return { segments: match.field.segments, node: schemaAt(schema, match.field.segments), field: match.field };
    case 'entry': {
      const segments = [...match.field.segments, String(match.index)];
      return { segments, node: schemaAt(schema, segments), field: match.field };
    }
    case 'path':
      return { segments: match.segments, node: schemaAt(schema, match.segments) };
    default:
      return undefined;
  }
}

/** The id of a row given as an object: the value under its id column (`id`, `编号`). */
export function rowId(row: Readonly<Record<string, unknown>>, schema: SchemaNode): unknown {
  if (ID_COLUMN in row) return row[ID_COLUMN];
  const columns = fieldColumns(schema);
  const key = Object.keys(row).find((column) => columns.match(column).kind === 'id');
  return key === undefined ? undefined : row[key];
}

export interface CsvRowData {
  readonly data: Record<string, unknown>;
  /** Columns the schema does not know; their cells are left out of `data`. */
  readonly unknownColumns: readonly string[];
}

/** One row (column → cell) as report data shaped by the template's schema. */
export function csvRowToData(row: Readonly<Record<string, unknown>>, schema: SchemaNode): CsvRowData {
  const columns = fieldColumns(schema);
  const data: Record<string, unknown> = {};
  const unknownColumns: string[] = [];
  for (const [column, cell] of Object.entries(row)) {
    const match = columns.match(column);
    if (match.kind === 'id') continue;
    const target = columnTarget(match, schema);
    if (!target) {
      unknownColumns.push(column);
      continue;
    }
    if (cell === undefined || cell === null) continue;
    if (typeof cell === 'string') {
      const text = cell.trim();
      if (text === '') continue;
      setPath(data, target.segments, coerceCellText(text, target.node, schema, target.field?.unit));
    } else {
      // Rows given as JSON (a Lambda event) may already carry numbers.
      setPath(data, target.segments, cell);
    }
  }
  return { data: withoutHoles(data) as Record<string, unknown>, unknownColumns };
}
