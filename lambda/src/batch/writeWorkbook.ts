/**
 * A template's Excel data sheet (`pdf-export sheet`, the playground's 下载 Excel 模板): one county a
 * row, under the columns fieldColumns.ts derives from the schema, made so that what a clerk types
 * reads back (readWorkbook.ts) as they meant it.
 *
 * - Sheet “数据”: `编号` and one column per field, headers in Chinese with their units; required
 *   columns orange, the others grey. Each header carries a note (description, range, required,
 *   dotted path), and each column an input message shown when a cell is selected.
 * - Data validation where Excel has it: whole numbers and decimals within the schema's range, text
 *   within its length, “是/否” and enums as drop-down lists; required columns do not allow blanks.
 *   Excel checks these as the clerk types (not on paste); the reader checks everything again.
 * - Text columns (and 编号) are formatted as text (`@`), so `007` keeps its zeros and `6-1` does
 *   not turn into a date.
 * - The header row and the id column are frozen. Lists are one cell joined with 、, as in CSV.
 * - Sheet “填写说明”: how to fill it in, and every column with its path, unit, range and meaning.
 *
 * ExcelJS writes the file: of the maintained JavaScript libraries it is the one that writes notes,
 * input messages, data validation and frozen panes (the npm `xlsx` package is frozen at 0.18.5
 * with known advisories). It is loaded on first use, so commands that never write a workbook do
 * not pay its ~0.3 s load.
 */
import type { Cell, Workbook, Worksheet } from 'exceljs';
import { columnLetter, fieldColumns, ID_HEADER, rangeText, tableColumns, type FieldColumn } from './fieldColumns';
import type { SchemaNode } from './schemaNodes';

export interface WorkbookTemplate {
  readonly id: string;
  readonly title: string;
  readonly schema: SchemaNode;
}

export interface WorkbookRow {
  readonly id: string;
  readonly data: unknown;
}

export interface WriteWorkbookOptions {
  /** Rows the data validation covers (MAX_BATCH_ITEMS): as many as a batch may hold. */
  readonly maxRows: number;
  /** The workbook's creation time (default: now). */
  readonly now?: Date;
}

const DATA_SHEET = '数据';
const GUIDE_SHEET = '填写说明';
const REQUIRED_FILL = 'FFFCE4D6';
const OPTIONAL_FILL = 'FFEDEDED';
const ID_MAX_LENGTH = 80;
/** Excel's limits for a data validation's texts. */
const PROMPT_TITLE_MAX = 32;
const PROMPT_MAX = 255;

const clip = (text: string, max: number): string => ([...text].length > max ? `${[...text].slice(0, max - 1).join('')}…` : text);

/** Display width in Excel's character units: a CJK character is about two. */
function widthOf(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u1100-\uffff]/.test(ch) ? 2 : 1;
  return width;
}

/**
 * A long header as it is shown: its unit on a line of its own (`地区生产总值` / `（亿元）`) rather than
 * wherever Excel would break it. Reading ignores the line break (fieldColumns.normalizeHeader).
 */
function shownHeader(header: string): string {
  const unit = /（[^（）]+）$/.exec(header);
  return unit && widthOf(header) > 16 && unit.index > 0 ? `${header.slice(0, unit.index)}\n${unit[0]}` : header;
}

