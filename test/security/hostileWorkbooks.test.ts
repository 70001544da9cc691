/**
 * Workbooks from strangers: every one gets a clear error, in Chinese, with the status it maps to,
 * and nothing is half-done (no item parsed, no folder created, no browser started). ZIP bombs are
 * refused from the central directory without inflating anything, a ZIP that lies about its sizes
 * is stopped at the first byte past the lie, 100,000 rows stop at the row limit, a 50 MB file is
 * refused by its size. The files are real: ExcelJS writes the workbooks (its streaming writer the
 * 100,000 rows), and the ZIPs that no honest writer makes are put together byte by byte below.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { crc32, deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { columnLetter, fieldColumns, ID_HEADER } from '../../lambda/src/batch/fieldColumns';
import { parseBatchItems } from '../../lambda/src/batch/parseBatchItems';
import type { WorkbookLimits } from '../../lambda/src/batch/readWorkbook';
import { defaultRowId, writeWorkbook } from '../../lambda/src/batch/writeWorkbook';
import { ZipArchive } from '../../lambda/src/batch/ZipArchive';
import { loadConfig } from '../../lambda/src/config/loadConfig';
import { errorResponse } from '../../lambda/src/http/errorResponse';
import { runCli } from '../../lambda/src/entrypoints/cli';
import { projectTemplates } from '../helpers/app';

const template = projectTemplates().get('county-annual-report');
const { batch } = loadConfig({});
/** The defaults every entry point uses: MAX_WORKBOOK_BYTES, MAX_WORKBOOK_UNZIPPED_BYTES, MAX_BATCH_ITEMS. */
const LIMITS: WorkbookLimits = { maxBytes: batch.maxWorkbookBytes, maxUnzippedBytes: batch.maxWorkbookUnzippedBytes, maxRows: batch.maxItems };
const MIB = 1024 * 1024;

interface Part {
  readonly name: string;
  readonly data: Buffer;
  /** 8: deflate `data`; 0: store it. */
  readonly method?: 0 | 8;
  /** Already deflated bytes to store under method 8 (shared between entries of a bomb). */
  readonly deflated?: Buffer;
  /** The uncompressed size to declare, if not the true one. */
  readonly declaredSize?: number;
  readonly flags?: number;
}

