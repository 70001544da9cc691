/**
 * `npm run gen:reports` (scripts/gen-reports.mjs), run as a user runs it (a node process), for
 * every template under TEMPLATES_DIR that has samples: every report valid and printable by the
 * service's own template code, the output reproducible by seed, ids unique, numbers varied (rates
 * of both signs), optional fields sometimes there and sometimes not, `--extreme` at every maximum,
 * and a bad command line refused with exit code 2. Nothing here knows a template's fields: what
 * to expect is read from its schema.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findProjectRoot } from '../../lambda/src/config/projectRoot';
import { TemplateStore, type Template } from '../../lambda/src/core/TemplateStore';
import { readTemplateFolder } from '../../lambda/src/files/loadTemplateStore';
import { COUNTY_TEMPLATE, GEN_REPORTS_SCRIPT } from '../helpers/syntheticCounties';

const TEMPLATES_DIR = resolve(process.env.TEMPLATES_DIR?.trim() || join(findProjectRoot(), 'templates'));

/** Every template folder with at least one sample (templates are added while this suite exists). */
const TEMPLATES = readdirSync(TEMPLATES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(TEMPLATES_DIR, entry.name, 'template.html')))
  .map((entry) => entry.name)
  .filter((id) => {
    const samples = join(TEMPLATES_DIR, id, 'samples');
    return existsSync(samples) && readdirSync(samples).some((f) => f.endsWith('.json'));
  })
  .sort();

