/**
 * The formatter library: every call a template's view.json may make inside `${…}`. Each entry
 * declares what it takes, so a template is checked against its schema when it loads (an unknown
 * formatter, a missing option, a number where a list is wanted, an integer formatter given a
 * decimal field, a unit the formatter does not know) and refused with `view.json:<line>`. At render
 * time the implementation only sees values of the declared kinds. The wording rules themselves
 * live in chineseFormat.ts; docs/templates.md lists the library for template authors.
 */
import {
  changePhrase,
  FLAT,
  chineseNumeral,
  chineseYear,
  formatAmount,
  formatDate,
  formatFixed,
  formatGrouped,
  formatPercent,
  formatQuantity,
  groupThousands,
  joinAnd,
  joinWith,
  MAX_CHINESE_NUMERAL,
  pairedChanges,
  rankText,
  yearText,
  type AmountUnit,
  type Comparison,
  type DateStyle,
  type FinalConjunction,
  type RankNumerals,
} from './chineseFormat';
import { integerBetween, STRING, unionOf, type StaticType, type Typed } from './viewTypes';

/** What an argument must be. `values`: a string from this list, written literally in view.json. */
export type ParamKind = 'number' | 'integer' | 'string' | 'strings' | 'list' | 'any';

export interface Param {
  readonly name: string;
  readonly kind: ParamKind;
  /** The allowed strings; the argument must be a literal (or a field whose schema enumerates a subset). */
  readonly values?: readonly string[];
  /** The allowed numbers; the field's schema bounds must lie inside (minimum/maximum). */
  readonly range?: readonly [number, number];
  /** An option's value when the call leaves it out; options without one are required. */
  readonly fallback?: unknown;
}

export interface Formatter {
  /** Positional parameters, all required, in order. */
  readonly params: readonly Param[];
  /** Named options (`name: value`), after the positional arguments. */
  readonly options: readonly Param[];
  /** The type of the result, from the types of the positional arguments. */
  result(args: readonly Typed[]): StaticType;
  /** Whether an absent first argument is this formatter's business (only `default`). */
  readonly takesAbsent?: boolean;
  /**
   * An empty list as the first argument makes the result absent, like a missing value: an
   * enumeration of nothing is no text, and `default(…)` or `{{#…}}` decide what then prints.
   */
  readonly absentWhenEmpty?: boolean;
  run(args: readonly unknown[], options: Readonly<Record<string, unknown>>): unknown;
  /** One line for error messages: how the call is written. */
  readonly usage: string;
}

const DECIMALS: Param = { name: 'decimals', kind: 'integer', range: [0, 10] };
const COMPARISONS: readonly Comparison[] = ['', '同比', '比上年'];
const RISING = ['增长', '上升'] as const;
const text = (): StaticType => STRING;
/** No change, said as a predicate: 与上年持平, or 与上年同期持平 for a quarter or month against the same one a year before. */
const FLAT_OPTION: Param = { name: 'flat', kind: 'string', fallback: FLAT };

const num = (value: unknown): number => value as number;
const str = (value: unknown): string => value as string;

