/**
 * Compiles a template's view.json against its JSON Schema into a function from validated report
 * data to the view template.html renders, plus the PDF metadata and the declared page range.
 *
 * Everything that can be checked without data is checked here, once, when the template loads:
 * the file's structure, every data path against the schema, every formatter call against the
 * library's declarations (formatters.ts), every chart's rows. Problems come back together, each
 * with the view.json line to look at, so an author fixes a template in one pass. What only data
 * can tell (a value the schema left untyped) is checked when it arrives and refused as bad data.
 *
 * Optional data: a value may be absent (`undefined` here). A call with an absent argument, a
 * text with an absent part and a list or chart over an absent list are absent themselves; absent
 * members are left out of objects and lists. Mustache's `{{#x}}…{{/x}}` then drops the section, so
 * a template's optional sections vanish cleanly without a line of code (docs/templates.md).
 */
import { layoutChart, CHART_KINDS, type ChartKind, type ChartRow } from '../charts/layoutChart';
import { DataValidationError } from '../errors';
import type { ErrorDetail } from '../errors';
import { escapePointerSegment as escapePointer, pointerOf } from '../jsonPointer';
import { FORMATTERS, type Formatter, type Param } from './formatters';
import { JsonSyntaxError, parseJsonWithLines } from './parseJsonWithLines';
import { parseViewText, ViewTextError, type Expr } from './parseViewText';
import { ANY, describeType, listOf, NUMBER, STRING, typeOfSchema, unionOf, type StaticType, type Typed } from './viewTypes';

/** A problem in view.json: the line to look at and what is wrong. */
export interface ViewProblem {
  readonly line: number;
  readonly message: string;
}

/** PDF metadata as view.json declares it, evaluated for one report. */
export interface ViewMeta {
  readonly title?: string;
  readonly author?: string;
  readonly subject?: string;
  readonly keywords?: readonly string[];
}

export interface PageRange {
  readonly min: number;
  readonly max: number;
}

export interface CompiledView {
  /** The page count every valid input must print within (checked by the tests for every sample). */
  readonly pages: PageRange;
  /** The view and metadata for data that has passed the template's schema. */
  render(data: unknown): { view: Record<string, unknown>; meta: ViewMeta };
}

export type CompileResult = { readonly view: CompiledView; readonly problems?: undefined } | { readonly view?: undefined; readonly problems: readonly ViewProblem[] };

/** Page ranges are sanity-checked against this; MAX_PAGES caps real renders. */
const MAX_DECLARED_PAGES = 1000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOP_LEVEL = ['pages', 'meta', 'view'];
const META_FIELDS = ['title', 'author', 'subject', 'keywords'];
const CHART_FIELDS = ['chart', 'title', 'rows', 'series', 'unit', 'decimals', 'width', 'height'];
const EACH_FIELDS = ['each', 'as', 'index', 'item'];

type Scope = { readonly data: unknown; readonly vars: ReadonlyMap<string, unknown> };
type Evaluate = (scope: Scope) => unknown;
interface Compiled {
  readonly run: Evaluate;
  readonly type: Typed;
}

interface Context {
  readonly root: Typed;
  readonly vars: ReadonlyMap<string, Typed>;
  readonly report: (pointer: string, message: string) => void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isComment = (key: string): boolean => key.startsWith('$comment');
const fieldsOf = (value: Record<string, unknown>): string[] => Object.keys(value).filter((key) => !isComment(key));
const member = (pointer: string, key: string | number): string => `${pointer}/${escapePointer(String(key))}`;
const typed = (type: StaticType, optional = false): Typed => ({ type, optional });
/** Never reached at run time: used where compilation already failed. */
const ABSENT: Compiled = { run: () => undefined, type: typed(ANY, true) };

/** A typo's likely intent, for "did you mean". */
function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  // Two edits (a swapped pair of letters) for names of four letters or more, one for shorter ones.
  return best !== undefined && bestDistance <= (name.length >= 4 ? Math.max(2, Math.floor(name.length / 3)) : 1) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

const didYouMean = (name: string, candidates: Iterable<string>): string => {
  const guess = closest(name, candidates);
  return guess ? ` Did you mean ${guess}?` : '';
};

// ── Expressions ─────────────────────────────────────────────────────────────────────────────────

function describeExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'path':
      return expr.names.join('.');
    case 'literal':
      return typeof expr.value === 'string' ? `'${expr.value}'` : String(expr.value);
    case 'list':
      return `[${expr.items.map(describeExpr).join(', ')}]`;
    case 'call':
      return `${expr.name}(…)`;
  }
}

