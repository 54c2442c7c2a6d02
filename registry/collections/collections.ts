/**
 * Collections: RUN (where datasets are written), TAGGED (hand-picked datasets), CHAINED
 * (an ordered search path of other collections) and CALIBRATION (datasets certified with
 * validity timespans). Records are cached in memory: a registry holds thousands of them at
 * most, and every search needs them.
 */
import type { Database, Executor } from '../dialect/database.js';
import { RegistryError, type CollectionErrorCode } from '../errors.js';
import { checkRelative } from '../datastore/file-template.js';
import { suggest } from '../universe/dimension-universe.js';

/** The four collection types. */
export type CollectionType = 'RUN' | 'TAGGED' | 'CHAINED' | 'CALIBRATION';

/** Collection types in the order users usually meet them. */
export const COLLECTION_TYPES: readonly CollectionType[] = ['RUN', 'TAGGED', 'CHAINED', 'CALIBRATION'];

/** One collection. */
export interface CollectionRecord {
  readonly id: number;
  readonly name: string;
  readonly type: CollectionType;
  readonly doc: string | null;
}

/** Error for collection misuse: unknown names, type conflicts, chain cycles. */
export class CollectionError extends RegistryError {
  override name = 'CollectionError';
  constructor(message: string, override readonly code: CollectionErrorCode = 'COLLECTION') {
    super(message, code);
  }
}

/** Refuses a name {@link Collections.register} refuses: empty, or holding whitespace, commas or `..`. */
export function checkCollectionName(name: string): void {
  if (!name || /[\s,]/.test(name) || name.includes('..')) {
    throw new CollectionError(`invalid collection name '${name}': names may not be empty or contain whitespace, commas or '..'`);
  }
}

/**
 * Refuses a name `qg run` cannot give an output RUN or its CHAINED collection: one that
 * {@link checkCollectionName} refuses, or one that is not a relative path (the run's files go
 * to the folder of its name: {@link checkRelative}'s rule). Throws CollectionError or PathError.
 */
export function checkOutputCollectionName(name: string): void {
  checkCollectionName(name);
  checkRelative(name);
}

/** Reads and writes collections and chains. */
export class Collections {
  private byName: Map<string, CollectionRecord> | null = null;
  /** The records of `byName` by id (rebuilt with it). */
  private byIdIndex = new Map<number, CollectionRecord>();
  private chains = new Map<number, number[]>();

  constructor(private readonly db: Database) {}

  private async load(tx: Executor = this.db.knex): Promise<Map<string, CollectionRecord>> {
    if (!this.byName) {
      const rows = await this.db.arrays(tx, tx('collection').select('collection_id', 'name', 'type', 'doc'));
      const chainRows = await this.db.arrays(tx, tx('collection_chain').select('parent', 'child').orderBy(['parent', 'position']));
      this.byName = new Map(rows.map(([id, name, type, doc]) => [name as string, { id: Number(id), name: name as string, type: type as CollectionType, doc: (doc as string | null) ?? null }]));
      this.byIdIndex = new Map([...this.byName.values()].map((r) => [r.id, r]));
      this.chains = new Map();
      for (const [parent, child] of chainRows) {
        const list = this.chains.get(Number(parent)) ?? [];
        list.push(Number(child));
        this.chains.set(Number(parent), list);
      }
    }
    return this.byName;
  }

  /** Forgets the cache (after writes by another process, or a rolled-back transaction). */
  invalidate(): void {
    this.byName = null;
  }

  /**
   * Registers a collection. Registering an existing name with the same type is a no-op that
   * returns the existing record; a different type is an error.
   */
  async register(name: string, type: CollectionType, doc: string | null = null, tx: Executor = this.db.knex): Promise<CollectionRecord> {
    checkCollectionName(name);
    if (!COLLECTION_TYPES.includes(type)) throw new CollectionError(`unknown collection type '${type}' (expected ${COLLECTION_TYPES.join(', ')})`);
    const existing = (await this.load(tx)).get(name);
    if (existing) {
      if (existing.type !== type) throw new CollectionError(`collection '${name}' exists with type ${existing.type}, not ${type}`, 'COLLECTION_CONFLICT');
      return existing;
    }
    try {
      const [row] = await tx('collection').insert({ name, type, doc }).returning('collection_id');
      const id = Number(typeof row === 'object' ? (row as { collection_id: number }).collection_id : row);
      if (type === 'RUN') await tx('run').insert({ collection_id: id });
      const record: CollectionRecord = { id, name, type, doc };
      this.byName!.set(name, record);
      this.byIdIndex.set(id, record);
      return record;
    } catch (e) {
      this.invalidate();
      throw e;
    }
  }

