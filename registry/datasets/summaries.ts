/**
 * Collection summaries: which dataset types and governor values (instrument, skymap) a
 * collection can hold. Kept current on every insert, so a search that is doomed (a type
 * never put in a collection, an instrument it has no data for) is known before any SQL runs.
 */
import type { Database, Executor } from '../dialect/database.js';
import type { Collections } from '../collections/collections.js';
import { governorSummaryTable } from '../schema/registry-schema.js';
import type { DimensionUniverse } from '../universe/dimension-universe.js';
import type { DatasetTypes } from './dataset-types.js';

/** What a collection (or a chain, through its children) can hold. */
export interface CollectionSummary {
  readonly datasetTypes: ReadonlySet<string>;
  /** Governor name -> values present. */
  readonly governors: ReadonlyMap<string, ReadonlySet<string | number>>;
}

/** Reads collection summaries. */
export class Summaries {
  constructor(
    private readonly db: Database,
    private readonly collections: Collections,
    private readonly types: DatasetTypes,
    private readonly universe: DimensionUniverse,
  ) {}

  /** The union of the summaries of `names` (chains expanded). */
  async get(names: readonly string[], tx: Executor = this.db.knex): Promise<CollectionSummary> {
    const ids = (await this.collections.flatten(names, tx)).map((c) => c.id);
    const datasetTypes = new Set<string>();
    const governors = new Map<string, Set<string | number>>();
    if (!ids.length) return { datasetTypes, governors };
    for (const [typeId] of await this.db.arrays(tx, tx('collection_summary_dataset_type').distinct('dataset_type_id').whereIn('collection_id', ids))) {
      datasetTypes.add((await this.types.byId(Number(typeId), tx)).name);
    }
    for (const g of this.universe.governors) {
      const rows = await this.db.arrays(tx, tx(governorSummaryTable(g.name)).distinct(g.name).whereIn('collection_id', ids));
      governors.set(g.name, new Set(rows.map((r) => r[0] as string | number)));
    }
    return { datasetTypes, governors };
  }
}
