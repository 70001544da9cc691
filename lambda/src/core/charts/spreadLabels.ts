/**
 * Moves labels along one axis as little as possible so that no two are closer than `gap`, staying
 * within [low, high]: pie labels down each side, the value labels of several lines at one year.
 *
 * Labels keep their order. Overlapping labels merge into a block centred on their wanted
 * positions, which is then kept inside the bounds; blocks that come to overlap merge again. This
 * spreads a cluster both ways instead of pushing everything down (the usual one-pass method), so
 * each label stays near what it labels.
 */

interface Block {
  /** Indices into the wanted positions, in order. */
  readonly members: number[];
  /** Position of the first member; the others follow at `gap`. */
  start: number;
}

/**
 * @returns the position of each label, in the order given.
 * @throws RangeError when the labels cannot fit: (count - 1) * gap > high - low.
 */
export function spreadLabels(wanted: readonly number[], gap: number, low: number, high: number): number[] {
  if (wanted.length === 0) return [];
  if ((wanted.length - 1) * gap > high - low + 1e-9) {
    throw new RangeError(`${wanted.length} labels need ${(wanted.length - 1) * gap} units apart but only ${high - low} are free`);
  }
  const order = wanted.map((_, i) => i).sort((a, b) => wanted[a] - wanted[b] || a - b);
  const place = (block: Block): void => {
    const mean = block.members.reduce((sum, member, k) => sum + wanted[member] - k * gap, 0) / block.members.length;
    block.start = Math.min(Math.max(mean, low), high - (block.members.length - 1) * gap);
  };
  const blocks: Block[] = [];
  for (const index of order) {
    const block: Block = { members: [index], start: 0 };
    place(block);
    blocks.push(block);
    // Merge backwards while the new block overlaps the one before it.
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const before = blocks[blocks.length - 2];
      if (before.start + before.members.length * gap <= last.start + 1e-9) break;
      blocks.pop();
      before.members.push(...last.members);
      place(before);
    }
  }
  const positions = new Array<number>(wanted.length);
  for (const block of blocks) block.members.forEach((member, k) => (positions[member] = block.start + k * gap));
  return positions;
}
