/**
 * A sheet (a CSV file or an xlsx worksheet, as a SheetTable) → batch items, one per row, with
 * every problem named by its cell: `第 7 行 F 列（地区生产总值增速（%））：不能小于 -100`.
 *
 * - The header row is checked as a whole first (fieldColumns.ts says what a header may be): an
 *   unknown header, a column given twice, a missing `编号` column or a missing required column
 *   refuses the file once, naming the columns, instead of failing every row alike.
 * - Each cell is typed by the schema: text as csvRowToData reads it; numbers, dates, yes/no as the
 *   workbook stored them (a number formatted as a percentage, 0.063 shown as 6.3%, is 6.3 in a %
 *   field); a formula by its cached result. A cell that cannot be used (an error value such as
 *   #DIV/0!, a formula without a result, a date where a number belongs) fails its row, named.
 * - Each row's data is checked against the schema here (rowDataProblems), so its failure names
 *   row, column and field; the renderer checks again before printing.
 * - Empty rows are skipped wherever they are (a trailing one in particular).
 */
import { DataValidationError, InvalidRequestError, type ErrorDetail } from '../core/errors';
import { unreadableItem, type BatchItem } from './BatchItem';
import { columnTarget, coerceCellText, setPath, withoutHoles } from './csvRowToData';
import { columnLetter, fieldColumns, ID_HEADER, valueKindOf, type FieldColumn, type HeaderMatch, type SheetColumns } from './fieldColumns';
import { itemFileStem } from './itemFileStem';
import { rowDataProblems } from './rowDataProblems';
import { isListNode, resolveRefs, type SchemaNode } from './schemaNodes';
import { isEmptyCell, type SheetCell, type SheetRow, type SheetTable } from './SheetTable';
import { pointerOf } from '../core/jsonPointer';

/** Problems named in one refusal of a header row; the rest are counted. */
const MAX_HEADER_PROBLEMS = 8;

interface Column {
  readonly index: number;
  readonly letter: string;
  readonly match: HeaderMatch;
  /** Where the cells go; undefined for the id column. */
  readonly target: ReturnType<typeof columnTarget>;
  /** JSON pointer of the cells' values. */
  readonly pointer: string | undefined;
}


/** Excel shows 15 significant digits; what lies beyond is binary noise (0.1 + 0.2). */
const displayed = (n: number): number => Number(n.toPrecision(15));

const p2 = (n: number): string => String(n).padStart(2, '0');

/** A date cell as text: `2024-03-05`, with the time when the format shows one. */
function dateIso(cell: { value: Date; time: boolean }): string {
  const d = cell.value;
  const day = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
  const clock = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  if (!cell.time) return day;
  // A time of day alone is stored as a fraction of 30/31 December 1899.
  return d.getUTCFullYear() < 1900 ? clock : `${day} ${clock}`;
}

function headerText(cell: SheetCell | undefined): string {
  if (!cell) return '';
  switch (cell.kind) {
    case 'text':
      return cell.text.trim();
    case 'number':
      return String(displayed(cell.value));
    case 'boolean':
      return cell.value ? 'TRUE' : 'FALSE';
    case 'date':
      return dateIso(cell);
    case 'error':
      return cell.code;
    case 'formula':
      return '';
  }
}

type CellOutcome = { readonly value: unknown } | { readonly problem: string };

