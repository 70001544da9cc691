/**
 * The grayscale look every chart has without a stylesheet. Official documents are often printed
 * and copied in black and white, so series are told apart by lightness, outline, dash and marker,
 * never by hue. A template's CSS may recolour any of it by class.
 */
import type { Paint, Stroke } from './ChartView';

export const BLACK = '#000000';
export const WHITE = '#ffffff';

/** Zero-to-value bars of a single series: rises dark, falls light, as the county report did in colour. */
export const BAR_UP: Paint = { fill: '#595959', stroke: 'none', strokeWidth: '0' };
export const BAR_DOWN: Paint = { fill: '#a6a6a6', stroke: 'none', strokeWidth: '0' };

/** The zero line (or the bottom of the value range). */
export const AXIS: Stroke = { stroke: BLACK, strokeWidth: '1', dash: 'none' };

/** Light enough not to compete with the data, dark enough to survive a photocopier. */
export const GRIDLINE: Stroke = { stroke: '#bfbfbf', strokeWidth: '0.75', dash: 'none' };

/** Pie leader lines: thin and black, as they carry no data. */
export const LEADER: Stroke = { stroke: BLACK, strokeWidth: '0.75', dash: 'none' };

/**
 * Grouped bars, in series order: neighbours differ strongly in lightness; the outline keeps the
 * white and the light bars visible on paper.
 */
const SERIES_BAR_FILLS = ['#404040', '#a6a6a6', WHITE, '#737373', '#d9d9d9', BLACK] as const;

export function seriesBarPaint(series: number): Paint {
  return { fill: SERIES_BAR_FILLS[series % SERIES_BAR_FILLS.length], stroke: BLACK, strokeWidth: '0.75' };
}

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';

export interface LineStyle {
  readonly stroke: Stroke;
  readonly marker: MarkerShape;
  /** A hollow marker is white inside, outlined in the line's colour. */
  readonly hollow: boolean;
}

/**
 * Lines, in series order: each differs from every other in dash pattern and in marker (shape or
 * fill), so two lines that cross stay distinguishable in black and white.
 */
const LINE_STYLES: readonly LineStyle[] = [
  { stroke: { stroke: BLACK, strokeWidth: '1.5', dash: 'none' }, marker: 'circle', hollow: false },
  { stroke: { stroke: BLACK, strokeWidth: '1.5', dash: '6 3' }, marker: 'square', hollow: true },
  { stroke: { stroke: '#595959', strokeWidth: '1.5', dash: 'none' }, marker: 'triangle', hollow: false },
  { stroke: { stroke: '#595959', strokeWidth: '1.5', dash: '2 2' }, marker: 'circle', hollow: true },
  { stroke: { stroke: BLACK, strokeWidth: '1.5', dash: '8 3 2 3' }, marker: 'diamond', hollow: false },
  { stroke: { stroke: '#595959', strokeWidth: '1.5', dash: '10 4' }, marker: 'square', hollow: false },
];

export function seriesLineStyle(series: number): LineStyle {
  return LINE_STYLES[series % LINE_STYLES.length];
}

/** Pie slices: neighbours differ in lightness; white separators keep equal grays apart. */
const SLICE_FILLS = ['#404040', '#a6a6a6', '#737373', '#d9d9d9', '#595959', '#bfbfbf'] as const;

/**
 * The fill of slice `index` of `count`. The palette cycles; where the cycle would give the last
 * slice the first slice's gray (they touch at 12 o'clock), it takes a third one.
 */
export function slicePaint(index: number, count: number): Paint {
  let shade = index % SLICE_FILLS.length;
  if (count > 1 && index === count - 1 && shade === 0) shade = 2;
  return { fill: SLICE_FILLS[shade], stroke: WHITE, strokeWidth: '1.5' };
}
