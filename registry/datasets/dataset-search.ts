/**
 * The SQL of every dataset search over an ordered list of collections: the candidate rows of
 * one dataset type (its tag table for RUN and TAGGED collections, its calib table for
 * CALIBRATION ones), each ranked by its collection's place in the search, and find-first (per
 * data ID, the candidate of the first collection) as one window function over them.
 */
import type { CollectionRecord } from '../collections/collections.js';
import { q } from '../query/temp-tables.js';
import type { DatasetType } from './dataset-types.js';

/** The columns of the dataset in every candidate row, after the caller's leading ones. */
export const CANDIDATE_COLUMNS: readonly string[] = ['dataset_id', 'collection_id', 'run_id'];

/** Searched collections in order (a rank is a place in it), split by the table holding their datasets. */
export class SearchPath {
  readonly tagged: readonly CollectionRecord[];
  readonly calibrations: readonly CollectionRecord[];

  constructor(readonly collections: readonly CollectionRecord[]) {
    this.tagged = collections.filter((c) => c.type !== 'CALIBRATION');
    this.calibrations = collections.filter((c) => c.type === 'CALIBRATION');
  }
}

/** What candidate rows carry besides the dataset, and what narrows them. */
export interface CandidateShape {
  /** Columns before the dataset's (e.g. `qt.idx AS idx`). */
  readonly leading?: readonly string[];
  /** Columns after them (e.g. {@link dataIdColumns}). */
  readonly trailing?: readonly string[];
  /** Tables the dataset table `t` is joined to (`FROM <from> JOIN <table> t ON <on>`). */
  readonly join?: { readonly from: string; readonly on: string };
  /** More conditions (on `t` and the joined tables; `?` placeholders). */
  readonly where?: string;
  /** Each row once (a calibration certified for several ranges otherwise comes once per range). */
  readonly distinct?: boolean;
}

/** `t.<d> AS <d>` for each dimension `d` (the data ID of a candidate). */
export function dataIdColumns(dimensions: readonly string[]): string[] {
  return dimensions.map((d) => `t.${q(d)} AS ${q(d)}`);
}

/**
 * The datasets of `type` in the searched collections of one kind (`tag`: `path.tagged`,
 * `calib`: `path.calibrations`) as rows of `<leading>, dataset_id, collection_id, run_id,
 * <trailing>, search_rank`; null when no collection of that kind is searched.
 */
export function candidateRows(type: DatasetType, path: SearchPath, table: 'tag' | 'calib', shape: CandidateShape = {}): string | null {
  const collections = table === 'tag' ? path.tagged : path.calibrations;
  if (!collections.length) return null;
  const rank = `CASE t.collection_id ${path.collections.map((c, i) => `WHEN ${Number(c.id)} THEN ${i}`).join(' ')} END AS search_rank`;
  // a dataset in a RUN collection is of that run: only TAGGED and CALIBRATION ones need the dataset table
  const runsOnly = collections.every((c) => c.type === 'RUN');
  const columns = [...(shape.leading ?? []), 't.dataset_id AS dataset_id', 't.collection_id AS collection_id', `${runsOnly ? 't.collection_id' : 'ds.run_id'} AS run_id`, ...(shape.trailing ?? []), rank];
  const datasetTable = q(table === 'tag' ? type.tagTable : type.calibTable);
  const from = shape.join ? `${shape.join.from} JOIN ${datasetTable} t ON ${shape.join.on}` : `${datasetTable} t`;
  return `SELECT ${shape.distinct ? 'DISTINCT ' : ''}${columns.join(', ')} FROM ${from}${runsOnly ? '' : ` JOIN ${q('dataset')} ds ON ds.id = t.dataset_id`} ` +
    `WHERE t.dataset_type_id = ${Number(type.id)} AND t.collection_id IN (${collections.map((c) => Number(c.id)).join(', ')})${shape.where ? ` AND ${shape.where}` : ''}`;
}

/** The candidate queries that are not null, as one (null when none is). */
export function unionAll(parts: readonly (string | null)[]): string | null {
  const present = parts.filter((p): p is string => p !== null);
  return present.length ? present.join(' UNION ALL ') : null;
}

/**
 * Find-first: per value of `partition` (output columns of `candidates`: a data ID, a quantum),
 * the candidate of the first collection in search order, as its `columns`. With `ties`, every
 * candidate of that first collection (more than one dataset there makes the choice ambiguous:
 * two validity ranges both match).
 */
export function firstInSearchOrder(candidates: string, partition: readonly string[], columns: readonly string[], options: { ties?: boolean } = {}): string {
  const place = options.ties ? 'RANK()' : 'ROW_NUMBER()';
  return `SELECT ${columns.join(', ')} FROM (SELECT c.*, ${place} OVER (PARTITION BY ${partition.join(', ') || '1'} ORDER BY search_rank) AS search_place ` +
    `FROM (${candidates}) c) ranked WHERE search_place = 1`;
}