/** The JSON pointer into the report data of a path from the data root, for error details. */
function dataPointer(expr: Expr, ctx: Context): string | undefined {
  if (expr.kind !== 'path' || ctx.vars.has(expr.names[0])) return undefined;
  return pointerOf(expr.names);
}

function compilePath(names: readonly string[], pointer: string, ctx: Context): Compiled {
  const [first, ...rest] = names;
  let current: Typed;
  const fromVariable = ctx.vars.has(first);
  if (fromVariable) {
    current = ctx.vars.get(first)!;
  } else if (ctx.root.type.kind === 'object') {
    const field = ctx.root.type.fields.get(first);
    if (!field) {
      const known = [...ctx.root.type.fields.keys(), ...ctx.vars.keys()];
      ctx.report(pointer, `${first} is not a field of the data (schema.json) nor a name bound by each.${didYouMean(first, known)}`);
      return ABSENT;
    }
    current = field;
  } else {
    current = ctx.root;
  }
  let walked = first;
  for (const name of rest) {
    if (current.type.kind === 'object') {
      const field = current.type.fields.get(name);
      if (!field) {
        ctx.report(pointer, `${walked} has no field ${name}; its fields are ${[...current.type.fields.keys()].join(', ')}.${didYouMean(name, current.type.fields.keys())}`);
        return ABSENT;
      }
      current = { type: field.type, optional: current.optional || field.optional };
    } else if (current.type.kind === 'any') {
      current = typed(ANY, true);
    } else {
      ctx.report(pointer, `${walked} is ${describeType(current.type)}; it has no field ${name}.`);
      return ABSENT;
    }
    walked += `.${name}`;
  }
  const run: Evaluate = (scope) => {
    let value: unknown = fromVariable ? scope.vars.get(first) : isObject(scope.data) && Object.hasOwn(scope.data, first) ? scope.data[first] : undefined;
    for (const name of rest) {
      value = isObject(value) && Object.hasOwn(value, name) ? value[name] : undefined;
    }
    // null is how JSON says "no value": the same as leaving the field out.
    return value === null ? undefined : value;
  };
  return { run, type: current };
}

/** Whether a value of static type `type` is acceptable for `param`; a message when not. */
function checkParam(param: Param, type: StaticType, expr: Expr, usage: string): string | undefined {
  const what = `${describeExpr(expr)} is ${describeType(type)}`;
  if (type.kind === 'any') {
    // A wording from a fixed list must be written in the template, whatever the data holds.
    if (param.values && expr.kind !== 'literal') return `${param.name} must be one of ${param.values.map((v) => `'${v}'`).join(', ')}, written as a literal: ${usage}`;
    return undefined; // the rest is checked when the value arrives
  }
  switch (param.kind) {
    case 'number':
      if (type.kind !== 'number') return `${param.name} must be a number, but ${what}: ${usage}`;
      break;
    case 'integer':
      if (type.kind !== 'number') return `${param.name} must be an integer, but ${what}: ${usage}`;
      if (!type.integer) return `${param.name} must be an integer, but ${what} that may have decimals (give the schema field "type": "integer", or use quantity() or fixed()): ${usage}`;
      break;
    case 'string':
      if (type.kind !== 'string') return `${param.name} must be a text, but ${what}: ${usage}`;
      break;
    case 'strings':
      if (type.kind !== 'list' || (type.item.kind !== 'string' && type.item.kind !== 'any')) return `${param.name} must be a list of texts, but ${what}: ${usage}`;
      break;
    case 'list':
      if (type.kind !== 'list') return `${param.name} must be a list, but ${what}: ${usage}`;
      break;
    case 'any':
      break;
  }
  if (param.values) {
    const allowed = param.values.map((v) => `'${v}'`).join(', ');
    if (expr.kind === 'literal') {
      if (!param.values.includes(String(expr.value))) return `${param.name} must be one of ${allowed}, not ${describeExpr(expr)}: ${usage}`;
    } else if (type.kind !== 'string' || !type.values || !type.values.every((v) => param.values!.includes(v))) {
      return `${param.name} must be one of ${allowed}, written as a literal: ${usage}`;
    }
  }
  if (param.range && type.kind === 'number') {
    const [min, max] = param.range;
    const literal = expr.kind === 'literal' ? Number(expr.value) : undefined;
    const low = literal ?? type.min;
    const high = literal ?? type.max;
    if (low < min || high > max) {
      const bounds = literal !== undefined ? `is ${literal}` : `can be anything from ${type.min} to ${type.max}`;
      return `${param.name} takes ${min} to ${max}, but ${describeExpr(expr)} ${bounds}${literal === undefined ? ' (bound it in schema.json with minimum/maximum or maxItems)' : ''}: ${usage}`;
    }
  }
  return undefined;
}