/** One cell as the value its column's schema node asks for, or why it cannot be used. */
function cellValue(cell: SheetCell, node: SchemaNode | undefined, schema: SchemaNode, unit: string | undefined): CellOutcome {
  if (cell.kind === 'text') return { value: coerceCellText(cell.text.trim(), node, schema, unit) };
  if (cell.kind === 'error') return { problem: `是错误值 ${cell.code}，请改正公式或直接填入数值` };
  if (cell.kind === 'formula') {
    return { problem: `是公式${cell.formula ? `（=${cell.formula.slice(0, 60)}）` : ''}，但文件中没有保存计算结果；请在 Excel 中打开并保存后再上传，或把公式“粘贴为数值”` };
  }
  const list = node !== undefined && isListNode(node);
  const entryNode = list ? resolveRefs(node.items, schema) : node;
  const kind = entryNode ? valueKindOf(entryNode) : 'text';
  const one = (value: unknown): CellOutcome => ({ value: list ? [value] : value });
  switch (cell.kind) {
    case 'number': {
      const n = displayed(cell.percent && unit?.normalize('NFKC') === '%' ? cell.value * 100 : cell.value);
      return one(kind === 'text' || kind === 'date' ? String(n) : n);
    }
    case 'boolean':
      if (kind === 'boolean') return one(cell.value);
      if (kind === 'text') return one(cell.value ? 'TRUE' : 'FALSE');
      return { problem: `是逻辑值 ${cell.value ? 'TRUE' : 'FALSE'}，应填${kind === 'integer' ? '整数' : kind === 'number' ? '数字' : '日期'}` };
    case 'date':
      if (kind === 'text' || kind === 'date') return one(dateIso(cell));
      return {
        problem: `是日期（${dateIso(cell)}），应填${kind === 'boolean' ? '“是”或“否”' : '数字'}；请把这一列的单元格格式设为“常规”或“数值”后重新填写`,
      };
  }
}

function idOfCell(cell: SheetCell | undefined): { id: string } | { problem: string } | undefined {
  if (isEmptyCell(cell) || !cell) return undefined;
  switch (cell.kind) {
    case 'text':
      return { id: cell.text.trim() };
    case 'number':
      return { id: String(displayed(cell.value)) };
    case 'date':
      return { id: dateIso(cell) };
    case 'boolean':
      return { problem: `是逻辑值 ${cell.value ? 'TRUE' : 'FALSE'}；请填县名或代码` };
    case 'error':
    case 'formula':
      return cellValue(cell, undefined, {}, undefined) as { problem: string };
  }
}

interface HeaderReading {
  readonly found: Column[];
  /** Problems the header row shows by itself. */
  readonly problems: string[];
}

