/**
 * Which characters the *core* halves of the report fonts hold. scripts/build-fonts.mjs cuts every
 * open stand-in into a core file (GB 2312, ASCII, Latin-1 and the punctuation ranges: ordinary
 * modern text) and an "Extended" file with the rest; the Lambda layer unpacks the extended files
 * only when a document needs them (chromium/unpackFonts.ts), so the printer asks here first.
 *
 * The same definition as build-fonts.mjs's `coreCodePoints` (test/unit/coreFontCharacters.test.ts
 * holds them equal): GB 2312 decoded with the WHATWG gb18030 decoder Node carries, no vendored list.
 */

/** [first, last] ranges the core files keep besides GB 2312. */
const CORE_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0xff], // Latin-1 (× ÷ ° ±)
  [0x2000, 0x206f], // general punctuation (— ‘ ’ “ ” … ‰ ※)
  [0x2150, 0x218f], // number forms (Ⅰ Ⅱ Ⅲ)
  [0x2460, 0x24ff], // enclosed alphanumerics (① ⑴ ⒈)
  [0x3000, 0x303f], // CJK symbols and punctuation (、。〈〉《》「」【】〔〕)
  [0xff00, 0xffef], // full-width forms (，；：？！（）％)
];

let core: Uint8Array | undefined;

/** One flag per code point of the Basic Multilingual Plane (nothing beyond it is core), built on first use (~2 ms). */
function coreTable(): Uint8Array {
  if (core) return core;
  const table = new Uint8Array(0x10000);
  const decoder = new TextDecoder('gb18030');
  for (let row = 0xa1; row <= 0xf7; row++) {
    for (let cell = 0xa1; cell <= 0xfe; cell++) {
      const text = decoder.decode(Uint8Array.of(row, cell));
      const cp = text.codePointAt(0)!;
      if (text.length === 1 && text !== '\ufffd') table[cp] = 1;
    }
  }
  for (const [from, to] of CORE_RANGES) table.fill(1, from, to + 1);
  return (core = table);
}

/** Whether `cp` is in the core files' set. */
export function isCoreCodePoint(cp: number): boolean {
  return cp < 0x10000 && coreTable()[cp] === 1;
}

/** Characters written as escapes, which the page shows as themselves: HTML `&#x6D49;` / `&#27977;`, CSS `\6D49`. */
const ESCAPE = /&#[xX]([0-9a-fA-F]{1,6});?|&#([0-9]{1,7});?|\\([0-9a-fA-F]{1,6})/g;

/**
 * Whether any character of `texts` (HTML, CSS, SVG), written out or as an escape, lies outside the
 * core set, so that printing them needs the extended font files. C0 and C1 control characters
 * never reach a glyph and are ignored. Errs towards yes: a character outside the set that never
 * prints (in a comment, say) only costs the unpack.
 */
export function needsExtendedFonts(texts: Iterable<string>): boolean {
  const table = coreTable();
  for (const text of texts) {
    let escapes = false;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit === 0x26 || unit === 0x5c) escapes = true; // & or \
      // Fast path: ASCII, and everything else in the table (surrogates are never core).
      if (unit < 0x80 || table[unit] === 1) continue;
      if (unit < 0xa0) continue;
      return true;
    }
    if (escapes) {
      for (const [, hex, decimal, css] of text.matchAll(ESCAPE)) {
        const cp = Number.parseInt(hex ?? css ?? decimal, hex !== undefined || css !== undefined ? 16 : 10);
        if (cp >= 0xa0 && !isCoreCodePoint(cp)) return true;
      }
    }
  }
  return false;
}
