/**
 * The pixels a simulation writes: raws read back through the datastore, reduced in the test
 * with the calibrations found by validity time (overscan fit, bias, gain, flat), must show
 * each isolated truth star where the header's TAN WCS (evaluated by an independent formula)
 * puts it, with the truth flux within the noise; and the same seed must give the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import type { DatasetRef, Repository } from '../../../registry/index.js';
import { SIM_COLLECTIONS, SIM_INSTRUMENT, simulateRepository } from '../../../pipelines/simulate/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { headerNumber, headerWcs, parseSection, tanSkyToPixel, type ImageLike } from './simulate-oracles.js';

// Pixel content does not depend on the database: one dialect is enough.
const DIALECT = DIALECTS.includes('sqlite') ? 'sqlite' : DIALECTS[0]!;

interface Truth {
  readonly ra: Float64Array;
  readonly dec: Float64Array;
  readonly flux: Record<string, Float64Array>;
  readonly n: number;
}

async function readTruth(repo: Repository, bands: readonly string[]): Promise<Truth> {
  const [ref] = await repo.registry.datasets.query('truth_cat', [SIM_COLLECTIONS.truth], repo.registry.knex);
  const t = (await repo.get(ref!)) as Table;
  const col = (name: string) => t.getChild(name)!.toArray() as Float64Array;
  return { ra: col('ra'), dec: col('dec'), flux: Object.fromEntries(bands.map((b) => [b, col(`${b}_flux`)])), n: t.numRows };
}

/** Electrons over the data section: overscan (a straight-line fit of row means) and bias removed, times gain, divided by the flat. */
function reduce(raw: ImageLike, bias: ImageLike, flat: ImageLike): { e: Float64Array; w: number; h: number } {
  const [x1, x2, y1, y2] = parseSection(raw.header.getString('DATASEC'));
  const [b1, b2] = parseSection(raw.header.getString('BIASSEC'));
  const w = x2 - x1 + 1, h = y2 - y1 + 1, rowLength = raw.width;
  const rows: number[] = [];
  for (let y = 0; y < h; y++) {
    let s = 0;
    for (let x = b1 - 1; x < b2; x++) s += raw.image[y * rowLength + x]!;
    rows.push(s / (b2 - b1 + 1));
  }
  // Least-squares line through the row means.
  const my = (h - 1) / 2, mr = rows.reduce((a, b) => a + b, 0) / h;
  let sxy = 0, sxx = 0;
  rows.forEach((r, y) => {
    sxy += (y - my) * (r - mr);
    sxx += (y - my) ** 2;
  });
  const slope = sxy / sxx;
  const gain = headerNumber(raw, 'GAIN');
  const e = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const level = mr + slope * (y - my);
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      e[p] = ((raw.image[(y + y1 - 1) * rowLength + x + x1 - 1]! - level - bias.image[p]!) * gain) / flat.image[p]!;
    }
  }
  return { e, w, h };
}

