/**
 * The one Ajv set-up every template's data is checked with, and the validators a build compiles
 * ahead of time.
 *
 * *Why ahead of time*: Ajv generates a validator's code from the schema, which is the costliest
 * step of a Lambda cold start after Chromium itself. *Measured* (2026-12-06, Node 22 on one core, the
 * HTTP function's first request): checking a schema against the JSON Schema 2020-12 meta-schema
 * ~105 ms (Ajv compiles the meta-schema first), compiling the county report's schema ~135 ms. The
 * build (infra/lib/constructs/ServiceFunction.ts) therefore compiles the schemas of the templates it
 * ships into one module beside the templates folder (`<TEMPLATES_DIR>.validators.js`), which
 * files/loadTemplateStore.ts loads; TemplateStore takes a template's validator from it when the
 * schema is the very one it was compiled from (same key), and then skips both steps, since
 * compiling in strict mode already checked the schema at build time. Any other template (a local
 * folder, an edited schema) is checked and compiled in the process as before.
 */
import { createHash } from 'node:crypto';
import { _ } from 'ajv';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import addFormats from 'ajv-formats';

/** Validators compiled ahead of time, by `schemaKey` of the schema each was compiled from. */
export type PrecompiledValidators = ReadonlyMap<string, ValidateFunction>;

/** The name a precompiled validator is exported under in the generated module: `v` + its key. */
const EXPORT_PREFIX = 'v';
const EXPORT_NAME = /^v([0-9a-f]{64})$/;

/**
 * The product's Ajv for template data. `standalone`: keeps the generated code so that
 * `precompiledValidatorsSource` can write it out, with the formats taken from ajv-formats.
 */
export function createTemplateAjv(options: { readonly standalone?: boolean } = {}): Ajv2020 {
  // verbose: errors carry the schema that failed, where `x-pattern-message` is found.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    verbose: true,
    ...(options.standalone ? { code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` } } : {}),
  });
  addFormats(ajv);
  // Annotations only: the unit shown next to a figure in forms and error messages, and what a
  // `pattern` means in words (a regular expression is no message for a county clerk).
  ajv.addKeyword({ keyword: 'x-unit', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-pattern-message', schemaType: 'string' });
  return ajv;
}

/** What a precompiled validator is filed under: the hash of the schema as parsed from schema.json. */
export function schemaKey(schema: unknown): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

/**
 * The source of a CommonJS module exporting one validator per schema (compiled in strict mode: a
 * schema Ajv refuses throws here, at build time). It requires `ajv` and `ajv-formats` parts, so the
 * build bundles it.
 */
export function precompiledValidatorsSource(schemas: Iterable<Record<string, unknown>>): string {
  const ajv = createTemplateAjv({ standalone: true });
  const exports: Record<string, string> = {};
  for (const schema of schemas) {
    const key = schemaKey(schema);
    if (exports[EXPORT_PREFIX + key] !== undefined) continue;
    ajv.addSchema(schema, key);
    ajv.getSchema(key); // compiles now, so a broken schema fails the build naming itself
    exports[EXPORT_PREFIX + key] = key;
  }
  return standaloneCode(ajv, exports);
}

/** The validators of a module made from `precompiledValidatorsSource`, by schema key; other exports are ignored. */
export function precompiledValidatorsOf(exported: Readonly<Record<string, unknown>>): PrecompiledValidators {
  const validators = new Map<string, ValidateFunction>();
  for (const [name, value] of Object.entries(exported)) {
    const key = EXPORT_NAME.exec(name)?.[1];
    if (key !== undefined && typeof value === 'function') validators.set(key, value as ValidateFunction);
  }
  return validators;
}
