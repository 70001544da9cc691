/**
 * The static types view.json is checked with when a template loads: what a data path holds
 * (read from the template's JSON Schema, through `$ref`s and lists), what a formatter takes and
 * gives, and what the view hands template.html. A value may also be *absent* (an optional field
 * left out); that is tracked beside the type, in `Typed.optional`.
 */

export type StaticType =
  | { readonly kind: 'number'; readonly integer: boolean; readonly min: number; readonly max: number }
  | { readonly kind: 'string'; readonly format?: string; readonly values?: readonly string[] }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'list'; readonly item: StaticType; readonly minItems: number; readonly maxItems: number }
  | { readonly kind: 'object'; readonly fields: ReadonlyMap<string, Typed> }
  /** Whatever the schema does not pin down (no `type`, `anyOf`…): checked when the value arrives. */
  | { readonly kind: 'any' };

export interface Typed {
  readonly type: StaticType;
  /** The value may be absent: an optional field, a list element past `minItems`, a `null`. */
  readonly optional: boolean;
}

export const ANY: StaticType = { kind: 'any' };
export const STRING: StaticType = { kind: 'string' };
export const NUMBER: StaticType = { kind: 'number', integer: false, min: -Infinity, max: Infinity };

export const integerBetween = (min: number, max: number): StaticType => ({ kind: 'number', integer: true, min, max });
export const listOf = (item: StaticType, minItems = 0, maxItems = Infinity): StaticType => ({ kind: 'list', item, minItems, maxItems });
export const objectOf = (fields: Record<string, StaticType | Typed>): StaticType => ({
  kind: 'object',
  fields: new Map(Object.entries(fields).map(([name, t]) => [name, 'kind' in t ? { type: t, optional: false } : t])),
});

/** In words, for messages: "a number from -100 to 100", "a list of strings". */
export function describeType(type: StaticType): string {
  switch (type.kind) {
    case 'number': {
      const what = type.integer ? 'an integer' : 'a number';
      if (type.min === -Infinity && type.max === Infinity) return what;
      if (type.max === Infinity) return `${what} from ${type.min}`;
      if (type.min === -Infinity) return `${what} up to ${type.max}`;
      return `${what} from ${type.min} to ${type.max}`;
    }
    case 'string':
      return type.values ? `one of ${type.values.map((v) => `'${v}'`).join(', ')}` : type.format ? `a string (format ${type.format})` : 'a string';
    case 'boolean':
      return 'true or false';
    case 'list':
      return `a list of ${describeType(type.item).replace(/^an? /, '').replace(/^(number|integer|string|list|object)\b/, '$1s')}`;
    case 'object':
      return `an object (${[...type.fields.keys()].slice(0, 6).join(', ')}${type.fields.size > 6 ? ', …' : ''})`;
    case 'any':
      return 'any value';
  }
}

// ── JSON Schema → static types ──────────────────────────────────────────────────────────────────

type Schema = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Recursive schemas (a tree of sections) are typed this deep, and `any` below. */
const MAX_SCHEMA_DEPTH = 24;

/**
 * Follows a local `$ref` (`#/$defs/…`) and merges the referring node's own keywords over it, as
 * 2020-12 applies both: `{"$ref": "#/$defs/count", "title": …}`, `{"type": "string", "maxLength":
 * 30, "$ref": "#/$defs/plainText"}`.
 */
function resolve(node: unknown, root: Schema, depth: number): Schema | undefined {
  if (!isObject(node)) return undefined;
  const ref = node.$ref;
  if (typeof ref !== 'string' || depth > MAX_SCHEMA_DEPTH) return node;
  if (!ref.startsWith('#')) return { ...node, $ref: undefined, type: undefined };
  let target: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObject(target) ? target[key] : undefined;
  }
  const { $ref: _ref, ...own } = node;
  return { ...(resolve(target, root, depth + 1) ?? {}), ...own };
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);

