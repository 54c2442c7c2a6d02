/**
 * `simulateRadioRepository` (`qg simulate --profile radio`): fills a repository with a radio
 * survey: the QGARRAY instrument with its antennas and 16 subbands, observations along a
 * strip (time span, pointing and primary-beam region), a sky map whose tract covers the strip,
 * one UVH5 dataset per (observation, subband), gain tables certified in a CALIBRATION
 * collection over two validity ranges, and the truth (sky model, noise-free gains).
 *
 * Registry writes are bulk: one insert call per dimension element, one put per dataset type
 * and observation. Everything is a function of the seed.
 */
import { createHash } from 'node:crypto';
import { tableFromArrays } from 'apache-arrow';
import { taiFromMjd, type DataId, type DatasetRef, type DimensionRecord, type Repository } from '../../registry/index.js';
import { gainTableToArrow } from '../radio/gains.js';
import { writeUvh5 } from '../radio/uvh5.js';
import { SimulationError } from './errors.js';
import {
  ARRAY_SITE, RADIO_PROFILE, TrueGains, arrayLayout, beamFwhmDeg, observationRegion, planRadioObservations, radioSources,
  simulateSubband, subbandFrequencies, channelWidth, type PlannedObservation, type RadioProfile, type SubbandContext,
} from './radio-model.js';
import { Random, streamSeed } from './random.js';
import { datasetUuid } from './simulate-repository.js';
import { SkyMapModel } from './sky-map-model.js';

/** Instrument, sky map and collections of a radio simulation. */
export const RADIO_INSTRUMENT = ARRAY_SITE.name;
export const RADIO_SKYMAP = 'radioSkyMap';
export const RADIO_COLLECTIONS = Object.freeze({
  raw: `${RADIO_INSTRUMENT}/raw/all`,
  calib: `${RADIO_INSTRUMENT}/calib`,
  calibRuns: Object.freeze([`${RADIO_INSTRUMENT}/calib/epoch0`, `${RADIO_INSTRUMENT}/calib/epoch1`]),
  skymaps: 'skymaps',
  truth: `${RADIO_INSTRUMENT}/truth`,
  /** CHAINED [raw, calib, skymaps, truth]: every input the radio pipeline reads. */
  defaults: `${RADIO_INSTRUMENT}/defaults`,
});

/** The dataset types a radio simulation registers. */
export const RADIO_DATASET_TYPES = Object.freeze([
  { name: 'subband_vis', dimensions: ['instrument', 'observation', 'subband'], storageClass: 'Visibilities' },
  { name: 'gain_cal', dimensions: ['instrument'], storageClass: 'ArrowTable', isCalibration: true },
  { name: 'radio_sky_model', dimensions: ['instrument'], storageClass: 'ArrowTable' },
  { name: 'gain_truth', dimensions: ['instrument'], storageClass: 'ArrowTable' },
  { name: 'skyMap', dimensions: ['skymap'], storageClass: 'SkyMap' },
]);

/** What a radio simulation made. */
export interface RadioSimulationSummary {
  readonly profile: RadioProfile;
  readonly seed: number;
  readonly instrument: string;
  readonly skymap: string;
  readonly collections: typeof RADIO_COLLECTIONS;
  readonly observations: readonly PlannedObservation[];
  readonly counts: { readonly antennas: number; readonly subbands: number; readonly observations: number; readonly subbandFiles: number; readonly patches: number; readonly sources: number; readonly gainTables: number };
  readonly totalSeconds: number;
}

