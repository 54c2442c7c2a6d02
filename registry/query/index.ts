/** Public surface of the query layer: the --where language, data-ID and dataset queries, and the planner's queries. */
export * from './where/index.js';
export * from './query-errors.js';
export * from './bind-values.js';
export { analyzeWhere, compileWhere, resolveName, regionFromLiteral, regionElementFor, regionElementForGroup, governorConstraints, findContradiction, type ResolvedName, type WhereScope, type WhereAnalysis, type RegionTerm } from './where-compiler.js';
export { DataIdQuery, queryDataIds, type DataIdQuerySpec } from './data-id-query.js';
export { queryDatasets, type DatasetQuerySpec, type FoundDataset } from './dataset-query.js';
export { TempTables } from './temp-tables.js';
export { certifiedRanges, hasNoRecords, PlanningQueries, type FoundAt, type PrerequisiteLookup, type Projection } from './planning-queries.js';
export { WHERE_INLINE_VALUES, WHERE_MAX_BINDINGS, type SqlFragment, type ValueListType, type WhereDialect } from './where-dialect.js';
export { queryDimensionRecords, type DimensionRecordQuerySpec } from './dimension-record-query.js';
export { absentValues, absentValueText, comparedStringValues, type AbsentValue } from './absent-values.js';
