import { parseReportId, reportAddress } from '../../lambda/src/core/reportAddress';
import { sha256Hex } from '../../lambda/src/core/contentHash';

describe('reportAddress / parseReportId', () => {
  const hash = sha256Hex('anything');

  it('derives id and key from the template and the first 32 hex digits of the hash', () => {
    const address = reportAddress('county-annual-report', hash);
    expect(address).toEqual({
      id: `county-annual-report.${hash.slice(0, 32)}`,
      key: `reports/county-annual-report/${hash.slice(0, 32)}.pdf`,
      templateId: 'county-annual-report',
    });
    expect(parseReportId(address.id)).toEqual(address);
  });

  it.each([
    '',
    'county-annual-report',
    `county-annual-report.${'0'.repeat(31)}`,
    `county-annual-report.${'0'.repeat(33)}`,
    `county-annual-report.${'A'.repeat(32)}`,
    `County-Annual-Report.${'0'.repeat(32)}`,
    `-report.${'0'.repeat(32)}`,
    `../etc.${'0'.repeat(32)}`,
    `a/b.${'0'.repeat(32)}`,
    `a.b.${'0'.repeat(32)}`,
    `county-annual-report.${'0'.repeat(32)}.pdf`,
    `county-annual-report.${'0'.repeat(32)}\n`,
    ` county-annual-report.${'0'.repeat(32)}`,
    `${'a'.repeat(65)}.${'0'.repeat(32)}`,
  ])('refuses the malformed id %j', (id) => {
    expect(parseReportId(id)).toBeUndefined();
  });

  it('refuses to address a template id that could not be a folder name', () => {
    expect(() => reportAddress('../x', hash)).toThrow(RangeError);
    expect(() => reportAddress('ok', 'not-hex')).toThrow(RangeError);
  });
});
