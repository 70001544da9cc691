/**
 * The configuration table is the one list of variables: loadConfig reads each of them, and the
 * tables in README.md and docs/ are generated from it (`npm run docs:config`). The stack's side
 * is checked on the synthesized template (test/infra/stack.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configTableMarkers, withConfigTables } from '../../lambda/src/config/configDocs';
import { CONFIG_SECTIONS, CONFIG_TABLE, ENV, configMarkdownTable } from '../../lambda/src/config/configTable';
import { loadConfig } from '../../lambda/src/config/loadConfig';

const root = resolve(__dirname, '..', '..');

/** A valid value other than the default for every variable; a new variable needs one here. */
const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  TEMPLATES_DIR: '/srv/sample-templates',
  FONTCONFIG_FILE: '/srv/sample-fonts.conf',
  CHROMIUM_PATH: '/srv/sample-chrome',
  CHROMIUM_PACK_DIR: '/srv/sample-pack',
  FONTS_PACK: '/srv/sample-fonts.tar.gz',
  FONTS_EXTENDED_PACK: '/srv/sample-fonts-extended.tar.gz',
  REPORTS_BUCKET: 'sample-bucket',
  S3_REGION: 'ap-east-1',
  S3_ENDPOINT: 'http://127.0.0.1:9999',
  BATCH_STATE_MACHINE_ARN: 'arn:aws:states:ap-east-1:123456789012:stateMachine:Sample',
  SFN_ENDPOINT: 'http://127.0.0.1:9998',
  LOCAL_S3_DIR: '/srv/sample-s3',
  PLAYGROUND_DIR: '/srv/sample-playground',
  POWERTOOLS_LOG_LEVEL: 'TRACE',
  POWERTOOLS_SERVICE_NAME: 'sample-service',
};

function sampleOf(name: keyof typeof CONFIG_TABLE): string {
  const spec = CONFIG_TABLE[name];
  if (spec.kind === 'int') return String(spec.default === spec.max ? spec.min : spec.max);
  if (spec.kind === 'boolean') return String(!spec.default);
  const sample = SAMPLE_VALUES[name];
  if (sample === undefined) throw new Error(`give ${name} a sample value in SAMPLE_VALUES`);
  return sample;
}

describe('configuration table', () => {
  const names = Object.keys(CONFIG_TABLE) as (keyof typeof CONFIG_TABLE)[];

  it.each(names)('loadConfig reads %s', (name) => {
    const before = JSON.stringify(loadConfig({}));
    const after = JSON.stringify(loadConfig({ [name]: sampleOf(name) }));
    expect(after).not.toEqual(before);
  });

  it('names every variable once, by its own name, in a known section', () => {
    expect(Object.entries(ENV).every(([key, value]) => key === value)).toBe(true);
    for (const name of names) expect(CONFIG_SECTIONS).toContain(CONFIG_TABLE[name].section);
    expect(() => configMarkdownTable(['nope' as never])).toThrow(/no configuration section nope/);
  });

  const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

  it.each(docs)('%s shows the tables generated from it (npm run docs:config)', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    expect(withConfigTables(text)).toEqual(text);
  });

  it('lists every variable in the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(configTableMarkers(readme)).toContainEqual([]);
    for (const name of names) expect(readme).toContain(`| \`${name}\` |`);
  });

  it('notices a stale table', () => {
    const stale = '<!-- config-table: http -->\n| Variable | Default | Meaning |\n| `MAX_BODY_BYTES` | 1 | old |\n<!-- /config-table -->';
    expect(withConfigTables(stale)).not.toEqual(stale);
    expect(withConfigTables(stale)).toContain(configMarkdownTable(['http']));
  });
});
