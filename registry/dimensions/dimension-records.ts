/**
 * Dimension records: rows of the element tables. Spatial records also get one overlap row
 * per HTM trixel of their region's envelope (at the universe's skypix level), so spatial
 * joins are index joins that the query layer then refines with exact polygon tests.
 */
import type { Database, Executor } from '../dialect/database.js';
import { RegistryError } from '../errors.js';
import { overlapTable } from '../schema/registry-schema.js';
import { ConvexPolygon, HtmPixelization } from '../spatial/index.js';
import { TIME_MAX, TIME_MIN, type Timespan } from '../time/tai-time.js';
import type { DimensionElement, DimensionUniverse } from '../universe/dimension-universe.js';
import { checkKeyValue } from '../datasets/data-id.js';

/**
 * A record as users and exports see it: the element's own key under its key name (`id`,
 * `name`), required and implied dimensions under their names, metadata fields, and
 * `region` / `timespan` for spatial / temporal elements.
 */
export type DimensionRecord = Record<string, unknown> & { region?: ConvexPolygon | null; timespan?: Timespan | null };

/** Error for malformed or conflicting records. */
export class DimensionRecordError extends RegistryError {
  override name = 'DimensionRecordError';
  constructor(message: string) {
    super(message, 'DIMENSION_RECORD');
  }
}

/** Reads and writes dimension records. */
export class DimensionRecords {
  private readonly pixelization: HtmPixelization;

  constructor(private readonly db: Database, private readonly universe: DimensionUniverse) {
    this.pixelization = new HtmPixelization(universe.skypix.skypix!.level);
  }

  /** Table columns of `element`, in insert order. */
  columns(element: DimensionElement): string[] {
    return [
      ...element.primaryKeyColumns, ...element.implies, ...element.fields.map((f) => f.name),
      ...(element.spatial ? ['region'] : []), ...(element.temporal ? ['timespan_begin', 'timespan_end'] : []),
    ];
  }

  /**
   * Inserts records of one element in bulk. With `skipExisting`, records whose primary key
   * exists are left alone; otherwise a duplicate is an error.
   */
  async insert(elementName: string, records: readonly DimensionRecord[], tx: Executor, options: { skipExisting?: boolean } = {}): Promise<number> {
    const element = this.universe.element(elementName);
    if (!element.hasTable) throw new DimensionRecordError(`'${elementName}' is a skypix dimension and has no records`);
    const rows: unknown[][] = [];
    const overlaps: unknown[][] = [];
    records.forEach((record, n) => {
      const where = `${elementName} record #${n + 1}`;
      const row: unknown[] = [];
      for (const d of element.required) row.push(checkKeyValue(this.universe, d, need(record, d, where), where));
      if (element.key) {
        row.push(checkKeyValue(this.universe, element.name, need(record, element.key.name, where), where));
      }
      for (const d of element.implies) row.push(record[d] == null ? null : checkKeyValue(this.universe, d, record[d], `${where} implied`));
      for (const f of element.fields) row.push(fieldValue(record[f.name], f.type, `${where} field '${f.name}'`));
      if (element.spatial) {
        const region = record.region ?? null;
        if (region !== null && !(region instanceof ConvexPolygon)) throw new DimensionRecordError(`${where}: region must be a ConvexPolygon`);
        row.push(region ? region.encode() : null);
        if (region) {
          const keys = row.slice(0, element.primaryKeyColumns.length);
          for (const pixel of this.pixelization.envelopeIds(region)) overlaps.push([...keys, pixel]);
        }
      }
      if (element.temporal) {
        const ts = record.timespan ?? null;
        row.push(ts ? ts.begin : TIME_MIN, ts ? ts.end : TIME_MAX);
      }
      rows.push(row);
    });
    const keyCount = element.primaryKeyColumns.length;
    let inserted: number;
    let keep: Set<string> | null = null;
    if (options.skipExisting) {
      // only records that are new get overlap rows
      const added = await this.db.insertNewRows(tx, element.name, this.columns(element), rows, keyCount);
      inserted = added.filter(Boolean).length;
      if (inserted < rows.length) keep = new Set(rows.filter((_, i) => added[i]).map((r) => JSON.stringify(r.slice(0, keyCount))));
    } else {
      inserted = await this.insertRowsExplained(element, rows, tx);
    }
    if (element.spatial && overlaps.length) {
      const keyColumns = element.primaryKeyColumns.map((c) => (c === element.key?.name ? element.name : c));
      await this.db.insertRows(tx, overlapTable(element.name, this.universe.skypix.name), [...keyColumns, this.universe.skypix.name],
        keep ? overlaps.filter((o) => keep.has(JSON.stringify(o.slice(0, keyCount)))) : overlaps);
    }
    return inserted;
  }

  private async insertRowsExplained(element: DimensionElement, rows: unknown[][], tx: Executor): Promise<number> {
    try {
      return await this.db.insertRows(tx, element.name, this.columns(element), rows);
    } catch (e) {
      if (/unique|duplicate|primary/i.test(String((e as Error).message))) {
        throw new DimensionRecordError(`${element.name}: a record with the same key (${element.primaryKeyColumns.join(', ')}) already exists or appears twice: ${(e as Error).message}`);
      }
      throw e;
    }
  }

