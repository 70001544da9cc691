/**
 * The validators the build compiles ahead of time (core/templateValidators.ts): the module the
 * Lambda bundling writes (infra/lib/bundling/writePrecompiledValidators.ts) gives, for every shipped
 * template, the very errors the validator compiled in the process gives; a store uses a
 * precompiled validator only for the schema it was compiled from.
 */
import type { ValidateFunction } from 'ajv/dist/2020';
import { writePrecompiledValidators } from '../../infra/lib/bundling/writePrecompiledValidators';
import { PATHS } from '../../infra/lib/projectPaths';
import { DataValidationError } from '../../lambda/src/core/errors';
import { TemplateStore } from '../../lambda/src/core/TemplateStore';
import { precompiledValidatorsOf, precompiledValidatorsSource, schemaKey, type PrecompiledValidators } from '../../lambda/src/core/templateValidators';
import { projectTemplateFiles, projectTemplates } from '../helpers/app';

const IDS = ['county-annual-report', 'county-quarterly-brief', 'county-statistical-communique'];

/** What `validate` throws for `data`, as the client would see it. */
function problems(store: TemplateStore, id: string, data: unknown): unknown {
  try {
    store.get(id).validate(data);
    return 'valid';
  } catch (error) {
    if (!(error instanceof DataValidationError)) throw error;
    return { message: error.message, details: error.details };
  }
}

/** Every leaf string and number of `value` replaced, one at a time would be slow: all at once, by a wrong type. */
function spoiled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(spoiled);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, spoiled(v)]));
  return typeof value === 'string' ? 12 : typeof value === 'number' ? 'twelve' : value;
}

describe('precompiled template validators', () => {
  let precompiled: PrecompiledValidators;
  beforeAll(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    precompiled = precompiledValidatorsOf(require(writePrecompiledValidators(PATHS.templates)) as Record<string, unknown>);
  });

  it('the bundled module holds one validator per shipped schema, filed under its key', () => {
    const keys = IDS.map((id) => schemaKey(projectTemplateFiles(id).schema));
    expect([...precompiled.keys()].sort()).toEqual([...keys].sort());
  });

  it('gives the errors the validator compiled in the process gives, for every template', () => {
    const compiled = projectTemplates();
    const prebuilt = TemplateStore.fromFiles(IDS.map(projectTemplateFiles), { precompiled });
    for (const id of IDS) {
      const sample = Object.values(compiled.get(id).sampleData)[0] as Record<string, unknown>;
      expect(problems(prebuilt, id, sample)).toBe('valid');
      for (const data of [spoiled(sample), {}, { ...sample, extra: 1 }, []]) {
        const expected = problems(compiled, id, data);
        expect(expected).not.toBe('valid');
        expect(problems(prebuilt, id, data)).toEqual(expected);
      }
    }
  });

  it('is used only for the schema it was compiled from', () => {
    const files = projectTemplateFiles('county-quarterly-brief');
    const refusing = Object.assign((() => false) as unknown as ValidateFunction, {
      errors: [{ keyword: 'x-test', instancePath: '/from-the-build', schemaPath: '#', params: {}, message: 'came from the precompiled validator' }],
    });
    const sample = Object.values(projectTemplates().get('county-quarterly-brief').sampleData)[0];
    const used = TemplateStore.fromFiles([files], { precompiled: new Map([[schemaKey(files.schema), refusing]]) });
    expect(problems(used, 'county-quarterly-brief', sample)).toMatchObject({ details: [{ path: '/from-the-build' }] });
    // The schema edited since the build: compiled in the process instead.
    const edited = { ...files, schema: { ...files.schema, description: 'edited' } };
    const notUsed = TemplateStore.fromFiles([edited], { precompiled: new Map([[schemaKey(files.schema), refusing]]) });
    expect(problems(notUsed, 'county-quarterly-brief', sample)).toBe('valid');
  });

  it('fails the build on a schema Ajv refuses in strict mode, naming the problem', () => {
    expect(() => precompiledValidatorsSource([{ type: 'object', properties: { a: { type: 'string', minimum: 'x' } } }])).toThrow(/minimum/);
  });
});
