/**
 * Dataset queries: datasets of one type in an ordered list of collections whose data IDs
 * satisfy a --where expression; with `findFirst`, only the first per data ID in collection
 * order (a window function in SQL, not a scan in JS). CALIBRATION collections are searched
 * by validity time: find-first there needs the instant (`time`).
 */
import type { Registry } from '../registry.js';
import { RegistryError } from '../errors.js';
import { makeDataId } from '../datasets/data-id.js';
import type { DatasetRef } from '../datasets/datasets.js';
import { CANDIDATE_COLUMNS, candidateRows, dataIdColumns, firstInSearchOrder, SearchPath, unionAll } from '../datasets/dataset-search.js';
import { taiToIso, TIME_MAX, TIME_MIN } from '../time/tai-time.js';
import type { BindValue } from './bind-values.js';
import { DataIdQuery } from './data-id-query.js';
import { q } from './temp-tables.js';

/** What to search. */
export interface DatasetQuerySpec {
  readonly datasetType: string;
  readonly collections: readonly string[];
  readonly where?: string;
  readonly bind?: ReadonlyMap<string, BindValue>;
  readonly findFirst?: boolean;
  /** TAI ns at which calibrations must be valid (needed for find-first in CALIBRATION collections). */
  readonly time?: bigint;
  readonly limit?: number;
}

/** A found dataset, with the collection it was found in (and its validity for calibrations). */
export interface FoundDataset extends DatasetRef {
  readonly collection: string;
  readonly validity?: string;
}

/** Runs a dataset query. */
export async function queryDatasets(registry: Registry, spec: DatasetQuerySpec): Promise<FoundDataset[]> {
  const type = await registry.datasetTypes.get(spec.datasetType);
  const searched = await registry.collections.flatten(spec.collections);
  const calibs = searched.filter((c) => c.type === 'CALIBRATION');
  if (calibs.length && spec.findFirst && spec.time === undefined) {
    throw new RegistryError(`a find-first search for '${type.name}' in CALIBRATION collection(s) ${calibs.map((c) => `'${c.name}'`).join(', ')} needs a time ` +
      `(--time '2024-01-01T00:00:00', TAI) to choose among validity ranges; or search without --find-first to list every certification`, 'CALIB_NEEDS_TIME');
  }
  if (!searched.length) return [];
  const db = registry.db;
  const dims = type.dimensions.required;
  const path = new SearchPath(searched);
  return registry.transaction(async (tx) => {
    const ids = await DataIdQuery.prepare(registry, tx, { dimensions: [...type.dimensions.names], ...(spec.where !== undefined ? { where: spec.where } : {}), ...(spec.bind ? { bind: spec.bind } : {}) });
    try {
      const join = { from: 'ids i', on: dims.map((d) => `i.${q(d)} = t.${q(d)}`).join(' AND ') || '1 = 1' };
      const atTime = spec.time !== undefined ? 't.timespan_begin <= ? AND t.timespan_end > ?' : undefined;
      const candidates = unionAll([
        candidateRows(type, path, 'tag', { join, trailing: [...dataIdColumns(dims), 'NULL AS vb', 'NULL AS ve'] }),
        candidateRows(type, path, 'calib', { join, trailing: [...dataIdColumns(dims), 'CAST(t.timespan_begin AS TEXT) AS vb', 'CAST(t.timespan_end AS TEXT) AS ve'], ...(atTime ? { where: atTime } : {}) }),
      ])!;
      const bindings = [...ids.bindings, ...(atTime && path.calibrations.length ? [spec.time, spec.time] : [])];
      const columns = [...CANDIDATE_COLUMNS, ...dims.map(q), 'vb', 've'];
      let sql = `WITH ids AS (${ids.sql}) `;
      sql += spec.findFirst ? firstInSearchOrder(candidates, dims.map(q), columns) : `SELECT ${columns.join(', ')} FROM (${candidates}) c`;
      sql += ` ORDER BY ${[...dims.map(q), 'dataset_id'].join(', ')}`;
      if (spec.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(spec.limit))}`;
      const rows = await db.selectArrays(tx, db.placeholders(sql), bindings);
      const out: FoundDataset[] = [];
      for (const row of rows) {
        const [id, collectionId, runId] = row;
        const values = row.slice(3, 3 + dims.length);
        const [vb, ve] = row.slice(3 + dims.length);
        out.push({
          id: String(id), datasetType: type.name, dataId: makeDataId(dims, values),
          run: (await registry.collections.byId(Number(runId), tx)).name,
          collection: (await registry.collections.byId(Number(collectionId), tx)).name,
          ...(vb !== null && vb !== undefined ? { validity: formatValidity(BigInt(String(vb)), BigInt(String(ve))) } : {}),
        });
      }
      return out;
    } finally {
      await ids.dispose();
    }
  });
}

function formatValidity(b: bigint, e: bigint): string {
  return `[${b <= TIME_MIN ? '-inf' : taiToIso(b)}, ${e >= TIME_MAX ? '+inf' : taiToIso(e)})`;
}
