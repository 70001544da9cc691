/**
 * Puts the Chromium of @sparticuz/chromium into the temp directory so that a failed unpack can
 * never break the machine for good.
 *
 * @sparticuz/chromium decompresses its brotli pack into `<tmp>/chromium` (plus `<tmp>/fonts`,
 * SwiftShader's libraries in `<tmp>` itself and, on Amazon Linux 2023, `<tmp>/al2023`), writing
 * each file in place, and trusts any file that exists: after an unpack that ran out of space
 * (ENOSPC with a small ephemeral /tmp) every later start of that Lambda container found the
 * truncated binary and failed with "Target closed". So here:
 *   - a marker file, written only after every part was unpacked, says the unpack is complete and
 *     from which pack (size and modification time of chromium.br, so a new layer version or an
 *     upgraded package is unpacked afresh);
 *   - without a valid marker, whatever a previous unpack left is removed first;
 *   - a failed unpack removes its partial files and says why (the real cause, e.g. ENOSPC, and
 *     how much room it needs), which Lambda's own error response would otherwise drop;
 *   - one process unpacks at a time (a lock file), so parallel test workers or processes sharing
 *     a temp directory never launch a half-written binary nor remove one in use.
 *
 * A pack with `chromium.gz` (the Lambda layer's, infra/lib/constructs/ChromiumFontsLayer.ts) is
 * unpacked here rather than by the package: the binary gunzips in ~0.5 s where brotli takes ~1.4 s
 * (one core, 2026-12-06), the only cost of a cold start this code can cut, and only what the
 * sealed, GPU-less printer uses is unpacked: the binary and, where the package has pointed
 * LD_LIBRARY_PATH at them (Amazon Linux 2023), its libraries; not SwiftShader, not the package's
 * fonts (the service brings its own, FONTCONFIG_FILE). Each part lands under a temporary name and is
 * renamed into place. A pack without it (the npm package's, on a developer's machine) is
 * unpacked by the package.
 */
