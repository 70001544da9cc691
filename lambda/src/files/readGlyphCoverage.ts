/**
 * Reads glyph-coverage.json, the characters the report fonts can print, once at start-up
 * (scripts/build-fonts.mjs writes it with the fonts; core/glyphCoverage.ts checks data against it).
 *
 * It is found from FONTCONFIG_FILE rather than through a variable of its own, because it describes
 * exactly the fonts that file configures: first beside fonts.conf (build/fonts/, /opt/fonts/ on
 * Lambda), then in the font folders fonts.conf lists, for a fonts.conf copied elsewhere with
 * its folders rewritten. A missing or unreadable file stops the service: without it, a character
 * no font has would print as blank space again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors';
import { GlyphCoverage, type CodePointRanges } from '../core/glyphCoverage';

export const COVERAGE_FILE = 'glyph-coverage.json';
/** The format scripts/build-fonts.mjs writes (COVERAGE_FORMAT there). */
const COVERAGE_FORMAT = 1;

/** The `<dir>` folders of a fonts.conf, entities decoded. */
function fontFolders(fontsConf: string): string[] {
  const decode = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  return [...fontsConf.matchAll(/<dir(?:\s[^>]*)?>([^<]+)<\/dir>/g)].map((m) => decode(m[1].trim()));
}

/** Where the coverage file of `fontconfigFile` is looked for, in order. */
export function coverageCandidates(fontconfigFile: string): string[] {
  const here = dirname(resolve(fontconfigFile));
  let folders: string[] = [];
  try {
    folders = fontFolders(readFileSync(fontconfigFile, 'utf8')).map((dir) => resolve(here, dir));
  } catch {
    // An unreadable fonts.conf leaves only its own folder; printing will fail on it anyway.
  }
  return [...new Set([here, ...folders].map((dir) => join(dir, COVERAGE_FILE)))];
}

/** The coverage of the fonts `fontconfigFile` configures. Throws ConfigError saying how to fix it. */
export function readGlyphCoverage(fontconfigFile: string): GlyphCoverage {
  const candidates = coverageCandidates(fontconfigFile);
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new ConfigError(
      `No ${COVERAGE_FILE} beside ${fontconfigFile} or in its font folders; run \`npm run build\`, which writes it with the fonts ` +
        `(or point FONTCONFIG_FILE at the fonts.conf it built). Without it characters no font has would print as blank space.`,
    );
  }
  let parsed: { format?: unknown; ranges?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON; run \`npm run build\` to write it again.`, { cause: error });
  }
  if (parsed.format !== COVERAGE_FORMAT || !Array.isArray(parsed.ranges)) {
    throw new ConfigError(`${path} is not a glyph coverage file of format ${COVERAGE_FORMAT}; run \`npm run build\` to write it again.`);
  }
  try {
    return GlyphCoverage.fromRanges(parsed.ranges as CodePointRanges);
  } catch (error) {
    throw new ConfigError(`${path} holds invalid ranges (${(error as Error).message}); run \`npm run build\` to write it again.`, { cause: error });
  }
}
