/**
 * The chart library: lays out a `{"chart": …}` node of view.json (spec + rows, already evaluated
 * on the data) as an SVG drawing, for the product-owned `chart` partial (chartPartial.ts) to print.
 * Pure: no DOM, no fonts, no I/O; text widths are estimated (textWidth.ts).
 *
 * Kinds (each file's top comment has its layout):
 * - `hbar`  horizontal bars around a zero axis, for signed rates; the county report's chart,
 *           geometry unchanged (layoutHbar.ts). Height: 30 a row.
 * - `vbar`  vertical bars over categories, grouped when rows carry `values` (layoutVbar.ts). 240.
 * - `line`  one or more series over categories (layoutLine.ts). 240.
 * - `pie`, `donut`  shares of a whole, labelled outside with leader lines (layoutPie.ts). 220.
 * Width: 588 (the 156 mm text block at ~1 unit per CSS px, so the template's 12 pt text is 16 units).
 *
 * Values are rounded to `decimals` first, and everything (bar lengths, point heights, slice
 * angles) is drawn from the rounded values, so a shape never disagrees with its printed label.
 *
 * Classes a stylesheet may target (presentation attributes give a grayscale default):
 *   hbar   bar-label, bar bar-up|bar-down|bar-flat, bar-value, axis
 *   vbar   bar bar-up|bar-down|bar-flat series-<n>, bar-value series-<n>, axis, category-label,
 *          legend, legend-swatch series-<n>; without value labels: gridline, tick-label
 *   line   line series-<n>, line-point series-<n>, line-value series-<n>, gridline, tick-label,
 *          axis, category-label, legend, legend-swatch series-<n>
 *   pie, donut  slice slice-<n>, slice-leader, slice-label
 *
 * Input the layouts cannot draw honestly is refused with a RangeError (readChartData.ts and each
 * layout's fit checks); the caller turns it into a typed error.
 */
import type { ChartRow, ChartSpec } from './ChartSpec';
import type { ChartView } from './ChartView';
import { layoutHbar } from './layoutHbar';
import { layoutLine } from './layoutLine';
import { layoutPie } from './layoutPie';
import { layoutVbar } from './layoutVbar';
import { readChartData } from './readChartData';

export { CHART_KINDS, type ChartKind, type ChartRow, type ChartSpec } from './ChartSpec';
export type { ChartShape, ChartView, CircleShape, LineShape, PathShape, PolylineShape, RectShape, TextShape } from './ChartView';

export function layoutChart(spec: ChartSpec, rows: readonly ChartRow[]): ChartView {
  const data = readChartData(spec, rows);
  switch (data.kind) {
    case 'hbar':
      return layoutHbar(data);
    case 'vbar':
      return layoutVbar(data);
    case 'line':
      return layoutLine(data);
    case 'pie':
    case 'donut':
      return layoutPie(data);
  }
}
