/**
 * Which characters the report fonts can print, and the check that refuses data with any other.
 *
 * Why: a character no font has prints as blank space, not even a box, while the PDF's text layer
 * still holds it, and Chromium may drop its neighbours with it (`𠀀𠮷县` printed as a blank and
 * 县). In a government document a silently missing character in a name is the worst outcome, so
 * such data is refused before printing, with the field and the character named.
 *
 * The set is computed at build time from the fonts themselves (scripts/build-fonts.mjs writes
 * glyph-coverage.json beside fonts.conf; files/readGlyphCoverage.ts reads it once): a code point is
 * in it when every font stack of the templates can print it, licensed fonts included. The rule is
 * explained there and in fonts/README.md. Here it is only data: a bitmap, one lookup per code point.
 */
import type { ErrorDetail } from './errors';
import { escapePointerSegment as escapePointer } from './jsonPointer';

/** Inclusive `[first, last]` code point ranges, ascending, as glyph-coverage.json holds them. */
export type CodePointRanges = readonly (readonly [number, number])[];

const CODE_POINTS = 0x110000;

/**
 * Characters that need no glyph: tab, line feed and carriage return are layout (white space the
 * browser collapses or breaks on) and never drawn, and inspectInput lets them through. Every other
 * character must have a glyph in every stack, the invisible ones included (see `describe`).
 */
const LAYOUT_WHITESPACE: ReadonlySet<number> = new Set([0x09, 0x0a, 0x0d]);

/** The printable code points, as a bitmap (139 KB): a lookup is one array read and a mask. */
export class GlyphCoverage {
  private readonly bits = new Uint32Array(CODE_POINTS >>> 5);
  /** How many code points are printable. */
  readonly size: number;

  private constructor(ranges: CodePointRanges) {
    let size = 0;
    let previous = -1;
    for (const range of ranges) {
      const [first, last] = range;
      if (!Number.isInteger(first) || !Number.isInteger(last) || first <= previous || last < first || last >= CODE_POINTS) {
        throw new RangeError(`glyph coverage ranges must be ascending, disjoint [first, last] code points; got [${String(range)}] after ${previous}`);
      }
      for (let cp = first; cp <= last; cp++) this.bits[cp >>> 5] |= 1 << (cp & 31);
      size += last - first + 1;
      previous = last;
    }
    this.size = size;
  }

  static fromRanges(ranges: CodePointRanges): GlyphCoverage {
    return new GlyphCoverage(ranges);
  }

  /** Whether the fonts print `codePoint` in every stack. */
  has(codePoint: number): boolean {
    return codePoint >= 0 && codePoint < CODE_POINTS && (this.bits[codePoint >>> 5] & (1 << (codePoint & 31))) !== 0;
  }

  /** The distinct characters of `text` that cannot be printed, in order of first appearance. */
  unprintableIn(text: string): string[] {
    let found: string[] | undefined;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      // A surrogate pair is one code point; a lone surrogate is inspectInput's to refuse, and has
      // no glyph either.
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          i++;
        }
      }
      if (this.has(cp) || LAYOUT_WHITESPACE.has(cp)) continue;
      const ch = String.fromCodePoint(cp);
      if (!(found ??= []).includes(ch)) found.push(ch);
    }
    return found ?? [];
  }
}


/** `U+20000`, as Unicode writes code points. */
export function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Characters that show nothing when quoted in a message: format characters (zero-width spaces and
 * joiners, U+FEFF, variation selectors), combining marks, white space, private-use and unassigned
 * code points. They are named by code point alone. An invisible character is refused like any
 * other: it is invisible in the data too, a variation selector asks for a glyph variant the fonts
 * do not have (the base character would print instead), and a stray one breaks searching the PDF
 * for the name it sits in.
 */
const SHOWS_NOTHING = /^[\p{Cf}\p{M}\p{Z}\p{Cc}\p{Co}\p{Cn}\p{Cs}]/u;

function describe(ch: string): string {
  return SHOWS_NOTHING.test(ch) ? `${codePointLabel(ch)}（不可见）` : `“${ch}”(${codePointLabel(ch)})`;
}

/** Distinct characters named in one field's message; more are counted. */
const MAX_NAMED = 5;
/** Fields reported at most, as inspectInput does. */
const MAX_DETAILS = 50;

/** The message for one field (to clerks, in Chinese): which characters, and what to do. */
export function unprintableMessage(chars: readonly string[]): string {
  const named = chars.slice(0, MAX_NAMED).map(describe).join('、');
  const more = chars.length > MAX_NAMED ? ` 等 ${chars.length} 个字符` : '';
  return `字符${named}${more} 无法用报告字体印出；请删除或改写，如确需此字，请管理员加入含此字的字体（见 fonts/README.md）`;
}

/**
 * Every string value of `data` with characters the fonts cannot print, located by JSON pointer
 * (at most 50 fields); empty when everything prints. Keys are not checked: templates print values,
 * and inspectInput has refused what keys must not hold. Iterative, like inspectInput, whose depth
 * and size limits have been applied by the time this runs.
 */
export function findUnprintable(data: unknown, coverage: GlyphCoverage): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const stack: { value: unknown; path: string }[] = [{ value: data, path: '' }];
  while (stack.length > 0 && details.length < MAX_DETAILS) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const chars = coverage.unprintableIn(value);
      if (chars.length > 0) details.push({ path, message: unprintableMessage(chars) });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}/${i}` });
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (value as Record<string, unknown>)[keys[i]], path: `${path}/${escapePointer(keys[i])}` });
    }
  }
  return details;
}
