/**
 * The simulator's building blocks against facts computed independently: the TAN projection
 * against the spherical-trigonometry formulas of FITS WCS Paper II, the PRNG's moments, the
 * pixel-integrated PSF against the flux it must conserve, the camera and sky-map geometry
 * against their definitions, and the profile option rules.
 */
import { describe, expect, it } from 'vitest';
import { angleBetween, ConvexPolygon, fromRaDec } from '../../../registry/index.js';
import {
  InstrumentModel, Random, SimulationError, SIMULATION_PROFILES, SkyMapModel, TanProjection, buildModels, detectorGrid, erf,
  logFactorial, planObservations, renderSources, resolveProfile,
} from '../../../pipelines/simulate/index.js';
import { tanSkyToPixel } from './simulate-oracles.js';

const DEG = Math.PI / 180;

describe('TanProjection', () => {
  const wcs = TanProjection.rotated([150.2, 2.3], [64.5, -20.25], 1 / 3600, 33);

  it('agrees with the FITS Paper II formulas (spherical trigonometry, LONPOLE 180)', () => {
    for (const [x, y] of [[0, 0], [127, 0], [127, 127], [-300, 800], [64.5, -21.25]] as const) {
      const [ra, dec] = wcs.pixelToSky(x, y);
      const [px, py] = tanSkyToPixel({ crval: wcs.crval, crpix: wcs.crpix, cd: wcs.cd }, ra, dec);
      expect(px - x).toBeCloseTo(0, 8);
      expect(py - y).toBeCloseTo(0, 8);
    }
  });

  it('round-trips pixel -> sky -> pixel to 1e-9 px, also near the pole', () => {
    for (const crval of [[150, 2], [10, 89.999], [359.9, -60]] as const) {
      const w = TanProjection.rotated(crval, [100, 100], 0.2 / 3600, 123);
      for (const [x, y] of [[0, 0], [4000, 0], [4000, 4000], [-2000, 3000]] as const) {
        const [ra, dec] = w.pixelToSky(x, y);
        const [x2, y2] = w.skyToPixel(ra, dec);
        expect(Math.abs(x2 - x)).toBeLessThan(1e-9);
        expect(Math.abs(y2 - y)).toBeLessThan(1e-9);
      }
    }
  });

  it('has the sky parity and rotation it claims: +y points `rotation` east of north', () => {
    const north = TanProjection.rotated([150, 0], [1, 1], 1 / 3600, 0);
    const [ra1, dec1] = north.pixelToSky(0, 3600); // 1 degree along +y
    expect(ra1).toBeCloseTo(150, 9);
    expect(dec1).toBeCloseTo(Math.atan(DEG) / DEG, 9);
    const [ra2] = north.pixelToSky(-100, 0); // -x is east (RA grows)
    expect(ra2).toBeGreaterThan(150);
    const east = TanProjection.rotated([150, 0], [1, 1], 1 / 3600, 90);
    const [ra3, dec3] = east.pixelToSky(0, 100);
    expect(ra3).toBeGreaterThan(150);
    expect(dec3).toBeCloseTo(0, 9);
  });

  it('emits FITS WCS cards with 1-based CRPIX', () => {
    const cards = Object.fromEntries(wcs.fitsCards().map((c) => [c.keyword, c.value]));
    expect(cards).toMatchObject({ CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 150.2, CRVAL2: 2.3, CRPIX1: 64.5, CRPIX2: -20.25 });
    expect(cards['CD1_1']).toBeCloseTo((-Math.cos(33 * DEG)) / 3600, 15);
  });

  it('refuses a singular CD matrix', () => {
    expect(() => new TanProjection({ crval: [0, 0], crpix: [1, 1], cd: [[1, 1], [1, 1]] })).toThrow(SimulationError);
  });
});

