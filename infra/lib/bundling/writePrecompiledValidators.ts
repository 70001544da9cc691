import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { precompiledValidatorsSource } from '../../../lambda/src/core/templateValidators';
import { readTemplateFolder } from '../../../lambda/src/files/loadTemplateStore';
import { PATHS } from '../projectPaths';

/**
 * Compiles the data validators of every template under `templatesDir` into one self-contained
 * module (Ajv's runtime parts bundled in) that the service loads with the templates
 * (lambda/src/core/templateValidators.ts says why: ~240 ms less per cold start). Made when the
 * construct is built (CDK's bundling hooks may only return commands) into build/validators, keyed
 * by the source, and kept; returns its path for the bundling step to copy.
 */
export function writePrecompiledValidators(templatesDir: string): string {
  const schemas = readdirSync(templatesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(templatesDir, entry.name, 'template.html')))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => readTemplateFolder(join(templatesDir, entry.name), entry.name).schema);
  const source = precompiledValidatorsSource(schemas);
  const dir = join(PATHS.root, 'build', 'validators');
  const outfile = join(dir, `templates-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.validators.js`);
  if (!existsSync(outfile)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${outfile}.${process.pid}.partial`;
    buildSync({
      stdin: { contents: source, resolveDir: PATHS.root, loader: 'js', sourcefile: 'templates.validators.js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      minify: true,
      outfile: partial,
      logLevel: 'error',
    });
    renameSync(partial, outfile);
  }
  return outfile;
}