  /** The collection called `name` (with a suggestion when unknown). */
  async get(name: string, tx: Executor = this.db.knex): Promise<CollectionRecord> {
    const all = await this.load(tx);
    const record = all.get(name);
    if (!record) throw new CollectionError(`unknown collection '${name}'${suggest(name, [...all.keys()])}`, 'COLLECTION_MISSING');
    return record;
  }

  /** The collection with database id `id`. */
  async byId(id: number, tx: Executor = this.db.knex): Promise<CollectionRecord> {
    await this.load(tx);
    const record = this.byIdIndex.get(id);
    if (record) return record;
    throw new CollectionError(`no collection with id ${id}`, 'COLLECTION_MISSING');
  }

  /** Whether a collection exists. */
  async has(name: string, tx: Executor = this.db.knex): Promise<boolean> {
    return (await this.load(tx)).has(name);
  }

  /** All collections, optionally filtered by a glob (`*`, `?`) and types, sorted by name. */
  async query(pattern?: string, types?: readonly CollectionType[]): Promise<CollectionRecord[]> {
    const re = pattern ? globToRegExp(pattern) : null;
    return [...(await this.load()).values()]
      .filter((r) => (!re || re.test(r.name)) && (!types || types.includes(r.type)))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The direct children of a CHAINED collection, in search order. */
  async getChain(parent: string, tx: Executor = this.db.knex): Promise<string[]> {
    const record = await this.get(parent, tx);
    if (record.type !== 'CHAINED') throw new CollectionError(`collection '${parent}' is ${record.type}, not CHAINED`);
    const ids = this.chains.get(record.id) ?? [];
    return Promise.all(ids.map(async (id) => (await this.byId(id, tx)).name));
  }

  /** Replaces the children of CHAINED collection `parent`; refuses cycles. */
  async setChain(parent: string, children: readonly string[], tx: Executor = this.db.knex): Promise<void> {
    const record = await this.get(parent, tx);
    if (record.type !== 'CHAINED') throw new CollectionError(`collection '${parent}' is ${record.type}, not CHAINED`);
    const childRecords = await Promise.all(children.map((c) => this.get(c, tx)));
    for (const child of childRecords) {
      const reachable = await this.flatten([child.name], tx, true);
      if (child.id === record.id || reachable.some((r) => r.id === record.id)) {
        throw new CollectionError(`chaining '${child.name}' into '${parent}' would make a cycle`, 'COLLECTION_CYCLE');
      }
    }
    try {
      await tx('collection_chain').where({ parent: record.id }).delete();
      if (childRecords.length) {
        await tx('collection_chain').insert(childRecords.map((c, position) => ({ parent: record.id, position, child: c.id })));
      }
      this.chains.set(record.id, childRecords.map((c) => c.id));
    } catch (e) {
      this.invalidate();
      throw e;
    }
  }

  /**
   * Expands a search path: chains are replaced by their children, recursively and in order;
   * a collection reached twice keeps its first place. With `keepChains`, chains are listed
   * too (before their children).
   */
  async flatten(names: readonly string[], tx: Executor = this.db.knex, keepChains = false): Promise<CollectionRecord[]> {
    const out: CollectionRecord[] = [];
    const seen = new Set<number>();
    const visit = async (record: CollectionRecord): Promise<void> => {
      if (seen.has(record.id)) return;
      seen.add(record.id);
      if (record.type === 'CHAINED') {
        if (keepChains) out.push(record);
        for (const id of this.chains.get(record.id) ?? []) await visit(await this.byId(id, tx));
      } else {
        out.push(record);
      }
    };
    for (const name of names) await visit(await this.get(name, tx));
    return out;
  }

  /** Removes a collection (a RUN's datasets go with it; chains that contain it must be changed first). */
  async remove(name: string, tx: Executor = this.db.knex): Promise<void> {
    const record = await this.get(name, tx);
    const parents = await tx('collection_chain').where({ child: record.id }).select('parent');
    if (parents.length) {
      const names = await Promise.all(parents.map(async (p: { parent: number }) => (await this.byId(Number(p.parent), tx)).name));
      throw new CollectionError(`collection '${name}' is in chain(s) ${names.join(', ')}; remove it from them first`);
    }
    try {
      if (record.type === 'RUN') {
        await tx('dataset').where({ run_id: record.id }).delete();
      }
      await tx('collection').where({ collection_id: record.id }).delete();
    } finally {
      this.invalidate();
    }
  }
}

/** A glob (`*`, `?`) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
