/**
 * The project root: the nearest ancestor of `start` holding `package.json` and `templates/`.
 * Works from the TypeScript sources (ts-jest), from `dist/`, from the CDK app's bundle in
 * `build/infra/`, and from a Lambda bundle that ships `templates/` beside it (no package.json:
 * then `start` itself).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function findProjectRoot(start: string = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'templates')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}
