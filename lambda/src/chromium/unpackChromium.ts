/**
 * Puts the Chromium of a compressed pack into the temp directory, once per machine (unpackOnce.ts
 * says how a failed unpack is kept from breaking the machine for good).
 *
 * Two packs exist:
 *   - the npm package's `bin/` (a developer's machine, CI): brotli files the package unpacks
 *     itself into `<tmp>/chromium` (plus `<tmp>/fonts`, SwiftShader's libraries in `<tmp>` and, on
 *     Amazon Linux 2023, `<tmp>/al2023`);
 *   - the Lambda layer's compact layout (infra/lib/constructs/ChromiumFontsLayer.ts, used only
 *     when the uncompressed binary would not fit Lambda's size limit): `chromium.gz`, unpacked
 *     here because it gunzips in about a third of brotli's time, and only what the sealed, GPU-less
 *     printer uses: the binary and, where the package has pointed LD_LIBRARY_PATH at them (Amazon
 *     Linux 2023), its libraries; not SwiftShader, not the package's fonts (the service brings its
 *     own, FONTCONFIG_FILE). Each part lands under a temporary name and is renamed into place.
 * The layer's default layout ships the binary uncompressed: nothing to unpack (CHROMIUM_PATH).
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import chromium from '@sparticuz/chromium';
import { extract } from 'tar-fs';
import { ChromiumError } from '../core/errors';
import { unpackOnce } from './unpackOnce';

/** What the packs' parts unpack to, relative to the temp directory, and our parts' temporary names. */
const LEFTOVERS = [
  'chromium',
  'chromium.partial',
  'fonts',
  'al2023',
  'al2023.partial',
  'libEGL.so',
  'libGLESv2.so',
  'libvk_swiftshader.so',
  'libvulkan.so.1',
  'vk_swiftshader_icd.json',
];
/** Streams read and inflate in chunks this big: fewer, larger writes to /tmp (the package uses the same). */
const READ_CHUNK = 2 ** 22;
const INFLATE_CHUNK = 2 ** 21;

/** The pack folder: CHROMIUM_PACK_DIR, or the npm package's own `bin/`. */
const packOf = (packDir: string | undefined): string => packDir ?? join(require.resolve('@sparticuz/chromium'), '..', '..', '..', 'bin');

/** The compressed binary a pack holds: the layer's gzip, or the package's brotli. */
const compressedBinaryOf = (pack: string): string => (existsSync(join(pack, 'chromium.gz')) ? join(pack, 'chromium.gz') : join(pack, 'chromium.br'));

/** The binary from the layer's gzip, and the Amazon Linux libraries where the package expects them. */
async function unpackGzipPack(pack: string, tmp: string): Promise<string> {
  const binary = join(tmp, 'chromium');
  const partial = `${binary}.partial`;
  await pipeline(createReadStream(join(pack, 'chromium.gz'), { highWaterMark: READ_CHUNK }), createGunzip({ chunkSize: INFLATE_CHUNK }), createWriteStream(partial));
  await chmod(partial, 0o755);
  // @sparticuz/chromium points LD_LIBRARY_PATH at <tmp>/al2023/lib when it finds itself on Amazon
  // Linux 2023 (at import); those libraries must then be there.
  const libraries = join(tmp, 'al2023');
  if ((process.env.LD_LIBRARY_PATH ?? '').split(':').includes(join(libraries, 'lib'))) {
    await pipeline(createReadStream(join(pack, 'al2023.tar.br')), createBrotliDecompress({ chunkSize: INFLATE_CHUNK }), extract(`${libraries}.partial`));
    await rename(`${libraries}.partial`, libraries);
  }
  await rename(partial, binary);
  return binary;
}

/**
 * The path of a complete Chromium binary, unpacking it first when needed. `packDir`: the folder
 * of chromium.br or chromium.gz (CHROMIUM_PACK_DIR); default the npm package's own.
 */
export async function unpackChromium(packDir?: string): Promise<string> {
  const pack = packOf(packDir);
  const file = compressedBinaryOf(pack);
  const info = await stat(file).catch((error: unknown) => {
    throw new ChromiumError(`No Chromium pack at ${packDir ?? "@sparticuz/chromium's bin folder"}: set CHROMIUM_PACK_DIR to the folder that holds chromium.br.`, { cause: error });
  });
  // The package unpacks into os.tmpdir() (TMPDIR), read at each call: so does this.
  return unpackOnce(tmpdir(), {
    what: 'Chromium',
    name: 'chromium',
    source: `${file.slice(-2)}:${info.size}:${Math.round(info.mtimeMs)}`,
    leftovers: LEFTOVERS,
    // Measured 2026-12-06 for @sparticuz/chromium 147: ~190 MB with Amazon Linux's libraries.
    room: 'the unpacked Chromium needs about 200 MB',
    hint: "CHROMIUM_PACK_DIR points at @sparticuz/chromium's bin folder",
    unpack: (tmp) => (file.endsWith('.gz') ? unpackGzipPack(pack, tmp) : chromium.executablePath(packDir)),
  });
}
