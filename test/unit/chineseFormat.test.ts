import {
  chineseNumeral,
  describeChange,
  formatAmount,
  formatFixed,
  formatPercent,
  formatQuantity,
  groupThousands,
  yearText,
} from '../../lambda/src/core/view/chineseFormat';

describe('formatFixed', () => {
  it.each([
    [5.25, 1, '5.3'],
    [-5.25, 1, '-5.3'],
    [1.005, 2, '1.01'],
    [2.675, 2, '2.68'],
    [3, 2, '3.00'],
    [0.05, 1, '0.1'],
    [123.456, 0, '123'],
    [1e-7, 1, '0.0'],
  ])('formatFixed(%p, %p) = %p (half away from zero, no binary artefacts)', (value, decimals, expected) => {
    expect(formatFixed(value, decimals)).toBe(expected);
  });

  it('never prints a negative zero', () => {
    expect(formatFixed(-0, 1)).toBe('0.0');
    expect(formatFixed(-0.04, 1)).toBe('0.0');
    expect(formatFixed(-0.004, 2)).toBe('0.00');
    expect(formatFixed(-0.4, 0)).toBe('0');
  });

  it.each([NaN, Infinity, -Infinity])('rejects %p with a RangeError', (value) => {
    expect(() => formatFixed(value, 1)).toThrow(RangeError);
    expect(() => formatFixed(value, 1)).toThrow(/finite number/);
  });

  it('rejects values too large to print exactly', () => {
    expect(() => formatFixed(1e21, 0)).toThrow(RangeError);
    expect(() => formatFixed(1e12, 10)).toThrow(/too large/);
    expect(formatFixed(1e12, 2)).toBe('1000000000000.00');
  });

  it('rejects a bad decimals argument', () => {
    expect(() => formatFixed(1, -1)).toThrow(RangeError);
    expect(() => formatFixed(1, 1.5)).toThrow(RangeError);
  });
});

describe('groupThousands', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [999, '999'],
    [2020, '2020'],
    [9999, '9999'],
    [10000, '10,000'],
    [12345, '12,345'],
    [1234567, '1,234,567'],
    [-1234567, '-1,234,567'],
  ])('groupThousands(%p) = %p (grouped from 10,000 on)', (value, expected) => {
    expect(groupThousands(value)).toBe(expected);
  });

  it('rejects non-integers and non-finite values', () => {
    expect(() => groupThousands(12.5)).toThrow(RangeError);
    expect(() => groupThousands(NaN)).toThrow(RangeError);
  });
});

describe('formatQuantity', () => {
  it.each([
    [12, 1, '12'],
    [12.34, 1, '12.3'],
    [12.04, 1, '12'],
    [12.96, 1, '13'],
    [100, 1, '100'],
    [12345.6, 1, '12,345.6'],
    [23.75, 2, '23.75'],
    [1.05, 2, '1.05'],
    [1.1, 2, '1.1'],
    [-0.01, 1, '0'],
  ])('formatQuantity(%p, %p) = %p', (value, decimals, expected) => {
    expect(formatQuantity(value, decimals)).toBe(expected);
  });
});

describe('formatAmount', () => {
  it('prints 亿元 with two decimals', () => {
    expect(formatAmount(123.4, '亿元')).toBe('123.40');
    expect(formatAmount(386.425, '亿元')).toBe('386.43');
    expect(formatAmount(0, '亿元')).toBe('0.00');
    expect(formatAmount(12345.678, '亿元')).toBe('12,345.68');
  });

  it('prints 万元 and 万美元 as integers when whole, else with one decimal, grouped from 10,000', () => {
    expect(formatAmount(860, '万美元')).toBe('860');
    expect(formatAmount(12680, '万美元')).toBe('12,680');
    expect(formatAmount(15420.5, '万元')).toBe('15,420.5');
    expect(formatAmount(2345.67, '万元')).toBe('2345.7');
    expect(formatAmount(2345.04, '万元')).toBe('2345');
  });

  it('rejects NaN', () => {
    expect(() => formatAmount(NaN, '亿元')).toThrow(RangeError);
  });
});

describe('formatPercent', () => {
  it.each([
    [33.9, '33.9%'],
    [100, '100%'],
    [57.84, '57.8%'],
    [60, '60%'],
    [0, '0%'],
  ])('formatPercent(%p) = %p', (value, expected) => {
    expect(formatPercent(value)).toBe(expected);
  });

  it('rejects Infinity', () => {
    expect(() => formatPercent(Infinity)).toThrow(RangeError);
  });
});

describe('describeChange', () => {
  it('words increases, decreases and 持平', () => {
    expect(describeChange(5.2)).toEqual({ verb: '增长', magnitude: '5.2', text: '增长5.2%' });
    expect(describeChange(-3.1)).toEqual({ verb: '下降', magnitude: '3.1', text: '下降3.1%' });
    expect(describeChange(0)).toEqual({ verb: '持平', magnitude: '0.0', text: '持平' });
  });

  it('keeps the decimals fixed, as statistical bulletins do', () => {
    expect(describeChange(5).text).toBe('增长5.0%');
    expect(describeChange(-50).text).toBe('下降50.0%');
    expect(describeChange(8.25).text).toBe('增长8.3%');
    expect(describeChange(8.25, 2).text).toBe('增长8.25%');
  });

  it('says 持平 exactly when the magnitude rounds to zero', () => {
    expect(describeChange(0.04).verb).toBe('持平');
    expect(describeChange(-0.04).verb).toBe('持平');
    expect(describeChange(-0).verb).toBe('持平');
    expect(describeChange(0.05).text).toBe('增长0.1%');
    expect(describeChange(-0.05).text).toBe('下降0.1%');
    expect(describeChange(0.004, 2).verb).toBe('持平');
    expect(describeChange(0.005, 2).text).toBe('增长0.01%');
  });

  it('never produces a signed magnitude', () => {
    for (const pct of [-100, -18.9, -0.06, 0.06, 250]) {
      expect(describeChange(pct).magnitude).not.toContain('-');
      expect(describeChange(pct).text).not.toMatch(/增长-|下降-/);
    }
  });

  it('can say 上升 for levels such as pollution', () => {
    expect(describeChange(3.2, 1, '上升').text).toBe('上升3.2%');
    expect(describeChange(-3.2, 1, '上升').text).toBe('下降3.2%');
  });

  it.each([NaN, Infinity])('rejects %p', (value) => {
    expect(() => describeChange(value)).toThrow(RangeError);
  });
});

describe('chineseNumeral', () => {
  it.each([
    [0, '〇'],
    [2, '二'],
    [5, '五'],
    [10, '十'],
    [12, '十二'],
    [40, '四十'],
    [99, '九十九'],
  ])('chineseNumeral(%p) = %p', (value, expected) => {
    expect(chineseNumeral(value)).toBe(expected);
  });

  it('rejects numbers it cannot write', () => {
    expect(() => chineseNumeral(10_000)).toThrow(RangeError);
    expect(() => chineseNumeral(-1)).toThrow(RangeError);
    expect(() => chineseNumeral(2.5)).toThrow(RangeError);
  });
});

describe('yearText', () => {
  it('appends 年 without grouping', () => {
    expect(yearText(2020)).toBe('2020年');
  });

  it('rejects non-years', () => {
    expect(() => yearText(2020.5)).toThrow(RangeError);
    expect(() => yearText(NaN)).toThrow(RangeError);
    expect(() => yearText(0)).toThrow(RangeError);
  });
});