describe(`simulated pixels (${DIALECT})`, () => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let truth: Truth;
  let raws: DatasetRef[];

  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(DIALECT));
    await simulateRepository(repo, { profile: 'tiny', seed: 11 });
    truth = await readTruth(repo, ['g', 'r']);
    raws = await repo.registry.datasets.query('raw', [SIM_COLLECTIONS.raw], repo.registry.knex);
  });
  afterAll(async () => dispose?.());

  it('writes raws like real ones: unsigned 16-bit, overscan on the right, the keywords ISR needs', async () => {
    const raw = (await repo.get(raws[0]!)) as ImageLike;
    expect(raw.image).toBeInstanceOf(Uint16Array);
    expect([raw.width, raw.height]).toEqual([144, 128]);
    expect(raw.header.getString('DATASEC')).toBe('[1:128,1:128]');
    expect(raw.header.getString('TRIMSEC')).toBe('[1:128,1:128]');
    expect(raw.header.getString('BIASSEC')).toBe('[129:144,1:128]');
    expect(raw.header.getString('CTYPE1')).toBe('RA---TAN');
    expect(raw.header.getString('CTYPE2')).toBe('DEC--TAN');
    expect(raw.header.getNumber('EXPTIME')).toBe(30);
    expect(raw.header.getString('DATE-OBS')).toMatch(/^2024-01-0[12]T\d\d:\d\d:\d\d\.\d{3}$/);
    for (const k of ['GAIN', 'RDNOISE', 'SATURATE', 'CRPIX1', 'CRVAL1', 'CD1_1', 'CD2_2']) expect(raw.header.getNumber(k)).toBeTypeOf('number');
    const saturate = headerNumber(raw, 'SATURATE');
    for (const v of raw.image as Uint16Array) expect(v).toBeLessThanOrEqual(saturate);
  });

  it('DATE-OBS (UTC) is the exposure start 37 s before its TAI begin', async () => {
    const knex = repo.registry.knex;
    const exposures = new Map((await repo.registry.dimensions.query('exposure', knex)).map((e) => [e['id'], e]));
    for (const ref of raws.slice(0, 4)) {
      const raw = (await repo.get(ref)) as ImageLike;
      const e = exposures.get(ref.dataId['exposure'])!;
      const utcMs = Date.parse(`${raw.header.getString('DATE-OBS')}Z`);
      expect(BigInt(utcMs) * 1_000_000n + 37_000_000_000n).toBe(e.timespan!.begin);
    }
  });

  it('reduces with the true bias and flat to sky + stars whose fluxes and positions match the truth catalog', async () => {
    const knex = repo.registry.knex;
    const exposures = new Map((await repo.registry.dimensions.query('exposure', knex)).map((e) => [e['id'], e]));
    let checked = 0, centroided = 0;
    for (const ref of raws) {
      const raw = (await repo.get(ref)) as ImageLike;
      const exposure = exposures.get(ref.dataId['exposure'])!;
      const detector = ref.dataId['detector']!;
      const physicalFilter = exposure['physical_filter'] as string;
      const [biasRef] = await repo.registry.datasets.findFirst('bias', [SIM_COLLECTIONS.defaults], [{ instrument: SIM_INSTRUMENT, detector }], knex, exposure.timespan!.begin);
      const [flatRef] = await repo.registry.datasets.findFirst('flat', [SIM_COLLECTIONS.defaults], [{ instrument: SIM_INSTRUMENT, detector, physical_filter: physicalFilter }], knex, exposure.timespan!.begin);
      // The calibrations chosen by time are the epoch the raw was made with.
      expect(biasRef!.run).toBe(SIM_COLLECTIONS.calibRuns[headerNumber(raw, 'SIMCALEP')]);
      expect(flatRef!.run).toBe(biasRef!.run);
      const { e, w, h } = reduce(raw, (await repo.get(biasRef!)) as ImageLike, (await repo.get(flatRef!)) as ImageLike);
      const flat = ((await repo.get(flatRef!)) as ImageLike).image;
      const sky = headerNumber(raw, 'SIMSKY'), sigma = headerNumber(raw, 'SIMPSF'), gain = headerNumber(raw, 'GAIN'), rn = headerNumber(raw, 'RDNOISE');
      const toElectrons = 10 ** (-0.4 * (31.4 - headerNumber(raw, 'SIMZP'))) * headerNumber(raw, 'SIMTRANS');
      const band = raw.header.getString('BAND')!;
      const fluxes = truth.flux[band]!;
      // The sky level is recovered everywhere (stars are sparse): median within 1%.
      const sorted = Float64Array.from(e).sort();
      expect(Math.abs(sorted[sorted.length >> 1]! - sky) / sky).toBeLessThan(0.01);

      const wcs = headerWcs(raw);
      const radius = 5 * sigma, reach = radius + 6 * sigma;
      const xs = new Float64Array(truth.n), ys = new Float64Array(truth.n);
      for (let i = 0; i < truth.n; i++) [xs[i], ys[i]] = tanSkyToPixel(wcs, truth.ra[i]!, truth.dec[i]!);
      for (let i = 0; i < truth.n; i++) {
        const x = xs[i]!, y = ys[i]!;
        if (x < radius + 1 || y < radius + 1 || x > w - 2 - radius || y > h - 2 - radius) continue;
        const expected = fluxes[i]! * toElectrons;
        if (expected < 3000) continue;
        // Isolated: neighbours that could reach the aperture carry under 0.3% of the flux.
        let neighbours = 0;
        for (let j = 0; j < truth.n; j++) if (j !== i && Math.hypot(xs[j]! - x, ys[j]! - y) < reach) neighbours += fluxes[j]! * toElectrons;
        if (neighbours > 0.003 * expected) continue;
        let sum = 0, variance = 0, mx = 0, my = 0;
        for (let py = Math.floor(y - radius); py <= Math.ceil(y + radius); py++) {
          for (let px = Math.floor(x - radius); px <= Math.ceil(x + radius); px++) {
            if (Math.hypot(px - x, py - y) > radius) continue;
            const p = py * w + px, f = flat[p]!, v = e[p]! - sky;
            sum += v;
            mx += v * px;
            my += v * py;
            variance += Math.max(e[p]!, 0) / f + (rn * rn + (gain * gain) / 12) / (f * f);
          }
        }
        expect(Math.abs(sum - expected), `star ${i} on ${JSON.stringify(ref.dataId)}: ${sum} vs ${expected}`)
          .toBeLessThan(5 * Math.sqrt(variance) + 0.003 * expected);
        checked++;
        if (expected > 1e5) {
          // First moments of bright stars: the true position to a few hundredths of a pixel.
          expect(Math.hypot(mx / sum - x, my / sum - y)).toBeLessThan(0.1);
          centroided++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(centroided).toBeGreaterThanOrEqual(5);
  });
});

describe(`determinism (${DIALECT})`, () => {
  /** Every dataset as 'type id dataId' and the checksums of the files. */
  async function fingerprint(seed: number): Promise<{ datasets: string[]; checksums: string[] }> {
    const { repo, dispose } = await makeRepo(DIALECT);
    try {
      await simulateRepository(repo, { profile: 'tiny', seed });
      const { datasets, knex } = repo.registry;
      const out: string[] = [], sums: string[] = [];
      for (const type of ['raw', 'bias', 'flat', 'skyMap', 'ref_cat', 'truth_cat']) {
        const collections = [SIM_COLLECTIONS.raw, ...SIM_COLLECTIONS.calibRuns, SIM_COLLECTIONS.skymaps, SIM_COLLECTIONS.refcats, SIM_COLLECTIONS.truth];
        for (const ref of await datasets.query(type, collections, knex)) {
          out.push(`${type} ${ref.id} ${JSON.stringify(ref.dataId)} ${ref.run}`);
          sums.push(`${type} ${JSON.stringify(ref.dataId)} ${(await repo.fileOf(ref))!.checksum}`);
        }
      }
      const records = await repo.registry.dimensions.query('visit_detector_region', knex);
      out.push(...records.map((r) => `${r['visit']} ${r['detector']} ${r.region!.encodeHex()}`));
      return { datasets: out.sort(), checksums: sums.sort() };
    } finally {
      await dispose();
    }
  }

  it('the same seed gives the same data IDs, dataset ids, regions and file bytes; another seed does not', async () => {
    const a = await fingerprint(5), b = await fingerprint(5), c = await fingerprint(6);
    expect(b.datasets).toEqual(a.datasets);
    expect(b.checksums).toEqual(a.checksums);
    expect(a.checksums.length).toBe(16 + 8 + 16 + 1 + a.checksums.filter((s) => s.startsWith('ref_cat')).length + 1);
    const raws = (f: { checksums: string[] }) => f.checksums.filter((s) => s.startsWith('raw'));
    expect(raws(c).filter((s) => raws(a).includes(s))).toEqual([]);
    expect(c.datasets.filter((s) => a.datasets.includes(s))).toEqual([]);
  });
});
