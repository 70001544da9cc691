/**
 * Spreadsheet rows → report data. A CSV has an `id` column and one column per field, named by
 * its dotted path in the template's schema (`economy.gdp`, `county.name`). Cells are text; the
 * schema says what each field is, so `386.42` becomes a number where the schema wants a number and
 * stays text where it wants text (a county code like `007` keeps its zeros).
 *
 * - Numbers may be written as a spreadsheet shows them: `1,234.5`, full-width `１２３`, `－2.4`.
 *   A cell that still is not a number is passed on as text, so schema validation names the field.
 * - A list of names (e.g. `investment.centralEnterprises`) is one cell separated by 、 or ;, or
 *   one column per entry with a 0-based index (`investment.centralEnterprises.0`, `.1`).
 * - An empty cell means "not given": the field is left out, and the schema says if it is required.
 *
 * Step Functions' CSV item reader hands the Lambda the same rows as objects, so both go through here.
 */

type SchemaNode = Readonly<Record<string, unknown>>;

/** The column holding the item id; every other column is a field. */
export const ID_COLUMN = 'id';

const MAX_REF_DEPTH = 32;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/$defs/…`), merging the referring node's own keywords over the target. */
function resolveRefs(node: unknown, root: SchemaNode, depth = 0): SchemaNode | undefined {
  if (!isObject(node)) return undefined;
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#') || depth > MAX_REF_DEPTH) return node;
  let target: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObject(target) ? target[key] : undefined;
  }
  const resolved = resolveRefs(target, root, depth + 1) ?? {};
  const { $ref: _ref, ...own } = node;
  return { ...resolved, ...own };
}

function typesOf(node: SchemaNode): string[] {
  const type = node.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

const INDEX = /^(0|[1-9]\d{0,5})$/;

/** The schema of the field a dotted column names, or undefined when the schema has no such field. */
function fieldSchema(schema: SchemaNode, segments: readonly string[]): SchemaNode | undefined {
  let node = resolveRefs(schema, schema);
  for (const segment of segments) {
    if (!node) return undefined;
    const types = typesOf(node);
    if (types.includes('array') || node.items !== undefined) {
      if (!INDEX.test(segment)) return undefined;
      const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : [];
      node = resolveRefs(prefix[Number(segment)] ?? node.items, schema);
    } else {
      const properties = isObject(node.properties) ? node.properties : {};
      const child = Object.prototype.hasOwnProperty.call(properties, segment) ? properties[segment] : undefined;
      node = resolveRefs(child ?? (isObject(node.additionalProperties) ? node.additionalProperties : undefined), schema);
    }
  }
  return node;
}

/**
 * Why a column cannot be mapped onto the schema, or undefined when it can. Used to reject a CSV
 * file with a misspelt header once, instead of failing every row with the same message.
 */
export function csvColumnProblem(column: string, schema: SchemaNode): string | undefined {
  if (column === ID_COLUMN) return undefined;
  const segments = column.split('.');
  if (segments.some((s) => s === '')) return `column "${column}" is not a dotted field path such as economy.gdp`;
  const node = fieldSchema(schema, segments);
  if (!node) return `column "${column}" is not a field of this template; check its spelling against the schema`;
  const types = typesOf(node);
  if (types.includes('object') || (types.length === 0 && isObject(node.properties))) {
    return `column "${column}" names a group of fields; use one column per field, e.g. ${column}.${Object.keys(node.properties ?? {})[0] ?? 'name'}`;
  }
  return undefined;
}

/** Spreadsheet spellings of a number → the number, or undefined when the text is not one. */
export function parseCellNumber(text: string): number | undefined {
  // NFKC folds full-width digits, signs and the full-width point; U+2212 is the typographic minus.
  const s = text.normalize('NFKC').replace(/\u2212/g, '-').trim();
  if (!/^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$/.test(s)) return undefined;
  const value = Number(s.replace(/,/g, ''));
  return Number.isFinite(value) ? value : undefined;
}

/** One cell's text as the type the schema asks for; text that does not fit stays text. */
function coerce(text: string, node: SchemaNode | undefined, schema: SchemaNode): unknown {
  const types = node ? typesOf(node) : [];
  if (types.includes('array')) {
    const items = resolveRefs(node?.items, schema);
    return text
      .split(/[、;；]/)
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => coerce(part, items, schema));
  }
  if (types.includes('integer') || types.includes('number')) {
    const value = parseCellNumber(text);
    if (value !== undefined) return value;
  }
  if (types.includes('boolean')) {
    const lower = text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return text;
}

function setPath(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
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
function withoutHoles(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(withoutHoles);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutHoles(v)]));
  return value;
}

export interface CsvRowData {
  readonly data: Record<string, unknown>;
  /** Columns the schema does not know; their cells are left out of `data`. */
  readonly unknownColumns: readonly string[];
}

/** One row (column → cell) as report data shaped by the template's schema. */
export function csvRowToData(row: Readonly<Record<string, unknown>>, schema: SchemaNode): CsvRowData {
  const data: Record<string, unknown> = {};
  const unknownColumns: string[] = [];
  for (const [column, cell] of Object.entries(row)) {
    if (column === ID_COLUMN) continue;
    if (csvColumnProblem(column, schema) !== undefined) {
      unknownColumns.push(column);
      continue;
    }
    if (cell === undefined || cell === null) continue;
    const segments = column.split('.');
    if (typeof cell === 'string') {
      const text = cell.trim();
      if (text === '') continue;
      setPath(data, segments, coerce(text, fieldSchema(schema, segments), schema));
    } else {
      // Rows given as JSON (a Lambda event) may already carry numbers.
      setPath(data, segments, cell);
    }
  }
  return { data: withoutHoles(data) as Record<string, unknown>, unknownColumns };
}
