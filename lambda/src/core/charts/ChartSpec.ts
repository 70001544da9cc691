/**
 * What a template asks for: the `{"chart": …}` node of view.json, evaluated on the data. Kept apart
 * from layoutChart.ts (which re-exports it) so the per-kind layouts can share the types without an
 * import cycle.
 */

export type ChartKind = 'hbar' | 'vbar' | 'line' | 'pie' | 'donut';

/** Every kind, for the view.json checker's messages and schema. */
export const CHART_KINDS: readonly ChartKind[] = Object.freeze(['hbar', 'vbar', 'line', 'pie', 'donut'] as const);

export interface ChartSpec {
  readonly kind: ChartKind;
  /** The accessible name (aria-label of the <svg>); the visible caption is the template's. */
  readonly title: string;
  /** Appended to value labels: `'%'`, `'亿元'`, `''`. Pie and donut label shares in % instead. */
  readonly unit: string;
  /** Values are rounded to this many places (integer 0..4) before they are drawn and labelled. */
  readonly decimals: number;
  /** SVG user units ≈ CSS px; default 588, the 156 mm GB/T 9704 text block. */
  readonly width?: number;
  /** Default per kind (see layoutChart.ts). */
  readonly height?: number;
  /** Series names when rows carry `values` (shown as a legend from two series on). */
  readonly series?: readonly string[];
}

/** One category (bar, point column, slice): either one `value` or one value per series. */
export interface ChartRow {
  readonly label: string;
  readonly value?: number;
  readonly values?: readonly number[];
}
