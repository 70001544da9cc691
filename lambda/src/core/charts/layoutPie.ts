/**
 * pie and donut: shares of a whole (the three industries), one slice per row, clockwise from
 * 12 o'clock in row order. Slices are grays that differ from their neighbours, with white
 * separators (chartPaint.ts).
 *
 * Every slice is labelled `<label> <share>%` outside the circle, in a column left or right of it,
 * joined to its slice by a leader line. Labels on one side are spread apart vertically
 * (spreadLabels.ts), so even a 1 % slice between two others gets a legible label. Shares are
 * rounded to `decimals` and add up to exactly 100 (percentShares.ts); the slices are drawn from
 * the printed shares, so a slice and its label agree. `unit` is not printed: the labels are shares.
 *
 * The donut's hole stays empty: the caption names the whole, and a total would need a unit and
 * wording the template knows better.
 *
 * Height: 220 by default, more when one side has more labels than fit. The radius is what the
 * height and the label columns leave, at most 110.
 */
import { formatFixed } from '../view/chineseFormat';
import { LEADER, slicePaint } from './chartPaint';
import { chartView, coordinate, pathShape, polylineShape, textShape, type ChartShape, type ChartView, type Point } from './ChartView';
import { percentShares } from './percentShares';
import type { ChartData } from './readChartData';
import { spreadLabels } from './spreadLabels';
import { TEXT_SIZE, widestText } from './textWidth';

export const PIE_DEFAULT_HEIGHT = 220;

const LAYOUT = {
  margin: 8,
  maxRadius: 110,
  minRadius: 40,
  /** Donut: inner radius over outer. */
  hole: 0.55,
  /** Leader: radial part beyond the circle, then to the label column. */
  elbow: 10,
  column: 20,
  /** Between a leader's end and its label. */
  labelGap: 4,
  labelPitch: TEXT_SIZE + 2,
  /** Clearance above and below the circle for the labels at 12 and 6 o'clock. */
  verticalRoom: 20,
} as const;

const FULL_TURN = 2 * Math.PI;

/** A point at `angle` (radians clockwise from 12 o'clock) and `radius` from `center`. */
const polar = (center: Point, radius: number, angle: number): Point => ({
  x: center.x + radius * Math.sin(angle),
  y: center.y - radius * Math.cos(angle),
});

const at = (p: Point): string => `${coordinate(p.x)} ${coordinate(p.y)}`;

/**
 * Arc commands from the current point (at angle `from`) to angle `to`, clockwise when to > from.
 * Split into pieces of at most half a turn, so the large-arc flag is always 0 and a full circle
 * (whose start and end coincide, which one SVG arc cannot draw) works too.
 */
function arcs(center: Point, radius: number, from: number, to: number): string {
  const pieces = Math.max(1, Math.ceil(Math.abs(to - from) / Math.PI - 1e-9));
  const sweep = to > from ? 1 : 0;
  const r = coordinate(radius);
  return Array.from({ length: pieces }, (_, i) => `A ${r} ${r} 0 0 ${sweep} ${at(polar(center, radius, from + ((to - from) * (i + 1)) / pieces))}`).join(' ');
}

function slicePath(center: Point, outer: number, inner: number, from: number, to: number): string {
  const full = to - from >= FULL_TURN - 1e-9;
  if (inner === 0) {
    return full
      ? `M ${at(polar(center, outer, from))} ${arcs(center, outer, from, to)} Z`
      : `M ${at(center)} L ${at(polar(center, outer, from))} ${arcs(center, outer, from, to)} Z`;
  }
  // A full ring is two circles in opposite directions (the inner one cuts the hole); a part ring
  // is one outline, so no separator is drawn across the ring at 12 o'clock.
  return full
    ? `M ${at(polar(center, outer, from))} ${arcs(center, outer, from, to)} Z M ${at(polar(center, inner, to))} ${arcs(center, inner, to, from)} Z`
    : `M ${at(polar(center, outer, from))} ${arcs(center, outer, from, to)} L ${at(polar(center, inner, to))} ${arcs(center, inner, to, from)} Z`;
}

export function layoutPie(data: ChartData): ChartView {
  const { width, labels } = data;
  const shares = percentShares(
    data.values.map((row) => row[0]),
    data.decimals,
  );
  const texts = shares.map((share, i) => `${labels[i]} ${formatFixed(share, data.decimals)}%`);
  let start = 0;
  const slices = shares.map((share, i) => {
    const from = start;
    const to = i === shares.length - 1 ? FULL_TURN : from + (share / 100) * FULL_TURN;
    start = to;
    const middle = (from + to) / 2;
    // 12 o'clock to 6 o'clock (inclusive) labels right, the rest left.
    return { from, to, middle, right: middle <= Math.PI + 1e-9 };
  });

  const perSide = Math.max(slices.filter((s) => s.right).length, slices.filter((s) => !s.right).length);
  const labelsHeight = (perSide - 1) * LAYOUT.labelPitch + TEXT_SIZE + LAYOUT.margin;
  if (data.height !== undefined && data.height < labelsHeight) {
    throw new RangeError(`a ${data.kind} chart with ${perSide} labels on one side needs a height of at least ${labelsHeight}, got ${data.height}`);
  }
  const height = data.height ?? Math.max(PIE_DEFAULT_HEIGHT, labelsHeight);

  const widest = Math.max(widestText(texts.filter((_, i) => slices[i].right)), widestText(texts.filter((_, i) => !slices[i].right)));
  const radius = Math.min(
    LAYOUT.maxRadius,
    height / 2 - LAYOUT.verticalRoom,
    width / 2 - LAYOUT.column - LAYOUT.labelGap - widest - LAYOUT.margin,
  );
  if (radius < LAYOUT.minRadius) {
    throw new RangeError(`the ${data.kind} labels are too long for a chart ${width} × ${height}; shorten them or enlarge the chart`);
  }
  const inner = data.kind === 'donut' ? radius * LAYOUT.hole : 0;
  const center = { x: width / 2, y: height / 2 };

  const shapes: ChartShape[] = [];
  slices.forEach((slice, i) => {
    // A zero share has no area; its label still says so.
    if (shares[i] > 0) {
      shapes.push(pathShape(`slice slice-${i + 1}`, slicePath(center, radius, inner, slice.from, slice.to), slicePaint(i, slices.length)));
    }
  });

  const lowest = LAYOUT.margin / 2 + TEXT_SIZE / 2;
  const highest = height - LAYOUT.margin / 2 - TEXT_SIZE / 2;
  const leaders: ChartShape[] = [];
  const labelShapes: ChartShape[] = [];
  for (const right of [true, false]) {
    const side = slices.map((slice, i) => ({ slice, i })).filter(({ slice }) => slice.right === right);
    // Each label level with its leader's elbow, then spread so none touch.
    const wanted = side.map(({ slice }) => polar(center, radius + LAYOUT.elbow, slice.middle).y);
    const placed = spreadLabels(wanted, LAYOUT.labelPitch, lowest, highest);
    const direction = right ? 1 : -1;
    side.forEach(({ slice, i }, k) => {
      const y = placed[k];
      const end = { x: center.x + direction * (radius + LAYOUT.column), y };
      leaders.push(polylineShape('slice-leader', [polar(center, radius, slice.middle), polar(center, radius + LAYOUT.elbow, slice.middle), end], LEADER));
      labelShapes.push(textShape('slice-label', { x: end.x + direction * LAYOUT.labelGap, y }, right ? 'start' : 'end', texts[i]));
    });
  }
  shapes.push(...leaders, ...labelShapes);

  return chartView(data, height, shapes);
}
