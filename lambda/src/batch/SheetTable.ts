/**
 * One sheet of rows as readWorkbook (xlsx) and the CSV reader hand it to sheetItems: the header
 * row and the rows below it, each cell as the file stored it. Cells are not yet typed by the
 * schema: that is sheetItems' job, the same for both formats.
 */

/** A cell as stored; an empty cell is `undefined`. */
export type SheetCell =
  | { readonly kind: 'text'; readonly text: string }
  /** `percent`: the cell is formatted as a percentage, so 0.063 shows as 6.3%. */
  | { readonly kind: 'number'; readonly value: number; readonly percent?: boolean }
  | { readonly kind: 'boolean'; readonly value: boolean }
  /** A date (and time) as the clock on the wall shows it, held in UTC; `time`: the format shows the time of day. */
  | { readonly kind: 'date'; readonly value: Date; readonly time: boolean }
  /** An error value such as `#DIV/0!`, typed or the result of a formula. */
  | { readonly kind: 'error'; readonly code: string }
  /** A formula whose result the file does not hold (written by a program that does not calculate). */
  | { readonly kind: 'formula'; readonly formula: string };

export interface SheetRow {
  /** The spreadsheet's row number, 1-based, as Excel shows it. */
  readonly row: number;
  /** By 0-based column; holes and `undefined` are empty cells. */
  readonly cells: readonly (SheetCell | undefined)[];
}

export interface SheetTable {
  /** Names the sheet in messages: `CSV 文件`, `工作表“数据”`. */
  readonly name: string;
  /** The first row with anything in it: the column headers. */
  readonly header: SheetRow;
  /** The rows below the header that have anything in them, in order. */
  readonly rows: readonly SheetRow[];
  /** CSV: every row must have as many cells as the header (a stray comma shifts every cell after it). */
  readonly fixedWidth: boolean;
  /**
   * Cells the reader did not keep because no known column holds them: column → the first row with
   * one (readWorkbook, told which columns to keep). sheetItems refuses a sheet that has any.
   */
  readonly strays?: ReadonlyMap<number, number>;
}

export function isEmptyCell(cell: SheetCell | undefined): boolean {
  return cell === undefined || (cell.kind === 'text' && cell.text.trim() === '');
}