describe('Random', () => {
  it('is a deterministic function of its seed', () => {
    const a = Random.stream(42, 'x', 1), b = Random.stream(42, 'x', 1), c = Random.stream(42, 'x', 2);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('has the right moments: uniform, normal, Poisson (small and large means)', () => {
    const rng = new Random(7);
    const n = 200_000;
    const moments = (draw: () => number) => {
      let s = 0, s2 = 0;
      for (let i = 0; i < n; i++) {
        const v = draw();
        s += v;
        s2 += v * v;
      }
      const mean = s / n;
      return { mean, variance: s2 / n - mean * mean };
    };
    const u = moments(() => rng.next());
    expect(u.mean).toBeCloseTo(0.5, 2);
    expect(u.variance).toBeCloseTo(1 / 12, 2);
    const g = moments(() => rng.normal());
    expect(Math.abs(g.mean)).toBeLessThan(0.01);
    expect(g.variance).toBeCloseTo(1, 1);
    for (const lambda of [0.5, 3, 12, 400, 50_000]) {
      const p = moments(() => rng.poisson(lambda));
      // 5-sigma bounds on the sample mean and variance.
      expect(Math.abs(p.mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(p.variance / lambda - 1)).toBeLessThan(5 * Math.sqrt(2 / n) + 5 / Math.sqrt(n * lambda));
    }
  });

  it('gives Poisson probabilities that match the pmf at lambda = 20', () => {
    const rng = new Random(11);
    const n = 200_000, lambda = 20;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = rng.poisson(lambda);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const k of [10, 15, 20, 25, 30]) {
      const p = Math.exp(-lambda + k * Math.log(lambda) - logFactorial(k));
      expect(Math.abs((counts.get(k) ?? 0) / n - p)).toBeLessThan(5 * Math.sqrt(p / n) + 1e-5);
    }
  });

  it('logFactorial matches the exact sum', () => {
    let exact = 0;
    for (let k = 1; k <= 200; k++) {
      exact += Math.log(k);
      expect(logFactorial(k)).toBeCloseTo(exact, 9);
    }
  });
});

describe('renderSources', () => {
  it('erf has its known values', () => {
    expect(erf(0)).toBeCloseTo(0, 7);
    expect(erf(0.5)).toBeCloseTo(0.5204998778, 6);
    expect(erf(1)).toBeCloseTo(0.8427007929, 6);
    expect(erf(-2)).toBeCloseTo(-0.9953222650, 6);
  });

  it('conserves the flux of a star inside the image and centers it where asked', () => {
    const image = renderSources(64, 64, [{ x: 30.3, y: 31.7, electrons: 1e6 }], 1.7);
    let sum = 0, sx = 0, sy = 0;
    image.forEach((v, i) => {
      sum += v;
      sx += v * (i % 64);
      sy += v * Math.floor(i / 64);
    });
    expect(sum / 1e6).toBeCloseTo(1, 5);
    expect(sx / sum).toBeCloseTo(30.3, 4);
    expect(sy / sum).toBeCloseTo(31.7, 4);
    // The second moment of a pixel-integrated Gaussian is sigma^2 + 1/12.
    let sxx = 0;
    image.forEach((v, i) => (sxx += v * (i % 64 - 30.3) ** 2));
    expect(sxx / sum).toBeCloseTo(1.7 ** 2 + 1 / 12, 3);
  });

  it('keeps only the part of an edge star that falls on the image', () => {
    const image = renderSources(32, 32, [{ x: -0.5, y: 16, electrons: 1000 }], 1.5);
    expect(image.reduce((a, b) => a + b, 0)).toBeCloseTo(500, 2);
  });
});

describe('InstrumentModel', () => {
  it('lays detectors out on the most square grid', () => {
    expect(detectorGrid(4)).toEqual([2, 2]);
    expect(detectorGrid(9)).toEqual([3, 3]);
    expect(detectorGrid(20)).toEqual([5, 4]);
    expect(detectorGrid(40)).toEqual([8, 5]);
    expect(detectorGrid(7)).toEqual([3, 3]); // no square-ish factorization: partial top row
  });

  it('puts every detector region inside its visit region, and the detectors do not overlap', () => {
    const camera = new InstrumentModel({ name: 'X', detectorCount: 7, width: 100, height: 80, overscan: 8, gap: 10, pixelScaleArcsec: 0.5 });
    const pointing = { ra: 30, dec: -45, rotation: 71 };
    const visit = camera.visitRegion(pointing);
    const regions = camera.detectors.map((d) => camera.detectorRegion(pointing, d));
    for (const r of regions) for (const v of r.vertices) expect(visit.contains(v)).toBe(true);
    for (let i = 0; i < regions.length; i++) for (let j = i + 1; j < regions.length; j++) expect(regions[i]!.overlaps(regions[j]!)).toBe(false);
    expect(new Set(camera.detectors.map((d) => d.fullName)).size).toBe(7);
  });

  it('gives each detector a WCS whose boresight pixel maps to the pointing', () => {
    const camera = new InstrumentModel({ name: 'X', detectorCount: 4, width: 128, height: 128, overscan: 16, gap: 8, pixelScaleArcsec: 1 });
    const pointing = { ra: 150, dec: 2, rotation: 200 };
    for (const d of camera.detectors) {
      const wcs = camera.detectorWcs(pointing, d);
      const [ra, dec] = wcs.pixelToSky(wcs.crpix[0] - 1, wcs.crpix[1] - 1);
      expect(ra).toBeCloseTo(150, 10);
      expect(dec).toBeCloseTo(2, 10);
      // Detector centers are (128 + 8) / 2 pixels from the boresight along each axis.
      const [cra, cdec] = wcs.pixelToSky(63.5, 63.5);
      const sep = angleBetween(fromRaDec(cra, cdec), fromRaDec(150, 2)) / DEG * 3600;
      expect(sep).toBeCloseTo(Math.atan(Math.hypot(68, 68) / 3600 * DEG) / DEG * 3600, 6);
    }
  });
});

describe('SkyMapModel', () => {
  const sm = new SkyMapModel({ name: 's', center: [150, 2], pixelScaleArcsec: 1, patchesPerSide: 3, patchInnerPixels: 100, patchBorderPixels: 10 });

  it('numbers patches row by row and makes neighbours overlap by the border', () => {
    expect(sm.patches.map((p) => [p.id, p.cellX, p.cellY]).slice(0, 4)).toEqual([[0, 0, 0], [1, 1, 0], [2, 2, 0], [3, 0, 1]]);
    expect(sm.patches[0]!.region.overlaps(sm.patches[1]!.region)).toBe(true);
    expect(sm.patches[0]!.region.overlaps(sm.patches[2]!.region)).toBe(false);
    for (const p of sm.patches) expect(sm.tractRegion.contains(p.region.centroid())).toBe(true);
  });

  it('describes the tract WCS so that patch corners can be recomputed from it', () => {
    const d = sm.describe().tracts[0]!;
    const p = d.patches[4]!;
    expect(p.outerBBox).toEqual({ x0: 90, y0: 90, width: 120, height: 120 });
    const [x, y] = tanSkyToPixel(d.wcs, p.corners[0]![0], p.corners[0]![1]);
    expect(x).toBeCloseTo(89.5, 8);
    expect(y).toBeCloseTo(89.5, 8);
    // The tract center is the middle of the inner box.
    expect(d.wcs.crval).toEqual([150, 2]);
    expect(d.wcs.crpix).toEqual([150.5, 150.5]);
  });

  it('prefilters patches by pixel box without missing an overlapping one', () => {
    const rng = new Random(3);
    for (let k = 0; k < 300; k++) {
      const cx = rng.uniform(-60, 360), cy = rng.uniform(-60, 360), hw = rng.uniform(1, 40);
      const corners = [[cx - hw, cy - hw], [cx + hw, cy - hw], [cx + hw, cy + hw], [cx - hw, cy + hw]] as const;
      const region = new ConvexPolygon(corners.map(([x, y]) => sm.wcs.pixelToVector(x, y)));
      const candidates = new Set(sm.patchesInPixelBox(cx - hw, cy - hw, cx + hw, cy + hw));
      for (const p of sm.patches) if (region.overlaps(p.region)) expect(candidates.has(p.id)).toBe(true);
    }
  });
});

describe('profiles', () => {
  it('define tiny, small and tract with the documented sizes', () => {
    expect(SIMULATION_PROFILES.tiny).toMatchObject({ visits: 4, detectors: 4, patchesPerSide: 2, bands: ['g', 'r'], pixels: true });
    expect(SIMULATION_PROFILES.small).toMatchObject({ visits: 12, detectors: 9, patchesPerSide: 5, bands: ['g', 'r', 'i'], pixels: true });
    expect(SIMULATION_PROFILES.tract).toMatchObject({ detectors: 20, patchesPerSide: 7, bands: ['g', 'r', 'i'], pixels: false });
    expect(SIMULATION_PROFILES.tract.visits).toBeGreaterThanOrEqual(5000);
  });

  it('apply overrides and reject bad ones with SIMULATE_OPTIONS', () => {
    expect(resolveProfile('tiny', { visits: 6, detectors: 9, patches: '3x3', bands: 'g,r,i', pixels: false }))
      .toMatchObject({ visits: 6, detectors: 9, patchesPerSide: 3, bands: ['g', 'r', 'i'], pixels: false });
    expect(resolveProfile('small', { patchesTotal: 49 }).patchesPerSide).toBe(7);
    expect(resolveProfile('small', { patches: 4 }).patchesPerSide).toBe(4);
    for (const bad of [{ patches: '3x4' }, { patchesTotal: 50 }, { bands: 'g,q' }, { bands: 'g,g' }, { visits: 0 }, { detectors: 1.5 }]) {
      expect(() => resolveProfile('tiny', bad)).toThrow(expect.objectContaining({ code: 'SIMULATE_OPTIONS' }));
    }
    expect(() => resolveProfile('huge')).toThrow(SimulationError);
  });

  it('spread visits over nights with at most 2000 a night', () => {
    expect(resolveProfile('tract', { visits: 30_000 }).nights).toBe(15);
    expect(resolveProfile('tiny', { visits: 1 }).nights).toBe(1);
  });
});

describe('observing plan', () => {
  it('makes calibration epochs that are adjacent, disjoint and cover every exposure', () => {
    for (const visits of [1, 4, 25]) {
      const profile = resolveProfile('tiny', { visits });
      const { plan } = buildModels(profile, 9);
      const [e0, e1] = plan.calibEpochs;
      expect(e0!.end).toBe(e1!.begin);
      for (const v of plan.visits) {
        const e = plan.calibEpochs[v.calibEpoch]!;
        expect(v.timespan.begin >= e.begin && v.timespan.end <= e.end).toBe(true);
        const night = plan.nights[v.night]!;
        expect(v.timespan.begin >= night.timespan.begin && v.timespan.end <= night.timespan.end).toBe(true);
        expect(v.id).toBe(night.dayObs * 100000 + v.seqNum);
      }
      expect(new Set(plan.visits.map((v) => v.id)).size).toBe(visits);
    }
  });

  it('keeps every pointing within the dither square', () => {
    const profile = resolveProfile('small');
    const camera = new InstrumentModel({ name: 'X', detectorCount: 9, width: 256, height: 256, overscan: 16, gap: 16, pixelScaleArcsec: 1 });
    const sm = new SkyMapModel({ name: 's', center: [150, 2], pixelScaleArcsec: 1, patchesPerSide: 5, patchInnerPixels: 200, patchBorderPixels: 16 });
    const plan = planObservations(3, profile, camera, sm, 'X');
    for (const v of plan.visits) {
      const [x, y] = sm.wcs.skyToPixel(v.pointing.ra, v.pointing.dec);
      expect(Math.abs(x - 499.5)).toBeLessThanOrEqual(plan.ditherPixels + 1e-6);
      expect(Math.abs(y - 499.5)).toBeLessThanOrEqual(plan.ditherPixels + 1e-6);
    }
  });
});
