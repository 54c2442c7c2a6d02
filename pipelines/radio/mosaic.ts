/**
 * mosaic (dimensions skymap, tract, patch): the tiles overlapping a patch (gathered), with
 * their primary beams (a second gathered connection), into one primary-beam-corrected image
 * on the patch grid (linear mosaicking, Cornwell, Holdaway & Uson 1993, A&A 271, 697):
 *
 *   apparent tiles I:          M = sum(w A I) / sum(w A^2)
 *   corrected tiles I_pbcor:   M = sum(w A^2 I_pbcor) / sum(w A^2)
 *
 * with w = 1 / rms^2 of each tile and A its primary beam, both regridded onto the patch (the
 * tile by Lanczos-3, the beam bilinearly); a tile contributes only where A >= `pbCutoff`.
 * The weight image sum(w A^2) is written too: 1/sqrt of it is the predicted noise. Before
 * anything is regridded the checks of mosaic-validation.ts run, cheapest first, on headers
 * each read exactly once; beams are read for the coverage check and tiles' pixels only after
 * it, once each. The engine loads the files before `run`, synchronously in the quantum's
 * worker thread: overlapping them with asynchronous reads was measured slower (FITS decoding
 * holds the thread and the files come from the page cache); mosaics of different patches run
 * in parallel on the workers instead.
 */
import type { Table } from 'apache-arrow';
import { FitsHeader, type Exposure } from '../../registry/index.js';
import { readConfig } from '../core/config-schema.js';
import type { TaskDataId, TaskRunInput, TaskRunOutput } from '../core/connections.js';
import { setInt, setReal, setValue } from '../image/header-cards.js';
import { patchGrid, type PatchGrid } from '../image/sky-map.js';
import { median } from '../image/statistics.js';
import { sourcesFromTable } from './calibrate-gains.js';
import { bilinearAt, lanczos3At } from './interpolation.js';
import type { PointSource } from './interferometry.js';
import { exposureSource, tileInfo, type MosaicTile, type TileInfo } from './mosaic-tiles.js';
import { HEADER_CHECKS, MOSAIC_CONFIG, MOSAIC_DEFAULTS, checkAstrometry, checkCoverage, checkExistence, type MosaicConfig } from './mosaic-validation.js';

export { MOSAIC_DEFAULTS, type MosaicConfig };

/** Figures of a mosaic. */
export interface MosaicFigures {
  readonly tiles: number;
  readonly pbcor: boolean;
  readonly coverage: number;
  /** Median over covered pixels of 1 / sqrt(sum w A^2), Jy/beam. */
  readonly medianPredictedRmsJy: number;
  /** Per tile: median astrometric offset of its bright sources, arcsec (null without a catalog or sources). */
  readonly astrometricOffsetsArcsec: readonly (number | null)[];
}

/** A mosaic, its weight image and figures. */
export interface MosaicResult {
  readonly mosaic: Exposure;
  readonly weight: Exposure;
  readonly figures: MosaicFigures;
}

/** Each tile pixel position (x, y interleaved) of every patch pixel. */
function tilePositions(info: TileInfo, sky: Float64Array): Float64Array {
  const out = new Float64Array(sky.length);
  for (let p = 0; p < sky.length; p += 2) out.set(info.wcs.skyToPixel(sky[p]!, sky[p + 1]!), p);
  return out;
}

