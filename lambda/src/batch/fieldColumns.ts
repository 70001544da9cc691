/**
 * A template's spreadsheet columns, derived once from its JSON Schema and shared by everything
 * that reads or writes one county per row: the xlsx writer and reader, CSV files, and the rows
 * Step Functions' CSV reader hands the render Lambda. The rules (docs/batch.md, "Columns"):
 *
 * - One column per field that holds a value (text, number, yes/no, date), in the schema's order.
 *   A list of plain values (签约央企) is one column, its entries joined with 、.
 * - The header is the field's Chinese `title`, followed by `（unit）` from `x-unit` unless the title
 *   already ends with it: `地区生产总值（亿元）`, `报告年度（年）`, `签约央企`.
 * - Two fields whose headers would be the same are told apart by the titles of the groups above
 *   them (`报告人·名称` / `县情·名称`), as many levels as it takes, so every header names one field.
 * - The id column is `编号`; `id` is read as well.
 * - Reading, a header names a field by its header, by its bare title when no other field has that
 *   title, or by its dotted path (`economy.gdp`); spaces and the difference between full- and
 *   half-width characters (`（）` and `()`, `％` and `%`) do not matter.
 * - A field is required when it and every group above it are required.
 */
import { INDEX, isGroupNode, isListNode, isObject, resolveRefs, schemaAt, typesOf, type SchemaNode } from './schemaNodes';
import { pointerOf } from '../core/jsonPointer';

/** The header of the id column, as written; `id` is read too. */
export const ID_HEADER = '编号';
const ID_HEADERS = [ID_HEADER, 'id'];

/** `编号`, `id`, `ID`: the id column, in any letter case. */
function isIdHeader(normalized: string): boolean {
  return ID_HEADERS.some((id) => normalizeHeader(id).toLowerCase() === normalized.toLowerCase());
}

/** Between a group's title and a field's title when two fields would otherwise share a header. */
const GROUP_SEPARATOR = '·';

export type ValueKind = 'text' | 'integer' | 'number' | 'boolean' | 'date';
export type FieldKind = ValueKind | 'list';

/** The schema's limits on a value, as far as a spreadsheet cell can show them. */
export interface FieldBounds {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly enum?: readonly (string | number | boolean)[];
}

export interface FieldColumn {
  /** Dotted path: `economy.gdp`. */
  readonly path: string;
  readonly segments: readonly string[];
  /** JSON pointer into the report data: `/economy/gdp`. */
  readonly pointer: string;
  /** The column header as written: `地区生产总值（亿元）`. */
  readonly header: string;
  /** The schema's `title` (the last path segment when it has none). */
  readonly title: string;
  /** Titles of the groups above the field, outermost first: `['主要经济指标']`. */
  readonly groups: readonly string[];
  readonly description: string | undefined;
  readonly unit: string | undefined;
  readonly kind: FieldKind;
  /** For a list: what each entry is, and each entry's bounds. */
  readonly entry: { readonly kind: ValueKind; readonly bounds: FieldBounds } | undefined;
  readonly required: boolean;
  readonly bounds: FieldBounds;
}

export type HeaderMatch =
  | { readonly kind: 'id' }
  /** The field's own column. */
  | { readonly kind: 'field'; readonly field: FieldColumn }
  /** One entry of a list field, by its 0-based index: `investment.centralEnterprises.0`. */
  | { readonly kind: 'entry'; readonly field: FieldColumn; readonly index: number }
  /** Another dotted path the schema has (e.g. inside a list of groups); typed by the schema. */
  | { readonly kind: 'path'; readonly segments: readonly string[] }
  | { readonly kind: 'unknown'; readonly problem: string };

export interface SheetColumns {
  /** Every field column, in schema order. */
  readonly fields: readonly FieldColumn[];
  /** What a header cell names. */
  match(header: string): HeaderMatch;
  /** The field column a JSON pointer into the data falls in: a list entry's pointer gives its list. */
  fieldAt(pointer: string): FieldColumn | undefined;
  /** Field columns under a group's pointer (`/county` → 县名, 所属省份, …). */
  fieldsUnder(pointer: string): FieldColumn[];
}

/** Headers are compared without spaces and with full-width forms folded: `（亿元）` = `(亿元)`. */
export function normalizeHeader(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, '');
}

