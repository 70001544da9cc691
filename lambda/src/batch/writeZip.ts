/**
 * Writes a ZIP of files already on disk, streaming (a city's ~2,800 PDFs are never all in memory)
 * into a temporary file that is renamed into place only when complete.
 *
 * PDFs are stored, not deflated: their content streams are already compressed, so deflating
 * again costs seconds on a large batch and saves a few per cent. Entry names are UTF-8 (yazl sets
 * the language-encoding flag), so 澄湾县.pdf unpacks as such on current Windows, macOS and Linux.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

export interface ZipEntry {
  /** Path on disk. */
  readonly file: string;
  /** Name inside the archive. */
  readonly name: string;
  /** Deflate this entry (worth it for text such as manifest.json, not for PDFs). */
  readonly compress?: boolean;
}

export async function writeZip(path: string, entries: readonly ZipEntry[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const zip = new ZipFile();
  for (const entry of entries) zip.addFile(entry.file, entry.name, { compress: entry.compress ?? false });
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(tmp));
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
