/**
 * Writes through a temporary file (`<path>.<pid>.tmp`) and a rename, so an interrupted run never
 * leaves a truncated file under a real name. The folder is created when missing.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The temporary files writeFileAtomic and writeZip leave behind when killed mid-write. */
export const TEMP_FILE = /^.+\.(\d+)\.tmp$/;

export function tempPathOf(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathOf(path);
  await writeFile(tmp, data);
  await rename(tmp, path);
}
