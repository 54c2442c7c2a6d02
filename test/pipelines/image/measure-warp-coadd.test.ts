/**
 * The pieces under calibrate, makeWarp and assembleCoadd on images made here (stars drawn by
 * the simulator's renderer, noise from its Random), with expected values computed here:
 * centroids, moments, PSF and aperture fluxes, background and detection; resampling that
 * conserves flux and moves positions exactly through two WCSs; variance propagation
 * checked on pure noise; the weighted mean, variance and exposure count of a coadd.
 */
import { describe, expect, it } from 'vitest';
import { FitsHeader, type Exposure } from '../../../registry/index.js';
import {
  COUNT_SHIFT, MASK_BITS, TanWcs, adaptiveMoments, apertureFlux, backgroundImage, detectSources, estimateBackground,
  gaussianCentroid, patchGrid, psfFlux, resampleInto, runAssembleCoadd, runMakeWarp, type PatchGrid, type ResampleTarget,
} from '../../../pipelines/image/index.js';
import { Random, SkyMapModel, renderSources } from '../../../pipelines/simulate/index.js';

const NO_DATA = 1 << MASK_BITS.NO_DATA;

function emptyTarget(width: number, height: number, wcs: TanWcs): ResampleTarget {
  const n = width * height;
  return { width, height, wcs, image: new Float32Array(n).fill(NaN), variance: new Float32Array(n).fill(NaN), mask: new Int32Array(n), filled: new Uint8Array(n) };
}

/** Plain first moments of an image over finite pixels. */
function moments(image: ArrayLike<number>, width: number): { sum: number; x: number; y: number } {
  let s = 0, sx = 0, sy = 0;
  for (let p = 0; p < image.length; p++) {
    const v = image[p]!;
    if (!Number.isFinite(v)) continue;
    s += v;
    sx += v * (p % width);
    sy += v * Math.floor(p / width);
  }
  return { sum: s, x: sx / s, y: sy / s };
}

describe('measurement', () => {
  const W = 64, H = 64;
  const star = { x: 30.37, y: 28.71, electrons: 20000 };
  const image = Float32Array.from(renderSources(W, H, [star], 1.7));

  it('centroids a Gaussian star to 1e-3 px and measures its sigma to 1%', () => {
    const c = gaussianCentroid(image, W, H, 30, 29, 1.5);
    expect(c.ok).toBe(true);
    expect(Math.hypot(c.x - star.x, c.y - star.y)).toBeLessThan(1e-3);
    const m = adaptiveMoments(image, W, H, c.x, c.y, 1.2);
    expect(Math.abs(m.sigma / 1.7 - 1)).toBeLessThan(0.01);
  });

  it('gets the total flux from PSF and wide apertures, and pi r^2 from a flat image', () => {
    expect(psfFlux(image, undefined, undefined, W, H, star.x, star.y, 1.7).flux / star.electrons).toBeCloseTo(1, 4);
    expect(apertureFlux(image, undefined, undefined, W, H, star.x, star.y, 12).flux / star.electrons).toBeCloseTo(1, 4);
    const ones = new Float32Array(W * H).fill(1);
    const a = apertureFlux(ones, ones, undefined, W, H, 31.2, 30.6, 7.3);
    expect(a.flux / (Math.PI * 7.3 * 7.3)).toBeCloseTo(1, 2);
    expect(a.edge).toBe(false);
    expect(apertureFlux(ones, ones, undefined, W, H, 2, 2, 5).edge).toBe(true);
  });

  it('estimates a sloped background under stars and detects every star above 5 sigma', () => {
    const rng = Random.stream(2, 'bg');
    const stars = Array.from({ length: 12 }, (_, i) => ({ x: 10 + (i % 4) * 35 + rng.uniform(-3, 3), y: 12 + Math.floor(i / 4) * 40 + rng.uniform(-3, 3), electrons: 3000 + 1000 * i }));
    const w = 150, h = 130;
    const rendered = renderSources(w, h, stars, 1.5);
    const img = new Float32Array(w * h), variance = new Float32Array(w * h);
    for (let p = 0; p < w * h; p++) {
      const sky = 400 + 0.2 * (p % w);
      img[p] = sky + rendered[p]! + Math.sqrt(sky) * rng.normal();
      variance[p] = sky + rendered[p]!;
    }
    const model = estimateBackground(img, w, h, undefined, { meshSize: 32, ignoreMask: 0, statistic: 'median' });
    const bg = backgroundImage(model, w, h);
    let worst = 0;
    for (let y = 20; y < h - 20; y += 10) for (let x = 20; x < w - 20; x += 10) worst = Math.max(worst, Math.abs(bg[y * w + x]! - (400 + 0.2 * x)));
    expect(worst).toBeLessThan(2);
    const sub = img.map((v, p) => v - bg[p]!);
    const det = detectSources(sub, variance, undefined, w, h, { sigma: 1.5, threshold: 5, ignoreMask: 0, minPixels: 3 });
    for (const s of stars) expect(det.peaks.some((p) => Math.hypot(p.x - s.x, p.y - s.y) < 1.5)).toBe(true);
    expect(det.peaks.length).toBe(stars.length);
  });
});

