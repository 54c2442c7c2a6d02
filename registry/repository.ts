/**
 * A data repository: a folder holding `qg.yaml` (where the registry is), the registry
 * (by default the SQLite file `registry.sqlite3` beside it) and the dataset files.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { DatabaseConfig, Executor } from './dialect/database.js';
import { RegistryError } from './errors.js';
import { Registry } from './registry.js';
import { Datastore, FILE_RECORD_COLUMNS, storedFileOf, writeAtomically, type StoredFile } from './datastore/datastore.js';
import { DEFAULT_TEMPLATE } from './datastore/file-template.js';
import type { DataId } from './datasets/data-id.js';
import type { DatasetRef } from './datasets/datasets.js';

/** Name of the repository's config file. */
export const CONFIG_FILE = 'qg.yaml';
/** Default SQLite file name. */
export const SQLITE_FILE = 'registry.sqlite3';

/** Contents of qg.yaml. */
export interface RepositoryConfig {
  readonly qg_repository: 1;
  readonly registry: { dialect: 'sqlite'; filename: string } | { dialect: 'postgresql'; url: string; schema?: string };
  readonly datastore: { template: string };
}

/** Options for `Repository.create`. */
export interface CreateOptions {
  /** `postgresql://...` for a shared registry; SQLite in the root when absent. */
  readonly db?: string;
  /** PostgreSQL schema to hold this repository's tables. */
  readonly schema?: string;
  /** Dimension universe YAML (the default one when absent). */
  readonly universeYaml?: string;
}

/** Registry + datastore under one root. */
export class Repository {
  readonly datastore: Datastore;

  private constructor(readonly root: string, readonly config: RepositoryConfig, readonly registry: Registry) {
    this.datastore = new Datastore(root, config.datastore.template);
  }

  /**
   * Creates a new repository at `root` (which must not exist or be empty). When the registry
   * cannot be made (an unreachable database, say), the folders this made are removed again.
   */
  static async create(root: string, options: CreateOptions = {}): Promise<Repository> {
    root = resolve(root);
    if (existsSync(root) && readdirSync(root).length > 0) throw new RegistryError(`'${root}' exists and is not empty`, 'REPO_EXISTS');
    if (options.db && !/^postgres(ql)?:\/\//.test(options.db)) throw new RegistryError(`--db must be a postgresql:// URL, got '${options.db}'`, 'BAD_DB_URL');
    const registryConfig: RepositoryConfig['registry'] = options.db
      ? { dialect: 'postgresql', url: options.db, ...(options.schema ? { schema: options.schema } : {}) }
      : { dialect: 'sqlite', filename: SQLITE_FILE };
    const config: RepositoryConfig = { qg_repository: 1, registry: registryConfig, datastore: { template: DEFAULT_TEMPLATE } };
    const made = mkdirSync(root, { recursive: true });
    let registry: Registry;
    try {
      registry = await Registry.create(databaseConfig(root, config), options.universeYaml);
    } catch (e) {
      if (made) rmSync(made, { recursive: true, force: true });
      throw e;
    }
    writeAtomically(join(root, CONFIG_FILE), new TextEncoder().encode(stringifyYaml(config)));
    return new Repository(root, config, registry);
  }

  /** Opens the repository at `root`. */
  static async open(root: string): Promise<Repository> {
    root = resolve(root);
    const configPath = join(root, CONFIG_FILE);
    if (!existsSync(configPath)) throw new RegistryError(`'${root}' is not a qg repository (no ${CONFIG_FILE}); create one with \`qg repo create ${root}\``, 'REPO_MISSING');
    const config = parseYaml(readFileSync(configPath, 'utf8')) as RepositoryConfig;
    if (config?.qg_repository !== 1 || !config.registry) throw new RegistryError(`${configPath}: not a qg repository config`, 'REPO_CONFIG');
    return new Repository(root, config, await Registry.open(databaseConfig(root, config)));
  }

  /**
   * Writes `value` as a new dataset and registers it: the file is written first, then the
   * dataset and its file record are inserted in one transaction; if that fails, the file is
   * removed, so a registered dataset always has its file.
   */
  async put(value: unknown, datasetType: string, dataId: DataId, run: string): Promise<DatasetRef> {
    const [ref] = await this.putMany([{ value, dataId }], datasetType, run);
    return ref!;
  }

  /** `put` for many datasets of one type: one transaction for the whole batch. */
  async putMany(items: readonly { value: unknown; dataId: DataId; id?: string }[], datasetType: string, run: string): Promise<DatasetRef[]> {
    const type = await this.registry.datasetTypes.get(datasetType);
    const planned: DatasetRef[] = items.map((item) => ({ id: item.id ?? randomUUID(), datasetType, run, dataId: item.dataId }));
    const files: StoredFile[] = [];
    try {
      for (const [i, ref] of planned.entries()) files.push(this.datastore.write(ref, type.storageClass, items[i]!.value));
      return await this.registry.transaction(async (tx) => {
        const refs = await this.registry.datasets.insert(datasetType, run, planned.map((r) => r.dataId), tx, planned.map((r) => r.id));
        await this.insertFileRecords(files, tx);
        return refs;
      });
    } catch (e) {
      for (const f of files) this.datastore.remove(f);
      throw e;
    }
  }

  /** Records stored files in the registry. */
  async insertFileRecords(files: readonly StoredFile[], tx: Executor): Promise<void> {
    await this.registry.db.insertRows(tx, 'datastore_record', FILE_RECORD_COLUMNS,
      files.map((f) => [f.datasetId, f.path, f.formatter, f.storageClass, f.checksum, f.size]));
  }

  /** The stored-file record of a dataset, or undefined when it has none. */
  async fileOf(ref: DatasetRef, tx: Executor = this.registry.knex): Promise<StoredFile | undefined> {
    const rows = await this.registry.db.arrays(tx, tx('datastore_record').select(FILE_RECORD_COLUMNS).where('dataset_id', ref.id));
    const row = rows[0];
    return row && storedFileOf(row, ref.id);
  }

  /** Reads a dataset's object. */
  async get(ref: DatasetRef): Promise<unknown> {
    const file = await this.fileOf(ref);
    if (!file) throw new RegistryError(`${ref.datasetType} ${JSON.stringify(ref.dataId)} in '${ref.run}' has no file in this repository`, 'FILE_MISSING');
    return this.datastore.read(ref, file);
  }

  /** Closes the registry connection. */
  async close(): Promise<void> {
    await this.registry.close();
  }
}

function databaseConfig(root: string, config: RepositoryConfig): DatabaseConfig {
  const r = config.registry;
  return r.dialect === 'sqlite' ? { dialect: 'sqlite', filename: join(root, r.filename) } : { dialect: 'postgresql', url: r.url, ...(r.schema ? { schema: r.schema } : {}) };
}
