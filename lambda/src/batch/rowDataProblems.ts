/**
 * A spreadsheet row's data checked against the template's schema, each problem in the Chinese a
 * clerk reads beside the cell it concerns (`不能小于 -100`, `必填，不能为空`, `不能超过 30 个字`).
 *
 * The renderer checks the same data again before printing (core/TemplateStore): this check runs
 * when the file is read, so that a bad row fails with its row, column and field named, in the
 * manifest and in the summary, instead of with a JSON pointer. It compiles the schema with the
 * same Ajv draft and options; if a schema should ever not compile here, rows are simply left to
 * the renderer's check.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { escapePointerSegment } from '../core/jsonPointer';

export interface RowProblem {
  /** JSON pointer into the row's data. */
  readonly pointer: string;
  /** What is wrong, in Chinese, without where: `不能小于 -100`. */
  readonly message: string;
}

let ajv: Ajv2020 | undefined;
const validators = new WeakMap<object, ValidateFunction | null>();

function validatorOf(schema: Readonly<Record<string, unknown>>): ValidateFunction | null {
  let validator = validators.get(schema);
  if (validator === undefined) {
    try {
      // strict: false: the annotation keywords (x-unit, …) are the renderer's to check; this only validates.
      if (!ajv) {
        ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
        addFormats(ajv);
      }
      validator = ajv.compile(schema);
    } catch {
      validator = null;
    }
    validators.set(schema, validator);
  }
  return validator;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function quoted(value: unknown): string {
  if (typeof value !== 'string') return ` ${String(value)}`;
  const chars = [...value];
  return `“${chars.length > 20 ? `${chars.slice(0, 20).join('')}…` : value}”`;
}

const INVISIBLE = /[\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** A `pattern` says nothing a clerk can act on; what the text actually has wrong does. */
function patternMessage(value: unknown): string {
  if (typeof value !== 'string') return '格式不符合要求';
  if (/[\r\n]/.test(value)) return '含有换行，请写成一行';
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(value);
  if (control) return `含有控制字符（U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}），请删除`;
  const invisible = INVISIBLE.exec(value);
  if (invisible) return `含有看不见的格式字符（U+${invisible[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}），请删除`;
  if (/^\s|\s$/.test(value)) return '首尾不能有空格';
  return '格式不符合要求';
}

function typeMessage(type: string, value: unknown): string {
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? `应为整数，不能是 ${value}` : `应为整数，填的是${quoted(value)}`;
    case 'number':
      return `应为数字，填的是${quoted(value)}`;
    case 'string':
      return `应为文字，填的是${quoted(value)}`;
    case 'boolean':
      return `应填“是”或“否”，填的是${quoted(value)}`;
    case 'array':
      return '应为一项或多项，多项用“、”分隔';
    default:
      return '类型不对';
  }
}

function messageOf(error: ErrorObject, value: unknown): string {
  const params = error.params as Record<string, unknown>;
  const limit = params.limit as number;
  switch (error.keyword) {
    case 'required':
      return '必填，不能为空';
    case 'type':
      return typeMessage(String(params.type).split(',')[0], value);
    case 'minimum':
      return `不能小于 ${limit}`;
    case 'exclusiveMinimum':
      return `应大于 ${limit}`;
    case 'maximum':
      return `不能大于 ${limit}`;
    case 'exclusiveMaximum':
      return `应小于 ${limit}`;
    case 'minLength':
      return limit <= 1 ? '不能为空' : `至少 ${limit} 个字`;
    case 'maxLength':
      return `不能超过 ${limit} 个字（现有 ${typeof value === 'string' ? [...value].length : '?'} 个）`;
    case 'pattern':
      return patternMessage(value);
    case 'minItems':
      return `至少填 ${limit} 项（多项用“、”分隔），现有 ${Array.isArray(value) ? value.length : 0} 项`;
    case 'maxItems':
      return `最多填 ${limit} 项，现有 ${Array.isArray(value) ? value.length : '?'} 项`;
    case 'uniqueItems': {
      const [first, second] = [Number(params.j), Number(params.i)].sort((a, b) => a - b);
      return `第 ${first + 1} 项和第 ${second + 1} 项重复（${Array.isArray(value) ? quoted(value[first]).trim() : ''}）`;
    }
    case 'enum':
      return `只能填：${(params.allowedValues as unknown[]).map(String).join('、')}`;
    case 'const':
      return `只能填：${String(params.allowedValue)}`;
    case 'format':
      return params.format === 'date' ? '应为日期，如 2024-12-31' : `格式不对（应为 ${String(params.format)}）`;
    case 'multipleOf':
      return `应为 ${String(params.multipleOf)} 的整数倍`;
    case 'additionalProperties':
      return '不是本模板的字段';
    default:
      return error.message ?? '不符合要求';
  }
}

function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const escape = (key: unknown): string => escapePointerSegment(String(key));
  if (error.keyword === 'required') return `${error.instancePath}/${escape(params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${escape(params.additionalProperty)}`;
  return error.instancePath;
}

/**
 * Every problem of one row's data, or undefined when the schema cannot be compiled here (the
 * renderer then reports them). An empty list means the data is valid.
 */
export function rowDataProblems(schema: Readonly<Record<string, unknown>>, data: unknown): RowProblem[] | undefined {
  const validate = validatorOf(schema);
  if (!validate) return undefined;
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  // An empty or too short text also fails its pattern; that second problem says nothing new.
  const tooShort = new Set(errors.filter((e) => e.keyword === 'minLength').map((e) => e.instancePath));
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'pattern' && tooShort.has(error.instancePath)) continue;
    // Ajv explains a failed `if`/`anyOf` by the branches that failed; those are listed already.
    if (['if', 'anyOf', 'oneOf', 'allOf', 'not'].includes(error.keyword)) continue;
    const pointer = pointerOf(error);
    const message = messageOf(error, valueAt(data, error.instancePath));
    const key = `${pointer}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ pointer, message });
  }
  return problems;
}
