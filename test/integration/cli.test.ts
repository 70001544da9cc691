/**
 * The `pdf-export` command as a user runs it: a separate node process on the compiled code
 * (`npm test` builds first), real Chromium, real files, exit codes and one-line reasons.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  describe('check', () => {
    it('passes a shipped template folder after rendering every sample', () => {
      const r = cli('check', join(root, 'templates', 'county-quarterly-brief'));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^county-quarterly-brief: ok; rendered chengwan 2 p\., qinglan 2 p\., weitang 2 p\.\n$/);
    });

    it('lists every problem of a folder as file:line, and exits 1', () => {
      const folder = join(dir, 'my-brief');
      cpSync(join(root, 'templates', 'county-quarterly-brief'), folder, { recursive: true });
      const view = readFileSync(join(folder, 'view.json'), 'utf8');
      writeFileSync(join(folder, 'view.json'), view.replace("${amount(economy.gdp, '亿元')}", "${amont(economy.gdp, '亿元')}"));
      const schema = JSON.parse(readFileSync(join(folder, 'schema.json'), 'utf8')) as { properties: { year: Record<string, unknown> } };
      delete schema.properties.year.title;
      writeFileSync(join(folder, 'schema.json'), JSON.stringify(schema, null, 2));
      const r = cli('check', folder);
      expect(r.status).toBe(1);
      const lines = r.stdout.trim().split('\n');
      const viewLine = view.split('\n').findIndex((l) => l.includes("${amount(economy.gdp, '亿元')}")) + 1;
      expect(lines).toEqual([
        expect.stringContaining(`${join(folder, 'view.json')}:${viewLine}: unknown formatter amont(). Did you mean amount?`),
        expect.stringMatching(/schema\.json:\d+: year has no "title"/),
        'my-brief: 2 problem(s); the template does not load',
      ]);
      expect(r.stderr).toContain('the template has problems');
    }, 60_000);

    it('refuses a folder that is missing or is not a template with exit 2', () => {
      const missing = cli('check', join(dir, 'nothing-here'));
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/^pdf-export: cannot check .*nothing-here: Template folder .*nothing-here does not exist\.\n$/);
      mkdirSync(join(dir, 'empty-folder'));
      const empty = cli('check', join(dir, 'empty-folder'));
      expect(empty.status).toBe(2);
      expect(empty.stderr).toMatch(/^pdf-export: cannot check .*empty-folder: Template "empty-folder" has no template\.html\.\n$/);
    });
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
