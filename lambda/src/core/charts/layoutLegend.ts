/**
 * The legend of a chart with several series: swatch + name per series, in series order, centred
 * in rows across the top of the chart; a row that would overflow wraps.
 */
import { textShape, type ChartShape, type Point } from './ChartView';
import { TEXT_SIZE, textWidth } from './textWidth';

export interface LegendEntry {
  readonly name: string;
  /** Draws the series' swatch centred on the point given (class `legend-swatch series-<n>`). */
  readonly swatch: (center: Point) => ChartShape[];
}

export interface Legend {
  readonly shapes: ChartShape[];
  /** From `top` to below the last row. */
  readonly height: number;
}

const LEGEND = {
  margin: 8,
  rowHeight: TEXT_SIZE + 6,
  /** Between a swatch and its name. */
  swatchGap: 6,
  /** Between one entry and the next. */
  entryGap: 24,
} as const;

export function layoutLegend(entries: readonly LegendEntry[], swatchWidth: number, width: number, top: number): Legend {
  const room = width - 2 * LEGEND.margin;
  const sized = entries.map((entry) => ({ entry, width: swatchWidth + LEGEND.swatchGap + textWidth(entry.name) }));
  const rows: (typeof sized)[] = [];
  for (const item of sized) {
    if (item.width > room) {
      throw new RangeError(`series name "${item.entry.name}" is too long for the legend of a chart ${width} wide`);
    }
    const row = rows[rows.length - 1];
    const used = row === undefined ? Infinity : row.reduce((sum, other) => sum + other.width + LEGEND.entryGap, 0);
    if (used + item.width > room) rows.push([item]);
    else row.push(item);
  }
  const shapes: ChartShape[] = [];
  rows.forEach((row, r) => {
    const rowWidth = row.reduce((sum, item) => sum + item.width, 0) + (row.length - 1) * LEGEND.entryGap;
    const y = top + (r + 0.5) * LEGEND.rowHeight;
    let x = (width - rowWidth) / 2;
    for (const { entry, width: itemWidth } of row) {
      shapes.push(...entry.swatch({ x: x + swatchWidth / 2, y }));
      shapes.push(textShape('legend', { x: x + swatchWidth + LEGEND.swatchGap, y }, 'start', entry.name));
      x += itemWidth + LEGEND.entryGap;
    }
  });
  return { shapes, height: rows.length * LEGEND.rowHeight };
}
