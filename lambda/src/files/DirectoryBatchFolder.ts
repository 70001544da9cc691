/**
 * A batch's folder on disk: `<dir>/<stem>.pdf`, `manifest.json`, `reports.zip`, `volume.pdf`.
 * Every file is written through a temporary file and a rename (writeFileAtomic), so an
 * interrupted run never leaves a truncated file under a real name; the temporary files of a run
 * that was killed are removed by the next run in the same folder.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseManifest, type BatchManifest, type ManifestItem } from '../batch/BatchManifest';
import type { LocalBatchFolder } from '../batch/ports';
import type { BatchSink } from '../batch/runBatch';
import { MANIFEST_FILE } from '../core/storageLayout';
import { DirectorySink } from './DirectorySink';
import { TEMP_FILE, tempPathOf, writeFileAtomic } from './writeFileAtomic';

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export class DirectoryBatchFolder implements LocalBatchFolder {
  constructor(readonly path: string) {}

  private fileOf(item: ManifestItem): string {
    if (item.file === null) throw new RangeError(`item ${item.id} has no PDF`);
    return join(this.path, item.file);
  }

  openPdf(item: ManifestItem): Readable {
    return createReadStream(this.fileOf(item));
  }

  readPdf(item: ManifestItem): Promise<Uint8Array> {
    return readFile(this.fileOf(item));
  }

  async writeFile(name: string, body: string | Uint8Array): Promise<void> {
    await writeFileAtomic(join(this.path, name), body);
  }

  async writeStream(name: string, body: Readable): Promise<number> {
    const path = join(this.path, name);
    await mkdir(this.path, { recursive: true });
    const tmp = tempPathOf(path);
    let bytes = 0;
    body.on('data', (chunk: Buffer) => void (bytes += chunk.length));
    try {
      await pipeline(body, createWriteStream(tmp));
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return bytes;
  }

  async readManifest(): Promise<BatchManifest | undefined> {
    const text = await readFile(join(this.path, MANIFEST_FILE), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : parseManifest(text);
  }

  async removeLeftovers(): Promise<void> {
    const names = await readdir(this.path).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(TEMP_FILE.exec(name)?.[1]);
      if (pid && pid !== process.pid && !isRunning(pid)) await rm(join(this.path, name), { force: true });
    }
  }

  sink(previous?: BatchManifest): BatchSink {
    return new DirectorySink(this.path, previous);
  }
}
