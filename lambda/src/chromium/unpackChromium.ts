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
 */
import { constants } from 'node:fs';
import { open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { ChromiumError } from '../core/errors';

/** What the pack's parts unpack to, relative to the temp directory. */
const UNPACKED = ['chromium', 'fonts', 'al2023', 'libEGL.so', 'libGLESv2.so', 'libvk_swiftshader.so', 'libvulkan.so.1', 'vk_swiftshader_icd.json'];
const MARKER = 'chromium.unpacked.json';
const LOCK = 'chromium.unpack.lock';
/** Room the unpacked parts take (measured 2026-12-06 for @sparticuz/chromium 147: ~190 MB with Amazon Linux's libraries), for the message. */
const NEEDED_MB = 200;
/** How long a process waits for another one's unpack, and how often it looks. */
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 100;
/** A lock older than this is left over by a process that died while unpacking. */
const STALE_LOCK_MS = 120_000;

interface Marker {
  readonly source: string;
  readonly bytes: number;
}

async function sourceOf(packDir: string | undefined): Promise<string> {
  const pack = packDir ?? join(require.resolve('@sparticuz/chromium'), '..', '..', '..', 'bin');
  const info = await stat(join(pack, 'chromium.br'));
  return `${info.size}:${Math.round(info.mtimeMs)}`;
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

/** Takes the unpack lock, or undefined when another process holds it. */
async function tryLock(tmp: string): Promise<(() => Promise<void>) | undefined> {
  const path = join(tmp, LOCK);
  try {
    const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await handle.close();
    return () => unlink(path).catch(() => undefined);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > STALE_LOCK_MS) await rm(path, { force: true });
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
          const path = await chromium.executablePath(packDir);
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
