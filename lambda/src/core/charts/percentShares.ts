/**
 * Each value's share of the total in percent, rounded to `decimals` places so that the shares add
 * up to exactly 100: rounding each on its own can print 33.3 + 33.3 + 33.3 = 99.9 % (or 100.1 %)
 * under a pie, which readers take for an error. The largest-remainder method (Hamilton) rounds every
 * share down, then gives the units still missing to the largest remainders, earlier rows first on a
 * tie. No share moves by more than one unit of its last place from its own rounding; a share with a
 * value of zero stays exactly zero.
 */
export function percentShares(values: readonly number[], decimals: number): number[] {
  const total = values.reduce((sum, value) => sum + value, 0);
  if (!(total > 0) || values.some((value) => value < 0)) {
    throw new RangeError('percentShares needs non-negative values with a positive total');
  }
  const units = 100 * 10 ** decimals;
  const exact = values.map((value) => (value / total) * units);
  const floors = exact.map(Math.floor);
  let missing = units - floors.reduce((sum, floor) => sum + floor, 0);
  const byRemainder = exact.map((_, i) => i).sort((a, b) => exact[b] - floors[b] - (exact[a] - floors[a]) || a - b);
  for (const index of byRemainder) {
    if (missing <= 0) break;
    floors[index] += 1;
    missing -= 1;
  }
  return floors.map((count) => count / 10 ** decimals);
}