/** Simulates the radio survey into `repo`; SIMULATE_EXISTS when it already holds one. */
export async function simulateRadioRepository(repo: Repository, options: { seed?: number; onProgress?: (p: { phase: string; done: number; total: number }) => void } = {}): Promise<RadioSimulationSummary> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const profile = RADIO_PROFILE;
  const registry = repo.registry;
  const existing = await registry.transaction((tx) => registry.dimensions.query('instrument', tx, { name: RADIO_INSTRUMENT }));
  if (existing.length) throw new SimulationError(`this repository already holds a ${RADIO_INSTRUMENT} simulation`, 'SIMULATE_EXISTS');
  const observations = planRadioObservations(profile);
  const layout = arrayLayout(profile, seed);
  const sources = radioSources(profile, seed, observations);
  const gains = new TrueGains(profile.antennas, seed);
  const skyMap = radioSkyMap(profile, observations);
  const progress = (phase: string, done: number, total: number) => options.onProgress?.({ phase, done, total });

  progress('dimensions', 0, 1);
  await insertRadioDimensions(repo, profile, layout, observations, skyMap);
  await registerRadioCollections(repo, seed);
  const put = (type: string, run: string, items: { dataId: DataId; value: unknown }[]) =>
    repo.putMany(items.map((i) => ({ ...i, id: datasetUuid(seed, type, run, i.dataId) })), type, run);
  const I = { instrument: RADIO_INSTRUMENT };
  await put('skyMap', RADIO_COLLECTIONS.skymaps, [{ dataId: { skymap: RADIO_SKYMAP }, value: skyMap.describe() }]);
  await put('radio_sky_model', RADIO_COLLECTIONS.truth, [{ dataId: I, value: sourceTable(sources) }]);
  const first = observations[0]!, last = observations[observations.length - 1]!;
  await put('gain_truth', RADIO_COLLECTIONS.truth, [{ dataId: I, value: gainTableToArrow(gains.table(first.startJd, last.endJd, 10, 0)) }]);
  await certifyGainTables(repo, put, gains, observations, seed);

  const ctx: SubbandContext = { profile, seed, layout, sources, gains };
  let files = 0;
  for (const [k, o] of observations.entries()) {
    progress('subbands', k, observations.length);
    const items = [];
    for (let s = 0; s < profile.subbands; s++) items.push({ dataId: { ...I, observation: o.id, subband: s }, value: await writeUvh5(simulateSubband(ctx, o, s)) });
    files += (await put('subband_vis', RADIO_COLLECTIONS.raw, items)).length;
  }
  progress('subbands', observations.length, observations.length);
  await registry.transaction((tx) => registry.collections.setChain(RADIO_COLLECTIONS.defaults,
    [RADIO_COLLECTIONS.raw, RADIO_COLLECTIONS.calib, RADIO_COLLECTIONS.skymaps, RADIO_COLLECTIONS.truth], tx));
  return {
    profile, seed, instrument: RADIO_INSTRUMENT, skymap: RADIO_SKYMAP, collections: RADIO_COLLECTIONS, observations,
    counts: { antennas: layout.length, subbands: profile.subbands, observations: observations.length, subbandFiles: files, patches: skyMap.patches.length, sources: sources.length, gainTables: 2 },
    totalSeconds: (performance.now() - started) / 1000,
  };
}

/** A tract of 3 x 3 patches (2 arcmin pixels) centred on the strip, wide enough for every observation's beam. */
export function radioSkyMap(profile: RadioProfile, observations: readonly PlannedObservation[]): SkyMapModel {
  const first = observations[0]!, last = observations[observations.length - 1]!;
  const span = Math.abs(last.ra - first.ra) * Math.cos((first.dec * Math.PI) / 180) + 2 * beamFwhmDeg(profile);
  const patchInnerPixels = Math.ceil((span * 60) / 2 / 3);
  return new SkyMapModel({ name: RADIO_SKYMAP, center: [(first.ra + last.ra) / 2, first.dec], pixelScaleArcsec: 120, patchesPerSide: 3, patchInnerPixels, patchBorderPixels: 4 });
}

async function insertRadioDimensions(repo: Repository, profile: RadioProfile, layout: readonly [number, number, number][], observations: readonly PlannedObservation[], skyMap: SkyMapModel): Promise<void> {
  const registry = repo.registry;
  const insert = (element: string, records: readonly DimensionRecord[]) => registry.transaction((tx) => registry.dimensions.insert(element, records, tx));
  const I = RADIO_INSTRUMENT;
  await insert('instrument', [{ name: I, class_name: 'qg.simulate.RadioArray', detector_max: 0 }]);
  await insert('antenna', layout.map((enu, id) => ({ instrument: I, id, name: `ant${String(id).padStart(3, '0')}`, position_x: enu[0], position_y: enu[1], position_z: enu[2], diameter: profile.dishDiameterM })));
  await insert('subband', Array.from({ length: profile.subbands }, (_, id) => {
    const f = subbandFrequencies(profile, id), half = channelWidth(profile) / 2;
    return { instrument: I, id, frequency_min_hz: f[0]! - half, frequency_max_hz: f[f.length - 1]! + half };
  }));
  await insert('field', [{ instrument: I, name: 'strip', ra: (observations[0]!.ra + observations[observations.length - 1]!.ra) / 2, dec: observations[0]!.dec }]);
  await insert('observation', observations.map((o) => ({
    instrument: I, id: o.id, field: 'strip', integration_time: profile.integrationS, pointing_ra: o.ra, pointing_dec: o.dec,
    region: observationRegion(profile, o), timespan: { begin: taiOfJd(o.startJd), end: taiOfJd(o.endJd) },
  })));
  const hash = createHash('sha1').update(JSON.stringify(skyMap.describe())).digest();
  await insert('skymap', [{ name: RADIO_SKYMAP, hash: new Uint8Array(hash), tract_max: 1, patch_nx_max: skyMap.patchesPerSide, patch_ny_max: skyMap.patchesPerSide }]);
  await insert('tract', [{ skymap: RADIO_SKYMAP, id: skyMap.tractId, region: skyMap.tractRegion }]);
  await insert('patch', skyMap.patches.map((p) => ({ skymap: RADIO_SKYMAP, tract: skyMap.tractId, id: p.id, cell_x: p.cellX, cell_y: p.cellY, region: p.region })));
}

