/**
 * What `pdf-export check` asks of a schema for the people who fill it in: every field titled and
 * described, every figure, text and list bounded; `$ref`s followed; problems by line.
 */
import { lintSchema } from '../../lambda/src/core/lintSchema';

const text = (schema: unknown): string => JSON.stringify(schema, null, 2);

describe('lintSchema', () => {
  it('passes a schema that titles, describes and bounds everything, through $refs and list items', () => {
    const schema = {
      title: '简报',
      description: '一个县一个季度的数据。',
      type: 'object',
      properties: {
        gdp: { $ref: '#/$defs/amount', title: '地区生产总值', description: '亿元。' },
        date: { type: 'string', format: 'date', title: '日期', description: '成文日期。' },
        tags: { type: 'array', maxItems: 3, title: '产品', description: '名称。', items: { type: 'string', maxLength: 10 } },
        rows: {
          type: 'array',
          maxItems: 12,
          title: '指标',
          description: '每行一个指标。',
          items: { type: 'object', properties: { name: { type: 'string', maxLength: 12, title: '名称', description: '指标名称。' } } },
        },
      },
      $defs: { amount: { type: 'number', minimum: 0, maximum: 100000 } },
    };
    expect(lintSchema(text(schema))).toEqual([]);
  });

  it('names each missing label or bound by field and line', () => {
    const source = text({
      title: '简报',
      description: '数据。',
      type: 'object',
      properties: {
        gdp: { type: 'number', title: '地区生产总值', minimum: 0 },
        name: { type: 'string', title: '县名', description: '县名。' },
        rows: { type: 'array', title: '指标', description: '指标。', items: { type: 'object', properties: { unit: { type: 'string', maxLength: 4 } } } },
      },
    });
    const lineOf = (needle: string): number => source.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(lintSchema(source)).toEqual([
      { file: 'schema.json', line: lineOf('"gdp"'), message: expect.stringContaining('gdp has no "description"') },
      { file: 'schema.json', line: lineOf('"gdp"'), message: expect.stringContaining('gdp has no "maximum"') },
      { file: 'schema.json', line: lineOf('"name"'), message: expect.stringContaining('name has no "maxLength"') },
      { file: 'schema.json', line: lineOf('"rows"'), message: expect.stringContaining('rows has no "maxItems"') },
      { file: 'schema.json', line: lineOf('"unit"'), message: expect.stringContaining('rows[].unit has no "title"') },
      { file: 'schema.json', line: lineOf('"unit"'), message: expect.stringContaining('rows[].unit has no "description"') },
    ]);
  });

  it('reports a file that is not JSON by line', () => {
    expect(lintSchema('{\n  "type": "object",\n}')).toEqual([{ file: 'schema.json', line: 3, message: expect.stringContaining('not valid JSON') }]);
  });
});
