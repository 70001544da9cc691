/**
 * View model of the `county-annual-report` template (县长述学述职述廉述法报告).
 *
 * The template is logic-less: it prints the strings prepared here and iterates prepared lists.
 * All wording that depends on the figures (增长 / 下降 / 持平, 分别 / 均, list joins, 五大…) and
 * the geometry of the appendix chart are decided here, so they can be unit-tested without a
 * browser. The data has already been validated against `templates/county-annual-report/schema.json`.
 */
import {
  chineseNumeral,
  describeChange,
  formatAmount,
  formatFixed,
  formatPercent,
  formatQuantity,
  groupThousands,
  yearText,
} from './chineseFormat';

/** Mirrors schema.json; see its `title`/`description` for the meaning and unit of each field. */
export interface CountyAnnualReportData {
  year: number;
  county: {
    name: string;
    province: string;
    slogan: string;
  };
  economy: {
    gdp: number;
    gdpGrowth: number;
    industrialValueAdded: number;
    industrialValueAddedGrowth: number;
    publicBudgetRevenue: number;
    publicBudgetRevenueGrowth: number;
    fixedAssetInvestment: number;
    fixedAssetInvestmentGrowth: number;
    retailSales: number;
    retailSalesGrowth: number;
    urbanIncomeGrowth: number;
    ruralIncomeGrowth: number;
    featuredCountyRanking: number;
  };
  investment: {
    negotiatedProjects: number;
    outsideCityFunds: number;
    outsideCityFundsGrowth: number;
    foreignCapital: number;
    foreignCapitalGrowth: number;
    headquartersFirms: number;
    headquartersTax: number;
    relocatedProjects: number;
    centralEnterprises: string[];
    allianceName: string;
    allianceMemberFirms: number;
    furnitureFirmExamples: string[];
    furnitureFirms: number;
    hostPark: string;
    internationalPark: string;
    internationalParkFirms: number;
    talentEvent: string;
    talentEventProjects: number;
  };
  projects: {
    keyProjects: number;
    keyProjectsInvestment: number;
    completedProjectExample: string;
    completedProjects: number;
    listedProjects: number;
    startedProject: string;
    advancedProjects: number;
    advancedProjectsInvestment: number;
    advancedProjectsShare: number;
    advancedInvestmentShare: number;
    zoneLayout: string;
    zoneCompletedProjectExample: string;
    zoneCompletedProjects: number;
    zoneRevenueGrowth: number;
    zoneTaxGrowth: number;
  };
  industry: {
    techRenovationProjects: number;
    techRenovationInvestment: number;
    techRenovationShare: number;
    newIndustrialFirms: number;
    newTechSmes: number;
    newTechGiants: number;
    newHighTechFirms: number;
    agriProjects: number;
    agriIndustrialisationRate: number;
    agriPark: string;
    agriBrand: string;
    agriBrandProduct: string;
    newServiceFirms: number;
    onlineProducts: string[];
  };
  urbanRural: {
    urbanProjects: number;
    urbanProjectsInvestment: number;
    shantyTownRoad: string;
    provincialKeyVillages: number;
    cityDemoAreas: number;
    ruralStreetsHardened: number;
    gasVillages: number;
    gasHouseholds: number;
    ruralRoadLength: number;
  };
  reform: {
    mergedParks: string[];
    developmentZone: string;
    transferredDepartments: number;
    licensingItems: number;
    filingItems: number;
    newMarketEntities: number;
  };
  ecology: {
    airPlan: string;
    pm25: number;
    pm25Change: number;
    heavyPollutionDaysChange: number;
    keyRivers: string[];
    monitoredWaterBody: string;
    newSewagePlant: string;
    wetland: string;
    afforestation: number;
    greenedVillages: number;
    forestCoverage: number;
  };
  livelihood: {
    practicalMatters: number;
    newUrbanJobs: number;
    publicWelfareJobs: number;
    ruralLabourTransfer: number;
    schoolProjects: number;
    satisfactoryClinics: number;
    upgradedMemorial: string;
    heritageBases: string[];
    illegalBuildingsDemolished: number;
    realEstateIssuesResolved: number;
  };
  integrity: {
    visitedTown: string;
    specialActions: string[];
    problemsRectified: number;
    casesFiled: number;
  };
  ruleOfLaw: {
    normativeDocsFiled: number;
    normativeDocsReviewed: number;
    normativeDocsRepealed: number;
    normativeDocsRetained: number;
    commonIssues: number;
    individualIssues: number;
    enforcementDepartments: number;
    enforcementBodies: number;
    enforcementMeasures: number;
    proposalHandlingRate: number;
  };
  reporter?: {
    name?: string;
    office?: string;
  };
}

