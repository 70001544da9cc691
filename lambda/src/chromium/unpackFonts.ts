/**
 * Puts the fonts of the Lambda layer's font pack (FONTS_PACK, a gzip tar) into
 * `<tmp>/pdf-export-fonts`, once per machine, before Chromium first starts.
 *
 * *Why a pack*: Lambda allows 262,144,000 bytes for a function and its layers unzipped. The
 * Chromium binary (197 MB) and the fonts (68 MB) do not both fit uncompressed, so one of them is
 * unpacked into /tmp at a cold start; the fonts are a third of the bytes, so they are the ones
 * (infra/lib/constructs/ChromiumFontsLayer.ts has the figures). The layer's fonts.conf lists this
 * folder: both are written from the same constant, and `unpackFonts` checks that they agree, since
 * a fonts.conf naming another folder would print every Chinese character as blank space.
 *
 * The folders get a fixed modification time, the one the layer's prebuilt fontconfig cache was made
 * for: with it Chromium starts without scanning 68 MB of fonts (~0.2–0.3 s of a cold start, measured
 * 2026-12-06 on one core); without it, fontconfig scans them and still prints right.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-fs';
import { UNPACKED_FONTS_MTIME_SECONDS, UNPACKED_FONTS_NAME } from '../config/configTable';
import { ChromiumError } from '../core/errors';
import { unpackOnce } from './unpackOnce';

/** Inflate in chunks this big: fewer, larger writes to /tmp. */
const INFLATE_CHUNK = 2 ** 18;

/**
 * The folder holding the unpacked fonts. `fontconfigFile` must list it (`<dir>…</dir>`), or
 * Chromium would not find them; refused with a ChromiumError naming both otherwise.
 */
export async function unpackFonts(packFile: string, fontconfigFile: string): Promise<string> {
  const info = await stat(packFile).catch((error: unknown) => {
    throw new ChromiumError(`No font pack at ${packFile}: set FONTS_PACK to the layer's fonts.tar.gz, or unset it where the fonts are not packed.`, { cause: error });
  });
  const tmp = tmpdir();
  const folder = join(tmp, UNPACKED_FONTS_NAME);
  const conf = await readFile(fontconfigFile, 'utf8').catch(() => '');
  if (!conf.includes(`<dir>${folder}</dir>`)) {
    throw new ChromiumError(`FONTS_PACK unpacks into ${folder}, which ${fontconfigFile} does not list: the fonts would not be found. Build the layer again and take FONTS_PACK and FONTCONFIG_FILE from it (the temp directory must be /tmp, as on Lambda).`);
  }
  return unpackOnce(tmp, {
    what: 'the fonts',
    name: UNPACKED_FONTS_NAME,
    source: `${packFile}:${info.size}:${Math.round(info.mtimeMs)}`,
    leftovers: [UNPACKED_FONTS_NAME, `${UNPACKED_FONTS_NAME}.partial`],
    room: `the unpacked fonts need about ${Math.ceil((info.size * 1.8) / 1e6)} MB`,
    hint: 'FONTS_PACK is a gzip tar of font files',
    async unpack(into) {
      const partial = join(into, `${UNPACKED_FONTS_NAME}.partial`);
      await pipeline(createReadStream(packFile), createGunzip({ chunkSize: INFLATE_CHUNK }), extract(partial));
      // Sub-folders first: writing into a folder changes its time.
      const time = new Date(UNPACKED_FONTS_MTIME_SECONDS * 1000);
      for (const entry of await readdir(partial, { withFileTypes: true })) if (entry.isDirectory()) await utimes(join(partial, entry.name), time, time);
      await utimes(partial, time, time);
      await rename(partial, folder);
      return folder;
    },
  });
}
