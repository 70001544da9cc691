#!/usr/bin/env node
// Assembles the fonts Chromium prints with into one directory with its own fontconfig file.
//
// Why a private fontconfig directory: the bundled Chromium prints CJK text as invisible glyphs when
// it finds no CJK font, and only TrueType-outline (.ttf) fonts embed as clean CID subsets
// (CFF/OTF/TTC and WOFF2 degrade to Type 3). So we ship exactly the TTFs we want, and nothing from
// the system can change how a report looks.
//
// Why every stand-in is split in two (core + extended): Chromium's PDF writer reads and parses the
// whole font file of every face a document uses, on every render. *Measured* with the county
// report: ~10 ms per 15 MB face and render, about a third of the print time. So each face is cut
// into
//   <Name>.ttf           the core: GB 2312 (6,763 hanzi and its symbols), ASCII, Latin-1 and the
//                        punctuation ranges, under the face's own family name (~3 MB);
//   <Name>-Extended.ttf  every other character of the original, renamed "<family> Extended" by a
//                        scan-time rule in fonts.conf.
// The templates' font stacks list "<family>" then "<family> Extended", so ordinary text only
// touches the small core file, while a rare character in a name (浉, 䢺…) still prints in the right
// style from the extended file instead of becoming tofu.
//
// Why a coverage file: a character no font has prints as blank space (not even a box), and can
// take its neighbours with it, while the PDF's text layer still holds it. The service refuses such
// characters before printing (lambda/src/core/glyphCoverage.ts), so it must know, without opening
// a font, which characters every font stack of the templates can print: glyph-coverage.json.
//
// Output (default build/fonts, override with FONTS_OUT_DIR):
//   *.ttf                open stand-ins from npm packages (OFL), core and extended
//   fonts.conf           lists this directory and the repo's fonts/ folder, where an office drops
//                        the licensed official fonts (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 黑体)
//   fonts.json           what was built and from what; the next build skips the work when it
//                        still matches
//   glyph-coverage.json  the code points every font stack can print, as ranges (see coverageOf)
//
// Usage: node scripts/build-fonts.mjs [--out-dir DIR] [--fonts-dir-in-config /opt/fonts]
//                                     [--cache-dir DIR] [--extra-dir DIR] [--scan-dir DIR]
//                                     [--templates-dir DIR]
//   --fonts-dir-in-config  the path written into fonts.conf (the Lambda layer uses /opt/fonts)
//   --extended-dir-in-config  where the extended halves are, if not beside the core files (the
//                          layer's uncompressed layout unpacks them apart, only when a report needs them)
//   --cache-dir            fontconfig cache directory written into fonts.conf (repeatable: fontconfig
//                          reads caches from each and writes new ones into the first writable one)
//   --extra-dir            another font folder written into fonts.conf (default: the repo's fonts/)
//   --scan-dir             where the extra folders' fonts are on this machine, for the coverage
//                          (default: the --extra-dir folders; the layer lists /opt/fonts/licensed
//                          but reads the office's fonts from their local folder)
//   --templates-dir        whose stylesheets hold the font stacks (default: the repo's templates/)
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The open stand-ins. `source` is resolved inside node_modules; `woff2` ones are converted. */
export const FONT_SOURCES = Object.freeze([
  // 仿宋 / 宋 stand-in for the body text and the page numbers.
  { file: 'NotoSerifSC-Regular.ttf', family: 'Noto Serif SC', source: '@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf' },
  // 小标宋 stand-in for the title: a real bold face, because synthetic bold degrades to Type 3.
  { file: 'NotoSerifSC-Bold.ttf', family: 'Noto Serif SC', source: '@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf' },
  // 黑体 stand-in for 一、 headings and table headers.
  { file: 'NotoSansSC-Regular.ttf', family: 'Noto Sans SC', source: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf' },
  { file: 'NotoSansSC-Bold.ttf', family: 'Noto Sans SC', source: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf' },
  // 楷体 stand-in for （一） headings. Fontsource names the full-coverage file "latin"; weight 500 is
  // LXGW WenKai's Regular. Shipped only as WOFF/WOFF2, so it is decompressed to TrueType here.
  { file: 'LXGWWenKai-Regular.ttf', family: 'LXGW WenKai', source: '@fontsource/lxgw-wenkai/files/lxgw-wenkai-latin-500-normal.woff2', woff2: true },
]);

/** The family name the extended half of a face is known by. Templates list it after the core. */
export const extendedFamily = (family) => `${family} Extended`;
export const extendedFile = (file) => file.replace(/\.ttf$/, '-Extended.ttf');

/**
 * Code points the core files keep. GB 2312 is decoded from the WHATWG gb18030 decoder built into
 * Node (rows 0xA1–0xF7 × columns 0xA1–0xFE: symbols, Greek, Cyrillic, pinyin, box drawing and the
 * 6,763 hanzi that cover ordinary modern text), so no character list has to be vendored.
 */
export function coreCodePoints() {
  const points = new Set();
  const decoder = new TextDecoder('gb18030');
  for (let row = 0xa1; row <= 0xf7; row++) {
    for (let cell = 0xa1; cell <= 0xfe; cell++) {
      const text = decoder.decode(Uint8Array.of(row, cell));
      if ([...text].length === 1 && text !== '\ufffd') points.add(text.codePointAt(0));
    }
  }
  const ranges = [
    [0x20, 0x7e], // ASCII
    [0xa0, 0xff], // Latin-1 (× ÷ ° ±)
    [0x2000, 0x206f], // general punctuation (— ‘ ’ “ ” … ‰ ※)
    [0x2150, 0x218f], // number forms (Ⅰ Ⅱ Ⅲ)
    [0x2460, 0x24ff], // enclosed alphanumerics (① ⑴ ⒈)
    [0x3000, 0x303f], // CJK symbols and punctuation (、。〈〉《》「」【】〔〕)
    [0xff00, 0xffef], // full-width forms (，；：？！（）％)
  ];
  for (const [from, to] of ranges) for (let cp = from; cp <= to; cp++) points.add(cp);
  return points;
}

function fontsConf(dirs, cacheDirs, renames) {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rules = renames.map(
    ({ path, family }) => `  <match target="scan">
    <test name="file"><string>${esc(path)}</string></test>
    <edit name="family" mode="assign_replace"><string>${esc(family)}</string></edit>
  </match>`,
  );
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<!-- Generated by scripts/build-fonts.mjs. Only these directories are searched: system fonts are
     deliberately left out so every machine prints the same glyphs. -->
<fontconfig>
${dirs.map((d) => `  <dir>${esc(d)}</dir>`).join('\n')}
${cacheDirs.map((d) => `  <cachedir>${esc(d)}</cachedir>`).join('\n')}
  <config><rescan><int>0</int></rescan></config>
  <!-- The extended half of each stand-in gets its own family name, so a font stack can list it
       after the small core file (see scripts/build-fonts.mjs). -->
${rules.join('\n')}
</fontconfig>
`;
}

async function writeAtomically(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** An installed package's version (read from disk: harfbuzzjs does not export its package.json). */
const packageVersion = async (name) => JSON.parse(await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Everything the output depends on; equal recipes give equal fonts. */
async function recipeOf(core) {
  const hash = createHash('sha256');
  // This script's own text: a change to how fonts are split must rebuild them.
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  hash.update(`subset-font ${await packageVersion('subset-font')} harfbuzzjs ${await packageVersion('harfbuzzjs')}\n`);
  hash.update(String.fromCodePoint(...[...core].sort((a, b) => a - b)));
  for (const font of FONT_SOURCES) {
    const source = require.resolve(font.source);
    const version = await packageVersion(font.source.startsWith('@') ? font.source.split('/').slice(0, 2).join('/') : font.source.split('/')[0]);
    hash.update(`${JSON.stringify(font)} ${version} ${(await stat(source)).size}\n`);
  }
  return hash.digest('hex');
}

async function exists(path) {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

// ── Glyph coverage: which characters every font stack of the templates can print ─────────────
//
// The rule (fonts/README.md): a character is printable when *every* font stack the templates'
// stylesheets declare has a family whose font maps it. A field's text may land in any stack (body
// 仿宋, title 小标宋, 黑体 and 楷体 headings, the page numbers' 宋体), and the check cannot know
// which, so all must print it. Within a stack, Chromium tries each family in turn, so the stack
// covers the union of its families; a family with several faces (Regular and Bold) covers only
// what all of them map, because Chromium uses the one face that matches the weight and moves on to
// the next family, not to a sibling face. Licensed fonts in the extra folders count as the family
// names in their `name` table (fontconfig matches any of them, ignoring case and blanks): one that
// heads a stack widens that stack, and widens the result only where every other stack can print
// the character too. Fonts no stack names count for nothing: Chromium reaches them only through
// its last-resort fallback, which *measured* (2026-12-06) prints 𠮷 alone but drops it next to an
// unprintable 𠀀. Generic families (`serif`) count for nothing either: fontconfig picks some font.

/** The file the service reads (lambda/src/files/readGlyphCoverage.ts), beside fonts.conf. */
export const COVERAGE_FILE = 'glyph-coverage.json';
/** Bump when the file's meaning or layout changes; the reader refuses other formats. */
export const COVERAGE_FORMAT = 1;

const FONT_FILE = /\.(ttf|otf|ttc)$/i;
const CSS_GENERIC_FAMILIES = new Set(['serif', 'sans-serif', 'monospace', 'cursive', 'fantasy', 'system-ui', 'ui-serif', 'ui-sans-serif', 'ui-monospace', 'ui-rounded', 'math', 'emoji', 'fangsong']);
const CSS_WIDE_KEYWORDS = new Set(['inherit', 'initial', 'unset', 'revert', 'revert-layer']);
/** fontconfig compares family names ignoring case and blanks. */
const familyKey = (name) => name.replace(/\s+/g, '').toLowerCase();

/**
 * The font stacks declared in one stylesheet: every `font-family` value, and every custom property
 * whose value lists a quoted family name (`--font-hei: "黑体", …, sans-serif`). A `var(…)`
 * reference declares nothing; generic families are left out of the list.
 */
export function fontStacksIn(css, where) {
  const stacks = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const [, property, value] of text.matchAll(/(?<![\w-])(font-family|--[\w-]+)\s*:\s*([^;{}]+)/g)) {
    const items = value
      .replace(/!\s*important\s*$/i, '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    const quoted = (item) => /^(["']).*\1$/s.test(item);
    if (property !== 'font-family' && !items.some(quoted)) continue;
    if (items.every((item) => /^var\(/i.test(item)) || (items.length === 1 && CSS_WIDE_KEYWORDS.has(items[0].toLowerCase()))) continue;
    // A quoted name is a family even when it spells a generic one ("FangSong" is SimFang's).
    const families = items
      .filter((item) => !/^var\(/i.test(item) && (quoted(item) || !CSS_GENERIC_FAMILIES.has(item.toLowerCase())))
      .map((item) => (quoted(item) ? item.slice(1, -1) : item).replace(/\s+/g, ' ').trim())
      .filter((name) => name !== '');
    stacks.push({ where: `${where} ${property}`, families });
  }
  return stacks;
}

/** `<style>` elements and `style` attributes of a template's HTML, as one stylesheet. */
const stylesOfHtml = (html) =>
  [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1]).concat([...html.matchAll(/\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)].map((m) => m[1] ?? m[2])).join('\n;\n');

async function filesUnder(dir) {
  const found = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** Every distinct font stack of every template (stylesheets and the HTML's styles), in file order. */
export async function templateFontStacks(templatesDir) {
  const stacks = new Map();
  for (const path of await filesUnder(templatesDir)) {
    const where = relative(templatesDir, path).split('\\').join('/');
    let found = [];
    if (path.endsWith('.css')) found = fontStacksIn(await readFile(path, 'utf8'), where);
    else if (path.endsWith('.html')) found = fontStacksIn(stylesOfHtml(await readFile(path, 'utf8')), where);
    for (const stack of found) {
      const key = JSON.stringify(stack.families.map(familyKey));
      if (stacks.has(key)) stacks.get(key).where.push(stack.where);
      else stacks.set(key, { where: [stack.where], families: stack.families });
    }
  }
  return [...stacks.values()];
}

const BITSET_WORDS = 0x110000 >>> 5;
function bitsetOf(codePoints) {
  const bits = new Uint32Array(BITSET_WORDS);
  for (const cp of codePoints) bits[cp >>> 5] |= 1 << (cp & 31);
  return bits;
}
const combine = (sets, op) => sets.slice(1).reduce((acc, bits) => acc.map((word, i) => op(word, bits[i])), Uint32Array.from(sets[0]));
const countOf = (bits) => bits.reduce((n, word) => n + [...word.toString(2)].filter((b) => b === '1').length, 0);
function rangesOf(bits) {
  const ranges = [];
  for (let cp = 0; cp < 0x110000; cp++) {
    if (bits[cp >>> 5] === 0) {
      cp |= 31;
      continue;
    }
    if (!(bits[cp >>> 5] & (1 << (cp & 31)))) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else ranges.push([cp, cp]);
  }
  return ranges;
}

/** The faces of one font file (several for a .ttc): their family names and the code points they map. */
async function readFaces(path) {
  const hb = await import('harfbuzzjs');
  const data = await readFile(path);
  const count = data.length >= 12 && data.toString('latin1', 0, 4) === 'ttcf' ? Math.min(data.readUInt32BE(8), 64) : 1;
  const blob = new hb.Blob(data);
  const faces = [];
  for (let index = 0; index < count; index++) {
    const face = new hb.Face(blob, index);
    const font = new hb.Font(face);
    // A cmap entry pointing at glyph 0 (.notdef) prints a box or nothing, not the character.
    const points = [...face.collectUnicodes()].filter((cp) => font.nominalGlyph(cp));
    const families = new Set();
    for (const { nameId, language } of face.listNames()) {
      // Name IDs 1 and 16: the family and the typographic family, in every language of the table.
      if (nameId === 1 || nameId === 16) families.add(face.getName(nameId, language).trim());
    }
    families.delete('');
    faces.push({ families: [...families], points });
  }
  return faces;
}

async function fontFilesIn(dir) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && FONT_FILE.test(entry.name)).map((entry) => join(dir, entry.name)).sort();
}

/**
 * What goes into the coverage besides the fonts' recipe: the stacks and the extra fonts (names,
 * sizes, times). Equal inputs give an equal file, so the next build skips reading ~70 MB of fonts.
 */
async function coverageInputs({ recipe, stacks, scanDirs }) {
  const hash = createHash('sha256');
  hash.update(`coverage ${COVERAGE_FORMAT} ${recipe}\n${JSON.stringify(stacks.map((s) => s.families))}\n`);
  for (const dir of scanDirs) {
    for (const path of await fontFilesIn(dir)) {
      const { size, mtimeMs } = await stat(path);
      hash.update(`${path} ${size} ${Math.floor(mtimeMs)}\n`);
    }
  }
  return hash.digest('hex');
}

/**
 * The coverage of the fonts in `fontsDir` (the built stand-ins) and `scanDirs` (licensed fonts)
 * for the stacks of `templatesDir`, by the rule at the top of this section.
 */
export async function coverageOf({ fontsDir, scanDirs = [], templatesDir, stacks, warn = (line) => console.warn(line) }) {
  stacks ??= await templateFontStacks(templatesDir);
  if (stacks.length === 0) throw new Error(`No font stacks found in ${templatesDir}: the templates' stylesheets must name the fonts they print with.`);
  const bundled = FONT_SOURCES.flatMap((f) => [f.family, extendedFamily(f.family)]);
  const bundledKeys = new Set(bundled.map(familyKey));
  for (const stack of stacks) {
    if (!stack.families.some((name) => bundledKeys.has(familyKey(name)))) {
      throw new Error(
        `${stack.where.join(', ')}: the font stack ${JSON.stringify(stack.families.join(', '))} names none of the bundled families; ` +
          `end it with one of them and its Extended half (e.g. "Noto Serif SC", "Noto Serif SC Extended"), or its text may print as blank space.`,
      );
    }
  }
  /** family key → its name and the code points of each of its faces */
  const families = new Map();
  const addFace = (name, bits) => {
    const key = familyKey(name);
    if (!families.has(key)) families.set(key, { name, faces: [] });
    families.get(key).faces.push(bits);
  };
  const faceCounts = [];
  for (const font of FONT_SOURCES) {
    for (const [file, family] of [
      [font.file, font.family],
      // The extended half is known by its renamed family (fonts.conf), whatever its name table says.
      [extendedFile(font.file), extendedFamily(font.family)],
    ]) {
      const [face] = await readFaces(join(fontsDir, file));
      addFace(family, bitsetOf(face.points));
      faceCounts.push({ file, family, codePoints: face.points.length });
    }
  }
  const licensed = [];
  for (const dir of scanDirs) {
    for (const path of await fontFilesIn(dir)) {
      const faces = await readFaces(path).catch(() => []);
      const usable = faces.filter((face) => face.families.length > 0 && face.points.length > 0);
      if (usable.length === 0) warn(`fonts: ${path} is not a font harfbuzz can read; it adds no characters to the coverage.`);
      for (const face of usable) {
        const bits = bitsetOf(face.points);
        for (const family of face.families) addFace(family, bits);
      }
      licensed.push({ file: basename(path), families: [...new Set(usable.flatMap((f) => f.families))], codePoints: Math.max(0, ...usable.map((f) => f.points.length)) });
    }
  }
  const stackCoverage = stacks.map((stack) => {
    const present = [...new Set(stack.families.map(familyKey))].filter((key) => families.has(key));
    const bits = combine(
      present.map((key) => combine(families.get(key).faces, (a, b) => a & b)),
      (a, b) => a | b,
    );
    return { ...stack, printedBy: present.map((key) => families.get(key).name), bits };
  });
  const printable = combine(
    stackCoverage.map((s) => s.bits),
    (a, b) => a & b,
  );
  return {
    format: COVERAGE_FORMAT,
    codePoints: countOf(printable),
    stacks: stackCoverage.map(({ where, families: names, printedBy, bits }) => ({ where, families: names, printedBy, codePoints: countOf(bits) })),
    fonts: faceCounts,
    licensed,
    ranges: rangesOf(printable),
  };
}

/** The coverage file: its facts indented, its ranges on one line (~14 KB). */
function coverageJson(coverage, inputs) {
  const { ranges, ...facts } = coverage;
  const about = 'Code points every font stack of the templates can print, as [first, last] ranges. Written by scripts/build-fonts.mjs; read by lambda/src/files/readGlyphCoverage.ts.';
  return `${JSON.stringify({ about, ...facts, inputs, ranges: '@ranges' }, null, 2).replace('"@ranges"', JSON.stringify(ranges))}\n`;
}

/** Cuts one face into its core and extended files. */
async function splitFace(font, core, outDir) {
  const { default: subsetFont } = await import('subset-font');
  const hb = await import('harfbuzzjs');
  let ttf = await readFile(require.resolve(font.source));
  if (font.woff2) ttf = Buffer.from(await require('wawoff2/decompress')(ttf));
  const face = new hb.Face(new hb.Blob(ttf), 0);
  const all = [...face.collectUnicodes()];
  face.destroy?.();
  const coreText = String.fromCodePoint(...all.filter((cp) => core.has(cp)));
  const extendedText = String.fromCodePoint(...all.filter((cp) => !core.has(cp)));
  // Layout features (vertical forms, punctuation spacing) are kept: the defaults of subset-font.
  const [coreTtf, extendedTtf] = await Promise.all([
    subsetFont(ttf, coreText, { targetFormat: 'truetype' }),
    subsetFont(ttf, extendedText, { targetFormat: 'truetype' }),
  ]);
  await writeAtomically(join(outDir, font.file), coreTtf);
  await writeAtomically(join(outDir, extendedFile(font.file)), extendedTtf);
  return { file: font.file, family: font.family, coreChars: [...coreText].length, extendedChars: [...extendedText].length };
}

export async function buildFonts({ outDir, fontsDirInConfig, extendedDirInConfig, cacheDirs, extraDirs, scanDirs = extraDirs, templatesDir = join(repoRoot, 'templates') }) {
  await mkdir(outDir, { recursive: true });
  const core = coreCodePoints();
  const recipe = await recipeOf(core);
  const manifestPath = join(outDir, 'fonts.json');
  const previous = await readFile(manifestPath, 'utf8').then(JSON.parse, () => undefined);
  const files = FONT_SOURCES.flatMap((f) => [f.file, extendedFile(f.file)]);
  const upToDate = previous?.recipe === recipe && (await Promise.all(files.map((f) => exists(join(outDir, f))))).every(Boolean);
  let faces = previous?.faces;
  if (!upToDate) {
    faces = [];
    // One face at a time: each split holds a 15 MB font in wasm memory twice.
    for (const font of FONT_SOURCES) faces.push(await splitFace(font, core, outDir));
    await writeAtomically(manifestPath, `${JSON.stringify({ recipe, faces }, null, 2)}\n`);
    // fontconfig trusts its cache while the directory's mtime matches, and the cache holds the
    // renamed families: a stale one would hide the new files. Only a cache of our own is removed.
    for (const cacheDir of cacheDirs) {
      const inside = relative(outDir, cacheDir);
      if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)) await rm(cacheDir, { recursive: true, force: true });
    }
  }
  // fontconfig matches the rename rules on the exact path, so the directory is normalised
  // (`/opt/fonts/` and `/opt/fonts` must give the same rules).
  const fontsDir = resolve(fontsDirInConfig ?? outDir);
  const extendedDir = extendedDirInConfig === undefined ? fontsDir : resolve(extendedDirInConfig);
  const renames = FONT_SOURCES.map((f) => ({ path: join(extendedDir, extendedFile(f.file)), family: extendedFamily(f.family) }));
  const conf = fontsConf([...new Set([fontsDir, extendedDir, ...extraDirs])], cacheDirs, renames);
  // Rewritten only when it changes: a new file changes the directory's time, and fontconfig then
  // rescans every font at the next start.
  const confPath = join(outDir, 'fonts.conf');
  if ((await readFile(confPath, 'utf8').catch(() => '')) !== conf) await writeAtomically(confPath, conf);

  // The coverage, again only when what it is computed from changed.
  const stacks = await templateFontStacks(templatesDir);
  const inputs = await coverageInputs({ recipe, stacks, scanDirs });
  const coveragePath = join(outDir, COVERAGE_FILE);
  let coverage = await readFile(coveragePath, 'utf8').then(JSON.parse, () => undefined);
  const coverageRebuilt = coverage?.inputs !== inputs;
  if (coverageRebuilt) {
    coverage = await coverageOf({ fontsDir: outDir, scanDirs, templatesDir, stacks });
    await writeAtomically(coveragePath, coverageJson(coverage, inputs));
  }
  return { outDir, files, rebuilt: !upToDate, faces, coverage: { file: coveragePath, codePoints: coverage.codePoints, stacks: coverage.stacks.length, rebuilt: coverageRebuilt } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'out-dir': { type: 'string' },
      'fonts-dir-in-config': { type: 'string' },
      'extended-dir-in-config': { type: 'string' },
      'cache-dir': { type: 'string', multiple: true },
      'extra-dir': { type: 'string', multiple: true },
      'scan-dir': { type: 'string', multiple: true },
      'templates-dir': { type: 'string' },
    },
  });
  const outDir = resolve(values['out-dir'] ?? process.env.FONTS_OUT_DIR ?? join(repoRoot, 'build', 'fonts'));
  const started = Date.now();
  const result = await buildFonts({
    outDir,
    fontsDirInConfig: values['fonts-dir-in-config'],
    extendedDirInConfig: values['extended-dir-in-config'],
    cacheDirs: values['cache-dir'] ?? [join(outDir, '.fontconfig-cache')],
    // fonts/ at the repo root is where an office drops its licensed official fonts.
    extraDirs: values['extra-dir'] ?? [join(repoRoot, 'fonts')],
    scanDirs: values['scan-dir']?.map((dir) => resolve(dir)),
    templatesDir: values['templates-dir'] === undefined ? undefined : resolve(values['templates-dir']),
  });
  const what = result.rebuilt ? 'split' : 'up to date';
  const coverage = `${result.coverage.codePoints} characters printable in all ${result.coverage.stacks} font stacks${result.coverage.rebuilt ? '' : ', up to date'}`;
  console.log(`fonts: ${FONT_SOURCES.length} faces ${what} (core + extended) in ${basename(result.outDir)}/; ${coverage} (${Date.now() - started} ms)`);
}
