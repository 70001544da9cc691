/**
 * Templates: `templates/<id>/template.html`, `style.css`, `schema.json`, `view.json`,
 * `samples/*.json`, optional `partials/*.html` and `assets/` (docs/templates.md).
 * files/loadTemplateStore.ts reads the folders once at start-up; this turns their contents into
 * checked, compiled templates kept in memory, so a render touches no files. A template is data
 * only: view.json is compiled against schema.json here, with the product's formatters and charts.
 */
import { createHash } from 'node:crypto';
import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { DataValidationError, TemplateDefinitionError, TemplateNotFoundError, type ErrorDetail } from './errors';
import { inlineStylesheets } from './inlineStylesheets';
import { CHART_PARTIAL } from './charts/chartPartial';
import { lintTemplate, type LintProblem } from './lintTemplate';
import { labelAt, type SchemaNode } from './schemaLabels';
import type { PageAsset } from './ports';
import { isTemplateId } from './storageLayout';
import { createTemplateAjv, schemaKey, type PrecompiledValidators } from './templateValidators';
import { compileView, type CompiledView, type PageRange, type ViewMeta } from './view/compileView';

/** The contents of one template folder, as read from disk (or written by a test). */
export interface TemplateFiles {
  /** The folder name. */
  readonly id: string;
  /** template.html */
  readonly html: string;
  /** style.css */
  readonly css: string;
  /** schema.json, parsed. */
  readonly schema: Record<string, unknown>;
  /** partials/<name>.html by name. */
  readonly partials: Readonly<Record<string, string>>;
  /** assets/<name> by name. */
  readonly assets: ReadonlyMap<string, Buffer>;
  /** samples/<name>.json, parsed, by name. */
  readonly samples: Readonly<Record<string, unknown>>;
  /**
   * view.json as written (its text, so problems are reported by line). Without one, template.html
   * sees the data itself and the PDF is titled after the schema.
   */
  readonly view?: string;
}

/** What template.html is rendered with, and the PDF metadata view.json declares for it. */
export interface BuiltView {
  readonly view: Record<string, unknown>;
  readonly meta: ViewMeta;
}

export interface TemplateSummary {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly samples: readonly string[];
}

export interface Template extends TemplateSummary {
  /** template.html with its own stylesheets inlined (see inlineStylesheets). */
  readonly html: string;
  /** The template's partials plus the product's (`chart`). */
  readonly partials: Readonly<Record<string, string>>;
  /** The page range view.json declares; undefined without a view.json. */
  readonly pages?: PageRange;
  /** Served to the page from memory; `style.css` plus anything under `assets/`. */
  readonly assets: ReadonlyMap<string, PageAsset>;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly sampleData: Readonly<Record<string, unknown>>;
  /** Hash of everything that shapes the output; part of every content key, so editing a template re-renders. */
  readonly fingerprint: string;
  /** Returns every problem at once, located by JSON pointer; empty when the data is valid. */
  check(data: unknown): ErrorDetail[];
  /** Throws DataValidationError listing every problem. */
  validate(data: unknown): void;
  /** The view of data that has passed validate(); DataValidationError if a value cannot be printed. */
  buildView(data: unknown): BuiltView;
}

/** Partials every template can use; the names are reserved. */
const PRODUCT_PARTIALS: Readonly<Record<string, string>> = Object.freeze({ chart: CHART_PARTIAL });

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ttf': 'font/ttf',
};

