#!/usr/bin/env node
// npm run gen:counties -- <N> [--seed S] [--year Y] [-o file.jsonl]
//
// Writes N fictional counties as batch items (`{"id": "<county name>", "data": {...}}`, one JSON
// object a line) valid against templates/county-annual-report/schema.json, for tests and
// benchmarks. The same N, seed and year always give the same file, so a failing test can be
// replayed. Figures hang together the way a real county's do: amounts scale with the size of
// the economy, shares follow from their counts, repealed + retained = reviewed, and most (not all)
// growth rates are positive. Names are composed from a small stock of characters, so they look
// like county names without being a list of real places.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** mulberry32: tiny, fast, and good enough to make test data varied yet reproducible. */
function createRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const uniform = (lo, hi) => lo + (hi - lo) * next();
  const int = (lo, hi) => Math.floor(uniform(lo, hi + 1));
  const pick = (list) => list[Math.floor(next() * list.length)];
  const normal = (mean, sd) => {
    const u = 1 - next();
    const v = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  /** `count` distinct elements, in random order. */
  const sample = (list, count) => {
    const pool = [...list];
    const out = [];
    while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
    return out;
  };
  return { next, uniform, int, pick, normal, sample };
}

const round = (value, decimals) => Number(value.toFixed(decimals));
const clamp = (value, lo, hi) => Math.min(hi, Math.max(lo, value));

// Characters that read naturally in place names; pairs of them give thousands of plausible counties.
const FIRST = [...new Set('青澄苇岚清云澜汐沅澹涟溪浔泠霁翠碧丹彤桐桑柳枫榆棠杉松竹梧芦荻菱蓉兰芷蘅芸苓茗栖鹤鹭鸿雁麓峪岑峦崖屿湄汀洲渚潭漪沙泉瀛')];
const SECOND = [...new Set('湾塘阳安宁平川源陵山溪河浦江泽阴丰乐城原台口坪岗岭峰州渡桥冈宁门集镇田堡关池滨湖庄西东南北')];
const PROVINCES = ['云泽省', '北溟省', '南岭省', '东澜省', '西岑省', '霁川省', '澹海省', '汐江省', '棠岭省', '漪原省'];
const SLOGAN_KINDS = [
  ['滨海强县', '实力'],
  ['生态立县', '绿色'],
  ['水乡强县', '富美'],
  ['工业强县', '活力'],
  ['文旅名县', '魅力'],
  ['农业大县', '丰饶'],
  ['开放强县', '创新'],
  ['康养福地', '宜居'],
];
const CENTRAL_ENTERPRISES = ['北辰重工集团', '华夏海洋能源集团', '中岳建设集团', '国宏电力集团', '中穹航天科技集团', '华澜化工集团', '中联交通建设集团', '国信通信集团', '华禹水利集团', '中曜新材料集团'];
const ALLIANCES = ['京津冀家居产业联盟', '京南木作产业联盟', '环渤海家具产业联盟', '华北定制家居产业联盟', '北方软体家具产业联盟'];
const FURNITURE = ['木语家居', '栖梧家具', '松间家具', '简木家居', '梧桐里家具', '拾光家居', '良木坊家具', '橡树湾家居', '竹里馆家具'];
const PARK_KINDS = ['健康', '康养', '生物医药', '食品', '保健品'];
const TALENT_EVENTS = ['千人计划专家', '院士专家', '博士团', '海外高层次人才', '京津专家'];
const INDUSTRIES = ['智能装备制造', '精密铸造', '新材料', '绿色建材', '电子元件', '汽车零部件', '新能源电池', '生物制药', '食品加工', '纺织服装'];
const COMPANY_HEADS = ['永泰', '鑫源', '海泓', '恒达', '瑞丰', '华信', '德润', '嘉禾', '金桥', '宏远', '安澜', '盛世'];
const STARTED_PROJECTS = ['纸业高档包装纸项目', '光伏组件生产基地项目', '冷链物流园项目', '高端装备产业园项目', '特种钢材深加工项目', '农产品精深加工项目'];
const ZONE_LAYOUTS = ['一区两园', '一区三园', '一区多园', '两区联动'];
const CROPS = ['蔬菜', '高山茶', '玉米', '海产品', '山核桃', '竹笋', '小米', '苹果', '红枣', '食用菌', '莲藕', '葡萄'];
const BRAND_TAILS = [...'鲜绿香珍韵雾源味'];
const ROAD_TAILS = ['路', '街', '大道'];
const MEMORIAL_KINDS = ['革命', '红军', '抗战', '烈士'];
const HERITAGE_KINDS = ['民俗馆', '剪纸传习所', '皮影艺术团', '传统村落', '戏曲研习社', '手工艺工坊'];
const SPECIAL_ACTIONS = ['入企帮扶', '治庸治懒', '诚信体系建设', '清理拖欠', '营商环境提升', '窗口服务提速', '项目攻坚', '作风纪律整顿', '涉企收费清理', '政务公开深化', '中介服务规范', '审批提速'];
const SURNAMES = [...'王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗'];
const GIVEN = [...'明华军伟强磊洋勇杰涛超斌鹏辉峰刚建平'];