/** Every formatter, by the name view.json calls it with. */
export const FORMATTERS: Readonly<Record<string, Formatter>> = Object.freeze({
  fixed: {
    usage: 'fixed(number, decimals)',
    params: [{ name: 'value', kind: 'number' }, DECIMALS],
    options: [],
    result: text,
    run: ([value, decimals]) => formatFixed(num(value), num(decimals)),
  },
  grouped: {
    usage: "grouped(number, decimals: 0)",
    params: [{ name: 'value', kind: 'number' }],
    options: [{ ...DECIMALS, fallback: 0 }],
    result: text,
    run: ([value], { decimals }) => formatGrouped(num(value), num(decimals)),
  },
  amount: {
    usage: "amount(number, '亿元' | '万元' | '万美元' | '元')",
    params: [
      { name: 'value', kind: 'number' },
      { name: 'unit', kind: 'string', values: ['亿元', '万元', '万美元', '元'] },
    ],
    options: [],
    result: text,
    run: ([value, unit]) => (unit === '元' ? formatQuantity(num(value), 1) : formatAmount(num(value), unit as AmountUnit)),
  },
  count: {
    usage: 'count(integer)',
    params: [{ name: 'value', kind: 'integer' }],
    options: [],
    result: text,
    run: ([value]) => groupThousands(num(value)),
  },
  quantity: {
    usage: 'quantity(number, max: 1)',
    params: [{ name: 'value', kind: 'number' }],
    options: [{ name: 'max', kind: 'integer', range: [0, 10], fallback: 1 }],
    result: text,
    run: ([value], { max }) => formatQuantity(num(value), num(max)),
  },
  percent: {
    usage: 'percent(number, max: 1)',
    params: [{ name: 'value', kind: 'number' }],
    options: [{ name: 'max', kind: 'integer', range: [0, 10], fallback: 1 }],
    result: text,
    run: ([value], { max }) => formatPercent(num(value), num(max)),
  },
  change: {
    usage: "change(percent, compare: '' | '同比' | '比上年', rising: '增长' | '上升', decimals: 1, flat: '与上年持平')",
    params: [{ name: 'percent', kind: 'number' }],
    options: [
      { name: 'compare', kind: 'string', values: COMPARISONS, fallback: '' },
      { name: 'rising', kind: 'string', values: RISING, fallback: '增长' },
      { ...DECIMALS, fallback: 1 },
      FLAT_OPTION,
    ],
    result: text,
    run: ([pct], { compare, rising, decimals, flat }) => changePhrase(num(pct), compare as Comparison, rising as '增长' | '上升', num(decimals), str(flat)),
  },
  changes: {
    usage: "changes(percent, percent, joint: '…', first: '…', second: '…', compare: '', separator: '、', rising: '增长', decimals: 1, flat: '与上年持平')",
    params: [
      { name: 'first', kind: 'number' },
      { name: 'second', kind: 'number' },
    ],
    options: [
      { name: 'joint', kind: 'string' },
      { name: 'first', kind: 'string' },
      { name: 'second', kind: 'string' },
      { name: 'compare', kind: 'string', values: COMPARISONS, fallback: '' },
      { name: 'separator', kind: 'string', values: ['、', '和'], fallback: '、' },
      { name: 'rising', kind: 'string', values: RISING, fallback: '增长' },
      { ...DECIMALS, fallback: 1 },
      FLAT_OPTION,
    ],
    result: text,
    run: ([a, b], o) =>
      pairedChanges(num(a), num(b), {
        joint: str(o.joint),
        first: str(o.first),
        second: str(o.second),
        comparison: o.compare as Comparison,
        separator: str(o.separator),
        risingVerb: o.rising as '增长' | '上升',
        decimals: num(o.decimals),
        flat: str(o.flat),
      }),
  },
  join: {
    usage: "join(list of texts, separator: '、')",
    params: [{ name: 'items', kind: 'strings' }],
    options: [{ name: 'separator', kind: 'string', fallback: '、' }],
    absentWhenEmpty: true,
    result: text,
    run: ([items], { separator }) => joinWith(items as string[], str(separator)),
  },
  joinAnd: {
    usage: "joinAnd(list of texts, conjunction: '和' | '及' | '与' | '或')",
    params: [{ name: 'items', kind: 'strings' }],
    options: [{ name: 'conjunction', kind: 'string', values: ['和', '及', '与', '或'], fallback: '和' }],
    absentWhenEmpty: true,
    result: text,
    run: ([items], { conjunction }) => joinAnd(items as string[], conjunction as FinalConjunction),
  },
  numeral: {
    usage: `numeral(integer from 0 to ${MAX_CHINESE_NUMERAL})`,
    params: [{ name: 'value', kind: 'integer', range: [0, MAX_CHINESE_NUMERAL] }],
    options: [],
    result: text,
    run: ([value]) => chineseNumeral(num(value)),
  },
  chineseYear: {
    usage: 'chineseYear(year)',
    params: [{ name: 'year', kind: 'integer', range: [1, 9999] }],
    options: [],
    result: text,
    run: ([year]) => chineseYear(num(year)),
  },
  year: {
    usage: 'year(year)',
    params: [{ name: 'year', kind: 'integer', range: [1, 9999] }],
    options: [],
    result: text,
    run: ([year]) => yearText(num(year)),
  },
  rank: {
    usage: "rank(integer, unit: '位', numerals: 'arabic' | 'chinese')",
    params: [{ name: 'place', kind: 'integer', range: [1, MAX_CHINESE_NUMERAL] }],
    options: [
      { name: 'unit', kind: 'string', fallback: '位' },
      { name: 'numerals', kind: 'string', values: ['arabic', 'chinese'], fallback: 'arabic' },
    ],
    result: text,
    run: ([place], { unit, numerals }) => rankText(num(place), str(unit), numerals as RankNumerals),
  },
  date: {
    usage: "date(text YYYY-MM-DD, style: 'day' | 'month' | 'chinese')",
    params: [{ name: 'date', kind: 'string' }],
    options: [{ name: 'style', kind: 'string', values: ['day', 'month', 'chinese'], fallback: 'day' }],
    result: text,
    run: ([iso], { style }) => formatDate(str(iso), style as DateStyle),
  },
  length: {
    usage: 'length(list)',
    params: [{ name: 'items', kind: 'list' }],
    options: [],
    result: ([items]) => (items.type.kind === 'list' ? integerBetween(items.type.minItems, items.type.maxItems) : integerBetween(0, Infinity)),
    run: ([items]) => (items as unknown[]).length,
  },
  default: {
    usage: 'default(value, fallback)',
    params: [
      { name: 'value', kind: 'any' },
      { name: 'fallback', kind: 'any' },
    ],
    options: [],
    takesAbsent: true,
    // Either may print: a fallback of another kind or range is checked wherever the result goes.
    result: ([value, fallback]) => unionOf([value, fallback]).type,
    run: ([value, fallback]) => value ?? fallback,
  },
  text: {
    usage: 'text(integer)',
    params: [{ name: 'value', kind: 'integer' }],
    options: [],
    result: text,
    run: ([value]) => String(num(value) === 0 ? 0 : value),
  },
});
