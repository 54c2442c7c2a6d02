/**
 * The TAN WCS: round trips to 1e-9 px everywhere (pole and RA wrap included), header
 * read/write (CD, PC+CDELT, CROTA2 forms), the least-squares fit, and a cross-check of sky
 * coordinates against astropy.wcs (wcslib) to 1e-8 degrees.
 */
import { describe, expect, it } from 'vitest';
import { FitsHeader } from '../../../registry/index.js';
import { ImageError, TanWcs, fitTanWcs, separationArcsec } from '../../../pipelines/image/index.js';
import { Random } from '../../../pipelines/simulate/index.js';
import { HAS_ASTROPY, runPython } from '../../support/external-tools.js';

/** A spread of WCSs: ordinary fields, the RA wrap, both poles, flipped parity, large rotations. */
function sampleWcs(): TanWcs[] {
  const rng = Random.stream(5, 'tan-wcs-test');
  const list = [
    TanWcs.rotated([150, 2], [64.5, 64.5], 1 / 3600, 0),
    TanWcs.rotated([0.001, -30], [1000, -200], 0.2 / 3600, 123),
    TanWcs.rotated([359.9999, 45], [1, 1], 0.5 / 3600, -47),
    TanWcs.rotated([10, 89.9999], [2048, 2048], 1 / 3600, 30),
    TanWcs.rotated([200, 90], [100, 100], 1 / 3600, 10),
    TanWcs.rotated([200, -90], [100, 100], 2 / 3600, 200),
    new TanWcs({ crval: [45, 10], crpix: [10, 20], cd: [[2e-4, 1e-5], [-3e-5, 2.1e-4]] }),
  ];
  for (let i = 0; i < 8; i++) {
    list.push(TanWcs.rotated([rng.uniform(0, 360), rng.uniform(-90, 90)], [rng.uniform(-500, 500), rng.uniform(-500, 500)], rng.uniform(0.2, 5) / 3600, rng.uniform(0, 360)));
  }
  return list;
}

