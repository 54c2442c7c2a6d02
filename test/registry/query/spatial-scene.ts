/**
 * Random spatial repositories: visits with detector regions and a skymap tract of patches, all
 * random convex polygons around one sky position (near RA 0 and near the pole included), plus
 * the brute-force expectations of data-ID queries over them.
 */
import { ConvexPolygon, type Repository } from '../../../registry/index.js';
import { Rng } from '../../support/random.js';
import { canonical, evaluate, type Binds, type DetectorRec, type RowContext, type VisitRec } from './data-id-oracle.js';
import { AMBIGUOUS, jitter, polygonGap, randomPolygon, type Corner } from './spatial-brute-force.js';
import type { WhereNode } from '../../../registry/index.js';

export interface SceneVisit extends VisitRec { corners: Corner[]; detectors: Map<number, Corner[]> }
export interface ScenePatch { id: number; cell_x: number; cell_y: number; corners: Corner[] }
export interface Scene {
  base: Corner;
  detectors: DetectorRec[];
  visits: SceneVisit[];
  tract: Corner[];
  patches: ScenePatch[];
}

/** Sky positions scenes are built around: plain, across RA 0, next to the north pole, south. */
export const BASES: readonly Corner[] = [[10, 0], [359.8, 0.3], [45, 88.6], [200, -45]];

/** A random scene; `visitCount` visits of 4 detectors and `patchCount` patches. */
export function randomScene(seed: number, visitCount: number, patchCount = 20, base?: Corner): Scene {
  const rng = new Rng(seed);
  const at = base ?? rng.pick(BASES);
  const detectors: DetectorRec[] = [0, 1, 2, 3].map((id) => ({ instrument: 'Cam', id, purpose: rng.pick(['SCIENCE', 'WAVEFRONT', null]), raft: null }));
  const visits: SceneVisit[] = [];
  for (let id = 1; id <= visitCount; id++) {
    const [ra, dec] = jitter(rng, at[0], at[1], 1.0);
    const dets = new Map<number, Corner[]>();
    for (const d of detectors) {
      if (rng.bool(0.1)) continue; // a detector without a region for this visit
      const [dra, ddec] = jitter(rng, ra, dec, 0.4);
      dets.set(d.id, randomPolygon(rng, dra, ddec, 0.08, 0.25));
    }
    visits.push({
      instrument: 'Cam', id, physical_filter: 'Cam-g', day_obs: 20240101, exposure_time: rng.pick([15, 30, null]),
      seq_num: id % 3, target_name: null, timespan: null, corners: randomPolygon(rng, ra, dec, 0.5, 0.8), detectors: dets,
    });
  }
  const patches: ScenePatch[] = [];
  for (let id = 0; id < patchCount; id++) {
    const [ra, dec] = jitter(rng, at[0], at[1], 1.5);
    patches.push({ id, cell_x: id % 4, cell_y: Math.floor(id / 4), corners: randomPolygon(rng, ra, dec, 0.1, 0.45) });
  }
  return { base: at, detectors, visits, tract: randomPolygon(rng, at[0], at[1], 3.5, 4), patches };
}

/** Inserts a scene (instrument 'Cam', skymap 'sky', tract 0). */
export async function insertScene(repo: Repository, scene: Scene): Promise<void> {
  const r = repo.registry;
  const poly = (c: readonly Corner[]) => ConvexPolygon.fromRaDecCorners(c);
  await r.transaction(async (tx) => {
    const dims = r.dimensions;
    await dims.insert('instrument', [{ name: 'Cam' }], tx);
    await dims.insert('band', [{ name: 'g' }], tx);
    await dims.insert('physical_filter', [{ instrument: 'Cam', name: 'Cam-g', band: 'g' }], tx);
    await dims.insert('day_obs', [{ instrument: 'Cam', id: 20240101 }], tx);
    await dims.insert('detector', scene.detectors.map((d) => ({ ...d })), tx);
    await dims.insert('visit', scene.visits.map(({ corners, detectors: _d, ...v }) => ({ ...v, region: poly(corners) })), tx);
    await dims.insert('visit_detector_region', scene.visits.flatMap((v) => [...v.detectors].map(([detector, c]) => ({ instrument: 'Cam', visit: v.id, detector, region: poly(c) }))), tx);
    await dims.insert('skymap', [{ name: 'sky' }], tx);
    await dims.insert('tract', [{ skymap: 'sky', id: 0, region: poly(scene.tract) }], tx);
    await dims.insert('patch', scene.patches.map((p) => ({ skymap: 'sky', tract: 0, id: p.id, cell_x: p.cell_x, cell_y: p.cell_y, region: poly(p.corners) })), tx);
  });
}