describe('resampling', () => {
  const src = TanWcs.rotated([150, 2], [32.5, 32.5], 1 / 3600, 20);
  const W = 64, H = 64;
  const star = { x: 30.37, y: 28.71, electrons: 10000 };
  const image = Float32Array.from(renderSources(W, H, [star], 1.8));
  const variance = new Float32Array(W * H).fill(4);
  const source = { width: W, height: H, image, variance, wcs: src };

  for (const kernel of ['lanczos3', 'bilinear'] as const) {
    it(`${kernel}: conserves flux onto smaller, turned pixels and puts the star where the WCSs say`, () => {
      // Output pixels of 0.7": each holds 0.49 of an input pixel's flux.
      const dst = TanWcs.rotated([150.0005, 2.0003], [50, 45], 0.7 / 3600, -40);
      const t = emptyTarget(110, 110, dst);
      resampleInto(source, t, kernel, 0);
      const m = moments(t.image, 110);
      expect(m.sum / star.electrons).toBeCloseTo(1, 3);
      const [ra, dec] = src.pixelToSky(star.x, star.y);
      const [ex, ey] = dst.skyToPixel(ra, dec);
      expect(Math.hypot(m.x - ex, m.y - ey)).toBeLessThan(kernel === 'lanczos3' ? 0.01 : 0.05);
      // A flat input of 1 per input pixel gives 0.49 per output pixel.
      const flat = emptyTarget(110, 110, dst);
      resampleInto({ ...source, image: new Float32Array(W * H).fill(1) }, flat, kernel, 0);
      const inside = flat.image.filter(Number.isFinite);
      expect(Math.min(...inside)).toBeCloseTo(0.49, 4);
      expect(Math.max(...inside)).toBeCloseTo(0.49, 4);
      // Outside the input: nothing written.
      expect(flat.image.some(Number.isNaN)).toBe(true);
    });
  }

  it('propagates variance: the spread of resampled noise matches the variance plane', () => {
    const rng = Random.stream(8, 'noise');
    const big = 200;
    const noise = Float32Array.from({ length: big * big }, () => 2 * rng.normal());
    const wcs = TanWcs.rotated([150, 2], [100.5, 100.5], 1 / 3600, 0);
    const dst = TanWcs.rotated([150, 2], [60, 60], 1 / 3600, 33);
    const t = emptyTarget(120, 120, dst);
    resampleInto({ width: big, height: big, image: noise, variance: new Float32Array(big * big).fill(4), wcs }, t, 'lanczos3', 0);
    let s2 = 0, v = 0, n = 0;
    for (let p = 0; p < t.image.length; p++) {
      if (!Number.isFinite(t.image[p]!)) continue;
      s2 += t.image[p]! ** 2;
      v += t.variance[p]!;
      n++;
    }
    expect(n).toBeGreaterThan(10000);
    expect(Math.sqrt(s2 / n / (v / n))).toBeCloseTo(1, 1);
    expect(Math.abs(Math.sqrt(s2 / n / (v / n)) - 1)).toBeLessThan(0.03);
  });
});

