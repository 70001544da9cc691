/**
 * `npm run gen:counties`: run as the user runs it (a node process); every county must pass the
 * template's schema, and the set must be reproducible, unique and varied like real counties.
 */
import { execFileSync } from 'node:child_process';
import type { CountyAnnualReportData } from '../../lambda/src/viewModels/countyAnnualReport';
import { projectTemplates } from '../helpers/app';
import { GEN_COUNTIES_SCRIPT } from '../helpers/syntheticCounties';

const template = projectTemplates().get('county-annual-report');

function generate(...args: string[]): { id: string; data: CountyAnnualReportData }[] {
  const out = execFileSync(process.execPath, [GEN_COUNTIES_SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: string; data: CountyAnnualReportData });
}

describe('gen-counties', () => {
  const counties = generate('500', '--seed', '11');

  it('writes N counties, every one valid against the template schema', () => {
    expect(counties).toHaveLength(500);
    const invalid = counties.map((c) => ({ id: c.id, problems: template.check(c.data) })).filter((c) => c.problems.length > 0);
    expect(invalid).toEqual([]);
  });

  it('is reproducible by seed and differs between seeds', () => {
    expect(generate('500', '--seed', '11')).toEqual(counties);
    expect(generate('20', '--seed', '12').map((c) => c.id)).not.toEqual(counties.slice(0, 20).map((c) => c.id));
  });

  it('gives unique ids (the county names), also for a whole country of ~2,800 counties', () => {
    expect(new Set(counties.map((c) => c.id)).size).toBe(500);
    expect(counties.every((c) => c.id === c.data.county.name && /^.{2,3}县$/.test(c.id))).toBe(true);
    const country = generate('3000', '--seed', '1');
    expect(new Set(country.map((c) => c.id)).size).toBe(3000);
  });

  it('varies like real counties and keeps related figures consistent', () => {
    const gdps = counties.map((c) => c.data.economy.gdp).sort((a, b) => a - b);
    expect(gdps[0]).toBeLessThan(100);
    expect(gdps[gdps.length - 1]).toBeGreaterThan(500);
    expect(new Set(counties.map((c) => c.data.county.province)).size).toBeGreaterThanOrEqual(8);
    const growth = counties.map((c) => c.data.economy.gdpGrowth);
    expect(growth.filter((g) => g < 0).length).toBeGreaterThan(5);
    expect(growth.filter((g) => g > 0).length).toBeGreaterThan(400);
    expect(growth.filter((g) => g === 0).length).toBeGreaterThan(0);
    expect(counties.filter((c) => c.data.reporter).length).toBeGreaterThan(50);
    for (const { data } of counties) {
      expect(data.ruleOfLaw.normativeDocsRepealed + data.ruleOfLaw.normativeDocsRetained).toBe(data.ruleOfLaw.normativeDocsReviewed);
      expect(data.projects.completedProjects).toBeLessThanOrEqual(data.projects.keyProjects);
      expect(data.economy.industrialValueAdded).toBeLessThan(data.economy.gdp);
      expect(data.reform.developmentZone.startsWith(data.county.name.slice(0, -1))).toBe(true);
    }
  });

  it('refuses a bad count with exit code 2', () => {
    expect(() => execFileSync(process.execPath, [GEN_COUNTIES_SCRIPT, 'many'], { stdio: 'pipe' })).toThrow(
      expect.objectContaining({ status: 2 }),
    );
  });
});