interface Item {
  id: string;
  data: Record<string, unknown>;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Run {
  const result = spawnSync(process.execPath, [GEN_REPORTS_SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function generate(template: string, count: number, ...args: string[]): { items: Item[]; jsonl: string } {
  const result = run(template, String(count), '--templates-dir', TEMPLATES_DIR, ...args);
  if (result.status !== 0) throw new Error(`gen-reports ${template} ${count} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { items: result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Item), jsonl: result.stdout };
}

/** One template, read and compiled by the service's own code (its Ajv, its view model). */
function loadTemplate(id: string): Template {
  return TemplateStore.fromFiles([readTemplateFolder(join(TEMPLATES_DIR, id), id)]).get(id);
}

// ── The schema, flattened to one node per field path (`a.b`, `list[]`, `list[].c`) ───────────────

type Node = Record<string, unknown>;

const BOUNDS_MIN = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems'];
const BOUNDS_MAX = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems'];

/** `$ref`s and `allOf`s folded into one node: the tighter bound wins, every pattern kept. */
function flatten(root: Node, node: unknown): Node {
  if (typeof node !== 'object' || node === null) return {};
  const n = node as Node;
  const out: Node = {};
  const patterns: string[] = [];
  const merge = (part: Node): void => {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'patterns') patterns.push(...(value as string[]));
      else if (key === 'pattern') patterns.push(value as string);
      else if (key === 'required' && out.required) out.required = [...(out.required as string[]), ...(value as string[])];
      else if (BOUNDS_MIN.includes(key) && typeof out[key] === 'number') out[key] = Math.max(out[key] as number, value as number);
      else if (BOUNDS_MAX.includes(key) && typeof out[key] === 'number') out[key] = Math.min(out[key] as number, value as number);
      else if (key !== '$ref' && key !== 'allOf') out[key] = value;
    }
  };
  if (typeof n.$ref === 'string') {
    const target = n.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Node)[key], root);
    merge(flatten(root, target));
  }
  for (const part of (n.allOf as unknown[] | undefined) ?? []) merge(flatten(root, part));
  merge(n);
  if (patterns.length) out.patterns = patterns;
  return out;
}

function fieldsOf(schema: Node): Map<string, Node> {
  const fields = new Map<string, Node>();
  const walk = (node: Node, path: string): void => {
    const flat = flatten(schema, node);
    fields.set(path, flat);
    for (const [key, sub] of Object.entries((flat.properties as Record<string, Node> | undefined) ?? {})) walk(sub, path ? `${path}.${key}` : key);
    if (flat.items && typeof flat.items === 'object') walk(flat.items as Node, `${path}[]`);
  };
  walk(schema, '');
  return fields;
}

/** Every value at every field path over all items (objects and arrays included, as themselves). */
function valuesByPath(items: readonly Item[]): Map<string, unknown[]> {
  const values = new Map<string, unknown[]>();
  const walk = (value: unknown, path: string): void => {
    values.set(path, [...(values.get(path) ?? []), value]);
    if (Array.isArray(value)) for (const v of value) walk(v, `${path}[]`);
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  for (const item of items) walk(item.data, '');
  return values;
}

const typesOf = (node: Node): string[] => [node.type].flat().filter((t): t is string => typeof t === 'string');
const isNumeric = (node: Node): boolean => typesOf(node).some((t) => t === 'number' || t === 'integer');
const isRate = (node: Node): boolean => node['x-unit'] === '%' && typeof node.minimum === 'number' && node.minimum < 0;
const length = (text: string): number => [...text].length;

/** Strings of depth ≤ 2 of `data`: where a report's name would be. */
function shallowStrings(data: Record<string, unknown>): string[] {
  return Object.values(data).flatMap((v) => (typeof v === 'string' ? [v] : typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.values(v).filter((w) => typeof w === 'string') : []));
}

it('finds templates with samples to generate for', () => {
  expect(TEMPLATES).toContain(COUNTY_TEMPLATE);
});

describe.each(TEMPLATES)('gen-reports %s', (id) => {
  let template: Template;
  let fields: Map<string, Node>;
  let items: Item[];
  let jsonl: string;
  let values: Map<string, unknown[]>;

  beforeAll(() => {
    template = loadTemplate(id);
    fields = fieldsOf(template.schema as Node);
    ({ items, jsonl } = generate(id, 300, '--seed', '11'));
    values = valuesByPath(items);
  });

  it('writes N reports, every one valid against the schema and printable through view.json', () => {
    expect(items).toHaveLength(300);
    const invalid = items.map((item) => ({ id: item.id, problems: template.check(item.data) })).filter((item) => item.problems.length > 0);
    expect(invalid).toEqual([]);
    const unprintable: string[] = [];
    for (const item of items) {
      try {
        template.buildView(item.data);
      } catch (error) {
        unprintable.push(`${item.id}: ${(error as Error).message}`);
      }
    }
    expect(unprintable).toEqual([]);
  });

  it('is byte-for-byte reproducible by seed, -o writes the same bytes, and another seed gives other reports', () => {
    expect(generate(id, 300, '--seed', '11').jsonl).toBe(jsonl);
    const dir = mkdtempSync(join(tmpdir(), 'gen-reports-'));
    try {
      const file = join(dir, 'items.jsonl');
      expect(run(id, '300', '--seed', '11', '--templates-dir', TEMPLATES_DIR, '-o', file)).toMatchObject({ status: 0, stdout: '' });
      expect(readFileSync(file, 'utf8')).toBe(jsonl);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const other = generate(id, 300, '--seed', '12').items;
    expect(other.map((item) => JSON.stringify(item.data))).not.toEqual(items.map((item) => JSON.stringify(item.data)));
    expect(other.filter((item, i) => JSON.stringify(item.data) === JSON.stringify(items[i].data))).toEqual([]);
  });

  it('gives unique ids: the report’s own name, or <template>-NNNN', () => {
    expect(new Set(items.map((item) => item.id)).size).toBe(300);
    const numbered = new RegExp(`^${id}-\\d{4}$`);
    expect(items.filter((item) => !numbered.test(item.id) && !shallowStrings(item.data).includes(item.id))).toEqual([]);
  });

  it('varies every number, rates with both signs, mostly positive and now and then exactly 0', () => {
    const rates: number[] = [];
    const constant: string[] = [];
    const oneSigned: string[] = [];
    for (const [path, node] of fields) {
      if (!isNumeric(node) || node.minimum === node.maximum) continue;
      const numbers = (values.get(path) ?? []).filter((v): v is number => typeof v === 'number');
      if (numbers.length >= 30 && new Set(numbers).size === 1) constant.push(path);
      if (!isRate(node)) continue;
      rates.push(...numbers);
      if (numbers.length >= 100 && !(numbers.some((v) => v < 0) && numbers.some((v) => v > 0))) oneSigned.push(path);
    }
    expect(constant).toEqual([]);
    expect(oneSigned).toEqual([]);
    if (rates.length > 0) {
      expect(rates.filter((v) => v > 0).length).toBeGreaterThan(rates.filter((v) => v < 0).length * 2);
      expect(rates.filter((v) => v === 0).length).toBeGreaterThan(0);
    }
  });

  it('leaves optional properties out sometimes and fills them in sometimes', () => {
    const always: string[] = [];
    const never: string[] = [];
    for (const [path, node] of fields) {
      const objects = (values.get(path) ?? []).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
      if (objects.length < 40) continue;
      const required = new Set((node.required as string[] | undefined) ?? []);
      for (const key of Object.keys((node.properties as Node | undefined) ?? {}).filter((k) => !required.has(k))) {
        const present = objects.filter((o) => key in o).length;
        if (present === objects.length) always.push(`${path}.${key}`);
        if (present === 0) never.push(`${path}.${key}`);
      }
    }
    expect(always).toEqual([]);
    expect(never).toEqual([]);
  });

  it('--extreme: valid, every string at its maxLength, every list at maxItems, every optional property present', () => {
    const extreme = generate(id, 10, '--seed', '5', '--extreme').items;
    expect(extreme.map((item) => template.check(item.data)).flat()).toEqual([]);
    expect(new Set(extreme.map((item) => item.id)).size).toBe(10);
    const found = valuesByPath(extreme);
    const short: string[] = [];
    const problems: string[] = [];
    for (const [path, node] of fields) {
      const at = found.get(path) ?? [];
      if (typesOf(node).includes('string') && typeof node.maxLength === 'number' && !node.enum && !('const' in node) && !node.format) {
        // A pattern that refuses plain hanzi at full length keeps the longest sample instead.
        const max = node.maxLength;
        const fits = ((node.patterns as string[] | undefined) ?? []).every((p) => new RegExp(p, 'u').test('国'.repeat(max)));
        if (fits) short.push(...at.filter((v) => typeof v === 'string' && length(v) !== max).map((v) => `${path}: ${length(v as string)} of ${max}`));
      }
      if (typeof node.maxItems === 'number') problems.push(...at.filter((v) => Array.isArray(v) && v.length !== node.maxItems).map(() => `${path}: not ${String(node.maxItems)} items`));
      if (node.properties) {
        const keys = Object.keys(node.properties as Node);
        problems.push(...at.filter((v) => typeof v === 'object' && v !== null && keys.some((k) => !(k in v))).map(() => `${path}: a property left out`));
      }
      if (isNumeric(node) && typeof node.maximum === 'number') {
        const longest = String(node.maximum).length;
        problems.push(...at.filter((v) => typeof v === 'number' && String(v).length < longest).map((v) => `${path}: ${String(v)} prints shorter than ${String(node.maximum)}`));
      }
    }
    expect(short).toEqual([]);
    expect(problems).toEqual([]);
    for (const item of extreme) expect(() => template.buildView(item.data)).not.toThrow();
  });
});

describe(`gen-reports ${COUNTY_TEMPLATE}`, () => {
  it('names each county (id = county.name, 2–3 characters and 县), unique for a whole country of 3,000 counties', () => {
    const { items } = generate(COUNTY_TEMPLATE, 3000, '--seed', '1');
    expect(new Set(items.map((item) => item.id)).size).toBe(3000);
    const county = (item: Item): Record<string, unknown> => item.data.county as Record<string, unknown>;
    expect(items.filter((item) => item.id !== county(item).name || !/^.{2,3}县$/u.test(item.id))).toEqual([]);
  });
});

describe('gen-reports command line', () => {
  const refusals: [string, string[], RegExp][] = [
    ['no arguments', [], /<template> is missing/],
    ['no count', [COUNTY_TEMPLATE], /<N> is missing/],
    ['a count that is not a number', [COUNTY_TEMPLATE, 'many'], /<N> must be a whole number from 1 to 100000, got "many"/],
    ['a count of 0', [COUNTY_TEMPLATE, '0'], /<N> must be a whole number/],
    ['a fractional count', [COUNTY_TEMPLATE, '2.5'], /<N> must be a whole number/],
    ['a seed that is not a number', [COUNTY_TEMPLATE, '3', '--seed', 'abc'], /--seed must be a whole number, got "abc"/],
    ['an unknown option', [COUNTY_TEMPLATE, '3', '--year', '2020'], /unknown option --year/],
    ['an extra argument', [COUNTY_TEMPLATE, '3', 'more'], /unexpected argument "more"/],
    ['a templates folder that does not exist', [COUNTY_TEMPLATE, '3', '--templates-dir', '/nonexistent/templates'], /--templates-dir \/nonexistent\/templates is not a folder/],
    ['an output in a folder that does not exist', [COUNTY_TEMPLATE, '3', '-o', '/nonexistent/dir/items.jsonl'], /-o \/nonexistent\/dir\/items\.jsonl cannot be written/],
  ];
  it.each(refusals)('refuses %s with exit code 2 and one line naming the argument', (_, args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('refuses an unknown template with exit code 2, listing the available ones', () => {
    const result = run('no-such-template', '3', '--templates-dir', TEMPLATES_DIR);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('unknown template "no-such-template"');
    for (const id of TEMPLATES) expect(result.stderr).toContain(id);
  });
});
