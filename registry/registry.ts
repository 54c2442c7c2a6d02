import { randomUUID } from 'node:crypto';
/**
 * The registry: the SQL database that knows every dimension record, collection, dataset
 * type and dataset of a repository. This facade owns the connection and the managers; each
 * manager does one job (see collections/, datasets/, dimensions/).
 */
import type { Knex } from 'knex';
import type { Database, DatabaseConfig, Executor } from './dialect/database.js';
import { connectDatabase } from './dialect/connect.js';
import { RegistryError } from './errors.js';
import { Collections } from './collections/collections.js';
import { DatasetTypes } from './datasets/dataset-types.js';
import { Datasets } from './datasets/datasets.js';
import { DimensionRecords } from './dimensions/dimension-records.js';
import { createRegistrySchema } from './schema/registry-schema.js';
import { Summaries } from './datasets/summaries.js';
import { DimensionUniverse } from './universe/dimension-universe.js';

/** Most runs of one transaction that keeps losing to concurrent ones (pauses total about 10 s at most). */
export const TRANSACTION_ATTEMPTS = 8;

/** Version of the registry schema written by this code. */
export const SCHEMA_VERSION = 1;

/** A connected registry. */
export class Registry {
  readonly collections: Collections;
  readonly datasetTypes: DatasetTypes;
  readonly datasets: Datasets;
  readonly dimensions: DimensionRecords;
  readonly summaries: Summaries;
  /** Transactions run again after losing to a concurrent one (see `transaction`). */
  retriedTransactions = 0;

  /**
   * @param id the repository's UUID, made once at creation: graphs record it, and a graph built
   * against another repository is refused before it runs.
   */
  private constructor(readonly db: Database, readonly universe: DimensionUniverse, readonly id: string) {
    this.collections = new Collections(db);
    this.datasetTypes = new DatasetTypes(db, universe);
    this.datasets = new Datasets(db, this.collections, this.datasetTypes);
    this.dimensions = new DimensionRecords(db, universe);
    this.summaries = new Summaries(db, this.collections, this.datasetTypes, universe);
  }

  /** Creates the schema of a new registry (the database must hold no registry yet). */
  static async create(config: DatabaseConfig, universeYaml?: string): Promise<Registry> {
    const universe = universeYaml ? DimensionUniverse.fromYaml(universeYaml) : DimensionUniverse.default();
    // stored as JSON, which opening reads without the YAML parser (see fromYaml)
    const text = JSON.stringify(universe.config);
    const db = await connectDatabase(config);
    const id = randomUUID();
    try {
      if (await db.knex.schema.hasTable('qg_meta')) throw new RegistryError('this database already holds a qg registry', 'REGISTRY_EXISTS');
      await db.transaction(async (tx) => {
        await createRegistrySchema(tx, universe);
        await tx('qg_meta').insert([
          { key: 'schema_version', value: String(SCHEMA_VERSION) },
          { key: 'universe', value: text },
          { key: 'repository_id', value: id },
        ]);
      });
    } catch (e) {
      await db.close();
      throw e;
    }
    return new Registry(db, universe, id);
  }

  /** Opens an existing registry (its universe is stored in it). */
  static async open(config: DatabaseConfig): Promise<Registry> {
    const db = await connectDatabase(config);
    try {
      if (!(await db.knex.schema.hasTable('qg_meta'))) throw new RegistryError('no qg registry in this database (run `qg repo create` first)', 'REGISTRY_MISSING');
      const rows = (await db.knex('qg_meta').select('key', 'value')) as { key: string; value: string }[];
      const meta = new Map(rows.map((r) => [r.key, r.value]));
      const version = Number(meta.get('schema_version'));
      if (version !== SCHEMA_VERSION) throw new RegistryError(`registry schema version ${version} is not supported (this qg reads ${SCHEMA_VERSION})`, 'SCHEMA_VERSION');
      return new Registry(db, DimensionUniverse.fromYaml(meta.get('universe') ?? '', 'stored universe'), meta.get('repository_id') ?? (await assignRepositoryId(db)));
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /**
   * Runs `fn` in one transaction; on failure nothing of it stays and caches are dropped. A
   * transaction that loses to a concurrent one (deadlock, serialization failure, busy SQLite
   * file; with `retryConflicts` also a unique key another writer inserted first, for
   * idempotent set-up such as registering a run) runs again, up to {@link TRANSACTION_ATTEMPTS}
   * times, after a random growing pause: `fn` must have no effect outside the transaction.
   */
  async transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>, options: { readonly retryConflicts?: boolean } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(fn);
      } catch (e) {
        this.collections.invalidate();
        this.datasetTypes.invalidate();
        const again = this.db.isTransient(e) || (options.retryConflicts === true && this.db.isUniqueViolation(e));
        if (!again || attempt >= TRANSACTION_ATTEMPTS) throw e;
        this.retriedTransactions++;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * 2 ** attempt));
      }
    }
  }

  /** The plain (non-transaction) executor. */
  get knex(): Executor {
    return this.db.knex;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.db.close();
  }
}

/** Gives a repository created before repositories had ids its UUID (once: a concurrent opener's id wins). */
async function assignRepositoryId(db: Database): Promise<string> {
  await db.knex('qg_meta').insert({ key: 'repository_id', value: randomUUID() }).onConflict('key').ignore();
  const row = (await db.knex('qg_meta').where('key', 'repository_id').first('value')) as { value: string };
  return row.value;
}
