/**
 * hbar: one horizontal bar per row around a vertical zero axis, for signed rates (增速). Rises
 * extend right, falls left in a lighter tone; a zero is a zero-width bar that still has its label.
 *
 * This is the county report's appendix chart, moved here unchanged: for its nine indicators and
 * rates of −100…100 % at one decimal, every coordinate equals what the former buildChart printed
 * (test/fixtures/charts/hbar-buildChart-9ccbeb3.json). The measured parts reproduce its
 * constants: the label column ends 8 units past the widest label (its 11-character indicator gave
 * 184), and a value gutter is 56 units unless a wider value label needs more.
 *
 *   [label]  |gap| [value gutter, if any bar falls] [  plot  ] [value gutter]
 *
 * Per row the shapes are: label text, bar, value text; the axis line comes last, so it is drawn
 * over the bars' ends. Height: 30 units a row by default; a given height is shared out equally.
 *
 * Known and kept: in the open stand-in font (digits and `%` wider than estimated) a "100.0%" at the
 * very right overruns the view box by about 2 units, as it always did; changing the gutter would
 * move every recorded coordinate. A stylesheet can let it show: `figure.chart svg {overflow: visible}`.
 */
import { AXIS, BAR_DOWN, BAR_UP } from './chartPaint';
import { chartView, lineShape, rectShape, textShape, type ChartShape, type ChartView } from './ChartView';
import { valueLabel, type ChartData } from './readChartData';
import { TEXT_SIZE, widestText } from './textWidth';

const LAYOUT = {
  /** Left of the labels. */
  margin: 8,
  gap: 12,
  /** The former fixed value gutter: room for "-100.0%" at 8 units a character. */
  minValueGutter: 56,
  /** Between a bar's end and its value label. */
  valueOffset: 4,
  /** Slack for value labels printed wider than estimated (see textWidth.ts). */
  slack: 4,
  /** Between a falling value's label and the label column, slack included. */
  labelClearance: 8,
  rowPitch: 30,
  barHeight: 18,
  /** Free space a row keeps around its bar, at the least. */
  minRowAir: 12,
  /** A row is never shorter than a text line plus a little air. */
  minRowPitch: TEXT_SIZE + 4,
  /** Narrower than this, bars of different values would hardly differ. */
  minPlotWidth: 64,
} as const;

export function layoutHbar(data: ChartData): ChartView {
  const rates = data.values.map((row) => row[0]);
  const rows = rates.length;
  const texts = rates.map((rate) => valueLabel(data, rate));

  const rowPitch = data.height === undefined ? LAYOUT.rowPitch : data.height / rows;
  if (rowPitch < LAYOUT.minRowPitch) {
    throw new RangeError(`an hbar chart of ${rows} rows needs a height of at least ${rows * LAYOUT.minRowPitch}, got ${data.height}`);
  }
  const barHeight = Math.min(LAYOUT.barHeight, rowPitch - LAYOUT.minRowAir);
  // Half the free space of a row above its bar, half below: 6 units at the default pitch.
  const padding = (rowPitch - barHeight) / 2;
  const height = rows * rowPitch;

  const low = Math.min(0, ...rates);
  const high = Math.max(0, ...rates);
  const labelRight = LAYOUT.margin + widestText(data.labels);
  // A falling value's label ends `valueOffset` left of its bar and may reach into the gap, up to
  // `labelClearance` short of the label column; a rising (or zero) one starts right of its bar.
  const fallingLabels = widestText(texts.filter((_, i) => rates[i] < 0));
  const risingLabels = widestText(texts.filter((_, i) => rates[i] >= 0));
  const leftGutter = low < 0 ? Math.max(LAYOUT.minValueGutter, fallingLabels + LAYOUT.valueOffset + LAYOUT.labelClearance - LAYOUT.gap) : 0;
  const rightGutter = Math.max(LAYOUT.minValueGutter, risingLabels + LAYOUT.valueOffset + LAYOUT.slack);
  const plotLeft = labelRight + LAYOUT.gap + leftGutter;
  const plotRight = data.width - rightGutter;
  if (plotRight - plotLeft < LAYOUT.minPlotWidth) {
    const needed = Math.ceil(data.width + LAYOUT.minPlotWidth - (plotRight - plotLeft));
    throw new RangeError(`the hbar labels leave no room for the bars: the chart needs a width of at least ${needed}, got ${data.width}`);
  }

  // All values zero: any scale works, the bars have no width.
  const scale = (plotRight - plotLeft) / (high - low || 1);
  const zeroX = plotLeft - low * scale;
  const shapes: ChartShape[] = [];
  rates.forEach((rate, index) => {
    const y = padding + index * rowPitch;
    const textY = y + barHeight / 2;
    const barWidth = Math.abs(rate) * scale;
    const x = rate < 0 ? zeroX - barWidth : zeroX;
    const tone = rate > 0 ? 'up' : rate < 0 ? 'down' : 'flat';
    shapes.push(
      textShape('bar-label', { x: labelRight, y: textY }, 'end', data.labels[index]),
      rectShape(`bar bar-${tone}`, { x, y, width: barWidth, height: barHeight }, rate < 0 ? BAR_DOWN : BAR_UP),
      rate < 0
        ? textShape('bar-value', { x: x - LAYOUT.valueOffset, y: textY }, 'end', texts[index])
        : textShape('bar-value', { x: zeroX + barWidth + LAYOUT.valueOffset, y: textY }, 'start', texts[index]),
    );
  });
  const plotBottom = padding + (rows - 1) * rowPitch + barHeight;
  shapes.push(lineShape('axis', { x: zeroX, y: padding / 2 }, { x: zeroX, y: plotBottom + padding / 2 }, AXIS));

  return chartView(data, height, shapes);
}
