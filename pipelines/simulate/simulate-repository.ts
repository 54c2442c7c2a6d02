/**
 * `simulateRepository`: fills a repository with a synthetic survey of one tract, the way an
 * LSST instrument's repository looks after ingest: the SimCam instrument and its detectors,
 * filters, day_obs, exposures and visits (one exposure each) with their regions, a skymap of
 * one tract, raws, bias and flat calibrations certified in two validity epochs, an
 * htm7-sharded reference catalog and a truth catalog, and the `SimCam/defaults` chain.
 *
 * Registry writes are bulk: one insert call (one transaction) per dimension element and per
 * dataset type, or per visit when raw files are written. Everything, dataset ids included,
 * is a function of the profile and the seed.
 */
import { createHash } from 'node:crypto';
import type { ConvexPolygon, DataId, DatasetRef, DimensionRecord, Repository } from '../../registry/index.js';
import { refCatShards, refCatTable, truthTable } from './catalogs.js';
import { SimulationError } from './errors.js';
import { biasHeader, flatHeader, rawHeader } from './fits-cards.js';
import { InstrumentModel } from './instrument-model.js';
import { EXPOSURE_TIME_S, electronsOf, planObservations, type ObservingPlan, type PlannedVisit } from './observing-plan.js';
import { resolveProfile, type ProfileName, type ProfileOverrides, type SimulationProfile } from './profiles.js';
import { Random } from './random.js';
import { makeBiasImage, makeFlatImage, renderRaw, type RawSource } from './raw-image.js';
import { SkyMapModel } from './sky-map-model.js';
import { generateStarField, type StarField } from './star-field.js';

/** Name of the simulated instrument. */
export const SIM_INSTRUMENT = 'SimCam';
/** Name of the simulated sky map. */
export const SIM_SKYMAP = 'simSkyMap';

/** Collections a simulation writes. */
export const SIM_COLLECTIONS = Object.freeze({
  /** RUN of the raws. */
  raw: `${SIM_INSTRUMENT}/raw/all`,
  /** CALIBRATION collection holding bias and flat certifications. */
  calib: `${SIM_INSTRUMENT}/calib`,
  /** RUNs of the bias and flat datasets, one per validity epoch. */
  calibRuns: Object.freeze([`${SIM_INSTRUMENT}/calib/epoch0`, `${SIM_INSTRUMENT}/calib/epoch1`]),
  /** RUN of the skyMap dataset. */
  skymaps: 'skymaps',
  /** RUN of the reference catalog shards. */
  refcats: 'refcats',
  /** RUN of the truth catalog. */
  truth: `${SIM_INSTRUMENT}/truth`,
  /** CHAINED [raw, calib, skymaps, refcats]: every input a drp pipeline needs. */
  defaults: `${SIM_INSTRUMENT}/defaults`,
});

/** Progress of a running simulation, for progress bars. */
export interface SimulationProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
}

/** Options of {@link simulateRepository}: a profile, overrides, a seed. */
export interface SimulateOptions extends ProfileOverrides {
  readonly profile: ProfileName;
  /** Any integer in [0, 2^32); the same seed gives the same repository. Default 1. */
  readonly seed?: number;
  readonly onProgress?: (progress: SimulationProgress) => void;
}