/** One row of the appendix table; every cell is display text. */
export type IndicatorRow = {
  name: string;
  unit: string;
  value: string;
  /** Signed change with one decimal ("5.2", "-3.1", "0.0"), printed under 比上年增长（%）. */
  change: string;
};

/** One bar of the appendix chart; coordinates are SVG user units (≈ CSS px) as strings. */
export type ChartBar = {
  label: string;
  labelX: string;
  x: string;
  y: string;
  width: string;
  height: string;
  /** Vertical centre of the bar, where both texts sit (dominant-baseline: central). */
  textY: string;
  tone: 'up' | 'down' | 'flat';
  value: string;
  valueX: string;
  valueAnchor: 'start' | 'end';
};

export type Chart = {
  width: string;
  height: string;
  viewBox: string;
  axis: { x: string; y1: string; y2: string };
  bars: ChartBar[];
};

export type CountyAnnualReportView = {
  meta: { title: string; author: string; subject: string; keywords: string[]; lang: 'zh-CN' };
  year: string;
  county: CountyAnnualReportData['county'];
  economy: Record<
    | 'gdp'
    | 'gdpChange'
    | 'industrialValueAdded'
    | 'industrialValueAddedChange'
    | 'publicBudgetRevenue'
    | 'publicBudgetRevenueChange'
    | 'fixedAssetInvestment'
    | 'fixedAssetInvestmentChange'
    | 'retailSales'
    | 'retailSalesChange'
    | 'incomeChanges'
    | 'featuredCountyRanking',
    string
  >;
  investment: Record<
    | 'negotiatedProjects'
    | 'outsideCityFunds'
    | 'outsideCityFundsChange'
    | 'foreignCapital'
    | 'foreignCapitalChange'
    | 'headquartersFirms'
    | 'headquartersTax'
    | 'relocatedProjects'
    | 'centralEnterprises'
    | 'allianceName'
    | 'allianceMemberFirms'
    | 'furnitureFirmExamples'
    | 'furnitureFirms'
    | 'hostPark'
    | 'internationalPark'
    | 'internationalParkFirms'
    | 'talentEvent'
    | 'talentEventProjects',
    string
  >;
  projects: Record<
    | 'keyProjects'
    | 'keyProjectsInvestment'
    | 'completedProjectExample'
    | 'completedProjects'
    | 'listedProjects'
    | 'startedProject'
    | 'advancedProjects'
    | 'advancedProjectsInvestment'
    | 'advancedProjectsShare'
    | 'advancedInvestmentShare'
    | 'zoneLayout'
    | 'zoneCompletedProjectExample'
    | 'zoneCompletedProjects'
    | 'zoneChanges',
    string
  >;
  industry: Record<keyof CountyAnnualReportData['industry'], string>;
  urbanRural: Record<keyof CountyAnnualReportData['urbanRural'], string>;
  reform: Record<keyof CountyAnnualReportData['reform'], string>;
  ecology: Record<keyof CountyAnnualReportData['ecology'], string>;
  livelihood: Record<keyof CountyAnnualReportData['livelihood'], string>;
  integrity: Record<'visitedTown' | 'specialActions' | 'specialActionsCount' | 'problemsRectified' | 'casesFiled', string>;
  ruleOfLaw: Record<keyof CountyAnnualReportData['ruleOfLaw'], string>;
  appendix: { indicators: IndicatorRow[]; chart: Chart };
};