/** Spreadsheet column letters of a 0-based column index: 0 → A, 26 → AA. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function boundsOf(node: SchemaNode): FieldBounds {
  const enumValues = Array.isArray(node.enum) ? node.enum.filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v)) : undefined;
  const bounds: Record<string, unknown> = {
    minimum: numberOf(node.minimum),
    maximum: numberOf(node.maximum),
    exclusiveMinimum: numberOf(node.exclusiveMinimum),
    exclusiveMaximum: numberOf(node.exclusiveMaximum),
    minLength: numberOf(node.minLength),
    maxLength: numberOf(node.maxLength),
    minItems: numberOf(node.minItems),
    maxItems: numberOf(node.maxItems),
    enum: enumValues && enumValues.length > 0 ? enumValues : undefined,
  };
  return Object.fromEntries(Object.entries(bounds).filter(([, v]) => v !== undefined)) as FieldBounds;
}

/** What a cell of this schema node holds. */
export function valueKindOf(node: SchemaNode): ValueKind {
  const types = typesOf(node);
  if (types.includes('number')) return 'number';
  if (types.includes('integer')) return 'integer';
  if (types.includes('boolean')) return 'boolean';
  if (types.includes('string')) return node.format === 'date' ? 'date' : 'text';
  if (Array.isArray(node.enum) && node.enum.length > 0 && node.enum.every((v) => typeof v === 'number')) return 'number';
  return 'text';
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `title` + `（unit）`, unless the title already ends with the unit in brackets. */
function baseHeader(title: string, unit: string | undefined): string {
  if (unit === undefined) return title;
  return normalizeHeader(title).endsWith(normalizeHeader(`（${unit}）`)) ? title : `${title}（${unit}）`;
}

interface Draft extends Omit<FieldColumn, 'header'> {
  readonly base: string;
}

/** A property of the schema that is not a group: a field, a list of values or a table. */
interface Leaf {
  readonly node: SchemaNode;
  readonly segments: string[];
  /** Titles of the groups above it, outermost first. */
  readonly groups: string[];
  readonly title: string;
  /** It and every group above it are required. */
  readonly required: boolean;
}

/** Every property below the groups of `schema`, in schema order: what the sheet's columns are made of. */
function leavesOf(schema: SchemaNode): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (node: SchemaNode, segments: string[], groups: string[], required: boolean, depth: number): void => {
    if (depth > 16) return;
    const properties = isObject(node.properties) ? node.properties : {};
    const requiredKeys = Array.isArray(node.required) ? node.required : [];
    for (const key of Object.keys(properties)) {
      const child = resolveRefs(properties[key], schema);
      if (!child) continue;
      const leaf = { node: child, segments: [...segments, key], groups, title: textOf(child.title) ?? key, required: required && requiredKeys.includes(key) };
      if (isGroupNode(child) && !isListNode(child)) walk(child, leaf.segments, [...groups, leaf.title], leaf.required, depth + 1);
      else leaves.push(leaf);
    }
  };
  const root = resolveRefs(schema, schema);
  if (root) walk(root, [], [], true, 0);
  return leaves;
}

function collectFields(schema: SchemaNode): Draft[] {
  const drafts: Draft[] = [];
  for (const { node: child, segments: path, groups, title, required } of leavesOf(schema)) {
    let entry: Draft['entry'];
    if (isListNode(child)) {
      const items = resolveRefs(child.items, schema);
      // A list of groups has no one-cell spelling: its cells are tableColumns'.
      if (!items || isGroupNode(items) || isListNode(items)) continue;
      entry = { kind: valueKindOf(items), bounds: boundsOf(items) };
    }
    const unit = textOf(child['x-unit']);
    drafts.push({
      path: path.join('.'),
      segments: path,
      pointer: pointerOf(path),
      title,
      groups,
      description: textOf(child.description),
      unit,
      kind: entry ? 'list' : valueKindOf(child),
      entry,
      required,
      bounds: boundsOf(child),
      base: baseHeader(title, unit),
    });
  }
  return drafts;
}

/** Headers that name one field each: clashing ones get their groups' titles in front, level by level. */
function uniqueHeaders(drafts: readonly Draft[]): string[] {
  const headers = drafts.map((d) => d.base);
  const taken = (header: string, self: number): boolean =>
    isIdHeader(normalizeHeader(header)) ||
    headers.some((other, i) => i !== self && normalizeHeader(other) === normalizeHeader(header));
  for (let level = 1; level <= 17; level++) {
    const clashing = headers.map((h, i) => taken(h, i));
    if (!clashing.includes(true)) break;
    clashing.forEach((clash, i) => {
      if (!clash) return;
      const { groups, base, path } = drafts[i];
      headers[i] = level <= groups.length ? [...groups.slice(-level), base].join(GROUP_SEPARATOR) : `${base}［${path}］`;
    });
  }
  return headers;
}