/** Short header lines on one line; longer ones wrap onto two or three (the header row is three lines high). */
function headerWidth(header: string): number {
  const width = Math.max(...shownHeader(header).split('\n').map(widthOf));
  return width <= 20 ? width + 2 : Math.min(24, Math.ceil(width / 2) + 3);
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let node = data;
  for (const key of segments) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/** A field's value as the cell shows it: lists joined with 、, yes/no in words. */
function cellOf(value: unknown): string | number | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'boolean' ? (v ? '是' : '否') : String(v))).join('、');
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The id a county's row gets when none is given: its first required text field (the county's name), else `1`. */
export function defaultRowId(schema: SchemaNode, data: unknown): string {
  for (const field of fieldColumns(schema).fields) {
    if (field.kind !== 'text' || !field.required) continue;
    const value = valueAt(data, field.segments);
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return '1';
}

/**
 * A list of texts is one cell joined with 、, unless an entry of the rows written holds a 、 itself
 * (a note, a sentence): then one column per entry (`notes.0`, `notes.1`…, which reading takes as
 * the list's entries), so writing and reading the sheet gives the list back as it was.
 */
function entryColumns(field: FieldColumn, rows: readonly WorkbookRow[]): FieldColumn[] {
  if (field.kind !== 'list' || !field.entry) return [field];
  const lists = rows.map((row) => valueAt(row.data, field.segments)).filter(Array.isArray);
  if (!lists.some((list) => list.some((entry) => typeof entry === 'string' && entry.includes('、')))) return [field];
  const count = Math.min(field.bounds.maxItems ?? Infinity, Math.max(field.bounds.minItems ?? 0, ...lists.map((list) => list.length)));
  return Array.from({ length: count }, (_, i): FieldColumn => {
    const path = `${field.path}.${i}`;
    return {
      ...field,
      path,
      segments: [...field.segments, String(i)],
      pointer: `${field.pointer}/${i}`,
      header: path,
      title: `${field.title} 第${i + 1}项`,
      kind: field.entry!.kind,
      entry: undefined,
      required: field.required && i < (field.bounds.minItems ?? 0),
      bounds: field.entry!.bounds,
    };
  });
}

/**
 * The data sheet's columns after the id, for these rows: every field, a list of texts as one cell
 * or one column per entry (entryColumns), then the tables' rows, as many as the longest table of
 * the rows written (at least the schema's minItems), so every row's data fits and the rows a clerk
 * must fill are there.
 */
export function workbookColumns(schema: SchemaNode, rows: readonly WorkbookRow[]): FieldColumn[] {
  const rowsOf = (path: string): number =>
    Math.max(
      0,
      ...rows.map((row) => {
        const list = valueAt(row.data, path.split('.'));
        return Array.isArray(list) ? list.length : 0;
      }),
    );
  return [...fieldColumns(schema).fields.flatMap((field) => entryColumns(field, rows)), ...tableColumns(schema, rowsOf)];
}

type Validation = Record<string, unknown>;

/** What a column is called in its note and input message: its header, or for a table's cell (headed by its dotted path) its Chinese title. */
const nameOf = (field: FieldColumn): string => (field.header === field.path && field.title !== field.path ? field.title : field.header);

function validationOf(field: FieldColumn): Validation {
  const range = rangeText(field);
  const base: Validation = {
    allowBlank: !field.required,
    showInputMessage: true,
    promptTitle: clip(nameOf(field), PROMPT_TITLE_MAX),
    prompt: clip([field.description, `范围：${range}`, field.required ? '必填。' : '可不填。'].filter(Boolean).join('\n'), PROMPT_MAX),
    showErrorMessage: true,
    errorStyle: 'stop',
    errorTitle: clip(nameOf(field), PROMPT_TITLE_MAX),
    error: clip(`请填写：${range}。`, PROMPT_MAX),
  };
  const { bounds } = field;
  if (bounds.enum && bounds.enum.join(',').length < 250 && !bounds.enum.some((v) => String(v).includes(','))) {
    return { ...base, type: 'list', formulae: [`"${bounds.enum.map(String).join(',')}"`] };
  }
  switch (field.kind) {
    case 'integer':
    case 'number': {
      const low = bounds.minimum ?? bounds.exclusiveMinimum;
      const high = bounds.maximum ?? bounds.exclusiveMaximum;
      const type = field.kind === 'integer' ? 'whole' : 'decimal';
      if (low !== undefined && high !== undefined) return { ...base, type, operator: 'between', formulae: [low, high] };
      if (low !== undefined) return { ...base, type, operator: bounds.minimum !== undefined ? 'greaterThanOrEqual' : 'greaterThan', formulae: [low] };
      if (high !== undefined) return { ...base, type, operator: bounds.maximum !== undefined ? 'lessThanOrEqual' : 'lessThan', formulae: [high] };
      return { ...base, type, operator: 'between', formulae: [-1e15, 1e15] };
    }
    case 'text':
      if (bounds.maxLength !== undefined) return { ...base, type: 'textLength', operator: 'between', formulae: [bounds.minLength ?? 0, bounds.maxLength] };
      return { ...base, type: 'any' };
    case 'boolean':
      return { ...base, type: 'list', formulae: ['"是,否"'] };
    default:
      // Lists and dates: Excel has no rule for “、”-separated names; the input message says how.
      return { ...base, type: 'any', showErrorMessage: false };
  }
}

function noteOf(lines: readonly string[]): { texts: { text: string; font?: Record<string, unknown> }[] } {
  return { texts: lines.map((line, i) => ({ text: i === 0 ? line : `\n${line}`, font: i === 0 ? { bold: true, size: 10 } : { size: 9 } })) };
}

function styleHeader(cell: Cell, required: boolean): void {
  cell.font = { bold: true, size: 10 };
  cell.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' };
  cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: required ? REQUIRED_FILL : OPTIONAL_FILL } };
  cell.border = { bottom: { style: 'thin', color: { argb: 'FF999999' } }, right: { style: 'hair', color: { argb: 'FFBBBBBB' } } };
}