/** What a value valid against `node` is, as far as the view needs to know. */
export function typeOfSchema(node: unknown, root: Schema, depth = 0): Typed {
  const schema = resolve(node, root, depth);
  if (!schema || depth > MAX_SCHEMA_DEPTH) return { type: ANY, optional: false };
  const declared = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : [];
  const nullable = declared.includes('null');
  let types = declared.filter((t) => t !== 'null');
  if (types.length === 0) {
    // Untyped but unmistakable nodes.
    if (isObject(schema.properties)) types = ['object'];
    else if (schema.items !== undefined) types = ['array'];
    else if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((v) => typeof v === 'string')) types = ['string'];
    else if (typeof schema.const === 'string') types = ['string'];
  }
  const typed = (type: StaticType): Typed => ({ type, optional: nullable });
  // Untyped (or several types): anything may arrive, null included, so it may be absent too.
  if (types.length !== 1) return { type: ANY, optional: true };
  switch (types[0]) {
    case 'integer':
    case 'number': {
      const min = Math.max(numberOr(schema.minimum, -Infinity), numberOr(schema.exclusiveMinimum, -Infinity));
      const max = Math.min(numberOr(schema.maximum, Infinity), numberOr(schema.exclusiveMaximum, Infinity));
      return typed({ kind: 'number', integer: types[0] === 'integer', min, max });
    }
    case 'string': {
      const values = Array.isArray(schema.enum) ? schema.enum.filter((v): v is string => typeof v === 'string') : typeof schema.const === 'string' ? [schema.const] : undefined;
      return typed({ kind: 'string', ...(typeof schema.format === 'string' ? { format: schema.format } : {}), ...(values ? { values } : {}) });
    }
    case 'boolean':
      return typed({ kind: 'boolean' });
    case 'array': {
      const item = schema.items === undefined ? ANY : typeOfSchema(schema.items, root, depth + 1).type;
      return typed(listOf(item, numberOr(schema.minItems, 0), numberOr(schema.maxItems, Infinity)));
    }
    case 'object': {
      const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
      const fields = new Map<string, Typed>();
      for (const [name, child] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
        const field = typeOfSchema(child, root, depth + 1);
        fields.set(name, { type: field.type, optional: field.optional || !required.has(name) });
      }
      return typed({ kind: 'object', fields });
    }
    default:
      return typed(ANY);
  }
}

// ── Combining types ─────────────────────────────────────────────────────────────────────────────

/** The type of a list whose elements have these types (array literals in view.json). */
export function unionOf(types: readonly Typed[]): Typed {
  if (types.length === 0) return { type: ANY, optional: false };
  const optional = types.some((t) => t.optional);
  const [first, ...rest] = types.map((t) => t.type);
  let type: StaticType = first;
  for (const next of rest) type = union2(type, next);
  return { type, optional };
}

function union2(a: StaticType, b: StaticType): StaticType {
  if (a.kind === 'number' && b.kind === 'number') {
    return { kind: 'number', integer: a.integer && b.integer, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
  }
  if (a.kind === 'string' && b.kind === 'string') {
    const values = a.values && b.values ? [...new Set([...a.values, ...b.values])] : undefined;
    return { kind: 'string', ...(a.format === b.format && a.format ? { format: a.format } : {}), ...(values ? { values } : {}) };
  }
  if (a.kind === 'boolean' && b.kind === 'boolean') return a;
  if (a.kind === 'list' && b.kind === 'list') {
    return listOf(union2(a.item, b.item), Math.min(a.minItems, b.minItems), Math.max(a.maxItems, b.maxItems));
  }
  if (a.kind === 'object' && b.kind === 'object') {
    // A field only some elements have is optional in the list's item type.
    const fields = new Map<string, Typed>();
    for (const name of new Set([...a.fields.keys(), ...b.fields.keys()])) {
      const fa = a.fields.get(name);
      const fb = b.fields.get(name);
      fields.set(name, fa && fb ? { type: union2(fa.type, fb.type), optional: fa.optional || fb.optional } : { ...(fa ?? fb)!, optional: true });
    }
    return { kind: 'object', fields };
  }
  return ANY;
}
