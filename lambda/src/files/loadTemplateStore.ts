/**
 * Reads the template folders from disk, once at start-up, and hands their contents to the core's
 * TemplateStore, which checks and compiles them. Every sub-folder of `dir` with a template.html is
 * a template; files are read in name order, so a template's fingerprint does not depend on the
 * file system's order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateDefinitionError } from '../core/errors';
import { checkTemplateFolderName, TemplateStore, type TemplateFiles } from '../core/TemplateStore';
import { precompiledValidatorsOf } from '../core/templateValidators';

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TemplateDefinitionError(`${what} ${path} is not valid JSON.`, { cause: error });
  }
}

/** The files of `folder` whose names end in `suffix`, by name without it, in name order. */
function namedFiles<T>(folder: string, suffix: string, read: (path: string) => T): Record<string, T> {
  const found: Record<string, T> = {};
  if (!existsSync(folder)) return found;
  for (const name of readdirSync(folder).filter((f) => f.endsWith(suffix)).sort()) {
    found[name.slice(0, name.length - suffix.length)] = read(join(folder, name));
  }
  return found;
}

/** Files that are code: a template is data only, so a folder holding one is refused, wherever it sits. */
const CODE_FILE = /\.(?:[cm]?js|[cm]?ts|jsx|tsx|wasm|node|sh|py)$/i;

function codeFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => CODE_FILE.test(path)).sort();
}

export function readTemplateFolder(dir: string, id: string): TemplateFiles {
  checkTemplateFolderName(id);
  if (!existsSync(dir)) throw new TemplateDefinitionError(`Template folder ${dir} does not exist.`);
  const code = codeFilesIn(dir);
  if (code.length > 0) {
    throw new TemplateDefinitionError(
      `Template "${id}" holds code (${code.slice(0, 5).join(', ')}): templates never run code; say in view.json what the data should look like, and remove the file.`,
    );
  }
  const text = (name: string): string => {
    const path = join(dir, name);
    if (!existsSync(path)) throw new TemplateDefinitionError(`Template "${id}" has no ${name}.`);
    return readFileSync(path, 'utf8');
  };
  return {
    id,
    html: text('template.html'),
    css: text('style.css'),
    schema: readJson(join(dir, 'schema.json'), 'Schema') as Record<string, unknown>,
    partials: namedFiles(join(dir, 'partials'), '.html', (path) => readFileSync(path, 'utf8')),
    assets: new Map(Object.entries(namedFiles(join(dir, 'assets'), '', (path) => readFileSync(path)))),
    samples: namedFiles(join(dir, 'samples'), '.json', (path) => readJson(path, 'Sample')),
    // Read as text: the core reports view.json's problems by line.
    ...(existsSync(join(dir, 'view.json')) ? { view: readFileSync(join(dir, 'view.json'), 'utf8') } : {}),
  };
}

/**
 * Where the build puts the validators it compiled for the templates under `dir`: beside the folder,
 * `<dir>.validators.js` (/var/task/templates.validators.js on Lambda; core/templateValidators.ts
 * says why). Not inside a template folder: templates hold no code, this is the product's own build.
 */
export function precompiledValidatorsFile(dir: string): string {
  return `${dir.replace(/[/\\]+$/, '')}.validators.js`;
}

/** Every template under `dir`. Broken templates fail start-up with TemplateDefinitionError. */
export function loadTemplateStore(dir: string): TemplateStore {
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'template.html')))
    .map((entry) => readTemplateFolder(join(dir, entry.name), entry.name));
  const validators = precompiledValidatorsFile(dir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file the build wrote, found at run time
  const precompiled = existsSync(validators) ? precompiledValidatorsOf(require(validators) as Record<string, unknown>) : undefined;
  return TemplateStore.fromFiles(folders, { precompiled });
}
