/**
 * calibrateGains (dimensions instrument, observation): divides each visibility by its
 * antennas' gains g_a conj(g_b), interpolated in time from the gain table valid at the
 * observation (a calibration prerequisite, found by the planner in one bulk lookup), computed
 * once per row and applied to every channel. The model visibilities of the sky model
 * (MODEL_DATA: each source's apparent spectrum and each row's delays computed once) give the
 * residuals; elements whose residual exceeds `flagSigma` robust sigmas (1.4826 MAD) are
 * flagged. Flag statistics are counted once; with the simulator's true gains as an input,
 * the residual gain error |g_applied / g_true - 1| goes into the quantum's metadata.
 */
import type { Table } from 'apache-arrow';
import { defineConfig, readConfig, type ConfigOf } from '../core/config-schema.js';
import type { TaskRunInput, TaskRunOutput } from '../core/connections.js';
import { MAD_TO_SIGMA, medianInPlace } from '../image/statistics.js';
import { RadioError } from './errors.js';
import { GainInterpolator, gainTableFromArrow } from './gains.js';
import { modelVisibilities, type PointSource } from './interferometry.js';
import { readUvh5, writeUvh5, type UvData } from './uvh5.js';

/** calibrateGains' config fields. */
export const CALIBRATE_CONFIG = defineConfig({
  flagSigma: { type: 'number', default: 6, doc: 'Visibilities whose residual exceeds this many robust sigmas are flagged' },
  beamShape: { type: 'string', choices: ['gaussian', 'airy'], default: 'gaussian', doc: 'Primary beam model (primary-beam.ts)' },
});

/** Config of calibrateGains (defaults filled in by {@link readConfig}). */
export type CalibrateConfig = ConfigOf<typeof CALIBRATE_CONFIG>;

/** Every calibrateGains field at its default. */
export const CALIBRATE_DEFAULTS: CalibrateConfig = readConfig(CALIBRATE_CONFIG, {}, 'calibrateGains');

/** Figures of a calibration. */
export interface CalibrationFigures {
  readonly rows: number;
  readonly flagged: number;
  readonly flaggedFraction: number;
  readonly residualSigmaJy: number;
  /** RMS and largest |g_applied / g_true - 1| over antennas and integrations (with the truth only). */
  readonly residualGainErrorRms?: number;
  readonly residualGainErrorMax?: number;
}

/** Calibrates `data` in place with `gains`, flags against the model of `sources`, and returns the figures. */
export function calibrateGains(data: UvData, gains: GainInterpolator, sources: readonly PointSource[], config: CalibrateConfig, truth?: GainInterpolator): CalibrationFigures {
  const rows = data.ant1.length, per = data.freq.length * data.polarization.length;
  for (let r = 0; r < rows; r++) {
    const [gr, gi] = baselineGain(gains, data.ant1[r]!, data.ant2[r]!, data.time[r]!);
    const norm = gr * gr + gi * gi;
    if (!(norm > 0)) throw new RadioError(`gain of antennas ${data.ant1[r]}-${data.ant2[r]} is zero at JD ${data.time[r]}`, 'GAIN_TABLE');
    for (let k = 0; k < per; k++) {
      const i = 2 * (r * per + k);
      const vr = data.vis[i]!, vi = data.vis[i + 1]!;
      // V / (gr + i gi) = V (gr - i gi) / |g|^2
      data.vis[i] = (vr * gr + vi * gi) / norm;
      data.vis[i + 1] = (vi * gr - vr * gi) / norm;
    }
  }
  const diameter = data.antennaDiameters[0] ?? 0;
  const model = modelVisibilities(data, sources, { shape: config.beamShape, diameterM: diameter }, data.polarization.length);
  const { flagged, sigma } = flagOutliers(data, model, config.flagSigma);
  const figures = { rows, flagged, flaggedFraction: flagged / data.flags.length, residualSigmaJy: sigma };
  return truth ? { ...figures, ...gainError(data, gains, truth) } : figures;
}

