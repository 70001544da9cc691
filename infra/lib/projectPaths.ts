/**
 * Paths the stack needs at synth time (Lambda entries, templates, the fonts script). Resolved from
 * the repository root, found by walking up from this file, so the app works the same from the
 * TypeScript sources (jest), from an esbuild bundle of the app (cdk.json) and from dist/.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lambda', 'src')) && existsSync(join(dir, 'templates'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The repository root: above this file, else above the working directory (`cdk` runs from the root). */
export const PROJECT_ROOT =
  findRoot(__dirname) ??
  findRoot(process.cwd()) ??
  (() => {
    throw new Error(`cannot find the project root above ${__dirname} or ${process.cwd()}`);
  })();

export const PATHS = Object.freeze({
  root: PROJECT_ROOT,
  templates: join(PROJECT_ROOT, 'templates'),
  lockFile: join(PROJECT_ROOT, 'package-lock.json'),
  buildFontsScript: join(PROJECT_ROOT, 'scripts', 'build-fonts.mjs'),
  /** Where an office drops its licensed fonts locally (git-ignored; see fonts/README.md). */
  licensedFonts: join(PROJECT_ROOT, 'fonts'),
  chromiumPackage: join(PROJECT_ROOT, 'node_modules', '@sparticuz', 'chromium'),
  /** Lambda entries owned by the HTTP and batch work, and the infra-only ones. */
  httpHandler: join(PROJECT_ROOT, 'lambda', 'src', 'http', 'httpHandler.ts'),
  batchHandler: join(PROJECT_ROOT, 'lambda', 'src', 'batch', 'batchHandler.ts'),
  finalizeHandler: join(PROJECT_ROOT, 'lambda', 'src', 'infra-handlers', 'finalizeHandler.ts'),
  batchApiHandler: join(PROJECT_ROOT, 'lambda', 'src', 'infra-handlers', 'batchApiHandler.ts'),
});
