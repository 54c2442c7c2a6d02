/**
 * calibrate on a synthetic frame made here: stars from a list (drawn by the simulator's
 * renderer at a known WCS, with Poisson-like noise), a reference catalog of those stars as an
 * Arrow table, and a header WCS off by 12" and 0.05 degrees. The fit must find the true WCS,
 * the zero point the stars were made with, and write a calibrated calexp; without a
 * reference catalog the pixels stay in electrons (or take a configured nominal zero point).
 */
import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { FitsHeader, type Exposure } from '../../../registry/index.js';
import { readConfig } from '../../../pipelines/core/config-schema.js';
import { CALIBRATE_CONFIG, CALIBRATE_DEFAULTS, ImageError, TanWcs, median, runCalibrate, separationArcsec } from '../../../pipelines/image/index.js';
import { Random, renderSources } from '../../../pipelines/simulate/index.js';

const W = 300, H = 260, SKY = 400, SIGMA = 1.6;
/** nJy per electron the stars are made with (AB zero point 28.2 for one electron). */
const C = 10 ** (0.4 * (31.4 - 28.2));
const truth = TanWcs.rotated([45.2, -12.3], [150.5, 130.5], 0.6 / 3600, 37);

function frame() {
  const rng = Random.stream(12, 'calibrate-test');
  const stars = Array.from({ length: 70 }, () => ({ x: rng.uniform(5, W - 5), y: rng.uniform(5, H - 5), electrons: 10 ** rng.uniform(3, 5.3) }));
  const rendered = renderSources(W, H, stars, SIGMA);
  const image = new Float32Array(W * H), variance = new Float32Array(W * H);
  for (let p = 0; p < W * H; p++) {
    const expected = SKY + rendered[p]!;
    image[p] = expected + Math.sqrt(expected) * rng.normal();
    variance[p] = expected;
  }
  const sky = stars.map((s) => truth.pixelToSky(s.x, s.y));
  const refCat = tableFromArrays({
    id: BigInt64Array.from(stars, (_, i) => BigInt(i + 1)),
    ra: Float64Array.from(sky, (s) => s[0]), dec: Float64Array.from(sky, (s) => s[1]),
    r_flux: Float64Array.from(stars, (s) => s.electrons * C),
  });
  // The header WCS: pointing off by (8", -9"), turned by 0.05 degrees.
  const th = (0.05 * Math.PI) / 180, c = Math.cos(th), s = Math.sin(th), cd = truth.cd;
  const off = new TanWcs({
    crval: [truth.crval[0] + 8 / 3600 / Math.cos((truth.crval[1] * Math.PI) / 180), truth.crval[1] - 9 / 3600], crpix: truth.crpix,
    cd: [[c * cd[0][0] - s * cd[1][0], c * cd[0][1] - s * cd[1][1]], [s * cd[0][0] + c * cd[1][0], s * cd[0][1] + c * cd[1][1]]],
  });
  const header = off.replaceInHeader(new FitsHeader());
  header.set('BAND', 'r');
  header.set('BUNIT', 'electron');
  const exposure: Exposure = { width: W, height: H, image, variance, mask: new Int32Array(W * H), header };
  return { exposure, refCat, stars };
}

describe('calibrate', () => {
  const { exposure, refCat, stars } = frame();

  it('matches from a header WCS 12" and 0.05 degrees off, fits the true WCS and the zero point', () => {
    const logs: string[] = [];
    const { exposure: calexp, metadata } = runCalibrate(exposure, [refCat], { ...CALIBRATE_DEFAULTS, useReferenceCatalog: true }, (m) => logs.push(m));
    expect(metadata.nMatches).toBeGreaterThan(30);
    expect(metadata.wcsModel).not.toBe('shift');
    const fitted = TanWcs.fromHeader(calexp.header);
    let worst = 0;
    for (const [x, y] of [[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1], [W / 2, H / 2]] as const) {
      const [a, d] = truth.pixelToSky(x, y), [a2, d2] = fitted.pixelToSky(x, y);
      worst = Math.max(worst, separationArcsec(a, d, a2, d2));
    }
    expect(worst).toBeLessThan(0.02);
    expect(Math.abs(metadata.zeroPoint - 28.2)).toBeLessThan(0.01);
    expect(Math.abs(metadata.psfSigma / SIGMA - 1)).toBeLessThan(0.01);
    expect(Math.abs(metadata.backgroundMean - SKY)).toBeLessThan(1);
    // Background-subtracted, calibrated pixels; the cards that say so.
    expect(calexp.header.getString('BUNIT')).toBe('nJy');
    expect(calexp.header.getNumber('PHOTCALB')).toBeCloseTo(metadata.calibration, 10);
    expect(calexp.header.getBoolean('WCSFIT')).toBe(true);
    // The sky is gone: away from the stars the median pixel is zero to a twentieth of the sky noise.
    const far: number[] = [];
    for (let p = 0; p < W * H; p++) {
      const x = p % W, y = Math.floor(p / W);
      if (stars.every((st) => Math.hypot(st.x - x, st.y - y) > 15)) far.push(calexp.image[p] as number);
    }
    expect(far.length).toBeGreaterThan(5000);
    expect(Math.abs(median(far))).toBeLessThan(0.05 * C * Math.sqrt(SKY));
    expect(logs.some((l) => /votes/.test(l))).toBe(true);
  });

  it('without a reference catalog keeps the header WCS and electrons, or applies a nominal zero point', () => {
    const plain = runCalibrate(exposure, undefined, CALIBRATE_DEFAULTS);
    expect(plain.exposure.header.getString('BUNIT')).toBe('electron');
    expect(plain.metadata.wcsFitted).toBe(false);
    expect(plain.exposure.header.getNumber('CRVAL1')).toBe(exposure.header.getNumber('CRVAL1'));
    const nominal = runCalibrate(exposure, undefined, { ...CALIBRATE_DEFAULTS, nominalZeroPoints: { r: 28.2 } });
    expect(nominal.exposure.header.getString('BUNIT')).toBe('nJy');
    expect(nominal.metadata.calibration).toBeCloseTo(C, 8);
    expect(nominal.metadata.photometryFitted).toBe(false);
  });

  it('rejects what it cannot use', () => {
    const noWcs = { ...exposure, header: new FitsHeader([{ keyword: 'BAND', value: 'r', comment: '' }]) };
    expect(() => runCalibrate(noWcs, [refCat], { ...CALIBRATE_DEFAULTS, useReferenceCatalog: true })).toThrow(ImageError);
    expect(() => readConfig(CALIBRATE_CONFIG, { detectionThreshold: 'five' }, 'calibrate')).toThrow(/must be a number/);
    expect(() => readConfig(CALIBRATE_CONFIG, { wcsFitModel: 'spline' }, 'calibrate')).toThrow(/wcsFitModel/);
  });
});