/** g_a conj(g_b) at `jd`. */
function baselineGain(gains: GainInterpolator, a: number, b: number, jd: number): [number, number] {
  const [ar, ai] = gains.at(a, jd), [br, bi] = gains.at(b, jd);
  return [ar * br + ai * bi, ai * br - ar * bi];
}

/** Flags elements whose residual against `model` exceeds `k` robust sigmas (of the residual components). */
function flagOutliers(data: UvData, model: Float32Array, k: number): { flagged: number; sigma: number } {
  const n = data.flags.length;
  const components = new Float64Array(2 * n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (data.flags[i]) continue;
    components[m++] = Math.abs(data.vis[2 * i]! - model[2 * i]!);
    components[m++] = Math.abs(data.vis[2 * i + 1]! - model[2 * i + 1]!);
  }
  const sigma = MAD_TO_SIGMA * medianInPlace(components.subarray(0, m));
  let flagged = 0;
  for (let i = 0; i < n; i++) {
    const dr = data.vis[2 * i]! - model[2 * i]!, di = data.vis[2 * i + 1]! - model[2 * i + 1]!;
    if (!data.flags[i] && Math.hypot(dr, di) > k * sigma * Math.SQRT2) data.flags[i] = 1;
    if (data.flags[i]) flagged++;
  }
  return { flagged, sigma };
}

/** |g_applied / g_true - 1| over every antenna and integration of `data`. */
function gainError(data: UvData, gains: GainInterpolator, truth: GainInterpolator): { residualGainErrorRms: number; residualGainErrorMax: number } {
  const times = [...new Set(data.time)];
  let sum = 0, max = 0, n = 0;
  for (const antenna of new Set([...data.ant1, ...data.ant2])) {
    for (const t of times) {
      const [ar, ai] = gains.at(antenna, t), [tr, ti] = truth.at(antenna, t);
      const d = Math.hypot(ar - tr, ai - ti) / Math.hypot(tr, ti);
      sum += d * d;
      max = Math.max(max, d);
      n++;
    }
  }
  return { residualGainErrorRms: Math.sqrt(sum / n), residualGainErrorMax: max };
}

/** Point sources from a sky-model table (ra, dec, flux, spectral_index, ref_frequency_hz). */
export function sourcesFromTable(table: Table): PointSource[] {
  const col = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new RadioError(`sky model has no column '${name}'`, 'RADIO_INPUT');
    return c.toArray() as ArrayLike<number>;
  };
  const [ra, dec, flux, alpha, ref] = ['ra', 'dec', 'flux', 'spectral_index', 'ref_frequency_hz'].map(col) as ArrayLike<number>[];
  return Array.from({ length: table.numRows }, (_, i) => ({ ra: ra![i]!, dec: dec![i]!, flux: flux![i]!, spectralIndex: alpha![i]!, refFrequencyHz: ref![i]! }));
}

/** The task: inputs `merged` (UVH5), `skyModel`, optional `gainTruth`; prerequisite `gains`; output `calibrated` (UVH5). */
export async function run(input: TaskRunInput): Promise<TaskRunOutput> {
  const config = readConfig(CALIBRATE_CONFIG, input.config, 'calibrateGains');
  const data = await readUvh5(input.inputs['merged'] as Uint8Array);
  const gains = new GainInterpolator(gainTableFromArrow(input.inputs['gains'] as Table));
  const truthTable = input.inputs['gainTruth'] as Table | undefined;
  const truth = truthTable ? new GainInterpolator(gainTableFromArrow(truthTable)) : undefined;
  const figures = calibrateGains(data, gains, sourcesFromTable(input.inputs['skyModel'] as Table), config, truth);
  input.log(`calibrated ${figures.rows} rows; flagged ${(100 * figures.flaggedFraction).toFixed(2)}%${figures.residualGainErrorRms !== undefined ? `; residual gain error ${(100 * figures.residualGainErrorRms).toFixed(2)}% rms` : ''}`);
  return { outputs: { calibrated: await writeUvh5({ ...data, visUnits: 'Jy' }) }, metadata: { ...figures } };
}
