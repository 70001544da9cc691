/** The county-annual-report template's files, read the way the unit tests need them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountyAnnualReportData } from '../../../lambda/src/viewModels/countyAnnualReport';

const repoRoot = join(__dirname, '..', '..', '..');
export const templateDir = join(repoRoot, 'templates', 'county-annual-report');

export const readTemplateHtml = (): string => readFileSync(join(templateDir, 'template.html'), 'utf8');
export const readStyleCss = (): string => readFileSync(join(templateDir, 'style.css'), 'utf8');
export const readSchema = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(templateDir, 'schema.json'), 'utf8')) as Record<string, unknown>;

/** Every sample as [file name without .json, data], sorted by name. */
export function readSamples(): Array<[string, CountyAnnualReportData]> {
  const dir = join(templateDir, 'samples');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => [name.slice(0, -'.json'.length), JSON.parse(readFileSync(join(dir, name), 'utf8')) as CountyAnnualReportData]);
}

/** A deep copy that a test may change freely. */
export const clone = <T>(value: T): T => structuredClone(value);

/** The seed report as received (a copy inside the repo). */
export const readSeedText = (): string =>
  readFileSync(join(repoRoot, 'test', 'fixtures', 'county-report-2020.txt'), 'utf8');

export interface ProseParagraph {
  paragraph: string;
  fragments: string[];
}

export const readProseFixture = (): ProseParagraph[] =>
  JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'county-annual-report', 'prose.json'), 'utf8')) as ProseParagraph[];

/** Visible text of rendered HTML: tags dropped, the entities Mustache writes decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&(lt|gt|quot|amp|#39|#x2F|#x60|#x3D);/g, (entity: string) => ENTITIES[entity]);
}

const ENTITIES: Record<string, string> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&amp;': '&',
  '&#39;': "'",
  '&#x2F;': '/',
  '&#x60;': '`',
  '&#x3D;': '=',
};
