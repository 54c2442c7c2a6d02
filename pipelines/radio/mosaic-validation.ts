/**
 * The mosaic's checks, cheapest first, each failing fast with a `MOSAIC_*` code that names the
 * tile: existence (tiles and a primary beam for each), grid consistency, synthesized-beam
 * consistency, noise outliers and all-pbcor-or-none read nothing but the headers decoded once
 * ({@link TileInfo}); primary-beam coverage needs the beams on the patch grid, and the
 * astrometric check (bright isolated catalog sources found where the catalog puts them) the
 * tiles' pixels, so they come last.
 */
import { defineConfig, readConfig, type ConfigOf } from '../core/config-schema.js';
import { median } from '../image/statistics.js';
import { RadioError } from './errors.js';
import { bilinearAt } from './interpolation.js';
import type { PointSource } from './interferometry.js';
import type { MosaicTile, TileInfo, TileSource } from './mosaic-tiles.js';
import { measureSources } from './source-peaks.js';

/** mosaic's config fields. */
export const MOSAIC_CONFIG = defineConfig({
  pbCutoff: { type: 'number', default: 0.2, doc: 'Primary-beam level below which a tile does not contribute' },
  beamTolerance: { type: 'number', default: 0.2, doc: "Largest relative difference of a tile's BMAJ or BMIN from the median" },
  noiseOutlierFactor: { type: 'number', default: 5, doc: 'A tile whose noise exceeds this many times the median is an outlier' },
  minCoverage: { type: 'number', default: 0.01, doc: "Fewest fraction of the patch's pixels some tile must cover above the cutoff" },
  astrometrySnr: { type: 'number', default: 20, doc: "Catalog sources used for astrometry: apparent flux at least this many times the tile's noise" },
  isolationBeams: { type: 'number', default: 3, doc: 'Catalog sources used for astrometry: no other source within this many BMAJ' },
  astrometryToleranceBeams: { type: 'number', default: 0.25, doc: 'A tile fails when the median offset of those sources exceeds this many BMIN' },
});

/** Config of mosaic (defaults filled in by {@link readConfig}). */
export type MosaicConfig = ConfigOf<typeof MOSAIC_CONFIG>;

/** Every mosaic field at its default. */
export const MOSAIC_DEFAULTS: MosaicConfig = readConfig(MOSAIC_CONFIG, {}, 'mosaic');

function reject(code: RadioError['code'], message: string): never {
  throw new RadioError(message, code);
}

/** MOSAIC_MISSING unless there are tiles and each has its primary beam. */
export function checkExistence(tiles: readonly MosaicTile[]): (MosaicTile & { readonly beam: TileSource })[] {
  if (tiles.length === 0) reject('MOSAIC_MISSING', 'no tiles overlap the patch');
  const missing = tiles.filter((t) => !t.beam).map((t) => t.name);
  if (missing.length) reject('MOSAIC_MISSING', `tile(s) ${missing.join(', ')} have no primary beam`);
  return tiles as (MosaicTile & { readonly beam: TileSource })[];
}

const sameWcs = (a: TileInfo['wcs'], b: TileInfo['wcs']) => [0, 1].every((i) => Math.abs(a.crval[i]! - b.crval[i]!) < 1e-9 && Math.abs(a.crpix[i]! - b.crpix[i]!) < 1e-9)
  && [0, 1].every((i) => [0, 1].every((j) => Math.abs(a.cd[i]![j]! - b.cd[i]![j]!) < 1e-12));

/** MOSAIC_GRID unless each primary beam shares its tile's grid and every tile has the first one's pixel scale (1%). */
function checkGrids(infos: readonly TileInfo[]): void {
  const scale = infos[0]!.wcs.pixelScaleArcsec;
  for (const t of infos) {
    if (t.beamWidth !== t.width || t.beamHeight !== t.height || !sameWcs(t.wcs, t.beamWcs)) reject('MOSAIC_GRID', `tile ${t.name}: its primary beam is not on the tile's grid`);
    if (Math.abs(t.wcs.pixelScaleArcsec / scale - 1) > 0.01) reject('MOSAIC_GRID', `tile ${t.name}: pixel scale ${t.wcs.pixelScaleArcsec.toFixed(2)}" differs from ${infos[0]!.name}'s ${scale.toFixed(2)}"`);
  }
}