function contentTypeOf(file: string): string {
  const ext = file.slice(file.lastIndexOf('.')).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Ajv's error → one detail a county clerk can act on: where, what the field is called, what is wrong. */
export function toErrorDetail(error: ErrorObject, schema: SchemaNode): ErrorDetail {
  const params = error.params as Record<string, unknown>;
  const withLabel = (path: string, message: string): ErrorDetail => {
    const label = labelAt(schema, path);
    return { path, message: label ? `${message}（${label}）` : message };
  };
  switch (error.keyword) {
    case 'required':
      return withLabel(`${error.instancePath}/${String(params.missingProperty)}`, 'is required');
    case 'pattern': {
      const words = (error.parentSchema as Record<string, unknown> | undefined)?.['x-pattern-message'];
      return withLabel(error.instancePath, typeof words === 'string' ? words : 'has a form this field does not accept');
    }
    case 'additionalProperties':
      return {
        path: `${error.instancePath}/${String(params.additionalProperty)}`,
        message: 'is not a field of this template; remove it or check its spelling',
      };
    default:
      return withLabel(error.instancePath, error.message ?? 'is invalid');
  }
}

/** An empty or too short string also fails its pattern; that second error says nothing new. */
function withoutEchoes(errors: readonly ErrorObject[]): ErrorObject[] {
  const tooShort = new Set(errors.filter((e) => e.keyword === 'minLength').map((e) => e.instancePath));
  return errors.filter((e) => !(e.keyword === 'pattern' && tooShort.has(e.instancePath)));
}

/** Template ids are folder names; anything else is refused before it could touch a path. */
export function checkTemplateFolderName(name: string): void {
  if (!isTemplateId(name)) {
    throw new TemplateDefinitionError(`Template folder "${name}" must be named with lower-case letters, digits and dashes.`);
  }
}

/** Everything wrong with a template's files, and its compiled view where nothing was. */
interface Analysis {
  readonly problems: LintProblem[];
  readonly view?: CompiledView;
}

/**
 * How much of the schema is checked up front. `meta`: against the JSON Schema meta-schema only;
 * the validator is compiled on the template's first use. `compile`: compiled now, so Ajv's strict
 * mode also reports unknown keywords and the like (`pdf-export check`, the tests). `precompiled`:
 * nothing, because the build compiled this very schema in strict mode (templateValidators.ts).
 */
type SchemaCheck = 'meta' | 'compile' | 'precompiled';

function analyse(files: TemplateFiles, ajv: Ajv2020, schemaCheck: SchemaCheck): Analysis {
  const { html, css, schema, partials } = files;
  const problems = lintTemplate({ html, css, partials });
  let schemaOk = true;
  try {
    if (schemaCheck === 'compile') ajv.compile(schema);
    else if (schemaCheck === 'meta' && !ajv.validateSchema(schema)) throw new Error(ajv.errorsText(ajv.errors));
  } catch (error) {
    schemaOk = false;
    problems.unshift({ file: 'schema.json', line: 1, message: `not a valid JSON Schema (2020-12, strict): ${(error as Error).message}` });
  }
  for (const name of Object.keys(partials)) {
    if (Object.hasOwn(PRODUCT_PARTIALS, name)) problems.push({ file: `partials/${name}.html`, line: 1, message: `the partial name "${name}" is the product's own (it draws the charts of view.json); rename the file` });
  }
  // Without a schema the view cannot be checked; its problems would only echo the schema's.
  const compiled = files.view === undefined || !schemaOk ? undefined : compileView(files.view, schema);
  for (const problem of compiled?.problems ?? []) problems.push({ file: 'view.json', ...problem });
  return { problems, view: compiled?.view };
}

function buildTemplate(files: TemplateFiles, ajv: Ajv2020, precompiled: PrecompiledValidators | undefined): Template {
  const { id, html, css, schema, partials } = files;
  checkTemplateFolderName(id);
  const compiledByTheBuild = precompiled?.get(schemaKey(schema));
  const { problems, view } = analyse(files, ajv, compiledByTheBuild ? 'precompiled' : 'meta');
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.file}:${p.line}: ${p.message.replace(/\.$/, '')}`).join('; ');
    throw new TemplateDefinitionError(`Template "${id}" breaks the template rules: ${list}.`);
  }
  /*
   * The build's, or compiled on first use: Ajv's code generation is ~40–150 ms a schema (measured
   * 2026-12-06 for the three shipped templates), and a process (a Lambda container above all)
   * should not pay it at start-up for every template it may never print. The meta-schema check
   * above still refuses a malformed schema at start-up; what only compiling finds (Ajv's strict
   * mode) is reported by `pdf-export check` and by the tests, which compile every template.
   */
  let validator: ValidateFunction | undefined = compiledByTheBuild;
  const validatorOf = (): ValidateFunction => {
    try {
      return (validator ??= ajv.compile(schema));
    } catch (error) {
      throw new TemplateDefinitionError(`Template "${id}" has an invalid schema.json; run pdf-export check on its folder.`, { cause: error });
    }
  };

  const assets = new Map<string, PageAsset>([['style.css', { contentType: contentTypeOf('style.css'), body: Buffer.from(css) }]]);
  for (const [name, body] of [...files.assets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    assets.set(`assets/${name}`, { contentType: contentTypeOf(name), body });
  }

  const sampleData: Record<string, unknown> = { ...files.samples };

  const fingerprint = createHash('sha256');
  for (const part of [html, css, JSON.stringify(schema), files.view ?? '', ...Object.entries(partials).flat()]) fingerprint.update(part).update('\0');
  for (const [name, asset] of assets) fingerprint.update(name).update(asset.body);

  const check = (data: unknown): ErrorDetail[] => {
    const validate = validatorOf();
    return validate(data) ? [] : withoutEchoes(validate.errors ?? []).map((e) => toErrorDetail(e, schema));
  };
  return Object.freeze({
    id,
    title: typeof schema.title === 'string' ? schema.title : id,
    description: typeof schema.description === 'string' ? schema.description : '',
    samples: Object.freeze(Object.keys(sampleData)),
    html: inlineStylesheets(id, html, assets),
    partials: Object.freeze({ ...partials, ...PRODUCT_PARTIALS }),
    ...(view ? { pages: view.pages } : {}),
    assets,
    schema: Object.freeze(schema),
    sampleData: Object.freeze(sampleData),
    fingerprint: fingerprint.digest('hex'),
    check,
    buildView(data: unknown): BuiltView {
      return view ? view.render(data) : { view: data as Record<string, unknown>, meta: {} };
    },
    validate(data: unknown): void {
      const details = check(data);
      if (details.length > 0) {
        const fields = details.map((d) => d.path || '/').join(', ');
        throw new DataValidationError(`The report data has ${details.length} problem(s): ${fields}.`, { details });
      }
    },
  });
}

export class TemplateStore {
  private constructor(private readonly templates: ReadonlyMap<string, Template>) {}

  /**
   * Checks and compiles every template; a broken one fails start-up (TemplateDefinitionError).
   * `precompiled`: validators the build compiled (templateValidators.ts), used for the schemas they
   * were compiled from.
   */
  static fromFiles(folders: Iterable<TemplateFiles>, options: { readonly precompiled?: PrecompiledValidators } = {}): TemplateStore {
    const ajv = createTemplateAjv();
    const templates = new Map<string, Template>();
    for (const files of folders) templates.set(files.id, buildTemplate(files, ajv, options.precompiled));
    return new TemplateStore(templates);
  }

  /**
   * Every problem of one template's files at once, by file and line, without loading it: what
   * `pdf-export check` reports. Empty when TemplateStore.fromFiles would accept the folder.
   */
  static problemsOf(files: TemplateFiles): LintProblem[] {
    return analyse(files, createTemplateAjv(), 'compile').problems;
  }

  list(): TemplateSummary[] {
    return [...this.templates.values()].map(({ id, title, description, samples }) => ({ id, title, description, samples }));
  }

  get(id: string): Template {
    const template = isTemplateId(id) ? this.templates.get(id) : undefined;
    if (!template) {
      const known = [...this.templates.keys()].join(', ');
      throw new TemplateNotFoundError(`Unknown template "${id.slice(0, 64)}"; available: ${known}.`);
    }
    return template;
  }
}
