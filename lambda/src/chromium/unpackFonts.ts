/**
 * Puts the fonts of the Lambda layer's font packs (gzip tars) into the temp directory, once per
 * machine:
 *   - FONTS_PACK, the core halves of the open fonts and the licensed ones, into
 *     `<tmp>/pdf-export-fonts` before Chromium first starts;
 *   - FONTS_EXTENDED_PACK, the "Extended" halves (every character outside GB 2312 and the common
 *     punctuation: core/coreFontCharacters.ts), into `<tmp>/pdf-export-fonts-extended`, only when
 *     a document has such a character. Until then that folder exists empty.
 *
 * *Why packs*: Lambda allows 262,144,000 bytes for a function and its layers unzipped. The
 * Chromium binary (197 MB) and the fonts (68 MB) do not both fit uncompressed, so one of them is
 * unpacked into /tmp at a cold start; the fonts are a third of the bytes, so they are the ones, and
 * of those, ordinary reports need only the core files (16 of the 68 MB): *measured* 2026-12-06 on
 * one core, ~0.15 s to unpack them against ~0.45 s for all (infra/lib/constructs/ChromiumFontsLayer.ts).
 *
 * The layer's fonts.conf lists both folders (written from the same constant), and the unpack checks
 * that they agree: a fonts.conf naming other folders would print every Chinese character as blank.
 * Both folders get a fixed modification time, the one the layer's prebuilt fontconfig cache was
 * made for: with it Chromium starts without scanning the fonts (~0.2–0.3 s of a cold start), and
 * knows the extended files before they are there; it opens a font file only for a character the
 * files before it in the font stack lack, which is why they must be unpacked before such a
 * document is printed, and need not be before.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-fs';
import { UNPACKED_EXTENDED_FONTS_NAME, UNPACKED_FONTS_MTIME_SECONDS, UNPACKED_FONTS_NAME } from '../config/configTable';
import { ChromiumError } from '../core/errors';
import { unpackOnce } from './unpackOnce';

/** Inflate in chunks this big: fewer, larger writes to /tmp. */
const INFLATE_CHUNK = 2 ** 18;
const FIXED_TIME = new Date(UNPACKED_FONTS_MTIME_SECONDS * 1000);

/** `folder` and its sub-folders get the fixed time; sub-folders first, since writing into a folder changes its time. */
async function fixTimes(folder: string): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) if (entry.isDirectory()) await utimes(join(folder, entry.name), FIXED_TIME, FIXED_TIME);
  await utimes(folder, FIXED_TIME, FIXED_TIME);
}

/** The folder `name` under the temp directory, refused unless `fontconfigFile` lists it. */
async function listedFolder(name: string, variable: string, fontconfigFile: string): Promise<string> {
  const folder = join(tmpdir(), name);
  const conf = await readFile(fontconfigFile, 'utf8').catch(() => '');
  if (!conf.includes(`<dir>${folder}</dir>`)) {
    throw new ChromiumError(`${variable} unpacks into ${folder}, which ${fontconfigFile} does not list: the fonts would not be found. Build the layer again and take ${variable} and FONTCONFIG_FILE from it (the temp directory must be /tmp, as on Lambda).`);
  }
  return folder;
}

async function unpackPack(packFile: string, variable: string, name: string, fontconfigFile: string): Promise<string> {
  const info = await stat(packFile).catch((error: unknown) => {
    throw new ChromiumError(`No font pack at ${packFile}: set ${variable} to the layer's pack, or unset it where the fonts are not packed.`, { cause: error });
  });
  const folder = await listedFolder(name, variable, fontconfigFile);
  return unpackOnce(tmpdir(), {
    what: 'the fonts',
    name,
    source: `${packFile}:${info.size}:${Math.round(info.mtimeMs)}`,
    leftovers: [name, `${name}.partial`],
    room: `the unpacked fonts need about ${Math.ceil((info.size * 1.8) / 1e6)} MB`,
    hint: `${variable} is a gzip tar of font files`,
    async unpack(into) {
      const partial = join(into, `${name}.partial`);
      await pipeline(createReadStream(packFile), createGunzip({ chunkSize: INFLATE_CHUNK }), extract(partial));
      await fixTimes(partial);
      // Onto the folder `prepareExtendedFonts` left empty, if it is there: rename replaces an empty folder.
      await rename(partial, folder);
      return folder;
    },
  });
}

/** The folder of the unpacked FONTS_PACK (`<tmp>/pdf-export-fonts`), unpacked first when needed. */
export function unpackFonts(packFile: string, fontconfigFile: string): Promise<string> {
  return unpackPack(packFile, 'FONTS_PACK', UNPACKED_FONTS_NAME, fontconfigFile);
}

/**
 * Before Chromium starts: the extended fonts' folder exists, with the fixed time, so that the
 * prebuilt fontconfig cache of it holds; its files are unpacked when a document first needs them.
 */
export async function prepareExtendedFonts(fontconfigFile: string): Promise<void> {
  const folder = await listedFolder(UNPACKED_EXTENDED_FONTS_NAME, 'FONTS_EXTENDED_PACK', fontconfigFile);
  await mkdir(folder, { recursive: true });
  await utimes(folder, FIXED_TIME, FIXED_TIME);
}

/** The folder of the unpacked FONTS_EXTENDED_PACK (`<tmp>/pdf-export-fonts-extended`), unpacked first when needed. */
export function unpackExtendedFonts(packFile: string, fontconfigFile: string): Promise<string> {
  return unpackPack(packFile, 'FONTS_EXTENDED_PACK', UNPACKED_EXTENDED_FONTS_NAME, fontconfigFile);
}
