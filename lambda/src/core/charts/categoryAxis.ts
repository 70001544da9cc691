/**
 * Categories (years, regions) side by side along the bottom of a vbar or line chart: equal bands,
 * a label centred under each. Labels too wide for their band alternate between two lines; too wide
 * even for that, the chart is refused rather than printed with labels over each other.
 */
import { textShape, type ChartShape } from './ChartView';
import { TEXT_SIZE, textWidth } from './textWidth';

export interface CategoryAxis {
  /** Width of one category's band. */
  readonly band: number;
  /** Centre of each band. */
  readonly centers: readonly number[];
  /** 1, or 2 when the labels alternate between two lines. */
  readonly lines: 1 | 2;
  /** Height the labels take below the plot, air included. */
  readonly height: number;
}

const LABEL_GAP = 4;
const LINE_PITCH = TEXT_SIZE + 2;
/** Between the plot (or the axis) and the first line of labels. */
const TOP_GAP = 4;

/** What the labels take at most (two lines), for sizing a plot before its categories. */
export const MAX_CATEGORY_AXIS_HEIGHT = TOP_GAP + 2 * LINE_PITCH;

/**
 * @param left first band's left edge; `right` the last band's right edge.
 * @param edges how far labels may reach: the chart's drawable width.
 */
export function categoryAxis(labels: readonly string[], left: number, right: number, edges: { readonly min: number; readonly max: number }): CategoryAxis {
  const band = (right - left) / labels.length;
  const centers = labels.map((_, i) => left + (i + 0.5) * band);
  const widths = labels.map(textWidth);
  // Neighbours on one line are `band` apart, on alternating lines `2 * band` apart.
  const fits = (lines: number): boolean =>
    widths.every((width, i) => {
      const next = i + lines;
      const inside = centers[i] - width / 2 >= edges.min && centers[i] + width / 2 <= edges.max;
      return inside && (next >= widths.length || (width + widths[next]) / 2 + LABEL_GAP <= lines * band);
    });
  const lines = fits(1) ? 1 : fits(2) ? 2 : undefined;
  if (lines === undefined) {
    throw new RangeError(
      `${labels.length} category labels do not fit a chart ${Math.round(right - left)} units wide, even on two lines; shorten them, use fewer categories or an hbar chart`,
    );
  }
  return { band, centers, lines, height: TOP_GAP + lines * LINE_PITCH };
}

/** The labels, their first line starting `top` (the plot's bottom edge or the axis). */
export function categoryLabelShapes(axis: CategoryAxis, labels: readonly string[], top: number): ChartShape[] {
  return labels.map((label, i) =>
    textShape('category-label', { x: axis.centers[i], y: top + TOP_GAP + TEXT_SIZE / 2 + (i % axis.lines) * LINE_PITCH }, 'middle', label),
  );
}
