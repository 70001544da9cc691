#!/usr/bin/env node
// npm run gen:reports -- <template> <N> [--seed S] [-o file.jsonl] [--templates-dir DIR] [--extreme]
//
// Writes N fictional reports for any template as batch items (`{"id": "...", "data": {...}}`, one
// JSON object a line), for tests and benchmarks. Nothing here knows a template: everything is
// learned from the template's schema.json and its samples/*.json (TEMPLATES_DIR or --templates-dir,
// default the repo's templates/):
//
//   numbers   a distribution per field path learned from the samples (log-normal over their
//             range widened by ±50%; uniform around them when they are close together, as years
//             are), clamped to the schema's bounds, whole when the schema says `integer`, with as
//             many decimals as the samples use. Signed fields draw a sign, then a magnitude like
//             the samples' of that sign; rates (`x-unit` "%" and a negative minimum) are positive
//             70–90% of the time, negative otherwise, and exactly 0 about 3% of the time.
//   strings   `enum`/`const`: one of them. Otherwise a value the samples have at that path,
//             sometimes recombined from parts of several samples (split at 、，；: and the like),
//             with the sample's report name replaced by the item's own (see ids); a value is kept
//             only if it still meets minLength/maxLength/pattern, else the sample value is used as
//             it is. `format` fields take the samples' values only. With no sample value at all, a
//             run of ordinary hanzi of a fitting length.
//   arrays    a length in the samples' range widened by one (sometimes anywhere from minItems to
//             maxItems), items made the same way from the statistics of all sample items; values
//             do not repeat inside one list while the samples have unused ones.
//   optional  present as often as in the samples, but never less than 20% or more than 80% of the
//             time, so optional sections are exercised both ways.
//   ids       unique. When the template has a field that names the report (the first required
//             string field named `name` at depth ≤ 2 whose sample values all differ, such as
//             county.name), each item gets a fictional name of 2–3 characters from a stock of
//             place-name characters plus the samples' common ending (县), written into that field
//             and used as the id. Otherwise `<template>-0001`, `<template>-0002`, …
//
// --extreme makes the longest report the schema allows: every string at its maxLength (ordinary
// GB 2312 hanzi added to a sample value when that still matches its pattern, else the longest
// sample value), every list at maxItems, every optional property present, every number at the
// bound that prints longest. For tests that a maximum-length report still fits its pages.
//
// Every item is validated against the schema as the service validates (Ajv 2020, strict,
// ajv-formats, `x-unit` and `x-pattern-message`); an invalid one stops the script with exit code 1.
// The same arguments always give the same bytes. Bad arguments exit with code 2.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_COUNT = 100_000;
const USAGE = 'usage: npm run gen:reports -- <template> <N 1..100000> [--seed S] [-o items.jsonl] [--templates-dir DIR] [--extreme]';

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

// ── Randomness ──────────────────────────────────────────────────────────────────────────────────

/** mulberry32: tiny, fast, and good enough to make test data varied yet reproducible. */
function createRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const uniform = (lo, hi) => lo + (hi - lo) * next();
  const int = (lo, hi) => Math.floor(uniform(lo, hi + 1));
  const pick = (list) => list[Math.floor(next() * list.length)];
  const normal = (mean, sd) => {
    const u = 1 - next();
    const v = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return { next, uniform, int, pick, normal };
}

// ── Character stocks ────────────────────────────────────────────────────────────────────────────

// Characters that read naturally in place names; pairs of them give thousands of plausible names.
const FIRST = [...new Set('青澄苇岚清云澜汐沅澹涟溪浔泠霁翠碧丹彤桐桑柳枫榆棠杉松竹梧芦荻菱蓉兰芷蘅芸苓茗栖鹤鹭鸿雁麓峪岑峦崖屿湄汀洲渚潭漪沙泉瀛')];
const SECOND = [...new Set('湾塘阳安宁平川源陵山溪河浦江泽阴丰乐城原台口坪岗岭峰州渡桥冈门集镇田堡关池滨湖庄西东南北')];
// Ordinary GB 2312 hanzi (all in the fonts' core files) for text that only has to be long.
const FILLER = [...'国民经济社会发展建设工作项目产业服务管理生态环境文化教育科技创新城乡农业工业交通水利能源旅游商贸金融财政税收投资消费市场企业人才公共安全卫生健康养老就业保障改革开放治理法治监督'];
// Where a sample string may be cut into parts that other samples' parts can replace.
const DELIMITERS = /([、，,；;：:（）()·—/\s])/u;

const codePoints = (s) => [...s].length;

