/**
 * Checks a chart's spec and rows and turns them into the one shape every layout reads: a label per
 * row, the series names, and a rectangular table of values rounded to `decimals`.
 *
 * Anything a layout cannot draw honestly is refused here with a RangeError naming the row, so
 * the caller can turn it into a typed error: a chart that silently drops a NaN, or a pie with a
 * negative slice, would misstate the figures of an official document.
 */
import { formatFixed, formatGrouped } from '../view/chineseFormat';
import { CHART_KINDS, type ChartKind, type ChartRow, type ChartSpec } from './ChartSpec';

/** 156 mm (the GB/T 9704 text block) at 96 px/in. */
export const DEFAULT_WIDTH = 588;

/** Beyond six, grays, dash patterns and markers can no longer be told apart in black-and-white print. */
export const MAX_SERIES = 6;

const MAX_DECIMALS = 4;

/** The kinds that draw one value per row. */
const SINGLE_SERIES_KINDS: readonly ChartKind[] = ['hbar', 'pie', 'donut'];

export interface ChartData {
  readonly kind: ChartKind;
  readonly title: string;
  readonly unit: string;
  readonly decimals: number;
  readonly width: number;
  /** undefined: the layout picks its default. */
  readonly height: number | undefined;
  /** One per row, in row order. */
  readonly labels: readonly string[];
  /**
   * Series names, at least one. When rows carry a single `value` there is one series, named by
   * `spec.series[0]` if given, else `''`.
   */
  readonly series: readonly string[];
  /** values[row][series], rounded to `decimals`: what is drawn is what is labelled. */
  readonly values: readonly (readonly number[])[];
}

/** A value as its label prints it: `5.2%`, `-0.3亿元`, `12`, `41,260.0`: grouped from 10,000 like the prose beside it. */
export function valueLabel(data: Pick<ChartData, 'decimals' | 'unit'>, value: number): string {
  return `${formatGrouped(value, data.decimals)}${data.unit}`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkSize(name: 'width' | 'height', value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`chart ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

function checkNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${where} must be a finite number, got ${typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

function round(value: number, decimals: number, where: string): number {
  try {
    return Number(formatFixed(value, decimals));
  } catch (error) {
    // formatFixed refuses magnitudes whose digits a double does not hold.
    throw new RangeError(`${where}: ${(error as Error).message}`);
  }
}

export function readChartData(spec: ChartSpec, rows: readonly ChartRow[]): ChartData {
  if (!isObject(spec)) throw new RangeError('chart spec must be an object');
  const kind = spec.kind;
  if (!CHART_KINDS.includes(kind)) {
    throw new RangeError(`unknown chart kind ${JSON.stringify(kind) ?? String(kind)}; expected one of ${CHART_KINDS.join(', ')}`);
  }
  if (typeof spec.title !== 'string') throw new RangeError('chart title must be a string');
  if (typeof spec.unit !== 'string') throw new RangeError('chart unit must be a string');
  const decimals = spec.decimals;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`chart decimals must be an integer from 0 to ${MAX_DECIMALS}, got ${String(decimals)}`);
  }
  const width = checkSize('width', spec.width) ?? DEFAULT_WIDTH;
  const height = checkSize('height', spec.height);
  if (spec.series !== undefined && (!Array.isArray(spec.series) || !spec.series.every((name) => typeof name === 'string'))) {
    throw new RangeError('chart series must be a list of names');
  }

  if (!Array.isArray(rows) || rows.length === 0) throw new RangeError(`a ${kind} chart needs at least one row`);
  rows.forEach((row, index) => {
    if (!isObject(row)) throw new RangeError(`rows[${index}] must be an object with a label and a value`);
    if (typeof row.label !== 'string') throw new RangeError(`rows[${index}].label must be a string`);
    const hasValue = row.value !== undefined;
    const hasValues = row.values !== undefined;
    if (hasValue === hasValues) {
      throw new RangeError(`rows[${index}] must carry either value or values, ${hasValue ? 'not both' : 'got neither'}`);
    }
  });
  // The first row decides; mixing would leave some categories without a value per series.
  const grouped = rows[0].values !== undefined;
  const odd = rows.findIndex((row) => (row.values !== undefined) !== grouped);
  if (odd !== -1) {
    throw new RangeError(`rows mix value and values: rows[0] carries ${grouped ? 'values' : 'value'}, rows[${odd}] carries ${grouped ? 'value' : 'values'}`);
  }

  let series: readonly string[];
  let raw: number[][];
  if (grouped) {
    if (spec.series === undefined) throw new RangeError('rows carry values, so the chart must name its series');
    series = spec.series;
    if (series.length === 0) throw new RangeError('chart series must name at least one series');
    raw = rows.map((row, index) => {
      const list: unknown = row.values;
      if (!Array.isArray(list)) throw new RangeError(`rows[${index}].values must be a list of numbers`);
      if (list.length !== series.length) {
        throw new RangeError(`rows[${index}].values has ${list.length} numbers but the chart names ${series.length} series`);
      }
      return list.map((value: unknown, s) => checkNumber(value, `rows[${index}].values[${s}]`));
    });
  } else {
    if (spec.series !== undefined && spec.series.length !== 1) {
      throw new RangeError(`the chart names ${spec.series.length} series but its rows carry a single value each; give the rows values instead`);
    }
    series = spec.series ?? [''];
    raw = rows.map((row, index) => [checkNumber(row.value, `rows[${index}].value`)]);
  }
  if (series.length > MAX_SERIES) {
    throw new RangeError(`a chart draws at most ${MAX_SERIES} series (more cannot be told apart in grayscale), got ${series.length}`);
  }
  if (series.length > 1 && SINGLE_SERIES_KINDS.includes(kind)) {
    throw new RangeError(`a ${kind} chart draws one value per row, got ${series.length} series; use vbar or line for several series`);
  }

  const values = raw.map((row, index) => row.map((value, s) => round(value, decimals, grouped ? `rows[${index}].values[${s}]` : `rows[${index}].value`)));

  if (kind === 'pie' || kind === 'donut') {
    const negative = raw.findIndex((row) => row[0] < 0);
    if (negative !== -1) {
      throw new RangeError(`a ${kind} chart shows shares, which cannot be negative: rows[${negative}].value is ${raw[negative][0]}`);
    }
    if (values.every((row) => row[0] === 0)) {
      throw new RangeError(`a ${kind} chart needs a positive value to share out; all values are 0 at ${decimals} decimals`);
    }
  }

  return { kind, title: spec.title, unit: spec.unit, decimals, width, height, labels: rows.map((row) => row.label), series, values };
}
