/**
 * compareToTruth on a coadd made here: Gaussian stars drawn by the simulator's renderer at
 * known positions through a TAN WCS, flat variance, one input per pixel. Bright isolated
 * stars come back with their fluxes and positions; stars at the edge, next to a bright
 * neighbour, faint, or on uncovered pixels are left out.
 */
import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { FitsHeader, type Exposure } from '../../../registry/index.js';
import { COUNT_SHIFT, ImageError, MASK_BITS, TanWcs, compareToTruth } from '../../../pipelines/image/index.js';
import { renderSources } from '../../../pipelines/simulate/index.js';

const W = 120, H = 100, SIGMA = 1.6, NOISE_VAR = 4;
const wcs = TanWcs.rotated([150.1, 2.2], [60.5, 50.5], 0.2 / 3600, 12);

/** Stars by pixel position; id, flux (nJy). */
const STARS = [
  { id: 1, x: 30.3, y: 30.8, flux: 20000 }, // bright, isolated
  { id: 2, x: 80.6, y: 25.2, flux: 15000 }, // bright, isolated
  { id: 3, x: 60.1, y: 70.4, flux: 30000 }, // bright, isolated
  { id: 4, x: 4.2, y: 50.0, flux: 40000 }, // aperture past the edge
  { id: 5, x: 95.0, y: 75.0, flux: 20000 }, // blended with 6
  { id: 6, x: 99.0, y: 76.0, flux: 20000 },
  { id: 7, x: 30.0, y: 75.0, flux: 200 }, // too faint (S/N about 5)
  { id: 8, x: 95.0, y: 45.0, flux: 25000 }, // over an uncovered pixel
  { id: 9, x: 400.0, y: 400.0, flux: 90000 }, // off the image
];

function makeCoadd(): Exposure {
  const image = Float32Array.from(renderSources(W, H, STARS.map((s) => ({ x: s.x, y: s.y, electrons: s.flux })), SIGMA));
  const mask = new Int32Array(W * H).fill(1 << COUNT_SHIFT);
  mask[45 * W + 97] = (1 << MASK_BITS.NO_DATA);
  return { width: W, height: H, image, variance: new Float32Array(W * H).fill(NOISE_VAR), mask, header: wcs.replaceInHeader(new FitsHeader()) };
}

function truthTable() {
  const sky = STARS.map((s) => wcs.pixelToSky(s.x, s.y));
  return tableFromArrays({
    id: BigInt64Array.from(STARS, (s) => BigInt(s.id)),
    ra: Float64Array.from(sky, (p) => p[0]),
    dec: Float64Array.from(sky, (p) => p[1]),
    r_flux: Float64Array.from(STARS, (s) => s.flux),
  });
}

describe('compareToTruth', () => {
  it('measures the bright isolated stars inside the image at their truth positions and leaves the rest out', () => {
    const result = compareToTruth(makeCoadd(), truthTable(), 'r');
    expect(result.stars.map((s) => s.id)).toEqual([1, 2, 3]);
    for (const s of result.stars) {
      const truth = STARS.find((t) => t.id === s.id)!;
      expect(s.x).toBeCloseTo(truth.x, 8);
      expect(s.y).toBeCloseTo(truth.y, 8);
      expect(s.trueFlux).toBe(truth.flux);
      // An 8 px aperture holds all but ~1e-5 of a sigma 1.6 px Gaussian; no noise is added.
      expect(s.ratio).toBeCloseTo(1, 3);
      expect(s.measuredFlux / s.trueFlux).toBe(s.ratio);
      let pixels = 0;
      for (let py = Math.floor(s.y) - 9; py <= Math.floor(s.y) + 9; py++) for (let px = Math.floor(s.x) - 9; px <= Math.floor(s.x) + 9; px++) if (Math.hypot(px - s.x, py - s.y) <= 8) pixels++;
      expect(s.measuredFluxErr).toBeCloseTo(Math.sqrt(NOISE_VAR * pixels), 4);
      // A hard-edged 4 px first-moment window on a sampled Gaussian: a few hundredths of a pixel.
      expect(s.offsetPx).toBeLessThan(0.05);
    }
    expect(result.medianRatio).toBeCloseTo(1, 3);
    expect(result.medianOffsetPx).toBeLessThan(0.05);
  });

  it('uses a given sky-to-pixel mapping and selection options', () => {
    // A lower S/N cut lets the faint star in.
    const faint = compareToTruth(makeCoadd(), truthTable(), 'r', { minSnr: 3 });
    expect(faint.stars.map((s) => s.id)).toEqual([1, 2, 3, 7]);
    const off = compareToTruth(makeCoadd(), truthTable(), 'r', { skyToPixel: (ra, dec) => { const [x, y] = wcs.skyToPixel(ra, dec); return [x + 0.5, y]; } });
    expect(off.stars.map((s) => s.id)).toEqual([1, 2, 3]);
    for (const s of off.stars) expect(Math.abs(s.offsetPx - 0.5)).toBeLessThan(0.05);
  });

  it('returns NaN medians when no star qualifies, and rejects a band the truth lacks', () => {
    const none = compareToTruth(makeCoadd(), truthTable(), 'r', { minSnr: 1e9 });
    expect(none.stars).toEqual([]);
    expect(none.medianRatio).toBeNaN();
    expect(() => compareToTruth(makeCoadd(), truthTable(), 'g')).toThrow(ImageError);
  });
});
