/**
 * The county-annual-report schema, checked through the service's own validator: the template as
 * the TemplateStore compiled it (its Ajv settings, formats and keywords), and the problems as the
 * service reports them, each an ErrorDetail {path, message}: the JSON pointer of the field, then
 * Ajv's words for the rule that failed followed by the field's Chinese label in （）.
 */
import type { ErrorDetail } from '../../lambda/src/core/errors';
import { TemplateStore } from '../../lambda/src/core/TemplateStore';
import type { CountyAnnualReportData } from '../helpers/countyAnnualReportData';
import { projectTemplateFiles } from '../helpers/app';
import { clone, countyTemplate, readSamples, TEMPLATE_ID } from './helpers/countyAnnualReportFiles';

type JsonSchema = Record<string, unknown>;

const template = countyTemplate();
const schema = template.schema as JsonSchema;
const samples = readSamples();
const [, baseSample] = samples[0];

/** Every problem the service finds in `data` (Template.check). */
const errorsFor = (data: unknown): ErrorDetail[] => template.check(data);

/** Validates a changed copy of a valid sample and returns the errors. */
function errorsAfter(change: (data: CountyAnnualReportData & Record<string, unknown>) => void): ErrorDetail[] {
  const data = clone(baseSample) as CountyAnnualReportData & Record<string, unknown>;
  change(data);
  return errorsFor(data);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The problem at `path` whose message is `words` (Ajv's, for the one rule that failed) and then the field's label. */
const problem = (path: string, words: string): ErrorDetail => ({
  path,
  message: expect.stringMatching(new RegExp(`^${escapeRegExp(words)}（.+）$`)),
});

/** What the service says for a field the schema does not declare (Ajv's additionalProperties). */
const UNKNOWN_FIELD = 'is not a field of this template; remove it or check its spelling';
/** What the service says when a text fails the plain-text pattern: the schema's x-pattern-message for it. */
const PATTERN_WORDS = String(((schema.$defs as Record<string, JsonSchema>).plainText as JsonSchema)['x-pattern-message']);

function resolve(node: JsonSchema): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((at, key) => (at as JsonSchema)[key], schema) as JsonSchema;
  return { ...resolve(target), ...node };
}

/** Every property schema with its JSON pointer, at every level (nested objects and array items). */
function allProperties(node: JsonSchema = schema, at = ''): Array<[string, JsonSchema]> {
  const found: Array<[string, JsonSchema]> = [];
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, property] of Object.entries(properties)) {
    const path = `${at}/${name}`;
    found.push([path, property]);
    found.push(...allProperties(property, path));
    if (property.items) found.push(...allProperties(resolve(property.items as JsonSchema), `${path}/items`));
  }
  return found;
}

/** Every schema node that declares type object. */
function objectSchemas(node: unknown, at = '#'): Array<[string, JsonSchema]> {
  if (typeof node !== 'object' || node === null) return [];
  const found: Array<[string, JsonSchema]> = [];
  if ((node as JsonSchema).type === 'object') found.push([at, node as JsonSchema]);
  for (const [key, child] of Object.entries(node)) found.push(...objectSchemas(child, `${at}/${key}`));
  return found;
}

const HAN = /[\u4e00-\u9fff]/;

