/**
 * The layering docs/architecture.md draws, checked by dependency-cruiser with the rules in
 * .dependency-cruiser.cjs: no import cycles, `core/` imports no adapter, each layer only the ones
 * below it. The fixture tree proves the rules can fail.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const CONFIG = join(root, '.dependency-cruiser.cjs');
const DEPCRUISE = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
  readonly cycle?: readonly { readonly name: string }[];
}

function violations(cwd: string, ...paths: string[]): Violation[] {
  // Exit code 0 or the number of errors; the JSON report is on stdout either way.
  let out: string;
  try {
    out = execFileSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...paths], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    out = String((error as { stdout?: string }).stdout ?? '');
    if (!out.startsWith('{')) throw error;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

const describeViolation = (v: Violation): string =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('the import graph', () => {
  it('has no cycles and no import against the layering', () => {
    expect(violations(root, 'lambda', 'infra', 'scripts').map(describeViolation)).toEqual([]);
  });

  it('would report a core module importing an adapter, a cycle, and the S3 SDK outside storage/', () => {
    const found = violations(join(root, 'test', 'fixtures', 'layering'), 'lambda').map((v) => `${v.rule.name}: ${v.from}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'core-imports-only-core: lambda/src/core/ReportRenderer.ts',
        expect.stringMatching(/^no-cycles: lambda\/src\/batch\/(first|second)\.ts$/),
        'only-storage-knows-the-s3-sdk: lambda/src/http/routes.ts',
      ]),
    );
  });
});
