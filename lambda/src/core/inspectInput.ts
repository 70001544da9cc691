/**
 * Shape checks every piece of report data passes before its template's schema sees it. The schema
 * describes what a report may contain; these checks protect the code that handles *any* input:
 * recursion depth (validators and serialisers recurse), sheer size, keys that pollute prototypes
 * when data is merged into objects, and characters that corrupt or disguise text (lone
 * surrogates, NUL and other control characters, bidirectional overrides as in "Trojan Source").
 */
import type { ErrorDetail } from './errors';
import { escapePointerSegment as escapePointer } from './jsonPointer';

export interface InputLimits {
  /** Deepest nesting of objects and arrays. */
  readonly maxDepth: number;
  /** Longest string, in UTF-16 code units. */
  readonly maxStringLength: number;
  /** Longest array. */
  readonly maxArrayLength: number;
  /** Most values in the whole document. */
  readonly maxValues: number;
}

export const INPUT_LIMITS: InputLimits = Object.freeze({
  maxDepth: 32,
  maxStringLength: 10_000,
  maxArrayLength: 10_000,
  maxValues: 100_000,
});

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** C0 controls except tab, line feed and carriage return, DEL, and the C1 controls. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;
/** Bidirectional embeddings, overrides, isolates and marks. */
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const MAX_DETAILS = 50;

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function inspectString(value: string, path: string, limits: InputLimits, details: ErrorDetail[]): void {
  if (value.length > limits.maxStringLength) {
    details.push({ path, message: `is ${value.length} characters long; the limit is ${limits.maxStringLength}` });
  }
  if (!value.isWellFormed()) {
    details.push({ path, message: 'contains broken Unicode (an unpaired surrogate); save the file as UTF-8 and retype the text' });
  }
  const control = CONTROL.exec(value);
  if (control) details.push({ path, message: `contains the control character ${codePoint(control[0])}; remove it` });
  const bidi = BIDI.exec(value);
  if (bidi) {
    details.push({ path, message: `contains the bidirectional control character ${codePoint(bidi[0])}, which can disguise text; remove it` });
  }
}

/** Every problem found (at most 50), located by JSON pointer; empty when the input is acceptable. */
export function inspectInput(data: unknown, limits: InputLimits = INPUT_LIMITS): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  // Iterative walk: the point is to survive inputs too deep for recursion.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: data, path: '', depth: 0 }];
  let values = 0;
  while (stack.length > 0 && details.length < MAX_DETAILS) {
    const { value, path, depth } = stack.pop()!;
    if (++values > limits.maxValues) {
      details.push({ path: '', message: `has more than ${limits.maxValues} values; split it into smaller documents` });
      break;
    }
    if (typeof value === 'string') {
      inspectString(value, path, limits, details);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxDepth) {
      details.push({ path, message: `is nested more than ${limits.maxDepth} levels deep` });
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        details.push({ path, message: `has ${value.length} items; the limit is ${limits.maxArrayLength}` });
        continue;
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}/${i}`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const child = `${path}/${escapePointer(key)}`;
      if (RESERVED_KEYS.has(key)) {
        details.push({ path: child, message: `"${key}" is a reserved name and cannot be a field` });
        continue;
      }
      inspectString(key, child, limits, details);
      stack.push({ value: (value as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
  return details;
}
