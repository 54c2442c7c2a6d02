/**
 * ISR: the arithmetic on a hand-made frame (values computed here), the real SAAO 1.0-m frame
 * shipped in Debian's python3-ccdproc against ccdproc itself (overscan per-row median, with
 * and without a line fit, trim, gain, deviation), and simulated raws against the simulator's
 * truth (sky + rendered stars, and the overscan it put in).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { FitsHeader, exposureFromFits, type Exposure, type Repository } from '../../../registry/index.js';
import { readConfig } from '../../../pipelines/core/config-schema.js';
import { ISR_CONFIG, ISR_DEFAULTS, MASK_BITS, estimateOverscan, runIsr, TanWcs } from '../../../pipelines/image/index.js';
import { SIM_COLLECTIONS, SIM_INSTRUMENT, electronsOf, renderSources, simulateRepository } from '../../../pipelines/simulate/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { tanSkyToPixel, headerWcs } from '../simulate/simulate-oracles.js';
import { findSaaoFrame, HAS_ASTROPY, runPython } from '../../support/external-tools.js';

const SAT = 1 << MASK_BITS.SAT, BAD = 1 << MASK_BITS.BAD;

function header(cards: Record<string, string | number>): FitsHeader {
  const h = new FitsHeader();
  for (const [k, v] of Object.entries(cards)) h.set(k, v);
  return h;
}

describe('ISR arithmetic on a hand-made frame', () => {
  // 6 data columns + 2 overscan columns on the right, 4 rows.
  const W = 8, H = 4, w = 6;
  const rowLevel = [100, 102, 104, 106];
  const raw = new Uint16Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) raw[y * W + x] = x < w ? rowLevel[y]! + 10 + x + 20 * y : rowLevel[y]! + (x === w ? -1 : 1);
  }
  raw[2 * W + 3] = 500; // saturated
  const bias = { width: w, height: H, image: new Float32Array(w * H).fill(2), header: header({ BUNIT: 'adu' }) };
  const flat = { width: w, height: H, image: new Float32Array(w * H).fill(0.5), header: new FitsHeader() };
  flat.image[1 * w + 4] = 0.01; // below minFlat: BAD
  const dark = { width: w, height: H, image: new Float32Array(w * H).fill(0.1), header: header({ DARKTIME: 1 }) };
  const rawHeader = header({
    GAIN: 2, RDNOISE: 3, SATURATE: 400, EXPTIME: 10, DARKTIME: 20, BIASSEC: '[7:8,1:4]', DATASEC: '[1:6,1:4]',
    CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 10, CRVAL2: 20, CRPIX1: 3.5, CRPIX2: 2.5, CD1_1: -1e-4, CD1_2: 0, CD2_1: 0, CD2_2: 1e-4,
  });
  const input: Exposure = { width: W, height: H, image: raw, header: rawHeader };

  it('subtracts the per-row overscan, bias and scaled dark, applies gain and flat, and computes the variance', () => {
    const { exposure, metadata } = runIsr(input, { bias, flat, dark }, { ...ISR_DEFAULTS, overscanFitOrder: -1 });
    expect([exposure.width, exposure.height]).toEqual([w, H]);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (x === 4 && y === 1) continue;
        // (raw - overscan - bias) * gain - dark * (20 s / 1 s), then / flat.
        const adu = raw[y * W + x]! - rowLevel[y]! - 2;
        const detected = adu * 2;
        const expected = (detected - 0.1 * 20) / 0.5;
        expect(exposure.image[p]).toBeCloseTo(expected, 4);
        expect(exposure.variance![p]).toBeCloseTo((Math.max(detected, 0) + 9) / 0.25, 3);
      }
    }
    expect(exposure.mask![2 * w + 3]! & SAT).toBe(SAT);
    expect(exposure.mask![1 * w + 4]! & BAD).toBe(BAD);
    expect(exposure.image[1 * w + 4]).toBeNaN();
    expect(metadata.nSaturated).toBe(1);
    expect(metadata.nBad).toBe(1);
    expect(metadata.darkScale).toBe(20);
    expect(exposure.header.getString('BUNIT')).toBe('electron');
    expect(exposure.header.has('BIASSEC')).toBe(false);
  });

  it('fits a line through the row levels when asked', () => {
    const est = estimateOverscan(raw, W, H, { x0: 6, y0: 0, width: 2, height: 4 }, { statistic: 'mean', fitOrder: 1 });
    expect([...est.levels]).toEqual(rowLevel.map((v) => expect.closeTo(v, 10)));
    expect(est.axis).toBe('row');
  });

  it('moves CRPIX with the trim and keeps the sky positions', () => {
    const h = rawHeader.clone();
    h.set('TRIMSEC', '[2:6,2:4]');
    const { exposure } = runIsr({ ...input, header: h }, {}, { ...ISR_DEFAULTS, doBias: false, doFlat: false });
    expect([exposure.width, exposure.height]).toEqual([5, 3]);
    const before = TanWcs.fromHeader(rawHeader), after = TanWcs.fromHeader(exposure.header);
    const [a, d] = before.pixelToSky(3, 2), [a2, d2] = after.pixelToSky(2, 1);
    expect(a2).toBeCloseTo(a, 12);
    expect(d2).toBeCloseTo(d, 12);
    expect(exposure.header.getNumber('LTV1')).toBe(-1);
  });

  it('rejects calibrations of the wrong size and bad configs', () => {
    expect(() => runIsr(input, { bias: { ...bias, width: 5 } })).toThrow(/bias is 5x4/);
    expect(() => readConfig(ISR_CONFIG, { overscanFitOrder: 'x' }, 'isr')).toThrow(/must be a number/);
    expect(ISR_DEFAULTS.overscanFitOrder).toBe(1);
  });
});

const frame = findSaaoFrame().path;
const ccdprocPath = frame ? frame.slice(0, frame.indexOf('/ccdproc/tests/data/')) : undefined;

describe.skipIf(!frame || !HAS_ASTROPY)('ISR of the real SAAO 1.0-m frame (a8280271.fits) against ccdproc', () => {
  const raw = frame ? exposureFromFits(readFileSync(frame)) : undefined;

  const ccdproc = (fit: boolean) => runPython<{ data: number[]; deviation: number[]; shape: number[] }>(`
import json, sys
import numpy as np
import astropy.units as u
from astropy.modeling import models
from astropy.nddata import CCDData
import ccdproc
path = json.load(sys.stdin)['path']
ccd = CCDData.read(path, unit='adu')
extra = {'model': models.Polynomial1D(1)} if ${fit ? 'True' : 'False'} else {}
o = ccdproc.subtract_overscan(ccd, fits_section=ccd.header['BIASSEC'], median=True, overscan_axis=1, **extra)
t = ccdproc.trim_image(o, fits_section=ccd.header['TRIMSEC'])
g = ccdproc.gain_correct(t, ccd.header['GAIN'] * u.electron / u.adu)
d = ccdproc.create_deviation(g, readnoise=ccd.header['RDNOISE'] * u.electron, disregard_nan=True)
print(json.dumps({'data': g.data.ravel().tolist(), 'deviation': np.nan_to_num(d.uncertainty.array, nan=-1).ravel().tolist(), 'shape': list(g.data.shape)}))
`, { path: frame }, { env: { PYTHONPATH: ccdprocPath! } });

  for (const fit of [false, true]) {
    it(`matches ccdproc's overscan${fit ? ' line fit' : ' per-row median'}, trim, gain and deviation`, () => {
      // The frame has no SATURATE card: its 16-bit ceiling stands in.
      const { exposure, metadata } = runIsr(raw!, {}, { ...ISR_DEFAULTS, overscanFitOrder: fit ? 1 : -1, saturation: 65535 });
      const ref = ccdproc(fit);
      expect(ref.shape).toEqual([exposure.height, exposure.width]);
      expect([exposure.width, exposure.height]).toEqual([512, 520]);
      let worst = 0, worstVar = 0;
      for (let p = 0; p < ref.data.length; p++) {
        worst = Math.max(worst, Math.abs((exposure.image as Float32Array)[p]! - ref.data[p]!));
        if (ref.deviation[p]! > 0) worstVar = Math.max(worstVar, Math.abs(Math.sqrt(exposure.variance![p]!) - ref.deviation[p]!));
      }
      // Float32 output of values near 600 e-: 1e-4 is a few ulps.
      expect(worst).toBeLessThan(2e-4);
      expect(worstVar).toBeLessThan(1e-4);
      expect(metadata.gain).toBe(1.9);
      expect(metadata.readNoise).toBe(5);
      expect(metadata.overscanMean).toBeGreaterThan(210);
      expect(metadata.overscanMean).toBeLessThan(218);
      expect(metadata.nSaturated).toBe(0);
    });
  }
});

describe(`ISR of simulated raws against the simulator's truth (${DIALECTS.includes('sqlite') ? 'sqlite' : DIALECTS[0]})`, () => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(DIALECTS.includes('sqlite') ? 'sqlite' : DIALECTS[0]!));
    await simulateRepository(repo, { profile: 'tiny', seed: 23 });
  }, 60_000);
  afterAll(async () => dispose?.());

  it('recovers sky + stars: residuals / sqrt(variance) have mean 0 and unit spread; the overscan is the one put in', async () => {
    const knex = repo.registry.knex;
    const exposures = new Map((await repo.registry.dimensions.query('exposure', knex)).map((e) => [Number(e['id']), e]));
    const [truthRef] = await repo.registry.datasets.query('truth_cat', [SIM_COLLECTIONS.truth], knex);
    const truth = (await repo.get(truthRef!)) as Table;
    const ra = truth.getChild('ra')!.toArray() as Float64Array, dec = truth.getChild('dec')!.toArray() as Float64Array;
    const raws = (await repo.registry.datasets.query('raw', [SIM_COLLECTIONS.raw], knex)).slice(0, 6);
    for (const ref of raws) {
      const e = exposures.get(Number(ref.dataId['exposure']))!;
      const detector = Number(ref.dataId['detector']);
      const [biasRef] = await repo.registry.datasets.findFirst('bias', [SIM_COLLECTIONS.defaults], [{ instrument: SIM_INSTRUMENT, detector }], knex, e.timespan!.begin);
      const [flatRef] = await repo.registry.datasets.findFirst('flat', [SIM_COLLECTIONS.defaults], [{ instrument: SIM_INSTRUMENT, detector, physical_filter: e['physical_filter'] as string }], knex, e.timespan!.begin);
      const raw = (await repo.get(ref)) as Exposure;
      const { exposure, metadata } = runIsr(raw, { bias: (await repo.get(biasRef!)) as Exposure, flat: (await repo.get(flatRef!)) as Exposure }, ISR_DEFAULTS);
      const h = raw.header;
      const num = (k: string) => h.getNumber(k)!;
      // The overscan: a line from SIMOSCAN with drift SIMOSLOP over the height; its mean over the rows.
      expect(Math.abs(metadata.overscanMean - (num('SIMOSCAN') + num('SIMOSLOP') / 2))).toBeLessThan(0.3);
      // The model: sky plus every truth star rendered by the simulator at the header WCS position.
      const band = h.getString('BAND')!;
      const flux = truth.getChild(`${band}_flux`)!.toArray() as Float64Array;
      const wcs = headerWcs(raw as never);
      const sources = [];
      for (let i = 0; i < ra.length; i++) {
        const [x, y] = tanSkyToPixel(wcs, ra[i]!, dec[i]!);
        if (x > -20 && y > -20 && x < exposure.width + 20 && y < exposure.height + 20) sources.push({ x, y, electrons: electronsOf(flux[i]!, band, num('SIMTRANS')) });
      }
      const model = renderSources(exposure.width, exposure.height, sources, num('SIMPSF'));
      let s = 0, s2 = 0;
      const n = exposure.width * exposure.height;
      for (let p = 0; p < n; p++) {
        const chi = ((exposure.image as Float32Array)[p]! - num('SIMSKY') - model[p]!) / Math.sqrt(exposure.variance![p]!);
        s += chi;
        s2 += chi * chi;
      }
      const mean = s / n, sd = Math.sqrt(s2 / n - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(0.05);
      expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    }
  });
});