/** What a parameter takes, in words, for a message about a value that arrived. */
function describeParam(param: Param): string {
  const kind = { number: 'a number', integer: 'an integer', string: 'a text', strings: 'a list of texts', list: 'a list', any: 'any value' }[param.kind];
  if (param.values) return `one of ${param.values.map((v) => `'${v}'`).join(', ')}`;
  return param.range ? `${kind} from ${param.range[0]} to ${param.range[1]}` : kind;
}

/** Checks a value the schema left untyped when it arrives, as the static check would have. */
function matchesParam(param: Param, value: unknown): boolean {
  switch (param.kind) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value) && (!param.range || ((value as number) >= param.range[0] && (value as number) <= param.range[1]));
    case 'string':
      return typeof value === 'string' && (!param.values || param.values.includes(value));
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'list':
      return Array.isArray(value);
    case 'any':
      return true;
  }
}

function compileCall(expr: Extract<Expr, { kind: 'call' }>, pointer: string, ctx: Context): Compiled {
  const formatter: Formatter | undefined = Object.hasOwn(FORMATTERS, expr.name) ? FORMATTERS[expr.name] : undefined;
  if (!formatter) {
    ctx.report(pointer, `unknown formatter ${expr.name}().${didYouMean(expr.name, Object.keys(FORMATTERS))} The formatters are ${Object.keys(FORMATTERS).join(', ')} (docs/templates.md).`);
    return ABSENT;
  }
  let failed = false;
  const fail = (message: string): void => {
    failed = true;
    ctx.report(pointer, `${expr.name}(): ${message}`);
  };
  if (expr.args.length !== formatter.params.length) {
    fail(`takes ${formatter.params.length} argument(s) before its named options, got ${expr.args.length}: ${formatter.usage}`);
    return ABSENT;
  }
  const args = expr.args.map((arg) => compileExpr(arg, pointer, ctx));
  formatter.params.forEach((param, i) => {
    const problem = checkParam(param, args[i].type.type, expr.args[i], formatter.usage);
    if (problem) fail(problem);
  });
  const options = new Map<string, Compiled>();
  for (const option of expr.options) {
    const param = formatter.options.find((p) => p.name === option.name);
    if (!param) {
      const known = formatter.options.map((p) => `${p.name}:`).join(', ') || 'none';
      fail(`has no option ${option.name}: (its options: ${known}): ${formatter.usage}`);
      continue;
    }
    const compiled = compileExpr(option.value, pointer, ctx);
    const problem = checkParam(param, compiled.type.type, option.value, formatter.usage);
    if (problem) fail(problem);
    if (compiled.type.optional) fail(`option ${option.name}: may be absent here; wrap it in default(…, …)`);
    options.set(option.name, compiled);
  }
  for (const param of formatter.options) {
    if (param.fallback === undefined && !options.has(param.name)) fail(`needs the option ${param.name}: ${formatter.usage}`);
  }
  if (failed) return ABSENT;

  const first = args[0]?.type.type;
  const mayBeEmpty = formatter.absentWhenEmpty === true && (first?.kind !== 'list' || first.minItems === 0);
  const optional = formatter.takesAbsent ? args[1].type.optional : mayBeEmpty || args.some((a) => a.type.optional);
  const type = typed(formatter.result(args.map((a) => a.type)), optional);
  const origin = dataPointer(expr.args[0], ctx);
  const optionEntries = formatter.options.map((param) => {
    const given = expr.options.find((o) => o.name === param.name);
    return { param, compiled: options.get(param.name), origin: given ? dataPointer(given.value, ctx) : undefined };
  });
  // The schema let the value through, but it cannot be printed: the data's problem, named by field.
  const refuse = (path: string | undefined, reason: string): never => {
    const detail: ErrorDetail = { path: path ?? '', message: `cannot be printed by ${expr.name}(): ${reason}` };
    throw new DataValidationError(`The report data cannot be printed: ${detail.path || '/'}.`, { details: [detail] });
  };
  const shown = (value: unknown): string => JSON.stringify(value)?.slice(0, 40) ?? String(value);
  const run: Evaluate = (scope) => {
    const values = args.map((a) => a.run(scope));
    if (!formatter.takesAbsent && values.some((v) => v === undefined)) return undefined;
    if (formatter.absentWhenEmpty && Array.isArray(values[0]) && values[0].length === 0) return undefined;
    formatter.params.forEach((param, i) => {
      if (values[i] !== undefined && !matchesParam(param, values[i])) refuse(dataPointer(expr.args[i], ctx), `${param.name} must be ${describeParam(param)}, got ${shown(values[i])}`);
    });
    const named: Record<string, unknown> = {};
    for (const { param, compiled, origin: at } of optionEntries) {
      const value = compiled ? compiled.run(scope) : param.fallback;
      // Options the schema left untyped are checked here, as their static check would have.
      if (value === undefined || !matchesParam(param, value)) refuse(at, `${param.name}: must be ${describeParam(param)}, got ${value === undefined ? 'nothing' : shown(value)}`);
      named[param.name] = value;
    }
    try {
      return formatter.run(values, named);
    } catch (error) {
      return refuse(origin, (error as Error).message);
    }
  };
  return { run, type };
}