function matchHeader(table: Pick<SheetTable, 'header' | 'fixedWidth'>, columns: SheetColumns, schema: SchemaNode): HeaderReading {
  const problems: string[] = [];
  const found: Column[] = [];
  table.header.cells.forEach((cell, index) => {
    const letter = columnLetter(index);
    const text = headerText(cell);
    if (text === '') {
      // A workbook's untitled column matters only if something is in it (see readHeader).
      if (table.fixedWidth) problems.push(`${letter} 列没有标题；请加上标题，或删除这一列`);
      return;
    }
    const match = columns.match(text);
    if (match.kind === 'unknown') {
      problems.push(`${letter} 列${match.problem}`);
      return;
    }
    const target = columnTarget(match, schema);
    found.push({ index, letter, match, target, pointer: target ? pointerOf(target.segments) : undefined });
  });
  const byKey = new Map<string, Column[]>();
  for (const column of found) {
    const key = column.pointer ?? 'id';
    byKey.set(key, [...(byKey.get(key) ?? []), column]);
  }
  for (const [key, group] of byKey) {
    if (group.length < 2) continue;
    const name = key === 'id' ? ID_HEADER : (group[0].target?.field?.header ?? key.slice(1).replace(/\//g, '.'));
    problems.push(`“${name}”有 ${group.length} 列（${group.map((c) => `${c.letter} 列`).join('、')}）；每个字段只能有一列`);
  }
  if (!byKey.has('id')) problems.unshift(`缺少“${ID_HEADER}”列：每行要有一个不重复的编号（如县名），它是 PDF 的文件名；标题写“${ID_HEADER}”或 id`);
  const given = new Set(found.flatMap((c) => (c.match.kind === 'field' || c.match.kind === 'entry' ? [c.match.field.path] : [])));
  const missing = columns.fields.filter((field) => field.required && !given.has(field.path));
  if (missing.length > 0) {
    const names = missing.slice(0, 10).map((f) => `“${f.header}”（${f.path}）`);
    problems.push(`缺少必填列 ${names.join('、')}${missing.length > 10 ? ` 等 ${missing.length} 列` : ''}`);
  }
  return { found, problems };
}

function headerRefusal(name: string, row: number, problems: readonly string[]): InvalidRequestError {
  const more = problems.length > MAX_HEADER_PROBLEMS ? `；另有 ${problems.length - MAX_HEADER_PROBLEMS} 处` : '';
  return new InvalidRequestError(
    `${name}的标题行（第 ${row} 行）与模板不符：${problems.slice(0, MAX_HEADER_PROBLEMS).join('；')}${more}。` +
      `标题可写中文（如“地区生产总值（亿元）”）或字段路径（如 economy.gdp），可对照数据模板（pdf-export sheet，或预览台的“下载 Excel 模板”）。`,
  );
}

/**
 * For readWorkbook: checks a worksheet's header row as soon as it is read (refusing a file that
 * does not fit before reading its rows) and says which columns to keep; cells elsewhere are only
 * noted (SheetTable.strays), so a sheet's memory is bounded by the template, not by the file.
 */
export function sheetColumnsToKeep(schema: SchemaNode): (header: SheetRow, name: string) => ReadonlySet<number> {
  const columns = fieldColumns(schema);
  return (header, name) => {
    const { found, problems } = matchHeader({ header, fixedWidth: false }, columns, schema);
    if (problems.length > 0) throw headerRefusal(name, header.row, problems);
    return new Set(found.map((c) => c.index));
  };
}

function readHeader(table: SheetTable, columns: SheetColumns, schema: SchemaNode): Column[] {
  const { found, problems } = matchHeader(table, columns, schema);
  if (!table.fixedWidth) {
    // Cells under no header: a column whose header is empty, or past the last header.
    const titled = new Set(found.map((c) => c.index));
    const strays = new Map(table.strays ?? []);
    for (const row of table.rows) {
      row.cells.forEach((cell, index) => {
        if (!titled.has(index) && !isEmptyCell(cell) && !strays.has(index)) strays.set(index, row.row);
      });
    }
    for (const [index, row] of [...strays].sort(([a], [b]) => a - b)) {
      if (titled.has(index)) continue;
      problems.push(`${columnLetter(index)} 列没有标题，但第 ${row} 行在这一列有内容；请给这一列加上标题，或删除这些内容`);
    }
  }
  if (problems.length > 0) throw headerRefusal(table.name, table.header.row, problems);
  return found;
}

/** Turns one row's problems (by JSON pointer) into details that name the row, column and field. */
function locator(row: number, columns: SheetColumns, byPointer: ReadonlyMap<string, Column>, listColumns: ReadonlyMap<string, Column>) {
  const place = (field: FieldColumn, pointer: string): string => {
    const column = byPointer.get(pointer) ?? byPointer.get(field.pointer) ?? listColumns.get(field.pointer);
    return column ? `第 ${row} 行 ${column.letter} 列（${field.header}）` : `第 ${row} 行（${field.header}）`;
  };
  return (pointer: string, message: string): ErrorDetail[] => {
    const field = columns.fieldAt(pointer);
    if (field) {
      const entry = pointer.length > field.pointer.length ? Number(pointer.slice(field.pointer.length + 1).split('/')[0]) : undefined;
      const what = entry !== undefined && Number.isInteger(entry) && !byPointer.has(pointer) ? `第 ${entry + 1} 项${message}` : message;
      return [{ path: pointer, message: `${place(field, pointer)}：${what}` }];
    }
    const under = columns.fieldsUnder(pointer);
    if (under.length > 0) {
      // A whole group missing (every cell of 县情 empty): name each required cell of it.
      if (message === '必填，不能为空') {
        const required = under.filter((f) => f.required);
        return (required.length > 0 ? required : under).map((f) => ({ path: f.pointer, message: `${place(f, f.pointer)}：${message}` }));
      }
      const depth = pointer.split('/').length - 1;
      return [{ path: pointer, message: `第 ${row} 行（${under[0].groups[depth - 1] ?? pointer}）：${message}` }];
    }
    const column = byPointer.get(pointer);
    return [{ path: pointer, message: `第 ${row} 行${column ? ` ${column.letter} 列` : ''}${pointer ? `（${pointer.slice(1).replace(/\//g, '.')}）` : ''}：${message}` }];
  };
}

/** The items of a sheet; throws InvalidRequestError when its header row does not fit the template. */
export function sheetItems(table: SheetTable, schema: SchemaNode): BatchItem[] {
  const columns = fieldColumns(schema);
  const found = readHeader(table, columns, schema);
  if (table.rows.length === 0) {
    throw new InvalidRequestError(`${table.name}只有标题行，没有数据；请从第 ${table.header.row + 1} 行起每行填一个县。`);
  }
  const idColumn = found.find((c) => c.match.kind === 'id')!;
  const fieldColumnsFound = found.filter((c) => c.target !== undefined);
  const byPointer = new Map(fieldColumnsFound.map((c) => [c.pointer!, c]));
  // A list given as one column per entry is located by its first entry's column.
  const listColumns = new Map<string, Column>();
  for (const c of fieldColumnsFound) if (c.match.kind === 'entry' && !listColumns.has(c.match.field.pointer)) listColumns.set(c.match.field.pointer, c);
  const headerWidth = table.header.cells.length;

  return table.rows.map((row): BatchItem => {
    const where = `第 ${row.row} 行`;
    const idPlace = `第 ${row.row} 行 ${idColumn.letter} 列（${ID_HEADER}）`;
    const idCell = idOfCell(row.cells[idColumn.index]);
    const givenId = idCell && 'id' in idCell && idCell.id !== '' ? idCell.id : undefined;
    const fail = (message: string, id = givenId): BatchItem => ({ ...unreadableItem(where, new InvalidRequestError(message), id), row: row.row });
    if (table.fixedWidth && row.cells.length !== headerWidth) {
      // Some writers (ExcelJS among them) leave out a row's empty cells at the end: fine when they are
      // optional. A row that is longer, or short of a required cell, has a stray or missing comma.
      const shortOfRequired = found.some((c) => c.index >= row.cells.length && (c.match.kind === 'id' || c.target?.field?.required === true));
      if (row.cells.length > headerWidth || shortOfRequired) {
        return fail(`${where}有 ${row.cells.length} 个单元格，但标题行有 ${headerWidth} 列；请检查是否多了逗号或少了单元格。`);
      }
    }
    if (idCell && 'problem' in idCell) return fail(`${idPlace}：${idCell.problem}`);
    if (givenId === undefined) return fail(`${idPlace}：不能为空；每行填一个不重复的编号（如县名），它是 PDF 的文件名。`);
    const stem = itemFileStem(givenId);
    if (stem === undefined) return fail(`${idPlace}：“${givenId.slice(0, 40)}”里没有文字或数字，不能作文件名；请填县名或代码。`);

    const locate = locator(row.row, columns, byPointer, listColumns);
    const details: ErrorDetail[] = [];
    const data: Record<string, unknown> = {};
    const badPointers: string[] = [];
    for (const column of fieldColumnsFound) {
      const cell = row.cells[column.index];
      if (isEmptyCell(cell) || !cell || !column.target) continue;
      const outcome = cellValue(cell, column.target.node, schema, column.target.field?.unit);
      if ('problem' in outcome) {
        badPointers.push(column.pointer!);
        details.push({ path: column.pointer!, message: `第 ${row.row} 行 ${column.letter} 列（${column.target.field?.header ?? column.pointer!.slice(1).replace(/\//g, '.')}）：${outcome.problem}` });
      } else {
        setPath(data, column.target.segments, outcome.value);
      }
    }
    const value = withoutHoles(data) as Record<string, unknown>;
    // A cell already reported unusable is not reported again as missing.
    const problems = (rowDataProblems(schema, value) ?? []).filter((p) => !badPointers.some((bad) => p.pointer === bad || p.pointer.startsWith(`${bad}/`)));
    for (const problem of problems) details.push(...locate(problem.pointer, problem.message));
    if (details.length === 0) return { where, row: row.row, id: givenId, stem, data: value, problem: undefined };
    const shown = details.slice(0, 5).map((d) => d.message);
    const message = `${shown.join('；')}${details.length > 5 ? `；另有 ${details.length - 5} 处` : ''}。`;
    return { where, row: row.row, id: givenId, stem, data: value, problem: new DataValidationError(message, { details }) };
  });
}
