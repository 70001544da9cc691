/** JSON pointers (RFC 6901), as every error detail names the field it is about: `/economy/gdp`. */

/** One reference token: `~` and `/` inside a key are written `~0` and `~1`. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer of a path: `['economy', 'gdp']` → `/economy/gdp`; `[]` → `` (the whole document). */
export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${escapePointerSegment(String(segment))}`).join('');
}
