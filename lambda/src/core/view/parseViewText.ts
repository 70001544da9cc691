/**
 * The little language inside view.json strings: text with `${expression}` parts, where an
 * expression is a data path (`economy.gdp`, `row.label`), a literal (`'亿元'`, `1`, `true`), a list
 * (`[a, 'b']`) or a formatter call (`change(economy.gdpGrowth, compare: '同比')`). Deliberately
 * no operators, conditions or indexing: arithmetic and decisions belong in the formatter library,
 * where they are written and tested once for every template.
 */

export type Expr =
  | { readonly kind: 'path'; readonly names: readonly string[] }
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'list'; readonly items: readonly Expr[] }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly Expr[];
      readonly options: readonly { readonly name: string; readonly value: Expr }[];
    };

/** A text: literal pieces and expressions, in order. */
export type TextPart = string | Expr;

export interface ParsedText {
  readonly parts: readonly TextPart[];
  /** Set when the text is exactly one `${…}` and nothing else: the node is that expression's value. */
  readonly whole?: Expr;
}

/** A text or expression that cannot be read; `message` says where in the string and what to write. */
export class ViewTextError extends Error {}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?/y;
const MAX_NESTING = 16;

/** Parses one view.json string. `$$` is a literal `$`; a `$` before anything but `{` or `$` is itself. */
export function parseViewText(source: string): ParsedText {
  const parts: TextPart[] = [];
  let literal = '';
  let pos = 0;
  const fail = (reason: string, at = pos): never => {
    throw new ViewTextError(`${reason} (at character ${at + 1} of ${JSON.stringify(source.length > 60 ? `${source.slice(0, 57)}…` : source)})`);
  };

  const skipSpace = (): void => {
    while (pos < source.length && /\s/.test(source[pos])) pos++;
  };
  const readName = (): string | undefined => {
    NAME.lastIndex = pos;
    const m = NAME.exec(source);
    if (!m) return undefined;
    pos += m[0].length;
    return m[0];
  };

  const parseString = (): Expr => {
    const start = pos;
    pos++; // the opening '
    let value = '';
    while (pos < source.length && source[pos] !== "'") {
      if (source[pos] === '\\' && (source[pos + 1] === "'" || source[pos + 1] === '\\')) pos++;
      value += source[pos++];
    }
    if (pos >= source.length) fail("a text in '…' is not closed", start);
    pos++;
    return { kind: 'literal', value };
  };

  const parseExpr = (depth: number): Expr => {
    if (depth > MAX_NESTING) fail(`expressions nest deeper than ${MAX_NESTING} levels`);
    skipSpace();
    const c = source[pos];
    if (c === "'") return parseString();
    if (c === '"') fail("write texts inside ${…} in single quotes: 'text'");
    if (c === '[') {
      pos++;
      const items: Expr[] = [];
      skipSpace();
      if (source[pos] === ']') {
        pos++;
        return { kind: 'list', items };
      }
      for (;;) {
        items.push(parseExpr(depth + 1));
        skipSpace();
        if (source[pos] === ',') {
          pos++;
          continue;
        }
        if (source[pos] === ']') {
          pos++;
          return { kind: 'list', items };
        }
        return fail('expected , or ] in a list');
      }
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(source);
    if (number && (c === '-' || /\d/.test(c))) {
      pos += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const start = pos;
    const name = readName();
    if (name === undefined) return fail(pos >= source.length ? 'the expression is not finished' : `unexpected "${source[pos]}"`);
    if (name === 'true' || name === 'false') return { kind: 'literal', value: name === 'true' };
    skipSpace();
    if (source[pos] === '(') {
      pos++;
      const args: Expr[] = [];
      const options: { name: string; value: Expr }[] = [];
      skipSpace();
      if (source[pos] === ')') {
        pos++;
        return { kind: 'call', name, args, options };
      }
      for (;;) {
        skipSpace();
        const at = pos;
        const optionName = readName();
        skipSpace();
        if (optionName !== undefined && source[pos] === ':') {
          pos++;
          if (options.some((o) => o.name === optionName)) fail(`option ${optionName}: is given twice`, at);
          options.push({ name: optionName, value: parseExpr(depth + 1) });
        } else {
          pos = at;
          if (options.length > 0) fail('positional arguments come before the named options (name: value)');
          args.push(parseExpr(depth + 1));
        }
        skipSpace();
        if (source[pos] === ',') {
          pos++;
          continue;
        }
        if (source[pos] === ')') {
          pos++;
          return { kind: 'call', name, args, options };
        }
        return fail(`expected , or ) in the call of ${name}()`);
      }
    }
    const names = [name];
    while (source[pos] === '.') {
      pos++;
      const next = readName();
      if (next === undefined) fail('a name must follow "." in a data path');
      names.push(next as string);
    }
    if (source[pos] === '[') fail('data paths have no [index]; use each to go through a list', start);
    return { kind: 'path', names };
  };

  while (pos < source.length) {
    const c = source[pos];
    if (c === '$' && source[pos + 1] === '$') {
      literal += '$';
      pos += 2;
    } else if (c === '$' && source[pos + 1] === '{') {
      const open = pos;
      pos += 2;
      const expr = parseExpr(0);
      skipSpace();
      if (source[pos] !== '}') fail(pos >= source.length ? '${ is not closed with }' : `unexpected "${source[pos]}"; expected }`, pos >= source.length ? open : pos);
      pos++;
      if (literal) parts.push(literal);
      literal = '';
      parts.push(expr);
    } else {
      literal += c;
      pos++;
    }
  }
  if (literal) parts.push(literal);
  const whole = parts.length === 1 && typeof parts[0] !== 'string' ? parts[0] : undefined;
  return whole ? { parts, whole } : { parts };
}