function addDataSheet(workbook: Workbook, rows: readonly WorkbookRow[], fields: readonly FieldColumn[], maxRows: number): Worksheet {
  const sheet = workbook.addWorksheet(DATA_SHEET, {
    views: [{ state: 'frozen', xSplit: 1, ySplit: 1, topLeftCell: 'B2', activeCell: 'B2' }],
    // Printed, every page repeats the header row and the id column.
    pageSetup: { paperSize: 9, orientation: 'landscape', printTitlesRow: '1:1', printTitlesColumn: 'A:A' },
  });
  const values = rows.map((row) => [row.id, ...fields.map((field) => cellOf(valueAt(row.data, field.segments)))]);
  const widest = (i: number, header: string): number => Math.max(headerWidth(header), ...values.map((v) => widthOf(String(v[i] ?? '')) + 2));
  sheet.columns = [
    { header: ID_HEADER, key: 'id', width: Math.min(24, Math.max(12, widest(0, ID_HEADER))), style: { numFmt: '@' } },
    ...fields.map((field, i) => ({
      header: shownHeader(field.header),
      key: field.path,
      width: Math.min(30, Math.max(10, widest(i + 1, field.header))),
      // Text as text: `007` keeps its zeros, `6-1` stays `6-1`.
      style: field.kind === 'text' || field.kind === 'list' ? { numFmt: '@' } : {},
    })),
  ];
  const header = sheet.getRow(1);
  header.height = 48;
  styleHeader(header.getCell(1), true);
  header.getCell(1).note = noteOf([ID_HEADER, '每行一个不重复的编号，如县名或行政区划代码；它也是 PDF 的文件名。', '必填。', '也可写作 id。']);
  fields.forEach((field, i) => {
    const cell = header.getCell(i + 2);
    styleHeader(cell, field.required);
    cell.note = noteOf([nameOf(field), ...(field.description ? [field.description] : []), `范围：${rangeText(field)}`, field.required ? '必填。' : '可不填。', `字段：${field.path}`]);
  });
  for (const row of values) sheet.addRow(row);

  const last = Math.max(maxRows, rows.length) + 1;
  // The model is keyed by range; ExcelJS writes each as one <dataValidation sqref="F2:F10001">.
  const validations = (sheet as unknown as { dataValidations: { add(range: string, rule: Validation): void } }).dataValidations;
  validations.add(`A2:A${last}`, {
    type: 'textLength',
    operator: 'between',
    formulae: [1, ID_MAX_LENGTH],
    allowBlank: false,
    showInputMessage: true,
    promptTitle: ID_HEADER,
    prompt: '每行一个不重复的编号，如县名；它也是 PDF 的文件名。必填。',
    showErrorMessage: true,
    errorStyle: 'stop',
    errorTitle: ID_HEADER,
    error: `编号应为 1 至 ${ID_MAX_LENGTH} 个字。`,
  });
  fields.forEach((field, i) => {
    const letter = columnLetter(i + 1);
    validations.add(`${letter}2:${letter}${last}`, validationOf(field));
  });
  return sheet;
}

