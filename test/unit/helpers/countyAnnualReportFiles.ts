/**
 * The county-annual-report template as the service holds it (loaded through test/helpers/app.ts,
 * never read here by path), and the unit tests' own fixtures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartView } from '../../../lambda/src/core/charts/layoutChart';
import type { Template } from '../../../lambda/src/core/TemplateStore';
import type { ViewMeta } from '../../../lambda/src/core/view/compileView';
import type { CountyAnnualReportData } from '../../helpers/countyAnnualReportData';
import { htmlRenderer, projectTemplateFiles, projectTemplates } from '../../helpers/app';

export const TEMPLATE_ID = 'county-annual-report';

/** The template as the service's TemplateStore checked and compiled it. */
export const countyTemplate = (): Template => projectTemplates().get(TEMPLATE_ID);

/** template.html as written, before the store inlines its stylesheet (read by the service's own readTemplateFolder). */
export const readTemplateSource = (): string => projectTemplateFiles(TEMPLATE_ID).html;

/** A deep copy that a test may change freely. */
export const clone = <T>(value: T): T => structuredClone(value);

/** Every sample the store holds as [name, data], in name order, each a copy a test may change. */
export function readSamples(): Array<[string, CountyAnnualReportData]> {
  const template = countyTemplate();
  return template.samples.map((name) => [name, clone(template.sampleData[name]) as CountyAnnualReportData]);
}

type Texts = Readonly<Record<string, string>>;

/** What template.html sees: view.json's `view`, as the service evaluates it. */
export interface CountyView {
  readonly year: string;
  readonly county: { readonly name: string; readonly province: string; readonly slogan: string };
  readonly economy: Texts;
  readonly investment: Texts;
  readonly projects: Texts;
  readonly industry: Texts;
  readonly urbanRural: Texts;
  readonly reform: Texts;
  readonly ecology: Texts;
  readonly livelihood: Texts;
  readonly integrity: Texts;
  readonly ruleOfLaw: Texts;
  readonly appendix: { readonly indicators: readonly Texts[]; readonly chart: ChartView };
}

/** The view of `data` (which must be valid) as the service builds it from view.json. */
export const countyView = (data: unknown): CountyView => countyTemplate().buildView(data).view as unknown as CountyView;

/** The PDF metadata view.json declares, for `data`. */
export const countyMeta = (data: unknown): ViewMeta => countyTemplate().buildView(data).meta;

/** The HTML the service would hand Chromium for `data` (ReportRenderer.prepare: data checked, view model, Mustache, stylesheet inlined). */
export const renderHtml = (data: unknown): string => htmlRenderer().prepare(TEMPLATE_ID, data).html;

const fixturesDir = join(__dirname, '..', '..', 'fixtures');

/** The seed report as received (a copy inside the repo). */
export const readSeedText = (): string => readFileSync(join(fixturesDir, 'county-report-2020.txt'), 'utf8');

export interface ProseParagraph {
  paragraph: string;
  fragments: string[];
}

export const readProseFixture = (): ProseParagraph[] =>
  JSON.parse(readFileSync(join(fixturesDir, 'county-annual-report', 'prose.json'), 'utf8')) as ProseParagraph[];

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