describe('county-annual-report schema', () => {
  it('is a draft 2020-12 schema that compiles in strict mode', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    // The service's TemplateStore compiles it with its own Ajv (strict, its formats and keywords).
    expect(() => TemplateStore.fromFiles([projectTemplateFiles(TEMPLATE_ID)])).not.toThrow();
  });

  it.each(samples)('accepts the sample %s', (_name, data) => {
    expect(errorsFor(data)).toEqual([]);
  });

  it('has at least three samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(3);
  });

  it('accepts data without the optional reporter, or with an empty one', () => {
    expect(errorsAfter((d) => delete d.reporter)).toEqual([]);
    expect(errorsAfter((d) => (d.reporter = {}))).toEqual([]);
  });

  it('rejects a missing required field and names it', () => {
    const errors = errorsAfter((d) => delete (d.economy as Partial<CountyAnnualReportData['economy']>).gdp);
    expect(errors).toEqual([problem('/economy/gdp', 'is required')]);
  });

  it('rejects a missing section', () => {
    const errors = errorsAfter((d) => delete (d as Partial<CountyAnnualReportData>).ecology);
    expect(errors).toEqual([problem('/ecology', 'is required')]);
  });

  it('rejects a number given as a string', () => {
    const errors = errorsAfter((d) => ((d.economy as Record<string, unknown>).gdp = '386.42'));
    expect(errors).toEqual([problem('/economy/gdp', 'must be number')]);
  });

  it('rejects a fall of more than 100% (the seed\'s "同比下降189%")', () => {
    const errors = errorsAfter((d) => (d.ecology.pm25Change = -189));
    expect(errors).toEqual([problem('/ecology/pm25Change', 'must be >= -100')]);
    expect(errorsAfter((d) => (d.ecology.pm25Change = -100))).toEqual([]);
    expect(errorsAfter((d) => (d.economy.gdpGrowth = -100.1))).toHaveLength(1);
  });

  it('rejects unknown fields at the root and inside sections', () => {
    expect(errorsAfter((d) => (d.extra = 1))).toEqual([{ path: '/extra', message: UNKNOWN_FIELD }]);
    expect(errorsAfter((d) => ((d.county as Record<string, unknown>).population = 1))).toEqual([
      { path: '/county/population', message: UNKNOWN_FIELD },
    ]);
    expect(errorsAfter((d) => (d.reporter = { name: '王明', phone: '1' } as CountyAnnualReportData['reporter']))).toEqual([
      { path: '/reporter/phone', message: UNKNOWN_FIELD },
    ]);
  });

  it('rejects an empty name', () => {
    const errors = errorsAfter((d) => (d.county.name = ''));
    expect(errors.map((e) => e.path)).toContain('/county/name');
    expect(errors).toContainEqual(problem('/county/name', 'must NOT have fewer than 1 characters'));
  });

  it.each([
    ['a control character', '青岚\u0007县'],
    ['a line break', '青岚\n县'],
    ['a right-to-left override', '青岚\u202e县'],
    ['a bidi isolate', '\u2066青岚县\u2069'],
    ['a zero-width space', '青岚\u200b县'],
    ['a leading space', ' 青岚县'],
    ['a trailing ideographic space', '青岚县\u3000'],
  ])('rejects a name with %s', (_what, name) => {
    const errors = errorsAfter((d) => (d.county.name = name));
    expect(errors).toEqual([problem('/county/name', PATTERN_WORDS)]);
  });

  it('accepts names with inner spaces and punctuation', () => {
    expect(errorsAfter((d) => (d.investment.allianceName = 'Jing-Jin 家居联盟（北方）'))).toEqual([]);
  });

  it('rejects an over-long name', () => {
    const errors = errorsAfter((d) => (d.county.name = '县'.repeat(31)));
    expect(errors).toEqual([problem('/county/name', 'must NOT have more than 30 characters')]);
  });

  it('rejects a negative count and a fractional count', () => {
    expect(errorsAfter((d) => (d.investment.negotiatedProjects = -1))).toEqual([problem('/investment/negotiatedProjects', 'must be >= 0')]);
    expect(errorsAfter((d) => (d.investment.negotiatedProjects = 2.5))).toEqual([problem('/investment/negotiatedProjects', 'must be integer')]);
  });

  it('rejects a negative amount and a share above 100%', () => {
    expect(errorsAfter((d) => (d.economy.gdp = -1))).toEqual([problem('/economy/gdp', 'must be >= 0')]);
    expect(errorsAfter((d) => (d.ecology.forestCoverage = 100.5))).toEqual([problem('/ecology/forestCoverage', 'must be <= 100')]);
  });

  it('rejects a year outside 2000–2100', () => {
    expect(errorsAfter((d) => (d.year = 1999))).toHaveLength(1);
    expect(errorsAfter((d) => (d.year = 2020.5))).toHaveLength(1);
  });

  it('enforces list sizes and unique entries', () => {
    expect(errorsAfter((d) => (d.reform.mergedParks = ['甲园区']))).toEqual([problem('/reform/mergedParks', 'must NOT have fewer than 2 items')]);
    expect(errorsAfter((d) => (d.integrity.specialActions = ['入企帮扶', '入企帮扶']))).toEqual([
      problem('/integrity/specialActions', 'must NOT have duplicate items (items ## 0 and 1 are identical)'),
    ]);
    expect(errorsAfter((d) => (d.ecology.keyRivers = ['清水河', '']))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/ecology/keyRivers/1' })]),
    );
  });

  it('reports every problem at once', () => {
    const errors = errorsAfter((d) => {
      d.county.name = '';
      d.ecology.pm25Change = -189;
      d.livelihood.newUrbanJobs = -5;
    });
    expect(new Set(errors.map((e) => e.path))).toEqual(
      new Set(['/county/name', '/ecology/pm25Change', '/livelihood/newUrbanJobs']),
    );
  });

  it('gives every property at every level a Chinese title and description', () => {
    const properties = allProperties();
    expect(properties.length).toBeGreaterThan(100);
    for (const [path, property] of properties) {
      if (path.includes('/items')) continue;
      expect({ path, title: property.title }).toEqual({ path, title: expect.stringMatching(HAN) });
      expect({ path, description: property.description }).toEqual({ path, description: expect.stringMatching(HAN) });
    }
  });

  it('annotates every figure with its unit', () => {
    for (const [path, property] of allProperties()) {
      const type = resolve(property).type;
      if (type === 'number' || type === 'integer') {
        expect({ path, unit: property['x-unit'] }).toEqual({ path, unit: expect.any(String) });
      }
    }
  });

  it('closes every object against unknown fields', () => {
    const objects = objectSchemas(schema);
    expect(objects.length).toBeGreaterThan(10);
    for (const [path, node] of objects) {
      expect({ path, additionalProperties: node.additionalProperties }).toEqual({ path, additionalProperties: false });
    }
  });

  it('requires everything in the report, and leaves only the reporter optional', () => {
    const properties = schema.properties as Record<string, JsonSchema>;
    expect(schema.required).toEqual(Object.keys(properties).filter((key) => key !== 'reporter'));
    for (const [key, section] of Object.entries(properties)) {
      if (section.type !== 'object' || key === 'reporter') continue;
      expect({ key, required: section.required }).toEqual({ key, required: Object.keys(section.properties as object) });
    }
  });

  it('orders the sections as the report does', () => {
    const html = template.html;
    const sections = Object.keys(schema.properties as object).filter((key) => key !== 'reporter');
    const firstUse = sections.map((key) => html.indexOf(`{{${key}`));
    expect(firstUse.every((index) => index >= 0)).toBe(true);
    expect([...firstUse].sort((a, b) => a - b)).toEqual(firstUse);
  });
});