  /** Records of `elementName`, optionally restricted by equality on columns; ordered by primary key. */
  async query(elementName: string, tx: Executor, where: Record<string, unknown> = {}, limit?: number): Promise<DimensionRecord[]> {
    const element = this.universe.element(elementName);
    const plain = [...element.primaryKeyColumns, ...element.implies, ...element.fields.map((f) => f.name), ...(element.spatial ? ['region'] : [])];
    let q = tx(element.name).select(plain);
    if (element.temporal) q = q.select(this.db.exactInt('timespan_begin'), this.db.exactInt('timespan_end'));
    for (const [column, value] of Object.entries(where)) {
      if (!plain.includes(column)) throw new DimensionRecordError(`${elementName} has no column '${column}' (columns: ${plain.join(', ')})`);
      q = q.where(column, value as string | number);
    }
    q = q.orderBy(element.primaryKeyColumns);
    if (limit !== undefined) q = q.limit(limit);
    return this.decode(element, await this.db.arrays(tx, q));
  }

  /**
   * Records of `elementName` whose keys are among the rows of `ids`, a SELECT (with `?`
   * placeholders and its bindings) whose columns are named after the element's dimensions
   * (its required dimensions and, for a dimension, itself): one statement, ordered by
   * primary key. The query layer's where-restricted record queries use it.
   */
  async queryJoined(elementName: string, tx: Executor, ids: { readonly sql: string; readonly bindings: readonly unknown[] }, limit?: number): Promise<DimensionRecord[]> {
    const element = this.universe.element(elementName);
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const plain = [...element.primaryKeyColumns, ...element.implies, ...element.fields.map((f) => f.name), ...(element.spatial ? ['region'] : [])];
    const select = [...plain.map((c) => `e.${quote(c)}`), ...(element.temporal ? ['CAST(e.timespan_begin AS TEXT)', 'CAST(e.timespan_end AS TEXT)'] : [])];
    const on = [...element.required.map((d) => `e.${quote(d)} = i.${quote(d)}`), ...(element.key ? [`e.${quote(element.key.name)} = i.${quote(element.name)}`] : [])];
    let sql = `SELECT ${select.join(', ')} FROM ${quote(element.name)} e WHERE EXISTS (SELECT 1 FROM (${ids.sql}) i WHERE ${on.join(' AND ') || '1 = 1'}) ` +
      `ORDER BY ${element.primaryKeyColumns.map((c) => `e.${quote(c)}`).join(', ')}`;
    if (limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(limit))}`;
    return this.decode(element, await this.db.selectArrays(tx, this.db.placeholders(sql), ids.bindings));
  }

  /** Records from rows of the plain columns (then the timespan bounds as text, for temporal elements). */
  private decode(element: DimensionElement, rows: unknown[][]): DimensionRecord[] {
    const plain = [...element.primaryKeyColumns, ...element.implies, ...element.fields.map((f) => f.name), ...(element.spatial ? ['region'] : [])];
    return rows.map((row) => {
      const record: DimensionRecord = {};
      plain.forEach((c, i) => {
        const f = element.fields.find((x) => x.name === c);
        record[c] = c === 'region' ? (row[i] ? ConvexPolygon.decode(toBytes(row[i])) : null) : f?.type === 'bool' && row[i] !== null ? Boolean(row[i]) : f?.type === 'binary' && row[i] ? toBytes(row[i]) : row[i];
      });
      if (element.temporal) {
        const begin = BigInt(String(row[plain.length])), end = BigInt(String(row[plain.length + 1]));
        record.timespan = begin === TIME_MIN && end === TIME_MAX ? null : { begin, end };
      }
      return record;
    });
  }

  /** Row counts per element table. */
  async counts(tx: Executor): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const e of this.universe.elements.values()) {
      if (!e.hasTable) continue;
      const [row] = await this.db.arrays(tx, tx(e.name).count({ n: '*' }));
      out.set(e.name, Number(row![0]));
    }
    return out;
  }
}

function need(record: DimensionRecord, key: string, where: string): unknown {
  const v = record[key];
  if (v === undefined || v === null) throw new DimensionRecordError(`${where} lacks '${key}'`);
  return v;
}

function fieldValue(value: unknown, type: string, where: string): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new DimensionRecordError(`${where} must be an integer, got ${JSON.stringify(value)}`);
      return value;
    case 'float':
      if (typeof value !== 'number') throw new DimensionRecordError(`${where} must be a number, got ${JSON.stringify(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new DimensionRecordError(`${where} must be true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'binary':
      if (!(value instanceof Uint8Array)) throw new DimensionRecordError(`${where} must be binary data`);
      return value;
    default:
      return String(value);
  }
}

/** Driver blobs (Buffer) as Uint8Array. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new DimensionRecordError(`expected binary data, got ${typeof value}`);
}
