/**
 * Random small repositories for the brute-force planner tests, with their expected quanta
 * computed in plain JS (the oracle). A scene is a few visits (one exposure each, 1:1
 * visit_definition) of a few detectors with random convex regions, a tract of N x N patches,
 * raws for a random subset of (exposure, detector), and bias/flat calibrations certified in
 * two epoch runs with random validity ranges (some exposures have no valid calibration).
 *
 * Geometry lives in a gnomonic (tangent-plane) projection about the field centre, where
 * great circles are straight lines: the regions qg stores (convex hulls of the corners,
 * great-circle edges) are exactly the planar polygons of the projected corners, so a planar
 * overlap test (vertex containment + edge crossings) written here is the truth. Scenes where
 * two polygons nearly touch are rejected as too close to call.
 */
import { ConvexPolygon, taiFromMjd, type DimensionRecord, type Repository, type Timespan } from '../../registry/index.js';
import { Rng } from '../support/random.js';
import { dataIdKey, refKey } from './planner-helpers.js';

/** A point of the tangent plane (radians-like units). */
type P = readonly [number, number];

/** Field centre, degrees. */
export const CENTER: readonly [number, number] = [150, 2];
const DEG = Math.PI / 180;

/** Tangent plane -> [ra, dec] degrees (inverse gnomonic about {@link CENTER}). */
export function toRaDec([x, y]: P): [number, number] {
  const a0 = CENTER[0] * DEG, d0 = CENTER[1] * DEG;
  const rho = Math.hypot(x, y);
  const c = Math.atan(rho);
  if (rho === 0) return [CENTER[0], CENTER[1]];
  const dec = Math.asin(Math.cos(c) * Math.sin(d0) + (y * Math.sin(c) * Math.cos(d0)) / rho);
  const ra = a0 + Math.atan2(x * Math.sin(c), rho * Math.cos(d0) * Math.cos(c) - y * Math.sin(d0) * Math.sin(c));
  return [ra / DEG, dec / DEG];
}

/** [ra, dec] degrees -> tangent plane (gnomonic about {@link CENTER}). */
export function toPlane([ra, dec]: readonly [number, number]): [number, number] {
  const a = ra * DEG, d = dec * DEG, a0 = CENTER[0] * DEG, d0 = CENTER[1] * DEG;
  const cosc = Math.sin(d0) * Math.sin(d) + Math.cos(d0) * Math.cos(d) * Math.cos(a - a0);
  return [(Math.cos(d) * Math.sin(a - a0)) / cosc, (Math.cos(d0) * Math.sin(d) - Math.sin(d0) * Math.cos(d) * Math.cos(a - a0)) / cosc];
}