/** What a simulation made. */
export interface SimulationSummary {
  readonly profile: SimulationProfile;
  readonly seed: number;
  readonly instrument: string;
  readonly skymap: string;
  readonly pixels: boolean;
  readonly collections: typeof SIM_COLLECTIONS;
  readonly counts: {
    readonly detectors: number;
    readonly physicalFilters: number;
    readonly nights: number;
    readonly visits: number;
    readonly exposures: number;
    readonly visitDetectorRegions: number;
    readonly patches: number;
    readonly raws: number;
    readonly biases: number;
    readonly flats: number;
    readonly refCatShards: number;
    readonly refCatStars: number;
    readonly stars: number;
    readonly files: number;
    /** (visit, detector) pairs whose region overlaps at least one patch. */
    readonly visitDetectorsOverlappingPatches: number;
    /** (visit, detector, patch) triples with overlapping regions: the rows of a drp data-ID query. */
    readonly visitDetectorPatchRows: number;
    /** (visit, patch) pairs with overlapping regions. */
    readonly visitPatches: number;
    /** (patch, band) pairs with at least one overlapping visit. */
    readonly patchBands: number;
  };
  /**
   * Quanta a 4-task drp pipeline (isr, calibrate, makeWarp, assembleCoadd) should get with
   * LSST's semantics (the data-ID rows constrain every task), from exact region overlaps.
   */
  readonly expectedQuanta: { readonly isr: number; readonly calibrate: number; readonly makeWarp: number; readonly assembleCoadd: number; readonly total: number };
  /** Seconds per phase. */
  readonly timings: Readonly<Record<string, number>>;
  readonly totalSeconds: number;
}

/** Per-visit geometry and the overlap statistics the summary reports. */
interface VisitGeometry {
  readonly visitRegions: ConvexPolygon[];
  /** detectorRegions[v][d]. */
  readonly detectorRegions: ConvexPolygon[][];
  readonly vdOverlapping: number;
  readonly rows: number;
  readonly visitPatches: number;
  readonly patchBands: number;
}

/** Times phases and reports progress. */
class PhaseClock {
  readonly timings: Record<string, number> = {};
  constructor(private readonly onProgress?: (p: SimulationProgress) => void) {}

  async run<T>(phase: string, fn: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    this.report(phase, 0, 1);
    try {
      return await fn();
    } finally {
      this.timings[phase] = (this.timings[phase] ?? 0) + (performance.now() - start) / 1000;
      this.report(phase, 1, 1);
    }
  }

  report(phase: string, done: number, total: number): void {
    this.onProgress?.({ phase, done, total });
  }
}

/**
 * Simulates a survey into `repo` (which must not hold a simulation already). Returns counts,
 * the quanta a drp pipeline should plan, and timings. Throws {@link SimulationError} for
 * bad options (`SIMULATE_OPTIONS`) or an already-simulated repository (`SIMULATE_EXISTS`).
 */
