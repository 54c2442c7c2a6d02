/**
 * Small visibility sets for the imaging and mosaic tests: the radio profile's array and first
 * observation, one subband of 32 channels across the whole band, with the visibilities of the
 * given point sources (primary beam applied, as the simulator does) plus Gaussian noise of
 * `noiseJy` per component, already calibrated (unit gains).
 */
import { modelVisibilities, type PointSource } from '../../../pipelines/radio/interferometry.js';
import type { UvData } from '../../../pipelines/radio/uvh5.js';
import { RADIO_PROFILE, Random, TrueGains, arrayLayout, planRadioObservations, simulateSubband } from '../../../pipelines/simulate/index.js';

/** The test profile: every channel of the band in one subband of 32. */
export const TEST_PROFILE = Object.freeze({ ...RADIO_PROFILE, subbands: 1, channelsPerSubband: 32 });
/** The observation the fixtures use. */
export const TEST_OBSERVATION = planRadioObservations(TEST_PROFILE)[0]!;

/** Calibrated visibilities of `sources` plus noise (seeded). */
export function pointSourceData(sources: readonly PointSource[], noiseJy: number, seed: number): UvData {
  const ctx = { profile: { ...TEST_PROFILE, noiseJy: 0 }, seed, layout: arrayLayout(TEST_PROFILE, seed), sources: [], gains: new TrueGains(TEST_PROFILE.antennas, seed) };
  const data = simulateSubband(ctx, TEST_OBSERVATION, 0);
  const vis = modelVisibilities(data, sources, { shape: 'gaussian', diameterM: TEST_PROFILE.dishDiameterM }, data.polarization.length);
  const rng = new Random(seed);
  for (let i = 0; i < vis.length; i++) vis[i] += noiseJy * rng.normal();
  return { ...data, vis, visUnits: 'Jy' };
}