function compileExpr(expr: Expr, pointer: string, ctx: Context): Compiled {
  switch (expr.kind) {
    case 'path':
      return compilePath(expr.names, pointer, ctx);
    case 'literal': {
      const value = expr.value;
      const type: StaticType =
        typeof value === 'number'
          ? { kind: 'number', integer: Number.isInteger(value), min: value, max: value }
          : typeof value === 'string'
            ? { kind: 'string', values: [value] }
            : { kind: 'boolean' };
      return { run: () => value, type: typed(type) };
    }
    case 'list': {
      const items = expr.items.map((item) => compileExpr(item, pointer, ctx));
      const item = unionOf(items.map((i) => i.type));
      return {
        run: (scope) => items.map((i) => i.run(scope)).filter((v) => v !== undefined),
        type: typed(listOf(item.type, items.filter((i) => !i.type.optional).length, items.length)),
      };
    }
    case 'call':
      return compileCall(expr, pointer, ctx);
  }
}

// ── Nodes ───────────────────────────────────────────────────────────────────────────────────────

function compileText(source: string, pointer: string, ctx: Context): Compiled {
  let parsed;
  try {
    parsed = parseViewText(source);
  } catch (error) {
    if (!(error instanceof ViewTextError)) throw error;
    ctx.report(pointer, error.message);
    return ABSENT;
  }
  if (parsed.whole) return compileExpr(parsed.whole, pointer, ctx);
  let optional = false;
  const parts = parsed.parts.map((part): Evaluate => {
    if (typeof part === 'string') return () => part;
    const compiled = compileExpr(part, pointer, ctx);
    const type = compiled.type.type;
    optional ||= compiled.type.optional;
    if (type.kind === 'number' && !type.integer) {
      ctx.report(pointer, `${describeExpr(part)} is ${describeType(type)}; format it for print, e.g. \${fixed(${describeExpr(part)}, 1)} or \${amount(${describeExpr(part)}, '亿元')}.`);
    } else if (type.kind !== 'string' && type.kind !== 'number' && type.kind !== 'any') {
      ctx.report(pointer, `${describeExpr(part)} is ${describeType(type)}, which cannot be printed inside a text${type.kind === 'list' ? '; join it, e.g. ${join(…)} or ${joinAnd(…)}' : ''}.`);
    }
    return (scope) => {
      const value = compiled.run(scope);
      if (value === undefined || typeof value === 'string') return value;
      if (Number.isInteger(value)) return String(value);
      throw new DataValidationError('The report data cannot be printed.', {
        details: [{ path: dataPointer(part, ctx) ?? '', message: `is ${JSON.stringify(value)?.slice(0, 40)}, where a text or a whole number is printed` }],
      });
    };
  });
  const run: Evaluate = (scope) => {
    let out = '';
    for (const part of parts) {
      const value = part(scope);
      if (value === undefined) return undefined;
      out += value as string;
    }
    return out;
  };
  return { run, type: typed(STRING, optional) };
}

