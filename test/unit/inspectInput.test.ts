import { inspectInput, INPUT_LIMITS } from '../../lambda/src/core/inspectInput';

describe('inspectInput', () => {
  it('accepts ordinary report data', () => {
    expect(inspectInput({ county: { name: '青山县', parks: ['临港园区'] }, year: 2020, note: '第一行\n第二行\t制表' })).toEqual([]);
  });

  it('rejects prototype-polluting keys wherever they are', () => {
    const data = JSON.parse('{"a": {"__proto__": {"polluted": true}}, "constructor": 1, "list": [{"prototype": 2}]}');
    expect(inspectInput(data).map((d) => d.path).sort()).toEqual(['/a/__proto__', '/constructor', '/list/0/prototype']);
  });

  it('rejects lone surrogates, NUL and other control characters, and bidi controls, naming the code point', () => {
    const details = inspectInput({ a: 'abc\ud800', b: 'x\u0000y', c: '青山\u202e县', d: 'x\u2066y', e: 'x\u0085' });
    expect(details).toEqual(
      expect.arrayContaining([
        { path: '/a', message: expect.stringContaining('unpaired surrogate') },
        { path: '/b', message: expect.stringContaining('U+0000') },
        { path: '/c', message: expect.stringContaining('U+202E') },
        { path: '/d', message: expect.stringContaining('U+2066') },
        { path: '/e', message: expect.stringContaining('U+0085') },
      ]),
    );
  });

  it('checks keys too, and escapes them in the JSON pointer', () => {
    expect(inspectInput({ 'a/b~c': { 'k\u202e': 1 } })).toEqual([{ path: '/a~1b~0c/k\u202e', message: expect.stringContaining('U+202E') }]);
  });

  it('bounds depth without recursing, even for absurdly deep input', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const details = inspectInput(deep);
    expect(details).toHaveLength(1);
    expect(details[0].message).toBe(`is nested more than ${INPUT_LIMITS.maxDepth} levels deep`);
  });

  it('bounds string length, array length and the number of values', () => {
    expect(inspectInput({ s: 'x'.repeat(INPUT_LIMITS.maxStringLength + 1) })[0].message).toMatch(/characters long; the limit is/);
    expect(inspectInput({ a: new Array(INPUT_LIMITS.maxArrayLength + 1).fill(0) })[0].message).toMatch(/items; the limit is/);
    const wide = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, new Array(600).fill(0)]));
    expect(inspectInput(wide).at(-1)?.message).toMatch(/more than 100000 values/);
  });

  it('stops after 50 problems so an error response stays small', () => {
    expect(inspectInput(Array.from({ length: 500 }, () => '\u0000'))).toHaveLength(50);
  });
});
