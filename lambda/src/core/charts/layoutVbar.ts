/**
 * vbar: vertical bars over categories (GDP 2016–2020), rising from a horizontal zero axis; negative
 * values hang below it. Rows with `values` give grouped bars, one per series, with a legend.
 *
 *   [legend, from two series on]
 *   value labels above bars (below negative ones)
 *   bars ── zero axis ──
 *   category labels (on two alternating lines when one is too narrow)
 *
 * Each bar is labelled with its value when every label fits over its bar (the usual single-series
 * chart). When they do not (many grouped bars, long numbers), the labels would print over each
 * other; the chart then draws a value axis instead: round ticks at the left with light gridlines.
 *
 * Bars are at most 56 units wide (alone) or 40 (in a group; wider if that lets them carry their
 * labels), so a chart of two years is not two slabs. Height: 240 by default.
 */
import { AXIS, BAR_DOWN, BAR_UP, GRIDLINE, seriesBarPaint } from './chartPaint';
import { categoryAxis, categoryLabelShapes, MAX_CATEGORY_AXIS_HEIGHT } from './categoryAxis';
import { chartView, lineShape, rectShape, textShape, type ChartShape, type ChartView } from './ChartView';
import { layoutLegend } from './layoutLegend';
import { niceScale, ticksFor, type NiceScale } from './niceScale';
import { valueLabel, type ChartData } from './readChartData';
import { TEXT_SIZE, widestText } from './textWidth';

export const VBAR_DEFAULT_HEIGHT = 240;

/** Legend swatch: a square of the bar's paint. */
const SWATCH = 12;

const LAYOUT = {
  margin: 8,
  /** Between a bar's end and its value label's nearer edge. */
  valueOffset: 4,
  /** Value label line: offset + text + air before what follows. */
  valueRoom: 4 + TEXT_SIZE + 4,
  maxBar: 56,
  maxGroupedBar: 40,
  /** Share of a category's band the bar (group) may take; the rest separates categories. */
  bandShare: 0.6,
  groupedBandShare: 0.8,
  barGap: 4,
  /** Between two value labels side by side; the estimate may be short by a few units. */
  labelGap: 8,
  /** Tick labels sit this far left of the plot. */
  tickGap: 6,
  minPlotHeight: 40,
} as const;

interface Bars {
  readonly band: number;
  readonly groupWidth: number;
  readonly barWidth: number;
  /** Distance between the centres of neighbouring bars' labels, at the least. */
  readonly labelPitch: number;
}

/**
 * @param widestLabel grouped bars widen beyond `maxGroupedBar`, as far as the band allows, when
 *   that lets each carry its value label.
 */
function sizeBars(plotWidth: number, categories: number, series: number, widestLabel: number): Bars {
  const band = plotWidth / categories;
  if (series === 1) {
    const barWidth = Math.min(band * LAYOUT.bandShare, LAYOUT.maxBar);
    return { band, groupWidth: barWidth, barWidth, labelPitch: band };
  }
  const gaps = (series - 1) * LAYOUT.barGap;
  const wanted = Math.max(LAYOUT.maxGroupedBar, widestLabel + LAYOUT.labelGap - LAYOUT.barGap);
  const barWidth = Math.min((band * LAYOUT.groupedBandShare - gaps) / series, wanted);
  return { band, groupWidth: series * barWidth + gaps, barWidth, labelPitch: barWidth + LAYOUT.barGap };
}