function compileEach(node: Record<string, unknown>, pointer: string, ctx: Context): Compiled {
  for (const key of fieldsOf(node)) {
    if (!EACH_FIELDS.includes(key)) ctx.report(member(pointer, key), `"${key}" is not a member of an each node; it has each, as, index (optional) and item.`);
  }
  const name = node.as;
  const indexName = node.index;
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    ctx.report(pointer, 'an each node needs "as": the name each element is called by in item, e.g. "as": "row".');
    return ABSENT;
  }
  if (indexName !== undefined && (typeof indexName !== 'string' || !IDENTIFIER.test(indexName) || indexName === name)) {
    ctx.report(member(pointer, 'index'), '"index" must be a name (letters, digits, _) other than the "as" name.');
    return ABSENT;
  }
  for (const bound of [name, indexName]) {
    if (typeof bound === 'string' && ctx.root.type.kind === 'object' && ctx.root.type.fields.has(bound)) {
      ctx.report(pointer, `"${bound}" is also a field of the data; choose another name, so ${bound}.… is not ambiguous.`);
    }
  }
  if (typeof node.each !== 'string') {
    ctx.report(member(pointer, 'each'), 'each must be a list expression, e.g. "each": "${economy.products}".');
    return ABSENT;
  }
  if (!('item' in node)) {
    ctx.report(pointer, 'an each node needs "item": what each element becomes.');
    return ABSENT;
  }
  const list = compileText(node.each, member(pointer, 'each'), ctx);
  if (list.type.type.kind !== 'list' && list.type.type.kind !== 'any') {
    ctx.report(member(pointer, 'each'), `each must be given a list, but it is ${describeType(list.type.type)}.`);
    return ABSENT;
  }
  const itemType = list.type.type.kind === 'list' ? list.type.type.item : ANY;
  const vars = new Map(ctx.vars);
  vars.set(name, typed(itemType));
  if (typeof indexName === 'string') vars.set(indexName, typed({ kind: 'number', integer: true, min: 1, max: list.type.type.kind === 'list' ? list.type.type.maxItems : Infinity }));
  const item = compileNode(node.item, member(pointer, 'item'), { ...ctx, vars });
  const listType = list.type.type;
  const run: Evaluate = (scope) => {
    const values = list.run(scope);
    if (values === undefined) return undefined;
    if (!Array.isArray(values)) throw new DataValidationError('The report data cannot be printed.', { details: [{ path: '', message: 'each was given something that is not a list' }] });
    const out: unknown[] = [];
    values.forEach((value, i) => {
      const itemVars = new Map(scope.vars);
      itemVars.set(name, value);
      if (typeof indexName === 'string') itemVars.set(indexName, i + 1);
      const result = item.run({ data: scope.data, vars: itemVars });
      if (result !== undefined) out.push(result);
    });
    return out;
  };
  const minItems = listType.kind === 'list' && !item.type.optional ? listType.minItems : 0;
  return { run, type: typed(listOf(item.type.type, minItems, listType.kind === 'list' ? listType.maxItems : Infinity), list.type.optional) };
}

