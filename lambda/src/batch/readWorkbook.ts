/**
 * An xlsx workbook's first worksheet → a SheetTable, without trusting the file: bytes in, rows out,
 * nothing written anywhere. Pure (ZIP via node:zlib, XML via saxes), so the batch use cases can
 * call it wherever a workbook arrives (the CLI, the playground, `POST /batches`).
 *
 * Why not ExcelJS's reader (ExcelJS writes our workbooks, writeWorkbook.ts): its `load` inflates
 * every part with JSZip, whose inflation is unbounded, and builds an object per cell before
 * anything can be counted (measured: 10,000 rows × 90 columns took 3.9 s and 517 MB); its
 * streaming reader spills worksheets to temporary files whenever the shared strings come after
 * them, which is the order Excel writes. Reading only what a batch needs takes a few hundred
 * lines and keeps every bound in our hands:
 *
 * - the file size (MAX_WORKBOOK_BYTES, and each route's own upload limit before that);
 * - the ZIP's central directory (entry count, total declared size: MAX_WORKBOOK_UNZIPPED_BYTES)
 *   before anything is inflated, and each part never inflated past its declared size (ZipArchive);
 * - the rows (MAX_BATCH_ITEMS), counted while the sheet streams through the XML parser, which
 *   stops at the first row past the limit;
 * - XML entities: saxes expands none but the five predefined ones, so an entity bomb is an error.
 *
 * What it reads: the first visible worksheet; shared strings (phonetic runs left out), inline
 * strings, numbers, booleans, error values, ISO dates; a formula's cached result (a formula
 * without one becomes a `formula` cell, which sheetItems reports); the number format of each cell,
 * to tell dates (serials, in the 1900 or 1904 system) and percentages (0.063 shown as 6.3%).
 */
import { SaxesParser } from 'saxes';
import { InvalidRequestError, LimitExceededError } from '../core/errors';
import { columnLetter } from './fieldColumns';
import type { SheetCell, SheetRow, SheetTable } from './SheetTable';
import { isEmptyCell } from './SheetTable';
import { brokenWorkbook, EncryptedZipError, NotAZipError, ZipArchive } from './ZipArchive';

/** The media type of an xlsx workbook. */
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface WorkbookLimits {
  /** Largest workbook file (MAX_WORKBOOK_BYTES). */
  readonly maxBytes: number;
  /** Most bytes all its parts may inflate to (MAX_WORKBOOK_UNZIPPED_BYTES). */
  readonly maxUnzippedBytes: number;
  /** Most rows below the header (MAX_BATCH_ITEMS). */
  readonly maxRows: number;
}

/** An xlsx has a dozen or two parts; a few hundred allows for images and comments. */
const MAX_ZIP_ENTRIES = 1_000;
const MAX_COLUMNS = 16_384;
const MAX_ROW_NUMBER = 1_048_576;
/** XML is decoded and parsed in slices, so no string the size of a whole sheet is ever built. */
const XML_CHUNK = 1 << 20;

const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

class XmlError extends Error {}

type Attributes = Readonly<Record<string, string>>;

interface XmlHandlers {
  open?(name: string, attributes: Attributes): void;
  close?(name: string): void;
  text?(text: string): void;
}

/** Element names without their namespace prefix: Excel writes `row`, Strict OOXML may write `x:row`. */
const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

function parseXml(data: Buffer, handlers: XmlHandlers): void {
  const parser = new SaxesParser({ xmlns: false, position: false });
  parser.on('error', (error) => {
    throw new XmlError(error.message);
  });
  if (handlers.open) parser.on('opentag', (tag) => handlers.open!(localName(tag.name), tag.attributes as Attributes));
  if (handlers.close) parser.on('closetag', (tag) => handlers.close!(localName(tag.name)));
  if (handlers.text) {
    parser.on('text', handlers.text);
    parser.on('cdata', handlers.text);
  }
  const utf16 = data.length >= 2 && data[0] === 0xff && data[1] === 0xfe;
  const decoder = new TextDecoder(utf16 ? 'utf-16le' : 'utf-8');
  for (let at = 0; at < data.length; at += XML_CHUNK) parser.write(decoder.decode(data.subarray(at, at + XML_CHUNK), { stream: true }));
  parser.write(decoder.decode());
  parser.close();
}

