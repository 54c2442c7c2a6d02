/**
 * Shared helpers for the registry tests: the LSST fixture read with plain `yaml` (no qg
 * code), an independent HTM point indexer, small converters,
 * and a registry-content snapshot for round-trip comparisons.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Repository } from '../../registry/index.js';
import { LSST_FIXTURE } from '../support/fixtures.js';

/** The LSST synthetic-camera fixture. */
export const FIXTURE_DIR = LSST_FIXTURE;
export const FIXTURE_EXPORT = `${FIXTURE_DIR}/export.yaml`;

/** problem.json, as written by the fixture's author. */
export interface Problem {
  instrument: string;
  skymap: string;
  bands: string[];
  tract: { id: number; corners: [number, number][] };
  patches: { id: number; cell_x: number; cell_y: number; corners: [number, number][] }[];
  detectors: { id: number }[];
  visits: {
    id: number; exposure: number; band: string; physical_filter: string; begin_mjd_tai: number; end_mjd_tai: number;
    day_obs: number; focal_plane: [number, number][]; detectors: Record<string, [number, number][]>;
  }[];
  calib_epochs: { run: string; begin_mjd_tai: number; end_mjd_tai: number }[];
  collections: Record<string, string>;
}

/** Reads problem.json. */
export function loadProblem(): Problem {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}/problem.json`, 'utf8')) as Problem;
}

/** One entry of an export's `data` list, read without qg's tags (uuids and times stay strings). */
export type RawEntry = Record<string, unknown> & { type: string };

/** Parses export YAML with the `yaml` package alone: custom tags are left unresolved (plain values). */
export function parseExportPlain(text: string): { data: RawEntry[] } & Record<string, unknown> {
  const doc = parseDocument(text, { customTags: ['binary'], logLevel: 'silent', uniqueKeys: false });
  if (doc.errors.length) throw new Error(doc.errors[0]!.message);
  return doc.toJS({ maxAliasCount: -1 }) as { data: RawEntry[] } & Record<string, unknown>;
}

/** The fixture's export, parsed plainly. */
export function loadFixturePlain(): { data: RawEntry[] } {
  return parseExportPlain(readFileSync(FIXTURE_EXPORT, 'utf8'));
}

/** Dataset counts per dataset type in a plain-parsed export. */
export function datasetCountsOf(data: RawEntry[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of data) {
    if (e.type !== 'dataset') continue;
    const type = String(e['dataset_type']);
    for (const rec of e['records'] as { dataset_id: unknown }[]) {
      const ids = Array.isArray(rec.dataset_id) ? rec.dataset_id : [rec.dataset_id];
      out.set(type, (out.get(type) ?? 0) + ids.length);
    }
  }
  return out;
}

/** TAI ISO text (uniform 86400-s days, as LSST writes `!butler_time/tai/iso`) to ns since 1970 TAI. */
export function isoTaiToNs(text: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) throw new Error(`bad time ${text}`);
  const seconds = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  return BigInt(seconds) * 1_000_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

/** Microseconds since 1970 TAI of an MJD on the TAI scale (MJD 40587 = 1970-01-01). */
export function mjdToMicros(mjd: number): number {
  return (mjd - 40587) * 86_400e6;
}

type V3 = [number, number, number];
const X: V3 = [1, 0, 0], Y: V3 = [0, 1, 0], Z: V3 = [0, 0, 1];
const mX: V3 = [-1, 0, 0], mY: V3 = [0, -1, 0], mZ: V3 = [0, 0, -1];
/** HTM root triangles S0..S3, N0..N3 (ids 8..15), as in Kunszt et al. and lsst.sphgeom. */
const HTM_ROOTS: [V3, V3, V3][] = [
  [X, mZ, Y], [Y, mZ, mX], [mX, mZ, mY], [mY, mZ, X],
  [X, Z, mY], [mY, Z, mX], [mX, Z, Y], [Y, Z, X],
];

const crossV = (a: readonly number[], b: readonly number[]): V3 => [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
const dotV = (a: readonly number[], b: readonly number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const unitV = (a: readonly number[]): V3 => {
  const l = Math.hypot(a[0]!, a[1]!, a[2]!);
  return [a[0]! / l, a[1]! / l, a[2]! / l];
};
const mid = (a: V3, b: V3): V3 => unitV([a[0] + b[0], a[1] + b[1], a[2] + b[2]]);

/** How far inside triangle (a, b, c) the point is: min over edges of the signed plane distance. */
function insideness(t: [V3, V3, V3], p: readonly number[]): number {
  const [a, b, c] = t;
  return Math.min(dotV(unitV(crossV(a, b)), p), dotV(unitV(crossV(b, c)), p), dotV(unitV(crossV(c, a)), p));
}

/**
 * HTM trixel id of unit vector `p` at `level`, written from the HTM definition (root
 * triangles above; child k of (v0, v1, v2) is (v0, w2, w1), (v1, w0, w2), (v2, w1, w0),
 * (w0, w1, w2) with w_i the midpoint of the edge opposite v_i). At each step the child
 * that contains the point best is taken.
 */
export function htmIndex(p: readonly number[], level: number): number {
  let best = 0;
  for (let r = 1; r < 8; r++) if (insideness(HTM_ROOTS[r]!, p) > insideness(HTM_ROOTS[best]!, p)) best = r;
  let id = 8 + best;
  let tri = HTM_ROOTS[best]!;
  for (let l = 0; l < level; l++) {
    const [v0, v1, v2] = tri;
    const w0 = mid(v1, v2), w1 = mid(v0, v2), w2 = mid(v0, v1);
    const children: [V3, V3, V3][] = [[v0, w2, w1], [v1, w0, w2], [v2, w1, w0], [w0, w1, w2]];
    let k = 0;
    for (let j = 1; j < 4; j++) if (insideness(children[j]!, p) > insideness(children[k]!, p)) k = j;
    id = id * 4 + k;
    tri = children[k]!;
  }
  return id;
}

/** Unit vector of (ra, dec) in degrees. */
export function unitFromRaDec(ra: number, dec: number): V3 {
  const r = (ra * Math.PI) / 180, d = (dec * Math.PI) / 180;
  return [Math.cos(d) * Math.cos(r), Math.cos(d) * Math.sin(r), Math.sin(d)];
}

/** (ra, dec) in degrees of a unit vector, ra in [0, 360). */
export function raDecOf(v: readonly number[]): [number, number] {
  let ra = (Math.atan2(v[1]!, v[0]!) * 180) / Math.PI;
  if (ra < 0) ra += 360;
  return [ra, (Math.atan2(v[2]!, Math.hypot(v[0]!, v[1]!)) * 180) / Math.PI];
}

/** Angle in degrees between two unit vectors. */
export function angleDeg(a: readonly number[], b: readonly number[]): number {
  return (Math.atan2(Math.hypot(...crossV(a, b)), dotV(a, b)) * 180) / Math.PI;
}

/** Hex of bytes. */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Number of rows in a table of the repository's registry. */
export async function countRows(repo: Repository, table: string): Promise<number> {
  const [row] = await repo.registry.db.arrays(repo.registry.knex, repo.registry.knex(table).count({ n: '*' }));
  return Number(row![0]);
}

/** Row counts of every element table plus the static tables that hold content. */
export async function contentCounts(repo: Repository): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of repo.registry.universe.elements.values()) if (e.hasTable) out[e.name] = await countRows(repo, e.name);
  for (const t of ['collection', 'collection_chain', 'dataset_type', 'dataset', 'datastore_record', 'collection_summary_dataset_type', 'dimension_group']) {
    out[t] = await countRows(repo, t);
  }
  return out;
}

/** JSON-able form of a value read from the registry (regions, bytes and bigints as text). */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `bytes:${hexOf(value)}`;
  if (typeof value === 'object' && 'encode' in (value as object)) return `region:${hexOf((value as { encode(): Uint8Array }).encode())}`;
  if (typeof value === 'object' && 'begin' in (value as object)) {
    const t = value as { begin: bigint; end: bigint };
    return [t.begin.toString(), t.end.toString()];
  }
  return value;
}

/**
 * Everything a registry holds, in a canonical order: records of every element, collections
 * with chains, dataset types, datasets (id, run, data ID), file records, tagged
 * associations and certifications (dataset id with exact validity range).
 */
export async function registryContent(repo: Repository): Promise<Record<string, unknown>> {
  const reg = repo.registry;
  const tx = reg.knex;
  const records: Record<string, unknown> = {};
  for (const e of reg.universe.elements.values()) {
    if (!e.hasTable) continue;
    const rows = await reg.dimensions.query(e.name, tx);
    records[e.name] = rows.map((r) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, plain(r[k])])));
  }
  const collections = await reg.collections.query();
  const chains: Record<string, string[]> = {};
  for (const c of collections) if (c.type === 'CHAINED') chains[c.name] = await reg.collections.getChain(c.name);
  const types = await reg.datasetTypes.all();
  const runs = collections.filter((c) => c.type === 'RUN').map((c) => c.name);
  const datasets: Record<string, unknown> = {};
  const tagged: Record<string, string[]> = {};
  const certified: Record<string, unknown> = {};
  for (const t of types) {
    datasets[t.name] = runs.length ? (await reg.datasets.query(t.name, runs, tx)).map((r) => [r.id, r.run, r.dataId]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))) : [];
    for (const c of collections) {
      if (c.type === 'TAGGED') {
        const ids = (await reg.datasets.query(t.name, [c.name], tx)).map((r) => r.id);
        if (ids.length) (tagged[c.name] ??= []).push(...ids);
      }
      if (c.type === 'CALIBRATION' && t.isCalibration) {
        const rows = await reg.db.arrays(tx, tx(t.calibTable).select('dataset_id').select(reg.db.exactInt('timespan_begin'), reg.db.exactInt('timespan_end'))
          .where({ dataset_type_id: t.id, collection_id: c.id }));
        certified[`${c.name}/${t.name}`] = rows.map((r) => r.map(String).join(' ')).sort();
      }
    }
  }
  for (const ids of Object.values(tagged)) ids.sort();
  const files = (await reg.db.arrays(tx, tx('datastore_record').select('dataset_id', 'path', 'formatter', 'storage_class'))).map((r) => r.map(String).join(' ')).sort();
  return {
    records,
    collections: collections.map((c) => [c.name, c.type, c.doc]),
    chains,
    datasetTypes: types.map((t) => [t.name, t.dimensions.required, t.dimensions.implied, t.storageClass, t.isCalibration]),
    datasets, tagged, certified, files,
  };
}

/**
 * The plain oracle of chain flattening: the leaf collections `names` reach, depth first in
 * order, each once (first occurrence wins). `children` holds each CHAINED collection's
 * children; any other name is a leaf.
 */
export function flattenChains(children: ReadonlyMap<string, readonly string[]>, names: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (children.has(n)) children.get(n)!.forEach(visit);
    else out.push(n);
  };
  names.forEach(visit);
  return out;
}

/** Awaits `promise` expecting it to reject; returns the error (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Calls `fn` expecting it to throw; returns the error. */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error, but none was thrown');
}
