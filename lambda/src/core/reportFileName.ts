/**
 * The file name a clerk sees when the PDF downloads, e.g. `青岚县县长2020年度述学述职述廉述法报告.pdf`.
 * It comes from the document title, so it is cleaned for every file system a government PC may
 * use (Windows forbids \ / : * ? " < > |) and kept short enough for old archive tools.
 */

/** Characters Windows, macOS or Linux refuse in file names, plus controls and bidi overrides. */
const UNSAFE = /[\\/:*?"<>|\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Code points kept from the title; Chinese titles of official documents stay well under this. */
const MAX_NAME_CHARS = 80;

export function reportFileName(title: string, fallback: string): string {
  const cleaned = [...title.normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim()]
    .slice(0, MAX_NAME_CHARS)
    .join('')
    .trim()
    // A name of only dots, or ending in one, is mangled by Windows.
    .replace(/^\.+|\.+$/g, '');
  return `${cleaned === '' ? fallback : cleaned}.pdf`;
}