function literalNumber(node: Record<string, unknown>, key: string, pointer: string, ctx: Context, min: number, max: number, integer: boolean): number | undefined {
  const value = node[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || value < min || value > max || (integer && !Number.isInteger(value))) {
    ctx.report(member(pointer, key), `${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, written as a number.`);
    return undefined;
  }
  return value;
}

function compileChart(node: Record<string, unknown>, pointer: string, ctx: Context): Compiled {
  for (const key of fieldsOf(node)) {
    if (!CHART_FIELDS.includes(key)) ctx.report(member(pointer, key), `"${key}" is not a member of a chart; a chart has ${CHART_FIELDS.join(', ')}.${didYouMean(key, CHART_FIELDS)}`);
  }
  const kind = node.chart;
  if (typeof kind !== 'string' || !(CHART_KINDS as readonly string[]).includes(kind)) {
    ctx.report(member(pointer, 'chart'), `chart must be one of ${CHART_KINDS.map((k) => `"${k}"`).join(', ')}.`);
    return ABSENT;
  }
  if (typeof node.title !== 'string') {
    ctx.report(pointer, 'a chart needs a "title": its accessible name, e.g. "主要经济指标增速（%）".');
    return ABSENT;
  }
  if (node.rows === undefined) {
    ctx.report(pointer, 'a chart needs "rows": a list of { "label": …, "value": … } (or "values" with "series").');
    return ABSENT;
  }
  const title = compileText(node.title, member(pointer, 'title'), ctx);
  const unit = typeof node.unit === 'string' ? compileText(node.unit, member(pointer, 'unit'), ctx) : { run: () => '', type: typed(STRING) };
  if (node.unit !== undefined && typeof node.unit !== 'string') ctx.report(member(pointer, 'unit'), 'unit must be a text, e.g. "%" or "亿元".');
  const decimals = literalNumber(node, 'decimals', pointer, ctx, 0, 4, true) ?? 1;
  const width = literalNumber(node, 'width', pointer, ctx, 100, 2000, false);
  const height = literalNumber(node, 'height', pointer, ctx, 60, 2000, false);
  const rows = compileNode(node.rows, member(pointer, 'rows'), ctx);
  const series = node.series === undefined ? undefined : compileNode(node.series, member(pointer, 'series'), ctx);
  checkChartRows(rows.type.type, member(pointer, 'rows'), ctx);
  if (series && series.type.type.kind !== 'any' && (series.type.type.kind !== 'list' || series.type.type.item.kind !== 'string')) {
    ctx.report(member(pointer, 'series'), `series must be a list of texts (the series' names), but it is ${describeType(series.type.type)}.`);
  }
  for (const part of [title, unit]) if (part.type.optional) ctx.report(pointer, "a chart's title and unit must not depend on optional data; wrap such a value in default(…, …).");
  for (const [key, part] of [['title', title], ['unit', unit]] as const) {
    const kind = part.type.type.kind;
    if (kind !== 'string' && kind !== 'any') ctx.report(member(pointer, key), `a chart's ${key} must be a text, but it is ${describeType(part.type.type)}.`);
  }
  const run: Evaluate = (scope) => {
    const values = rows.run(scope) as ChartRow[] | undefined;
    if (values === undefined) return undefined;
    const names = series?.run(scope) as string[] | undefined;
    try {
      return layoutChart(
        {
          kind: kind as ChartKind,
          title: title.run(scope) as string,
          unit: unit.run(scope) as string,
          decimals,
          ...(width !== undefined ? { width } : {}),
          ...(height !== undefined ? { height } : {}),
          ...(names !== undefined ? { series: names } : {}),
        },
        values,
      );
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new DataValidationError('The report data cannot be drawn as a chart.', { details: [{ path: '', message: `chart "${title.run(scope) as string}": ${error.message}` }] });
    }
  };
  return { run, type: typed(ANY, rows.type.optional) };
}

