/**
 * Unpacks something into the temp directory once per machine (once per Lambda container), so that
 * a failed unpack can never break the machine for good. Used for Chromium (unpackChromium.ts) and
 * for the Lambda layer's fonts (unpackFonts.ts).
 *
 * *Why*: @sparticuz/chromium decompresses its pack in place and trusts any file that exists: after
 * an unpack that ran out of space (ENOSPC with a small ephemeral /tmp) every later start of that
 * Lambda container found the truncated binary and failed with "Target closed". So here:
 *   - a marker file, written only after every part was unpacked, says the unpack is complete and
 *     from which pack (a new layer version or an upgraded package is unpacked afresh) and how big
 *     the result was (a result changed since is unpacked again);
 *   - without a valid marker, whatever a previous unpack left is removed first;
 *   - a failed unpack removes its partial files and says why (the real cause, e.g. ENOSPC, and how
 *     much room it needs), which Lambda's own error response would otherwise drop;
 *   - one process unpacks at a time (a lock file), so parallel test workers or processes sharing a
 *     temp directory never use a half-written result nor remove one in use.
 */
import { constants } from 'node:fs';
import { open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChromiumError } from '../core/errors';

export interface UnpackJob {
  /** What is unpacked, for messages: "Chromium", "the fonts". */
  readonly what: string;
  /** The result's name in the temp directory; the marker and lock are named after it. */
  readonly name: string;
  /** Identifies the pack (e.g. its path, size and time); a marker of another pack is not trusted. */
  readonly source: string;
  /** Everything an earlier unpack of this pack may have left in the temp directory (names in it). */
  readonly leftovers: readonly string[];
  /** The room the result takes, as a clause for the message when there is not enough: "the unpacked Chromium needs about 200 MB". */
  readonly room: string;
  /** What to check when the unpack fails for another reason than space. */
  readonly hint: string;
  /** Unpacks into `tmp`; resolves with the path of the result (`<tmp>/<name>`). */
  unpack(tmp: string): Promise<string>;
}

interface Marker {
  readonly source: string;
  readonly bytes: number;
}

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

const markerOf = (job: UnpackJob): string => `${job.name}.unpacked.json`;
const lockOf = (job: UnpackJob): string => `${job.name}.unpack.lock`;

/** Bytes of a file, or of every file under a folder. */
async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let bytes = 0;
  for (const entry of await readdir(path)) bytes += await sizeOf(join(path, entry));
  return bytes;
}

async function readMarker(path: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/** Whether `<tmp>/<name>` is the complete result of this pack. */
async function isComplete(tmp: string, job: UnpackJob): Promise<boolean> {
  const marker = await readMarker(join(tmp, markerOf(job)));
  if (!marker || marker.source !== job.source) return false;
  try {
    return (await sizeOf(join(tmp, job.name))) === marker.bytes;
  } catch {
    return false;
  }
}

async function removeUnpacked(tmp: string, job: UnpackJob): Promise<void> {
  await rm(join(tmp, markerOf(job)), { force: true });
  await Promise.all(job.leftovers.map((name) => rm(join(tmp, name), { recursive: true, force: true })));
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

/** Takes the lock at `path` (a file holding this process's pid), or undefined when another process holds it. */
async function tryLock(path: string): Promise<(() => Promise<void>) | undefined> {
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

function unpackFailed(tmp: string, job: UnpackJob, error: unknown): ChromiumError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = error instanceof Error ? error.message : String(error);
  const advice =
    code === 'ENOSPC'
      ? `${tmp} has no room left: ${job.room} there; give the function more ephemeral storage (at least 512 MB)`
      : `check that ${tmp} is writable and ${job.hint}`;
  return new ChromiumError(`Unpacking ${job.what} into ${tmp} failed (${reason}); ${advice}.`, { cause: error });
}

/** The path of `<tmp>/<job.name>`, complete, unpacking it first when needed. */
export async function unpackOnce(tmp: string, job: UnpackJob): Promise<string> {
  const result = join(tmp, job.name);
  const lock = join(tmp, lockOf(job));
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (await isComplete(tmp, job)) return result;
    const unlock = await tryLock(lock);
    if (unlock) {
      try {
        // Checked again under the lock: another process may have finished meanwhile.
        if (await isComplete(tmp, job)) return result;
        await removeUnpacked(tmp, job);
        try {
          const path = await job.unpack(tmp);
          const marker = join(tmp, `${markerOf(job)}.${process.pid}`);
          await writeFile(marker, JSON.stringify({ source: job.source, bytes: await sizeOf(path) } satisfies Marker));
          await rename(marker, join(tmp, markerOf(job)));
          return path;
        } catch (error) {
          await removeUnpacked(tmp, job).catch(() => undefined);
          throw unpackFailed(tmp, job, error);
        }
      } finally {
        await unlock();
      }
    }
    if (Date.now() > deadline) {
      throw new ChromiumError(`Another process has been unpacking ${job.what} into ${tmp} for over ${LOCK_WAIT_MS / 1000} s; remove ${lock} if none is running.`);
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}
