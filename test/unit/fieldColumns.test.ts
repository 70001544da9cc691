/**
 * The spreadsheet columns of a template, derived from its schema: Chinese headers with units,
 * which columns are required, how headers are matched when read back, and how two fields with
 * the same title are told apart. Against the real county template and small schemas written here.
 */
import { columnLetter, fieldColumns, ID_HEADER, normalizeHeader, rangeText } from '../../lambda/src/batch/fieldColumns';
import { projectTemplates } from '../helpers/app';

const schema = projectTemplates().get('county-annual-report').schema;
const columns = fieldColumns(schema);
const byPath = (path: string) => columns.fields.find((f) => f.path === path)!;

describe('fieldColumns of county-annual-report', () => {
  it('has one column per leaf field, in schema order, headed by title and unit', () => {
    expect(columns.fields[0]).toMatchObject({ path: 'county.name', header: '县名', kind: 'text', required: true, groups: ['县情'] });
    // The title already ends with its unit: not repeated.
    expect(byPath('economy.gdp')).toMatchObject({ header: '地区生产总值（亿元）', pointer: '/economy/gdp', unit: '亿元', kind: 'number' });
    expect(byPath('economy.gdpGrowth').header).toBe('地区生产总值增速（%）');
    // The title has no unit: it is added.
    expect(byPath('year')).toMatchObject({ header: '报告年度（年）', kind: 'integer', bounds: { minimum: 2000, maximum: 2100 } });
    expect(byPath('economy.featuredCountyRanking').header).toBe('最具投资潜力特色魅力示范县榜单名次范围（强）');
    // A list of names is one column.
    expect(byPath('investment.centralEnterprises')).toMatchObject({ header: '签约央企', kind: 'list', entry: { kind: 'text' }, bounds: { minItems: 1, maxItems: 3 } });
    expect(new Set(columns.fields.map((f) => normalizeHeader(f.header))).size).toBe(columns.fields.length);
    expect(columns.fields.map((f) => f.header)).not.toContain(ID_HEADER);
  });

  it('marks a field required only when every group above it is required', () => {
    expect(byPath('economy.gdp').required).toBe(true);
    // reporter is optional, and so are its fields.
    expect(byPath('reporter.name').required).toBe(false);
    expect(byPath('reporter.office').required).toBe(false);
    expect(columns.fields.filter((f) => !f.required).map((f) => f.path)).toEqual(['reporter.name', 'reporter.office']);
  });

  it('says a range in words', () => {
    expect(rangeText(byPath('economy.gdpGrowth'))).toBe('数字，-100 至 100');
    expect(rangeText(byPath('year'))).toBe('整数，2000 至 2100');
    expect(rangeText(byPath('county.name'))).toBe('1 至 30 个字');
    expect(rangeText(byPath('investment.centralEnterprises'))).toBe('1 至 3 项，用“、”分隔；每项 1 至 30 个字');
    expect(rangeText(byPath('reform.mergedParks'))).toBe('2 项，用“、”分隔；每项 1 至 30 个字');
  });

  it('reads a header by its Chinese header, its bare title or its dotted path, whatever the width of its brackets', () => {
    const gdp = byPath('economy.gdp');
    for (const header of ['地区生产总值（亿元）', '地区生产总值(亿元)', ' 地区生产总值 （亿元） ', 'economy.gdp']) {
      expect(columns.match(header)).toEqual({ kind: 'field', field: gdp });
    }
    expect(columns.match('报告年度')).toEqual({ kind: 'field', field: byPath('year') });
    expect(columns.match('ＰＭ２．５平均浓度（微克/立方米）')).toEqual({ kind: 'field', field: byPath('ecology.pm25') });
    for (const id of ['编号', 'id', 'ID', 'Id']) expect(columns.match(id)).toEqual({ kind: 'id' });
    expect(columns.match('investment.centralEnterprises.1')).toEqual({ kind: 'entry', field: byPath('investment.centralEnterprises'), index: 1 });
  });

  it('names what is wrong with a header it cannot read', () => {
    expect(columns.match('地区生产总值(亿)')).toEqual({ kind: 'unknown', problem: '“地区生产总值(亿)”不是本模板的列；是不是“地区生产总值（亿元）”？' });
    expect(columns.match('economy.gpd')).toEqual({ kind: 'unknown', problem: '“economy.gpd”不是本模板的列；是不是“economy.gdp”？' });
    expect(columns.match('county')).toEqual({ kind: 'unknown', problem: '“county”是一组字段，请每个字段一列，如“县名”（county.name）' });
    expect(columns.match('备注').kind).toBe('unknown');
    expect(columns.match('a..b').kind).toBe('unknown');
  });

  it('finds the column of a JSON pointer, a list entry included', () => {
    expect(columns.fieldAt('/economy/gdp')?.path).toBe('economy.gdp');
    expect(columns.fieldAt('/investment/centralEnterprises/2')?.path).toBe('investment.centralEnterprises');
    expect(columns.fieldAt('/county')).toBeUndefined();
    expect(columns.fieldsUnder('/county').map((f) => f.path)).toEqual(['county.name', 'county.province', 'county.slogan']);
  });

  it('computes the columns once per schema', () => {
    expect(fieldColumns(schema)).toBe(columns);
  });
});

describe('fieldColumns of a schema with the same title twice', () => {
  const twice = {
    type: 'object',
    required: ['county', 'reporter'],
    properties: {
      county: { type: 'object', title: '县情', required: ['name'], properties: { name: { type: 'string', title: '名称' }, area: { type: 'number', title: '面积', 'x-unit': '平方公里' } } },
      reporter: { type: 'object', title: '报告人', properties: { name: { type: 'string', title: '名称' } } },
      office: { type: 'object', title: '单位', properties: { area: { type: 'number', title: '面积', 'x-unit': '平方公里' } } },
      code: { type: 'string', title: '编号' },
    },
  };
  const ambiguous = fieldColumns(twice);

  it('puts the group title in front of each clashing header, and keeps the others as they are', () => {
    expect(ambiguous.fields.map((f) => [f.path, f.header])).toEqual([
      ['county.name', '县情·名称'],
      ['county.area', '县情·面积（平方公里）'],
      ['reporter.name', '报告人·名称'],
      ['office.area', '单位·面积（平方公里）'],
      // A field titled like the id column is told apart from it too.
      ['code', '编号［code］'],
    ]);
  });

  it('reads the disambiguated headers back, and refuses the bare title that names two fields', () => {
    for (const field of ambiguous.fields) expect(ambiguous.match(field.header)).toEqual({ kind: 'field', field });
    expect(ambiguous.match('名称').kind).toBe('unknown');
    expect(ambiguous.match('编号')).toEqual({ kind: 'id' });
    expect(ambiguous.match('code')).toEqual({ kind: 'field', field: ambiguous.fields[4] });
  });
});

describe('columnLetter', () => {
  it('counts like Excel', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702, 16383].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
  });
});