/** A growth rate in per cent: mostly modest growth, sometimes a decline, rarely exactly flat. */
function growth(r, mean = 5.5, sd = 3.5) {
  if (r.next() < 0.03) return 0;
  return round(clamp(r.normal(mean, sd), -20, 40), 1);
}

function uniqueCountyNames(r, count) {
  const names = new Set();
  const pairs = FIRST.length * SECOND.length;
  // Past the pairs, three-character names (as some real counties have) keep the ids unique.
  while (names.size < count) {
    const base = `${r.pick(FIRST)}${r.pick(SECOND)}`;
    const name = names.size < pairs * 0.8 ? `${base}县` : `${base}${r.pick(SECOND)}县`;
    names.add(name);
  }
  return [...names];
}

function county(r, name, year) {
  const stem = name.slice(0, -1);
  const head = stem[0];
  const tail = stem[stem.length - 1];
  const town = () => `${r.pick(FIRST)}${r.pick(SECOND)}镇`;
  const [sloganLead, sloganTail] = r.pick(SLOGAN_KINDS);
  // Size of the economy drives every amount: small mountain counties to large coastal ones.
  const gdp = round(clamp(Math.exp(r.normal(Math.log(200), 0.6)), 30, 2000), 2);
  const scale = gdp / 200;
  const count = (base, spread = 0.35) => Math.max(1, Math.round(base * scale * r.uniform(1 - spread, 1 + spread)));
  const share = (lo, hi) => round(r.uniform(lo, hi), 1);

  const keyProjects = count(80);
  const keyProjectsInvestment = round(gdp * r.uniform(1.5, 2.5), 2);
  const advancedProjects = Math.max(1, Math.round(keyProjects * r.uniform(0.2, 0.4)));
  const advancedProjectsInvestment = round(keyProjectsInvestment * r.uniform(0.25, 0.45), 2);
  const headquartersFirms = count(12);
  const furnitureExamples = r.sample(FURNITURE, r.int(1, 3));
  const normativeDocsReviewed = r.int(30, 140);
  const normativeDocsRepealed = r.int(5, Math.floor(normativeDocsReviewed / 2));
  const gasVillages = count(60);
  const crops = r.sample(CROPS, 5);

  const data = {
    year,
    county: { name, province: r.pick(PROVINCES), slogan: `${sloganLead}、${sloganTail}${stem}` },
    economy: {
      gdp,
      gdpGrowth: growth(r),
      industrialValueAdded: round(gdp * r.uniform(0.2, 0.45), 2),
      industrialValueAddedGrowth: growth(r, 6, 4.5),
      publicBudgetRevenue: round(gdp * r.uniform(0.05, 0.09), 2),
      publicBudgetRevenueGrowth: growth(r, 4, 5),
      fixedAssetInvestment: round(gdp * r.uniform(0.5, 0.9), 2),
      fixedAssetInvestmentGrowth: growth(r, 7, 5),
      retailSales: round(gdp * r.uniform(0.3, 0.45), 2),
      retailSalesGrowth: growth(r, 4, 4),
      urbanIncomeGrowth: growth(r, 5.5, 1.5),
      ruralIncomeGrowth: growth(r, 7, 1.5),
      featuredCountyRanking: r.pick([100, 200, 300, 500]),
    },
    investment: {
      negotiatedProjects: count(60),
      outsideCityFunds: round(gdp * r.uniform(0.2, 0.5), 2),
      outsideCityFundsGrowth: growth(r, 10, 8),
      foreignCapital: round(gdp * r.uniform(10, 40), 1),
      foreignCapitalGrowth: growth(r, 6, 10),
      headquartersFirms,
      headquartersTax: round(headquartersFirms * r.uniform(300, 800), 1),
      relocatedProjects: count(15),
      centralEnterprises: r.sample(CENTRAL_ENTERPRISES, r.int(1, 3)),
      allianceName: r.pick(ALLIANCES),
      allianceMemberFirms: r.int(3, 20),
      furnitureFirmExamples: furnitureExamples,
      furnitureFirms: furnitureExamples.length + r.int(0, 8),
      hostPark: `${tail}${r.pick(['港', '峰', '西', '东', '南', '北'])}园区`,
      internationalPark: `${stem}国际${r.pick(PARK_KINDS)}产业园`,
      internationalParkFirms: count(15),
      talentEvent: `${r.pick(TALENT_EVENTS)}${stem}行`,
      talentEventProjects: r.int(3, 20),
    },
    projects: {
      keyProjects,
      keyProjectsInvestment,
      completedProjectExample: `${r.pick(COMPANY_HEADS)}${r.pick(INDUSTRIES)}`,
      completedProjects: Math.max(1, Math.round(keyProjects * r.uniform(0.15, 0.3))),
      listedProjects: Math.max(1, Math.round(keyProjects * r.uniform(0.08, 0.2))),
      startedProject: `${r.pick(COMPANY_HEADS)}${r.pick(STARTED_PROJECTS)}`,
      advancedProjects,
      advancedProjectsInvestment,
      advancedProjectsShare: round((advancedProjects / keyProjects) * 100, 1),
      advancedInvestmentShare: round((advancedProjectsInvestment / keyProjectsInvestment) * 100, 1),
      zoneLayout: r.pick(ZONE_LAYOUTS),
      zoneCompletedProjectExample: `${head}${r.pick(['泓', '源', '华', '盛'])}${r.pick(INDUSTRIES)}`,
      zoneCompletedProjects: r.int(2, 12),
      zoneRevenueGrowth: growth(r, 10, 8),
      zoneTaxGrowth: growth(r, 8, 8),
    },
    industry: {
      techRenovationProjects: count(35),
      techRenovationInvestment: round(gdp * r.uniform(0.05, 0.15), 2),
      techRenovationShare: share(35, 65),
      newIndustrialFirms: count(12),
      newTechSmes: count(45),
      newTechGiants: r.int(1, 8),
      newHighTechFirms: count(8),
      agriProjects: r.int(5, 25),
      agriIndustrialisationRate: share(45, 75),
      agriPark: `${stem}${crops[0]}现代农业园区`,
      agriBrand: `${tail}${r.pick(BRAND_TAILS)}`,
      agriBrandProduct: crops[0],
      newServiceFirms: count(10),
      onlineProducts: crops.slice(0, r.int(1, 4)),
    },
    urbanRural: {
      urbanProjects: count(25),
      urbanProjectsInvestment: round(gdp * r.uniform(0.08, 0.2), 2),
      shantyTownRoad: `${r.pick(FIRST)}${r.pick(['河', '城', '江', '山', '湖'])}${r.pick(ROAD_TAILS)}`,
      provincialKeyVillages: r.int(5, 40),
      cityDemoAreas: r.int(1, 4),
      ruralStreetsHardened: round(r.uniform(15, 100), 2),
      gasVillages,
      gasHouseholds: Math.round(gasVillages * r.uniform(220, 380)),
      ruralRoadLength: round(r.uniform(60, 260), 1),
    },
    reform: {
      mergedParks: [`${stem}${r.pick(['临港', '高新', '工业'])}工业园区`, `${stem}${r.pick(['生态', '海洋经济', '现代物流'])}产业园区`],
      developmentZone: `${stem}经济开发区`,
      transferredDepartments: r.int(12, 30),
      licensingItems: r.int(90, 220),
      filingItems: r.int(10, 40),
      newMarketEntities: count(4500),
    },
    ecology: {
      airPlan: `1+${r.int(6, 20)}`,
      pm25: round(clamp(r.normal(42, 10), 15, 90), 1),
      pm25Change: growth(r, -8, 7),
      heavyPollutionDaysChange: r.pick([-100, -66.7, -50, -40, -33.3, -25, -20, 0, 12.5]),
      keyRivers: r.sample([...'清沅澜溪汐浔潇湘漳淇'].map((c) => `${c}${r.pick(['河', '江', '水'])}`), r.int(1, 3)),
      monitoredWaterBody: `${tail}${r.pick(['水', '溪', '湖'])}`,
      newSewagePlant: `${town()}污水处理厂`,
      wetland: `${head}${r.pick(['鹭湾', '湖', '荷塘', '芦洲'])}湿地`,
      afforestation: round(r.uniform(0.3, 5), 2),
      greenedVillages: r.int(10, 120),
      forestCoverage: share(15, 70),
    },
    livelihood: {
      practicalMatters: r.int(10, 30),
      newUrbanJobs: count(4500),
      publicWelfareJobs: count(600),
      ruralLabourTransfer: count(12000),
      schoolProjects: r.int(3, 20),
      satisfactoryClinics: r.int(1, 6),
      upgradedMemorial: `${stem}${r.pick(MEMORIAL_KINDS)}纪念馆`,
      heritageBases: r.sample(HERITAGE_KINDS, r.int(1, 4)).map((kind) => `${head}${r.pick(SECOND)}${kind}`),
      illegalBuildingsDemolished: round(r.uniform(1, 20), 2),
      realEstateIssuesResolved: r.int(3, 40),
    },
    integrity: {
      visitedTown: town(),
      specialActions: r.sample(SPECIAL_ACTIONS, r.int(2, 9)),
      problemsRectified: r.int(40, 300),
      casesFiled: r.int(2, 40),
    },
    ruleOfLaw: {
      normativeDocsFiled: r.int(2, 15),
      normativeDocsReviewed,
      normativeDocsRepealed,
      normativeDocsRetained: normativeDocsReviewed - normativeDocsRepealed,
      commonIssues: r.int(3, 20),
      individualIssues: r.int(20, 120),
      enforcementDepartments: r.int(10, 35),
      enforcementBodies: r.int(12, 45),
      enforcementMeasures: r.int(10, 40),
      proposalHandlingRate: round(Math.min(100, r.uniform(95, 100.4)), 1),
    },
  };
  // Most offices leave the reporter out (the PDF author then defaults to the county government).
  if (r.next() < 0.3) {
    data.reporter = { name: `${r.pick(SURNAMES)}${r.pick(GIVEN)}`, office: `${name}人民政府` };
  }
  return data;
}

/** N fictional counties as batch items; the same arguments always give the same items. */
export function generateCounties(count, { seed = 1, year = 2020 } = {}) {
  const r = createRandom(seed);
  return uniqueCountyNames(r, count).map((name) => ({ id: name, data: county(r, name, year) }));
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seed: { type: 'string', default: '1' },
      year: { type: 'string', default: '2020' },
      output: { type: 'string', short: 'o' },
    },
  });
  const count = Number(positionals[0]);
  const seed = Number(values.seed);
  const year = Number(values.year);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    console.error('usage: npm run gen:counties -- <N 1..100000> [--seed S] [--year 2000..2100] [-o items.jsonl]');
    process.exitCode = 2;
    return;
  }
  if (!Number.isInteger(seed) || !Number.isInteger(year) || year < 2000 || year > 2100) {
    console.error('gen-counties: --seed must be a whole number and --year between 2000 and 2100');
    process.exitCode = 2;
    return;
  }
  const jsonl = generateCounties(count, { seed, year }).map((item) => JSON.stringify(item)).join('\n') + '\n';
  if (values.output) writeFileSync(resolve(values.output), jsonl);
  else process.stdout.write(jsonl);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
