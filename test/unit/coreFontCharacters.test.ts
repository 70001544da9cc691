/**
 * The printer decides from core/coreFontCharacters.ts whether a document needs the extended font
 * files; scripts/build-fonts.mjs decides from its own `coreCodePoints` what goes into the core
 * files. They must be the same set, or a character would be looked for in a file not unpacked.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isCoreCodePoint, needsExtendedFonts } from '../../lambda/src/core/coreFontCharacters';

describe('core font characters', () => {
  it('are exactly the characters build-fonts.mjs keeps in the core files', () => {
    // The script is an ES module; asked in a node process of its own (jest runs CommonJS).
    const script = `import { coreCodePoints } from ${JSON.stringify(pathToFileURL(resolve(__dirname, '..', '..', 'scripts', 'build-fonts.mjs')).href)};
      process.stdout.write(JSON.stringify([...coreCodePoints()]));`;
    const built = new Set(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as number[]);
    const here: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) if (isCoreCodePoint(cp)) here.push(cp);
    expect(here.length).toBe(built.size);
    expect(here.filter((cp) => !built.has(cp))).toEqual([]);
  });

  it('finds the one character a document has outside them', () => {
    expect(needsExtendedFonts(['<p>青岚县2026年工作报告：GDP 增长 6.5%，“三农”①Ⅱ—…</p>', 'font-family: "Noto Serif SC";\n\t'])).toBe(false);
    expect(needsExtendedFonts(['<p>信阳市浉河区</p>'])).toBe(true); // 浉 is not in GB 2312
    expect(needsExtendedFonts(['<p>张堃</p>'])).toBe(true);
    expect(needsExtendedFonts(['<svg><text>𠀀</text></svg>'])).toBe(true); // beyond the BMP
    expect(needsExtendedFonts(['한국'])).toBe(true);
    expect(needsExtendedFonts([])).toBe(false);
    // Written as escapes, which the page shows as the characters.
    expect(needsExtendedFonts(['<p>信阳市&#x6D49;河区</p>'])).toBe(true);
    expect(needsExtendedFonts(['<p>&#27977;</p>'])).toBe(true);
    expect(needsExtendedFonts(['h1::after { content: "\\6D49"; }'])).toBe(true);
    expect(needsExtendedFonts(['<p>&amp; &#x4E2D; &#169; &lt;</p>', 'p::before { content: "\\4E2D\\A0"; }'])).toBe(false);
  });
});
