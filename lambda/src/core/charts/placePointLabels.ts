/**
 * Where the value labels of one category of a line chart go: each above or below its point,
 * whichever choice for all of them together covers the least of the drawing.
 *
 * A label always above its point sits on the line wherever the line climbs steeply into it (a
 * point before a fall, the low end of a rise), and labels of two series at close values sit on
 * each other. With at most a few series per category, trying every above/below combination
 * (2^series) is cheap and finds the best one outright: its cost is the length of line segments
 * under the labels, plus heavy penalties for a label over another label or a marker, or outside
 * the plot, plus a small one for "below" so that ties keep the usual above. Labels that still
 * overlap are then spread apart (spreadLabels.ts).
 */
import type { Point } from './ChartView';
import { spreadLabels } from './spreadLabels';
import { TEXT_SIZE } from './textWidth';

export interface Segment {
  readonly from: Point;
  readonly to: Point;
}

interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const COST = { overLabel: 1000, outside: 1000, overMarker: 40, below: 0.5 } as const;

/** Larger than any marker's half width, so a label never touches one. */
const MARKER_REACH = 6;

/** Length of the part of segment a–b inside the box (Liang–Barsky clipping). */
function lengthInside(a: Point, b: Point, box: Box): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let enter = 0;
  let leave = 1;
  for (const [p, q] of [
    [-dx, a.x - box.left],
    [dx, box.right - a.x],
    [-dy, a.y - box.top],
    [dy, box.bottom - a.y],
  ]) {
    if (p === 0) {
      if (q < 0) return 0;
      continue;
    }
    const t = q / p;
    if (p < 0) enter = Math.max(enter, t);
    else leave = Math.min(leave, t);
    if (enter > leave) return 0;
  }
  return (leave - enter) * Math.hypot(dx, dy);
}

const overlaps = (p: Box, q: Box): boolean => p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom;

/**
 * @param points this category's points, one per series
 * @param widths their labels' widths
 * @param offset from a point's centre to its label's centre
 * @param segments the line segments that reach this category
 * @param markers every point of this category and its neighbours
 * @param limits where label centres may go
 * @returns each label's centre y, in series order
 */
export function placePointLabels(
  points: readonly Point[],
  widths: readonly number[],
  offset: number,
  segments: readonly Segment[],
  markers: readonly Point[],
  limits: { readonly top: number; readonly bottom: number },
): number[] {
  const boxAt = (i: number, y: number): Box => ({
    left: points[i].x - widths[i] / 2,
    right: points[i].x + widths[i] / 2,
    top: y - TEXT_SIZE / 2,
    bottom: y + TEXT_SIZE / 2,
  });
  let best: { cost: number; ys: number[] } = { cost: Infinity, ys: [] };
  for (let below = 0; below < 2 ** points.length; below++) {
    const ys = points.map((p, i) => (below & (1 << i) ? p.y + offset : p.y - offset));
    const boxes = ys.map((y, i) => boxAt(i, y));
    let cost = 0;
    boxes.forEach((box, i) => {
      if (below & (1 << i)) cost += COST.below;
      if (ys[i] < limits.top || ys[i] > limits.bottom) cost += COST.outside;
      for (const s of segments) cost += lengthInside(s.from, s.to, box);
      for (const m of markers) {
        if (m.x > box.left - MARKER_REACH && m.x < box.right + MARKER_REACH && m.y > box.top - MARKER_REACH && m.y < box.bottom + MARKER_REACH) cost += COST.overMarker;
      }
      for (let j = i + 1; j < boxes.length; j++) if (overlaps(box, boxes[j])) cost += COST.overLabel;
    });
    if (cost < best.cost) best = { cost, ys };
  }
  return spreadLabels(best.ys, TEXT_SIZE + 1, limits.top, limits.bottom);
}