/**
 * Columns for the rows of the schema's tables (lists of groups: `indicators`, each row
 * `{name, unit, value}`), which have no one-cell spelling: one column per row and field, headed by
 * its dotted path (`indicators.0.name`, 0-based like JSON), which reading takes as written.
 * `rowsOf(path)` says how many rows to give a table (the data's longest, at least its minItems);
 * the title says it in Chinese (`主要经济指标 第1行 指标名称`). Nested groups inside a row, and
 * lists inside a row, are left to JSON input.
 */
export function tableColumns(schema: SchemaNode, rowsOf: (path: string) => number): FieldColumn[] {
  const columns: FieldColumn[] = [];
  for (const { node: child, segments: path, groups, title, required } of leavesOf(schema)) {
    if (!isListNode(child)) continue;
    const items = resolveRefs(child.items, schema);
    if (!items || !isGroupNode(items) || isListNode(items) || !isObject(items.properties)) continue;
    const minItems = typeof child.minItems === 'number' ? child.minItems : 0;
    const maxItems = typeof child.maxItems === 'number' ? child.maxItems : Infinity;
    const rows = Math.min(maxItems, Math.max(minItems, rowsOf(path.join('.'))));
    const itemRequired = Array.isArray(items.required) ? items.required : [];
    for (let row = 0; row < rows; row++) {
      for (const [leafKey, raw] of Object.entries(items.properties)) {
        const leaf = resolveRefs(raw, schema);
        if (!leaf || isGroupNode(leaf) || isListNode(leaf)) continue;
        const segments = [...path, String(row), leafKey];
        const dotted = segments.join('.');
        const unit = textOf(leaf['x-unit']);
        columns.push(
          Object.freeze({
            path: dotted,
            segments,
            pointer: pointerOf(segments),
            header: dotted,
            title: `${title} 第${row + 1}行 ${baseHeader(textOf(leaf.title) ?? leafKey, unit)}`,
            groups,
            description: textOf(leaf.description),
            unit,
            kind: valueKindOf(leaf),
            entry: undefined,
            required: required && row < minItems && itemRequired.includes(leafKey),
            bounds: boundsOf(leaf),
          }),
        );
      }
    }
  }
  return columns;
}

/** Edit distance, for "did you mean" in messages about misspelt headers. */
function distance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[y.length];
}

function buildColumns(schema: SchemaNode): SheetColumns {
  const drafts = collectFields(schema);
  const headers = uniqueHeaders(drafts);
  const fields: FieldColumn[] = drafts.map(({ base: _base, ...draft }, i) => Object.freeze({ ...draft, header: headers[i] }));
  const byKey = new Map<string, HeaderMatch>();
  for (const field of fields) byKey.set(normalizeHeader(field.header), { kind: 'field', field });
  // A bare title is read too, when it names one field only and nothing else uses the spelling.
  const titleCounts = new Map<string, number>();
  for (const field of fields) titleCounts.set(normalizeHeader(field.title), (titleCounts.get(normalizeHeader(field.title)) ?? 0) + 1);
  for (const field of fields) {
    const key = normalizeHeader(field.title);
    if (titleCounts.get(key) === 1 && !byKey.has(key) && !isIdHeader(key)) byKey.set(key, { kind: 'field', field });
  }
  const byPointer = new Map(fields.map((field) => [field.pointer, field]));
  const byPath = new Map(fields.map((field) => [field.path, field]));

  const suggestion = (header: string): string => {
    const key = normalizeHeader(header);
    let best: { name: string; d: number } | undefined;
    for (const field of fields) {
      for (const name of [field.header, field.path]) {
        const d = distance(key, normalizeHeader(name));
        if (!best || d < best.d) best = { name, d };
      }
    }
    return best && best.d <= Math.max(1, Math.floor([...key].length / 3)) ? `；是不是“${best.name}”？` : '';
  };

  const matchPath = (header: string): HeaderMatch => {
    const segments = header.split('.');
    if (segments.some((s) => s === '')) return { kind: 'unknown', problem: `“${header}”不是本模板的列${suggestion(header)}` };
    const field = byPath.get(header);
    if (field) return { kind: 'field', field };
    const list = byPath.get(segments.slice(0, -1).join('.'));
    const last = segments[segments.length - 1];
    if (list?.kind === 'list' && INDEX.test(last)) return { kind: 'entry', field: list, index: Number(last) };
    const node = schemaAt(schema, segments);
    if (!node) return { kind: 'unknown', problem: `“${header}”不是本模板的列${suggestion(header)}` };
    if (isGroupNode(node) && !isListNode(node)) {
      const first = fields.find((f) => f.path.startsWith(`${header}.`));
      return { kind: 'unknown', problem: `“${header}”是一组字段，请每个字段一列${first ? `，如“${first.header}”（${first.path}）` : ''}` };
    }
    return { kind: 'path', segments };
  };

  return Object.freeze({
    fields: Object.freeze(fields),
    match(header: string): HeaderMatch {
      const text = header.trim();
      const key = normalizeHeader(text);
      if (isIdHeader(key)) return { kind: 'id' };
      // Dotted paths are JSON keys: matched as written, after the Chinese headers.
      return byKey.get(key) ?? matchPath(text);
    },
    fieldAt(pointer: string): FieldColumn | undefined {
      const parts = pointer.split('/');
      for (let n = parts.length; n > 1; n--) {
        const field = byPointer.get(parts.slice(0, n).join('/'));
        if (field) return field;
      }
      return undefined;
    },
    fieldsUnder(pointer: string): FieldColumn[] {
      return fields.filter((field) => field.pointer.startsWith(`${pointer}/`));
    },
  });
}

