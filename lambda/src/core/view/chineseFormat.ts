/**
 * Pure helpers that turn numbers, lists and dates into the strings a Chinese government report
 * prints. They know nothing about any template: view.json calls them through the formatter library
 * (formatters.ts), which declares their arguments. Every helper rejects NaN and ±Infinity with a
 * RangeError, because printing "NaN亿元" into an official document is worse than failing the render
 * with a clear message.
 */

/**
 * Largest magnitude the helpers accept, counted in units of the last printed decimal: beyond it
 * doubles lose integer precision (and stringify in exponent notation), so digits would be
 * printed that the value does not have.
 */
const MAX_MAGNITUDE = Number.MAX_SAFE_INTEGER;

/** Below this an integer part is printed without separators ("2020", "1234"). */
const GROUPING_THRESHOLD = 10_000;

function assertFinite(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
  }
  if (Math.abs(value) > MAX_MAGNITUDE) {
    throw new RangeError(`${what} is too large to format: ${String(value)}`);
  }
}

function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) {
    throw new RangeError(`decimals must be an integer between 0 and 10, got ${String(decimals)}`);
  }
}

/**
 * Rounds half away from zero at `decimals` places, as statistical tables do (2.45 -> 2.5,
 * -2.45 -> -2.5). Shifting through the decimal exponent instead of multiplying avoids binary
 * artefacts such as 1.005 * 100 = 100.49999999999999.
 */
function roundHalfAwayFromZero(value: number, decimals: number): number {
  const [mantissa, exponent = '0'] = String(Math.abs(value)).split('e');
  const shifted = Math.round(Number(`${mantissa}e${Number(exponent) + decimals}`));
  const rounded = Number(`${shifted}e${-decimals}`);
  return value < 0 ? -rounded : rounded;
}

/**
 * Groups the integer part of a formatted number ("-12345.60" -> "-12,345.60") with "," every
 * three digits, but only from 10,000 on: four-digit figures stay ungrouped ("1234"), as
 * Chinese reports print them, so years and small counts read naturally.
 */
function groupIntegerPart(formatted: string): string {
  const [integerPart, fraction] = formatted.split('.');
  const sign = integerPart.startsWith('-') ? '-' : '';
  const digits = integerPart.slice(sign.length);
  const grouped =
    Number(digits) < GROUPING_THRESHOLD ? digits : digits.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? `${sign}${grouped}` : `${sign}${grouped}.${fraction}`;
}

/**
 * Formats `value` with exactly `decimals` decimals, rounding half away from zero.
 * Never returns "-0" or "-0.0": a value that rounds to zero is printed unsigned.
 *
 * formatFixed(5.25, 1) === '5.3'; formatFixed(-0.04, 1) === '0.0'; formatFixed(3, 2) === '3.00'
 */
export function formatFixed(value: number, decimals: number): string {
  assertFinite(value, 'value');
  assertDecimals(decimals);
  if (Math.abs(value) * 10 ** decimals > MAX_MAGNITUDE) {
    throw new RangeError(`value is too large to format with ${decimals} decimals: ${String(value)}`);
  }
  const rounded = roundHalfAwayFromZero(value, decimals);
  // -0 and values that round to zero from below must print unsigned.
  return (rounded === 0 ? 0 : rounded).toFixed(decimals);
}

/**
 * `formatFixed`, with the integer part grouped by "," from 10,000 on, as statistical tables and
 * chart labels print large figures: formatGrouped(1234567.891, 2) === '1,234,567.89';
 * formatGrouped(9999, 0) === '9999'; formatGrouped(-0.4, 1) === '-0.4'.
 */
export function formatGrouped(value: number, decimals: number): string {
  return groupIntegerPart(formatFixed(value, decimals));
}

/**
 * Groups the thousands of an integer (counts of 人, 户, 万元 …) with "," when its magnitude is
 * at least 10,000: 12345 -> "12,345", -1234567 -> "-1,234,567", 1234 -> "1234".
 */
export function groupThousands(value: number): string {
  assertFinite(value, 'value');
  if (!Number.isInteger(value)) {
    throw new RangeError(`groupThousands needs an integer, got ${String(value)}`);
  }
  return groupIntegerPart(String(value === 0 ? 0 : value));
}

/**
 * Formats a measured quantity (万元, 万平方米, 公里, 人, …) with at most `maxDecimals`
 * decimals: the value is rounded to `maxDecimals` places and trailing zeros are dropped,
 * so whole numbers print as integers (12 -> "12", 12.34 -> "12.3", 12.04 -> "12").
 * The integer part is grouped like {@link groupThousands} (12345.6 -> "12,345.6").
 */
export function formatQuantity(value: number, maxDecimals = 1): string {
  const fixed = formatFixed(value, maxDecimals);
  // Only the fraction loses its trailing zeros ("12.0" -> "12"; "100" stays "100").
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return groupIntegerPart(trimmed);
}

