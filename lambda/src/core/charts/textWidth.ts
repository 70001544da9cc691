/**
 * How wide a label prints, estimated without a font: the layouts run in the view (pure, no font
 * files), yet must keep labels apart and inside the chart.
 *
 * Templates set chart text to 12 pt = 16 SVG units. CJK characters and full-width punctuation are
 * square, 16 units. Everything else (digits, Latin letters, `.`, `-`, `%`) counts as half-width,
 * 8 units, as the official 仿宋_GB2312 prints it. The open stand-in (Noto Serif SC) is wider for
 * some of them (digits ≈ 7.5–8.9, `%` ≈ 14.8), so layouts leave a few units of slack instead of
 * trusting this to the unit.
 */

/** Font size the layouts assume: the template stylesheet's 12 pt at ~1 unit per CSS px. */
export const TEXT_SIZE = 16;

const HALF_WIDTH = TEXT_SIZE / 2;

/**
 * East Asian Wide and Fullwidth characters (UAX #11), plus the quotation marks, dash and ellipsis
 * that Chinese fonts draw full-width.
 */
const FULL_WIDTH =
  /[\u1100-\u115F\u2014\u2018-\u201D\u2026\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;

/** Estimated advance of `text` in SVG units at the template's 12 pt. */
export function textWidth(text: string): number {
  let width = 0;
  for (const character of text) width += FULL_WIDTH.test(character) ? TEXT_SIZE : HALF_WIDTH;
  return width;
}

/** The widest of several labels (0 for none). */
export function widestText(texts: readonly string[]): number {
  return texts.reduce((widest, text) => Math.max(widest, textWidth(text)), 0);
}
