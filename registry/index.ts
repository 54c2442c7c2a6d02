/** Public surface of the registry folder: the data repository. */
export * from './errors.js';
export * from './time/tai-time.js';
export * from './universe/dimension-universe.js';
export * from './dialect/database.js';
export * from './collections/collections.js';
export * from './collections/run-timestamp.js';
export * from './datasets/data-id.js';
export * from './datasets/dataset-types.js';
export * from './datasets/datasets.js';
export * from './datasets/summaries.js';
export * from './dimensions/dimension-records.js';
export * from './schema/registry-schema.js';
export * from './registry.js';
export * from './repository.js';
export * from './datastore/datastore.js';
export * from './datastore/file-template.js';
export * from './datastore/formatters.js';
// for its effect: the Arrow formatter works at once for everyone who imports this surface
import './datastore/arrow-tables.js';
export * from './memory/heap-budget.js';
export * from './yaml/bounded-yaml.js';
export * from './spatial/index.js';
export * from './query/index.js';
export { FitsHeader, readFits, writeFits, readFitsHeader, FitsError, type FitsCard, type FitsPixelArray } from './datastore/fits/index.js';
export { exposureToFits, exposureFromFits, type Exposure } from './datastore/exposure-fits.js';