const cross = (o: P, a: P, b: P) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Planar convex hull (Andrew's monotone chain), counter-clockwise, collinear points dropped. */
export function hull(points: readonly P[]): P[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const lower: P[] = [], upper: P[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  for (const p of [...pts].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** Whether `p` is inside or on the counter-clockwise convex polygon `poly`. */
function inside(p: P, poly: readonly P[]): boolean {
  for (let i = 0; i < poly.length; i++) if (cross(poly[i]!, poly[(i + 1) % poly.length]!, p) < 0) return false;
  return true;
}

/** Whether segments ab and cd properly cross. */
function crosses(a: P, b: P, c: P, d: P): boolean {
  const d1 = cross(a, b, c), d2 = cross(a, b, d), d3 = cross(c, d, a), d4 = cross(c, d, b);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Distance from `p` to segment ab. */
function segmentDistance(p: P, a: P, b: P): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Closer than this (tangent-plane units, about radians) is too close to call. */
export const TOO_CLOSE = 1e-9;

/**
 * Whether two convex polygons (counter-clockwise) overlap: a vertex of one inside the other,
 * or two edges crossing. Returns null when a vertex is within {@link TOO_CLOSE} of the other's
 * boundary (touching: rounding could decide either way).
 */
export function overlaps(a: readonly P[], b: readonly P[]): boolean | null {
  for (const [s, t] of [[a, b], [b, a]] as const) {
    for (const p of s) for (let i = 0; i < t.length; i++) if (segmentDistance(p, t[i]!, t[(i + 1) % t.length]!) < TOO_CLOSE) return null;
  }
  if (a.some((p) => inside(p, b)) || b.some((p) => inside(p, a))) return true;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) if (crosses(a[i]!, a[(i + 1) % a.length]!, b[j]!, b[(j + 1) % b.length]!)) return true;
  }
  return false;
}

/** One calibration dataset: its run and validity range in exposure slots `[from, to)` (slot k = exposure k). */
export interface CalibCert {
  readonly run: string;
  readonly from: number;
  readonly to: number;
}

export interface SceneVisit {
  readonly id: number;
  /** Time slot: the exposure is taken at hour `slot`. */
  readonly slot: number;
  readonly band: string;
  readonly physicalFilter: string;
  /** detector id -> polygon in the tangent plane (counter-clockwise). */
  readonly detectors: Map<number, P[]>;
}

export interface ScenePatch {
  readonly id: number;
  readonly cellX: number;
  readonly cellY: number;
  readonly polygon: P[];
}

/** A random scene and its where expression with the same filter in JS. */
export interface Scene {
  readonly seed: number;
  readonly instrument: string;
  readonly skymap: string;
  readonly bands: readonly string[];
  readonly detectorIds: readonly number[];
  readonly visits: readonly SceneVisit[];
  readonly patches: readonly ScenePatch[];
  readonly tract: P[];
  /** `exposure/detector` keys with a raw. */
  readonly raws: ReadonlySet<string>;
  /** bias per detector; flat per `detector/physical_filter`: certified ranges. */
  readonly bias: ReadonlyMap<number, readonly CalibCert[]>;
  readonly flat: ReadonlyMap<string, readonly CalibCert[]>;
  readonly where: string;
  readonly filter: (row: { visit: number; detector: number; patch: number; band: string }) => boolean;
  /** (visit, detector, patch) overlaps by brute force. */
  readonly overlaps: readonly { visit: number; detector: number; patch: number }[];
}

export const COLLECTIONS = {
  raw: 'RandCam/raw/all',
  calib: 'RandCam/calib',
  epochs: ['RandCam/calib/epoch0', 'RandCam/calib/epoch1'] as const,
  skymaps: 'skymaps',
  defaults: 'RandCam/defaults',
};

/** Hour-long exposure slots starting at MJD 60000 TAI; exposures last 30 s. */
const T0 = taiFromMjd(60000);
const HOUR = 3_600_000_000_000n;
/** The exposure in slot k: `[T0 + k h, T0 + k h + 30 s)`. */
export function exposureTimespan(slot: number): Timespan {
  const begin = T0 + BigInt(slot) * HOUR;
  return { begin, end: begin + 30_000_000_000n };
}
/** Validity boundary before slot k: half an hour earlier (never inside an exposure). */
function boundary(k: number): bigint {
  return T0 + BigInt(k) * HOUR - HOUR / 2n;
}

/** Makes a random scene; returns null when some pair of polygons is too close to call. */
export function randomScene(seed: number): Scene | null {
  const rng = new Rng(seed);
  const instrument = 'RandCam', skymap = 'randSky';
  const bands = ['g', 'r'];
  const n = rng.int(2, 3);
  const size = 0.0035; // patch inner size (~0.2 deg)
  const border = 0.0003;
  const half = (n * size) / 2;
  const patches: ScenePatch[] = [];
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const x0 = -half + x * size - border, x1 = -half + (x + 1) * size + border;
      const y0 = -half + y * size - border, y1 = -half + (y + 1) * size + border;
      patches.push({ id: y * n + x, cellX: x, cellY: y, polygon: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]] });
    }
  }
  const tract: P[] = [[-half - border, -half - border], [half + border, -half - border], [half + border, half + border], [-half - border, half + border]];
  const detectorIds = Array.from({ length: rng.int(2, 6) }, (_, i) => i);
  const nVisits = rng.int(3, 6);
  const slots = rng.shuffle(Array.from({ length: nVisits }, (_, i) => i));
  const visits: SceneVisit[] = [];
  for (let i = 0; i < nVisits; i++) {
    const band = rng.pick(bands);
    const cx = (rng.next() * 2 - 1) * (half + 0.002), cy = (rng.next() * 2 - 1) * (half + 0.002);
    const detectors = new Map<number, P[]>();
    for (const d of detectorIds) {
      const dx = cx + ((d % 3) - 1) * 0.003 + (rng.next() - 0.5) * 0.0008;
      const dy = cy + (Math.floor(d / 3) - 0.5) * 0.003 + (rng.next() - 0.5) * 0.0008;
      const pts: P[] = [];
      const k = rng.int(3, 7);
      for (let j = 0; j < k; j++) {
        const angle = rng.next() * 2 * Math.PI, r = 0.0006 + rng.next() * 0.0012;
        pts.push([dx + r * Math.cos(angle), dy + r * Math.sin(angle)]);
      }
      const h = hull(pts);
      if (h.length < 3) return null;
      detectors.set(d, h);
    }
    visits.push({ id: 100 + 7 * i + rng.int(0, 3), slot: slots[i]!, band, physicalFilter: `${instrument}-${band}`, detectors });
  }
  // raws for a random subset
  const raws = new Set<string>();
  for (const v of visits) for (const d of detectorIds) if (rng.bool(0.8)) raws.add(`${v.id}/${d}`);
  // calibrations: epoch0 valid for slots [0, c1), epoch1 for [c2, nVisits); some dropped
  const certs = (): CalibCert[] => {
    // mostly contiguous validity; sometimes a gap of one slot, rarely a missing epoch
    const c1 = rng.int(0, nVisits), c2 = Math.min(nVisits, c1 + (rng.bool(0.2) ? 1 : 0));
    const out: CalibCert[] = [];
    if (c1 > 0 && rng.bool(0.95)) out.push({ run: COLLECTIONS.epochs[0], from: 0, to: c1 });
    if (c2 < nVisits && rng.bool(0.95)) out.push({ run: COLLECTIONS.epochs[1], from: c2, to: nVisits });
    return out;
  };
  const bias = new Map(detectorIds.map((d) => [d, certs()]));
  const flat = new Map<string, CalibCert[]>();
  for (const d of detectorIds) for (const b of bands) flat.set(`${d}/${instrument}-${b}`, certs());
  // where: governors, plus random extra terms
  const terms = [`instrument = '${instrument}'`, `skymap = '${skymap}'`];
  const filters: ((r: { visit: number; detector: number; patch: number; band: string }) => boolean)[] = [];
  if (rng.bool(0.3)) {
    const keep = rng.subset(visits.map((v) => v.id), 0.7);
    if (keep.length) {
      terms.push(`visit IN (${keep.join(', ')})`);
      filters.push((r) => keep.includes(r.visit));
    }
  }
  if (rng.bool(0.25)) {
    const d = rng.pick(detectorIds);
    terms.push(`detector != ${d}`);
    filters.push((r) => r.detector !== d);
  }
  if (rng.bool(0.25)) {
    const b = rng.pick(bands);
    terms.push(`band = '${b}'`);
    filters.push((r) => r.band === b);
  }
  if (rng.bool(0.25)) {
    const top = rng.int(0, patches.length - 1);
    terms.push(`patch IN (0..${top})`);
    filters.push((r) => r.patch <= top);
  }
  // brute-force overlaps
  const rows: { visit: number; detector: number; patch: number }[] = [];
  for (const v of visits) {
    for (const [d, poly] of v.detectors) {
      for (const p of patches) {
        const o = overlaps(poly, p.polygon);
        if (o === null) return null;
        if (o) rows.push({ visit: v.id, detector: d, patch: p.id });
      }
    }
  }
  return {
    seed, instrument, skymap, bands, detectorIds, visits, patches, tract, raws, bias, flat,
    where: terms.join(' AND '), filter: (r) => filters.every((f) => f(r)), overlaps: rows,
  };
}

