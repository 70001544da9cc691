/**
 * A value axis with round ticks (…, 0, 5, 10 / 0, 0.2, 0.4 / 0, 200, 400): steps of 1, 2 or 5 times
 * a power of ten, the fewest that keep to `maxTicks`. Readers of statistical tables expect such
 * ticks; 0, 3.7, 7.4 would make them compute.
 */
import { formatFixed, formatGrouped } from '../view/chineseFormat';

export interface NiceScale {
  /** First and last tick: the axis covers [min, max] ⊇ [low, high]. */
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
  /** Tick labels, each with the decimals the step needs (0.5 → one, 20 → none). */
  readonly labels: readonly string[];
}

const MANTISSAS = [1, 2, 5, 10] as const;

/** Ticks closer than this crowd their 12 pt labels. */
const MIN_TICK_SPACING = 32;

/** How many ticks an axis `length` units long holds: 3 to 6. */
export function ticksFor(length: number): number {
  return Math.min(6, Math.max(3, Math.floor(length / MIN_TICK_SPACING) + 1));
}

/** Guards the floor/ceil of values like 0.30000000000000004 / 0.1. */
const EPSILON = 1e-9;

export function niceScale(low: number, high: number, maxTicks: number): NiceScale {
  // Three ticks always suffice (−step, 0, step), which ends the search below.
  if (!(low <= high) || maxTicks < 3) throw new RangeError(`niceScale needs low <= high and 3 ticks or more, got ${low}, ${high}, ${maxTicks}`);
  if (low === high) {
    // One value (a single point, or all zeros): put it mid-axis rather than on an edge.
    const pad = low === 0 ? 1 : Math.abs(low) / 2;
    low -= pad;
    high += pad;
  }
  const exponent = Math.floor(Math.log10((high - low) / (maxTicks - 1)));
  for (let e = exponent; ; e++) {
    for (const mantissa of MANTISSAS) {
      const step = mantissa * 10 ** e;
      const first = Math.floor(low / step + EPSILON);
      const last = Math.ceil(high / step - EPSILON);
      if (last - first + 1 > maxTicks) continue;
      const decimals = Math.max(0, -Math.floor(Math.log10(step) + EPSILON));
      // Ticks are rebuilt from their printed form so 3 * 0.1 is 0.3, not 0.30000000000000004.
      const printed = Array.from({ length: last - first + 1 }, (_, i) => formatFixed((first + i) * step, decimals));
      const ticks = printed.map(Number);
      // Labelled like the figures in the text beside the chart: 40,000, not 40000.
      const labels = ticks.map((tick) => formatGrouped(tick, decimals));
      return { min: ticks[0], max: ticks[ticks.length - 1], step, ticks, labels };
    }
  }
}
