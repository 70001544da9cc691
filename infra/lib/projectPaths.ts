/**
 * Paths the stack needs at synth time (Lambda entries, templates, the fonts script), from the
 * repository root (lambda/src/config/projectRoot.ts), so the app works the same from the
 * TypeScript sources (jest), from the esbuild bundle of the app (cdk.json) and from dist/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from '../../lambda/src/config/projectRoot';

function repositoryRoot(): string {
  // Above this file, else above the working directory (`cdk` runs from the root).
  for (const start of [__dirname, process.cwd()]) {
    const root = findProjectRoot(start);
    if (existsSync(join(root, 'lambda', 'src'))) return root;
  }
  throw new Error(`cannot find the project root above ${__dirname} or ${process.cwd()}`);
}

export const PROJECT_ROOT = repositoryRoot();

const entry = (name: string): string => join(PROJECT_ROOT, 'lambda', 'src', 'entrypoints', `${name}.ts`);

export const PATHS = Object.freeze({
  root: PROJECT_ROOT,
  templates: join(PROJECT_ROOT, 'templates'),
  lockFile: join(PROJECT_ROOT, 'package-lock.json'),
  buildFontsScript: join(PROJECT_ROOT, 'scripts', 'build-fonts.mjs'),
  /** Where an office drops its licensed fonts locally (git-ignored; see fonts/README.md). */
  licensedFonts: join(PROJECT_ROOT, 'fonts'),
  chromiumPackage: join(PROJECT_ROOT, 'node_modules', '@sparticuz', 'chromium'),
  /** The four Lambda entry points (lambda/src/entrypoints/). */
  httpLambda: entry('httpLambda'),
  batchRenderLambda: entry('batchRenderLambda'),
  finalizeBatchLambda: entry('finalizeBatchLambda'),
  batchApiLambda: entry('batchApiLambda'),
});
