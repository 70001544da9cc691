#!/usr/bin/env node
/**
 * Maps the minified positions of a Lambda stack trace back to the TypeScript sources, with the
 * source map shipped beside the bundle (infra/lib/constructs/ServiceFunction.ts, SOURCE_MAPS; the
 * functions do not load it themselves). docs/deploy.md §8 says where to get the map.
 *
 *   node infra/tools/map-stack.mjs index.js.map < stack.txt
 *   node infra/tools/map-stack.mjs index.js.map stack.txt
 *
 * The input may be a bare stack or whole CloudWatch log lines (JSON with "\n" escapes): every
 * `…/index.js:LINE:COLUMN` is replaced by `lambda/src/…/File.ts:LINE:COLUMN`; the rest is kept.
 * Only Node's own `node:module` SourceMap is used, so it runs from a bare checkout.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

const [mapFile, stackFile] = process.argv.slice(2);
if (!mapFile) {
  process.stderr.write('usage: node infra/tools/map-stack.mjs <index.js.map> [stack.txt]  (stack on stdin if no file)\n');
  process.exit(2);
}
const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
const stack = readFileSync(stackFile ?? 0, 'utf8');
// Sources are recorded relative to where the bundle was built; from lambda/src/ or node_modules/ on is what matters.
const shorten = (fileName) => fileName.replace(/^(?:\.\.\/)*(?:[^\s]*?\/)??(?=lambda\/src\/|node_modules\/)/, '');
process.stdout.write(
  stack.replace(/[^\s()"']*index\.js:(\d+):(\d+)/g, (position, line, column) => {
    const origin = map.findOrigin(Number(line), Number(column));
    return origin.fileName ? `${shorten(origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}` : position;
  }),
);
