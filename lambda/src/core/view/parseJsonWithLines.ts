/**
 * JSON.parse that also tells on which line each value sits, so a problem in a template's view.json
 * is reported as `view.json:<line>` where its author will look. Strict JSON (RFC 8259), plus one
 * refusal JSON.parse does not make: a key given twice in one object, which JSON.parse would settle
 * silently by keeping the last.
 */
import { escapePointerSegment as escapePointer } from '../jsonPointer';

export interface LocatedJson {
  readonly value: unknown;
  /**
   * JSON pointer → line (1-based): for an object member the line of its key, for an array element
   * the line where it starts; `""` is the document.
   */
  readonly lines: ReadonlyMap<string, number>;
}

/** Malformed JSON, with the line of the first problem. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}


const MAX_DEPTH = 64;

export function parseJsonWithLines(text: string): LocatedJson {
  const lines = new Map<string, number>();
  let pos = 0;
  let line = 1;

  const fail = (reason: string): never => {
    throw new JsonSyntaxError(line, reason);
  };
  const skipSpace = (): void => {
    for (; pos < text.length; pos++) {
      const c = text[pos];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const describe = (): string => (pos >= text.length ? 'the end of the file' : `"${text[pos]}"`);

  const parseString = (): string => {
    const start = pos;
    pos++;
    for (; pos < text.length; pos++) {
      const c = text[pos];
      if (c === '"') break;
      if (c === '\\') pos++;
      else if (c < ' ') fail('a string must not span lines or hold control characters; write \\n for a line break');
    }
    if (pos >= text.length) fail('a string is not closed with "');
    pos++;
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      return fail('a string holds an invalid escape; JSON knows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX');
    }
  };

  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

  const parseValue = (pointer: string, depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skipSpace();
    if (!lines.has(pointer)) lines.set(pointer, line);
    const c = text[pos];
    if (c === '{') {
      pos++;
      const object: Record<string, unknown> = {};
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail(`expected a key in double quotes, found ${describe()}`);
        const keyLine = line;
        const key = parseString();
        if (Object.prototype.hasOwnProperty.call(object, key)) fail(`the key "${key}" is given twice in this object`);
        skipSpace();
        if (text[pos] !== ':') fail(`expected ":" after the key "${key}", found ${describe()}`);
        pos++;
        const child = `${pointer}/${escapePointer(key)}`;
        lines.set(child, keyLine);
        // defineProperty: a key named __proto__ stays an ordinary member, as with JSON.parse.
        Object.defineProperty(object, key, { value: parseValue(child, depth + 1), enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return object;
        }
        fail(`expected "," or "}" after the value of "${key}", found ${describe()}`);
      }
    }
    if (c === '[') {
      pos++;
      const array: unknown[] = [];
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return array;
      }
      for (;;) {
        array.push(parseValue(`${pointer}/${array.length}`, depth + 1));
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return array;
        }
        fail(`expected "," or "]" in a list, found ${describe()}`);
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (number) {
      pos += number[0].length;
      return Number(number[0]);
    }
    return fail(`expected a value, found ${describe()}`);
  };

  // A byte order mark is not JSON, but editors write one; it is not worth refusing a template for.
  if (text.startsWith('\ufeff')) pos = 1;
  const value = parseValue('', 0);
  skipSpace();
  if (pos < text.length) fail(`unexpected ${describe()} after the end of the document`);
  return { value, lines };
}