async function registerRadioCollections(repo: Repository, seed: number): Promise<void> {
  const registry = repo.registry;
  await registry.transaction(async (tx) => {
    const register = async (name: string, type: 'RUN' | 'CALIBRATION' | 'CHAINED', doc: string) => {
      if (!(await registry.collections.has(name, tx))) await registry.collections.register(name, type, doc, tx);
    };
    await register(RADIO_COLLECTIONS.raw, 'RUN', `${RADIO_INSTRUMENT} subband visibilities (simulated, seed ${seed})`);
    for (const run of RADIO_COLLECTIONS.calibRuns) await register(run, 'RUN', 'simulated gain tables of one validity epoch');
    await register(RADIO_COLLECTIONS.calib, 'CALIBRATION', `${RADIO_INSTRUMENT} gain-table validity ranges`);
    await register(RADIO_COLLECTIONS.skymaps, 'RUN', 'sky map definitions');
    await register(RADIO_COLLECTIONS.truth, 'RUN', 'the simulated sky model and true gains');
    await register(RADIO_COLLECTIONS.defaults, 'CHAINED', `everything the ${RADIO_INSTRUMENT} radio pipeline reads`);
    for (const t of RADIO_DATASET_TYPES) await registry.datasetTypes.register(t, tx);
  });
}

/**
 * Two gain tables, each measured (with noise) over its validity range: the first observations'
 * half of the night and the rest. Certified in the CALIBRATION collection.
 */
async function certifyGainTables(repo: Repository, put: (type: string, run: string, items: { dataId: DataId; value: unknown }[]) => Promise<DatasetRef[]>,
  gains: TrueGains, observations: readonly PlannedObservation[], seed: number): Promise<void> {
  const split = Math.ceil(observations.length / 2);
  const edges = [observations[0]!.startJd - 1 / 24, observations[split]?.startJd ?? observations[observations.length - 1]!.endJd, observations[observations.length - 1]!.endJd + 1 / 24];
  for (let epoch = 0; epoch < 2; epoch++) {
    const rng = new Random(streamSeed(seed, 'radio-gain-table', epoch));
    const table = gains.table(edges[epoch]!, edges[epoch + 1]!, RADIO_PROFILE.gainSampleS, RADIO_PROFILE.gainSampleError, rng);
    const refs = await put('gain_cal', RADIO_COLLECTIONS.calibRuns[epoch]!, [{ dataId: { instrument: RADIO_INSTRUMENT }, value: gainTableToArrow(table) }]);
    await repo.registry.transaction((tx) => repo.registry.datasets.certify(RADIO_COLLECTIONS.calib, refs, { begin: taiOfJd(edges[epoch]!), end: taiOfJd(edges[epoch + 1]!) }, tx));
  }
}

/** The sky model as an Arrow table (ra, dec in degrees; flux in Jy at ref_frequency_hz; spectral_index). */
function sourceTable(sources: readonly { ra: number; dec: number; flux: number; spectralIndex: number; refFrequencyHz: number }[]) {
  return tableFromArrays({
    id: Int32Array.from(sources.keys()), ra: Float64Array.from(sources, (s) => s.ra), dec: Float64Array.from(sources, (s) => s.dec),
    flux: Float64Array.from(sources, (s) => s.flux), spectral_index: Float64Array.from(sources, (s) => s.spectralIndex),
    ref_frequency_hz: Float64Array.from(sources, (s) => s.refFrequencyHz),
  });
}

/** TAI nanoseconds of a Julian date (the simulation's clock is TAI). */
export function taiOfJd(jd: number): bigint {
  return taiFromMjd(jd - 2400000.5);
}
