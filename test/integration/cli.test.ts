/**
 * The `pdf-export` command as a user runs it: a separate node process on the compiled code
 * (`npm test` builds first), real Chromium, real files, exit codes and one-line reasons.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compact, pdfText } from '../helpers/pdfTools';

const root = resolve(__dirname, '..', '..');
const bin = join(root, 'bin', 'pdf-export.js');
const samplesDir = join(root, 'templates', 'county-annual-report', 'samples');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pdf-export CLI', () => {
  let dir: string;
  const sampleFile = (): string => join(samplesDir, 'qinglan.json');
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the templates', () => {
    const r = cli('templates');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^county-annual-report\t.+\tsamples: .+$/m);
  });

  it('renders a sample to a PDF and writes the printed HTML on request', () => {
    const out = join(dir, 'report.pdf');
    const html = join(dir, 'report.html');
    const r = cli('render', 'county-annual-report', sampleFile(), '-o', out, '--html', html);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/report\.pdf: \d+ pages, \d+ bytes/);
    const data = JSON.parse(readFileSync(sampleFile(), 'utf8')) as { county: { name: string } };
    expect(compact(pdfText(readFileSync(out)))).toContain(data.county.name);
    expect(readFileSync(html, 'utf8')).toContain(data.county.name);
  });

  it('rejects bad data with exit 2 and one line naming every invalid field, writing nothing', () => {
    const data = JSON.parse(readFileSync(sampleFile(), 'utf8')) as Record<string, unknown> & { county: Record<string, unknown> };
    delete data.county.name;
    data.year = 'last year';
    data.surprise = true;
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(data));
    const out = join(dir, 'bad.pdf');
    const r = cli('render', 'county-annual-report', bad, '-o', out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('/county/name');
    expect(r.stderr).toContain('/year');
    expect(r.stderr).toContain('/surprise');
    expect(existsSync(out)).toBe(false);
  });

  it('rejects malformed JSON, an unknown template and a missing -o with exit 2', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"county": {"name": "青山县"');
    const malformed = cli('render', 'county-annual-report', broken, '-o', join(dir, 'x.pdf'));
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/broken\.json is not valid JSON/);

    const unknown = cli('render', 'no-such-template', sampleFile(), '-o', join(dir, 'y.pdf'));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown template "no-such-template"; available: county-annual-report/);

    const missing = cli('render', 'county-annual-report', sampleFile());
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--output/);

    const absent = cli('render', 'county-annual-report', join(dir, 'absent.json'), '-o', join(dir, 'z.pdf'));
    expect(absent.status).toBe(2);
    expect(absent.stderr).toMatch(/cannot read data file .*absent\.json: ENOENT/);
  });
});