function checkChartRows(type: StaticType, pointer: string, ctx: Context): void {
  if (type.kind === 'any') return;
  if (type.kind !== 'list' || (type.item.kind !== 'object' && type.item.kind !== 'any')) {
    ctx.report(pointer, `rows must be a list of { "label": …, "value": … }, but it is ${describeType(type)}.`);
    return;
  }
  if (type.item.kind !== 'object') return;
  const { fields } = type.item;
  const label = fields.get('label');
  const value = fields.get('value');
  const values = fields.get('values');
  if (!label || (label.type.kind !== 'string' && label.type.kind !== 'any')) ctx.report(pointer, 'each row needs "label": a text.');
  else if (label.optional) ctx.report(pointer, "a row's label must not depend on optional data; wrap it in default(…, …).");
  if (!value && !values) ctx.report(pointer, 'each row needs "value": a number (or "values": a list of numbers, one per series).');
  if (value && value.type.kind !== 'number' && value.type.kind !== 'any') ctx.report(pointer, `a row's value must be a number, but it is ${describeType(value.type)}.`);
  if (value?.optional || values?.optional) ctx.report(pointer, "a row's value must not depend on optional data (a bar needs a figure); wrap it in default(…, 0) or leave such rows out of the data.");
  if (values && (values.type.kind !== 'list' || (values.type.item.kind !== 'number' && values.type.item.kind !== 'any'))) {
    ctx.report(pointer, `a row's values must be a list of numbers, but it is ${describeType(values.type)}.`);
  }
}

function compileObject(node: Record<string, unknown>, pointer: string, ctx: Context): Compiled {
  // The reserved keys make a node special only with a text value, so a view may still have a
  // member named "chart" or "each" holding an object: "appendix": { "chart": { "chart": "hbar", … } }.
  if (typeof node.each === 'string') return compileEach(node, pointer, ctx);
  if (typeof node.chart === 'string') return compileChart(node, pointer, ctx);
  const members = fieldsOf(node).map((key) => [key, compileNode(node[key], member(pointer, key), ctx)] as const);
  const run: Evaluate = (scope) => {
    const out: Record<string, unknown> = {};
    let present = false;
    for (const [key, compiled] of members) {
      const value = compiled.run(scope);
      if (value === undefined) continue;
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      present = true;
    }
    // An object made only of absent values is absent itself, so {{#section}} around an optional
    // part of the data drops its heading too, not only its sentences.
    return present || members.length === 0 ? out : undefined;
  };
  const optional = members.length > 0 && members.every(([, c]) => c.type.optional);
  return { run, type: typed({ kind: 'object', fields: new Map(members.map(([key, c]) => [key, c.type])) }, optional) };
}

function compileNode(node: unknown, pointer: string, ctx: Context): Compiled {
  if (typeof node === 'string') return compileText(node, pointer, ctx);
  if (Array.isArray(node)) {
    const items = node.map((item, i) => compileNode(item, member(pointer, i), ctx));
    const item = unionOf(items.map((i) => i.type));
    return {
      run: (scope) => items.map((i) => i.run(scope)).filter((v) => v !== undefined),
      type: typed(listOf(item.type, items.filter((i) => !i.type.optional).length, items.length)),
    };
  }
  if (isObject(node)) return compileObject(node, pointer, ctx);
  if (node === null) return { run: () => undefined, type: typed(ANY, true) };
  const type: StaticType = typeof node === 'number' ? { kind: 'number', integer: Number.isInteger(node), min: node, max: node } : typeof node === 'boolean' ? { kind: 'boolean' } : NUMBER;
  return { run: () => node, type: typed(type) };
}

// ── The file ────────────────────────────────────────────────────────────────────────────────────

function compilePages(value: unknown, ctx: Context): PageRange | undefined {
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_DECLARED_PAGES;
  if (!isObject(value) || !ok(value.min) || !ok(value.max) || value.min > value.max || fieldsOf(value).some((k) => k !== 'min' && k !== 'max')) {
    ctx.report('/pages', `"pages" must be { "min": n, "max": m }, whole numbers from 1 to ${MAX_DECLARED_PAGES} with min ≤ max: the page range every valid report prints within.`);
    return undefined;
  }
  return { min: value.min, max: value.max };
}