export function layoutVbar(data: ChartData): ChartView {
  const { width, labels, series, values } = data;
  const height = data.height ?? VBAR_DEFAULT_HEIGHT;
  const seriesCount = series.length;
  const texts = values.map((row) => row.map((value) => valueLabel(data, value)));
  const flat = values.flat();
  const low = Math.min(0, ...flat);
  const high = Math.max(0, ...flat);
  const shapes: ChartShape[] = [];

  let top = LAYOUT.margin / 2;
  if (seriesCount > 1) {
    const legend = layoutLegend(
      series.map((name, s) => ({
        name,
        swatch: (c) => [rectShape(`legend-swatch series-${s + 1}`, { x: c.x - SWATCH / 2, y: c.y - SWATCH / 2, width: SWATCH, height: SWATCH }, seriesBarPaint(s))],
      })),
      SWATCH,
      width,
      top,
    );
    shapes.push(...legend.shapes);
    top += legend.height + LAYOUT.margin / 2;
  }

  const edges = { min: LAYOUT.margin / 2, max: width - LAYOUT.margin / 2 };
  const plotRight = width - LAYOUT.margin;
  let plotLeft = LAYOUT.margin;
  const widestLabel = widestText(texts.flat());
  let bars = sizeBars(plotRight - plotLeft, labels.length, seriesCount, widestLabel);
  const labelled = widestLabel + LAYOUT.labelGap <= bars.labelPitch;

  // Without value labels: a value axis, sized before the plot because its labels take the left.
  let scale: NiceScale | undefined;
  if (!labelled) {
    const roughPlotHeight = height - top - LAYOUT.margin / 2 - MAX_CATEGORY_AXIS_HEIGHT;
    scale = niceScale(low, high, ticksFor(roughPlotHeight));
    plotLeft = LAYOUT.margin + widestText(scale.labels) + LAYOUT.tickGap;
    bars = sizeBars(plotRight - plotLeft, labels.length, seriesCount, 0);
  }
  const categories = categoryAxis(labels, plotLeft, plotRight, edges);
  const categoryTop = height - LAYOUT.margin / 2 - categories.height;

  // Vertical extent: value labels above rising bars and below falling ones, when there are any.
  const plotTop = top + (labelled ? (flat.some((v) => v >= 0) ? LAYOUT.valueRoom : 0) : TEXT_SIZE / 2);
  const plotBottom = categoryTop - (labelled && low < 0 ? LAYOUT.valueRoom : 0);
  if (plotBottom - plotTop < LAYOUT.minPlotHeight) {
    throw new RangeError(`a vbar chart ${height} high leaves no room for its bars; give it more height`);
  }
  const domainLow = scale?.min ?? low;
  // All values zero: the axis goes at the bottom, as for rising bars.
  const domainHigh = scale?.max ?? (high === low ? 1 : high);
  const unit = (plotBottom - plotTop) / (domainHigh - domainLow);
  const yOf = (value: number): number => plotTop + (domainHigh - value) * unit;
  const zeroY = yOf(0);

  if (scale !== undefined) {
    scale.ticks.forEach((tick, i) => {
      const y = yOf(tick);
      if (tick !== 0) shapes.push(lineShape('gridline', { x: plotLeft, y }, { x: plotRight, y }, GRIDLINE));
      shapes.push(textShape('tick-label', { x: plotLeft - LAYOUT.tickGap, y }, 'end', scale.labels[i]));
    });
  }

  const valueTexts: ChartShape[] = [];
  values.forEach((row, c) => {
    const groupLeft = categories.centers[c] - bars.groupWidth / 2;
    row.forEach((value, s) => {
      const x = groupLeft + s * (bars.barWidth + LAYOUT.barGap);
      const barHeight = Math.abs(value) * unit;
      const y = value < 0 ? zeroY : zeroY - barHeight;
      const tone = value > 0 ? 'up' : value < 0 ? 'down' : 'flat';
      const paint = seriesCount > 1 ? seriesBarPaint(s) : value < 0 ? BAR_DOWN : BAR_UP;
      shapes.push(rectShape(`bar bar-${tone} series-${s + 1}`, { x, y, width: bars.barWidth, height: barHeight }, paint));
      if (labelled) {
        const labelY = value < 0 ? zeroY + barHeight + LAYOUT.valueOffset + TEXT_SIZE / 2 : y - LAYOUT.valueOffset - TEXT_SIZE / 2;
        valueTexts.push(textShape(`bar-value series-${s + 1}`, { x: x + bars.barWidth / 2, y: labelY }, 'middle', texts[c][s]));
      }
    });
  });
  shapes.push(lineShape('axis', { x: plotLeft, y: zeroY }, { x: plotRight, y: zeroY }, AXIS));
  shapes.push(...valueTexts);
  shapes.push(...categoryLabelShapes(categories, labels, categoryTop));

  return chartView(data, height, shapes);
}
