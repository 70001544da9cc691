/** The download name of a report: readable Chinese, safe on every file system, RFC 5987-encoded. */
import { reportFileName } from '../../lambda/src/core/reportFileName';
import { contentDisposition, fileNameOfContentDisposition } from '../../lambda/src/core/contentDisposition';

describe('reportFileName', () => {
  it('keeps a Chinese title as it is', () => {
    expect(reportFileName('青山县2020年述学述职述廉述法报告', 't')).toBe('青山县2020年述学述职述廉述法报告.pdf');
  });

  it('removes characters file systems refuse and collapses white space', () => {
    expect(reportFileName('a/b\\c:d*e?f"g<h>i|j\u0000k\u202e  l\n', 't')).toBe('a b c d e f g h i j k l.pdf');
    expect(reportFileName('..报告..', 't')).toBe('报告.pdf');
  });

  it('falls back when nothing is left and cuts long titles by code point', () => {
    expect(reportFileName(' / ', 'county-annual-report')).toBe('county-annual-report.pdf');
    const long = reportFileName('县'.repeat(200), 't');
    expect([...long]).toHaveLength(80 + 4);
    expect(reportFileName('𠀀'.repeat(100), 't')).toBe(`${'𠀀'.repeat(80)}.pdf`);
  });
});

describe('contentDisposition', () => {
  it('writes an RFC 6266 attachment with an RFC 5987 UTF-8 name and an ASCII fallback', () => {
    const header = contentDisposition('青山县2020年报告.pdf');
    expect(header).toBe(
      `attachment; filename="_2020_.pdf"; filename*=UTF-8''%E9%9D%92%E5%B1%B1%E5%8E%BF2020%E5%B9%B4%E6%8A%A5%E5%91%8A.pdf`,
    );
    expect(fileNameOfContentDisposition(header)).toBe('青山县2020年报告.pdf');
  });

  it('encodes the characters RFC 5987 does not allow bare and keeps the header ASCII', () => {
    const name = `报告 (第1版) 'x'*"y"\\.pdf`;
    const header = contentDisposition(name);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    const extended = /filename\*=UTF-8''(.*)$/.exec(header)?.[1] ?? '';
    expect(extended).toMatch(/^[A-Za-z0-9!#$&+.^_`|~%-]+$/);
    expect(fileNameOfContentDisposition(header)).toBe(name);
    // The quoted fallback cannot be broken out of.
    expect(/filename="([^"]*)"/.exec(header)?.[1]).toBe(`_ (_1_) 'x'*y.pdf`);
  });

  it('takes an explicit ASCII fallback for clients that ignore filename*', () => {
    expect(contentDisposition('青山县报告.pdf', 'county-annual-report-0123.pdf')).toBe(
      `attachment; filename="county-annual-report-0123.pdf"; filename*=UTF-8''%E9%9D%92%E5%B1%B1%E5%8E%BF%E6%8A%A5%E5%91%8A.pdf`,
    );
  });

  it('returns undefined for headers it did not write', () => {
    expect(fileNameOfContentDisposition('attachment; filename="a.pdf"')).toBeUndefined();
    expect(fileNameOfContentDisposition(`attachment; filename*=UTF-8''%E9%9D`)).toBeUndefined();
  });
});
