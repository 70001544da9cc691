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
// Output (default build/fonts, override with FONTS_OUT_DIR):
//   *.ttf       open stand-ins from npm packages (OFL), core and extended
//   fonts.conf  lists this directory and the repo's fonts/ folder, where an office drops the
//               licensed official fonts (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 黑体)
//   fonts.json  what was built and from what; the next build skips the work when it still matches
//
// Usage: node scripts/build-fonts.mjs [--out-dir DIR] [--fonts-dir-in-config /opt/fonts]
//                                     [--cache-dir DIR] [--extra-dir DIR]
//   --fonts-dir-in-config  the path written into fonts.conf (the Lambda layer uses /opt/fonts)
//   --cache-dir            fontconfig cache directory written into fonts.conf
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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

function fontsConf(dirs, cacheDir, renames) {
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
  <cachedir>${esc(cacheDir)}</cachedir>
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

export async function buildFonts({ outDir, fontsDirInConfig, cacheDir, extraDirs }) {
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
    const inside = relative(outDir, cacheDir);
    if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)) await rm(cacheDir, { recursive: true, force: true });
  }
  // fontconfig matches the rename rules on the exact path, so the directory is normalised
  // (`/opt/fonts/` and `/opt/fonts` must give the same rules).
  const fontsDir = resolve(fontsDirInConfig ?? outDir);
  const renames = FONT_SOURCES.map((f) => ({ path: join(fontsDir, extendedFile(f.file)), family: extendedFamily(f.family) }));
  const conf = fontsConf([fontsDir, ...extraDirs], cacheDir, renames);
  // Rewritten only when it changes: a new file changes the directory's time, and fontconfig then
  // rescans every font at the next start.
  const confPath = join(outDir, 'fonts.conf');
  if ((await readFile(confPath, 'utf8').catch(() => '')) !== conf) await writeAtomically(confPath, conf);
  return { outDir, files, rebuilt: !upToDate, faces };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'out-dir': { type: 'string' },
      'fonts-dir-in-config': { type: 'string' },
      'cache-dir': { type: 'string' },
      'extra-dir': { type: 'string', multiple: true },
    },
  });
  const outDir = resolve(values['out-dir'] ?? process.env.FONTS_OUT_DIR ?? join(repoRoot, 'build', 'fonts'));
  const started = Date.now();
  const result = await buildFonts({
    outDir,
    fontsDirInConfig: values['fonts-dir-in-config'],
    cacheDir: values['cache-dir'] ?? join(outDir, '.fontconfig-cache'),
    // fonts/ at the repo root is where an office drops its licensed official fonts.
    extraDirs: values['extra-dir'] ?? [join(repoRoot, 'fonts')],
  });
  const what = result.rebuilt ? 'split' : 'up to date';
  console.log(`fonts: ${FONT_SOURCES.length} faces ${what} (core + extended) in ${basename(result.outDir)}/ (${Date.now() - started} ms)`);
}