import { constants, createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import chromium from '@sparticuz/chromium';
import { extract } from 'tar-fs';
import { ChromiumError } from '../core/errors';

/** What the pack's parts unpack to, relative to the temp directory, and our parts' temporary names. */
const UNPACKED = [
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
const MARKER = 'chromium.unpacked.json';
const LOCK = 'chromium.unpack.lock';
/** Room the unpacked parts take (measured 2026-12-06 for @sparticuz/chromium 147: ~190 MB with Amazon Linux's libraries), for the message. */
const NEEDED_MB = 200;
/** How long a process waits for another one's unpack, and how often it looks. */
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 100;
/**
 * A lock whose process is gone was left by one that died while unpacking (a Lambda timeout or
 * out-of-memory kill keeps /tmp): taken over at once. Older than this, a lock is taken over
 * whatever its process (a pid reused by another program); shorter than the wait, so a waiter
 * never gives up on a lock nobody holds.
 */
const STALE_LOCK_MS = 30_000;

interface Marker {
  readonly source: string;
  readonly bytes: number;
}

/** The pack folder: CHROMIUM_PACK_DIR, or the npm package's own `bin/`. */
const packOf = (packDir: string | undefined): string => packDir ?? join(require.resolve('@sparticuz/chromium'), '..', '..', '..', 'bin');

/** The compressed binary a pack holds: the layer's gzip, or the package's brotli. */
const compressedBinaryOf = (pack: string): string => (existsSync(join(pack, 'chromium.gz')) ? join(pack, 'chromium.gz') : join(pack, 'chromium.br'));

async function sourceOf(packDir: string | undefined): Promise<string> {
  const file = compressedBinaryOf(packOf(packDir));
  const info = await stat(file);
  return `${file.slice(-2)}:${info.size}:${Math.round(info.mtimeMs)}`;
}

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

async function readMarker(tmp: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(join(tmp, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/** Whether `<tmp>/chromium` is the complete binary of this pack. */
async function isComplete(tmp: string, source: string): Promise<boolean> {
  const marker = await readMarker(tmp);
  if (!marker || marker.source !== source) return false;
  try {
    return (await stat(join(tmp, 'chromium'))).size === marker.bytes;
  } catch {
    return false;
  }
}

async function removeUnpacked(tmp: string): Promise<void> {
  await rm(join(tmp, MARKER), { force: true });
  await Promise.all(UNPACKED.map((name) => rm(join(tmp, name), { recursive: true, force: true })));
}

/** Whether process `pid` still runs (on this machine, in this pid namespace). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's content when nobody holds it (its process is gone, or it is too old to trust), else undefined. */
async function staleLock(path: string): Promise<string | undefined> {
  const [text, info] = await Promise.all([readFile(path, 'utf8').catch(() => ''), stat(path).catch(() => undefined)]);
  if (!info) return undefined; // released meanwhile: try again
  const pid = Number.parseInt(text, 10);
  const stale = Date.now() - info.mtimeMs > STALE_LOCK_MS || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid));
  return stale ? text : undefined;
}

/** Takes the unpack lock (a file holding this process's pid), or undefined when another process holds it. */
async function tryLock(tmp: string): Promise<(() => Promise<void>) | undefined> {
  const path = join(tmp, LOCK);
  try {
    const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await handle.writeFile(String(process.pid));
    await handle.close();
    return () => unlink(path).catch(() => undefined);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const stale = await staleLock(path);
    if (stale !== undefined) {
      // Renamed away, then looked at: if another process took the lock over in between, this moved
      // its fresh lock, which goes back; only the stale one is removed.
      const away = `${path}.stale.${process.pid}`;
      if (await rename(path, away).then(() => true, () => false)) {
        if ((await readFile(away, 'utf8').catch(() => stale)) === stale) await rm(away, { force: true });
        else await rename(away, path).catch(() => undefined);
      }
    }
    return undefined;
  }
}

function unpackFailed(tmp: string, error: unknown): ChromiumError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = error instanceof Error ? error.message : String(error);
  const advice =
    code === 'ENOSPC'
      ? `${tmp} has no room left: the unpacked Chromium needs about ${NEEDED_MB} MB there; give the function more ephemeral storage (at least 512 MB)`
      : `check that ${tmp} is writable and CHROMIUM_PACK_DIR points at @sparticuz/chromium's bin folder`;
  return new ChromiumError(`Unpacking Chromium into ${tmp} failed (${reason}); ${advice}.`, { cause: error });
}

/**
 * The path of a complete Chromium binary, unpacking it first when needed. `packDir`: the folder
 * of chromium.br and friends (CHROMIUM_PACK_DIR, the layer's on Lambda); default the package's own.
 */
export async function unpackChromium(packDir?: string): Promise<string> {
  // The package unpacks into os.tmpdir() (TMPDIR), read at each call: so does this.
  const tmp = tmpdir();
  const binary = join(tmp, 'chromium');
  const source = await sourceOf(packDir).catch((error: unknown) => {
    throw new ChromiumError(`No Chromium pack at ${packDir ?? "@sparticuz/chromium's bin folder"}: set CHROMIUM_PACK_DIR to the folder that holds chromium.br.`, { cause: error });
  });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (await isComplete(tmp, source)) return binary;
    const unlock = await tryLock(tmp);
    if (unlock) {
      try {
        // Checked again under the lock: another process may have finished meanwhile.
        if (await isComplete(tmp, source)) return binary;
        await removeUnpacked(tmp);
        try {
          const pack = packOf(packDir);
          const path = existsSync(join(pack, 'chromium.gz')) ? await unpackGzipPack(pack, tmp) : await chromium.executablePath(packDir);
          const bytes = (await stat(path)).size;
          const marker = join(tmp, `${MARKER}.${process.pid}`);
          await writeFile(marker, JSON.stringify({ source, bytes } satisfies Marker));
          await rename(marker, join(tmp, MARKER));
          return path;
        } catch (error) {
          await removeUnpacked(tmp).catch(() => undefined);
          throw unpackFailed(tmp, error);
        }
      } finally {
        await unlock();
      }
    }
    if (Date.now() > deadline) {
      throw new ChromiumError(`Another process has been unpacking Chromium into ${tmp} for over ${LOCK_WAIT_MS / 1000} s; remove ${join(tmp, LOCK)} if none is running.`);
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}
