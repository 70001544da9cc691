/**
 * What a layout hands the `chart` partial: the <svg> attributes and a flat list of shapes, already
 * placed. Everything is a string so the logic-less partial prints it verbatim.
 *
 * Mustache looks a missing key up in the enclosing contexts, so a shape that lacked `rect` would
 * find some outer `rect` and print garbage. Every shape therefore carries all six element keys, the
 * one it is set and the other five `false`, and every shape object carries all of its fields.
 *
 * Each shape has a `class` a stylesheet may target, and grayscale presentation attributes so the
 * chart reads in black-and-white print with no CSS at all; any CSS rule on the class overrides
 * them (presentation attributes lose to every author rule).
 */
import { formatFixed } from '../view/chineseFormat';
import type { ChartKind } from './ChartSpec';

export interface ChartView {
  kind: ChartKind;
  title: string;
  width: string;
  height: string;
  viewBox: string;
  shapes: ChartShape[];
}

export interface RectShape {
  class: string;
  x: string;
  y: string;
  width: string;
  height: string;
  fill: string;
  stroke: string;
  strokeWidth: string;
}

export interface LineShape {
  class: string;
  x1: string;
  y1: string;
  x2: string;
  y2: string;
  stroke: string;
  strokeWidth: string;
  /** stroke-dasharray; `'none'` for a solid line. */
  dash: string;
}

export interface PathShape {
  class: string;
  d: string;
  fill: string;
  stroke: string;
  strokeWidth: string;
}

export interface CircleShape {
  class: string;
  cx: string;
  cy: string;
  r: string;
  fill: string;
  stroke: string;
  strokeWidth: string;
}

export type TextAnchor = 'start' | 'middle' | 'end';

export interface TextShape {
  class: string;
  x: string;
  y: string;
  /** text-anchor. */
  anchor: TextAnchor;
  /** dominant-baseline: always `central`, so `y` is the middle of the text and layouts need no font metrics. */
  baseline: 'central';
  content: string;
  fill: string;
}

export interface PolylineShape {
  class: string;
  /** `x,y x,y …` */
  points: string;
  fill: string;
  stroke: string;
  strokeWidth: string;
  dash: string;
}

interface ShapeKinds {
  rect: RectShape;
  line: LineShape;
  path: PathShape;
  circle: CircleShape;
  text: TextShape;
  polyline: PolylineShape;
}

/** Exactly one of the six keys holds a shape; the other five are `false` (see above). */
export type ChartShape = { [K in keyof ShapeKinds]: { [P in keyof ShapeKinds]: P extends K ? ShapeKinds[P] : false } }[keyof ShapeKinds];

const NO_SHAPE = { rect: false, line: false, path: false, circle: false, text: false, polyline: false } as const;

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Fill and outline of a closed shape; colours as `#rrggbb` or `'none'`, widths as strings. */
export interface Paint {
  readonly fill: string;
  readonly stroke: string;
  readonly strokeWidth: string;
}

/** How an open shape (line, polyline) is stroked. */
export interface Stroke {
  readonly stroke: string;
  readonly strokeWidth: string;
  readonly dash: string;
}

/** Coordinates print with two decimals; formatFixed never yields "-0.00". */
export const coordinate = (value: number): string => formatFixed(value, 2);

/** The view of a laid-out chart: its view box is its size, in user units from the origin. */
export function chartView(chart: { readonly kind: ChartKind; readonly title: string; readonly width: number }, height: number, shapes: ChartShape[]): ChartView {
  const [width, tall] = [coordinate(chart.width), coordinate(height)];
  return { kind: chart.kind, title: chart.title, width, height: tall, viewBox: `0 0 ${width} ${tall}`, shapes };
}

export function rectShape(className: string, box: Box, paint: Paint): ChartShape {
  return {
    ...NO_SHAPE,
    rect: {
      class: className,
      x: coordinate(box.x),
      y: coordinate(box.y),
      width: coordinate(box.width),
      height: coordinate(box.height),
      fill: paint.fill,
      stroke: paint.stroke,
      strokeWidth: paint.strokeWidth,
    },
  };
}

export function lineShape(className: string, from: Point, to: Point, stroke: Stroke): ChartShape {
  return {
    ...NO_SHAPE,
    line: {
      class: className,
      x1: coordinate(from.x),
      y1: coordinate(from.y),
      x2: coordinate(to.x),
      y2: coordinate(to.y),
      stroke: stroke.stroke,
      strokeWidth: stroke.strokeWidth,
      dash: stroke.dash,
    },
  };
}

/** An open polyline, never filled (a filled one would shade the area under a line chart). */
export function polylineShape(className: string, points: readonly Point[], stroke: Stroke): ChartShape {
  return {
    ...NO_SHAPE,
    polyline: {
      class: className,
      points: points.map((p) => `${coordinate(p.x)},${coordinate(p.y)}`).join(' '),
      fill: 'none',
      stroke: stroke.stroke,
      strokeWidth: stroke.strokeWidth,
      dash: stroke.dash,
    },
  };
}

/** `d` is built by the caller from coordinate() strings (see layoutPie.ts, lineMarker.ts). */
export function pathShape(className: string, d: string, paint: Paint): ChartShape {
  return { ...NO_SHAPE, path: { class: className, d, fill: paint.fill, stroke: paint.stroke, strokeWidth: paint.strokeWidth } };
}

export function circleShape(className: string, center: Point, r: number, paint: Paint): ChartShape {
  return {
    ...NO_SHAPE,
    circle: {
      class: className,
      cx: coordinate(center.x),
      cy: coordinate(center.y),
      r: coordinate(r),
      fill: paint.fill,
      stroke: paint.stroke,
      strokeWidth: paint.strokeWidth,
    },
  };
}

/** Text is black unless a stylesheet says otherwise: grays would blur small print. */
export function textShape(className: string, at: Point, anchor: TextAnchor, content: string): ChartShape {
  return {
    ...NO_SHAPE,
    text: { class: className, x: coordinate(at.x), y: coordinate(at.y), anchor, baseline: 'central', content, fill: '#000000' },
  };
}