/** The first scene from `seed` on that is not too close to call. */
export function sceneFrom(seed: number): Scene {
  for (let s = seed; s < seed + 1000; s++) {
    const scene = randomScene(s);
    if (scene) return scene;
  }
  throw new Error(`no clean scene from seed ${seed}`);
}

const region = (poly: readonly P[]) => ConvexPolygon.fromRaDecCorners(poly.map(toRaDec));

/** Writes a scene into `repo`: dimension records, dataset types, raws, calibrations, the skyMap and the defaults chain. */
export async function insertScene(repo: Repository, s: Scene): Promise<void> {
  const registry = repo.registry;
  const I = s.instrument;
  await registry.transaction(async (tx) => {
    const dims = registry.dimensions;
    await dims.insert('instrument', [{ name: I, visit_max: 1_000_000, visit_system: 0, exposure_max: 1_000_000, detector_max: 100, class_name: 'test.RandCam' }], tx);
    await dims.insert('band', s.bands.map((b) => ({ name: b })), tx, { skipExisting: true });
    await dims.insert('physical_filter', s.bands.map((b) => ({ instrument: I, name: `${I}-${b}`, band: b })), tx);
    await dims.insert('detector', s.detectorIds.map((d) => ({ instrument: I, id: d, full_name: `D${d}`, purpose: 'SCIENCE' })), tx);
    await dims.insert('visit_system', [{ instrument: I, id: 0, name: 'one-to-one' }], tx);
    const night = { begin: exposureTimespan(0).begin - HOUR, end: exposureTimespan(s.visits.length).end };
    await dims.insert('day_obs', [{ instrument: I, id: 20230225, timespan: night }], tx);
    await dims.insert('exposure', s.visits.map((v): DimensionRecord => ({
      instrument: I, id: v.id, physical_filter: v.physicalFilter, day_obs: 20230225, obs_id: `RC_${v.id}`, exposure_time: 30, observation_type: 'science', timespan: exposureTimespan(v.slot),
    })), tx);
    await dims.insert('visit', s.visits.map((v): DimensionRecord => ({
      instrument: I, id: v.id, physical_filter: v.physicalFilter, day_obs: 20230225, name: `RC_${v.id}`, exposure_time: 30,
      region: region(hull([...v.detectors.values()].flat())), timespan: exposureTimespan(v.slot),
    })), tx);
    await dims.insert('visit_definition', s.visits.map((v) => ({ instrument: I, exposure: v.id, visit: v.id })), tx);
    await dims.insert('visit_system_membership', s.visits.map((v) => ({ instrument: I, visit_system: 0, visit: v.id })), tx);
    await dims.insert('visit_detector_region', s.visits.flatMap((v) => [...v.detectors].map(([d, poly]) => ({ instrument: I, visit: v.id, detector: d, region: region(poly) }))), tx);
    const n = Math.round(Math.sqrt(s.patches.length));
    await dims.insert('skymap', [{ name: s.skymap, hash: new Uint8Array([1, 2, 3]), tract_max: 1, patch_nx_max: n, patch_ny_max: n }], tx);
    await dims.insert('tract', [{ skymap: s.skymap, id: 0, region: region(s.tract) }], tx);
    await dims.insert('patch', s.patches.map((p) => ({ skymap: s.skymap, tract: 0, id: p.id, cell_x: p.cellX, cell_y: p.cellY, region: region(p.polygon) })), tx);

    const c = registry.collections;
    await c.register(COLLECTIONS.raw, 'RUN', null, tx);
    for (const e of COLLECTIONS.epochs) await c.register(e, 'RUN', null, tx);
    await c.register(COLLECTIONS.calib, 'CALIBRATION', null, tx);
    await c.register(COLLECTIONS.skymaps, 'RUN', null, tx);
    await c.register(COLLECTIONS.defaults, 'CHAINED', null, tx);
    const types = registry.datasetTypes;
    await types.register({ name: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' }, tx);
    await types.register({ name: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true }, tx);
    await types.register({ name: 'flat', dimensions: ['instrument', 'detector', 'physical_filter'], storageClass: 'ExposureF', isCalibration: true }, tx);
    await types.register({ name: 'skyMap', dimensions: ['skymap'], storageClass: 'SkyMap' }, tx);

    const ds = registry.datasets;
    await ds.insert('raw', COLLECTIONS.raw, [...s.raws].map((k) => {
      const [e, d] = k.split('/').map(Number);
      return { instrument: I, exposure: e!, detector: d! };
    }), tx);
    await ds.insert('skyMap', COLLECTIONS.skymaps, [{ skymap: s.skymap }], tx);
    const certify = async (type: string, dataId: Record<string, string | number>, certs: readonly CalibCert[]) => {
      for (const cert of certs) {
        const [ref] = await ds.insert(type, cert.run, [dataId], tx);
        await ds.certify(COLLECTIONS.calib, [ref!], { begin: boundary(cert.from), end: boundary(cert.to) }, tx);
      }
    };
    for (const [d, certs] of s.bias) await certify('bias', { instrument: I, detector: d }, certs);
    for (const [key, certs] of s.flat) {
      const [d, pf] = key.split('/');
      await certify('flat', { instrument: I, detector: Number(d), physical_filter: pf! }, certs);
    }
    await c.setChain(COLLECTIONS.defaults, [COLLECTIONS.raw, COLLECTIONS.calib, COLLECTIONS.skymaps], tx);
  });
}

/** An isr quantum with its raw but no valid bias or flat: the build fails naming one of these. */
export interface PrerequisiteFailure {
  readonly task: string;
  readonly connection: string;
  readonly datasetType: string;
  readonly dataId: Readonly<Record<string, string | number>>;
}

/** Expected quanta (as {@link graphQuanta} gives them), pruned counts per task, and prerequisite failures. */
export interface Expected {
  readonly quanta: Map<string, Map<string, Record<string, string[]>>>;
  /** task -> candidate quanta removed at build time */
  readonly pruned: Map<string, number>;
  /** When not empty, the build fails (on one of them) and `quanta` is meaningless. */
  readonly failures: readonly PrerequisiteFailure[];
}

/**
 * The brute-force planner with LSST semantics: rows are (exposure = visit, detector, patch)
 * with truly overlapping regions that satisfy the where filter (and, when `rawConstrains`,
 * have a raw); every task's candidate quanta are the distinct projections of those rows;
 * a candidate missing a regular input (raw, its upstream output, or every gathered input)
 * is pruned, the pruning flowing downstream; an isr candidate with its raw but no valid
 * bias (checked first) or flat is a failure of the whole build.
 */
export function expectedQuanta(s: Scene, outputRun: string, rawConstrains = true): Expected {
  const I = s.instrument;
  const visit = new Map(s.visits.map((v) => [v.id, v]));
  const rows = s.overlaps.filter((r) => s.filter({ ...r, band: visit.get(r.visit)!.band }) && (!rawConstrains || s.raws.has(`${r.visit}/${r.detector}`)));
  const quanta = new Map<string, Map<string, Record<string, string[]>>>();
  const pruned = new Map<string, number>();
  const failures: PrerequisiteFailure[] = [];
  const prune = (task: string) => pruned.set(task, (pruned.get(task) ?? 0) + 1);
  const validAt = (certs: readonly CalibCert[] | undefined, slot: number) => certs?.find((c) => c.from <= slot && slot < c.to);
  const skyMap = refKey({ skymap: s.skymap }, COLLECTIONS.skymaps);

  const isr = new Map<string, Record<string, string[]>>();
  const isrOk = new Set<string>();
  for (const key of new Set(rows.map((r) => `${r.visit}/${r.detector}`))) {
    const [e, d] = key.split('/').map(Number) as [number, number];
    const v = visit.get(e)!;
    const b = validAt(s.bias.get(d), v.slot), f = validAt(s.flat.get(`${d}/${v.physicalFilter}`), v.slot);
    if (!s.raws.has(key)) {
      prune('isr');
      continue;
    }
    if (!b || !f) {
      const missing = b ? 'flat' : 'bias';
      failures.push({ task: 'isr', connection: missing, datasetType: missing, dataId: { instrument: I, exposure: e, detector: d } });
      continue;
    }
    isrOk.add(key);
    isr.set(dataIdKey({ instrument: I, exposure: e, detector: d }), {
      raw: [refKey({ instrument: I, exposure: e, detector: d }, COLLECTIONS.raw)],
      bias: [refKey({ instrument: I, detector: d }, b.run)],
      flat: [refKey({ instrument: I, detector: d, physical_filter: v.physicalFilter }, f.run)],
    });
  }
  quanta.set('isr', isr);

  const calibrate = new Map<string, Record<string, string[]>>();
  const calOk = new Set<string>();
  for (const key of new Set(rows.map((r) => `${r.visit}/${r.detector}`))) {
    const [v, d] = key.split('/').map(Number) as [number, number];
    if (!isrOk.has(key)) {
      prune('calibrate');
      continue;
    }
    calOk.add(key);
    calibrate.set(dataIdKey({ instrument: I, visit: v, detector: d }), { postISRCCD: [refKey({ instrument: I, exposure: v, detector: d }, outputRun)] });
  }
  quanta.set('calibrate', calibrate);

  const makeWarp = new Map<string, Record<string, string[]>>();
  const warpOk = new Set<string>();
  for (const key of new Set(rows.map((r) => `${r.visit}/${r.patch}`))) {
    const [v, p] = key.split('/').map(Number) as [number, number];
    const calexps = [...new Set(rows.filter((r) => r.visit === v && r.patch === p && calOk.has(`${v}/${r.detector}`)).map((r) => r.detector))];
    if (!calexps.length) {
      prune('makeWarp');
      continue;
    }
    warpOk.add(key);
    makeWarp.set(dataIdKey({ skymap: s.skymap, tract: 0, patch: p, instrument: I, visit: v }), {
      calexp: calexps.map((d) => refKey({ instrument: I, visit: v, detector: d }, outputRun)).sort(),
      skyMap: [skyMap],
    });
  }
  quanta.set('makeWarp', makeWarp);

  const coadd = new Map<string, Record<string, string[]>>();
  for (const key of new Set(rows.map((r) => `${r.patch}/${visit.get(r.visit)!.band}`))) {
    const [ps, band] = key.split('/') as [string, string];
    const p = Number(ps);
    const warps = [...new Set(rows.filter((r) => r.patch === p && visit.get(r.visit)!.band === band && warpOk.has(`${r.visit}/${p}`)).map((r) => r.visit))];
    if (!warps.length) {
      prune('assembleCoadd');
      continue;
    }
    coadd.set(dataIdKey({ skymap: s.skymap, tract: 0, patch: p, band }), {
      deepCoadd_directWarp: warps.map((v) => refKey({ skymap: s.skymap, tract: 0, patch: p, instrument: I, visit: v }, outputRun)).sort(),
      skyMap: [skyMap],
    });
  }
  quanta.set('assembleCoadd', coadd);
  return { quanta, pruned, failures };
}

/** The scene with its where expression (and filter) also excluding these (visit, detector) pairs. */
export function excludingPairs(s: Scene, pairs: readonly { visit: number; detector: number }[]): Scene {
  if (!pairs.length) return s;
  const keys = new Set(pairs.map((p) => `${p.visit}/${p.detector}`));
  return {
    ...s,
    where: `${s.where} AND NOT (${pairs.map((p) => `(visit = ${p.visit} AND detector = ${p.detector})`).join(' OR ')})`,
    filter: (r) => s.filter(r) && !keys.has(`${r.visit}/${r.detector}`),
  };
}