/** [RA, Dec] of every patch pixel, interleaved. */
function patchSky(grid: PatchGrid): Float64Array {
  const { width, height } = grid.box;
  const out = new Float64Array(2 * width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set(grid.wcs.pixelToSky(x, y), 2 * (y * width + x));
  return out;
}

/** A tile's primary beam at each patch pixel, 0 below the cutoff or off the tile. */
function beamOnPatch(beam: Float32Array, info: TileInfo, at: Float64Array, cutoff: number): Float32Array {
  const out = new Float32Array(at.length / 2);
  for (let p = 0; p < out.length; p++) {
    const a = bilinearAt(beam, info.width, info.height, at[2 * p]!, at[2 * p + 1]!);
    out[p] = a >= cutoff ? a : 0;
  }
  return out;
}

/** Validates `tiles` and mosaics them onto `grid`; `catalog` enables the astrometric check. */
export function buildMosaic(tiles: readonly MosaicTile[], grid: PatchGrid, config: MosaicConfig, catalog?: readonly PointSource[]): MosaicResult {
  const present = checkExistence(tiles);
  const infos = present.map(tileInfo);
  for (const check of HEADER_CHECKS) check(infos, config);
  const sky = patchSky(grid);
  const positions = infos.map((info) => tilePositions(info, sky));
  const beamPixels = present.map((t) => t.beam.pixels());
  const beams = infos.map((info, k) => beamOnPatch(beamPixels[k]!, info, positions[k]!, config.pbCutoff));
  const coverage = checkCoverage(beams, config);
  const images = present.map((t) => t.image.pixels());
  const offsets = catalog ? checkAstrometry(infos, images, beamPixels, catalog, config) : infos.map(() => NaN);
  const { mosaic, weight } = accumulate(infos, images, beams, positions, grid.box.width * grid.box.height);
  const predicted = median(Array.from(weight).filter((w) => w > 0).map((w) => 1 / Math.sqrt(w)));
  const figures: MosaicFigures = {
    tiles: infos.length, pbcor: infos[0]!.pbcor, coverage, medianPredictedRmsJy: predicted,
    astrometricOffsetsArcsec: offsets.map((o) => (Number.isFinite(o) ? o : null)),
  };
  const { width, height } = grid.box;
  return { mosaic: { width, height, image: mosaic, header: mosaicHeader(grid, infos, config, figures) }, weight: { width, height, image: weight, header: weightHeader(grid) }, figures };
}

/** sum(w A I) / sum(w A^2) (or with A^2 I_pbcor) and sum(w A^2) at every patch pixel. */
function accumulate(infos: readonly TileInfo[], images: readonly Float32Array[], beams: readonly Float32Array[], positions: readonly Float64Array[], n: number): { mosaic: Float32Array; weight: Float32Array } {
  const num = new Float64Array(n), den = new Float64Array(n);
  infos.forEach((info, k) => {
    const w = 1 / (info.rms * info.rms), beam = beams[k]!, at = positions[k]!, image = images[k]!;
    for (let p = 0; p < n; p++) {
      const a = beam[p]!;
      if (a === 0) continue;
      const value = lanczos3At(image, info.width, info.height, at[2 * p]!, at[2 * p + 1]!);
      if (Number.isNaN(value)) continue;
      num[p] += info.pbcor ? w * a * a * value : w * a * value;
      den[p] += w * a * a;
    }
  });
  return { mosaic: Float32Array.from(num, (s, p) => (den[p]! > 0 ? s / den[p]! : 0)), weight: Float32Array.from(den) };
}

function mosaicHeader(grid: PatchGrid, infos: readonly TileInfo[], config: MosaicConfig, f: MosaicFigures): FitsHeader {
  const h = new FitsHeader(grid.wcs.toCards());
  setValue(h, 'BUNIT', 'Jy/beam', 'brightness unit');
  setValue(h, 'BTYPE', 'Intensity', 'Stokes I, primary-beam corrected');
  setReal(h, 'BMAJ', median(infos.map((t) => t.bmaj)), 'median restoring beam major axis FWHM, deg');
  setReal(h, 'BMIN', median(infos.map((t) => t.bmin)), 'median restoring beam minor axis FWHM, deg');
  setReal(h, 'BPA', median(infos.map((t) => t.bpa)), 'median restoring beam position angle, deg');
  setReal(h, 'FREQ', median(infos.map((t) => t.frequencyHz)), 'median tile frequency, Hz');
  setValue(h, 'PBCOR', true, 'corrected for the primary beam');
  setValue(h, 'PBCORIN', f.pbcor, 'tiles were primary-beam corrected');
  setReal(h, 'PBCUTOFF', config.pbCutoff, 'primary-beam level below which tiles are left out');
  setInt(h, 'NTILES', f.tiles, 'tiles in the mosaic');
  setReal(h, 'RMSPRED', f.medianPredictedRmsJy, 'median of 1/sqrt(sum w A^2), Jy/beam');
  return h;
}

function weightHeader(grid: PatchGrid): FitsHeader {
  const h = new FitsHeader(grid.wcs.toCards());
  setValue(h, 'BUNIT', '(Jy/beam)^-2', 'sum over tiles of w A^2, w = 1/rms^2');
  setValue(h, 'BTYPE', 'Weight', '1/sqrt of it is the predicted noise');
  return h;
}

/** Tiles paired with their primary beams by data ID (a tile without one keeps `beam` absent). */
function pairTiles(tiles: readonly Exposure[], tileIds: readonly TaskDataId[], beams: readonly Exposure[], beamIds: readonly TaskDataId[]): MosaicTile[] {
  const key = (id: TaskDataId) => `${id['instrument']}/${id['observation']}`;
  const byKey = new Map(beamIds.map((id, k) => [key(id), beams[k]!]));
  return tiles.map((e, k) => {
    const beam = byKey.get(key(tileIds[k]!));
    return { name: `observation ${tileIds[k]!['observation']}`, image: exposureSource(e), ...(beam ? { beam: exposureSource(beam) } : {}) };
  });
}

/** The task: inputs `tiles`, `beams` (gathered), `skyMap`, optional `skyModel`; outputs `mosaic` and `weight`. */
export function run(input: TaskRunInput): TaskRunOutput {
  const config = readConfig(MOSAIC_CONFIG, input.config, 'mosaic');
  const ids = (name: string) => (input.inputDataIds[name] ?? []) as readonly TaskDataId[];
  const tiles = pairTiles(input.inputs['tiles'] as Exposure[], ids('tiles'), (input.inputs['beams'] ?? []) as Exposure[], ids('beams'));
  const grid = patchGrid(input.inputs['skyMap'], Number(input.dataId['tract']), Number(input.dataId['patch']));
  const skyModel = input.inputs['skyModel'] as Table | undefined;
  const result = buildMosaic(tiles, grid, config, skyModel ? sourcesFromTable(skyModel) : undefined);
  const f = result.figures;
  input.log(`mosaicked ${f.tiles} tile(s) (${f.pbcor ? 'primary-beam corrected' : 'apparent'}) over ${(100 * f.coverage).toFixed(1)}% of the patch; predicted rms ${(1000 * f.medianPredictedRmsJy).toFixed(2)} mJy/beam`);
  return { outputs: { mosaic: result.mosaic, weight: result.weight }, metadata: { ...f } };
}