export async function simulateRepository(repo: Repository, options: SimulateOptions): Promise<SimulationSummary> {
  const started = performance.now();
  const profile = resolveProfile(options.profile, options);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new SimulationError(`seed must be an integer in [0, 2^32), got ${seed}`, 'SIMULATE_OPTIONS');
  if (profile.pixels && profile.detectorWidth * profile.detectorHeight > 2048 * 2048) {
    throw new SimulationError(`profile '${profile.name}' has ${profile.detectorWidth}x${profile.detectorHeight} detectors, too large to write pixels for; use pixels: false (--no-pixels) or a smaller profile`, 'SIMULATE_OPTIONS');
  }
  const registry = repo.registry;
  const clock = new PhaseClock(options.onProgress);
  const collectionNames = [SIM_COLLECTIONS.raw, SIM_COLLECTIONS.calib, ...SIM_COLLECTIONS.calibRuns, SIM_COLLECTIONS.skymaps, SIM_COLLECTIONS.refcats, SIM_COLLECTIONS.truth, SIM_COLLECTIONS.defaults];
  for (const name of collectionNames) {
    if (await registry.collections.has(name)) throw new SimulationError(`collection '${name}' already exists: this repository already holds a simulation`, 'SIMULATE_EXISTS');
  }
  const skypix = registry.universe.skypix;
  const htmLevel = skypix.skypix!.level;

  const { instrument, skyMap, plan, stars } = await clock.run('model', () => buildModels(profile, seed, htmLevel));
  const geometry = await clock.run('geometry', () => visitGeometry(instrument, skyMap, plan));

  await clock.run('dimensions', () => insertDimensionRecords(repo, profile, instrument, skyMap, plan, geometry));

  await clock.run('collections', () => registry.transaction(async (tx) => {
    await registry.collections.register(SIM_COLLECTIONS.raw, 'RUN', `raw ${SIM_INSTRUMENT} frames (simulated, seed ${seed})`, tx);
    for (const run of SIM_COLLECTIONS.calibRuns) await registry.collections.register(run, 'RUN', 'simulated calibrations of one validity epoch', tx);
    await registry.collections.register(SIM_COLLECTIONS.calib, 'CALIBRATION', `${SIM_INSTRUMENT} bias and flat validity ranges`, tx);
    await registry.collections.register(SIM_COLLECTIONS.skymaps, 'RUN', 'sky map definitions', tx);
    await registry.collections.register(SIM_COLLECTIONS.refcats, 'RUN', `reference catalog sharded by ${skypix.name}`, tx);
    await registry.collections.register(SIM_COLLECTIONS.truth, 'RUN', 'truth catalog of the simulated stars', tx);
    await registry.collections.register(SIM_COLLECTIONS.defaults, 'CHAINED', `everything a ${SIM_INSTRUMENT} drp pipeline reads`, tx);
    const types = [
      { name: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'ExposureF' },
      { name: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true },
      { name: 'flat', dimensions: ['instrument', 'detector', 'physical_filter'], storageClass: 'ExposureF', isCalibration: true },
      { name: 'skyMap', dimensions: ['skymap'], storageClass: 'SkyMap' },
      { name: 'ref_cat', dimensions: [skypix.name], storageClass: 'ArrowTable' },
      { name: 'truth_cat', dimensions: ['skymap', 'tract'], storageClass: 'ArrowTable' },
    ];
    for (const t of types) await registry.datasetTypes.register(t, tx);
  }));

  const writer = new DatasetWriter(repo, seed, profile.pixels);
  await clock.run('skymap', () => writer.write('skyMap', SIM_COLLECTIONS.skymaps, [{ dataId: { skymap: SIM_SKYMAP }, make: () => skyMap.describe() }]));

  const shards = refCatShards(stars, profile.refCatMagLimit);
  await clock.run('refcat', () => writer.write('ref_cat', SIM_COLLECTIONS.refcats,
    [...shards].map(([trixel, rows]) => ({ dataId: { [skypix.name]: trixel }, make: () => refCatTable(stars, rows, profile.bands) }))));
  await clock.run('truth', () => writer.write('truth_cat', SIM_COLLECTIONS.truth,
    [{ dataId: { skymap: SIM_SKYMAP, tract: skyMap.tractId }, make: () => truthTable(stars, profile.bands, profile.refCatMagLimit, skypix.name) }]));

  const calibs = new CalibrationImages(seed, instrument);
  let biases = 0, flats = 0;
  await clock.run('calibrations', async () => {
    for (let epoch = 0; epoch < plan.calibEpochs.length; epoch++) {
      const run = SIM_COLLECTIONS.calibRuns[epoch]!;
      const biasRefs = await writer.write('bias', run, instrument.detectors.map((d) => ({
        dataId: { instrument: SIM_INSTRUMENT, detector: d.id },
        make: () => ({ width: instrument.width, height: instrument.height, image: calibs.bias(d.id, epoch), header: biasHeader(SIM_INSTRUMENT, d, epoch) }),
      })));
      const flatRefs = await writer.write('flat', run, instrument.detectors.flatMap((d) => profile.bands.map((band) => ({
        dataId: { instrument: SIM_INSTRUMENT, detector: d.id, physical_filter: `${SIM_INSTRUMENT}-${band}` },
        make: () => ({ width: instrument.width, height: instrument.height, image: calibs.flat(d.id, band, epoch), header: flatHeader(SIM_INSTRUMENT, d, `${SIM_INSTRUMENT}-${band}`, band, epoch) }),
      }))));
      biases += biasRefs.length;
      flats += flatRefs.length;
      await registry.transaction((tx) => registry.datasets.certify(SIM_COLLECTIONS.calib, [...biasRefs, ...flatRefs], plan.calibEpochs[epoch]!, tx));
      calibs.forgetEpoch(epoch);
    }
  });

  const raws = await clock.run('raws', () => writeRaws(writer, clock, profile, seed, instrument, plan, stars, calibs));

  await clock.run('chain', () => registry.transaction((tx) => registry.collections.setChain(SIM_COLLECTIONS.defaults,
    [SIM_COLLECTIONS.raw, SIM_COLLECTIONS.calib, SIM_COLLECTIONS.skymaps, SIM_COLLECTIONS.refcats], tx)));
  await clock.run('statistics', () => registry.db.refreshStatistics());

  const refCatStars = [...shards.values()].reduce((n, rows) => n + rows.length, 0);
  const expectedQuanta = {
    isr: geometry.vdOverlapping, calibrate: geometry.vdOverlapping, makeWarp: geometry.visitPatches, assembleCoadd: geometry.patchBands,
    total: 2 * geometry.vdOverlapping + geometry.visitPatches + geometry.patchBands,
  };
  return {
    profile, seed, instrument: SIM_INSTRUMENT, skymap: SIM_SKYMAP, pixels: profile.pixels, collections: SIM_COLLECTIONS,
    counts: {
      detectors: instrument.detectors.length, physicalFilters: profile.bands.length, nights: plan.nights.length,
      visits: plan.visits.length, exposures: plan.visits.length, visitDetectorRegions: plan.visits.length * instrument.detectors.length,
      patches: skyMap.patches.length, raws, biases, flats, refCatShards: shards.size, refCatStars, stars: stars.count,
      files: writer.files,
      visitDetectorsOverlappingPatches: geometry.vdOverlapping, visitDetectorPatchRows: geometry.rows,
      visitPatches: geometry.visitPatches, patchBands: geometry.patchBands,
    },
    expectedQuanta,
    timings: clock.timings,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

/** The camera, sky map, survey plan and star field of a profile and seed. */
export function buildModels(profile: SimulationProfile, seed: number, htmLevel = 7): { instrument: InstrumentModel; skyMap: SkyMapModel; plan: ObservingPlan; stars: StarField } {
  const instrument = new InstrumentModel({
    name: SIM_INSTRUMENT, detectorCount: profile.detectors, width: profile.detectorWidth, height: profile.detectorHeight,
    overscan: profile.overscan, gap: profile.detectorGap, pixelScaleArcsec: profile.pixelScaleArcsec,
  });
  const skyMap = new SkyMapModel({
    name: SIM_SKYMAP, center: profile.center, pixelScaleArcsec: profile.pixelScaleArcsec, patchesPerSide: profile.patchesPerSide,
    patchInnerPixels: profile.patchInnerPixels, patchBorderPixels: profile.patchBorderPixels,
  });
  const plan = planObservations(seed, profile, instrument, skyMap, SIM_INSTRUMENT);
  // Stars cover every place a detector can see (plus a PSF margin), in tract pixels.
  const scale = instrument.pixelScaleDeg / (skyMap.pixelScaleArcsec / 3600);
  const half = skyMap.inner.width / 2 + skyMap.patchBorderPixels + plan.ditherPixels * Math.SQRT2 + (instrument.radius + 16) * scale;
  const detectorArea = profile.detectorWidth * profile.detectorHeight * scale * scale;
  const count = Math.round((profile.starsPerDetector * (2 * half) ** 2) / detectorArea);
  const center = (skyMap.inner.width - 1) / 2;
  const stars = generateStarField({ seed, wcs: skyMap.wcs, centerPixel: [center, center], halfSizePixels: half, count, bands: profile.bands, htmLevel });
  return { instrument, skyMap, plan, stars };
}

/** Visit and detector regions, and their exact overlaps with the patches. */
function visitGeometry(instrument: InstrumentModel, skyMap: SkyMapModel, plan: ObservingPlan): VisitGeometry {
  const visitRegions: ConvexPolygon[] = [];
  const detectorRegions: ConvexPolygon[][] = [];
  let vdOverlapping = 0, rows = 0, visitPatches = 0;
  const patchBands = new Set<string>();
  const tract = skyMap.wcs;
  for (const visit of plan.visits) {
    visitRegions.push(instrument.visitRegion(visit.pointing));
    const regions: ConvexPolygon[] = [];
    const seen = new Set<number>();
    for (const d of instrument.detectors) {
      const region = instrument.detectorRegion(visit.pointing, d);
      regions.push(region);
      // Great circles are straight in the tract's TAN plane: the corners' pixel box bounds the region there.
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const v of region.vertices) {
        const [x, y] = tract.vectorToPixel(v[0], v[1], v[2]);
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
      let hits = 0;
      for (const p of skyMap.patchesInPixelBox(x0, y0, x1, y1)) {
        if (!region.overlaps(skyMap.patches[p]!.region)) continue;
        hits++;
        seen.add(p);
      }
      rows += hits;
      if (hits > 0) vdOverlapping++;
    }
    visitPatches += seen.size;
    for (const p of seen) patchBands.add(`${p}/${visit.band}`);
    detectorRegions.push(regions);
  }
  return { visitRegions, detectorRegions, vdOverlapping, rows, visitPatches, patchBands: patchBands.size };
}

/** Inserts every dimension record, one insert call (and transaction) per element. */
async function insertDimensionRecords(repo: Repository, profile: SimulationProfile, instrument: InstrumentModel, skyMap: SkyMapModel, plan: ObservingPlan, geometry: VisitGeometry): Promise<void> {
  const registry = repo.registry;
  const dims = registry.dimensions;
  const I = SIM_INSTRUMENT;
  const insert = (element: string, records: readonly DimensionRecord[], skipExisting = false) =>
    registry.transaction((tx) => dims.insert(element, records, tx, { skipExisting }));
  await insert('instrument', [{ name: I, visit_max: 99_999_999_999_999, visit_system: 0, exposure_max: 99_999_999_999_999, detector_max: 1000, class_name: 'qg.simulate.SimCam' }]);
  // Bands are shared by instruments: another one may have made them.
  await insert('band', profile.bands.map((b) => ({ name: b })), true);
  await insert('physical_filter', profile.bands.map((b) => ({ instrument: I, name: `${I}-${b}`, band: b })));
  await insert('detector', instrument.detectors.map((d) => ({ instrument: I, id: d.id, full_name: d.fullName, name_in_raft: d.nameInRaft, raft: d.raft, purpose: 'SCIENCE' })));
  await insert('visit_system', [{ instrument: I, id: 0, name: 'one-to-one' }]);
  await insert('day_obs', plan.nights.map((n) => ({ instrument: I, id: n.dayObs, timespan: n.timespan })));
  await insert('exposure', plan.visits.map((v) => ({
    instrument: I, id: v.id, physical_filter: v.physicalFilter, day_obs: v.dayObs, obs_id: obsId(v), exposure_time: EXPOSURE_TIME_S, dark_time: EXPOSURE_TIME_S,
    observation_type: 'science', observation_reason: 'science', seq_num: v.seqNum, group_name: String(v.id), group_id: v.id,
    target_name: 'simfield', science_program: 'qg-sim', tracking_ra: v.pointing.ra, tracking_dec: v.pointing.dec, sky_angle: v.pointing.rotation,
    zenith_angle: v.zenithAngle, has_simulated: true, timespan: v.timespan,
  })));
  await insert('visit', plan.visits.map((v, i) => ({
    instrument: I, id: v.id, physical_filter: v.physicalFilter, day_obs: v.dayObs, name: obsId(v), seq_num: v.seqNum, exposure_time: EXPOSURE_TIME_S,
    target_name: 'simfield', observation_reason: 'science', science_program: 'qg-sim', zenith_angle: v.zenithAngle,
    region: geometry.visitRegions[i]!, timespan: v.timespan,
  })));
  await insert('visit_definition', plan.visits.map((v) => ({ instrument: I, exposure: v.id, visit: v.id })));
  await insert('visit_system_membership', plan.visits.map((v) => ({ instrument: I, visit_system: 0, visit: v.id })));
  const vdr: DimensionRecord[] = [];
  plan.visits.forEach((v, i) => instrument.detectors.forEach((d) => vdr.push({ instrument: I, visit: v.id, detector: d.id, region: geometry.detectorRegions[i]![d.id]! })));
  await insert('visit_detector_region', vdr);
  const hash = createHash('sha1').update(JSON.stringify(skyMap.describe())).digest();
  await insert('skymap', [{ name: SIM_SKYMAP, hash: new Uint8Array(hash), tract_max: 1, patch_nx_max: skyMap.patchesPerSide, patch_ny_max: skyMap.patchesPerSide }]);
  await insert('tract', [{ skymap: SIM_SKYMAP, id: skyMap.tractId, region: skyMap.tractRegion }]);
  await insert('patch', skyMap.patches.map((p) => ({ skymap: SIM_SKYMAP, tract: skyMap.tractId, id: p.id, cell_x: p.cellX, cell_y: p.cellY, region: p.region })));
}

function obsId(v: PlannedVisit): string {
  return `SC_${v.dayObs}_${String(v.seqNum).padStart(6, '0')}`;
}

/** The true bias and flat images, made on first use and kept for the epoch being written. */
class CalibrationImages {
  private readonly biases = new Map<string, Float32Array>();
  private readonly flats = new Map<string, Float32Array>();
  constructor(private readonly seed: number, private readonly instrument: InstrumentModel) {}

  bias(detector: number, epoch: number): Float32Array {
    const key = `${detector}/${epoch}`;
    let image = this.biases.get(key);
    if (!image) {
      image = makeBiasImage(this.seed, detector, epoch, this.instrument.width, this.instrument.height);
      this.biases.set(key, image);
    }
    return image;
  }

  flat(detector: number, band: string, epoch: number): Float32Array {
    const key = `${detector}/${band}/${epoch}`;
    let image = this.flats.get(key);
    if (!image) {
      const m = this.instrument;
      image = makeFlatImage(this.seed, m.detector(detector), band, epoch, m.width, m.height, m.radius);
      this.flats.set(key, image);
    }
    return image;
  }

  /** Drops cached images of `epoch` (they are regenerated identically when needed). */
  forgetEpoch(epoch: number): void {
    for (const map of [this.biases, this.flats]) for (const key of [...map.keys()]) if (key.endsWith(`/${epoch}`)) map.delete(key);
  }
}

/** An item to write: its data ID and, when files are written, how to make its content. */
interface DatasetItem {
  readonly dataId: DataId;
  readonly make: () => unknown;
}

/** Writes datasets with files (`pixels`) or registers them only, with deterministic ids. */
class DatasetWriter {
  files = 0;
  constructor(private readonly repo: Repository, private readonly seed: number, private readonly pixels: boolean) {}

  async write(datasetType: string, run: string, items: readonly DatasetItem[]): Promise<DatasetRef[]> {
    if (items.length === 0) return [];
    const ids = items.map((item) => datasetUuid(this.seed, datasetType, run, item.dataId));
    if (this.pixels) {
      const refs = await this.repo.putMany(items.map((item, i) => ({ value: item.make(), dataId: item.dataId, id: ids[i]! })), datasetType, run);
      this.files += refs.length;
      return refs;
    }
    const registry = this.repo.registry;
    return registry.transaction((tx) => registry.datasets.insert(datasetType, run, items.map((item) => item.dataId), tx, ids));
  }
}

/**
 * A name-based (version 5 layout) UUID of a dataset: SHA-1 of the seed, run, dataset type
 * and data ID, so that the same simulation gives the same ids.
 */
export function datasetUuid(seed: number, datasetType: string, run: string, dataId: DataId): string {
  const key = Object.keys(dataId).sort().map((k) => `${k}=${dataId[k]}`).join(',');
  const h = createHash('sha1').update(`qg-simulate/${seed}/${run}/${datasetType}/${key}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Raws: rendered and written one visit at a time (one transaction per visit), or registered in one go without pixels. */
async function writeRaws(writer: DatasetWriter, clock: PhaseClock, profile: SimulationProfile, seed: number, instrument: InstrumentModel, plan: ObservingPlan, stars: StarField, calibs: CalibrationImages): Promise<number> {
  const dataIdOf = (v: PlannedVisit, detector: number): DataId => ({ instrument: SIM_INSTRUMENT, exposure: v.id, detector });
  if (!profile.pixels) {
    const items: DatasetItem[] = [];
    for (const v of plan.visits) for (const d of instrument.detectors) items.push({ dataId: dataIdOf(v, d.id), make: () => null });
    return (await writer.write('raw', SIM_COLLECTIONS.raw, items)).length;
  }
  let written = 0;
  const { width: w, height: h } = instrument;
  let epoch = -1;
  for (const [k, visit] of plan.visits.entries()) {
    // Visits are in time order: keep only the current epoch's calibration images in memory.
    if (visit.calibEpoch !== epoch) {
      if (epoch >= 0) calibs.forgetEpoch(epoch);
      epoch = visit.calibEpoch;
    }
    const fp = instrument.focalPlaneWcs(visit.pointing);
    const n = stars.count;
    const fx = new Float64Array(n), fy = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [x, y] = fp.vectorToPixel(stars.xyz[3 * i]!, stars.xyz[3 * i + 1]!, stars.xyz[3 * i + 2]!);
      fx[i] = x;
      fy[i] = y;
    }
    const margin = Math.ceil(6 * visit.psfSigma) + 1;
    const flux = stars.flux[visit.band]!;
    const items: DatasetItem[] = instrument.detectors.map((d) => ({
      dataId: dataIdOf(visit, d.id),
      make: () => {
        const ox = (w - 1) / 2 - d.centerX, oy = (h - 1) / 2 - d.centerY;
        const sources: RawSource[] = [];
        for (let i = 0; i < n; i++) {
          const x = fx[i]! + ox, y = fy[i]! + oy;
          if (x >= -margin && x <= w - 1 + margin && y >= -margin && y <= h - 1 + margin) {
            sources.push({ x, y, electrons: electronsOf(flux[i]!, visit.band, visit.transparency) });
          }
        }
        const rng = Random.stream(seed, 'raw', visit.id, d.id);
        const overscanLevel = rng.uniform(950, 1050), overscanSlope = rng.uniform(-3, 3);
        const image = renderRaw({
          width: w, height: h, overscan: instrument.overscan, sources, psfSigma: visit.psfSigma, skyElectrons: visit.skyElectrons,
          gain: d.gain, readNoise: d.readNoise, bias: calibs.bias(d.id, visit.calibEpoch), flat: calibs.flat(d.id, visit.band, visit.calibEpoch),
          overscanLevel, overscanSlope, rng,
        });
        const header = rawHeader({
          instrument: SIM_INSTRUMENT, visit, detector: d, wcs: instrument.detectorWcs(visit.pointing, d), width: w, height: h,
          overscan: instrument.overscan, overscanLevel, overscanSlope, seed,
        });
        return { width: w + instrument.overscan, height: h, image, header };
      },
    }));
    written += (await writer.write('raw', SIM_COLLECTIONS.raw, items)).length;
    clock.report('raws', k + 1, plan.visits.length);
  }
  return written;
}