/** MOSAIC_BEAM when a tile's BMAJ or BMIN is off the median by more than `tolerance`. */
function checkBeams(infos: readonly TileInfo[], config: MosaicConfig): void {
  for (const axis of ['bmaj', 'bmin'] as const) {
    const m = median(infos.map((t) => t[axis]));
    const bad = infos.find((t) => Math.abs(t[axis] / m - 1) > config.beamTolerance);
    if (bad) reject('MOSAIC_BEAM', `tile ${bad.name}: ${axis.toUpperCase()} ${(bad[axis] * 60).toFixed(2)}' is more than ${100 * config.beamTolerance}% from the median ${(m * 60).toFixed(2)}'`);
  }
}

/** MOSAIC_NOISE when a tile's noise is not positive or above `noiseOutlierFactor` times the median. */
function checkNoise(infos: readonly TileInfo[], config: MosaicConfig): void {
  const m = median(infos.map((t) => t.rms));
  const bad = infos.find((t) => !(t.rms > 0) || t.rms > config.noiseOutlierFactor * m);
  if (bad) reject('MOSAIC_NOISE', `tile ${bad.name}: noise ${(1000 * bad.rms).toFixed(2)} mJy/beam against a median of ${(1000 * m).toFixed(2)} (limit ${config.noiseOutlierFactor}x)`);
}

/** MOSAIC_PBCOR when primary-beam-corrected and apparent tiles are mixed. */
function checkPbcor(infos: readonly TileInfo[]): void {
  const corrected = infos.filter((t) => t.pbcor).map((t) => t.name);
  if (corrected.length && corrected.length < infos.length) reject('MOSAIC_PBCOR', `tiles ${corrected.join(', ')} are primary-beam corrected and the others are not: never mixed`);
}

/** The header-only checks, in order. */
export const HEADER_CHECKS: readonly ((infos: readonly TileInfo[], config: MosaicConfig) => void)[] = [checkGrids, checkBeams, checkNoise, checkPbcor];

/** MOSAIC_COVERAGE when fewer than `minCoverage` of the patch's pixels have a tile above the cutoff; returns the fraction covered. */
export function checkCoverage(beamsOnPatch: readonly Float32Array[], config: MosaicConfig): number {
  const n = beamsOnPatch[0]!.length;
  let covered = 0;
  for (let p = 0; p < n; p++) if (beamsOnPatch.some((a) => a[p]! >= config.pbCutoff)) covered++;
  const fraction = covered / n;
  if (fraction < config.minCoverage) reject('MOSAIC_COVERAGE', `primary beams above ${config.pbCutoff} cover ${(100 * fraction).toFixed(1)}% of the patch (at least ${100 * config.minCoverage}% needed)`);
  return fraction;
}

/**
 * MOSAIC_ASTROMETRY when, in a tile, the median offset of its bright isolated catalog sources
 * exceeds `astrometryToleranceBeams` BMIN. Returns each tile's median offset (arcsec; NaN when
 * it has no such source).
 */
export function checkAstrometry(infos: readonly TileInfo[], images: readonly Float32Array[], beams: readonly Float32Array[], catalog: readonly PointSource[], config: MosaicConfig): number[] {
  return infos.map((t, k) => {
    const found = measureSources({ width: t.width, height: t.height, image: images[k]! }, t.wcs, catalog, t.frequencyHz, config.isolationBeams * t.bmaj)
      .filter((m) => m.trueFlux * bilinearAt(beams[k]!, t.width, t.height, m.expectedX, m.expectedY) >= config.astrometrySnr * t.rms);
    if (!found.length) return NaN;
    const offset = median(found.map((m) => Math.hypot(m.measured.x - m.expectedX, m.measured.y - m.expectedY))) * t.wcs.pixelScaleArcsec;
    if (offset > config.astrometryToleranceBeams * t.bmin * 3600) {
      reject('MOSAIC_ASTROMETRY', `tile ${t.name}: its ${found.length} bright source(s) lie a median ${(offset / 60).toFixed(2)}' from the catalog (limit ${(config.astrometryToleranceBeams * t.bmin * 60).toFixed(2)}')`);
    }
    return offset;
  });
}
