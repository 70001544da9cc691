/**
 * Licensed fonts an office drops into fonts/ extend what the service accepts, by the rule in
 * fonts/README.md: a character counts only when every font stack of the templates can print it.
 * scripts/build-fonts.mjs is run as `npm run build` runs it, into a temporary folder, with small
 * stand-ins for licensed fonts (LXGW WenKai's 𠮷 under the names the stacks list first), and the
 * service composed over that fonts.conf prints 𠮷 with them, then refuses it once one stack has
 * lost its licensed font.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataValidationError } from '../../lambda/src/core/errors';
import { projectTemplates, testApp } from '../helpers/app';
import { compact, pdfFonts, pdfText } from '../helpers/pdfTools';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const subsetFont = require('subset-font') as (font: Buffer, text: string, options: { targetFormat: 'truetype' }) => Promise<Buffer>;

const ROOT = join(__dirname, '..', '..');
const TEMPLATE = 'county-annual-report';
const run = promisify(execFile);

/** The table's checksum: its bytes as big-endian uint32s, summed. */
function tableChecksum(table: Buffer): number {
  const padded = Buffer.concat([table, Buffer.alloc((4 - (table.length % 4)) % 4)]);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

/**
 * `ttf` with a new `name` table (family, style, full and PostScript names in English and
 * Simplified Chinese), appended and pointed to from the table directory: what a licensed font's
 * names look like to fontconfig and harfbuzz.
 */
function renamed(ttf: Buffer, family: string, postScript: string): Buffer {
  const names: [number, string][] = [
    [1, family],
    [2, 'Regular'],
    [4, family],
    [6, postScript],
  ];
  const records: { language: number; nameId: number; text: Buffer }[] = [];
  for (const language of [0x0409, 0x0804]) {
    for (const [nameId, text] of names) records.push({ language, nameId, text: Buffer.from(text, 'utf16le').swap16() });
  }
  const header = Buffer.alloc(6 + 12 * records.length);
  header.writeUInt16BE(0, 0);
  header.writeUInt16BE(records.length, 2);
  header.writeUInt16BE(header.length, 4);
  let offset = 0;
  records.forEach((record, i) => {
    const at = 6 + 12 * i;
    header.writeUInt16BE(3, at); // Windows
    header.writeUInt16BE(1, at + 2); // Unicode BMP
    header.writeUInt16BE(record.language, at + 4);
    header.writeUInt16BE(record.nameId, at + 6);
    header.writeUInt16BE(record.text.length, at + 8);
    header.writeUInt16BE(offset, at + 10);
    offset += record.text.length;
  });
  const table = Buffer.concat([header, ...records.map((r) => r.text)]);
  const padding = Buffer.alloc((4 - (ttf.length % 4)) % 4);
  const font = Buffer.concat([ttf, padding, table]);
  const tables = font.readUInt16BE(4);
  for (let i = 0; i < tables; i++) {
    const at = 12 + 16 * i;
    if (font.toString('latin1', at, at + 4) !== 'name') continue;
    font.writeUInt32BE(tableChecksum(table), at + 4);
    font.writeUInt32BE(ttf.length + padding.length, at + 8);
    font.writeUInt32BE(table.length, at + 12);
    return font;
  }
  throw new Error('the font has no name table');
}

/** What each of the template's stacks names first, as an office's licensed fonts would be called. */
const LICENSED = [
  { file: 'fangsong.ttf', family: '仿宋_GB2312', postScript: 'LicensedFangSong' },
  { file: 'xiaobiaosong.ttf', family: '方正小标宋简体', postScript: 'LicensedXiaoBiaoSong' },
  { file: 'hei.ttf', family: '黑体', postScript: 'LicensedHei' },
  { file: 'kai.ttf', family: '楷体_GB2312', postScript: 'LicensedKai' },
  { file: 'song.ttf', family: '宋体', postScript: 'LicensedSong' },
];

interface CoverageFile {
  codePoints: number;
  ranges: [number, number][];
  licensed: { file: string; families: string[]; codePoints: number }[];
  stacks: { where: string[]; families: string[]; printedBy: string[] }[];
}

describe('licensed fonts in fonts/ extend the characters the service accepts', () => {
  let dir: string;
  let licensed: string;
  let out: string;

  const build = (...args: string[]) =>
    run(process.execPath, [join(ROOT, 'scripts', 'build-fonts.mjs'), '--out-dir', out, '--extra-dir', licensed, ...args], { cwd: ROOT, maxBuffer: 4 << 20 });
  const coverage = (): CoverageFile => JSON.parse(readFileSync(join(out, 'glyph-coverage.json'), 'utf8')) as CoverageFile;
  const covers = (file: CoverageFile, ch: string): boolean => file.ranges.some(([first, last]) => ch.codePointAt(0)! >= first && ch.codePointAt(0)! <= last);
  const data = (name: string): Record<string, any> => {
    const template = projectTemplates().get(TEMPLATE);
    const copy = structuredClone(template.sampleData[template.samples[0]]) as Record<string, any>;
    copy.county.name = name;
    return copy;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-licensed-'));
    licensed = join(dir, 'licensed');
    out = join(dir, 'fonts');
    mkdirSync(licensed);
    // 𠮷 (U+20BB7) is only in LXGW WenKai among the stand-ins: the serif and sans stacks cannot print it.
    const kai = await subsetFont(readFileSync(join(ROOT, 'build', 'fonts', 'LXGWWenKai-Regular-Extended.ttf')), '𠮷', { targetFormat: 'truetype' });
    for (const font of LICENSED) writeFileSync(join(licensed, font.file), renamed(kai, font.family, font.postScript));
    writeFileSync(join(licensed, 'broken.ttf'), Buffer.alloc(2048, 7));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts a licensed font as the family its name table gives, for the stacks that name it, and warns about a file that is no font', async () => {
    const { stderr } = await build();
    expect(stderr).toMatch(/broken\.ttf is not a font harfbuzz can read; it adds no characters/);
    const file = coverage();
    expect(file.licensed.map((f) => f.file).sort()).toEqual(['broken.ttf', ...LICENSED.map((f) => f.file)].sort());
    expect(file.licensed.find((f) => f.file === 'hei.ttf')!.families).toEqual(['黑体']);
    const fangsong = file.stacks.find((s) => s.where.includes('county-annual-report/style.css --font-fangsong'))!;
    // A quoted "FangSong" is a family (SimFang's), not CSS's generic fangsong.
    expect(fangsong.families).toEqual(['仿宋_GB2312', 'FangSong_GB2312', '仿宋', 'FangSong', 'Noto Serif SC', 'Noto Serif SC Extended']);
    expect(fangsong.printedBy).toEqual(['仿宋_GB2312', 'Noto Serif SC', 'Noto Serif SC Extended']);
    expect(covers(file, '𠮷')).toBe(true);
    expect(covers(file, '𠀀')).toBe(false);
  }, 120_000);

  it('the service composed over those fonts prints 𠮷 with the licensed fonts', async () => {
    const app = testApp({ ...process.env, FONTCONFIG_FILE: join(out, 'fonts.conf') });
    try {
      const report = await app.reports.render(TEMPLATE, data('𠮷县'));
      expect(compact(pdfText(report.pdf))).toContain('𠮷县');
      const names = pdfFonts(report.pdf).map((f) => f.name.replace(/^[A-Z]{6}\+/, ''));
      // The body and the title print the name, each with its stack's licensed font.
      expect(names).toEqual(expect.arrayContaining(['LicensedFangSong', 'LicensedXiaoBiaoSong']));
    } finally {
      await app.close();
    }
  }, 60_000);

  it('stops counting 𠮷 when one stack (the page numbers’ 宋体) has no licensed font for it', async () => {
    unlinkSync(join(licensed, 'song.ttf'));
    await build();
    expect(covers(coverage(), '𠮷')).toBe(false);
    const app = testApp({ ...process.env, FONTCONFIG_FILE: join(out, 'fonts.conf') });
    expect(() => app.reports.prepare(TEMPLATE, data('𠮷县'))).toThrow(DataValidationError);
  }, 120_000);

  it('refuses to build for a stack that names none of the bundled families', async () => {
    const templates = join(dir, 'templates', 'odd');
    mkdirSync(templates, { recursive: true });
    writeFileSync(join(templates, 'style.css'), ':root { --font-body: "仿宋_GB2312", "Noto Serif SC", "Noto Serif SC Extended"; }\nh1 { font-family: "SimSun", serif; }\np { font-family: var(--font-body); }\n');
    const failed = await build('--templates-dir', join(dir, 'templates')).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failed?.stderr).toMatch(/odd\/style\.css font-family: the font stack "SimSun" names none of the bundled families/);
  }, 120_000);
});
