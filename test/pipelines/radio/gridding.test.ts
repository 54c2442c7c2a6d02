/**
 * Gridding + FFT against the direct Fourier sum: the dirty image of noise-free point-source
 * visibilities (32 channels, 10 antennas, 10 integrations), by Kaiser-Bessel gridding, the
 * FFT and the gridding correction, equals at every pixel checked sum w Re(V e^{2 pi i (u l + v m)})
 * / sum w with l = (c - x) cell, m = (y - c) cell, to 1e-4 of the peak (measured 4e-6); so do
 * the Taylor-term images of the two-term CLEAN: the dirty image of the samples times
 * t = (nu - nu0) / nu0 (nu0 the mean frequency) and the PSFs of the weights times t and t^2
 * (over their central half: farther out the PSFs, reaching the edge of the FFT grid, alias);
 * I0 matches tabulated values.
 */
import { describe, expect, it } from 'vitest';
import { besselI0, dirtyImage } from '../../../pipelines/radio/gridding.js';
import { rad } from '../../../pipelines/radio/interferometry.js';
import { SPEED_OF_LIGHT } from '../../../pipelines/radio/primary-beam.js';
import type { UvData } from '../../../pipelines/radio/uvh5.js';
import { TEST_OBSERVATION, pointSourceData } from './radio-fixtures.js';

/**
 * The direct Fourier sum of the Stokes-I samples of `data` (of unit visibilities with `psf`),
 * each times t^`power`, at direction cosines (l, m).
 */
function directSum(data: UvData, l: number, m: number, power = 0, psf = false): number {
  let sum = 0, weights = 0;
  const nf = data.freq.length, np = data.polarization.length;
  const nu0 = data.freq.reduce((a, f) => a + f, 0) / nf;
  for (let r = 0; r < data.ant1.length; r++) {
    for (let k = 0; k < nf; k++) {
      const s = data.freq[k]! / SPEED_OF_LIGHT, phase = 2 * Math.PI * (data.uvw[3 * r]! * s * l + data.uvw[3 * r + 1]! * s * m);
      const t = ((data.freq[k]! - nu0) / nu0) ** power;
      for (let p = 0; p < np; p++) {
        const e = (r * nf + k) * np + p, [re, im] = psf ? [1, 0] : [data.vis[2 * e]!, data.vis[2 * e + 1]!];
        sum += t * (re * Math.cos(phase) - im * Math.sin(phase));
        weights++;
      }
    }
  }
  return sum / weights;
}

describe('gridding', () => {
  it('I0 matches tabulated values', () => {
    expect(besselI0(0)).toBe(1);
    expect(besselI0(1)).toBeCloseTo(1.2660658777520082, 12);
    expect(besselI0(5)).toBeCloseTo(27.239871823604442, 10);
  });

  it('gives the direct Fourier sum at every pixel checked (1e-4 of the peak)', () => {
    const o = TEST_OBSERVATION;
    const data = pointSourceData([
      { ra: o.ra + 0.4, dec: o.dec + 0.3, flux: 1, spectralIndex: 0, refFrequencyHz: 1.4e9 },
      { ra: o.ra - 0.7, dec: o.dec - 0.2, flux: 0.6, spectralIndex: -0.7, refFrequencyHz: 1.4e9 },
    ], 0, 1);
    const npix = 64, cell = rad(120 / 3600), c = npix / 2;
    const d = dirtyImage(data, { npix, cellRad: cell });
    expect(d.psf[npix * 2 * npix + npix]).toBe(1);
    const worst = [0, 0, 0, 0];
    for (let y = 4; y < npix; y += 9) {
      for (let x = 3; x < npix; x += 7) {
        const [l, m, at] = [(c - x) * cell, (y - c) * cell, y * npix + x];
        // the PSFs' central half (the same offsets from their centre (npix, npix))
        const psfAt = (y + c) * 2 * npix + x + c;
        const errors = [d.dirty[at]! - directSum(data, l, m), d.dirtySlope[at]! - directSum(data, l, m, 1), d.psfT[psfAt]! - directSum(data, l, m, 1, true), d.psfT2[psfAt]! - directSum(data, l, m, 2, true)];
        errors.forEach((e, i) => (worst[i] = Math.max(worst[i]!, Math.abs(e))));
      }
    }
    const [dirty, slope, psfT, psfT2] = worst.map((w) => w.toExponential(2));
    console.log(`largest |FFT - direct sum| over the checked pixels: dirty ${dirty}, x t ${slope}; PSFs x t ${psfT}, x t^2 ${psfT2} Jy/beam`);
    for (const w of worst) expect(w).toBeLessThan(1e-4);
  });
});
