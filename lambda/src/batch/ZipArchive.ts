/**
 * The ZIP container of an xlsx workbook, read with every size bounded before anything is inflated:
 * a workbook is a stranger's file, and a few kilobytes of ZIP can inflate to gigabytes.
 *
 * - The central directory is read first: its entry count and the sum of its declared
 *   uncompressed sizes must be within the limits, or nothing is inflated at all.
 * - An entry is inflated only when asked for, and never beyond the size the directory declares
 *   for it (zlib's `maxOutputLength`): an archive that lies about its sizes is refused at the
 *   first byte past the lie, not after inflating it.
 * - Data is located through the central directory (as Excel does), never by scanning local
 *   headers, so entries hidden outside the directory are never read.
 * - ZIP64, encrypted entries and compression methods other than stored/deflate are refused:
 *   an xlsx within the limits needs none of them.
 */
import { inflateRawSync } from 'node:zlib';
import { InvalidRequestError, LimitExceededError } from '../core/errors';

export interface ZipLimits {
  /** Sum of the declared uncompressed sizes of all entries (MAX_WORKBOOK_UNZIPPED_BYTES). */
  readonly maxUnzippedBytes: number;
  /** Most entries; an xlsx has a dozen or two. */
  readonly maxEntries: number;
}

interface Entry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Thrown for a file that is not a usable ZIP; readWorkbook words it for the clerk. */
export class NotAZipError extends Error {}

/** The entries an encrypted archive marks with flag bit 0; a workbook saved with a password is not a ZIP at all. */
export class EncryptedZipError extends Error {}

export class ZipArchive {
  private constructor(
    private readonly bytes: Buffer,
    private readonly entries: ReadonlyMap<string, Entry>,
    private readonly centralDirectoryOffset: number,
  ) {}

  /** Reads the central directory; throws NotAZipError, EncryptedZipError or LimitExceededError. */
  static open(data: Uint8Array, limits: ZipLimits): ZipArchive {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let eocd = -1;
    for (let at = bytes.length - EOCD_SIZE; at >= Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT); at--) {
      if (bytes.readUInt32LE(at) === EOCD_SIGNATURE) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) throw new NotAZipError('no end of central directory');
    const count = bytes.readUInt16LE(eocd + 10);
    const directorySize = bytes.readUInt32LE(eocd + 12);
    const directoryOffset = bytes.readUInt32LE(eocd + 16);
    if (bytes.readUInt16LE(eocd + 4) !== 0 || bytes.readUInt16LE(eocd + 8) !== count) throw new NotAZipError('split archives are not workbooks');
    if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      throw new LimitExceededError('工作簿使用了 ZIP64 格式（超过 4 GB 或 65535 个部件），远超上限；请检查文件是否正确。');
    }
    if (count > limits.maxEntries) {
      throw new LimitExceededError(`工作簿由 ${count} 个部件组成，超过上限 ${limits.maxEntries}；这不像是一个普通的 Excel 文件。`);
    }
    if (directoryOffset + directorySize > eocd) throw new NotAZipError('central directory outside the file');

    const entries = new Map<string, Entry>();
    let total = 0;
    let at = directoryOffset;
    for (let i = 0; i < count; i++) {
      if (at + 46 > eocd || bytes.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new NotAZipError('broken central directory');
      const flags = bytes.readUInt16LE(at + 8);
      const method = bytes.readUInt16LE(at + 10);
      const compressedSize = bytes.readUInt32LE(at + 20);
      const size = bytes.readUInt32LE(at + 24);
      const nameLength = bytes.readUInt16LE(at + 28);
      const extraLength = bytes.readUInt16LE(at + 30);
      const commentLength = bytes.readUInt16LE(at + 32);
      const localHeaderOffset = bytes.readUInt32LE(at + 42);
      if (at + 46 + nameLength > eocd) throw new NotAZipError('broken central directory');
      const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
      // Bit 11: the name is UTF-8; part names in an xlsx are ASCII either way.
      const name = rawName.toString(flags & 0x800 ? 'utf8' : 'latin1');
      if (flags & 0x1) throw new EncryptedZipError(name);
      if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
        throw new LimitExceededError('工作簿使用了 ZIP64 格式（单个部件超过 4 GB），远超上限；请检查文件是否正确。');
      }
      total += size;
      if (total > limits.maxUnzippedBytes) {
        throw new LimitExceededError(
          `工作簿解压后超过 ${mb(limits.maxUnzippedBytes)}（MAX_WORKBOOK_UNZIPPED_BYTES），没有读取；正常的数据表远小于此，请检查文件，或拆成几个文件。`,
        );
      }
      const key = name.toLowerCase();
      if (entries.has(key)) throw new NotAZipError(`two entries named ${name}`);
      if (!name.endsWith('/')) entries.set(key, { name, method, compressedSize, size, localHeaderOffset });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return new ZipArchive(bytes, entries, directoryOffset);
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** The names of the entries (files only). */
  names(): string[] {
    return [...this.entries.values()].map((entry) => entry.name);
  }

  /** One entry's bytes, inflated to at most its declared size; undefined when there is no such entry. */
  read(name: string): Buffer | undefined {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) return undefined;
    const { bytes } = this;
    const at = entry.localHeaderOffset;
    if (at + 30 > this.centralDirectoryOffset || bytes.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new NotAZipError(`${entry.name}: broken local header`);
    const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
    const end = start + entry.compressedSize;
    if (end > this.centralDirectoryOffset) throw new NotAZipError(`${entry.name}: data outside the file`);
    const data = bytes.subarray(start, end);
    if (entry.method === 0) {
      if (data.length !== entry.size) throw new NotAZipError(`${entry.name}: stored size does not match`);
      return data;
    }
    if (entry.method !== 8) throw new NotAZipError(`${entry.name}: compression method ${entry.method}`);
    let inflated: Buffer;
    try {
      // One byte of room past the declared size: enough to tell a lie from the truth, no more.
      inflated = inflateRawSync(data, { maxOutputLength: entry.size + 1 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new LimitExceededError(`工作簿的部件 ${entry.name} 解压后比它声明的 ${entry.size} 字节大（可能是“ZIP 炸弹”），已停止读取。`);
      }
      throw new NotAZipError(`${entry.name}: ${(error as Error).message}`);
    }
    if (inflated.length !== entry.size) {
      if (inflated.length > entry.size) {
        throw new LimitExceededError(`工作簿的部件 ${entry.name} 解压后比它声明的 ${entry.size} 字节大（可能是“ZIP 炸弹”），已停止读取。`);
      }
      throw new NotAZipError(`${entry.name}: inflated size does not match`);
    }
    return inflated;
  }
}

/** A non-ZIP refusal worded for the clerk, when readWorkbook has nothing more specific to say. */
export function brokenWorkbook(detail: string): InvalidRequestError {
  return new InvalidRequestError(`文件不是有效的 Excel 工作簿（${detail}）；请在 Excel 中打开，另存为“Excel 工作簿（*.xlsx）”后再上传。`);
}
