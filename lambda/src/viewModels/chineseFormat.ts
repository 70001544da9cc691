/**
 * Pure helpers that turn numbers into the strings a Chinese government report prints.
 *
 * They know nothing about any template: view models combine them. Every helper rejects
 * NaN and ±Infinity with a RangeError, because printing "NaN亿元" into an official document
 * is worse than failing the render with a clear message.
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

/**
 * Writes a whole number from 0 to 99 in Chinese numerals, as set phrases such as 五大专项行动
 * need (GB/T 15835 keeps Chinese numerals in such phrases): 5 -> 五, 10 -> 十, 12 -> 十二, 40 -> 四十.
 */
export function chineseNumeral(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 99) {
    throw new RangeError(`chineseNumeral handles integers from 0 to 99, got ${String(value)}`);
  }
  if (value < 10) return CHINESE_DIGITS[value];
  const tens = Math.floor(value / 10);
  const units = value % 10;
  return `${tens === 1 ? '' : CHINESE_DIGITS[tens]}十${units === 0 ? '' : CHINESE_DIGITS[units]}`;
}

/** The year as prose: yearText(2020) === '2020年'. */
export function yearText(year: number): string {
  assertFinite(year, 'year');
  if (!Number.isInteger(year) || year < 1) {
    throw new RangeError(`year must be a positive integer, got ${String(year)}`);
  }
  return `${year}年`;
}
