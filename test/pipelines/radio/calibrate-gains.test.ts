/**
 * calibrateGains against the simulator's truth: after applying the certified (noisy, sampled)
 * gain table, the residual gain error is below 1% (the table's samples carry 0.3% errors and
 * the drift is linear between samples); the calibrated data scatter about the sky model by the
 * thermal noise; injected outliers are flagged and little else is; without calibration the
 * residuals are far larger.
 */
import { describe, expect, it } from 'vitest';
import { calibrateGains, CALIBRATE_DEFAULTS } from '../../../pipelines/radio/calibrate-gains.js';
import { GainInterpolator } from '../../../pipelines/radio/gains.js';
import { Random, RADIO_PROFILE, TrueGains, arrayLayout, planRadioObservations, radioSources, simulateSubband, type SubbandContext } from '../../../pipelines/simulate/index.js';

const profile = { ...RADIO_PROFILE, antennas: 6, channelsPerSubband: 8 };
const observations = planRadioObservations(profile);
const gains = new TrueGains(profile.antennas, 11);
const ctx: SubbandContext = { profile, seed: 11, layout: arrayLayout(profile, 11), sources: radioSources(profile, 11, observations), gains };
const o = observations[2]!;
const table = gains.table(o.startJd - 0.01, o.endJd + 0.01, profile.gainSampleS, profile.gainSampleError, new Random(7));
const truth = new GainInterpolator(gains.table(o.startJd - 0.01, o.endJd + 0.01, 10, 0));

describe('calibrateGains', () => {
  it('leaves a residual gain error below 1% and data that scatter about the model by the noise', () => {
    const data = simulateSubband(ctx, o, 3);
    const figures = calibrateGains(data, new GainInterpolator(table), ctx.sources, CALIBRATE_DEFAULTS, truth);
    console.log(`residual gain error ${(100 * figures.residualGainErrorRms!).toFixed(2)}% rms (max ${(100 * figures.residualGainErrorMax!).toFixed(2)}%), ` +
      `residual sigma ${figures.residualSigmaJy.toFixed(3)} Jy (noise ${profile.noiseJy}), flagged ${figures.flagged}`);
    expect(figures.residualGainErrorRms!).toBeLessThan(0.01);
    expect(figures.residualGainErrorMax!).toBeLessThan(0.03);
    expect(figures.residualSigmaJy).toBeGreaterThan(0.6 * profile.noiseJy);
    expect(figures.residualSigmaJy).toBeLessThan(1.6 * profile.noiseJy);
    expect(figures.flaggedFraction).toBeLessThan(0.002);
    expect(data.vis.every(Number.isFinite)).toBe(true);
  });

  it('flags injected outliers', () => {
    const data = simulateSubband(ctx, o, 3);
    const bad = [5, 77, 123, 400];
    for (const i of bad) data.vis[2 * i] = 500;
    calibrateGains(data, new GainInterpolator(table), ctx.sources, CALIBRATE_DEFAULTS);
    for (const i of bad) expect(data.flags[i], `element ${i}`).toBe(1);
  });

  it('with unit gains (no calibration) the residuals are far above the noise', () => {
    const data = simulateSubband(ctx, o, 3);
    const unit = new GainInterpolator({ time: Float64Array.from({ length: 6 }, () => o.startJd), antenna: Int32Array.from({ length: 6 }, (_, i) => i), re: new Float64Array(6).fill(1), im: new Float64Array(6) });
    const figures = calibrateGains(data, unit, ctx.sources, { ...CALIBRATE_DEFAULTS, flagSigma: 1e9 }, truth);
    expect(figures.residualGainErrorRms!).toBeGreaterThan(0.3);
    expect(figures.residualSigmaJy).toBeGreaterThan(1.2 * profile.noiseJy);
  });
});