// ── Schema ──────────────────────────────────────────────────────────────────────────────────────

/** The Ajv the service validates with (lambda/src/core/TemplateStore.ts createAjv). */
function createAjv() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-unit', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-pattern-message', schemaType: 'string' });
  return ajv;
}

const TIGHTER_MIN = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const TIGHTER_MAX = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];

/**
 * A schema node with its `$ref`s and `allOf`s folded in: one flat node with the tighter of each
 * bound, every pattern (in `patterns`) and the union of `required`. What generation works from.
 */
function createResolver(root) {
  const cache = new Map();
  const deref = (ref) => {
    if (!ref.startsWith('#')) throw new Error(`$ref "${ref}" points outside schema.json; only local references are supported`);
    let node = root;
    for (const raw of ref.slice(1).split('/').filter(Boolean)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = node?.[key];
    }
    if (node === undefined) throw new Error(`$ref "${ref}" points at nothing in schema.json`);
    return node;
  };
  const merge = (into, node) => {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' || key === 'allOf' || key === 'pattern' || key === '$schema' || key === '$defs' || key === 'definitions') continue;
      if (into[key] === undefined) into[key] = key === 'required' ? [...value] : key === 'properties' ? { ...value } : value;
      else if (TIGHTER_MIN.includes(key)) into[key] = Math.max(into[key], value);
      else if (TIGHTER_MAX.includes(key)) into[key] = Math.min(into[key], value);
      else if (key === 'required') into[key] = [...new Set([...into[key], ...value])];
      else if (key === 'properties') {
        for (const [name, sub] of Object.entries(value)) into.properties[name] = into.properties[name] ? { allOf: [into.properties[name], sub] } : sub;
      } else if (key === 'enum') into.enum = into.enum.filter((v) => value.some((w) => JSON.stringify(w) === JSON.stringify(v)));
      else if (key === 'type') {
        const a = [into.type].flat();
        const b = [value].flat();
        const both = a.filter((t) => b.includes(t) || (t === 'integer' && b.includes('number'))).concat(b.filter((t) => t === 'integer' && a.includes('number')));
        into.type = both.length === 1 ? both[0] : [...new Set(both)];
      } else into[key] = value;
    }
    if (typeof node.pattern === 'string') into.patterns = [...(into.patterns ?? []), node.pattern];
  };
  const resolveNode = (node, depth = 0) => {
    if (node === true || node === undefined) return {};
    if (node === false) throw new Error('the schema forbids a value here (false); cannot generate one');
    if (cache.has(node)) return cache.get(node);
    if (depth > 50) throw new Error('$ref chain too deep (a cycle?)');
    const out = {};
    if (typeof node.$ref === 'string') merge(out, resolveNode(deref(node.$ref), depth + 1));
    for (const part of node.allOf ?? []) merge(out, resolveNode(part, depth + 1));
    merge(out, node);
    if (out.patterns) out.regexps = out.patterns.map((p) => new RegExp(p, 'u'));
    cache.set(node, out);
    return out;
  };
  return resolveNode;
}

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The JSON types a node allows, inferred from its keywords when it has no `type`. */
function typesOf(node) {
  if (node.type !== undefined) return [node.type].flat();
  if ('const' in node) return [typeOf(node.const)];
  if (node.enum) return [...new Set(node.enum.map(typeOf))];
  if (node.properties || node.required) return ['object'];
  if (node.items || node.prefixItems || node.minItems !== undefined || node.maxItems !== undefined) return ['array'];
  if (node.minLength !== undefined || node.maxLength !== undefined || node.patterns || node.format) return ['string'];
  if (node.minimum !== undefined || node.maximum !== undefined || node.multipleOf !== undefined) return ['number'];
  return ['string'];
}

// ── What the samples show ───────────────────────────────────────────────────────────────────────

/**
 * Per field path (`economy.gdp`, `indicators[].name`, `notes[]`): every sample value there, and for
 * objects how many there were and how many had each key, for arrays their lengths.
 */
function sampleStats(samples) {
  const stats = new Map();
  const at = (path) => {
    let s = stats.get(path);
    if (!s) stats.set(path, (s = { values: [], objects: 0, present: new Map(), lengths: [] }));
    return s;
  };
  const walk = (value, path, sample) => {
    const s = at(path);
    s.values.push({ value, sample });
    if (Array.isArray(value)) {
      s.lengths.push(value.length);
      for (const item of value) walk(item, `${path}[]`, sample);
    } else if (value !== null && typeof value === 'object') {
      s.objects++;
      for (const [key, child] of Object.entries(value)) {
        s.present.set(key, (s.present.get(key) ?? 0) + 1);
        walk(child, path ? `${path}.${key}` : key, sample);
      }
    }
  };
  samples.forEach((sample, i) => walk(sample, '', i));
  return stats;
}

