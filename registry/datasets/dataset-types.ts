/**
 * Dataset types: a name, a dimension group, a storage class and whether the type is a
 * calibration. Registering a type makes its group's tag and calibration tables if needed.
 */
import type { Database, Executor } from '../dialect/database.js';
import { RegistryError, type DatasetTypeErrorCode } from '../errors.js';
import { createDatasetTables, calibTable, tagTable } from '../schema/registry-schema.js';
import { suggest, type DimensionGroup, type DimensionUniverse } from '../universe/dimension-universe.js';

/** What a user declares about a dataset type. */
export interface DatasetTypeSpec {
  readonly name: string;
  readonly dimensions: readonly string[];
  readonly storageClass: string;
  readonly isCalibration?: boolean;
}

/** A registered dataset type with the tables that hold its datasets. */
export interface DatasetType {
  readonly id: number;
  readonly name: string;
  readonly dimensions: DimensionGroup;
  readonly storageClass: string;
  readonly isCalibration: boolean;
  readonly tagTable: string;
  readonly calibTable: string;
}

/** Error for unknown or conflicting dataset types. */
export class DatasetTypeError extends RegistryError {
  override name = 'DatasetTypeError';
  constructor(message: string, override readonly code: DatasetTypeErrorCode = 'DATASET_TYPE') {
    super(message, code);
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Reads and registers dataset types (cached: there are tens to hundreds). */
export class DatasetTypes {
  private byName: Map<string, DatasetType> | null = null;
  private groups: Map<string, number> | null = null;

  constructor(private readonly db: Database, private readonly universe: DimensionUniverse) {}

  private async load(tx: Executor = this.db.knex): Promise<Map<string, DatasetType>> {
    if (!this.byName) {
      const groupRows = await this.db.arrays(tx, tx('dimension_group').select('dimension_group_id', 'dimensions'));
      this.groups = new Map(groupRows.map(([id, dims]) => [dims as string, Number(id)]));
      const groupNames = new Map([...this.groups].map(([dims, id]) => [id, dims]));
      const rows = await this.db.arrays(tx, tx('dataset_type').select('dataset_type_id', 'name', 'dimension_group_id', 'storage_class', 'is_calibration'));
      this.byName = new Map(rows.map(([id, name, groupId, storageClass, isCalibration]) => {
        const dims = groupNames.get(Number(groupId))!;
        return [name as string, {
          id: Number(id), name: name as string, storageClass: storageClass as string,
          isCalibration: Boolean(isCalibration), dimensions: this.universe.group(dims ? dims.split(',') : []),
          tagTable: tagTable(Number(groupId)), calibTable: calibTable(Number(groupId)),
        }];
      }));
    }
    return this.byName;
  }

  /** Forgets the cache. */
  invalidate(): void {
    this.byName = null;
    this.groups = null;
  }

  /**
   * Registers a dataset type; re-registering an identical definition returns the existing
   * one, a different definition under the same name is an error that says what differs.
   */
  async register(spec: DatasetTypeSpec, tx: Executor = this.db.knex): Promise<DatasetType> {
    if (!NAME_RE.test(spec.name)) throw new DatasetTypeError(`invalid dataset type name '${spec.name}'`);
    const dimensions = this.universe.group(spec.dimensions);
    const isCalibration = spec.isCalibration ?? false;
    const all = await this.load(tx);
    const existing = all.get(spec.name);
    if (existing) {
      const diffs: string[] = [];
      if (existing.dimensions.key !== dimensions.key) diffs.push(`dimensions {${existing.dimensions.required.join(', ')}} vs {${dimensions.required.join(', ')}}`);
      if (existing.storageClass !== spec.storageClass) diffs.push(`storage class ${existing.storageClass} vs ${spec.storageClass}`);
      if (existing.isCalibration !== isCalibration) diffs.push(`isCalibration ${existing.isCalibration} vs ${isCalibration}`);
      if (diffs.length) throw new DatasetTypeError(`dataset type '${spec.name}' is already registered differently: ${diffs.join('; ')}`, 'DATASET_TYPE_CONFLICT');
      return existing;
    }
    try {
      let groupId = this.groups!.get(dimensions.key);
      if (groupId === undefined) {
        const [row] = await tx('dimension_group').insert({ dimensions: dimensions.key }).returning('dimension_group_id');
        groupId = Number(typeof row === 'object' ? (row as { dimension_group_id: number }).dimension_group_id : row);
        await createDatasetTables(tx, this.universe, groupId, dimensions.required);
        this.groups!.set(dimensions.key, groupId);
      }
      const [row] = await tx('dataset_type').insert({
        name: spec.name, dimension_group_id: groupId, storage_class: spec.storageClass, is_calibration: isCalibration,
      }).returning('dataset_type_id');
      const id = Number(typeof row === 'object' ? (row as { dataset_type_id: number }).dataset_type_id : row);
      const type: DatasetType = { id, name: spec.name, dimensions, storageClass: spec.storageClass, isCalibration, tagTable: tagTable(groupId), calibTable: calibTable(groupId) };
      all.set(spec.name, type);
      return type;
    } catch (e) {
      this.invalidate();
      throw e;
    }
  }

  /** The dataset type called `name` (with a suggestion when unknown). */
  async get(name: string, tx: Executor = this.db.knex): Promise<DatasetType> {
    const all = await this.load(tx);
    const type = all.get(name);
    if (!type) throw new DatasetTypeError(`unknown dataset type '${name}'${suggest(name, [...all.keys()])}`, 'DATASET_TYPE_MISSING');
    return type;
  }

  /** The dataset type with database id `id`. */
  async byId(id: number, tx: Executor = this.db.knex): Promise<DatasetType> {
    for (const t of (await this.load(tx)).values()) if (t.id === id) return t;
    throw new DatasetTypeError(`no dataset type with id ${id}`, 'DATASET_TYPE_MISSING');
  }

  /** Whether `name` is registered. */
  async has(name: string, tx: Executor = this.db.knex): Promise<boolean> {
    return (await this.load(tx)).has(name);
  }

  /** All dataset types, sorted by name. */
  async all(tx: Executor = this.db.knex): Promise<DatasetType[]> {
    return [...(await this.load(tx)).values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
