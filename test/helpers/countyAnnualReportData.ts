/**
 * The county-annual-report data as a TypeScript type, for typed test fixtures only: the product
 * has no type per template (templates are data, docs/templates.md). It mirrors
 * templates/county-annual-report/schema.json; test/unit/countyAnnualReportSchema.test.ts checks
 * that every sample satisfies the schema, and a sample that drifted from this type fails to compile.
 */
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
