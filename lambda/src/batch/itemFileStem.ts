/**
 * Item ids come from the person who wrote the items file (a county name, a code, a spreadsheet
 * cell). They name `<dir>/<stem>.pdf` and ZIP entries, so they are reduced to letters, digits
 * (any script: 澄湾县 stays 澄湾县), `.`, `_` and `-` before they touch a path: no separators, no
 * `..`, no control or bidi characters, nothing Windows refuses.
 */

/** Code points kept; 80 CJK characters are 240 bytes of UTF-8, inside every file system's 255. */
const MAX_STEM_CHARS = 80;
/** Device names Windows reserves whatever the extension (`CON.pdf` cannot be created). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i;

/** The file stem for an item id, or undefined when nothing usable is left (e.g. the id was `../`). */
export function itemFileStem(id: string): string | undefined {
  const cleaned = id
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}._-]+/gu, '_')
    .replace(/_{2,}/g, '_')
    // A leading dot hides the file, a leading dash reads as an option, a trailing dot is dropped by Windows.
    .replace(/^[._-]+|[._]+$/g, '');
  const stem = [...cleaned].slice(0, MAX_STEM_CHARS).join('').replace(/[._]+$/, '');
  if (!/[\p{L}\p{N}]/u.test(stem)) return undefined;
  return WINDOWS_RESERVED.test(stem) ? `_${stem}` : stem;
}