function compileMeta(value: unknown, ctx: Context): Compiled {
  if (!isObject(value)) {
    ctx.report('/meta', '"meta" must be an object: { "title": …, "author": …, "subject": …, "keywords": [ … ] }.');
    return ABSENT;
  }
  for (const key of fieldsOf(value)) {
    if (!META_FIELDS.includes(key)) ctx.report(member('/meta', key), `"${key}" is not PDF metadata; meta has ${META_FIELDS.join(', ')}.${didYouMean(key, META_FIELDS)}`);
  }
  if (typeof value.title !== 'string') ctx.report('/meta', 'meta needs a "title": the PDF title, e.g. "${county.name}${year(year)}统计公报".');
  const compiled = compileObject(Object.fromEntries(META_FIELDS.filter((k) => k in value).map((k) => [k, value[k]])), '/meta', ctx);
  for (const key of ['title', 'author', 'subject']) {
    const field = compiled.type.type.kind === 'object' ? compiled.type.type.fields.get(key) : undefined;
    if (field && field.type.kind !== 'string' && field.type.kind !== 'any') ctx.report(member('/meta', key), `meta.${key} must be a text.`);
  }
  const keywords = compiled.type.type.kind === 'object' ? compiled.type.type.fields.get('keywords') : undefined;
  if (keywords && (keywords.type.kind !== 'list' || (keywords.type.item.kind !== 'string' && keywords.type.item.kind !== 'any'))) {
    ctx.report('/meta/keywords', 'meta.keywords must be a list of texts.');
  }
  return compiled;
}

/**
 * Reads view.json (its text, so problems carry lines) and checks it against the schema. Never
 * throws for a bad file: every problem is returned, in file order.
 */
export function compileView(source: string, schema: Record<string, unknown>): CompileResult {
  let document: unknown;
  let lines: ReadonlyMap<string, number>;
  try {
    ({ value: document, lines } = parseJsonWithLines(source));
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { problems: [{ line: error.line, message: `not valid JSON: ${error.reason}` }] };
    throw error;
  }
  const problems: ViewProblem[] = [];
  const lineOf = (pointer: string): number => {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const line = lines.get(p);
      if (line !== undefined) return line;
      if (p === '') return 1;
    }
  };
  const ctx: Context = {
    root: typeOfSchema(schema, schema),
    vars: new Map(),
    report: (pointer, message) => problems.push({ line: lineOf(pointer), message }),
  };
  if (!isObject(document)) return { problems: [{ line: 1, message: 'view.json must be an object: { "pages": …, "meta": …, "view": … }.' }] };
  for (const key of fieldsOf(document)) {
    if (!TOP_LEVEL.includes(key)) ctx.report(member('', key), `"${key}" is not a member of view.json; it has ${TOP_LEVEL.join(', ')}.${didYouMean(key, TOP_LEVEL)}`);
  }
  const pages = compilePages(document.pages, ctx);
  const meta = compileMeta(document.meta, ctx);
  if (!('view' in document)) ctx.report('', 'view.json needs "view": what template.html sees, built from the data.');
  const view = compileNode(document.view ?? {}, '/view', ctx);
  if (view.type.type.kind !== 'object') ctx.report('/view', '"view" must be an object: template.html looks its names up in it.');
  else if (view.type.type.fields.has('meta')) ctx.report('/view/meta', '"meta" is taken: template.html sees the evaluated meta of view.json as {{meta.title}}…; rename this member.');
  if (problems.length > 0 || !pages) return { problems: problems.sort((a, b) => a.line - b.line) };

  return {
    view: Object.freeze({
      pages,
      render(data: unknown) {
        const scope: Scope = { data, vars: new Map() };
        // Either may be absent when every member depends on data that is absent (the PDF then falls back to the template's title).
        const evaluated = (meta.run(scope) ?? {}) as Record<string, unknown>;
        const pdfMeta: ViewMeta = {
          title: evaluated.title as string | undefined,
          author: evaluated.author as string | undefined,
          subject: evaluated.subject as string | undefined,
          keywords: evaluated.keywords as string[] | undefined,
        };
        // The document's <title> and any byline print the same metadata the PDF carries.
        return { view: { meta: pdfMeta, ...((view.run(scope) ?? {}) as Record<string, unknown>) }, meta: pdfMeta };
      },
    }),
  };
}