/** Whether a row belongs in the result: yes, no, or too close to call (skipped). */
export type Status = 'in' | 'out' | 'unknown';

/** Status of a signed gap (> 0 disjoint). */
export function gapStatus(gap: number): Status {
  return gap < -AMBIGUOUS ? 'in' : gap > AMBIGUOUS ? 'out' : 'unknown';
}

/** Folds row statuses into projected data IDs: in if any row is in, out if all are out. */
export class Expectation {
  readonly ids = new Map<string, Status>();
  add(id: Record<string, unknown>, status: Status): void {
    const key = canonical(id);
    const before = this.ids.get(key);
    if (before === 'in' || status === 'in') this.ids.set(key, 'in');
    else if (before === 'unknown' || status === 'unknown') this.ids.set(key, 'unknown');
    else this.ids.set(key, 'out');
  }
  /** Differences from an actual result (empty when it agrees). */
  differences(actual: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const [key, status] of this.ids) {
      if (status === 'in' && !actual.has(key)) out.push(`missing ${key}`);
      if (status === 'out' && actual.has(key)) out.push(`unexpected ${key}`);
    }
    for (const key of actual) if (!this.ids.has(key)) out.push(`unexpected (not a candidate) ${key}`);
    return out;
  }
  get counts(): Record<Status, number> {
    const c = { in: 0, out: 0, unknown: 0 };
    for (const s of this.ids.values()) c[s]++;
    return c;
  }
}

/** One (visit, detector, patch) candidate row of a scene. */
export interface SceneRow {
  visit: SceneVisit;
  detector: DetectorRec;
  patch: ScenePatch;
  /** Status of the detector region against the patch (unknown-free 'out' when the detector has no region). */
  overlap: Status;
  /** Status of the visit region against the patch. */
  visitOverlap: Status;
}

/** Every (visit, detector, patch) of a scene with its overlap statuses. */
export function sceneRows(scene: Scene): SceneRow[] {
  const rows: SceneRow[] = [];
  for (const visit of scene.visits) for (const patch of scene.patches) {
    const visitOverlap = gapStatus(polygonGap(visit.corners, patch.corners));
    for (const detector of scene.detectors) {
      const c = visit.detectors.get(detector.id);
      rows.push({ visit, detector, patch, visitOverlap, overlap: c ? gapStatus(polygonGap(c, patch.corners)) : 'out' });
    }
  }
  return rows;
}

/** The oracle's row context for a scene row. */
export function sceneContext(row: SceneRow): RowContext {
  return {
    instrument: 'Cam', detector: row.detector, visit: row.visit,
    keys: { skymap: 'sky', tract: 0, patch: row.patch.id },
    fields: { patch: { id: row.patch.id, cell_x: row.patch.cell_x, cell_y: row.patch.cell_y }, tract: { id: 0 } },
  };
}

/** Expected result of `--dimensions visit,detector,patch --where <ast>`. */
export function expectTriples(rows: readonly SceneRow[], ast: WhereNode | null, binds: Binds): Expectation {
  const e = new Expectation();
  for (const row of rows) {
    const where = ast ? evaluate(ast, sceneContext(row), binds) === true : true;
    const status: Status = !where ? 'out' : row.overlap;
    e.add({ instrument: 'Cam', visit: row.visit.id, detector: row.detector.id, skymap: 'sky', tract: 0, patch: row.patch.id }, status);
  }
  return e;
}