/** Statistical bulletins print rates of change with one decimal ("增长5.0%"). */
const RATE_DECIMALS = 1;

/** Enumerations in Chinese prose are joined with the enumeration comma. */
const joinNames = (names: readonly string[]): string => names.join('、');

/** Counts of people, households and items: integers, grouped from 10,000 on. */
const count = (value: number): string => groupThousands(value);

/**
 * A change as a predicate after a figure: "增长5.2%", "同比下降3.1%", or "与上年持平"
 * (持平 needs its comparison spelled out to read as a sentence).
 */
function changePhrase(pct: number, comparison: '' | '同比', risingVerb: '增长' | '上升' = '增长'): string {
  const change = describeChange(pct, RATE_DECIMALS, risingVerb);
  return change.verb === '持平' ? '与上年持平' : `${comparison}${change.text}`;
}

interface PairWording {
  /** Both subjects together, e.g. 城镇居民和农村居民人均可支配收入. */
  joint: string;
  first: string;
  second: string;
  comparison: '' | '同比';
  /** Between the two magnitudes after 分别: the seed uses "、" for incomes and "和" for the park. */
  separator: '、' | '和';
}

/**
 * Two changes reported in one clause. The seed's "分别增长X%、Y%" only reads correctly when both
 * move the same way; otherwise each subject gets its own predicate.
 */
function pairedChanges(first: number, second: number, wording: PairWording): string {
  const a = describeChange(first, RATE_DECIMALS);
  const b = describeChange(second, RATE_DECIMALS);
  if (a.verb === '持平' && b.verb === '持平') return `${wording.joint}均与上年持平`;
  if (a.verb === b.verb && a.magnitude === b.magnitude) {
    return `${wording.joint}${wording.comparison}均${a.text}`;
  }
  if (a.verb === b.verb) {
    return `${wording.joint}${wording.comparison}分别${a.verb}${a.magnitude}%${wording.separator}${b.magnitude}%`;
  }
  return `${wording.first}${changePhrase(first, wording.comparison)}、${wording.second}${changePhrase(second, wording.comparison)}`;
}

/** Chart layout in SVG user units; 588 units span the 156 mm text block at ~1 unit per CSS px. */
const CHART = {
  width: 588,
  /** Right edge of the indicator names (text-anchor end); the longest name is 11 characters of 16 units. */
  labelRight: 184,
  gap: 12,
  /** Room for a value label such as "-12.5%" beside a bar end. */
  valueGutter: 56,
  barHeight: 18,
  rowPitch: 30,
  padding: 6,
  valueOffset: 4,
} as const;

/** Coordinates are printed with two decimals; formatFixed never yields "-0.00". */
const coordinate = (value: number): string => formatFixed(value, 2);

interface ChartInput {
  label: string;
  growth: number;
}

/**
 * Horizontal bars of growth rates around a zero axis: increases to the right, decreases to the
 * left in another tone, 持平 as a zero-width bar with its label. Bars use the rounded rates that
 * the table prints, so a bar and its label always agree.
 */
