/**
 * line: one or more series over categories (years), each a polyline through marked points.
 *
 *   [legend, from two series on]
 *   tick labels │ light gridlines at round values, points with value labels
 *               └── axis (at zero when the range spans it, else at the bottom)
 *                 category labels
 *
 * The value range is rounded out to ticks but need not include zero: a line shows change, and the
 * labelled ticks say where it stands. It leaves a label's height below the lowest point. Series differ in dash pattern and marker (see chartPaint.ts),
 * never only in colour.
 *
 * Value labels go above or below their points, whichever covers the least of the lines
 * (placePointLabels.ts). They are left out, and the ticks carry the values, when the widest is
 * wider than a category's band (labels of neighbouring years would run into each other) or when
 * there are more than three series (the labels would bury the lines).
 *
 * Height: 240 by default.
 */
import { AXIS, GRIDLINE, seriesLineStyle } from './chartPaint';
import { categoryAxis, categoryLabelShapes, MAX_CATEGORY_AXIS_HEIGHT } from './categoryAxis';
import { chartView, lineShape, polylineShape, textShape, type ChartShape, type ChartView, type Point } from './ChartView';
import { layoutLegend } from './layoutLegend';
import { lineMarker } from './lineMarker';
import { niceScale, ticksFor } from './niceScale';
import { valueLabel, type ChartData } from './readChartData';
import { placePointLabels } from './placePointLabels';
import { TEXT_SIZE, textWidth, widestText } from './textWidth';

export const LINE_DEFAULT_HEIGHT = 240;

const LAYOUT = {
  margin: 8,
  tickGap: 6,
  /** From a point's centre to its label's centre: marker, air, half a line. */
  valueOffset: 5 + 2 + TEXT_SIZE / 2,
  valueRoom: 5 + 2 + TEXT_SIZE,
  /** Labels of one category stacked closer than this would touch. */
  labelPitch: TEXT_SIZE + 1,
  /** Between labels of neighbouring categories; the estimate may be short by a few units. */
  labelGap: 8,
  /** Beyond three series, value labels crowd the lines they label; the ticks carry the values. */
  maxLabelledSeries: 3,
  legendSwatch: 28,
} as const;

export function layoutLine(data: ChartData): ChartView {
  const { width, labels, series, values } = data;
  const height = data.height ?? LINE_DEFAULT_HEIGHT;
  const seriesCount = series.length;
  const texts = values.map((row) => row.map((value) => valueLabel(data, value)));
  const flat = values.flat();
  const shapes: ChartShape[] = [];

  let top = LAYOUT.margin / 2;
  if (seriesCount > 1) {
    const half = LAYOUT.legendSwatch / 2;
    const legend = layoutLegend(
      series.map((name, s) => {
        const style = seriesLineStyle(s);
        return {
          name,
          swatch: (c: Point) => [
            lineShape(`legend-swatch series-${s + 1}`, { x: c.x - half, y: c.y }, { x: c.x + half, y: c.y }, style.stroke),
            lineMarker(style, `legend-swatch series-${s + 1}`, c),
          ],
        };
      }),
      LAYOUT.legendSwatch,
      width,
      top,
    );
    shapes.push(...legend.shapes);
    top += legend.height + LAYOUT.margin / 2;
  }

  const roughPlotHeight = height - top - LAYOUT.valueRoom - LAYOUT.margin / 2 - MAX_CATEGORY_AXIS_HEIGHT;
  // The range is stretched down by a label's height, so the lowest point can be labelled below
  // (where its line may leave room) without the label crossing the axis; not below zero, though,
  // for values that cannot be negative.
  const [low, high] = [Math.min(...flat), Math.max(...flat)];
  const room = Math.min(0.5, LAYOUT.valueRoom / Math.max(roughPlotHeight - LAYOUT.valueRoom, 1));
  const stretched = low - (high - low) * room;
  const scale = niceScale(low >= 0 ? Math.max(0, stretched) : stretched, high, ticksFor(roughPlotHeight));
  const plotLeft = LAYOUT.margin + widestText(scale.labels) + LAYOUT.tickGap;
  const plotRight = width - LAYOUT.margin;
  const categories = categoryAxis(labels, plotLeft, plotRight, { min: LAYOUT.margin / 2, max: width - LAYOUT.margin / 2 });
  const labelled = seriesCount <= LAYOUT.maxLabelledSeries && widestText(texts.flat()) + LAYOUT.labelGap <= categories.band;

  const plotTop = top + (labelled ? LAYOUT.valueRoom : TEXT_SIZE / 2);
  const plotBottom = height - LAYOUT.margin / 2 - categories.height;
  const minPlotHeight = Math.max(60, seriesCount * LAYOUT.labelPitch);
  if (plotBottom - plotTop < minPlotHeight) {
    throw new RangeError(`a line chart ${height} high leaves no room for its lines; give it more height`);
  }
  const unit = (plotBottom - plotTop) / (scale.max - scale.min);
  const yOf = (value: number): number => plotTop + (scale.max - value) * unit;
  const axisY = scale.min <= 0 && scale.max >= 0 ? yOf(0) : plotBottom;

  scale.ticks.forEach((tick, i) => {
    const y = yOf(tick);
    if (Math.abs(y - axisY) > 0.5) shapes.push(lineShape('gridline', { x: plotLeft, y }, { x: plotRight, y }, GRIDLINE));
    shapes.push(textShape('tick-label', { x: plotLeft - LAYOUT.tickGap, y }, 'end', scale.labels[i]));
  });
  shapes.push(lineShape('axis', { x: plotLeft, y: axisY }, { x: plotRight, y: axisY }, AXIS));

  const points: Point[][] = series.map((_, s) => values.map((row, c) => ({ x: categories.centers[c], y: yOf(row[s]) })));
  points.forEach((line, s) => {
    if (line.length > 1) shapes.push(polylineShape(`line series-${s + 1}`, line, seriesLineStyle(s).stroke));
  });
  points.forEach((line, s) => line.forEach((point) => shapes.push(lineMarker(seriesLineStyle(s), `line-point series-${s + 1}`, point))));

  if (labelled) {
    const limits = { top: top + TEXT_SIZE / 2, bottom: plotBottom - TEXT_SIZE / 2 - 2 };
    labels.forEach((_, c) => {
      const near = [c - 1, c, c + 1].filter((i) => i >= 0 && i < labels.length);
      // The axis counts as ink too: a label across the zero line reads badly.
      const segments = [
        { from: { x: plotLeft, y: axisY }, to: { x: plotRight, y: axisY } },
        ...points.flatMap((line) => near.slice(1).map((i) => ({ from: line[i - 1], to: line[i] }))),
      ];
      const markers = points.flatMap((line) => near.map((i) => line[i]));
      const ys = placePointLabels(
        points.map((line) => line[c]),
        texts[c].map(textWidth),
        LAYOUT.valueOffset,
        segments,
        markers,
        limits,
      );
      series.forEach((__, s) => {
        shapes.push(textShape(`line-value series-${s + 1}`, { x: categories.centers[c], y: ys[s] }, 'middle', texts[c][s]));
      });
    });
  }
  shapes.push(...categoryLabelShapes(categories, labels, plotBottom));

  return chartView(data, height, shapes);
}