const EMPTY_STATS = { values: [], objects: 0, present: new Map(), lengths: [] };

function decimalsOf(value) {
  const text = String(value);
  if (/e/i.test(text)) return Math.min(10, Math.max(0, -Math.floor(Math.log10(Math.abs(value) || 1)) + 2));
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

function commonSuffix(values) {
  if (values.length === 0) return '';
  if (values.length === 1) return codePoints(values[0]) >= 3 ? [...values[0]].at(-1) : '';
  let suffix = [...values[0]];
  for (const v of values.slice(1)) {
    const chars = [...v];
    let n = 0;
    while (n < suffix.length && n < chars.length && suffix[suffix.length - 1 - n] === chars[chars.length - 1 - n]) n++;
    suffix = suffix.slice(suffix.length - n);
  }
  // Leave at least two characters of each name to vary.
  const shortest = Math.min(...values.map(codePoints));
  return suffix.slice(Math.max(0, suffix.length - (shortest - 2))).join('');
}

// ── The template ────────────────────────────────────────────────────────────────────────────────

export function templatesDirFrom(option) {
  return resolve(option ?? (process.env.TEMPLATES_DIR?.trim() || join(ROOT, 'templates')));
}

/** Template ids under `dir`: the sub-folders with a schema.json. */
export function availableTemplates(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'schema.json')))
    .map((e) => e.name)
    .sort();
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${error.message}`);
  }
}

function loadTemplate(dir, id) {
  const known = availableTemplates(dir);
  if (!known.includes(id)) {
    throw new UsageError(`gen-reports: unknown template "${id}" in ${dir}; available: ${known.join(', ') || '(none)'}`);
  }
  const folder = join(dir, id);
  const schema = readJson(join(folder, 'schema.json'));
  const sampleDir = join(folder, 'samples');
  const names = existsSync(sampleDir) ? readdirSync(sampleDir).filter((f) => f.endsWith('.json')).sort() : [];
  const ajv = createAjv();
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new Error(`template "${id}": schema.json does not compile: ${error.message}`);
  }
  const samples = [];
  for (const name of names) {
    const sample = readJson(join(sampleDir, name));
    // A sample the schema refuses would teach the generator wrong values: left out, and said so.
    if (validate(sample)) samples.push(sample);
    else process.stderr.write(`gen-reports: ignoring samples/${name} of "${id}": ${ajv.errorsText(validate.errors)}\n`);
  }
  return { id, schema, samples, validate, ajv };
}

// ── Generation ──────────────────────────────────────────────────────────────────────────────────

/** The field that names a report (see the header), or undefined. */
function findNameField(resolveNode, schema, stats) {
  let level = [{ node: resolveNode(schema), path: '' }];
  for (let depth = 1; depth <= 2; depth++) {
    const next = [];
    for (const { node, path } of level) {
      if (!typesOf(node).includes('object')) continue;
      const required = new Set(node.required ?? []);
      for (const [key, sub] of Object.entries(node.properties ?? {})) {
        if (!required.has(key)) continue;
        const child = resolveNode(sub);
        const childPath = path ? `${path}.${key}` : key;
        if (key === 'name' && typesOf(child).includes('string') && !child.enum && !('const' in child) && !child.format) {
          const values = (stats.get(childPath) ?? EMPTY_STATS).values.map((v) => v.value).filter((v) => typeof v === 'string');
          if (values.length > 0 && new Set(values).size === values.length) return { path: childPath, node: child, values };
        }
        next.push({ node: child, path: childPath });
      }
    }
    level = next;
  }
  return undefined;
}

class Generator {
  constructor(template, { seed, extreme }) {
    this.template = template;
    this.extreme = extreme;
    // Whole numbers beyond 32 bits (and negative ones) still give seeds of their own.
    this.r = createRandom(Math.imul(Math.floor(seed / 2 ** 32), 0x9e3779b1) ^ (seed >>> 0));
    this.resolveNode = createResolver(template.schema);
    this.stats = sampleStats(template.samples);
    this.models = new Map();
    this.used = new Map();
    this.nameField = findNameField(this.resolveNode, template.schema, this.stats);
    if (this.nameField) {
      const { values } = this.nameField;
      this.suffix = commonSuffix(values);
      const stems = values.map((v) => (this.suffix && v.endsWith(this.suffix) ? v.slice(0, v.length - this.suffix.length) : v));
      // The sample's own name (and its stem, 青岚 of 青岚县) in any other text becomes the item's.
      const words = [...new Set([...values, ...stems.filter((s) => codePoints(s) >= 2)])].sort((a, b) => b.length - a.length);
      this.nameWords = new Set(values);
      this.namePattern = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gu');
      if (!this.canCompose()) this.nameField = undefined;
    }
  }

  /** Whether a composed name fits the name field's own constraints. */
  canCompose() {
    for (const stem of ['青岚', '青岚湾']) if (!this.fits(`${stem}${this.suffix}`, this.nameField.node)) return false;
    return true;
  }

  /** `count` distinct fictional names: 2 characters, then 3 (as some real places have), then 4. */
  names(count) {
    const names = new Set();
    const pairs = FIRST.length * SECOND.length;
    let attempts = 0;
    while (names.size < count) {
      attempts++;
      const length = names.size < pairs * 0.8 ? 2 : attempts < count * 20 ? 3 : 4;
      let stem = this.r.pick(FIRST);
      while (codePoints(stem) < length) stem += this.r.pick(SECOND);
      let name = `${stem}${this.suffix}`;
      const max = this.nameField.node.maxLength;
      if (this.extreme && max !== undefined) {
        const pad = max - codePoints(name);
        if (pad > 0) name = `${stem}${this.filler(pad)}${this.suffix}`;
      }
      if (this.fits(name, this.nameField.node)) names.add(name);
      else if (attempts > count * 100) throw new Error(`cannot compose ${count} distinct names for ${this.nameField.path}`);
    }
    return [...names];
  }

  filler(length) {
    const start = this.r.int(0, FILLER.length - 1);
    let out = '';
    for (let i = 0; i < length; i++) out += FILLER[(start + i) % FILLER.length];
    return out;
  }

  fits(value, node, ...more) {
    const text = more.length ? more.join('') : value;
    const n = codePoints(text);
    if (node.minLength !== undefined && n < node.minLength) return false;
    if (node.maxLength !== undefined && n > node.maxLength) return false;
    return (node.regexps ?? []).every((re) => re.test(text));
  }

  /** One report's data; `name` is written into the name field when the template has one. */
  report(name) {
    this.name = name;
    this.stem = name && this.suffix && name.endsWith(this.suffix) ? name.slice(0, name.length - this.suffix.length) : name;
    this.used = new Map();
    return this.value(this.template.schema, '');
  }

  value(schemaNode, path) {
    let node = this.resolveNode(schemaNode);
    for (const keyword of ['oneOf', 'anyOf']) {
      if (node[keyword]) {
        // A branch like the samples' values here when one fits, else any; the result is validated.
        const branches = node[keyword].map((b) => this.resolveNode(b));
        const seen = new Set(this.statsAt(path).values.map((v) => typeOf(v.value)));
        const liked = branches.filter((b) => typesOf(b).some((t) => seen.has(t) || (t === 'number' && seen.has('integer'))));
        const branch = this.r.pick(liked.length ? liked : branches);
        const merged = { ...node, ...branch };
        delete merged[keyword];
        node = merged;
      }
    }
    if ('const' in node) return structuredClone(node.const);
    if (node.enum) return this.enumValue(node);
    const type = this.chooseType(node, path);
    switch (type) {
      case 'object':
        return this.object(node, path);
      case 'array':
        return this.array(node, path);
      case 'string':
        return this.string(node, path);
      case 'number':
      case 'integer':
        return this.number(node, path, type === 'integer' || [node.type].flat().every((t) => t === 'integer'));
      case 'boolean': {
        const seen = this.statsAt(path).values.filter((v) => typeof v.value === 'boolean');
        const share = seen.length ? seen.filter((v) => v.value).length / seen.length : 0.5;
        return this.extreme ? true : this.r.next() < Math.min(0.9, Math.max(0.1, share));
      }
      case 'null':
        return null;
      default:
        throw new Error(`${path || '/'}: cannot generate a value of type ${type}`);
    }
  }

  statsAt(path) {
    return this.stats.get(path) ?? EMPTY_STATS;
  }

  chooseType(node, path) {
    const types = typesOf(node);
    if (types.length === 1) return types[0];
    // Like the samples: a nullable field is mostly filled in, null now and then.
    const seen = this.statsAt(path).values.map((v) => typeOf(v.value));
    const filled = types.filter((t) => t !== 'null');
    if (this.extreme && filled.length) return filled[0];
    if (seen.length && this.r.next() < 0.85) {
      const t = this.r.pick(seen);
      if (types.includes(t)) return t;
      if (t === 'integer' && types.includes('number')) return 'number';
    }
    return this.r.pick(types);
  }

  enumValue(node) {
    if (!this.extreme) return structuredClone(this.r.pick(node.enum));
    return structuredClone(node.enum.reduce((a, b) => (JSON.stringify(b).length > JSON.stringify(a).length ? b : a)));
  }

  object(node, path) {
    const out = {};
    const required = new Set(node.required ?? []);
    const stats = this.statsAt(path);
    const properties = Object.entries(node.properties ?? {});
    const child = (key) => (path ? `${path}.${key}` : key);
    const present = (key) => {
      if (required.has(key) || this.extreme) return true;
      const share = stats.objects ? (stats.present.get(key) ?? 0) / stats.objects : 0;
      return this.r.next() < Math.min(0.8, Math.max(0.2, share));
    };
    for (const [key, sub] of properties) if (present(key)) out[key] = this.value(sub, child(key));
    for (const key of required) {
      if (!(key in out)) out[key] = this.value(typeof node.additionalProperties === 'object' ? node.additionalProperties : {}, child(key));
    }
    // dependentRequired / minProperties: add the optional fields they ask for.
    for (const [key, needs] of Object.entries(node.dependentRequired ?? {})) {
      if (key in out) for (const need of needs) if (!(need in out) && node.properties?.[need]) out[need] = this.value(node.properties[need], child(need));
    }
    for (const [key, sub] of properties) {
      if (Object.keys(out).length >= (node.minProperties ?? 0)) break;
      if (!(key in out)) out[key] = this.value(sub, child(key));
    }
    // Keep the schema's property order, the order a form or a sample lists them in.
    return Object.fromEntries(Object.keys(node.properties ?? {}).filter((k) => k in out).map((k) => [k, out[k]]).concat(Object.entries(out).filter(([k]) => !node.properties?.[k])));
  }

  array(node, path) {
    const min = node.minItems ?? 0;
    const max = node.maxItems;
    const prefix = node.prefixItems ?? [];
    const lengths = this.statsAt(path).lengths;
    let length;
    if (this.extreme) {
      length = max ?? Math.max(min, prefix.length, ...lengths, 1) + 2;
    } else {
      const lo = Math.max(min, lengths.length ? Math.min(...lengths) - 1 : min);
      const hi = Math.min(max ?? Infinity, lengths.length ? Math.max(...lengths) + 1 : Math.max(min, 1) + 3);
      length = this.r.next() < 0.15 ? this.r.int(min, Math.max(min, max ?? hi)) : this.r.int(Math.min(lo, hi), Math.max(lo, hi));
    }
    if (node.items === false) length = Math.min(length, prefix.length);
    // Values are not repeated inside one list while the samples have others.
    const outer = this.used;
    this.used = new Map();
    const out = [];
    const seen = new Set();
    try {
      for (let i = 0; i < length; i++) {
        const itemSchema = i < prefix.length ? prefix[i] : node.items;
        let item;
        for (let attempt = 0; ; attempt++) {
          item = this.value(itemSchema ?? {}, `${path}[]`);
          if (!node.uniqueItems || !seen.has(JSON.stringify(item))) break;
          if (attempt >= 50) {
            item = this.variant(item, this.resolveNode(itemSchema ?? {}), seen);
            break;
          }
        }
        seen.add(JSON.stringify(item));
        out.push(item);
      }
    } finally {
      this.used = outer;
    }
    return out;
  }

  /** A string not yet in the list (uniqueItems ran out of sample values): a sample value with one more character. */
  variant(item, node, seen) {
    if (typeof item !== 'string') return item;
    for (let attempt = 0; attempt < 200; attempt++) {
      const candidate = attempt % 2 ? `${this.r.pick(FIRST)}${item}` : `${item.slice(0, -1)}${this.r.pick(FILLER)}${item.slice(-1)}`;
      if (!seen.has(JSON.stringify(candidate)) && this.fits(candidate, node)) return candidate;
    }
    return item;
  }

  /** A sample's text made the item's own: the sample's report name replaced by this item's. */
  own(text) {
    if (!this.namePattern || this.name === undefined) return text;
    return text.replace(this.namePattern, (word) => (this.nameWords.has(word) ? this.name : this.stem));
  }

  string(node, path) {
    if (this.name !== undefined && path === this.nameField?.path) return this.name;
    const pool = this.statsAt(path).values.filter((v) => typeof v.value === 'string' && (!node.format || this.fits(v.value, node)));
    if (this.extreme) return this.longString(node, path, pool);
    const used = this.used.get(path) ?? new Set();
    this.used.set(path, used);
    const unused = pool.filter((v) => !used.has(v.value));
    const choices = unused.length ? unused : pool;
    let value;
    if (choices.length === 0) {
      value = node.format ? formatValue(node.format, this.r) : this.madeUp(node, path);
    } else if (node.format) {
      value = this.r.pick(choices).value;
    } else {
      const base = this.r.pick(choices).value;
      const candidates = [this.own(this.recombine(base, pool)), this.own(base), base];
      value = candidates.find((c) => this.fits(c, node)) ?? base;
    }
    used.add(value);
    return value;
  }

  /** Sometimes a sample value with some of its parts taken from other samples of the same shape. */
  recombine(base, pool) {
    if (this.r.next() < 0.5) return base;
    const parts = base.split(DELIMITERS);
    if (parts.length < 3) return base;
    const shape = (p) => p.filter((_, i) => i % 2 === 1).join('');
    const alike = pool.map((v) => v.value.split(DELIMITERS)).filter((p) => p.length === parts.length && shape(p) === shape(parts));
    if (alike.length < 2) return base;
    return parts.map((part, i) => (i % 2 === 0 && this.r.next() < 0.5 ? this.r.pick(alike)[i] : part)).join('');
  }

  /** Text for a field no sample fills: ordinary hanzi (or, if its pattern wants, digits or letters). */
  madeUp(node, path) {
    const min = Math.max(node.minLength ?? 0, 2);
    const max = Math.max(min, Math.min(node.maxLength ?? min + 6, min + 6));
    for (let attempt = 0; attempt < 50; attempt++) {
      const length = this.r.int(min, max);
      const alphabet = [FILLER, [...'0123456789'], [...'abcdefghijklmnopqrstuvwxyz'], [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ']][attempt % 4];
      let text = '';
      for (let i = 0; i < length; i++) text += this.r.pick(alphabet);
      if (this.fits(text, node)) return text;
    }
    throw new Error(`${path}: no sample has a value here and made-up text does not match ${node.patterns?.join(' and ') ?? 'its length'}; add a sample that fills it`);
  }

  longString(node, path, pool) {
    const values = pool.map((v) => v.value).sort((a, b) => codePoints(b) - codePoints(a));
    if (node.format) return values[0] ?? formatValue(node.format, this.r);
    const target = node.maxLength ?? Math.max(node.minLength ?? 0, codePoints(values[0] ?? ''), 10) * 2;
    const own = values[0] === undefined ? '' : this.own(values[0]);
    const longest = codePoints(own) <= target ? own : values[0];
    const pad = target - codePoints(longest);
    const candidates = [];
    if (longest && pad >= 0) {
      const pieces = [...longest];
      const fill = this.filler(pad);
      candidates.push(`${longest}${fill}`, `${pieces.slice(0, -1).join('')}${fill}${pieces.at(-1)}`, `${fill}${longest}`);
    }
    candidates.push(this.filler(target));
    const found = candidates.find((c) => codePoints(c) === target && this.fits(c, node));
    if (found) return found;
    const valid = values.find((v) => this.fits(v, node));
    if (valid !== undefined) return valid;
    return this.madeUp(node, path);
  }

  /** How numbers at `path` are drawn: learned once from the samples and the schema's bounds. */
  model(node, path, integer) {
    let model = this.models.get(path);
    if (model && model.node === node) return model;
    const values = this.statsAt(path).values.map((v) => v.value).filter((v) => typeof v === 'number' && Number.isFinite(v));
    const multipleOf = node.multipleOf;
    const decimals = integer ? 0 : multipleOf ? decimalsOf(multipleOf) : values.length ? Math.max(...values.map(decimalsOf)) : 1;
    const step = integer ? Math.max(1, multipleOf ?? 1) : multipleOf ?? 10 ** -decimals;
    let lo = node.minimum ?? -Infinity;
    let hi = node.maximum ?? Infinity;
    if (node.exclusiveMinimum !== undefined) lo = Math.max(lo, node.exclusiveMinimum + step);
    if (node.exclusiveMaximum !== undefined) hi = Math.min(hi, node.exclusiveMaximum - step);
    const rate = node['x-unit'] === '%' && lo < 0;
    const signed = rate || values.some((v) => v < 0);
    const positives = values.filter((v) => v > 0);
    const negatives = values.filter((v) => v < 0).map((v) => -v);
    const zeros = values.length ? (values.length - positives.length - negatives.length) / values.length : 0;
    const a = Math.min(...positives);
    const b = Math.max(...positives);
    /** Log-normal over the range of `magnitudes` widened by ±50% (about 95% of draws inside it). */
    const logNormal = (magnitudes) => {
      const la = Math.log(Math.min(...magnitudes) / 1.5);
      const lb = Math.log(Math.max(...magnitudes) * 1.5);
      return () => Math.exp(this.r.normal((la + lb) / 2, (lb - la) / 4));
    };
    let draw;
    if (signed) {
      // A sign, then a magnitude like the samples' of that sign. Rates are mostly positive (70–90%,
      // fewer the more of the samples are negative) and exactly 0 now and then; other signed fields
      // take their sign as the samples do, with at least 10% of each.
      const either = [...positives, ...negatives];
      const fallback = either.length ? either : [1, 10];
      const up = logNormal(positives.length ? positives : fallback);
      const down = logNormal(negatives.length ? negatives : fallback);
      const negativeShare = either.length ? negatives.length / either.length : 0;
      const pNegative = rate ? Math.min(0.3, Math.max(0.1, negativeShare)) : Math.min(0.9, Math.max(0.1, negativeShare));
      const pZero = rate ? 0.03 : Math.min(0.2, zeros);
      draw = () => (this.r.next() < pZero ? 0 : this.r.next() < pNegative ? -down() : up());
    } else if (positives.length && b / a >= 1.1) {
      // Log-normal over the samples' range widened by ±50%; zeros as often as the samples have them (≤ 50%).
      const magnitude = logNormal(positives);
      const pZero = Math.min(0.5, zeros);
      draw = () => (this.r.next() < pZero ? 0 : magnitude());
    } else if (values.length) {
      const mean = values.reduce((x, y) => x + y, 0) / values.length;
      // Close together (a year, a share near 100): around them, half their spread either side, at least 0.5%.
      const vmin = Math.min(...values);
      const vmax = Math.max(...values);
      const w = Math.max(0.5 * (vmax - vmin), 0.005 * Math.abs(mean), step);
      draw = () => this.r.uniform(vmin - w, vmax + w);
    } else {
      // No sample: log-uniform over the plausible part of the schema's range.
      const from = Math.max(lo, step, 1);
      const to = Math.min(hi, Math.max(from * 10, 1000));
      draw = () => (to <= from ? from : Math.exp(this.r.uniform(Math.log(from), Math.log(to))));
    }
    model = { node, lo, hi, step, decimals, integer, multipleOf, draw, values };
    this.models.set(path, model);
    return model;
  }

  round(model, value) {
    const { decimals, integer, multipleOf, lo, hi } = model;
    let v = multipleOf ? Math.round(value / multipleOf) * multipleOf : value;
    v = integer ? Math.round(v) : Number(v.toFixed(decimals));
    if (v < lo) v = integer ? Math.ceil(lo) : Number((Math.ceil(lo * 10 ** decimals) / 10 ** decimals).toFixed(decimals));
    if (v > hi) v = integer ? Math.floor(hi) : Number((Math.floor(hi * 10 ** decimals) / 10 ** decimals).toFixed(decimals));
    return v === 0 ? 0 : v;
  }

  number(node, path, integer) {
    const model = this.model(node, path, integer);
    if (this.extreme) return this.longNumber(model);
    let value = model.draw();
    for (let i = 0; i < 8 && !(value >= model.lo && value <= model.hi); i++) value = model.draw();
    return this.round(model, Math.min(model.hi, Math.max(model.lo, value)));
  }

  /** The allowed value that prints longest: the maximum (or just under it, with decimals), or a negative minimum. */
  longNumber(model) {
    const { lo, hi, step, values } = model;
    const top = Number.isFinite(hi) ? hi : Math.max(1, ...values.map(Math.abs)) * 1000;
    const candidates = [top, top - step];
    if (lo < 0) {
      const bottom = Number.isFinite(lo) ? lo : -top;
      candidates.push(bottom, bottom + step);
    }
    const printed = candidates.map((c) => this.round(model, c)).filter((c) => c >= lo && c <= hi);
    return printed.reduce((best, c) => (String(c).length > String(best).length ? c : best));
  }
}

/** A value for a `format` no sample shows. */
function formatValue(format, r) {
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  const date = () => `${r.int(2000, 2030)}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`;
  const time = () => `${pad(r.int(0, 23))}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}Z`;
  switch (format) {
    case 'date':
      return date();
    case 'time':
      return time();
    case 'date-time':
      return `${date()}T${time()}`;
    case 'email':
      return `user${r.int(1, 9999)}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/${r.int(1, 9999)}`;
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000'.replace(/0/g, () => r.int(0, 15).toString(16));
    case 'ipv4':
      return `192.0.2.${r.int(1, 254)}`;
    default:
      throw new Error(`no sample shows a value of format "${format}"; add a sample that fills it`);
  }
}

/**
 * N items `{id, data}` for template `template`, every one valid against its schema; the same
 * arguments always give the same items.
 */
export function generateReports(templateId, count, options = {}) {
  return [...reportItems(templateId, count, options)];
}

/** The same items one at a time, so a large N never has to be held as one string. */
export function* reportItems(templateId, count, { seed = 1, templatesDir, extreme = false } = {}) {
  const dir = templatesDirFrom(templatesDir);
  const template = loadTemplate(dir, templateId);
  const generator = new Generator(template, { seed, extreme });
  const names = generator.nameField ? generator.names(count) : undefined;
  const width = Math.max(4, String(count).length);
  for (let i = 0; i < count; i++) {
    const id = names ? names[i] : `${templateId}-${String(i + 1).padStart(width, '0')}`;
    let data;
    // A oneOf/anyOf branch may clash with a sibling keyword: a few fresh draws, then give up loudly.
    for (let attempt = 1; ; attempt++) {
      data = generator.report(names?.[i]);
      if (template.validate(data)) break;
      if (attempt >= 5) {
        throw new Error(`item ${i + 1} ("${id}") of "${templateId}" is invalid against its schema: ${template.ajv.errorsText(template.validate.errors)}`);
      }
    }
    yield { id, data };
  }
}

/** The command line: parsed, checked, one line of usage on any mistake. */
export function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        seed: { type: 'string', default: '1' },
        output: { type: 'string', short: 'o' },
        'templates-dir': { type: 'string' },
        extreme: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    const option = /'([^']+)'/.exec(error.message)?.[1];
    const what = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${option}` : error.message.split('\n')[0];
    throw new UsageError(`gen-reports: ${what}; ${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const [template, countText, ...extra] = positionals;
  if (template === undefined) throw new UsageError(`gen-reports: <template> is missing: name a folder of the templates directory; ${USAGE}`);
  if (countText === undefined) throw new UsageError(`gen-reports: <N> is missing: say how many reports to write, 1 to ${MAX_COUNT}; ${USAGE}`);
  if (extra.length) throw new UsageError(`gen-reports: unexpected argument "${extra[0]}"; ${USAGE}`);
  const count = Number(countText);
  if (!/^\d+$/.test(countText) || !Number.isSafeInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new UsageError(`gen-reports: <N> must be a whole number from 1 to ${MAX_COUNT}, got "${countText}"`);
  }
  const seed = Number(values.seed);
  if (!/^-?\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) throw new UsageError(`gen-reports: --seed must be a whole number, got "${values.seed}"`);
  const templatesDir = templatesDirFrom(values['templates-dir']);
  if (!existsSync(templatesDir) || !statSync(templatesDir).isDirectory()) {
    const from = values['templates-dir'] !== undefined ? '--templates-dir' : process.env.TEMPLATES_DIR !== undefined ? 'TEMPLATES_DIR' : 'the templates directory';
    throw new UsageError(`gen-reports: ${from} ${templatesDir} is not a folder; point it at the folder holding one sub-folder per template`);
  }
  const output = values.output === undefined ? undefined : resolve(values.output);
  if (output !== undefined && (!existsSync(dirname(output)) || (existsSync(output) && statSync(output).isDirectory()))) {
    throw new UsageError(`gen-reports: -o ${values.output} cannot be written: give a file name in an existing folder`);
  }
  return { template, count, seed, templatesDir, output, extreme: values.extreme };
}

function main() {
  let options;
  try {
    options = parseCommandLine(process.argv.slice(2));
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    // Generated (and validated) in full before anything is written: a failure leaves no half file.
    const chunks = [];
    let lines = [];
    for (const item of reportItems(options.template, options.count, options)) {
      lines.push(`${JSON.stringify(item)}\n`);
      if (lines.length === 1000) {
        chunks.push(lines.join(''));
        lines = [];
      }
    }
    chunks.push(lines.join(''));
    if (options.output) {
      const fd = openSync(options.output, 'w');
      try {
        for (const chunk of chunks) writeSync(fd, chunk);
      } finally {
        closeSync(fd);
      }
    } else {
      // `| head` closing the pipe early is no error.
      process.stdout.on('error', (error) => {
        if (error.code !== 'EPIPE') throw error;
      });
      for (const chunk of chunks) process.stdout.write(chunk);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`gen-reports: ${error.message}\n`);
      process.exitCode = 1;
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