function buildChart(inputs: readonly ChartInput[]): Chart {
  const rates = inputs.map((input) => Number(formatFixed(input.growth, RATE_DECIMALS)));
  const low = Math.min(0, ...rates);
  const high = Math.max(0, ...rates);
  const plotLeft = CHART.labelRight + CHART.gap + (low < 0 ? CHART.valueGutter : 0);
  const plotRight = CHART.width - CHART.valueGutter;
  // All rates 持平: any scale works, the bars have no width.
  const scale = (plotRight - plotLeft) / (high - low || 1);
  const zeroX = plotLeft - low * scale;
  const bars = inputs.map((input, index): ChartBar => {
    const rate = rates[index];
    const y = CHART.padding + index * CHART.rowPitch;
    const barWidth = Math.abs(rate) * scale;
    const x = rate < 0 ? zeroX - barWidth : zeroX;
    return {
      label: input.label,
      labelX: coordinate(CHART.labelRight),
      x: coordinate(x),
      y: coordinate(y),
      width: coordinate(barWidth),
      height: coordinate(CHART.barHeight),
      textY: coordinate(y + CHART.barHeight / 2),
      tone: rate > 0 ? 'up' : rate < 0 ? 'down' : 'flat',
      value: `${formatFixed(rate, RATE_DECIMALS)}%`,
      valueX: coordinate(rate < 0 ? x - CHART.valueOffset : zeroX + barWidth + CHART.valueOffset),
      valueAnchor: rate < 0 ? 'end' : 'start',
    };
  });
  const plotBottom = CHART.padding + (inputs.length - 1) * CHART.rowPitch + CHART.barHeight;
  const height = plotBottom + CHART.padding;
  return {
    width: coordinate(CHART.width),
    height: coordinate(height),
    viewBox: `0 0 ${coordinate(CHART.width)} ${coordinate(height)}`,
    axis: { x: coordinate(zeroX), y1: coordinate(CHART.padding / 2), y2: coordinate(plotBottom + CHART.padding / 2) },
    bars,
  };
}

/** Placeholder for a table cell the data has no figure for (statistical tables use a dash). */
const NO_FIGURE = '—';

interface Indicator extends ChartInput {
  unit: string;
  value: string;
}

function indicatorsOf(data: CountyAnnualReportData): Indicator[] {
  const { economy: e, investment: i } = data;
  return [
    { label: '地区生产总值', unit: '亿元', value: formatAmount(e.gdp, '亿元'), growth: e.gdpGrowth },
    { label: '规上工业增加值', unit: '亿元', value: formatAmount(e.industrialValueAdded, '亿元'), growth: e.industrialValueAddedGrowth },
    { label: '公共财政预算收入', unit: '亿元', value: formatAmount(e.publicBudgetRevenue, '亿元'), growth: e.publicBudgetRevenueGrowth },
    { label: '固定资产投资', unit: '亿元', value: formatAmount(e.fixedAssetInvestment, '亿元'), growth: e.fixedAssetInvestmentGrowth },
    { label: '社会消费品零售总额', unit: '亿元', value: formatAmount(e.retailSales, '亿元'), growth: e.retailSalesGrowth },
    // The report states only the growth of incomes, not their level.
    { label: '城镇居民人均可支配收入', unit: '元', value: NO_FIGURE, growth: e.urbanIncomeGrowth },
    { label: '农村居民人均可支配收入', unit: '元', value: NO_FIGURE, growth: e.ruralIncomeGrowth },
    { label: '引进市外资金', unit: '亿元', value: formatAmount(i.outsideCityFunds, '亿元'), growth: i.outsideCityFundsGrowth },
    { label: '实际利用外资', unit: '万美元', value: formatAmount(i.foreignCapital, '万美元'), growth: i.foreignCapitalGrowth },
  ];
}

function authorOf(data: CountyAnnualReportData): string {
  const parts = [data.reporter?.office, data.reporter?.name].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(' ') : `${data.county.name}人民政府`;
}

const SUBJECT = '述学述职述廉述法报告';