/** Money units the reports use. */
export type AmountUnit = '亿元' | '万元' | '万美元';

/**
 * Formats an amount of money by the convention of its unit:
 * - 亿元: always two decimals (123.4 -> "123.40"), integer part grouped from 10,000;
 * - 万元 and 万美元: an integer when the value is whole to one decimal, else one decimal,
 *   integer part grouped from 10,000 (12345 -> "12,345", 2345.67 -> "2345.7").
 * The unit only selects the rule and is NOT appended: templates and tables print it.
 */
export function formatAmount(value: number, unit: AmountUnit): string {
  switch (unit) {
    case '亿元':
      return groupIntegerPart(formatFixed(value, 2));
    case '万元':
    case '万美元':
      return formatQuantity(value, 1);
    default: {
      const unknown: never = unit;
      throw new RangeError(`unknown amount unit: ${String(unknown)}`);
    }
  }
}

/**
 * Formats a share in percent (占比, 覆盖率, 办复率) with at most `maxDecimals` decimals and
 * trailing zeros dropped: 33.9 -> "33.9%", 100 -> "100%", 57.84 -> "57.8%".
 */
export function formatPercent(value: number, maxDecimals = 1): string {
  return `${formatQuantity(value, maxDecimals)}%`;
}

/** Verb for a rate of change; 持平 means the rounded magnitude is zero. */
export type ChangeVerb = '增长' | '上升' | '下降' | '持平';

export interface ChangeDescription {
  verb: ChangeVerb;
  /** Unsigned magnitude with `decimals` decimals, e.g. "5.2"; "0.0" for 持平. */
  magnitude: string;
  /** "增长5.2%", "下降3.1%" or "持平". */
  text: string;
}

/**
 * Describes a signed rate of change in percent the way reports word it: 5.2 -> 增长5.2%,
 * -3.1 -> 下降3.1%, and 持平 when the magnitude rounds to zero at `decimals` places
 * (so 0.04 -> 持平, never "增长0.0%" or "增长-3.1%"). Statistical bulletins keep the decimals
 * fixed ("增长5.0%"). `risingVerb` lets a caller say 上升 for levels such as pollution.
 */
export function describeChange(
  pct: number,
  decimals = 1,
  risingVerb: '增长' | '上升' = '增长',
): ChangeDescription {
  const magnitude = formatFixed(Math.abs(pct), decimals);
  if (Number(magnitude) === 0) {
    return { verb: '持平', magnitude, text: '持平' };
  }
  const verb = pct > 0 ? risingVerb : '下降';
  return { verb, magnitude, text: `${verb}${magnitude}%` };
}

const CHINESE_DIGITS = '〇一二三四五六七八九';
const CHINESE_UNITS = ['', '十', '百', '千'];

/** Largest number {@link chineseNumeral} writes; set phrases and ordinals in reports stay far below. */
export const MAX_CHINESE_NUMERAL = 9999;

/**
 * Writes a whole number from 0 to 9999 in Chinese numerals, as set phrases such as 五大专项行动
 * need (GB/T 15835 keeps Chinese numerals in such phrases): 5 -> 五, 10 -> 十, 12 -> 十二,
 * 40 -> 四十, 105 -> 一百零五, 110 -> 一百一十, 1010 -> 一千零一十. Zero alone is 〇; a run of zeros
 * inside a number is read as one 零, trailing zeros are not read.
 */
export function chineseNumeral(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > MAX_CHINESE_NUMERAL) {
    throw new RangeError(`chineseNumeral handles integers from 0 to ${MAX_CHINESE_NUMERAL}, got ${String(value)}`);
  }
  if (value === 0) return CHINESE_DIGITS[0];
  const digits = String(value);
  let text = '';
  let zeroPending = false;
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[i]);
    if (digit === 0) {
      zeroPending = text.length > 0;
      continue;
    }
    text += `${zeroPending ? '零' : ''}${CHINESE_DIGITS[digit]}${CHINESE_UNITS[digits.length - 1 - i]}`;
    zeroPending = false;
  }
  // 十二, not 一十二; but 一百一十, where the ten follows a higher digit.
  return value >= 10 && value < 20 ? text.slice(1) : text;
}

/** A year digit by digit, as official titles and dates in words write it: 2020 -> 二〇二〇年. */
export function chineseYear(year: number): string {
  assertYear(year);
  return `${[...String(year)].map((digit) => CHINESE_DIGITS[Number(digit)]).join('')}年`;
}

function assertYear(year: number): void {
  assertFinite(year, 'year');
  if (!Number.isInteger(year) || year < 1 || year > 9999) {
    throw new RangeError(`year must be an integer from 1 to 9999, got ${String(year)}`);
  }
}

/** The year as prose: yearText(2020) === '2020年'. */
export function yearText(year: number): string {
  assertYear(year);
  return `${year}年`;
}

