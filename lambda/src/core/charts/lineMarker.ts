/**
 * The point marker of a line series (also drawn in its legend swatch): circle, square, triangle or
 * diamond, filled or hollow, about 8 units across so it reads at 12 pt beside its value label.
 */
import type { LineStyle } from './chartPaint';
import { WHITE } from './chartPaint';
import { circleShape, coordinate, pathShape, rectShape, type ChartShape, type Paint, type Point } from './ChartView';

/** Half the marker's width. */
const RADIUS = 4;

const polygon = (points: readonly Point[]): string => `M ${points.map((p) => `${coordinate(p.x)} ${coordinate(p.y)}`).join(' L ')} Z`;

export function lineMarker(style: LineStyle, className: string, at: Point): ChartShape {
  const colour = style.stroke.stroke;
  const paint: Paint = style.hollow ? { fill: WHITE, stroke: colour, strokeWidth: '1.25' } : { fill: colour, stroke: colour, strokeWidth: '1' };
  const { x, y } = at;
  switch (style.marker) {
    case 'circle':
      return circleShape(className, at, RADIUS, paint);
    case 'square':
      // A square looks bigger than a circle of the same width.
      return rectShape(className, { x: x - RADIUS * 0.85, y: y - RADIUS * 0.85, width: RADIUS * 1.7, height: RADIUS * 1.7 }, paint);
    case 'triangle':
      return pathShape(className, polygon([{ x, y: y - RADIUS * 1.15 }, { x: x + RADIUS * 1.15, y: y + RADIUS * 0.85 }, { x: x - RADIUS * 1.15, y: y + RADIUS * 0.85 }]), paint);
    case 'diamond':
      return pathShape(className, polygon([{ x, y: y - RADIUS * 1.25 }, { x: x + RADIUS * 1.25, y }, { x, y: y + RADIUS * 1.25 }, { x: x - RADIUS * 1.25, y }]), paint);
  }
}