describe('TanWcs', () => {
  it('round-trips pixels to the sky and back to 1e-9 px, poles and RA wrap included', () => {
    const rng = Random.stream(9, 'round-trip');
    let worst = 0;
    for (const wcs of sampleWcs()) {
      // A double holds RA near 360 degrees to 5.7e-14 deg (one ulp): 1e-9 px at 0.2"/px, the
      // floor of any degree-valued WCS; finer pixels are held to two ulps.
      const floor = Math.max(1e-9, (2 * 5.7e-14 * 3600) / wcs.pixelScaleArcsec);
      for (let i = 0; i < 500; i++) {
        const x = rng.uniform(-4000, 4000), y = rng.uniform(-4000, 4000);
        const [ra, dec] = wcs.pixelToSky(x, y);
        expect(ra).toBeGreaterThanOrEqual(0);
        expect(ra).toBeLessThan(360);
        const [x2, y2] = wcs.skyToPixel(ra, dec);
        worst = Math.max(worst, Math.hypot(x2 - x, y2 - y) / floor);
      }
    }
    console.log(`TanWcs round trip: worst error ${worst.toFixed(3)} of the floor (1e-9 px, or 2 ulps of RA for pixels under 0.23")`);
    expect(worst).toBeLessThan(1);
  });

  it('puts CRPIX at CRVAL and follows the CD matrix near it', () => {
    const wcs = TanWcs.rotated([150, 2], [64.5, 32.5], 1 / 3600, 0);
    const [ra, dec] = wcs.pixelToSky(63.5, 31.5);
    expect(ra).toBeCloseTo(150, 12);
    expect(dec).toBeCloseTo(2, 12);
    // North up, east left: +y is +dec, +x is -ra.
    const [ra2, dec2] = wcs.pixelToSky(63.5, 41.5);
    expect((dec2 - 2) * 3600).toBeCloseTo(10, 6);
    const [ra3] = wcs.pixelToSky(73.5, 31.5);
    expect((ra3 - 150) * 3600 * Math.cos((2 * Math.PI) / 180)).toBeCloseTo(-10, 4);
    expect(ra2).toBeCloseTo(150, 9);
    expect(wcs.pixelScaleArcsec).toBeCloseTo(1, 12);
  });

  it('gives NaN for the hemisphere TAN cannot show', () => {
    const wcs = TanWcs.rotated([0, 0], [1, 1], 1 / 3600, 0);
    expect(wcs.skyToPixel(180, 0).every(Number.isNaN)).toBe(true);
  });

  it('writes and reads its header cards, replacing older WCS cards in place', () => {
    const wcs = new TanWcs({ crval: [45, 10], crpix: [10.25, 20.5], cd: [[2e-4, 1e-5], [-3e-5, 2.1e-4]] });
    const header = new FitsHeader();
    header.set('OBJECT', 'x');
    header.set('CTYPE1', 'RA---TAN');
    header.set('CDELT1', 1);
    header.set('PC1_1', 1);
    header.set('EXPTIME', 30);
    const written = wcs.replaceInHeader(header);
    expect(written.keywords()).toEqual(['OBJECT', ...wcs.toCards().map((c) => c.keyword), 'EXPTIME']);
    expect(header.get('CDELT1')).toBe(1);
    const parsed = FitsHeader.parse(written.toCardImages());
    const back = TanWcs.fromHeader(parsed);
    expect(back.crval).toEqual(wcs.crval);
    expect(back.crpix).toEqual(wcs.crpix);
    expect(back.cd).toEqual(wcs.cd);
    expect(back.lonpole).toBe(180);
  });

  it('reads PC + CDELT and CROTA2 forms', () => {
    const pc = new FitsHeader();
    for (const [k, v] of Object.entries({ CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 10, CRVAL2: 20, CRPIX1: 5, CRPIX2: 6, CDELT1: -2e-4, CDELT2: 2e-4, PC1_1: 0.8, PC1_2: 0.6, PC2_1: -0.6, PC2_2: 0.8 })) pc.set(k, v);
    expect(TanWcs.fromHeader(pc).cd).toEqual([[-1.6e-4, -1.2e-4], [-1.2e-4, 1.6e-4]]);
    const crota = new FitsHeader();
    for (const [k, v] of Object.entries({ CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 10, CRVAL2: 20, CRPIX1: 5, CRPIX2: 6, CDELT1: -2e-4, CDELT2: 2e-4, CROTA2: 90 })) crota.set(k, v);
    const cd = TanWcs.fromHeader(crota).cd;
    expect(cd[0][0]).toBeCloseTo(0, 15);
    expect(cd[0][1]).toBeCloseTo(-2e-4, 15);
    expect(cd[1][0]).toBeCloseTo(-2e-4, 15);
    expect(() => TanWcs.fromHeader(new FitsHeader())).toThrow(ImageError);
  });

  it('fits CRVAL and CD from matched pairs, from a start off by arcminutes and degrees of rotation', () => {
    const rng = Random.stream(3, 'fit');
    for (const truth of sampleWcs()) {
      const matches = Array.from({ length: 40 }, () => {
        const x = rng.uniform(0, 2000), y = rng.uniform(0, 2000);
        const [ra, dec] = truth.pixelToSky(x, y);
        return { x, y, ra, dec };
      });
      const [ra0, dec0] = truth.crval;
      const start = new TanWcs({
        crval: [ra0 + (dec0 > 89 || dec0 < -89 ? 0 : 0.05), Math.max(-90, Math.min(90, dec0 + (dec0 > 0 ? -0.03 : 0.03)))],
        crpix: truth.crpix,
        cd: [[truth.cd[0][0] * 1.01, truth.cd[0][1] + 1e-6], [truth.cd[1][0] - 1e-6, truth.cd[1][1] * 0.99]],
      });
      const fit = fitTanWcs(matches, start);
      expect(fit.rmsArcsec).toBeLessThan(1e-7);
      for (const [x, y] of [[0, 0], [2000, 2000], [1000, -500]] as const) {
        const [a1, d1] = truth.pixelToSky(x, y), [a2, d2] = fit.wcs.pixelToSky(x, y);
        expect(separationArcsec(a1, d1, a2, d2)).toBeLessThan(1e-7);
      }
    }
    expect(() => fitTanWcs([{ x: 0, y: 0, ra: 0, dec: 0 }], sampleWcs()[0]!)).toThrow(/at least 3/);
  });

  it.skipIf(!HAS_ASTROPY)('agrees with astropy.wcs (wcslib) to 1e-8 degrees at random pixels', () => {
    const rng = Random.stream(21, 'astropy');
    const cases = sampleWcs().map((wcs) => {
      const pixels = Array.from({ length: 200 }, () => [rng.uniform(-3000, 3000), rng.uniform(-3000, 3000)] as [number, number]);
      return { cards: wcs.toCards().map((c) => [c.keyword, c.value]), pixels, ours: pixels.map(([x, y]) => wcs.pixelToSky(x, y)) };
    });
    const theirs = runPython<number[][][]>(`
import json, sys
import numpy as np
from astropy.wcs import WCS
from astropy.io import fits
out = []
for case in json.load(sys.stdin):
    h = fits.Header()
    for k, v in case['cards']:
        h[k] = v
    w = WCS(h)
    p = np.array(case['pixels'], dtype=float)
    out.append(w.all_pix2world(p, 0).tolist())
print(json.dumps(out))
`, cases);
    let worst = 0;
    cases.forEach((c, i) => c.ours.forEach(([ra, dec], j) => {
      const [ra2, dec2] = theirs[i]![j]!;
      let dra = Math.abs(ra - ra2!);
      dra = Math.min(dra, 360 - dra) * Math.cos((dec * Math.PI) / 180);
      worst = Math.max(worst, Math.hypot(dra, dec - dec2!));
    }));
    console.log(`TanWcs vs astropy.wcs: worst difference ${worst.toExponential(2)} degrees over ${cases.length * 200} pixels`);
    expect(worst).toBeLessThan(1e-8);
  });
});
