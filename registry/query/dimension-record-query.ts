/**
 * Dimension records restricted by a --where expression (LSST's `query-dimension-records
 * --where`): the data IDs of the element's dimensions that satisfy it (a data-ID query, with
 * everything it can relate: spatial and temporal terms, other dimensions' fields) select the
 * records in one statement. Without an expression, every record.
 */
import type { Registry } from '../registry.js';
import type { DimensionRecord } from '../dimensions/dimension-records.js';
import type { BindValue } from './bind-values.js';
import { DataIdQuery } from './data-id-query.js';

/** What to list. */
export interface DimensionRecordQuerySpec {
  readonly element: string;
  readonly where?: string;
  readonly bind?: ReadonlyMap<string, BindValue>;
  readonly limit?: number;
}

/** Records of `spec.element` whose data IDs satisfy `spec.where`, ordered by primary key. */
export async function queryDimensionRecords(registry: Registry, spec: DimensionRecordQuerySpec): Promise<DimensionRecord[]> {
  const element = registry.universe.element(spec.element);
  if (!spec.where?.trim()) return registry.dimensions.query(element.name, registry.knex, {}, spec.limit);
  const dimensions = [...element.required, ...(element.key ? [element.name] : [])];
  return registry.transaction(async (tx) => {
    const ids = await DataIdQuery.prepare(registry, tx, { dimensions, where: spec.where!, ...(spec.bind ? { bind: spec.bind } : {}) });
    try {
      return await registry.dimensions.queryJoined(element.name, tx, ids, spec.limit);
    } finally {
      await ids.dispose();
    }
  });
}