/** How a rank is written: 第3位 (statistics keep Arabic numerals, GB/T 15835) or 第三名. */
export type RankNumerals = 'arabic' | 'chinese';

/** A place in an order: rankText(3) === '第3位'; rankText(3, '名', 'chinese') === '第三名'. */
export function rankText(place: number, unit = '位', numerals: RankNumerals = 'arabic'): string {
  if (!Number.isInteger(place) || place < 1) throw new RangeError(`a rank must be a whole number from 1, got ${String(place)}`);
  return `第${numerals === 'chinese' ? chineseNumeral(place) : String(place)}${unit}`;
}

/** How a date is written: 2021年3月15日 (GB/T 9704 writes 成文日期 so), 2021年3月, 二〇二一年三月十五日. */
export type DateStyle = 'day' | 'month' | 'chinese';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

/**
 * A calendar date as Chinese prose, from `YYYY-MM-DD` (a JSON Schema `format: date`; a date-time's
 * date part is used as written, with no time-zone conversion): 2021-03-15 -> 2021年3月15日.
 */
export function formatDate(iso: string, style: DateStyle = 'day'): string {
  const match = typeof iso === 'string' ? ISO_DATE.exec(iso) : null;
  const [year, month, day] = match ? match.slice(1).map(Number) : [NaN, NaN, NaN];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!match || year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) {
    throw new RangeError(`a date must be written YYYY-MM-DD, got ${JSON.stringify(String(iso)).slice(0, 40)}`);
  }
  switch (style) {
    case 'day':
      return `${year}年${month}月${day}日`;
    case 'month':
      return `${year}年${month}月`;
    case 'chinese':
      return `${chineseYear(year)}${chineseNumeral(month)}月${chineseNumeral(day)}日`;
    default: {
      const unknown: never = style;
      throw new RangeError(`unknown date style: ${String(unknown)}`);
    }
  }
}

/** Names joined the way Chinese prose enumerates them: joinWith(['甲', '乙'], '、') === '甲、乙'. */
export function joinWith(items: readonly string[], separator = '、'): string {
  return items.join(separator);
}

/** The word before the last item of an enumeration. */
export type FinalConjunction = '和' | '及' | '与' | '或';

/**
 * An enumeration as a sentence says it: 甲 / 甲和乙 / 甲、乙和丙 (the enumeration comma between
 * items, the conjunction before the last one).
 */
export function joinAnd(items: readonly string[], conjunction: FinalConjunction = '和'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join('、')}${conjunction}${items[items.length - 1]}`;
}

/** How the comparison of a change is said before its verb: 增长5.2%, 同比增长5.2%, 比上年增长5.2%. */
export type Comparison = '' | '同比' | '比上年';

/**
 * A change as a predicate after a figure: "增长5.2%", "同比下降3.1%", or "与上年持平"
 * (持平 needs its comparison spelled out to read as a sentence, whatever the comparison word).
 */
export function changePhrase(pct: number, comparison: Comparison = '', risingVerb: '增长' | '上升' = '增长', decimals = 1, flat = FLAT): string {
  const change = describeChange(pct, decimals, risingVerb);
  return change.verb === '持平' ? flat : `${comparison}${change.text}`;
}

/** 持平 as a predicate; a quarter compared with the same quarter a year before says 与上年同期持平. */
export const FLAT = '与上年持平';

export interface PairWording {
  /** Both subjects together, e.g. 城镇居民和农村居民人均可支配收入. */
  readonly joint: string;
  readonly first: string;
  readonly second: string;
  readonly comparison?: Comparison;
  /** Between the two magnitudes after 分别: the seed uses "、" for incomes and "和" for the park. */
  readonly separator?: string;
  readonly risingVerb?: '增长' | '上升';
  readonly decimals?: number;
  /** The predicate for no change, after 均 when both stand still. */
  readonly flat?: string;
}

/**
 * Two changes reported in one clause. "分别增长X%、Y%" only reads correctly when both move the same
 * way, and "均增长X%" when they move by the same rounded amount; otherwise each subject gets its own
 * predicate: "城镇居民人均可支配收入增长5.0%、农村居民人均可支配收入与上年持平".
 */
export function pairedChanges(first: number, second: number, wording: PairWording): string {
  const { joint, comparison = '', separator = '、', risingVerb = '增长', decimals = 1, flat = FLAT } = wording;
  const a = describeChange(first, decimals, risingVerb);
  const b = describeChange(second, decimals, risingVerb);
  if (a.verb === '持平' && b.verb === '持平') return `${joint}均${flat}`;
  if (a.verb === b.verb && a.magnitude === b.magnitude) return `${joint}${comparison}均${a.text}`;
  if (a.verb === b.verb) return `${joint}${comparison}分别${a.verb}${a.magnitude}%${separator}${b.magnitude}%`;
  return `${wording.first}${changePhrase(first, comparison, risingVerb, decimals, flat)}、${wording.second}${changePhrase(second, comparison, risingVerb, decimals, flat)}`;
}