describe('makeWarp and assembleCoadd', () => {
  const skyMap = new SkyMapModel({ name: 'test', center: [150, 2], pixelScaleArcsec: 1, patchesPerSide: 2, patchInnerPixels: 60, patchBorderPixels: 5 });
  const description = skyMap.describe();

  it('reads patch grids from the sky map: outer box, origin at (x0, y0) of the tract grid', () => {
    const grid = patchGrid(description, 0, 3);
    expect(grid.box).toEqual({ x0: 55, y0: 55, width: 70, height: 70 });
    const [ra, dec] = grid.wcs.pixelToSky(0, 0);
    const [x, y] = skyMap.wcs.skyToPixel(ra, dec);
    expect(Math.hypot(x - 55, y - 55)).toBeLessThan(1e-8);
    expect(() => patchGrid(description, 0, 9)).toThrow(/no patch 9/);
    expect(() => patchGrid(description, 4, 0)).toThrow(/no tract 4/);
  });

  it('warps calexps onto the patch (NaN + NO_DATA outside) and coadds them with per-warp inverse-variance weights', () => {
    const grid: PatchGrid = patchGrid(description, 0, 0);
    // Two "visits" covering the whole patch: constant 10 (variance 1) and 20 (variance 4).
    const calexp = (value: number, variance: number, rotation: number): Exposure => {
      const wcs = TanWcs.rotated(skyMap.wcs.pixelToSky(grid.box.x0 + 35, grid.box.y0 + 35), [50.5, 50.5], 1 / 3600, rotation);
      const n = 100 * 100;
      return { width: 100, height: 100, image: new Float32Array(n).fill(value), variance: new Float32Array(n).fill(variance), mask: new Int32Array(n), header: wcs.replaceInHeader(new FitsHeader()) };
    };
    const w1 = runMakeWarp([calexp(10, 1, 0)], grid, undefined, { visit: 1 }).exposure;
    const w2 = runMakeWarp([calexp(20, 4, 45)], grid, undefined, { visit: 2 }).exposure;
    // Resampling keeps a constant (same pixel size) and lowers the variance by sum(w^2) <= 1.
    for (const [w, value, variance] of [[w1, 10, 1], [w2, 20, 4]] as const) {
      for (let p = 0; p < w.width * w.height; p += 97) {
        expect(w.image[p]).toBeCloseTo(value, 3);
        expect(w.variance![p]).toBeLessThanOrEqual(variance * 1.0001);
        expect(w.variance![p]).toBeGreaterThan(variance * 0.3);
      }
    }
    // The coadd arithmetic on warps with uniform variances 1 and 4, and a hole in the second.
    const uniform = (w: Exposure, v: number): Exposure => ({ ...w, variance: new Float32Array(w.width * w.height).fill(v), mask: Int32Array.from(w.mask!) });
    const u1 = uniform(w1, 1), u2 = uniform(w2, 4);
    (u2.image as Float32Array)[5] = NaN;
    u2.mask![5] = NO_DATA;
    const { exposure: coadd, metadata } = runAssembleCoadd([u1, u2], grid);
    expect(metadata.weights).toEqual([expect.closeTo(1, 6), expect.closeTo(0.25, 6)]);
    // (10 * 1 + 20 * 0.25) / 1.25 = 12; variance (1 * 1 + 0.0625 * 4) / 1.5625 = 0.8 = 1 / (1 + 1/4).
    expect(coadd.image[100]).toBeCloseTo(12, 3);
    expect(coadd.variance![100]).toBeCloseTo(0.8, 5);
    expect(coadd.mask![100]! >>> COUNT_SHIFT).toBe(2);
    expect(coadd.image[5]).toBeCloseTo(10, 3);
    expect(coadd.variance![5]).toBeCloseTo(1, 5);
    expect(coadd.mask![5]! >>> COUNT_SHIFT).toBe(1);
    expect(coadd.header.getNumber('CNTSHIFT')).toBe(COUNT_SHIFT);
    // Per-pixel weighting gives the same here (uniform variances).
    const perPixel = runAssembleCoadd([u1, u2], grid, { badMaskPlanes: ['NO_DATA'], weighting: 'pixel' }).exposure;
    expect(perPixel.image[100]).toBeCloseTo(12, 3);
    // A calexp far away leaves the warp empty.
    const far = calexp(1, 1, 0);
    const farWarp = runMakeWarp([{ ...far, header: TanWcs.rotated([151, 2], [50.5, 50.5], 1 / 3600, 0).replaceInHeader(new FitsHeader()) }], grid);
    expect(farWarp.metadata.coveredFraction).toBe(0);
    expect(farWarp.exposure.mask!.every((m) => m === NO_DATA)).toBe(true);
  });
});
