/**
 * An hbar chart view (lambda/src/core/charts) in the terms of the county report's former chart: per
 * row a label text, a bar and a value text, then the axis. Where the view has two numbers for what
 * was one (the y of both texts, the x of both axis ends), a disagreement shows up as a mismatching
 * value. Used by the chart library's tests and by the county report's appendix tests.
 */
import type { ChartShape, ChartView } from '../../lambda/src/core/charts/layoutChart';

export interface RecordedBar {
  label: string;
  labelX: string;
  x: string;
  y: string;
  width: string;
  height: string;
  textY: string;
  tone: string;
  value: string;
  valueX: string;
  valueAnchor: string;
}

export interface RecordedChart {
  width: string;
  height: string;
  viewBox: string;
  axis: { x: string; y1: string; y2: string };
  bars: RecordedBar[];
}

/** The shape set to `kind`, or a failure naming what was there instead. */
export function shapeOf<K extends keyof ChartShape>(shape: ChartShape | undefined, kind: K): Exclude<ChartShape[K], false> {
  const value = shape?.[kind];
  if (value === undefined || value === false) throw new Error(`expected a ${kind}, got ${JSON.stringify(shape)}`);
  return value as Exclude<ChartShape[K], false>;
}

/** `view` in the former chart's terms (see the file's comment). */
export function asRecorded(view: ChartView): RecordedChart {
  const shapes = [...view.shapes];
  const axis = shapeOf(shapes.pop(), 'line');
  expect(shapes.length % 3).toBe(0);
  const bars: RecordedBar[] = [];
  for (let i = 0; i < shapes.length; i += 3) {
    const label = shapeOf(shapes[i], 'text');
    const bar = shapeOf(shapes[i + 1], 'rect');
    const value = shapeOf(shapes[i + 2], 'text');
    bars.push({
      label: label.content,
      labelX: label.anchor === 'end' ? label.x : `anchor ${label.anchor}`,
      x: bar.x,
      y: bar.y,
      width: bar.width,
      height: bar.height,
      textY: label.y === value.y ? label.y : `${label.y} / ${value.y}`,
      tone: /^bar bar-(up|down|flat)$/.exec(bar.class)?.[1] ?? `class ${bar.class}`,
      value: value.content,
      valueX: value.x,
      valueAnchor: value.anchor,
    });
  }
  return {
    width: view.width,
    height: view.height,
    viewBox: view.viewBox,
    axis: { x: axis.x1 === axis.x2 ? axis.x1 : `${axis.x1} / ${axis.x2}`, y1: axis.y1, y2: axis.y2 },
    bars,
  };
}