/** Excel escapes characters XML cannot hold as `_xHHHH_`. */
function unescapeText(text: string): string {
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

function resolvePart(base: string, target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : `${base.slice(0, base.lastIndexOf('/') + 1)}${target}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(part);
  }
  return out.join('/');
}

function relsPathOf(part: string): string {
  const slash = part.lastIndexOf('/');
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
}

interface Relationship {
  readonly id: string;
  readonly type: string;
  readonly target: string;
}

function readRelationships(zip: ZipArchive, part: string): Relationship[] {
  const data = zip.read(relsPathOf(part));
  if (!data) return [];
  const relationships: Relationship[] = [];
  parseXml(data, {
    open(name, a) {
      if (name === 'Relationship' && a.TargetMode !== 'External' && a.Id && a.Target) {
        relationships.push({ id: a.Id, type: a.Type ?? '', target: resolvePart(part, a.Target) });
      }
    },
  });
  return relationships;
}

// ── Number formats: which cells hold dates, which percentages ──

const BUILT_IN_DATE_FORMATS = new Set([14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58]);
const BUILT_IN_TIME_FORMATS = new Set([18, 19, 20, 21, 22, 32, 33, 34, 35, 45, 46, 47, 55, 56]);
const BUILT_IN_PERCENT_FORMATS = new Set([9, 10]);

interface CellStyle {
  readonly date: boolean;
  readonly time: boolean;
  readonly percent: boolean;
}

const PLAIN: CellStyle = { date: false, time: false, percent: false };

/** What a custom format shows, once its literal text (`"年"`, `\-`, `_)`, `[Red]`) is taken out. */
function styleOfFormat(code: string): CellStyle {
  const bare = code
    .split(';')[0]
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/[_*]./g, '')
    .replace(/\[(?![hms]+\])[^\]]*\]/gi, '');
  if (/general/i.test(bare)) return PLAIN;
  const date = /[ymd]/i.test(bare);
  const time = /[hs]/i.test(bare) || /\[m+\]/i.test(bare);
  return { date: date || time, time, percent: !date && !time && bare.includes('%') };
}

function readStyles(zip: ZipArchive, part: string | undefined): CellStyle[] {
  const data = part === undefined ? undefined : zip.read(part);
  if (!data) return [];
  const formats = new Map<number, string>();
  const formatIds: number[] = [];
  let inCellXfs = false;
  parseXml(data, {
    open(name, a) {
      if (name === 'numFmt' && a.numFmtId !== undefined) formats.set(Number(a.numFmtId), a.formatCode ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) formatIds.push(Number(a.numFmtId ?? 0));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return formatIds.map((id) => {
    const custom = formats.get(id);
    if (custom !== undefined) return styleOfFormat(custom);
    const date = BUILT_IN_DATE_FORMATS.has(id);
    const time = BUILT_IN_TIME_FORMATS.has(id);
    return { date: date || time, time, percent: BUILT_IN_PERCENT_FORMATS.has(id) };
  });
}

function readSharedStrings(zip: ZipArchive, part: string | undefined): string[] {
  const data = part === undefined ? undefined : zip.read(part);
  if (!data) return [];
  const strings: string[] = [];
  let current = '';
  let inItem = false;
  let inText = false;
  let phonetic = 0;
  parseXml(data, {
    open(name) {
      if (name === 'si') {
        inItem = true;
        current = '';
      } else if (name === 'rPh') phonetic++;
      else if (name === 't') inText = inItem && phonetic === 0;
    },
    text(text) {
      if (inText) current += text;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si') {
        strings.push(unescapeText(current));
        inItem = false;
      }
    },
  });
  return strings;
}

/** A serial day number as the wall-clock date it shows, held in UTC. */
function dateOfSerial(serial: number, date1904: boolean): Date {
  // 25569: days from 1899-12-30 to 1970-01-01; Excel's 1900 system counts a 29 February 1900
  // that never was, so serials before 1 March 1900 are one day off.
  const days = date1904 ? serial + 1462 - 25569 : serial < 61 ? serial + 1 - 25569 : serial - 25569;
  return new Date(Math.round(days * 86_400) * 1000);
}

function columnIndex(reference: string): number | undefined {
  const letters = /^\$?([A-Za-z]{1,3})\$?\d*$/.exec(reference)?.[1]?.toUpperCase();
  if (!letters) return undefined;
  let index = 0;
  for (const letter of letters) index = index * 26 + (letter.charCodeAt(0) - 64);
  return index - 1;
}

interface Sheet {
  readonly name: string;
  readonly part: string;
}

function firstWorksheet(zip: ZipArchive, workbookPart: string): { sheet: Sheet; date1904: boolean; sharedStrings?: string; styles?: string } {
  const data = zip.read(workbookPart);
  if (!data) throw brokenWorkbook(`缺少 ${workbookPart}`);
  const sheets: { name: string; id: string; hidden: boolean }[] = [];
  let date1904 = false;
  parseXml(data, {
    open(name, a) {
      if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
      if (name === 'sheet') {
        const id = Object.entries(a).find(([key]) => key === 'r:id' || key.endsWith(':id'))?.[1] ?? '';
        sheets.push({ name: a.name ?? '', id, hidden: a.state === 'hidden' || a.state === 'veryHidden' });
      }
    },
  });
  const relationships = readRelationships(zip, workbookPart);
  const byId = new Map(relationships.map((r) => [r.id, r]));
  const worksheets = sheets
    .map((s) => ({ ...s, rel: byId.get(s.id) }))
    .filter((s) => s.rel !== undefined && s.rel.type.endsWith('/worksheet') && zip.has(s.rel.target));
  const chosen = worksheets.find((s) => !s.hidden) ?? worksheets[0];
  if (!chosen?.rel) throw new InvalidRequestError('工作簿里没有工作表；请把数据放在第一个工作表里，第 1 行是标题，下面每行一个县。');
  return {
    sheet: { name: chosen.name, part: chosen.rel.target },
    date1904,
    sharedStrings: relationships.find((r) => r.type.endsWith('/sharedStrings'))?.target,
    styles: relationships.find((r) => r.type.endsWith('/styles'))?.target,
  };
}

/** Told the header row as soon as it is read; throws to refuse the sheet, or returns the columns worth keeping. */
export type KeepColumns = (header: SheetRow, name: string) => ReadonlySet<number>;

interface SheetContext {
  readonly strings: readonly string[];
  readonly styles: readonly CellStyle[];
  readonly date1904: boolean;
  readonly limits: WorkbookLimits;
  readonly keepColumns: KeepColumns | undefined;
}

function readSheet(zip: ZipArchive, sheet: Sheet, context: SheetContext): SheetTable {
  const { strings, styles, date1904, limits, keepColumns } = context;
  const data = zip.read(sheet.part);
  if (!data) throw brokenWorkbook(`缺少 ${sheet.part}`);
  const name = `工作表“${sheet.name}”`;
  let header: SheetRow | undefined;
  let kept: ReadonlySet<number> | undefined;
  const strays = new Map<number, number>();
  const rows: SheetRow[] = [];

  let inData = false;
  let rowNumber = 0;
  let cells: (SheetCell | undefined)[] | undefined;
  let column = -1;
  let type = 'n';
  let style = 0;
  let value: string | undefined;
  let formula: string | undefined;
  let inline: string | undefined;
  let reading: 'v' | 'f' | 't' | undefined;
  let phonetic = 0;
  let inInline = false;

  const broken = (detail: string): never => {
    throw brokenWorkbook(`${name}：${detail}`);
  };

  const cellOf = (): SheetCell | undefined => {
    const noValue = value === undefined || (value === '' && type !== 'str' && type !== 's');
    if (formula !== undefined && noValue && type !== 'inlineStr') return { kind: 'formula', formula: formula.trim() };
    switch (type) {
      case 's': {
        if (value === undefined || value === '') return undefined;
        const text = strings[Number(value)];
        if (text === undefined) return broken(`${columnLetter(column)}${rowNumber} 引用了不存在的共享字符串`);
        return { kind: 'text', text };
      }
      case 'inlineStr':
        return inline === undefined ? undefined : { kind: 'text', text: unescapeText(inline) };
      case 'str':
        return { kind: 'text', text: unescapeText(value ?? '') };
      case 'b':
        return value === undefined ? undefined : { kind: 'boolean', value: value.trim() === '1' || value.trim() === 'true' };
      case 'e':
        return { kind: 'error', code: (value ?? '').trim() || '#VALUE!' };
      case 'd': {
        // ISO 8601 as written, the wall clock: a time without a zone is read as UTC like the serials.
        const text = (value ?? '').trim();
        const date = new Date(/T/.test(text) && !/(Z|[+-]\d\d:?\d\d)$/.test(text) ? `${text}Z` : text);
        if (Number.isNaN(date.getTime())) return { kind: 'text', text };
        return { kind: 'date', value: date, time: /T\d/.test(text) && !/T00:00(:00(\.0+)?)?Z?$/.test(text) };
      }
      default: {
        if (value === undefined || value.trim() === '') return undefined;
        const n = Number(value);
        if (!Number.isFinite(n)) return broken(`${columnLetter(column)}${rowNumber} 的数值“${value.slice(0, 20)}”无法识别`);
        const format = styles[style] ?? PLAIN;
        if (format.date) return { kind: 'date', value: dateOfSerial(n, date1904), time: format.time && !Number.isInteger(n) };
        return format.percent ? { kind: 'number', value: n, percent: true } : { kind: 'number', value: n };
      }
    }
  };

  parseXml(data, {
    open(tag, a) {
      if (tag === 'sheetData') inData = true;
      if (!inData) return;
      if (tag === 'row') {
        const r = a.r === undefined ? rowNumber + 1 : Number(a.r);
        if (!Number.isInteger(r) || r <= rowNumber || r > MAX_ROW_NUMBER) broken(`第 ${a.r} 行的行号不对`);
        rowNumber = r;
        cells = [];
        column = -1;
      } else if (tag === 'c' && cells) {
        const c = a.r === undefined ? column + 1 : columnIndex(a.r);
        if (c === undefined || c <= column || c >= MAX_COLUMNS) return broken(`第 ${rowNumber} 行的单元格位置“${a.r}”不对`);
        column = c;
        type = a.t ?? 'n';
        style = Number(a.s ?? 0);
        value = undefined;
        formula = undefined;
        inline = undefined;
      } else if (tag === 'v') {
        reading = 'v';
        value = '';
      } else if (tag === 'f') {
        reading = 'f';
        formula = '';
      } else if (tag === 'is') {
        inInline = true;
        inline = '';
      } else if (tag === 'rPh') phonetic++;
      else if (tag === 't' && inInline && phonetic === 0) reading = 't';
    },
    text(text) {
      if (reading === 'v') value += text;
      else if (reading === 'f') formula += text;
      else if (reading === 't') inline += text;
    },
    close(tag) {
      if (tag === 'sheetData') inData = false;
      if (!inData && tag !== 'sheetData') return;
      if (tag === 'v' || tag === 'f' || tag === 't') reading = undefined;
      else if (tag === 'is') inInline = false;
      else if (tag === 'rPh') phonetic--;
      else if (tag === 'c' && cells) {
        const cell = cellOf();
        if (!cell) return;
        if (!kept || kept.has(column)) cells[column] = cell;
        // Under no known column: noted for the message, not kept.
        else if (!isEmptyCell(cell) && !strays.has(column)) strays.set(column, rowNumber);
      } else if (tag === 'row' && cells) {
        const row: SheetRow = { row: rowNumber, cells };
        cells = undefined;
        if (row.cells.every(isEmptyCell)) return;
        if (!header) {
          header = row;
          kept = keepColumns?.(row, name);
        } else {
          rows.push(row);
          // Counted as the sheet streams by: the parser stops at the first row past the limit.
          if (rows.length > limits.maxRows) {
            throw new LimitExceededError(
              `${name}超过 ${limits.maxRows} 行数据（MAX_BATCH_ITEMS），在第 ${rowNumber} 行停止读取；请拆成几个文件，每个不超过 ${limits.maxRows} 个县。`,
            );
          }
        }
      }
    },
  });
  if (!header) throw new InvalidRequestError(`${name}是空的：第 1 行应是标题（编号、县名……），下面每行一个县。`);
  return { name, header, rows, fixedWidth: false, strays };
}

function notAWorkbook(bytes: Buffer): InvalidRequestError {
  if (bytes.subarray(0, 8).equals(CFB_SIGNATURE)) {
    // Excel saves a workbook with a password to open as an OLE container around the encrypted ZIP.
    if (bytes.includes(Buffer.from('EncryptedPackage', 'utf16le')) || bytes.includes(Buffer.from('EncryptionInfo', 'utf16le'))) {
      return passwordProtected();
    }
    return new InvalidRequestError('这是旧版 Excel 97-2003 工作簿（.xls）；请在 Excel 中“另存为” → “Excel 工作簿（*.xlsx）”后再上传。');
  }
  const head = bytes.subarray(0, 4096);
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return new InvalidRequestError('这是 PDF 文件，不是 Excel 工作簿（.xlsx）；请上传填好数据的 .xlsx 文件。');
  let looksLikeText = !head.includes(0);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    looksLikeText = false;
  }
  return new InvalidRequestError(
    looksLikeText
      ? '文件不是 Excel 工作簿（.xlsx），而是文本；如果它是 CSV，请把文件名改为 .csv 再上传，或在 Excel 中另存为 .xlsx。'
      : '文件不是 Excel 工作簿（.xlsx）；请在 Excel 中打开，另存为“Excel 工作簿（*.xlsx）”后再上传。',
  );
}

function passwordProtected(): InvalidRequestError {
  return new InvalidRequestError('工作簿设有打开密码（已加密），无法读取；请在 Excel 中“文件 → 信息 → 保护工作簿 → 用密码进行加密”清空密码并保存后再上传。');
}

/** What a ZIP that holds no workbook holds instead, for the message. */
function otherZipContent(zip: ZipArchive): InvalidRequestError {
  const mimetype = zip.read('mimetype')?.toString('latin1') ?? '';
  if (mimetype.includes('opendocument.spreadsheet')) return new InvalidRequestError('这是 OpenDocument 表格（.ods）；请另存为“Excel 工作簿（*.xlsx）”后再上传。');
  if (zip.has('xl/workbook.bin')) return new InvalidRequestError('这是 Excel 二进制工作簿（.xlsb）；请另存为“Excel 工作簿（*.xlsx）”后再上传。');
  if (zip.has('word/document.xml')) return new InvalidRequestError('这是 Word 文档，不是 Excel 工作簿；请上传填好数据的 .xlsx 文件。');
  return new InvalidRequestError('这是一个 ZIP 压缩包，但里面没有 Excel 工作簿；请上传 .xlsx 文件本身。');
}

/**
 * The first visible worksheet of an xlsx file. Throws InvalidRequestError or LimitExceededError,
 * reading nothing more than it must. `keepColumns` sees the header row first (sheetColumnsToKeep).
 */
export function readWorkbook(data: Uint8Array, limits: WorkbookLimits, keepColumns?: KeepColumns): SheetTable {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length > limits.maxBytes) {
    throw new LimitExceededError(`工作簿有 ${mb(bytes.length)}，超过上限 ${mb(limits.maxBytes)}（MAX_WORKBOOK_BYTES）；请拆成几个文件。`);
  }
  if (bytes.length === 0) throw new InvalidRequestError('文件是空的（0 字节）；请上传填好数据的 .xlsx 文件。');
  if (bytes.readUInt16LE(0) !== 0x4b50) throw notAWorkbook(bytes);
  try {
    const zip = ZipArchive.open(bytes, { maxUnzippedBytes: limits.maxUnzippedBytes, maxEntries: MAX_ZIP_ENTRIES });
    const root = readRelationships(zip, '');
    const workbookPart = root.find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
    if (!zip.has(workbookPart)) throw otherZipContent(zip);
    const { sheet, date1904, sharedStrings, styles } = firstWorksheet(zip, workbookPart);
    return readSheet(zip, sheet, { strings: readSharedStrings(zip, sharedStrings), styles: readStyles(zip, styles), date1904, limits, keepColumns });
  } catch (error) {
    if (error instanceof EncryptedZipError) throw passwordProtected();
    if (error instanceof NotAZipError) throw brokenWorkbook(error.message);
    if (error instanceof XmlError) throw brokenWorkbook(`XML 有误：${error.message.slice(0, 120)}`);
    throw error;
  }
}
