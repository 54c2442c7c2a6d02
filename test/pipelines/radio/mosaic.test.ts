/**
 * The mosaic on synthetic tiles of known content (mosaic-fixtures.ts), on the radio sky
 * map's patches: point-source fluxes within 3 sigma of the truth (sigma = 1/sqrt(sum w A^2)
 * at the source), including sources in tile overlaps; the noise of a source-free area equals
 * 1/sqrt(sum w A^2) within 10%; a pixel covered by one tile equals that tile's value divided by
 * its primary beam; each header is read once and each pixel array once; and every validator
 * rejects the case it exists for, the header checks (the noise outliers' rms from the headers
 * read once) before any pixel is read, the coverage check before any tile pixel.
 */
import { describe, expect, it } from 'vitest';
import { patchGrid } from '../../../pipelines/image/sky-map.js';
import { MAD_TO_SIGMA, median } from '../../../pipelines/image/statistics.js';
import { bilinearAt, lanczos3At } from '../../../pipelines/radio/interpolation.js';
import { angularDistance, rad } from '../../../pipelines/radio/interferometry.js';
import { MOSAIC_DEFAULTS, buildMosaic } from '../../../pipelines/radio/mosaic.js';
import { measureSources } from '../../../pipelines/radio/source-peaks.js';
import { TanWcs } from '../../../pipelines/image/tan-wcs.js';
import { RadioError } from '../../../pipelines/radio/errors.js';
import { thrownAs } from '../../support/thrown.js';
import { SKY_MAP, countedTiles, syntheticTile, testSources, validationCases, type ReadCounts } from './mosaic-fixtures.js';

const RMS = 0.005;
const SOURCES = testSources();
const TILES = [0, 1, 2, 3].map((k) => syntheticTile(k, SOURCES, RMS, 40));
const DESCRIPTION = SKY_MAP.describe();
const grid = (patch: number) => patchGrid(DESCRIPTION, 0, patch);
const counts = (): ReadCounts => ({ headers: 0, tilePixels: 0, beamPixels: 0 });

describe('mosaic', () => {
  it('recovers point-source fluxes within 3 sigma, overlaps included; reads each header and pixel array once', () => {
    const rows = [];
    for (const patch of [3, 4, 5]) {
      const c = counts();
      const { mosaic, weight, figures } = buildMosaic(countedTiles(TILES, c), grid(patch), MOSAIC_DEFAULTS, SOURCES);
      expect(c).toEqual({ headers: 2 * TILES.length, tilePixels: TILES.length, beamPixels: TILES.length });
      const wcs = grid(patch).wcs;
      for (const m of measureSources({ ...mosaic, image: mosaic.image as Float32Array }, wcs, SOURCES, 1.405e9, 0.3)) {
        const w = bilinearAt(weight.image as Float32Array, weight.width, weight.height, m.expectedX, m.expectedY);
        if (!(w > 0)) continue;
        const tiles = TILES.filter((t) => {
          const tw = TanWcs.fromHeader(t.image.header);
          return bilinearAt(t.beam.image as Float32Array, t.beam.width, t.beam.height, ...tw.skyToPixel(m.source.ra, m.source.dec)) >= 0.2;
        }).length;
        rows.push({ patch, source: m.index, tiles, truth: m.trueFlux, measured: m.measured.peak, sigma: 1 / Math.sqrt(w), pull: (m.measured.peak - m.trueFlux) * Math.sqrt(w) });
      }
      expect(figures.astrometricOffsetsArcsec.some((o) => o !== null)).toBe(true);
    }
    console.table(rows.map((r) => ({ ...r, truth: r.truth.toFixed(3), measured: r.measured.toFixed(4), sigma: (1000 * r.sigma).toFixed(2) + ' mJy', pull: r.pull.toFixed(2) })));
    expect(new Set(rows.map((r) => r.source)).size).toBeGreaterThanOrEqual(5);
    expect(rows.some((r) => r.tiles >= 2)).toBe(true);
    for (const r of rows) expect(Math.abs(r.pull), `source ${r.source} in patch ${r.patch}`).toBeLessThan(3);
  });

  it('has the noise 1/sqrt(sum w A^2) predicts in a source-free area (10%)', () => {
    const g = grid(4);
    const { mosaic, weight } = buildMosaic(countedTiles(TILES, counts()), g, MOSAIC_DEFAULTS);
    const normalized: number[] = [];
    for (let y = 0; y < g.box.height; y++) {
      for (let x = 0; x < g.box.width; x++) {
        const p = y * g.box.width + x, w = weight.image[p] as number;
        const [ra, dec] = g.wcs.pixelToSky(x, y);
        if (w > 0 && SOURCES.every((s) => angularDistance(rad(ra), rad(dec), rad(s.ra), rad(s.dec)) > rad(0.3))) normalized.push((mosaic.image[p] as number) * Math.sqrt(w));
      }
    }
    const med = median(normalized), scatter = MAD_TO_SIGMA * median(normalized.map((v) => Math.abs(v - med)));
    console.log(`mosaic noise / predicted over ${normalized.length} source-free pixels: ${scatter.toFixed(3)}`);
    expect(normalized.length).toBeGreaterThan(1000);
    expect(Math.abs(scatter - 1)).toBeLessThan(0.1);
  });

  it('equals the one tile value / primary beam where only one tile reaches the cutoff', () => {
    const g = grid(0);
    const { mosaic } = buildMosaic(countedTiles(TILES, counts()), g, MOSAIC_DEFAULTS);
    let checked = 0;
    for (let y = 0; y < g.box.height; y += 3) {
      for (let x = 0; x < g.box.width; x += 3) {
        const sky = g.wcs.pixelToSky(x, y);
        const samples = TILES.map((t) => {
          const [tx, ty] = TanWcs.fromHeader(t.image.header).skyToPixel(...sky);
          return { a: bilinearAt(t.beam.image as Float32Array, t.beam.width, t.beam.height, tx, ty), i: lanczos3At(t.image.image as Float32Array, t.image.width, t.image.height, tx, ty) };
        }).filter((s) => s.a >= 0.2);
        if (samples.length !== 1 || Number.isNaN(samples[0]!.i)) continue;
        expect(mosaic.image[y * g.box.width + x]).toBeCloseTo(samples[0]!.i / samples[0]!.a, 5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it.each(validationCases(TILES, RMS))('rejects $name ($code)', ({ code, tiles, config, reads }) => {
    const c = counts();
    const e = thrownAs(RadioError, () => buildMosaic(countedTiles(tiles(), c), grid(4), config, SOURCES));
    expect(e.code).toBe(code);
    expect({ tilePixels: c.tilePixels, beamPixels: c.beamPixels }).toEqual(reads);
    // every check after existence works on the headers decoded once (the noise check's rms
    // included: RMSNOISE, no registry query): two reads a tile, none when existence fails first
    expect(c.headers).toBe(code === 'MOSAIC_MISSING' ? 0 : 2 * TILES.length);
  });
});