const cache = new WeakMap<object, SheetColumns>();

/** The columns of a template, computed once per schema object. */
export function fieldColumns(schema: SchemaNode): SheetColumns {
  let columns = cache.get(schema);
  if (!columns) {
    columns = buildColumns(schema);
    cache.set(schema, columns);
  }
  return columns;
}

const formatNumber = (n: number): string => String(n);

/** The allowed values of a column in words, for the header's note, the input message and messages: `-100 至 100`. */
export function rangeText(field: Pick<FieldColumn, 'kind' | 'bounds' | 'entry'>): string {
  const { bounds } = field;
  if (field.kind === 'list') {
    const { minItems, maxItems } = bounds;
    const count =
      minItems !== undefined && maxItems !== undefined
        ? minItems === maxItems
          ? `${minItems} 项`
          : `${minItems} 至 ${maxItems} 项`
        : minItems !== undefined
          ? `至少 ${minItems} 项`
          : maxItems !== undefined
            ? `最多 ${maxItems} 项`
            : '若干项';
    const each = field.entry ? rangeText({ kind: field.entry.kind, bounds: field.entry.bounds, entry: undefined }) : '';
    return `${count}，用“、”分隔${each ? `；每项 ${each}` : ''}`;
  }
  if (bounds.enum) return `可选：${bounds.enum.map(String).join('、')}`;
  if (field.kind === 'boolean') return '是 或 否';
  if (field.kind === 'date') return '日期，如 2024-12-31';
  if (field.kind === 'integer' || field.kind === 'number') {
    const low = bounds.minimum !== undefined ? { n: bounds.minimum, open: false } : bounds.exclusiveMinimum !== undefined ? { n: bounds.exclusiveMinimum, open: true } : undefined;
    const high = bounds.maximum !== undefined ? { n: bounds.maximum, open: false } : bounds.exclusiveMaximum !== undefined ? { n: bounds.exclusiveMaximum, open: true } : undefined;
    const kind = field.kind === 'integer' ? '整数' : '数字';
    if (low && high && !low.open && !high.open) return `${kind}，${formatNumber(low.n)} 至 ${formatNumber(high.n)}`;
    const parts = [
      low ? `${low.open ? '大于' : '不小于'} ${formatNumber(low.n)}` : undefined,
      high ? `${high.open ? '小于' : '不大于'} ${formatNumber(high.n)}` : undefined,
    ].filter(Boolean);
    return parts.length > 0 ? `${kind}，${parts.join('，')}` : kind;
  }
  const { minLength, maxLength } = bounds;
  if (minLength !== undefined && maxLength !== undefined) return minLength === maxLength ? `${minLength} 个字` : `${minLength} 至 ${maxLength} 个字`;
  if (maxLength !== undefined) return `最多 ${maxLength} 个字`;
  if (minLength !== undefined) return `至少 ${minLength} 个字`;
  return '文字';
}