/** `fields`: the data sheet's own columns, so every letter here is the letter there. */
function addGuideSheet(workbook: Workbook, template: WorkbookTemplate, fields: readonly FieldColumn[]): void {
  const sheet = workbook.addWorksheet(GUIDE_SHEET, { pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  sheet.columns = [{ width: 8 }, { width: 34 }, { width: 36 }, { width: 8 }, { width: 12 }, { width: 34 }, { width: 70 }];
  const title = sheet.addRow([`${template.title}：数据表填写说明`]);
  title.font = { bold: true, size: 14 };
  const lines = [
    `1. 在“${DATA_SHEET}”工作表中每行填一个县；第 1 行是标题，请勿改动标题文字，也不要删去必填列（列的顺序可以调整，可不填的列可以删去）。`,
    `2. “${ID_HEADER}”每行不能重复，用作生成的 PDF 的文件名，如县名。`,
    '3. 第 2 行是示例，可直接改写为第一个县的数据，或整行删去。',
    '4. 橙色标题为必填列，灰色为可不填。鼠标停在标题上可看说明和取值范围，选中单元格时也有提示。',
    '5. 多项内容（如签约央企）写在一个单元格里，用“、”分隔；内容本身带“、”的（如注释）每项一列。表格（如主要指标表）每行每项一列，标题如 indicators.0.name 表示第 1 行的该项。数字不要带单位；百分比直接写数字，如增速 6.3% 写 6.3。',
    '6. 公式可以用，保存后上传即可（读取的是计算结果）。',
    `7. 填好后：在预览台“批量生成”中上传，或运行 pdf-export batch ${template.id} 数据.xlsx -o 输出文件夹。`,
  ];
  for (const line of lines) sheet.addRow([line]).getCell(1).alignment = { wrapText: false };
  sheet.addRow([]);
  const head = sheet.addRow(['列', '标题', '字段路径', '必填', '单位', '范围', '说明']);
  head.eachCell((cell) => styleHeader(cell, true));
  sheet.addRow(['A', ID_HEADER, 'id', '是', '', `1 至 ${ID_MAX_LENGTH} 个字`, '每行一个不重复的编号，如县名；它也是 PDF 的文件名。']);
  fields.forEach((field, i) => {
    const row = sheet.addRow([columnLetter(i + 1), nameOf(field), field.path, field.required ? '是' : '否', field.unit ?? '', rangeText(field), field.description ?? '']);
    row.alignment = { wrapText: true, vertical: 'top' };
  });
}

/** The workbook's bytes: sheet “数据” with `rows` (e.g. one sample county), and sheet “填写说明”. */
export async function writeWorkbook(template: WorkbookTemplate, rows: readonly WorkbookRow[], options: WriteWorkbookOptions): Promise<Buffer> {
  // ExcelJS is CommonJS: `default` is its module.exports, whether tsc or a bundler compiles the import().
  const { Workbook } = (await import('exceljs')).default;
  const workbook = new Workbook();
  const now = options.now ?? new Date();
  workbook.creator = 'pdf-export';
  workbook.title = template.title;
  workbook.subject = '数据模板';
  workbook.created = now;
  workbook.modified = now;
  const columns = workbookColumns(template.schema, rows);
  addDataSheet(workbook, rows, columns, options.maxRows);
  addGuideSheet(workbook, template, columns);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