/** A ZIP as the format says, with whatever sizes the caller declares. */
function zip(parts: readonly Part[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const method = part.method ?? 8;
    const body = method === 8 ? (part.deflated ?? deflateRawSync(part.data)) : part.data;
    const name = Buffer.from(part.name, 'utf8');
    const size = part.declaredSize ?? part.data.length;
    const crc = crc32(part.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE((part.flags ?? 0) | 0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE((part.flags ?? 0) | 0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The parts of a real workbook, to rebuild it with one part changed. */
function partsOf(workbook: Buffer): Part[] {
  const archive = ZipArchive.open(workbook, { maxUnzippedBytes: 1 << 30, maxEntries: 1000 });
  return archive.names().map((name) => ({ name, data: archive.read(name)! }));
}

/** What a workbook is refused with: the status it maps to and its message. */
function refusal(bytes: Buffer, limits: WorkbookLimits = LIMITS): { status: number; code: string; message: string } {
  try {
    parseBatchItems(bytes, 'xlsx', template.schema, { workbook: limits });
  } catch (error) {
    const response = errorResponse(error, 'test');
    const { code, message } = JSON.parse(response.body).error as { code: string; message: string };
    return { status: response.statusCode, code, message };
  }
  throw new Error('the workbook was accepted');
}

/** Resident memory grown while `run` ran, in MB: a bomb that were inflated would show here. */
function rssGrowth(run: () => void): number {
  global.gc?.();
  const before = process.memoryUsage().rss;
  run();
  return (process.memoryUsage().rss - before) / MIB;
}

let good: Buffer;
beforeAll(async () => {
  const sample = template.sampleData[template.samples[0]];
  good = await writeWorkbook(template, [{ id: defaultRowId(template.schema, sample), data: sample }], { maxRows: 100 });
});

describe('files that are not workbooks', () => {
  it('tells what the file is instead, and how to get a workbook', () => {
    expect(refusal(Buffer.from('编号,县名\n澄湾县,澄湾县\n'))).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
      message: '文件不是 Excel 工作簿（.xlsx），而是文本；如果它是 CSV，请把文件名改为 .csv 再上传，或在 Excel 中另存为 .xlsx。',
    });
    expect(refusal(randomBytes(4096))).toMatchObject({ status: 400, message: '文件不是 Excel 工作簿（.xlsx）；请在 Excel 中打开，另存为“Excel 工作簿（*.xlsx）”后再上传。' });
    expect(refusal(Buffer.from('%PDF-1.7\n%âãÏÓ\n'))).toMatchObject({ status: 400, message: expect.stringMatching(/^这是 PDF 文件/) });
    expect(refusal(Buffer.alloc(0))).toMatchObject({ status: 400, message: '文件是空的（0 字节）；请上传填好数据的 .xlsx 文件。' });
    expect(refusal(good.subarray(0, good.length >> 1))).toMatchObject({ status: 400, message: expect.stringMatching(/^文件不是有效的 Excel 工作簿（no end of central directory）/) });
    expect(refusal(zip([{ name: 'word/document.xml', data: Buffer.from('<w:document/>') }]))).toMatchObject({ message: expect.stringMatching(/^这是 Word 文档/) });
    expect(refusal(zip([{ name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.spreadsheet'), method: 0 }]))).toMatchObject({
      message: expect.stringMatching(/^这是 OpenDocument 表格（\.ods）/),
    });
    expect(refusal(zip([{ name: 'notes.txt', data: Buffer.from('hello') }]))).toMatchObject({ message: expect.stringMatching(/^这是一个 ZIP 压缩包，但里面没有 Excel 工作簿/) });
  });

  it('tells an Excel 97-2003 file from one saved with a password to open', () => {
    // Both are OLE compound files; one with a password to open holds the encrypted workbook in
    // streams named EncryptionInfo and EncryptedPackage (MS-OFFCRYPTO).
    const compound = (...streams: string[]): Buffer => {
      const header = Buffer.alloc(512);
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
      const directory = Buffer.alloc(128 * (streams.length + 1));
      ['Root Entry', ...streams].forEach((name, i) => {
        directory.write(name, i * 128, 'utf16le');
        directory.writeUInt16LE((name.length + 1) * 2, i * 128 + 64);
      });
      return Buffer.concat([header, directory, randomBytes(4096)]);
    };
    expect(refusal(compound('Workbook', '\u0005SummaryInformation'))).toMatchObject({ status: 400, message: expect.stringMatching(/^这是旧版 Excel 97-2003 工作簿（\.xls）/) });
    const locked = refusal(compound('\u0006DataSpaces', 'EncryptionInfo', 'EncryptedPackage'));
    expect(locked).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
      message: '工作簿设有打开密码（已加密），无法读取；请在 Excel 中“文件 → 信息 → 保护工作簿 → 用密码进行加密”清空密码并保存后再上传。',
    });
    // A workbook zipped with a password by an archiver: the ZIP marks its entries encrypted.
    const zipped = zip(partsOf(good).map((part) => ({ ...part, flags: 0x1 })));
    expect(refusal(zipped)).toEqual(locked);
  });
});

// 16 MB of zeros deflate to ~16 KB; 64 entries sharing them declare 1 GB.
const zeros = Buffer.alloc(16 * MIB);
const deflated = deflateRawSync(zeros);

describe('ZIP bombs', () => {
  it('are refused from the central directory, inflating nothing', () => {
    const bomb = zip([
      ...partsOf(good),
      ...Array.from({ length: 64 }, (_, i) => ({ name: `xl/media/image${i}.png`, data: zeros, deflated })),
    ]);
    expect(bomb.length).toBeLessThan(2 * MIB);
    let answer: ReturnType<typeof refusal> | undefined;
    const started = performance.now();
    const grown = rssGrowth(() => (answer = refusal(bomb)));
    expect(answer).toEqual({
      status: 413,
      code: 'LIMIT_EXCEEDED',
      message: '工作簿解压后超过 100.0 MB（MAX_WORKBOOK_UNZIPPED_BYTES），没有读取；正常的数据表远小于此，请检查文件，或拆成几个文件。',
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(grown).toBeLessThan(32);
  });

  it('that lie about their sizes are stopped one byte past the lie', () => {
    // The sheet declares 2 KB and inflates to 16 MB.
    const liar = zip(partsOf(good).map((part) => (part.name === 'xl/worksheets/sheet1.xml' ? { ...part, data: zeros, deflated, declaredSize: 2048 } : part)));
    let answer: ReturnType<typeof refusal> | undefined;
    const grown = rssGrowth(() => (answer = refusal(liar)));
    expect(answer).toEqual({
      status: 413,
      code: 'LIMIT_EXCEEDED',
      message: '工作簿的部件 xl/worksheets/sheet1.xml 解压后比它声明的 2048 字节大（可能是“ZIP 炸弹”），已停止读取。',
    });
    expect(grown).toBeLessThan(32);
  });

  it('of XML entities are refused, not expanded', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
      ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>';
    const bomb = zip(partsOf(good).map((part) => (part.name === 'xl/sharedStrings.xml' ? { ...part, data: Buffer.from(laughs) } : part)));
    expect(refusal(bomb)).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
      message: '文件不是有效的 Excel 工作簿（XML 有误：undefined entity.）；请在 Excel 中打开，另存为“Excel 工作簿（*.xlsx）”后再上传。',
    });
  });
});

describe('too much', () => {
  it('stops at the first row past the limit: 100,000 rows', async () => {
    // ExcelJS's streaming writer: the header of the template, then 100,000 rows with an id each.
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: false, useStyles: false });
    const sheet = writer.addWorksheet('数据');
    sheet.addRow([ID_HEADER, ...fieldColumns(template.schema).fields.map((f) => f.header)]).commit();
    for (let i = 1; i <= 100_000; i++) sheet.addRow([`县${i}`, '县名', '省', '口号', 2020]).commit();
    sheet.commit();
    await writer.commit();
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBeLessThan(LIMITS.maxBytes);
    expect(refusal(bytes)).toEqual({
      status: 413,
      code: 'LIMIT_EXCEEDED',
      message: '工作表“数据”超过 10000 行数据（MAX_BATCH_ITEMS），在第 10002 行停止读取；请拆成几个文件，每个不超过 10000 个县。',
    });
  }, 120_000);

  it('refuses a 50 MB workbook by its size, before reading it', () => {
    const padded = zip([...partsOf(good), { name: 'xl/media/image1.png', data: randomBytes(50 * MIB), method: 0 }]);
    expect(refusal(padded)).toEqual({
      status: 413,
      code: 'LIMIT_EXCEEDED',
      message: '工作簿有 50.0 MB，超过上限 20.0 MB（MAX_WORKBOOK_BYTES）；请拆成几个文件。',
    });
  });

  it('refuses a 50 MB sheet: its rows past the limit, or its size past a lower unzipped limit', () => {
    // ~2 KB a row of real-looking cells: 25,000 rows are a 50 MB sheet that deflates to ~1 MB.
    const headers = [ID_HEADER, ...fieldColumns(template.schema).fields.map((f) => f.header)];
    const cell = (ref: string, text: string): string => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    const rows = [`<row r="1">${headers.map((h, i) => cell(`${columnLetter(i)}1`, h)).join('')}</row>`];
    for (let r = 2; r <= 25_001; r++) rows.push(`<row r="${r}">${Array.from({ length: 40 }, (_, i) => cell(`${columnLetter(i)}${r}`, i === 0 ? `县${r}` : '滨海强县、实力澄湾')).join('')}</row>`);
    const sheetXml = Buffer.from(`<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`);
    expect(sheetXml.length).toBeGreaterThan(50 * 1000 * 1000);
    const big = zip(partsOf(good).map((part) => (part.name === 'xl/worksheets/sheet1.xml' ? { ...part, data: sheetXml } : part)));
    expect(big.length).toBeLessThan(LIMITS.maxBytes);
    expect(refusal(big)).toMatchObject({ status: 413, message: expect.stringMatching(/^工作表“数据”超过 10000 行数据（MAX_BATCH_ITEMS），在第 10002 行停止读取/) });
    expect(refusal(big, { ...LIMITS, maxUnzippedBytes: 32 * MIB })).toMatchObject({ status: 413, message: expect.stringMatching(/^工作簿解压后超过 32\.0 MB/) });
  }, 60_000);
});

describe('pdf-export batch with a hostile workbook', () => {
  it('exits 2 with one line, before creating the output folder', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hostile-'));
    try {
      const cases: [string, Buffer, RegExp][] = [
        ['locked.xlsx', zip(partsOf(good).map((part) => ({ ...part, flags: 0x1 }))), /^pdf-export: 工作簿设有打开密码/],
        ['bomb.xlsx', zip([...partsOf(good), ...Array.from({ length: 64 }, (_, i) => ({ name: `x${i}`, data: zeros, deflated }))]), /^pdf-export: 工作簿解压后超过 100\.0 MB/],
        ['big.xlsx', zip([...partsOf(good), { name: 'pad', data: randomBytes(21 * MIB), method: 0 }]), /^pdf-export: 工作簿 big\.xlsx 有 21\.0 MB，超过上限 20\.0 MB/],
      ];
      for (const [name, bytes, pattern] of cases) {
        writeFileSync(join(work, name), bytes);
        let stderr = '';
        const out = join(work, `${name}-out`);
        const code = await runCli(['batch', template.id, join(work, name), '-o', out], { stdout: () => undefined, stderr: (s) => void (stderr += s) });
        expect({ name, code, stderr, out: existsSync(out) }).toEqual({ name, code: 2, stderr: expect.stringMatching(pattern), out: false });
        expect(stderr.trim().split('\n')).toHaveLength(1);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