export function buildCountyAnnualReportView(data: CountyAnnualReportData): CountyAnnualReportView {
  const { county, economy: e, investment: inv, projects: p, industry: ind, urbanRural: ur } = data;
  const { reform: rf, ecology: eco, livelihood: lv, integrity: ig, ruleOfLaw: law } = data;
  const year = yearText(data.year);
  const indicators = indicatorsOf(data);

  return {
    meta: {
      title: `${county.name}县长${year}${SUBJECT}`,
      author: authorOf(data),
      subject: SUBJECT,
      keywords: [county.name, year, SUBJECT, '县长'],
      lang: 'zh-CN',
    },
    year,
    county: { name: county.name, province: county.province, slogan: county.slogan },
    economy: {
      gdp: formatAmount(e.gdp, '亿元'),
      gdpChange: changePhrase(e.gdpGrowth, ''),
      industrialValueAdded: formatAmount(e.industrialValueAdded, '亿元'),
      industrialValueAddedChange: changePhrase(e.industrialValueAddedGrowth, ''),
      publicBudgetRevenue: formatAmount(e.publicBudgetRevenue, '亿元'),
      publicBudgetRevenueChange: changePhrase(e.publicBudgetRevenueGrowth, ''),
      fixedAssetInvestment: formatAmount(e.fixedAssetInvestment, '亿元'),
      fixedAssetInvestmentChange: changePhrase(e.fixedAssetInvestmentGrowth, ''),
      retailSales: formatAmount(e.retailSales, '亿元'),
      retailSalesChange: changePhrase(e.retailSalesGrowth, ''),
      incomeChanges: pairedChanges(e.urbanIncomeGrowth, e.ruralIncomeGrowth, {
        joint: '城镇居民和农村居民人均可支配收入',
        first: '城镇居民人均可支配收入',
        second: '农村居民人均可支配收入',
        comparison: '',
        separator: '、',
      }),
      featuredCountyRanking: count(e.featuredCountyRanking),
    },
    investment: {
      negotiatedProjects: count(inv.negotiatedProjects),
      outsideCityFunds: formatAmount(inv.outsideCityFunds, '亿元'),
      outsideCityFundsChange: changePhrase(inv.outsideCityFundsGrowth, '同比'),
      foreignCapital: formatAmount(inv.foreignCapital, '万美元'),
      foreignCapitalChange: changePhrase(inv.foreignCapitalGrowth, '同比'),
      headquartersFirms: count(inv.headquartersFirms),
      headquartersTax: formatAmount(inv.headquartersTax, '万元'),
      relocatedProjects: count(inv.relocatedProjects),
      centralEnterprises: joinNames(inv.centralEnterprises),
      allianceName: inv.allianceName,
      allianceMemberFirms: count(inv.allianceMemberFirms),
      furnitureFirmExamples: joinNames(inv.furnitureFirmExamples),
      furnitureFirms: count(inv.furnitureFirms),
      hostPark: inv.hostPark,
      internationalPark: inv.internationalPark,
      internationalParkFirms: count(inv.internationalParkFirms),
      talentEvent: inv.talentEvent,
      talentEventProjects: count(inv.talentEventProjects),
    },
    projects: {
      keyProjects: count(p.keyProjects),
      keyProjectsInvestment: formatAmount(p.keyProjectsInvestment, '亿元'),
      completedProjectExample: p.completedProjectExample,
      completedProjects: count(p.completedProjects),
      listedProjects: count(p.listedProjects),
      startedProject: p.startedProject,
      advancedProjects: count(p.advancedProjects),
      advancedProjectsInvestment: formatAmount(p.advancedProjectsInvestment, '亿元'),
      advancedProjectsShare: formatPercent(p.advancedProjectsShare),
      advancedInvestmentShare: formatPercent(p.advancedInvestmentShare),
      zoneLayout: p.zoneLayout,
      zoneCompletedProjectExample: p.zoneCompletedProjectExample,
      zoneCompletedProjects: count(p.zoneCompletedProjects),
      zoneChanges: pairedChanges(p.zoneRevenueGrowth, p.zoneTaxGrowth, {
        joint: '园区主营业务收入、税收',
        first: '园区主营业务收入',
        second: '税收',
        comparison: '同比',
        separator: '和',
      }),
    },
    industry: {
      techRenovationProjects: count(ind.techRenovationProjects),
      techRenovationInvestment: formatAmount(ind.techRenovationInvestment, '亿元'),
      techRenovationShare: formatPercent(ind.techRenovationShare),
      newIndustrialFirms: count(ind.newIndustrialFirms),
      newTechSmes: count(ind.newTechSmes),
      newTechGiants: count(ind.newTechGiants),
      newHighTechFirms: count(ind.newHighTechFirms),
      agriProjects: count(ind.agriProjects),
      agriIndustrialisationRate: formatPercent(ind.agriIndustrialisationRate),
      agriPark: ind.agriPark,
      agriBrand: ind.agriBrand,
      agriBrandProduct: ind.agriBrandProduct,
      newServiceFirms: count(ind.newServiceFirms),
      onlineProducts: joinNames(ind.onlineProducts),
    },
    urbanRural: {
      urbanProjects: count(ur.urbanProjects),
      urbanProjectsInvestment: formatAmount(ur.urbanProjectsInvestment, '亿元'),
      shantyTownRoad: ur.shantyTownRoad,
      provincialKeyVillages: count(ur.provincialKeyVillages),
      cityDemoAreas: count(ur.cityDemoAreas),
      ruralStreetsHardened: formatQuantity(ur.ruralStreetsHardened, 2),
      gasVillages: count(ur.gasVillages),
      gasHouseholds: count(ur.gasHouseholds),
      ruralRoadLength: formatQuantity(ur.ruralRoadLength, 1),
    },
    reform: {
      mergedParks: joinNames(rf.mergedParks),
      developmentZone: rf.developmentZone,
      transferredDepartments: count(rf.transferredDepartments),
      licensingItems: count(rf.licensingItems),
      filingItems: count(rf.filingItems),
      newMarketEntities: count(rf.newMarketEntities),
    },
    ecology: {
      airPlan: eco.airPlan,
      pm25: formatQuantity(eco.pm25, 1),
      // Pollution rises (上升) rather than grows (增长).
      pm25Change: changePhrase(eco.pm25Change, '同比', '上升'),
      heavyPollutionDaysChange: changePhrase(eco.heavyPollutionDaysChange, '同比', '上升'),
      keyRivers: joinNames(eco.keyRivers),
      monitoredWaterBody: eco.monitoredWaterBody,
      newSewagePlant: eco.newSewagePlant,
      wetland: eco.wetland,
      afforestation: formatQuantity(eco.afforestation, 2),
      greenedVillages: count(eco.greenedVillages),
      forestCoverage: formatPercent(eco.forestCoverage),
    },
    livelihood: {
      practicalMatters: count(lv.practicalMatters),
      newUrbanJobs: count(lv.newUrbanJobs),
      publicWelfareJobs: count(lv.publicWelfareJobs),
      ruralLabourTransfer: count(lv.ruralLabourTransfer),
      schoolProjects: count(lv.schoolProjects),
      satisfactoryClinics: count(lv.satisfactoryClinics),
      upgradedMemorial: lv.upgradedMemorial,
      heritageBases: joinNames(lv.heritageBases),
      illegalBuildingsDemolished: formatQuantity(lv.illegalBuildingsDemolished, 2),
      realEstateIssuesResolved: count(lv.realEstateIssuesResolved),
    },
    integrity: {
      visitedTown: ig.visitedTown,
      specialActions: joinNames(ig.specialActions),
      // The count follows from the list, so "五大专项行动" can never disagree with it.
      specialActionsCount: chineseNumeral(ig.specialActions.length),
      problemsRectified: count(ig.problemsRectified),
      casesFiled: count(ig.casesFiled),
    },
    ruleOfLaw: {
      normativeDocsFiled: count(law.normativeDocsFiled),
      normativeDocsReviewed: count(law.normativeDocsReviewed),
      normativeDocsRepealed: count(law.normativeDocsRepealed),
      normativeDocsRetained: count(law.normativeDocsRetained),
      commonIssues: count(law.commonIssues),
      individualIssues: count(law.individualIssues),
      enforcementDepartments: count(law.enforcementDepartments),
      enforcementBodies: count(law.enforcementBodies),
      enforcementMeasures: count(law.enforcementMeasures),
      proposalHandlingRate: formatPercent(law.proposalHandlingRate),
    },
    appendix: {
      indicators: indicators.map(({ label, unit, value, growth }) => ({
        name: label,
        unit,
        value,
        change: formatFixed(growth, RATE_DECIMALS),
      })),
      chart: buildChart(indicators),
    },
  };
}
